//! `pchat data export|import` on both backends: export → import into an empty store → export
//! gives identical archives for every level; conflicts need --force; scope, start date and
//! disabling of exported rooms.

use pchat::store::{Store, DEFAULT_LOCK_TIMEOUT};

use crate::common::db::{Backend, TestStore, BACKENDS};
use crate::common::{pchat_in, root, Run};

fn run(t: &TestStore, args: &[&str]) -> Run {
    let mut all = vec!["--store", t.url.as_str()];
    all.extend_from_slice(args);
    pchat_in(t.dir.path(), &all)
}

#[track_caller]
fn ok(t: &TestStore, args: &[&str]) -> String {
    let r = run(t, args);
    assert_eq!(r.code, 0, "{args:?}:\n{}{}", r.stdout, r.stderr);
    r.stdout
}

/// A store holding the litware example and a few messages.
fn litware(b: Backend) -> TestStore {
    let t = TestStore::new(b);
    let state = pchat::config::load(&[root().join("examples/litware")])
        .unwrap()
        .state;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let mut tx = store.write().await.unwrap();
            tx.insert_state(&state).await.unwrap();
            tx.commit_write().await.unwrap();
            store.close().await;
        });
    let posts = [
        (
            "atl-pchat-001.litwareinc.com\\Sales Leads",
            "sip:kim@litwareinc.com",
            "2026-01-05T09:00:00",
            "Contoso renewal — it's “signed”",
        ),
        (
            "atl-pchat-001.litwareinc.com\\Sales Leads",
            "sip:david@litwareinc.com",
            "2026-02-01T10:30:00",
            "Fabrikam next week",
        ),
        (
            "atl-pchat-001.litwareinc.com\\Contracts Review",
            "sip:rachel@litwareinc.com",
            "2026-02-02T08:00:00",
            "NDA v3 attached",
        ),
        (
            "dub-pchat-001.litwareinc.com\\FX Desk",
            "sip:ciaran@litwareinc.com",
            "2026-02-03T07:45:00",
            "EUR/USD open",
        ),
    ];
    for (room, from, at, text) in posts {
        ok(
            &t,
            &[
                "message", "post", "--room", room, "--from", from, "--at", at, text,
            ],
        );
    }
    t
}

