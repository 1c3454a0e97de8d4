//! Room content end to end on both backends: `message remove` and `room clear` take exactly the
//! messages their filters select (boundary dates, case, match clauses); `message test` succeeds
//! for eligible users and names the reason when it fails.

use crate::cli_store::{id, Env};
use crate::common::db::BACKENDS;

const DIRECTORY: &str = "type,sipAddress,distinguishedName,site
User,sip:kim@litwareinc.com,\"CN=Kim,OU=Sales,DC=litwareinc,DC=com\",Atlanta
User,sip:david@litwareinc.com,\"CN=David,OU=Sales,DC=litwareinc,DC=com\",Atlanta
User,sip:rachel@litwareinc.com,\"CN=Rachel,OU=Legal,DC=litwareinc,DC=com\",Atlanta
";

/// (sender, posted at, text): around the 2026-01-31 day boundaries.
const MESSAGES: &[(&str, &str, &str)] = &[
    ("kim", "2026-01-30T23:59:59", "Budget review"),
    ("kim", "2026-01-31T00:00:00", "budget lunch"),
    ("david", "2026-01-31T23:59:59", "Quarterly BUDGET"),
    ("david", "2026-02-01T00:00:00", "team offsite"),
    ("kim", "2026-02-01T12:00:00", "budget review offsite"),
];

fn setup(e: &Env) {
    std::fs::write(e.t.dir.path().join("d.csv"), DIRECTORY).unwrap();
    e.ok(&["principal", "import", "d.csv"]);
    e.ok(&[
        "policy",
        "new",
        "--identity",
        "site:Atlanta",
        "--enable-persistent-chat",
    ]);
    e.ok(&["category", "new", "--name", "Sales"]);
    e.ok(&[
        "category",
        "set",
        "--identity",
        &id("Sales"),
        "--allowed-members",
        "OU=Sales,DC=litwareinc,DC=com",
    ]);
}

/// A new room with the crafted messages.
fn room_with_messages(e: &Env, name: &str) -> String {
    e.ok(&["room", "new", "--name", name, "--category", "Sales"]);
    for (who, at, text) in MESSAGES {
        e.ok(&[
            "message",
            "post",
            "--room",
            &id(name),
            "--from",
            &format!("sip:{who}@litwareinc.com"),
            "--at",
            at,
            text,
        ]);
    }
    id(name)
}

/// The room's message texts, oldest first.
fn texts(e: &Env, room: &str) -> Vec<String> {
    e.json(&["message", "get", "--room", room])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

fn all_but(skip: &[usize]) -> Vec<String> {
    MESSAGES
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, m)| m.2.to_string())
        .collect()
}

#[test]
fn remove_and_clear_take_exactly_what_the_filters_select() {
    for b in BACKENDS {
        let e = Env::new(b);
        setup(&e);
        let cases: &[(&[&str], &[usize])] = &[
            // A user up to the end of a day: the message at 00:00:00 on that day is included.
            (
                &[
                    "--user-uri",
                    "SIP:kim@LitwareInc.com",
                    "--end-date",
                    "2026-01-31",
                ],
                &[0, 1],
            ),
            // A date range: both boundary instants are in.
            (
                &[
                    "--start-date",
                    "2026-01-31T00:00:00",
                    "--end-date",
                    "2026-02-01T00:00:00",
                ],
                &[1, 2, 3],
            ),
            // All keywords, any case.
            (&["--filter", "budget review"], &[0, 4]),
            // All keywords, case-sensitive: `Budget` and `BUDGET` do not match `budget`.
            (&["--filter", "budget", "--case-sensitive"], &[1, 4]),
            // Any keyword.
            (&["--filter", "lunch team", "--match-clause", "Or"], &[1, 3]),
            // The exact phrase.
            (
                &["--filter", "review offsite", "--match-clause", "Exact"],
                &[4],
            ),
        ];
        for (n, (filter, removed)) in cases.iter().enumerate() {
            let room = room_with_messages(&e, &format!("R{n}"));
            let mut args = vec!["message", "remove", "--identity", room.as_str(), "--remove"];
            args.extend_from_slice(filter);
            let out = e.ok(&args);
            assert!(
                out.contains(&format!(
                    "removed {}",
                    pchat::plural(removed.len(), "message")
                )),
                "{b:?} {filter:?}: {out}"
            );
            assert_eq!(texts(&e, &room), all_but(removed), "{b:?} {filter:?}");
        }

        // Without --remove the texts are replaced, by the service's notice or the given text.
        let room = room_with_messages(&e, "Replace");
        e.ok(&[
            "message",
            "remove",
            "--identity",
            &room,
            "--user-uri",
            "sip:david@litwareinc.com",
        ]);
        e.ok(&[
            "message",
            "remove",
            "--identity",
            &room,
            "--filter",
            "lunch",
            "--replace-message",
            "[redacted]",
        ]);
        let got = texts(&e, &room);
        assert_eq!(got[1], "[redacted]");
        assert_eq!(got[2], pchat::model::message::REPLACED_TEXT);
        assert_eq!(got[3], pchat::model::message::REPLACED_TEXT);
        assert_eq!(
            (got[0].as_str(), got[4].as_str()),
            ("Budget review", "budget review offsite")
        );

        // Clear: everything on or before the end date; the room stays.
        let room = room_with_messages(&e, "Clear");
        let out = e.ok(&[
            "room",
            "clear",
            "--identity",
            &room,
            "--end-date",
            "2026-01-31",
        ]);
        assert!(out.contains("removed 3 messages"), "{out}");
        assert_eq!(texts(&e, &room), all_but(&[0, 1, 2]));
        e.refused(
            &[
                "room",
                "clear",
                "--identity",
                &id("Nope"),
                "--end-date",
                "2026-01-31",
            ],
            "room `atl-pchat-001.litwareinc.com\\Nope` does not exist",
        );
        e.refused(
            &[
                "room",
                "clear",
                "--identity",
                &room,
                "--end-date",
                "31/01/2026",
            ],
            "is not a date",
        );
    }
}

