//! The habits administrators and CI bring (issue 11): every listed object carries its identity
//! first, completions and man pages generate, the CI templates and the pre-commit hook call
//! commands that exist, logs can be JSON lines, and long operations show progress on a
//! terminal only.

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{assert_snapshot, root};
use crate::reconcile::code;

fn litware() -> String {
    root().join("examples/litware").display().to_string()
}

/// Every command that lists objects, one per kind (and the lists that are not kinds).
const LISTS: &[&[&str]] = &[
    &["pool", "get"],
    &["principal", "get"],
    &["category", "get"],
    &["addin", "get"],
    &["room", "get"],
    &["policy", "get"],
    &["principal", "policy"],
    &["compliance", "get"],
    &["configuration", "get"],
    &["endpoint", "get"],
    &["state", "get"],
    &["active-server", "get"],
    &[
        "principal",
        "eligible",
        "--category",
        "atl-pchat-001.litwareinc.com\\Sales",
    ],
    &[
        "message",
        "get",
        "--room",
        "atl-pchat-001.litwareinc.com\\Board Briefings",
    ],
    &["history"],
];

#[test]
fn every_listed_object_carries_its_identity_first() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        code(&t, &["apply", &litware(), "--yes"], 0);
        code(
            &t,
            &[
                "message",
                "post",
                "--room",
                "atl-pchat-001.litwareinc.com\\Board Briefings",
                "--from",
                "sip:ken@litwareinc.com",
                "Q3 numbers are in",
            ],
            0,
        );
        let mut tables = String::new();
        for list in LISTS {
            let table = code(&t, list, 0);
            let header = table.lines().next().unwrap_or_default();
            assert!(header.starts_with("Identity "), "{list:?}:\n{table}");
            if !matches!(list[0], "history" | "message") {
                // The history and messages hold times and revisions of this run.
                tables.push_str(&format!("$ pchat {}\n{table}\n", list.join(" ")));
            }
            for format in ["json", "yaml"] {
                let mut args = list.to_vec();
                args.extend(["--format", format]);
                let text = code(&t, &args, 0);
                // The first key of every object, read from the text: a parsed map would not
                // keep the order.
                let first_keys: Vec<&str> = text
                    .lines()
                    .filter_map(|l| match format {
                        "json" => l.strip_prefix("  {").map(|_| ""),
                        _ => l.strip_prefix("- "),
                    })
                    .collect();
                assert!(!first_keys.is_empty(), "{args:?}:\n{text}");
                if format == "yaml" {
                    for k in &first_keys {
                        assert!(k.starts_with("identity: "), "{args:?}:\n{text}");
                    }
                } else {
                    let objects: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
                    let lines: Vec<&str> = text.lines().collect();
                    for (i, l) in lines.iter().enumerate() {
                        if *l == "  {" {
                            assert!(
                                lines[i + 1].starts_with("    \"identity\": "),
                                "{args:?}:\n{text}"
                            );
                        }
                    }
                    assert!(
                        objects.iter().all(|o| o["identity"].is_string()),
                        "{args:?}:\n{text}"
                    );
                }
            }
        }
        if b == BACKENDS[0] {
            assert_snapshot(&root().join("tests/it/snapshots/litware.get.txt"), &tables);
        }
    }
}