fn entries(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    pchat::data::entries(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn export_import_export_is_identical_for_every_level() {
    for b in BACKENDS {
        let source = litware(b);
        for level in ["All", "User", "Category", "RoomDirectory", "Content"] {
            let first = source.dir.path().join(format!("{level}-1.zip"));
            ok(
                &source,
                &[
                    "data",
                    "export",
                    "--file",
                    first.to_str().unwrap(),
                    "--level",
                    level,
                ],
            );
            let target = TestStore::new(b);
            let out = ok(
                &target,
                &["data", "import", "--file", first.to_str().unwrap()],
            );
            assert!(
                out.starts_with("Import-CsPersistentChatData: imported"),
                "{out}"
            );
            let second = target.dir.path().join(format!("{level}-2.zip"));
            ok(
                &target,
                &[
                    "data",
                    "export",
                    "--file",
                    second.to_str().unwrap(),
                    "--level",
                    level,
                ],
            );
            let (a, z) = (entries(&first), entries(&second));
            assert_eq!(
                a.iter().map(|e| &e.0).collect::<Vec<_>>(),
                z.iter().map(|e| &e.0).collect::<Vec<_>>(),
                "{b:?} {level}"
            );
            for ((name, x), (_, y)) in a.iter().zip(&z) {
                assert!(
                    x == y,
                    "{b:?} {level}: {name} differs:\n{}\n---\n{}",
                    String::from_utf8_lossy(x),
                    String::from_utf8_lossy(y)
                );
            }
            assert_eq!(
                std::fs::read(&first).unwrap(),
                std::fs::read(&second).unwrap(),
                "{b:?} {level}: the archives are byte for byte equal"
            );
            let names: Vec<&str> = a.iter().map(|e| e.0.as_str()).collect();
            assert_eq!(
                names.contains(&"messages.json"),
                matches!(level, "All" | "Content"),
                "{level}: {names:?}"
            );
            assert_eq!(
                names.contains(&"principals.json"),
                matches!(level, "All" | "User"),
                "{level}: {names:?}"
            );
        }
    }
}

#[test]
fn importing_over_existing_objects_needs_force() {
    for b in BACKENDS {
        let t = litware(b);
        let file = t.dir.path().join("all.zip");
        ok(&t, &["data", "export", "--file", file.to_str().unwrap()]);
        ok(
            &t,
            &[
                "message",
                "post",
                "--room",
                "atl-pchat-001.litwareinc.com\\Sales Leads",
                "--from",
                "sip:kim@litwareinc.com",
                "new since export",
            ],
        );
        let dump = |t: &TestStore| {
            let all = ok(t, &["data", "export", "--file", "dump.zip"]);
            assert!(all.contains("wrote"));
            (
                std::fs::read(t.dir.path().join("dump.zip")).unwrap(),
                ok(t, &["room", "get", "--format", "json"]),
            )
        };
        let before = dump(&t);
        let r = run(&t, &["data", "import", "--file", file.to_str().unwrap()]);
        assert_eq!(r.code, 1);
        assert_eq!(dump(&t), before, "a refused import changes nothing");
        assert!(
            r.stderr.contains("already exist in the store") && r.stderr.contains("--force"),
            "{}",
            r.stderr
        );
        ok(
            &t,
            &[
                "data",
                "import",
                "--file",
                file.to_str().unwrap(),
                "--force",
            ],
        );
        // Forced: the archive's objects are back as exported; newer messages stay.
        let msgs = ok(
            &t,
            &[
                "message",
                "get",
                "--room",
                "atl-pchat-001.litwareinc.com\\Sales Leads",
                "--format",
                "json",
            ],
        );
        assert!(
            msgs.contains("new since export") && msgs.contains("Contoso renewal"),
            "{msgs}"
        );
        let bad = t.dir.path().join("bad.zip");
        std::fs::write(&bad, b"not a zip").unwrap();
        let r = run(&t, &["data", "import", "--file", bad.to_str().unwrap()]);
        assert_eq!(r.code, 1);
        assert!(
            r.stderr
                .contains("not a pchat data export: not a zip archive"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn scope_start_date_and_disabling_exported_rooms() {
    for b in BACKENDS {
        let t = litware(b);
        let file = t.dir.path().join("legal.zip");
        ok(
            &t,
            &[
                "data",
                "export",
                "--file",
                file.to_str().unwrap(),
                "--level",
                "Content",
                "--scope",
                "Legal",
                "--start-date",
                "2026-02-01",
                "--disable-exported-nodes",
            ],
        );
        let files = entries(&file);
        let get = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&files.iter().find(|e| e.0 == name).unwrap().1).unwrap()
        };
        let rooms = get("rooms.json");
        assert!(
            rooms
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["category"] == "Legal"),
            "{rooms}"
        );
        assert_eq!(rooms.as_array().unwrap().len(), 3);
        let messages = get("messages.json");
        assert_eq!(messages.as_array().unwrap().len(), 1, "{messages}");
        assert_eq!(messages[0]["body"], "NDA v3 attached");
        // The exported rooms are disabled now; the others are not.
        let disabled = ok(
            &t,
            &["room", "get", "--disabled", "true", "--format", "json"],
        );
        let disabled: serde_json::Value = serde_json::from_str(&disabled).unwrap();
        let names: Vec<&str> = disabled
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"Litigation Hold") && names.contains(&"Contracts Review"),
            "{names:?}"
        );
        assert!(!names.contains(&"Sales Leads"), "{names:?}");
    }
}