#[test]
fn message_test_succeeds_for_eligible_users_and_names_the_reason_otherwise() {
    for b in BACKENDS {
        let e = Env::new(b);
        setup(&e);
        e.ok(&["room", "new", "--name", "Leads", "--category", "Sales"]);
        let room = id("Leads");
        let before = e.dump();
        let out = e.ok(&[
            "message",
            "test",
            "--room",
            &room,
            "--sender-sip-address",
            "sip:kim@litwareinc.com",
            "--receiver-sip-address",
            "sip:david@litwareinc.com",
        ]);
        assert!(
            out.starts_with("Test-CsPersistentChatMessage: Success (room"),
            "{out}"
        );
        assert!(out.contains("latency"), "{out}");
        assert_eq!(e.dump(), before, "the test leaves no trace");
        assert!(texts(&e, &room).is_empty());

        let fails = [
            (
                "sip:kim@litwareinc.com",
                "sip:rachel@litwareinc.com",
                "the receiver `sip:rachel@litwareinc.com` is not eligible for room",
            ),
            (
                "sip:nobody@litwareinc.com",
                "sip:kim@litwareinc.com",
                "the sender `sip:nobody@litwareinc.com` is not in the directory",
            ),
        ];
        for (sender, receiver, why) in fails {
            let run = e.run(&[
                "message",
                "test",
                "--room",
                &room,
                "--sender-sip-address",
                sender,
                "--receiver-sip-address",
                receiver,
            ]);
            assert_eq!(run.code, 1, "{}", run.stdout);
            assert!(
                run.stdout.contains(&format!("Failure: {why}")),
                "{}",
                run.stdout
            );
        }
        // A policy that turns chat off is a reason too.
        e.ok(&[
            "policy",
            "set",
            "--identity",
            "site:Atlanta",
            "--enable-persistent-chat",
            "false",
        ]);
        let run = e.run(&[
            "message",
            "test",
            "--room",
            &room,
            "--sender-sip-address",
            "sip:kim@litwareinc.com",
            "--receiver-sip-address",
            "sip:david@litwareinc.com",
        ]);
        assert_eq!(run.code, 1);
        assert!(
            run.stdout
                .contains("may not use Persistent Chat: policy `site:Atlanta`"),
            "{}",
            run.stdout
        );
    }
}

/// `room remove --identity` of a room that holds messages is refused without `--yes`, naming
/// the count (the pipeline form asks the same way); an empty room goes at once.
#[test]
fn removing_a_room_with_messages_needs_yes() {
    use crate::common::db::{TestStore, BACKENDS};
    for b in BACKENDS {
        let t = TestStore::new(b);
        let run = |args: &[&str]| {
            let mut all = vec!["--store", t.url.as_str()];
            all.extend_from_slice(args);
            crate::common::pchat_in(t.dir.path(), &all)
        };
        assert_eq!(run(&["pool", "add", "--fqdn", "p.litwareinc.com"]).code, 0);
        assert_eq!(run(&["category", "new", "--name", "C"]).code, 0);
        for r in ["Busy", "Quiet"] {
            assert_eq!(
                run(&["room", "new", "--name", r, "--category", "C"]).code,
                0
            );
        }
        for text in ["one", "two"] {
            let r = run(&[
                "message",
                "post",
                "--room",
                "p.litwareinc.com\\Busy",
                "--from",
                "sip:kim@litwareinc.com",
                text,
            ]);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
        let r = run(&["room", "remove", "--identity", "p.litwareinc.com\\Busy"]);
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr.contains("holds 2 messages") && r.stderr.contains("--yes"),
            "{}",
            r.stderr
        );
        let r = run(&[
            "message",
            "get",
            "--room",
            "p.litwareinc.com\\Busy",
            "--format",
            "json",
        ]);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&r.stdout)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            run(&["room", "remove", "--identity", "p.litwareinc.com\\Quiet"]).code,
            0
        );
        let r = run(&[
            "room",
            "remove",
            "--identity",
            "p.litwareinc.com\\Busy",
            "--yes",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            run(&["room", "get", "--format", "json"]).stdout.trim(),
            "[]"
        );
    }
}
