//! The declarative path on both backends: apply → plan shows nothing → drift is clean; hand
//! changes are drift that apply reverts; unmanaged objects are kept unless `--prune all`;
//! stale plans, protected objects, the threshold, ignoreChanges and targets.

use pchat::apply::{self, ApplyError, ApplyOptions};
use pchat::config;
use pchat::plan::{self, Live, PlanOptions};
use pchat::store::{Store, DEFAULT_LOCK_TIMEOUT};

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{pchat_in, root, Run};

/// Runs pchat against a test store, colours off.
pub(crate) fn run(t: &TestStore, args: &[&str]) -> Run {
    let mut all = vec!["--store", t.url.as_str(), "--color", "never"];
    all.extend_from_slice(args);
    pchat_in(t.dir.path(), &all)
}

/// Runs pchat, expects `expected` as the exit code, returns stdout and stderr.
#[track_caller]
pub(crate) fn code(t: &TestStore, args: &[&str], expected: i32) -> String {
    let r = run(t, args);
    assert_eq!(r.code, expected, "{args:?}:\n{}{}", r.stdout, r.stderr);
    r.stdout + &r.stderr
}

fn litware() -> String {
    root().join("examples/litware").display().to_string()
}

#[test]
fn apply_then_plan_and_drift_are_clean() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let l = litware();
        let out = code(&t, &["plan", &l, "--detailed-exitcode"], 2);
        assert!(
            out.contains("Plan: 91 to add, 4 to change, 0 to remove."),
            "{out}"
        );
        let out = code(&t, &["apply", &l, "--yes"], 0);
        // Objects and the calls that change them, each counted as what it is.
        assert!(
            out.contains("Apply complete: 95 objects changed by 107 cmdlet calls and 30 pchat steps, in one transaction"),
            "{out}"
        );
        let out = code(&t, &["plan", &l, "--detailed-exitcode"], 0);
        assert!(
            out.contains("Plan: 0 to add, 0 to change, 0 to remove."),
            "{out}"
        );
        code(&t, &["drift", &l], 0);
        let history = code(&t, &["history", "--format", "json"], 0);
        assert!(history.contains("\"operationCount\": 137"), "{history}");
        // Export: YAML that validates and plans to zero changes.
        let out = code(&t, &["export", "--out", "exported"], 0);
        assert!(out.contains("12 files"), "{out}");
        let exported = t.dir.path().join("exported").display().to_string();
        code(&t, &["validate", &exported], 0);
        let out = code(&t, &["plan", &exported, "--detailed-exitcode"], 0);
        assert!(
            out.contains("Plan: 0 to add, 0 to change, 0 to remove."),
            "{out}"
        );
        let first = std::fs::read_to_string(t.dir.path().join("exported/rooms.yaml")).unwrap();
        assert!(
            first.starts_with("# yaml-language-server: $schema=pchat.schema.json"),
            "{first}"
        );
        code(&t, &["drift", &exported], 0);
    }
}

#[test]
fn adopted_objects_are_managed() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = config_dir(&t, 2, "");
        code(&t, &["pool", "add", "--fqdn", "p.litwareinc.com"], 0);
        code(&t, &["category", "new", "--name", "C"], 0);
        code(
            &t,
            &[
                "room",
                "new",
                "--name",
                "R00",
                "--category",
                "C",
                "--description",
                "room 0",
            ],
            0,
        );
        code(&t, &["room", "new", "--name", "Old", "--category", "C"], 0);
        // Not managed: the plan keeps it.
        let out = code(&t, &["plan", &cfg], 0);
        assert!(
            out.contains("Unmanaged, kept") && out.contains("room p.litwareinc.com\\Old"),
            "{out}"
        );
        // Adopt a configuration that declares it; then drop it from the configuration.
        let with_old = config_dir(&t, 2, "  - name: Old\n    category: C\n");
        let out = code(&t, &["adopt", &with_old], 0);
        assert!(out.starts_with("adopted "), "{out}");
        let cfg = config_dir(&t, 2, "");
        let out = code(&t, &["plan", &cfg], 0);
        assert!(out.contains("- room p.litwareinc.com\\Old"), "{out}");
    }
}

#[test]
fn hand_changes_are_drift_that_apply_reverts_and_unmanaged_objects_are_kept() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let l = litware();
        code(&t, &["apply", &l, "--yes"], 0);
        let room = "atl-pchat-001.litwareinc.com\\Sales Leads";
        code(
            &t,
            &[
                "room",
                "set",
                "--identity",
                room,
                "--description",
                "by hand",
                "--privacy",
                "Open",
            ],
            0,
        );
        code(
            &t,
            &[
                "room",
                "new",
                "--name",
                "Handmade",
                "--category",
                "Sales",
                "--persistent-chat-pool-fqdn",
                "atl-pchat-001.litwareinc.com",
            ],
            0,
        );
        let out = code(&t, &["drift", &l], 2);
        assert!(out.contains(&format!("~ room {room}")), "{out}");
        assert!(
            out.contains(
                "description : \"by hand\" -> \"Qualified leads, one thread per account\""
            ),
            "{out}"
        );
        assert!(
            out.contains("privacy     : \"Open\" -> \"Closed\""),
            "{out}"
        );
        assert!(
            out.contains("Unmanaged, kept")
                && out.contains("room atl-pchat-001.litwareinc.com\\Handmade"),
            "{out}"
        );
        code(&t, &["apply", &l, "--yes"], 0);
        let out = code(&t, &["drift", &l], 0);
        assert!(out.contains("Handmade"), "still reported: {out}");
        let out = code(&t, &["apply", &l, "--yes", "--prune", "all"], 0);
        assert!(
            out.contains("- room atl-pchat-001.litwareinc.com\\Handmade"),
            "{out}"
        );
        let rooms = code(
            &t,
            &["room", "get", "--filter", "Handmade", "--format", "json"],
            0,
        );
        assert_eq!(rooms.trim(), "[]");
    }
}

