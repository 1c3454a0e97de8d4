//! Partial plans: after an apply marks the store converged, a plan of a configuration that
//! differs in a few files parses only those and reads only what their objects concern. It must
//! give the full plan (`--refresh`) every time: random edit sequences over a configuration of
//! several files (rooms that move between files, are renamed, dropped, put in a category of
//! their file, given members a category refuses), with applies, hand SQL and imperative
//! commands between them; and a fixed walk on both backends that checks the path taken.

use proptest::prelude::*;

use crate::common::db::{Backend, TestStore, BACKENDS};
use crate::reconcile::run;

const PARTIAL: &str = "plan made: partial";
const ROOM_FILES: usize = 3;

/// Room `i` of the model: which file declares it, in which category, with what description
/// and member, and how often it was renamed (each rename keeps the name before).
#[derive(Debug, Clone, PartialEq)]
struct RoomSpec {
    file: usize,
    category: usize,
    description: String,
    member: usize,
    renames: usize,
}

/// The configuration: the rooms, and which room file (if any) declares category `E`.
#[derive(Debug, Clone)]
struct Model {
    rooms: Vec<Option<RoomSpec>>,
    extra_category: Option<usize>,
    /// Rooms declared beside the model's, by file: a name, and the previous name it claims.
    claims: Vec<(usize, String, Option<String>)>,
    /// The pool spelt in capitals (the store keeps its first spelling).
    pool_upper: bool,
    /// A room file named a second time on the command line.
    twice: bool,
}

const CATEGORIES: [&str; 3] = ["C", "D", "E"];
const USERS: [&str; 2] = ["sip:kim@litwareinc.com", "sip:ann@litwareinc.com"];

fn name(i: usize, renames: usize) -> String {
    match renames {
        0 => format!("R{i:02}"),
        n => format!("R{i:02} v{n}"),
    }
}

/// Writes the base file (pool, categories `C` and `D` — `D` admits Kim alone — and the
/// directory) and one file per room file; returns the directory.
fn write(t: &TestStore, m: &Model) -> String {
    let dir = t.dir.path().join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    let pool = if m.pool_upper {
        "P.LitwareInc.com"
    } else {
        "p.litwareinc.com"
    };
    let base = format!(
        "pools:\n  - fqdn: {pool}\ncategories:\n  - name: C\n    allowedMembers: [{k}, {a}]\n  \
         - name: D\n    allowedMembers: [{k}]\nprincipals:\n  - type: User\n    sipAddress: {k}\n  \
         - type: User\n    sipAddress: {a}\n",
        k = USERS[0],
        a = USERS[1]
    );
    std::fs::write(dir.join("base.yaml"), base).unwrap();
    for f in 0..ROOM_FILES {
        let mut text = String::new();
        if m.extra_category == Some(f) {
            text.push_str(&format!(
                "categories:\n  - name: E\n    allowedMembers: [{}]\n",
                USERS[1]
            ));
        }
        text.push_str("rooms:\n");
        let mut any = false;
        for (i, r) in m.rooms.iter().enumerate() {
            let Some(r) = r.as_ref().filter(|r| r.file == f) else {
                continue;
            };
            any = true;
            text.push_str(&format!(
                "  - name: {}\n    category: {}\n    description: '{}'\n    members: [{}]\n",
                name(i, r.renames),
                CATEGORIES[r.category],
                r.description,
                USERS[r.member]
            ));
            if r.renames > 0 {
                text.push_str(&format!(
                    "    previousNames: ['{}']\n",
                    name(i, r.renames - 1)
                ));
            }
        }
        for (_, claim, previous) in m.claims.iter().filter(|c| c.0 == f) {
            any = true;
            text.push_str(&format!("  - name: {claim}\n    category: C\n"));
            if let Some(p) = previous {
                text.push_str(&format!("    previousNames: ['{p}']\n"));
            }
        }
        if !any {
            text.push_str("  []\n");
            text = text.replace("rooms:\n  []\n", "rooms: []\n");
        }
        std::fs::write(dir.join(format!("rooms-{f}.yaml")), text).unwrap();
    }
    dir.display().to_string()
}

