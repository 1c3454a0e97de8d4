//! Plan rendering: snapshots of the text, JSON and Markdown plans for the example; the plan
//! schema; PowerShell literals that decode back to exactly the original text; saved plans.

use pchat::model::*;
use pchat::plan::{self, Live, PlanOptions};
use pchat::render;

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{assert_snapshot, pchat, root};

#[test]
fn litware_plans_match_their_snapshots() {
    let t = TestStore::new(crate::common::db::Backend::Sqlite);
    for (format, file) in [
        ("text", "litware.plan.txt"),
        ("json", "litware.plan.json"),
        ("markdown", "litware.plan.md"),
    ] {
        let run = pchat(&[
            "--store",
            &t.url,
            "--color",
            "never",
            "plan",
            "examples/litware",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_snapshot(&root().join("tests/it/snapshots").join(file), &run.stdout);
    }
}

#[test]
fn the_plan_schema_is_current_and_describes_plans() {
    let committed = std::fs::read_to_string(root().join("schema/plan.schema.json"))
        .expect("schema/plan.schema.json is committed");
    assert!(
        committed == render::json::schema(),
        "schema/plan.schema.json is stale: run `cargo run -- schema --plan --out schema/plan.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/it/snapshots/litware.plan.json")).unwrap(),
    )
    .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let bad = serde_json::json!({"formatVersion": 1});
    assert!(!validator.is_valid(&bad));
    assert!(
        render::json::PlanFile::parse("{\"formatVersion\": 9, \"pchatVersion\": \"9.0\"}")
            .unwrap_err()
            .contains("plan format version 9 (written by pchat 9.0)")
    );
}

/// The single-quote characters of PowerShell's tokenizer.
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Splits a script into its single-quoted literals (decoded by PowerShell's rules: inside a
/// literal, a quote followed by another quote stands for the second one; a lone quote ends it)
/// and the code around them.
fn tokenize(script: &str) -> (Vec<String>, String) {
    let mut literals = Vec::new();
    let mut code = String::new();
    let mut chars = script.chars().peekable();
    let mut at = 0;
    while let Some(c) = chars.next() {
        at += c.len_utf8();
        // A value with more than printable ASCII is a sum of literals and character codes.
        if c == '(' {
            if let Some((value, used)) = ascii_sum(&script[at..]) {
                for _ in script[at..at + used].chars() {
                    chars.next();
                }
                at += used;
                code.push('_');
                literals.push(value);
                continue;
            }
        }
        if !is_quote(c) {
            code.push(c);
            continue;
        }
        let mut lit = String::new();
        loop {
            let next = chars.next();
            at += next.map_or(0, char::len_utf8);
            match next {
                None => panic!("unterminated literal in:\n{script}"),
                Some(q) if is_quote(q) => {
                    if chars.peek().is_some_and(|n| is_quote(*n)) {
                        let q = chars.next().unwrap();
                        at += q.len_utf8();
                        lit.push(q);
                    } else {
                        break;
                    }
                }
                Some(other) => lit.push(other),
            }
        }
        code.push('_');
        literals.push(lit);
    }
    (literals, code)
}

/// `'a' + [char]0x00E9 + 'b')` (after its opening parenthesis) as PowerShell evaluates it, and
/// how many bytes it spans; `None` when the text is not such a sum of two parts or more.
fn ascii_sum(text: &str) -> Option<(String, usize)> {
    let mut units: Vec<u16> = Vec::new();
    let mut rest = text;
    let mut parts = 0;
    loop {
        parts += 1;
        if let Some(r) = rest.strip_prefix("[char]0x") {
            let hex = r.get(..4)?;
            units.push(u16::from_str_radix(hex, 16).ok()?);
            rest = &r[4..];
        } else if let Some(r) = rest.strip_prefix('\'') {
            let mut lit = String::new();
            let mut it = r.char_indices().peekable();
            let end = loop {
                let (i, c) = it.next()?;
                if c == '\'' {
                    if it.peek().is_some_and(|(_, n)| *n == '\'') {
                        it.next();
                        lit.push('\'');
                        continue;
                    }
                    break i;
                }
                lit.push(c);
            };
            units.extend(lit.encode_utf16());
            rest = &r[end + 1..];
        } else {
            return None;
        }
        if let Some(r) = rest.strip_prefix(" + ") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix(')').filter(|_| parts > 1) {
            let value = String::from_utf16(&units).ok()?;
            return Some((value, text.len() - r.len()));
        } else {
            return None;
        }
    }
}

#[test]
fn powershell_literals_decode_to_exactly_the_original_text() {
    let hostile = [
        "it's",
        "‘curly’ ‚low‛ quotes",
        "$(Remove-Item -Recurse C:\\)",
        "`backtick` and `$env:PATH",
        "semi; colon; Stop-Service x",
        "new\nline\r\nand tab\t",
        "non-ASCII: Zoë, Łódź, 東京, emoji 🎉",
        "''''",
        "'; Remove-CsPersistentChatRoom -Identity x; '",
    ];
    let render = |values: &[&str]| -> String {
        let pool = "p.litwareinc.com";
        let mut doc = Document::default();
        doc.pools.push(Pool {
            fqdn: pool.into(),
            site: None,
            servers: vec![],
        });
        for (i, h) in values.iter().enumerate() {
            doc.categories.push(Category {
                name: format!("Cat {i} {h}"),
                previous_names: vec![],
                persistent_chat_pool_fqdn: None,
                description: h.to_string(),
                allowed_members: vec![format!("sip:user{i}@litwareinc.com")],
                denied_members: vec![],
                creators: vec![],
                invitations: false,
                file_upload: false,
                chat_history: true,
                lifecycle: Lifecycle::default(),
            });
            doc.rooms.push(Room {
                name: format!("Room {i} {h}"),
                previous_names: vec![],
                persistent_chat_pool_fqdn: None,
                category: format!("Cat {i} {h}"),
                description: h.to_string(),
                room_type: RoomType::Normal,
                privacy: Privacy::Open,
                addin: None,
                invitations: RoomInvitations::Inherit,
                disabled: false,
                members: vec![],
                managers: vec![],
                presenters: vec![],
                lifecycle: Lifecycle::default(),
            });
        }
        let (desired, _) = DesiredState::from_documents(vec![(0, doc)]);
        let empty = DesiredState::default();
        let managed = Default::default();
        let p = plan::plan(
            &desired,
            Live {
                state: &empty,
                managed: &managed,
                consented: &Default::default(),
                revision: 0,
            },
            &PlanOptions::default(),
        );
        render::powershell::script(&p)
    };
    let script = render(&hostile);
    let (literals, code) = tokenize(&script);
    for h in hostile {
        assert!(
            literals.iter().any(|l| l == h),
            "{h:?} does not decode back from:\n{script}"
        );
        assert!(
            literals
                .iter()
                .any(|l| l.ends_with(h) && l.starts_with("Room ")),
            "room name with {h:?}"
        );
    }
    // Outside the literals there is only our own code: the same code whatever the values
    // are, with no `$(` or backtick of theirs.
    let benign: Vec<String> = (0..hostile.len()).map(|i| format!("value {i}")).collect();
    let benign: Vec<&str> = benign.iter().map(String::as_str).collect();
    let (_, plain) = tokenize(&render(&benign));
    assert_eq!(code, plain, "the values changed the code around them");
    assert!(!code.contains("$(") && !code.contains('`'), "{code}");
}

#[test]
fn a_saved_plan_applies_once_and_is_refused_when_stale() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let run = |args: &[&str]| {
            let mut all = vec!["--store", t.url.as_str()];
            all.extend_from_slice(args);
            pchat(&all)
        };
        let plan_file = t.dir.path().join("plan.json");
        let plan_path = plan_file.to_str().unwrap();
        assert_eq!(
            run(&["plan", "examples/litware", "--out", plan_path]).code,
            0
        );
        let applied = run(&["apply", "--plan", plan_path, "--yes"]);
        assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
        // Plan again, then a hand change: the saved plan is stale.
        assert_eq!(
            run(&["plan", "examples/litware", "--out", plan_path]).code,
            0
        );
        let hand = run(&[
            "room",
            "set",
            "--identity",
            "atl-pchat-001.litwareinc.com\\Sales Leads",
            "--description",
            "by hand",
        ]);
        assert_eq!(hand.code, 0);
        let dump = || run(&["export"]).stdout;
        let before = dump();
        let stale = run(&["apply", "--plan", plan_path, "--yes"]);
        assert_eq!(stale.code, 3, "{}{}", stale.stdout, stale.stderr);
        assert!(
            stale
                .stderr
                .contains("stale plan: the store changed since this plan was made"),
            "{}",
            stale.stderr
        );
        assert_eq!(dump(), before, "a refused apply changes nothing");
    }
}