#[test]
fn a_stale_plan_is_refused_and_changes_nothing() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let desired = config::load(&[root().join("examples/litware")])
            .unwrap()
            .state;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let (state, revision) = store.snapshot().await.unwrap();
            let managed = Default::default();
            let p = plan::plan(
                &desired,
                Live {
                    state: &state,
                    managed: &managed,
                    consented: &Default::default(),
                    revision,
                },
                &PlanOptions::default(),
            );
            // A hand change after the plan was made.
            let mut tx = store.write().await.unwrap();
            tx.insert_pools(&[pchat::model::Pool {
                fqdn: "x.litwareinc.com".into(),
                site: None,
                servers: vec![],
            }])
            .await
            .unwrap();
            tx.commit_write().await.unwrap();
            let before = store.snapshot().await.unwrap();
            let err = apply::apply(&store, &desired, p.clone(), None, &ApplyOptions::default())
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    ApplyError::Stale {
                        planned: 0,
                        current: 1
                    }
                ),
                "{err}"
            );
            assert!(err.is_safety_refusal());
            assert!(err
                .to_string()
                .starts_with("stale plan: the store changed since this plan was made"));
            assert_eq!(store.snapshot().await.unwrap(), before);
            store.close().await;
        });
    }
}

/// A configuration directory for the safety tests: one pool, one category, `rooms` rooms.
fn config_dir(t: &TestStore, rooms: usize, extra: &str) -> String {
    let dir = t.dir.path().join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::from("pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\n    lifecycle:\n      protect: true\nrooms:\n");
    for i in 0..rooms {
        text.push_str(&format!(
            "  - name: R{i:02}\n    category: C\n    description: room {i}\n"
        ));
    }
    text.push_str(extra);
    std::fs::write(dir.join("c.yaml"), text).unwrap();
    dir.display().to_string()
}

#[test]
fn protect_threshold_ignore_changes_and_target() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = config_dir(&t, 12, "");
        code(&t, &["apply", &cfg, "--yes"], 0);

        // Dropping 5 of 12 managed rooms is over 30%: refused (exit 3) unless --force.
        let cfg = config_dir(&t, 7, "");
        let out = code(&t, &["apply", &cfg, "--yes"], 3);
        assert!(
            out.contains("5 of 12 room objects would change or go, more than 30%"),
            "{out}"
        );
        let out = code(&t, &["plan", &cfg], 0);
        assert!(
            out.contains("apply would refuse: 5 of 12 room objects"),
            "plan warns: {out}"
        );
        let out = code(&t, &["apply", &cfg, "--yes", "--force"], 0);
        assert!(out.contains("Apply complete"), "{out}");
        // The threshold is configurable: with 50% allowed, dropping 3 of 7 passes without --force.
        let cfg = config_dir(&t, 4, "");
        let out = code(
            &t,
            &[
                "apply",
                &cfg,
                "--yes",
                "--threshold-percent",
                "50",
                "--threshold-min",
                "5",
            ],
            0,
        );
        assert!(out.contains("Apply complete"), "{out}");
        let cfg = config_dir(&t, 7, "");
        code(&t, &["apply", &cfg, "--yes"], 0);

        // Dropping the protected category is refused even with --force.
        std::fs::write(
            t.dir.path().join("cfg/c.yaml"),
            "pools:\n  - fqdn: p.litwareinc.com\n",
        )
        .unwrap();
        let out = code(&t, &["apply", &cfg, "--yes", "--force"], 3);
        assert!(
            out.contains("category `p.litwareinc.com\\C` is protected"),
            "{out}"
        );

        // ignoreChanges: drift in that field is shown, not reverted.
        let cfg = config_dir(&t, 7, "");
        let text = std::fs::read_to_string(t.dir.path().join("cfg/c.yaml")).unwrap().replace(
            "  - name: R00\n    category: C\n    description: room 0\n",
            "  - name: R00\n    category: C\n    description: room 0\n    lifecycle:\n      ignoreChanges: [description]\n",
        );
        std::fs::write(t.dir.path().join("cfg/c.yaml"), text).unwrap();
        code(
            &t,
            &[
                "room",
                "set",
                "--identity",
                "p.litwareinc.com\\R00",
                "--description",
                "local note",
            ],
            0,
        );
        code(
            &t,
            &[
                "room",
                "set",
                "--identity",
                "p.litwareinc.com\\R01",
                "--description",
                "local note",
            ],
            0,
        );
        let out = code(&t, &["plan", &cfg], 0);
        assert!(
            out.contains("Ignored drift") && out.contains("room p.litwareinc.com\\R00 description"),
            "{out}"
        );
        assert!(!out.contains("~ room p.litwareinc.com\\R00"), "{out}");
        // --target: only R01 (and what it depends on) is planned.
        let out = code(
            &t,
            &["plan", &cfg, "--target", "room/p.litwareinc.com\\R01"],
            0,
        );
        assert!(
            out.contains("~ room p.litwareinc.com\\R01")
                && out.contains("Plan: 0 to add, 1 to change, 0 to remove."),
            "{out}"
        );
        code(&t, &["apply", &cfg, "--yes"], 0);
        let r00 = code(
            &t,
            &[
                "room",
                "get",
                "--identity",
                "p.litwareinc.com\\R00",
                "--format",
                "json",
            ],
            0,
        );
        assert!(r00.contains("local note"), "ignored field kept: {r00}");
        let r01 = code(
            &t,
            &[
                "room",
                "get",
                "--identity",
                "p.litwareinc.com\\R01",
                "--format",
                "json",
            ],
            0,
        );
        assert!(r01.contains("room 1"), "reverted: {r01}");
    }
}

