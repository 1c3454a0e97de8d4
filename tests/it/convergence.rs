//! Converged stores: after an apply whose configuration plans to nothing, a plan of the same
//! files with the same options answers from the store's mark without parsing or reading rows;
//! any write to the store (pchat's or hand SQL) or any change of the files, the options or the
//! flags takes the full path again. The short path and the full path (`--refresh`) always give
//! the same plan: a fixed walk on both backends, and random edit sequences on SQLite.

use proptest::prelude::*;

use crate::common::db::{Backend, TestStore, BACKENDS};
use crate::reconcile::run;

/// What the logs say when a plan was answered from the mark.
const SHORT: &str = "converged, nothing read";

/// Runs SQL on the test store as an administrator would, outside pchat.
pub(crate) fn hand_sql(t: &TestStore, b: Backend, sql: &str) {
    use sqlx::Connection;
    let url = t.url.clone();
    let sql = sql.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                match b {
                    Backend::Sqlite => {
                        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
                        c.close().await.unwrap();
                    }
                    Backend::Postgres => {
                        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
                        c.close().await.unwrap();
                    }
                }
            })
    })
    .join()
    .unwrap();
}

/// A configuration of rooms `R00`.. with these descriptions (`None`: not declared).
fn write_config(t: &TestStore, rooms: &[Option<String>]) -> String {
    write_config_in(t, rooms, "p.litwareinc.com")
}

/// The configuration with the pool spelt as `pool` (the store may spell it otherwise).
fn write_config_in(t: &TestStore, rooms: &[Option<String>], pool: &str) -> String {
    let dir = t.dir.path().join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = format!("pools:\n  - fqdn: {pool}\ncategories:\n  - name: C\nrooms:\n");
    for (i, d) in rooms.iter().enumerate() {
        if let Some(d) = d {
            text.push_str(&format!(
                "  - name: R{i:02}\n    category: C\n    description: '{d}'\n"
            ));
        }
    }
    std::fs::write(dir.join("c.yaml"), text).unwrap();
    dir.display().to_string()
}

/// `plan` as JSON: exit code, output, and whether the log names the path `marker` says.
pub(crate) fn plan_by(
    t: &TestStore,
    cfg: &str,
    extra: &[&str],
    marker: &str,
) -> (i32, String, bool) {
    let mut args = vec![
        "--log-format",
        "json",
        "plan",
        cfg,
        "--format",
        "json",
        "--detailed-exitcode",
    ];
    args.extend_from_slice(extra);
    let r = run(t, &args);
    (r.code, r.stdout, r.stderr.contains(marker))
}

/// The plan both ways, by the path `marker` names and by `--refresh`; they must agree.
/// Returns whether that path answered.
#[track_caller]
pub(crate) fn same_both_ways_by(t: &TestStore, cfg: &str, marker: &str) -> bool {
    same_both_ways_with(t, cfg, &[], marker)
}

/// [`same_both_ways_by`] with more arguments (another path, say) on both plans.
#[track_caller]
pub(crate) fn same_both_ways_with(t: &TestStore, cfg: &str, extra: &[&str], marker: &str) -> bool {
    let (code, short, used) = plan_by(t, cfg, extra, marker);
    let mut refresh = extra.to_vec();
    refresh.push("--refresh");
    let (full_code, full, refreshed) = plan_by(t, cfg, &refresh, marker);
    assert!(!refreshed, "--refresh takes the full path");
    assert_eq!(
        (code, &short),
        (full_code, &full),
        "the {marker:?} path ({used}) and the full path differ"
    );
    used
}

fn plan(t: &TestStore, cfg: &str, extra: &[&str]) -> (i32, String, bool) {
    plan_by(t, cfg, extra, SHORT)
}

#[track_caller]
fn same_both_ways(t: &TestStore, cfg: &str) -> bool {
    same_both_ways_by(t, cfg, SHORT)
}

