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

#[test]
fn bash_completes_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = crate::common::pchat_in(dir.path(), &["completions", "bash"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    let file = dir.path().join("pchat.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // Bash itself loads the script and answers two completions, as it would at a prompt.
    let probe = format!(
        r#"source '{}'
COMP_WORDS=(pchat room s); COMP_CWORD=2; _pchat pchat s room; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(pchat room set --pri); COMP_CWORD=3; _pchat pchat --pri set; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(pchat compl); COMP_CWORD=1; _pchat pchat compl pchat; echo "${{COMPREPLY[*]}}""#,
        file.display()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "set\n--privacy\ncompletions compliance\n"
    );
}

#[test]
fn every_shell_gets_a_completion_script() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("zsh", "#compdef pchat"),
        ("fish", "complete -c pchat"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[pchat]"),
    ] {
        let r = crate::common::pchat_in(dir.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}:\n{}", r.stdout);
        // Deep commands and their flags are in every script.
        assert!(r.stdout.contains("allow-destroy"), "{shell}");
    }
    let r = crate::common::pchat_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("possible values: bash"), "{}", r.stderr);
}

#[test]
fn man_pages_cover_every_command() {
    use clap::CommandFactory;
    fn names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let name = format!("{prefix}{}", cmd.get_name());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            names(sub, &format!("{name}-"), out);
        }
        out.push(name);
    }
    let mut expected = Vec::new();
    names(&pchat::cli::Cli::command(), "", &mut expected);
    expected.sort();
    let dir = tempfile::tempdir().unwrap();
    let r = crate::common::pchat_in(dir.path(), &["man", "--out", "share/man/man1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(&format!(
            "wrote {} man pages to share/man/man1",
            expected.len()
        )),
        "{}",
        r.stdout
    );
    let pages = dir.path().join("share/man/man1");
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".1").unwrap().to_string()
        })
        .collect();
    written.sort();
    assert_eq!(written, expected);
    let room_set = std::fs::read_to_string(pages.join("pchat-room-set.1")).unwrap();
    assert!(room_set.starts_with(".ie"), "{room_set}");
    assert!(
        room_set.contains(&format!(
            ".TH pchat-room-set 1  \"pchat {}\" \"pchat Manual\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{room_set}"
    );
    assert!(
        room_set.contains("Set\\-CsPersistentChatRoom"),
        "{room_set}"
    );
    assert!(room_set.contains("\\-\\-privacy"), "{room_set}");
    // A path that cannot be a directory is a clear error.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let r = crate::common::pchat_in(dir.path(), &["man", "--out", "file/man1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: cannot write file/man1"),
        "{}",
        r.stderr
    );
}

/// Refusals end with the command that fixes them, where one exists.
#[test]
fn refusals_end_with_the_command_that_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = "pools:\n  - fqdn: p1.example.com\ncategories:\n  - name: Eng\n    \
                  allowedMembers: [sip:kim@example.com]\nprincipals:\n  - type: User\n    \
                  sipAddress: sip:kim@example.com\nrooms:\n  - name: Build Breakers\n    \
                  category: Eng\n    members: [sip:kim@example.com]\n";
    std::fs::write(dir.path().join("with-room.yaml"), config).unwrap();
    let without = &config[..config.find("rooms:").unwrap()];
    std::fs::write(dir.path().join("without-room.yaml"), without).unwrap();
    let steps: &[(&[&str], i32)] = &[
        (
            &[
                "category",
                "new",
                "--name",
                "Eng",
                "--persistent-chat-pool-fqdn",
                "p0.example.com",
            ],
            1,
        ),
        (&["apply", "with-room.yaml", "--yes"], 0),
        (
            &[
                "category",
                "new",
                "--name",
                "Eng",
                "--persistent-chat-pool-fqdn",
                "p1.example.com",
            ],
            1,
        ),
        (
            &[
                "room",
                "set",
                "--identity",
                "p1.example.com\\Sales Leads",
                "--description",
                "x",
            ],
            1,
        ),
        (
            &["addin", "remove", "--identity", "p1.example.com\\Ticker"],
            1,
        ),
        (
            &[
                "policy",
                "set",
                "--identity",
                "tag:Traders",
                "--enable-persistent-chat",
                "true",
            ],
            1,
        ),
        (
            &[
                "compliance",
                "set",
                "--identity",
                "site:Dublin",
                "--add-user-details",
                "true",
            ],
            1,
        ),
        (
            &["endpoint", "new", "--sip-address", "sip:chat@example.com"],
            0,
        ),
        (
            &["endpoint", "new", "--sip-address", "sip:chat@example.com"],
            1,
        ),
        (
            &[
                "message",
                "post",
                "--room",
                "p1.example.com\\Sales",
                "--from",
                "sip:kim@example.com",
                "hi",
            ],
            1,
        ),
        (
            &[
                "message",
                "post",
                "--room",
                "p1.example.com\\Build Breakers",
                "--from",
                "sip:kim@example.com",
                "hi",
            ],
            0,
        ),
        (&["apply", "without-room.yaml", "--yes"], 3),
    ];
    let mut transcript = String::new();
    for (args, expected) in steps {
        let r = crate::common::pchat_in(dir.path(), args);
        assert_eq!(r.code, *expected, "{args:?}: {}{}", r.stdout, r.stderr);
        if *expected != 0 {
            let shown: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
            transcript.push_str(&format!("$ pchat {}\n{}\n", shown.join(" "), r.stderr));
            let last = r.stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("  help: ") && last.ends_with('`'),
                "{last}"
            );
        }
    }
    assert_snapshot(&root().join("tests/it/snapshots/refusals.txt"), &transcript);
}

fn shell_word(a: &str) -> String {
    if a.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c))
    {
        a.to_string()
    } else {
        format!("'{a}'")
    }
}