/// A pull-request comment stays under GitHub's limit however large the plan: 100,000 rooms
/// created come out under 60,000 characters, summary first, with what was left out said.
#[test]
fn markdown_of_a_huge_plan_fits_a_comment() {
    let doc = pchat::synth::document(pchat::synth::SynthOptions {
        rooms: 100_000,
        members_per_room: 1,
        ..Default::default()
    });
    let (desired, _) = DesiredState::from_documents(vec![(0, doc)]);
    let empty = DesiredState::default();
    let managed = Default::default();
    let live = Live {
        state: &empty,
        managed: &managed,
        consented: &Default::default(),
        revision: 0,
    };
    let p = plan::plan(&desired, live, &PlanOptions::default());
    assert!(p.changes.len() > 100_000);
    let md = render::markdown::markdown(&p);
    assert!(
        md.chars().count() <= render::markdown::MAX_CHARS,
        "{} characters",
        md.chars().count()
    );
    let (add, change, remove) = p.counts();
    assert!(
        md.starts_with(&format!(
            "**Plan: {add} to add, {change} to change, {remove} to remove.**"
        )),
        "{}",
        &md[..200]
    );
    assert!(
        md.contains("more changes (see the JSON plan"),
        "{}",
        &md[md.len() - 300..]
    );
    assert!(
        md.contains("**room** in <code>"),
        "grouped by kind and pool"
    );
}

/// A plan's changed values are JSON values of their own type, never JSON text in a string:
/// `jq '.changes[].fields[] | select(.new == "Atlanta")'` finds what the plan shows.
#[test]
fn plan_json_holds_values_not_json_text() {
    let t = TestStore::new(crate::common::db::Backend::Sqlite);
    let run = pchat(&[
        "--store",
        &t.url,
        "plan",
        "examples/litware",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let values: Vec<&serde_json::Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["fields"].as_array().unwrap())
        .filter_map(|f| f.get("new"))
        .collect();
    assert!(!values.is_empty());
    for v in &values {
        if let Some(s) = v.as_str() {
            assert!(!s.starts_with('"'), "JSON text in a string: {s}");
        }
    }
    assert!(values.iter().any(|v| v.is_boolean()), "{values:?}");
    assert!(values.iter().any(|v| *v == "Atlanta"), "{values:?}");
}
