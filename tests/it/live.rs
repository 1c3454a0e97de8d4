//! A real server through its snapshot, on both backends: `live load` of the litware snapshot
//! then `plan` is empty; `plan --live` needs no store; every broken snapshot in
//! `examples/invalid-live/` is refused with its expected report and loads nothing; a load keeps
//! the rows (and messages) of what stays and needs consent to delete history.

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{assert_snapshot, pchat_in, root};
use crate::reconcile::{code, run};

const SNAPSHOT: &str = "examples/live/litware-snapshot.json";

fn at_root(p: &str) -> String {
    root().join(p).display().to_string()
}

#[test]
fn a_loaded_snapshot_of_a_server_configured_as_litware_plans_to_nothing() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let out = code(&t, &["live", "load", &at_root(SNAPSHOT)], 0);
        assert!(out.contains("91 created"), "{out}");
        code(
            &t,
            &["plan", &at_root("examples/litware"), "--detailed-exitcode"],
            0,
        );
        code(&t, &["drift", &at_root("examples/litware")], 0);
        // Loading it again changes nothing and records nothing.
        let again = code(&t, &["live", "load", &at_root(SNAPSHOT)], 0);
        assert!(again.contains("0 created, 0 changed, 0 removed"), "{again}");
        let history = run(&t, &["history", "--format", "json"]);
        let h: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        assert_eq!(h.as_array().unwrap().len(), 1, "{h:#}");
        assert_eq!(h[0]["source"], "live-snapshot");
    }
}

#[test]
fn plan_against_a_snapshot_needs_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let r = pchat_in(
        dir.path(),
        &[
            "plan",
            "--live",
            &at_root(SNAPSHOT),
            &at_root("examples/litware"),
            "--detailed-exitcode",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "plan --live wrote a store"
    );
    // A snapshot that differs is a plan of changes.
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let changed = text.replace("\"Privacy\": \"Secret\"", "\"Privacy\": \"Open\"");
    let file = dir.path().join("changed.json");
    std::fs::write(&file, changed).unwrap();
    let r = pchat_in(
        dir.path(),
        &[
            "plan",
            "--live",
            file.to_str().unwrap(),
            &at_root("examples/litware"),
            "--detailed-exitcode",
        ],
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("privacy"), "{}", r.stdout);
}

#[test]
fn broken_snapshots_are_refused_at_their_json_path_and_load_nothing() {
    let dir = root().join("examples/invalid-live");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "only {} broken snapshots", files.len());
    let store = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", store.path().join("x.db").display());
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        let r = pchat_in(
            &root(),
            &["--store", &url, "--color", "never", "live", "load", &rel],
        );
        assert_eq!(
            r.code, 1,
            "{rel} should be refused:\n{}{}",
            r.stdout, r.stderr
        );
        assert_snapshot(&f.with_extension("expected"), &r.stderr);
        assert!(
            !store.path().join("x.db").exists(),
            "{rel}: the store was opened although the snapshot is refused"
        );
    }
}

#[test]
fn a_load_keeps_what_stays_and_asks_before_it_deletes_history() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        code(&t, &["live", "load", &at_root(SNAPSHOT)], 0);
        let room = "atl-pchat-001.litwareinc.com\\Help Desk";
        let post = [
            "message",
            "post",
            "--room",
            room,
            "--from",
            "sip:aidan@litwareinc.com",
            "hi",
        ];
        code(&t, &post, 0);
        // The server renamed nothing but changed a description: the room keeps its messages.
        let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
        let edited = text.replacen(
            "\"Description\": \"Ask anything; the help desk watches this room\"",
            "\"Description\": \"Ask us\"",
            1,
        );
        assert_ne!(edited, text);
        let file = t.dir.path().join("edited.json");
        std::fs::write(&file, &edited).unwrap();
        let out = code(&t, &["live", "load", file.to_str().unwrap()], 0);
        assert!(out.contains("0 created, 1 changed, 0 removed"), "{out}");
        let msgs = run(&t, &["message", "get", "--room", room, "--format", "json"]);
        assert!(msgs.stdout.contains("\"hi\""), "{}", msgs.stdout);
        // A snapshot without the room would delete its messages: refused (exit 3), unchanged.
        let mut v: serde_json::Value = serde_json::from_str(&edited).unwrap();
        v["rooms"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["Name"] != "Help Desk");
        std::fs::write(&file, v.to_string()).unwrap();
        let r = run(&t, &["live", "load", file.to_str().unwrap()]);
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("Help Desk") && r.stderr.contains("--allow-destroy"),
            "{}",
            r.stderr
        );
        let still = run(&t, &["message", "get", "--room", room, "--format", "json"]);
        assert!(still.stdout.contains("\"hi\""), "{}", still.stdout);
        let out = code(
            &t,
            &["live", "load", file.to_str().unwrap(), "--allow-destroy"],
            0,
        );
        assert!(out.contains("1 removed"), "{out}");
    }
}