fn plan(t: &TestStore, cfg: &str, extra: &[&str]) -> (i32, String, bool) {
    crate::convergence::plan_by(t, cfg, extra, PARTIAL)
}

/// The plan by the partial path and by `--refresh`; they must agree.
#[track_caller]
fn same_both_ways(t: &TestStore, cfg: &str) -> bool {
    crate::convergence::same_both_ways_by(t, cfg, PARTIAL)
}

fn initial() -> Model {
    let rooms = (0..6)
        .map(|i| {
            Some(RoomSpec {
                file: i % ROOM_FILES,
                category: i % 2,
                description: format!("room {i}"),
                member: 0,
                renames: 0,
            })
        })
        .collect();
    Model {
        rooms,
        extra_category: None,
        claims: Vec::new(),
        pool_upper: false,
        twice: false,
    }
}

fn apply(t: &TestStore, cfg: &str) -> i32 {
    run(t, &["apply", cfg, "--yes", "--force", "--allow-destroy"]).code
}

#[test]
fn an_edited_file_is_planned_alone_and_as_the_full_path_plans_it() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let mut m = initial();
        let cfg = write(&t, &m);
        assert_eq!(apply(&t, &cfg), 0);
        // One description: one file parsed, one room changed.
        m.rooms[1].as_mut().unwrap().description = "edited".into();
        let cfg = write(&t, &m);
        assert!(same_both_ways(&t, &cfg), "{b:?}: one edited file");
        let (code, json, _) = plan(&t, &cfg, &[]);
        assert_eq!(code, 2, "{json}");
        assert!(
            json.contains("edited") && json.matches("\"identity\"").count() == 1,
            "{json}"
        );
        // A room moved to another file, another renamed, a third dropped (two files changed).
        m.rooms[0].as_mut().unwrap().file = 1;
        m.rooms[3].as_mut().unwrap().renames = 1;
        m.rooms[4] = None;
        let cfg = write(&t, &m);
        assert!(same_both_ways(&t, &cfg), "{b:?}: moved, renamed, dropped");
        // A category declared in a room file, and a room put in it.
        m.extra_category = Some(2);
        m.rooms[5].as_mut().unwrap().category = 2;
        m.rooms[5].as_mut().unwrap().member = 1;
        let cfg = write(&t, &m);
        same_both_ways(&t, &cfg);
        assert_eq!(apply(&t, &cfg), 0);
        assert!(!same_both_ways(&t, &cfg) || plan(&t, &cfg, &[]).1.contains("[]"));
        // A member the category refuses: the full path's located error, whichever path.
        m.rooms[3].as_mut().unwrap().member = 1;
        let cfg = write(&t, &m);
        let r = run(&t, &["plan", &cfg]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("rooms-0.yaml:"), "located: {}", r.stderr);
        same_both_ways(&t, &cfg);
        // A room declared in two files: the duplicate is reported where it is.
        m.rooms[3].as_mut().unwrap().member = 0;
        let cfg = write(&t, &m);
        let twice = std::path::Path::new(&cfg).join("rooms-2.yaml");
        let mut text = std::fs::read_to_string(&twice).unwrap();
        text.push_str(&format!("  - name: {}\n    category: C\n", name(3, 1)));
        std::fs::write(&twice, text).unwrap();
        let r = run(&t, &["plan", &cfg]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("rooms-2.yaml:"), "located: {}", r.stderr);
        same_both_ways(&t, &cfg);
    }
}