#[test]
fn a_converged_store_is_answered_without_reading_and_any_write_ends_that() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let rooms: Vec<Option<String>> = (0..4).map(|i| Some(format!("room {i}"))).collect();
        let cfg = write_config(&t, &rooms);
        assert!(!same_both_ways(&t, &cfg), "nothing applied yet");
        let out = run(&t, &["apply", &cfg, "--yes"]);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        assert!(same_both_ways(&t, &cfg), "an apply that converged marks it");
        // What the user sees is the full path's text.
        let text = run(&t, &["plan", &cfg]);
        assert!(
            text.stdout
                .contains("Plan: 0 to add, 0 to change, 0 to remove."),
            "{}",
            text.stdout
        );
        // Other options are another question.
        let (_, _, used) = plan(&t, &cfg, &["--prune", "all"]);
        assert!(!used, "--prune all is not what the apply planned");

        // Messages change no empty plan: the mark stays.
        hand_sql(
            &t,
            b,
            "INSERT INTO messages (id, room_id, sender, posted_at, body) \
             SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM messages), id, \
             'sip:kim@litwareinc.com', 0, 'hello' FROM rooms WHERE name = 'R00'",
        );
        // On PostgreSQL the rows a plan reads keep their row versions; on SQLite any write
        // moves the file, and the mark is not trusted (the plans agree all the same).
        assert_eq!(
            same_both_ways(&t, &cfg),
            b == Backend::Postgres,
            "a message leaves it converged on PostgreSQL only"
        );

        // Hand SQL on the rooms: drift, seen on the full path.
        hand_sql(
            &t,
            b,
            "UPDATE rooms SET description = 'by hand' WHERE name = 'R01'",
        );
        assert!(!same_both_ways(&t, &cfg), "hand SQL ends convergence");
        let (code, json, _) = plan(&t, &cfg, &[]);
        assert_eq!(code, 4, "drift alone exits 4: {json}");
        assert!(json.contains("by hand"), "{json}");
        run(&t, &["apply", &cfg, "--yes"]);
        assert!(same_both_ways(&t, &cfg));

        // A pchat command is a write too.
        let r = run(
            &t,
            &[
                "room",
                "set",
                "--identity",
                "p.litwareinc.com\\R02",
                "--description",
                "imperative",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!same_both_ways(&t, &cfg), "room set ends convergence");
        run(&t, &["apply", &cfg, "--yes"]);

        // Hand SQL on ownership alone changes what a plan removes.
        hand_sql(&t, b, "DELETE FROM ownership WHERE identity LIKE '%R03'");
        assert!(!same_both_ways(&t, &cfg), "ownership is read by plans");
        run(&t, &["apply", &cfg, "--yes"]);

        // A hand write that changes nothing still ends the mark; an apply with nothing to do
        // checks the store again and marks it.
        hand_sql(&t, b, "UPDATE rooms SET disabled = disabled");
        assert!(!same_both_ways(&t, &cfg), "any write ends convergence");
        let out = run(&t, &["apply", &cfg, "--yes"]);
        assert!(
            out.stdout.contains("0 to add, 0 to change"),
            "{}",
            out.stdout
        );
        assert!(
            same_both_ways(&t, &cfg),
            "a no-op apply marks a converged store"
        );

        // An edited file is parsed again.
        let mut edited = rooms.clone();
        edited[0] = Some("edited".into());
        let cfg = write_config(&t, &edited);
        assert!(!same_both_ways(&t, &cfg), "an edited file is read");
    }
}

/// The test's store, opened through the library.
fn open(rt: &tokio::runtime::Runtime, t: &TestStore) -> pchat::store::Store {
    rt.block_on(pchat::store::Store::open(
        &t.store_url(),
        pchat::store::DEFAULT_LOCK_TIMEOUT,
    ))
    .unwrap()
}

