//! A NUL (U+0000) is refused on every input path, with its place, and the same on both
//! backends: PostgreSQL cannot store one, and SQLite must not keep what PostgreSQL refuses.

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{pchat_in, root, Run};
use crate::hostile::{archive, text, MANIFEST};

fn run(t: &TestStore, args: &[&str]) -> Run {
    let mut all = vec!["--store", t.url.as_str(), "--color", "never"];
    all.extend_from_slice(args);
    pchat_in(t.dir.path(), &all)
}

#[track_caller]
fn refused(t: &TestStore, args: &[&str], says: &[&str]) -> String {
    let r = run(t, args);
    assert_eq!(r.code, 1, "{args:?}: {}{}", r.stdout, r.stderr);
    let said = format!("{}{}", r.stdout, r.stderr);
    for s in says {
        assert!(said.contains(s), "{args:?}: expected `{s}` in\n{said}");
    }
    said
}

const CONFIG: &str = "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\n    persistentChatPoolFqdn: p.litwareinc.com\nrooms:\n  - name: R1\n    category: C\n    description: \"bad\\0here\"\n";

#[test]
fn a_nul_is_refused_with_its_place_on_every_path_and_both_backends() {
    let mut said = Vec::new();
    for b in BACKENDS {
        let t = TestStore::new(b);
        let dir = t.dir.path();
        // The configuration: file, line and path.
        std::fs::write(dir.join("a.yaml"), CONFIG).unwrap();
        let yaml = refused(
            &t,
            &["validate", "a.yaml"],
            &["a.yaml:9:", "rooms[0].description", "U+0000"],
        );
        refused(&t, &["apply", "a.yaml", "--yes"], &["rooms[0].description"]);
        // The directory: the line.
        std::fs::write(
            dir.join("d.csv"),
            "type,sipAddress,displayName\nUser,sip:kim@litwareinc.com,Kim\0Akers\n",
        )
        .unwrap();
        let csv = refused(
            &t,
            &["principal", "import", "d.csv"],
            &["d.csv", "2", "U+0000"],
        );
        std::fs::write(
            dir.join("d.ldif"),
            "dn: CN=Kim,DC=litwareinc,DC=com\nobjectClass: user\ndisplayName:: S2ltAEFrZXJz\n",
        )
        .unwrap();
        let ldif = refused(
            &t,
            &["principal", "import", "d.ldif"],
            &["d.ldif", "3", "U+0000"],
        );
        // A server's snapshot: the object and its field; nothing is loaded.
        let snapshot = std::fs::read_to_string(root().join("examples/live/litware-snapshot.json"))
            .unwrap()
            .replacen(
                "\"Description\": \"Product engineering\"",
                "\"Description\": \"Product\\u0000engineering\"",
                1,
            );
        std::fs::write(dir.join("s.json"), snapshot).unwrap();
        let live = refused(
            &t,
            &["live", "load", "s.json"],
            &["categories[1].Description", "U+0000"],
        );
        let rooms = run(&t, &["room", "get", "--format", "json"]);
        assert_eq!(
            rooms.stdout.trim(),
            "[]",
            "{b:?}: nothing of the snapshot was loaded"
        );
        // An archive: the entry's object and field, or the message.
        let manifest = text(MANIFEST);
        let nul_room = text(
            r#"[{"name": "R", "persistentChatPoolFqdn": "p.example.com", "category": "C", "description": "a\u0000b"}]"#,
        );
        std::fs::write(
            dir.join("a.zip"),
            archive(&[("manifest.json", &manifest), ("rooms.json", &nul_room)]),
        )
        .unwrap();
        let zip = refused(
            &t,
            &["data", "import", "--file", "a.zip"],
            &["rooms[0].description", "U+0000"],
        );
        let nul_message = text(
            r#"[{"id": 7, "room": "p.example.com\\R", "sender": "sip:a@b.c", "postedAt": 1, "body": "a\u0000"}]"#,
        );
        std::fs::write(
            dir.join("m.zip"),
            archive(&[
                ("manifest.json", &manifest),
                ("messages.json", &nul_message),
            ]),
        )
        .unwrap();
        let messages = refused(
            &t,
            &["data", "import", "--file", "m.zip"],
            &["messages.json", "[0].body", "U+0000"],
        );
        said.push([yaml, csv, ldif, live, zip, messages].map(|s| s.replace(&t.url, "STORE")));
    }
    // The same refusals, word for word, on both backends.
    assert!(said.windows(2).all(|w| w[0] == w[1]), "{said:#?}");
}

/// The store itself refuses what no input path should have let through: a command built in
/// the library (as a flag never can, argv holding no NUL) fails alike on both backends, naming
/// the object and field, and writes nothing.
#[test]
fn the_store_refuses_a_nul_from_any_caller() {
    use pchat::ops::Operation;
    for b in BACKENDS {
        let t = TestStore::new(b);
        let r = run(
            &t,
            &[
                "pool",
                "add",
                "--fqdn",
                "p.litwareinc.com",
                "--servers",
                "s.litwareinc.com",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let err = rt.block_on(async {
            let store =
                pchat::store::Store::open(&t.store_url(), pchat::store::DEFAULT_LOCK_TIMEOUT)
                    .await
                    .unwrap();
            let ops = [
                Operation::NewCategory {
                    pool: None,
                    name: "C".into(),
                    description: "a\0b".into(),
                    enable_invitations: false,
                    enable_file_upload: false,
                    remove_chat_history: false,
                },
                Operation::NewEndpoint {
                    sip_address: "sip:help@litwareinc.com".into(),
                    pool: None,
                    display_name: Some("Help\0Desk".into()),
                },
            ];
            let mut errors = Vec::new();
            for op in &ops {
                let done = pchat::imperative::run(&store, op).await;
                errors.push(done.map(|_| ()).unwrap_err().to_string());
            }
            store.close().await;
            errors
        });
        for (e, field) in err.iter().zip(["description", "displayName"]) {
            assert!(e.contains(field) && e.contains("U+0000"), "{b:?}: {e}");
        }
        let got = run(&t, &["category", "get", "--format", "json"]);
        assert_eq!(got.stdout.trim(), "[]", "{b:?}: nothing was written");
        let got = run(&t, &["endpoint", "get", "--format", "json"]);
        assert_eq!(got.stdout.trim(), "[]", "{b:?}: nothing was written");
    }
}

/// An error about a huge value shows 120 characters of it and says how many more there were:
/// a snapshot whose category name is a megabyte long does not print a megabyte.
#[test]
fn an_error_line_carries_at_most_120_characters_of_a_value() {
    let t = TestStore::new(BACKENDS[0]);
    let huge = "N".repeat(1 << 20);
    let snapshot = std::fs::read_to_string(root().join("examples/live/litware-snapshot.json"))
        .unwrap()
        .replacen(
            "\"Name\": \"Engineering\"",
            &format!("\"Name\": \"{huge}\""),
            1,
        );
    std::fs::write(t.dir.path().join("s.json"), snapshot).unwrap();
    let r = run(&t, &["live", "load", "s.json"]);
    assert_eq!(r.code, 1, "{}", &r.stdout[..r.stdout.len().min(500)]);
    assert!(
        r.stderr.contains("more characters"),
        "{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    for line in r.stderr.lines() {
        assert!(
            line.chars().count() < 400,
            "a line of {} characters",
            line.len()
        );
    }
}