#[test]
fn applies_started_together_never_interleave() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let l = litware();
        let results: Vec<Run> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..2)
                .map(|_| s.spawn(|| run(&t, &["apply", &l, "--yes"])))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // One applies everything; the other either waited and found its plan stale (exit 3) or
        // planned after the first committed and had nothing to do.
        let codes: Vec<i32> = results.iter().map(|r| r.code).collect();
        assert!(codes.contains(&0), "{codes:?}");
        for r in &results {
            assert!(
                r.code == 0 || (r.code == 3 && r.stderr.contains("stale plan")),
                "{}{}",
                r.stdout,
                r.stderr
            );
        }
        code(&t, &["plan", &l, "--detailed-exitcode"], 0);
        let history = code(&t, &["history", "--format", "json"], 0);
        assert_eq!(
            history.matches("\"operationCount\": 137").count(),
            1,
            "{history}"
        );
    }
}

#[test]
fn drift_in_json_and_a_watcher_that_sees_a_hand_change() {
    let t = TestStore::new(crate::common::db::Backend::Sqlite);
    let l = litware();
    code(&t, &["apply", &l, "--yes"], 0);
    code(
        &t,
        &[
            "room",
            "set",
            "--identity",
            "atl-pchat-001.litwareinc.com\\Help Desk",
            "--privacy",
            "Secret",
        ],
        0,
    );
    let out = run(&t, &["drift", &l, "--format", "json"]);
    assert_eq!(out.code, 2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["changes"][0]["identity"],
        "atl-pchat-001.litwareinc.com\\Help Desk"
    );
    assert_eq!(v["changes"][0]["fields"][0]["field"], "privacy");
    code(&t, &["apply", &l, "--yes"], 0);

    let mut watcher = std::process::Command::new(env!("CARGO_BIN_EXE_pchat"))
        .args([
            "--store", &t.url, "--color", "never", "drift", &l, "--watch", "1s",
        ])
        .current_dir(t.dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    code(
        &t,
        &[
            "room",
            "set",
            "--identity",
            "atl-pchat-001.litwareinc.com\\Help Desk",
            "--description",
            "moved",
        ],
        0,
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    watcher.kill().unwrap();
    let out = watcher.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let clean = text.find("No drift").expect("first report: clean");
    let drift = text
        .find("Drift: the live store differs")
        .expect("then the hand change");
    assert!(clean < drift, "{text}");
    assert_eq!(
        text.matches("No drift").count(),
        1,
        "prints only when something changes:\n{text}"
    );
    assert!(
        text.contains("description : \"moved\" -> \"Ask anything"),
        "{text}"
    );
}

#[test]
fn adopt_remembers_protection_of_every_kind() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        code(&t, &["pool", "add", "--fqdn", "p.litwareinc.com"], 0);
        code(
            &t,
            &[
                "addin",
                "new",
                "--name",
                "Dash",
                "--url",
                "https://apps.litwareinc.com/dash",
            ],
            0,
        );
        let dir = t.dir.path().join("cfg");
        std::fs::create_dir_all(&dir).unwrap();
        let with = "pools:\n  - fqdn: p.litwareinc.com\naddins:\n  - name: Dash\n    url: https://apps.litwareinc.com/dash\n    lifecycle:\n      protect: true\n";
        std::fs::write(dir.join("c.yaml"), with).unwrap();
        let cfg = dir.display().to_string();
        code(&t, &["adopt", &cfg], 0);
        std::fs::write(dir.join("c.yaml"), "pools:\n  - fqdn: p.litwareinc.com\n").unwrap();
        let out = code(&t, &["apply", &cfg, "--yes", "--force"], 3);
        assert!(
            out.contains("add-in `p.litwareinc.com\\Dash` is protected"),
            "{out}"
        );
    }
}