#[test]
fn the_committed_live_schema_is_current_and_describes_the_example() {
    let committed = std::fs::read_to_string(root().join(pchat::live::SCHEMA_PATH))
        .expect("schema/live.schema.json is committed");
    assert!(
        committed == pchat::live::schema(),
        "schema/live.schema.json is stale: run `cargo run -- schema --live --out schema/live.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let example: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let errors: Vec<String> = v.iter_errors(&example).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The whole loop, with a second store standing in for the server (it runs what the apply
/// script runs: the plan's operations): collect → load → plan → apply → collect → load → drift.
#[test]
fn collect_load_plan_apply_collect_load_closes_the_loop() {
    for b in BACKENDS {
        let (pchat, server) = (TestStore::new(b), TestStore::new(b));
        // The server drifted from git: a room opened up, another one lost a member.
        let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
        let drifted = text
            .replacen("\"Privacy\": \"Secret\"", "\"Privacy\": \"Open\"", 1)
            .replacen("        \"sip:chen@litwareinc.com\",\n", "", 1);
        assert_ne!(drifted, text);
        let collected = pchat.dir.path().join("collected.json");
        std::fs::write(&collected, &drifted).unwrap();
        code(&server, &["live", "load", collected.to_str().unwrap()], 0);
        code(&pchat, &["live", "load", collected.to_str().unwrap()], 0);
        let litware = at_root("examples/litware");
        let planned = code(&pchat, &["plan", &litware, "--format", "json"], 0);
        let on_server = code(&server, &["plan", &litware, "--format", "json"], 0);
        let changes =
            |p: &str| serde_json::from_str::<serde_json::Value>(p).unwrap()["changes"].clone();
        assert_eq!(
            changes(&planned),
            changes(&on_server),
            "the server would run another plan"
        );
        assert!(!changes(&planned).as_array().unwrap().is_empty());
        // The README's loop: the saved plan becomes apply.ps1, which the server runs.
        let plan = pchat.dir.path().join("plan.json");
        let plan = plan.to_str().unwrap();
        code(&pchat, &["plan", &litware, "--out", plan], 0);
        let script = code(&pchat, &["live", "apply-script", "--plan", plan], 0);
        for c in changes(&planned).as_array().unwrap() {
            for cmdlet in c["cmdlets"].as_array().unwrap() {
                let cmdlet = cmdlet.as_str().unwrap();
                assert!(script.contains(cmdlet), "apply.ps1 lacks {cmdlet}");
            }
        }
        code(&server, &["apply", &litware, "--yes"], 0);
        let again = code(&server, &["live", "snapshot", "--from-store"], 0);
        // Collected again, as Windows PowerShell 5.1 writes it: wrapped lists, UTF-16.
        let shaped = ps51(serde_json::from_str(&again).unwrap(), true);
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(shaped.to_string().encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(&collected, bytes).unwrap();
        code(&pchat, &["live", "load", collected.to_str().unwrap()], 0);
        code(&pchat, &["drift", &litware], 0);
        code(&pchat, &["plan", &litware, "--detailed-exitcode"], 0);
    }
}

/// A snapshot's JSON as Windows PowerShell 5.1's ConvertTo-Json writes arrays held in a
/// `[psobject]`: `{"value":[…],"Count":n}`, and a one-element list unrolled (but for the kinds).
fn ps51(v: serde_json::Value, top: bool) -> serde_json::Value {
    use serde_json::{json, Value};
    match v {
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().map(|i| ps51(i, false)).collect();
            match items.len() {
                1 if !top => items.into_iter().next().unwrap(),
                n => json!({"value": items, "Count": n}),
            }
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let top = matches!(v, Value::Array(_)) && top;
                    (k, ps51(v, top))
                })
                .collect(),
        ),
        other => other,
    }
}