/// Applies `cfg` through the library from a state read before `between` runs, asking to
/// mark convergence; returns the mark the store holds afterwards.
fn apply_planned_before(t: &TestStore, b: Backend, cfg: &str, between: &str) -> Option<String> {
    use pchat::apply::{self, ApplyOptions, Converge};
    use pchat::plan::{self, Live, PlanOptions};
    let desired = pchat::config::load(&[cfg.into()]).expect("valid").state;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = open(&rt, t);
    let (state, revision) = rt.block_on(store.snapshot()).unwrap();
    let mut tx = rt.block_on(store.read()).unwrap();
    let managed = rt.block_on(tx.ownership()).unwrap();
    rt.block_on(tx.finish()).unwrap();
    let consented = Default::default();
    let live = Live {
        state: &state,
        managed: &managed,
        consented: &consented,
        revision,
    };
    let options = PlanOptions::default();
    let p = plan::plan(&desired, live, &options);
    assert!(!p.is_empty());
    if !between.is_empty() {
        hand_sql(t, b, between);
    }
    let opts = ApplyOptions {
        force: true,
        actor: "test".into(),
        converge: Some(Converge {
            fingerprint: "fp".into(),
            options,
            declared: None,
        }),
        ..ApplyOptions::default()
    };
    rt.block_on(apply::apply(&store, &desired, p, Some(state), &opts))
        .unwrap();
    let mut tx = rt.block_on(store.read()).unwrap();
    let (_, mark) = rt.block_on(tx.convergence()).unwrap();
    rt.block_on(tx.finish()).unwrap();
    rt.block_on(store.close());
    mark
}