/// pchat's records of what each file declares are trusted only while the mark stands, so hand
/// SQL on them alone ends it, and the next plans take the full path.
#[test]
fn hand_sql_on_the_declarations_ends_the_mark() {
    for b in BACKENDS {
        for sql in [
            "DELETE FROM declarations WHERE identity LIKE '%R01'",
            "UPDATE declared_files SET digest = 'x' WHERE file LIKE '%rooms-0.yaml'",
        ] {
            let t = TestStore::new(b);
            let mut m = initial();
            let cfg = write(&t, &m);
            assert_eq!(apply(&t, &cfg), 0);
            // A comment changes a file but no object: the apply has nothing to do and marks
            // the store again, recording that file anew; a hand write must still end that mark.
            let file = std::path::Path::new(&cfg).join("rooms-0.yaml");
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, format!("# reviewed\n{text}")).unwrap();
            assert_eq!(apply(&t, &cfg), 0);
            let short = |t: &TestStore| {
                let r = run(t, &["--log-format", "json", "plan", &cfg]);
                r.stderr.contains("converged, nothing read")
            };
            assert!(short(&t), "{b:?}: converged after the applies");
            let ended = |t: &TestStore, sql: &str| {
                crate::convergence::hand_sql(t, b, sql);
                !short(t)
            };
            let hand = "UPDATE rooms SET description = 'hand' WHERE name = 'R02'";
            assert!(ended(&t, hand), "{b:?}: a hand write after a re-marking");
            assert_eq!(apply(&t, &cfg), 0);
            assert!(short(&t), "{b:?}: converged again");
            crate::convergence::hand_sql(&t, b, sql);
            assert!(!short(&t), "{b:?}: {sql} ends the mark");
            m.rooms[1].as_mut().unwrap().description = "edited".into();
            let cfg = write(&t, &m);
            assert!(
                !same_both_ways(&t, &cfg),
                "{b:?}: no partial plan after {sql}"
            );
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Describe(usize, String),
    Move(usize, usize),
    Rename(usize),
    Drop(usize),
    Restore(usize, usize),
    Category(usize, usize),
    Member(usize, usize),
    ExtraCategory(Option<usize>),
    Apply,
    HandUpdate(usize),
    HandDeclarations(usize),
    Imperative(usize),
    /// In file `f`, a room named as room `i` was before its last rename (`0`), or a new
    /// room that claims that name as its own previous name (`1`).
    Claim(usize, usize, usize),
    Unclaim,
    PoolCase(bool),
    Twice(bool),
    PastTriggers(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0..6usize;
    let f = 0..ROOM_FILES;
    prop_oneof![
        (i.clone(), "[a-c]{1,2}").prop_map(|(i, d)| Step::Describe(i, d)),
        (i.clone(), f.clone()).prop_map(|(i, f)| Step::Move(i, f)),
        i.clone().prop_map(Step::Rename),
        i.clone().prop_map(Step::Drop),
        (i.clone(), f.clone()).prop_map(|(i, f)| Step::Restore(i, f)),
        (i.clone(), 0..3usize).prop_map(|(i, c)| Step::Category(i, c)),
        (i.clone(), 0..2usize).prop_map(|(i, u)| Step::Member(i, u)),
        proptest::option::of(f.clone()).prop_map(Step::ExtraCategory),
        Just(Step::Apply),
        Just(Step::Apply),
        Just(Step::Apply),
        i.clone().prop_map(Step::HandUpdate),
        i.clone().prop_map(Step::HandDeclarations),
        i.clone().prop_map(Step::Imperative),
        (i.clone(), f, 0..2usize).prop_map(|(i, f, how)| Step::Claim(i, f, how)),
        Just(Step::Unclaim),
        any::<bool>().prop_map(Step::PoolCase),
        any::<bool>().prop_map(Step::Twice),
        i.prop_map(Step::PastTriggers),
    ]
}

/// Changes the model (and the store, for the hand and imperative steps).
fn take(t: &TestStore, m: &mut Model, cfg: &str, s: Step) {
    let current = |m: &Model, i: usize| {
        m.rooms[i]
            .as_ref()
            .map_or(name(i, 0), |r| name(i, r.renames))
    };
    match s {
        Step::Describe(i, d) => m.rooms[i]
            .iter_mut()
            .for_each(|r| r.description = d.clone()),
        Step::Move(i, f) => m.rooms[i].iter_mut().for_each(|r| r.file = f),
        Step::Rename(i) => m.rooms[i].iter_mut().for_each(|r| r.renames += 1),
        Step::Drop(i) => m.rooms[i] = None,
        Step::Restore(i, f) if m.rooms[i].is_none() => {
            m.rooms[i] = Some(RoomSpec {
                file: f,
                category: 0,
                description: "back".into(),
                member: 0,
                renames: 0,
            })
        }
        Step::Restore(..) => {}
        Step::Category(i, c) => m.rooms[i].iter_mut().for_each(|r| r.category = c),
        Step::Member(i, u) => m.rooms[i].iter_mut().for_each(|r| r.member = u),
        Step::ExtraCategory(f) => m.extra_category = f,
        Step::Apply => {
            apply(t, cfg);
        }
        Step::HandUpdate(i) => crate::convergence::hand_sql(
            t,
            Backend::Sqlite,
            &format!(
                "UPDATE rooms SET description = 'hand' WHERE name = '{}'",
                current(m, i)
            ),
        ),
        // pchat's own records, but hand SQL may reach them too: the mark ends with the write.
        Step::HandDeclarations(i) => crate::convergence::hand_sql(
            t,
            Backend::Sqlite,
            &format!(
                "DELETE FROM declarations WHERE identity LIKE '%{}'; \
                 UPDATE rooms SET disabled = NOT disabled WHERE name = '{}'",
                current(m, i),
                current(m, i)
            ),
        ),
        Step::Claim(i, f, how) => {
            let before = m.rooms[i]
                .as_ref()
                .map_or(name(i, 0), |r| name(i, r.renames.saturating_sub(1)));
            m.claims.push(match how {
                0 => (f, before, None),
                _ => (f, format!("X{i:02}"), Some(before)),
            });
        }
        Step::Unclaim => m.claims.clear(),
        Step::PoolCase(upper) => m.pool_upper = upper,
        Step::Twice(twice) => m.twice = twice,
        Step::PastTriggers(i) => crate::exactness::write_past_triggers(
            t,
            Backend::Sqlite,
            i % 2,
            &format!(
                "UPDATE rooms SET description = 'past' WHERE name = '{}'",
                current(m, i)
            ),
        ),
        Step::Imperative(i) => {
            run(
                t,
                &[
                    "room",
                    "set",
                    "--identity",
                    &format!("p.litwareinc.com\\{}", current(m, i)),
                    "--description",
                    "imp",
                ],
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever happens to the files and the store, the partial path gives the full plan.
    #[test]
    fn the_partial_path_and_the_full_path_always_give_the_same_plan(
        steps in proptest::collection::vec(step(), 1..10)
    ) {
        let t = TestStore::new(Backend::Sqlite);
        let mut m = initial();
        let mut cfg = write(&t, &m);
        prop_assert_eq!(apply(&t, &cfg), 0);
        // Converged, one file edited: the partial path must answer.
        m.rooms[0].as_mut().unwrap().description = "first".into();
        cfg = write(&t, &m);
        prop_assert!(same_both_ways(&t, &cfg), "one edited file after an apply");
        let mut used = 0;
        for s in steps {
            take(&t, &mut m, &cfg, s);
            cfg = write(&t, &m);
            let twice = format!("{cfg}/rooms-0.yaml");
            let extra: &[&str] = if m.twice { &[&twice] } else { &[] };
            used += usize::from(crate::convergence::same_both_ways_with(&t, &cfg, extra, PARTIAL));
        }
        eprintln!("partial path answered {used} plans");
    }
}