#[test]
fn an_apply_planned_before_a_hand_change_does_not_vouch_for_the_store() {
    for b in BACKENDS {
        let rooms: Vec<Option<String>> = (0..3).map(|i| Some(format!("room {i}"))).collect();
        // The control: nothing between the plan and its apply, and the store is marked.
        let t = TestStore::new(b);
        let cfg = write_config(&t, &rooms);
        assert_eq!(apply_planned_before(&t, b, &cfg, ""), Some("fp".into()));
        // A room changed by hand after the plan read the store: the apply cannot know the
        // store from its plan alone, so it leaves no mark, and the next plan reads it all.
        let t = TestStore::new(b);
        let first = write_config(&t, &rooms[..1]);
        assert_eq!(run(&t, &["apply", &first, "--yes"]).code, 0);
        let cfg = write_config(&t, &rooms);
        let hand = "UPDATE rooms SET description = 'by hand' WHERE name = 'R00'";
        assert_eq!(apply_planned_before(&t, b, &cfg, hand), None);
        assert!(!same_both_ways(&t, &cfg));
        let (code, json, _) = plan(&t, &cfg, &[]);
        assert_eq!(code, 4, "the hand change is drift: {json}");
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Change, drop or restore room `i` in the file.
    Edit(usize, Option<String>),
    Apply,
    HandUpdate(usize),
    HandDelete(usize),
    HandOwnership(usize),
    Imperative(usize),
    HandMessage(usize),
    /// A write past the triggers: with SQLite's per-connection switch off, or with every
    /// trigger dropped (for good: later hand writes are then seen by the change signal alone).
    PastTriggers(usize, usize),
    /// The pool spelt in capitals, or as the store has it.
    PoolCase(bool),
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0..4usize;
    prop_oneof![
        (i.clone(), proptest::option::of("[a-c]{1,2}")).prop_map(|(i, d)| Step::Edit(i, d)),
        Just(Step::Apply),
        Just(Step::Apply),
        i.clone().prop_map(Step::HandUpdate),
        i.clone().prop_map(Step::HandDelete),
        i.clone().prop_map(Step::HandOwnership),
        i.clone().prop_map(Step::Imperative),
        i.clone().prop_map(Step::HandMessage),
        (i, 0..2usize).prop_map(|(i, how)| Step::PastTriggers(i, how)),
        any::<bool>().prop_map(Step::PoolCase),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Whatever happens to the files and the store, the short path gives the full path's plan.
    #[test]
    fn the_short_path_and_the_full_path_always_give_the_same_plan(
        steps in proptest::collection::vec(step(), 1..8)
    ) {
        let b = Backend::Sqlite;
        let t = TestStore::new(b);
        let mut rooms: Vec<Option<String>> = (0..4).map(|i| Some(format!("room {i}"))).collect();
        let mut cfg = write_config(&t, &rooms);
        let mut pool = "p.litwareinc.com";
        run(&t, &["apply", &cfg, "--yes"]);
        prop_assert!(same_both_ways(&t, &cfg), "converged after the first apply");
        for s in steps {
            let name = |i: usize| format!("R{i:02}");
            match s {
                Step::Edit(i, d) => {
                    rooms[i] = d;
                    cfg = write_config_in(&t, &rooms, pool);
                }
                Step::PoolCase(upper) => {
                    pool = if upper { "P.LitwareInc.COM" } else { "p.litwareinc.com" };
                    cfg = write_config_in(&t, &rooms, pool);
                }
                Step::PastTriggers(i, how) => crate::exactness::write_past_triggers(
                    &t, b, how, &format!(
                        "UPDATE rooms SET description = 'past' WHERE name = '{}'", name(i))),
                Step::Apply => {
                    run(&t, &["apply", &cfg, "--yes", "--force", "--allow-destroy"]);
                }
                Step::HandUpdate(i) => hand_sql(&t, b, &format!(
                    "UPDATE rooms SET description = 'hand' WHERE name = '{}'", name(i))),
                Step::HandDelete(i) => hand_sql(&t, b, &format!(
                    "DELETE FROM rooms WHERE name = '{}'", name(i))),
                Step::HandOwnership(i) => hand_sql(&t, b, &format!(
                    "DELETE FROM ownership WHERE identity LIKE '%{}'", name(i))),
                Step::Imperative(i) => {
                    run(&t, &["room", "set", "--identity",
                        &format!("p.litwareinc.com\\{}", name(i)), "--description", "imp"]);
                }
                Step::HandMessage(i) => hand_sql(&t, b, &format!(
                    "INSERT INTO messages (id, room_id, sender, posted_at, body) \
                     SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM messages), id, \
                     'sip:kim@litwareinc.com', 0, 'hi' FROM rooms WHERE name = '{}'",
                    name(i))),
            }
            same_both_ways(&t, &cfg);
            drift_agrees(&t, &cfg);
        }
    }
}

/// `drift` (which skips the parse when the store reads as its mark found it) reports what the
/// full plan says: the same changes, kept and ignored objects, revision and configuration.
#[track_caller]
pub(crate) fn drift_agrees(t: &TestStore, cfg: &str) {
    let json = |args: &[&str]| -> serde_json::Value {
        let r = run(t, args);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr))
    };
    let drift = json(&["drift", cfg, "--format", "json"]);
    let full = json(&["plan", cfg, "--refresh", "--format", "json"]);
    for field in [
        "changes",
        "kept",
        "ignored",
        "storeRevision",
        "configDigest",
    ] {
        assert_eq!(
            drift[field], full[field],
            "drift and the full plan differ in {field}"
        );
    }
}

/// On PostgreSQL a hand write can commit while an apply's transaction runs: the mark that
/// transaction commits must not stand, as the apply's state did not see that write.
#[test]
fn a_hand_write_committed_during_an_apply_voids_its_mark() {
    let b = Backend::Postgres;
    let t = TestStore::new(b);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = open(&rt, &t);
    let mark_after = |hand: bool| {
        let mut tx = rt.block_on(store.write()).unwrap();
        assert!(!rt.block_on(tx.dirty()).unwrap());
        if hand {
            hand_sql(&t, b, "UPDATE rooms SET description = description");
        }
        tx.mark_converged("fp", None);
        rt.block_on(tx.commit_write()).unwrap();
        let mut tx = rt.block_on(store.read()).unwrap();
        let (_, mark) = rt.block_on(tx.convergence()).unwrap();
        rt.block_on(tx.finish()).unwrap();
        mark
    };
    assert_eq!(mark_after(false), Some("fp".to_string()));
    assert_eq!(mark_after(true), None);
    rt.block_on(store.close());
}
