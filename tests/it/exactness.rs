//! Shortcuts answer exactly what the full plan answers, or are not taken: a configuration
//! edited to digest as the marked one under the old 64-bit mix is still seen as edited; a file
//! named twice is refused on every path; a `--target` that names nothing is an error, never
//! "No changes". Each on both backends.

use crate::common::db::{Backend, TestStore, BACKENDS};
use crate::reconcile::{code, run};

/// The digest pchat gave a file before SHA-256 (`w64`), fed as it fed it: the name's length,
/// the name, the text's length, then the text in words of eight bytes from its start (a
/// `feed`'s last bytes one at a time).
fn w64(name: &str, text: &[u8]) -> u64 {
    feed(head(name, text.len()), text)
}

fn head(name: &str, len: usize) -> u64 {
    let s = feed(0xcbf2_9ce4_8422_2325, &(name.len() as u64).to_le_bytes());
    let s = feed(s, name.as_bytes());
    feed(s, &(len as u64).to_le_bytes())
}

fn feed(mut state: u64, bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        state = mix(state, u64::from_le_bytes(w.try_into().unwrap()));
    }
    for &b in words.remainder() {
        state = mix(state, u64::from(b));
    }
    state
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(state: u64, w: u64) -> u64 {
    let s = (state ^ w).wrapping_mul(K);
    s ^ (s >> 29)
}

/// The word that takes `state` to `target` in one step: the mix is a bijection.
fn unmix(state: u64, target: u64) -> u64 {
    let t = target ^ (target >> 29) ^ (target >> 58);
    // K's inverse modulo 2^64, by Newton's iteration.
    let mut inv = K;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(K.wrapping_mul(inv)));
    }
    t.wrapping_mul(inv) ^ state
}

/// `b`'s 16 printable bytes at `at` (8-aligned) chosen so that the old digest of `b` is that
/// of `a` (one name, one length; they agree after those bytes).
fn collide(name: &str, a: &[u8], b: &mut [u8], at: usize) {
    let start = head(name, a.len());
    let target = feed(start, &a[..at + 16]);
    let before = feed(start, &b[..at]);
    let printable = |w: u64| w.to_le_bytes().iter().all(|c| (b' '..=b'~').contains(c));
    let mut seed = 0x1234_5678_u64;
    loop {
        // A printable first word, then the second one the mix demands.
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let first = u64::from_le_bytes(seed.to_le_bytes().map(|c| b' ' + c % 95));
        let second = unmix(mix(before, first), target);
        if printable(second) {
            b[at..at + 8].copy_from_slice(&first.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&second.to_le_bytes());
            return;
        }
    }
}

/// A file edited so that the old digest cannot tell it from the applied one: a Closed room
/// made Secret, with a printable 16-byte comment. Every plan, short or not, shows the edit.
#[test]
fn an_edit_made_to_collide_with_the_old_digest_is_still_planned() {
    let text = |privacy: &str, comment: &str| {
        let mut t =
            String::from("pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\nrooms:\n");
        t.push_str(&format!(
            "  - name: R\n    category: C\n    privacy: {privacy}\n"
        ));
        // The comment starts at a multiple of eight bytes.
        while (t.len() + 3) % 8 != 0 {
            t.push('#');
        }
        t.push_str(&format!("\n# {comment}\n"));
        t
    };
    let applied = text("Closed", "reviewed 2026-12");
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        let file = cfg.join("rooms.yaml");
        // The name as pchat names the file it finds in the directory it is given.
        let name = file.to_str().unwrap();
        let mut edited = text("Secret", "reviewed 2026-12").into_bytes();
        let at = edited.len() - 17;
        assert_eq!(at % 8, 0);
        collide(name, applied.as_bytes(), &mut edited, at);
        assert_eq!(
            w64(name, applied.as_bytes()),
            w64(name, &edited),
            "the old digest collides"
        );
        let edited = String::from_utf8(edited).unwrap();
        assert!(edited.contains("privacy: Secret") && edited.len() == applied.len());
        std::fs::write(&file, &applied).unwrap();
        let cfg = cfg.to_str().unwrap();
        code(&t, &["apply", cfg, "--yes"], 0);
        code(&t, &["plan", cfg, "--detailed-exitcode"], 0);
        std::fs::write(&file, &edited).unwrap();
        for extra in [&[][..], &["--refresh"][..]] {
            let mut args = vec!["plan", cfg, "--detailed-exitcode"];
            args.extend_from_slice(extra);
            let out = code(&t, &args, 2);
            assert!(out.contains("privacy"), "{out}");
        }
        code(&t, &["drift", cfg], 2);
    }
}

/// The digests say which algorithm made them, so a mark made with another one never matches.
#[test]
fn digests_are_sha256_and_say_so() {
    let mut d = pchat::config::Digest::default();
    d.feed(b"ab");
    d.feed(b"c");
    assert_eq!(
        d.finish(),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// A file reached twice (named twice, or as itself and within its directory) is refused by
/// every command, whatever the store's mark says.
#[test]
fn a_file_named_twice_is_refused_on_every_path() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        std::fs::write(
            cfg.join("c.yaml"),
            "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\nrooms:\n  - name: R\n    category: C\n",
        )
        .unwrap();
        let dir = cfg.to_str().unwrap();
        let file = cfg.join("c.yaml");
        let file = file.to_str().unwrap();
        code(&t, &["apply", dir, "--yes"], 0);
        for twice in [[dir, dir], [dir, file], [file, file]] {
            for command in [
                vec!["plan", twice[0], twice[1]],
                vec!["plan", twice[0], twice[1], "--refresh"],
                vec!["drift", twice[0], twice[1]],
                vec!["apply", twice[0], twice[1], "--yes"],
                vec!["validate", twice[0], twice[1]],
            ] {
                let r = run(&t, &command);
                assert_eq!(r.code, 1, "{command:?}: {}{}", r.stdout, r.stderr);
                assert!(
                    r.stderr.contains("is named twice") && !r.stdout.contains("No changes"),
                    "{command:?}: {}{}",
                    r.stdout,
                    r.stderr
                );
            }
        }
        code(&t, &["plan", dir, "--detailed-exitcode"], 0);
    }
}

/// `--target` names an object the configuration or the store has; anything else is an error
/// that suggests the nearest identities, never an empty plan.
#[test]
fn a_target_that_names_nothing_is_an_error() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        let yaml = |extra: &str| {
            format!(
                "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\nrooms:\n  - name: Sales Leads\n    category: C\n{extra}"
            )
        };
        std::fs::write(cfg.join("c.yaml"), yaml("")).unwrap();
        let dir = cfg.to_str().unwrap();
        code(&t, &["apply", dir, "--yes"], 0);
        // Now the configuration has a change, and a converged mark stands for the last apply.
        std::fs::write(
            cfg.join("c.yaml"),
            yaml("  - name: Other\n    category: C\n"),
        )
        .unwrap();
        for target in ["room/Sales Leads", "room/p.litwareinc.com\\Sales Lead"] {
            for command in ["plan", "apply"] {
                let mut args = vec![command, dir, "--target", target];
                if command == "apply" {
                    args.push("--yes");
                }
                let r = run(&t, &args);
                assert_eq!(r.code, 1, "{args:?}: {}{}", r.stdout, r.stderr);
                assert!(
                    r.stderr.contains("matches no room")
                        && r.stderr.contains("p.litwareinc.com\\Sales Leads"),
                    "{args:?}: {}",
                    r.stderr
                );
            }
        }
        // A target that names something plans it.
        let out = code(
            &t,
            &[
                "plan",
                dir,
                "--target",
                "room/p.litwareinc.com\\Other",
                "--detailed-exitcode",
            ],
            2,
        );
        assert!(out.contains("Other"), "{out}");
    }
}

/// A pool spelt in another case than the store has it: no change names
/// another object as the one it was renamed from (a respelling that changes nothing the
/// service sees used to mark the change planned before it).
#[test]
fn a_pool_respelt_in_case_marks_no_other_object_renamed() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        let yaml = |pool: &str, description: &str| {
            format!(
                "pools:\n  - fqdn: {pool}\ncategories:\n  - name: C\nrooms:\n  - name: R1\n    category: C\n    description: '{description}'\n  - name: R2\n    category: C\n"
            )
        };
        std::fs::write(cfg.join("c.yaml"), yaml("p.litwareinc.com", "x")).unwrap();
        let dir = cfg.to_str().unwrap();
        code(&t, &["apply", dir, "--yes"], 0);
        std::fs::write(cfg.join("c.yaml"), yaml("P.LitwareInc.com", "y")).unwrap();
        for extra in [&[][..], &["--refresh"][..]] {
            let mut args = vec!["plan", dir, "--format", "json"];
            args.extend_from_slice(extra);
            let out = code(&t, &args, 0);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            let changes = v["changes"].as_array().unwrap();
            assert!(
                changes.iter().any(|c| c["identity"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .ends_with("\\r1")),
                "{out}"
            );
            for c in changes {
                let renamed = c["renamedFrom"].as_str().map(str::to_lowercase);
                let identity = c["identity"].as_str().unwrap().to_lowercase();
                assert!(
                    renamed.as_ref().is_none_or(|r| *r == identity),
                    "{extra:?}: {} is said to be renamed from {renamed:?}",
                    c["identity"]
                );
            }
        }
    }
}

/// The plain plan and `--refresh` as JSON (exit code and output), which must agree; and
/// `drift` agrees with the full path too.
#[track_caller]
fn agree(t: &TestStore, dir: &str) -> (i32, String) {
    let plain = run(t, &["plan", dir, "--format", "json", "--detailed-exitcode"]);
    let full = run(
        t,
        &[
            "plan",
            dir,
            "--format",
            "json",
            "--detailed-exitcode",
            "--refresh",
        ],
    );
    assert_eq!(
        (plain.code, &plain.stdout, plain.stderr.lines().next()),
        (full.code, &full.stdout, full.stderr.lines().next()),
        "the plain plan and the full plan differ"
    );
    let drift = run(t, &["drift", dir]);
    // `plan --detailed-exitcode` tells drift alone (4) from changes (2); `drift` says 2.
    let expected = match full.code {
        4 => 2,
        c => c,
    };
    assert_eq!(
        drift.code, expected,
        "drift: {}{}",
        drift.stdout, drift.stderr
    );
    (full.code, full.stdout + &full.stderr)
}

/// A configuration directory of files, written anew with each call.
fn files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

const BASE: &str = "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\n";

/// A new object named after another file's previous name (a rename cycle) or claiming a
/// previous name another file claims (one object cannot become two): the full path refuses
/// both, and so does every plan, whichever files changed.
#[test]
fn previous_names_of_files_that_did_not_change_are_judged() {
    for b in BACKENDS {
        for kind in ["rooms", "categories", "addins"] {
            let t = TestStore::new(b);
            let cfg = t.dir.path().join("cfg");
            std::fs::create_dir_all(&cfg).unwrap();
            let object = |name: &str, previous: &str| {
                let extra = match kind {
                    "rooms" => "    category: C\n",
                    "addins" => "    url: https://addins.litwareinc.com/a\n",
                    _ => "",
                };
                let previous = if previous.is_empty() {
                    String::new()
                } else {
                    format!("    previousNames: [{previous}]\n")
                };
                format!("{kind}:\n  - name: {name}\n{extra}{previous}")
            };
            files(
                &cfg,
                &[
                    ("a.yaml", BASE),
                    ("b.yaml", &object("Kept", "Old")),
                    ("c.yaml", &object("Other", "")),
                ],
            );
            let dir = cfg.to_str().unwrap();
            code(&t, &["apply", dir, "--yes"], 0);
            assert_eq!(agree(&t, dir).0, 0);
            // c.yaml declares the name b.yaml renames from.
            files(
                &cfg,
                &[(
                    "c.yaml",
                    &(object("Other", "") + &object("Old", "")[kind.len() + 2..]),
                )],
            );
            let (code1, out) = agree(&t, dir);
            assert_eq!(code1, 1, "{kind}: {out}");
            assert!(out.contains("is declared too"), "{kind}: {out}");
            // c.yaml claims b.yaml's previous name for another object.
            files(
                &cfg,
                &[(
                    "c.yaml",
                    &(object("Other", "") + &object("New", "Old")[kind.len() + 2..]),
                )],
            );
            let (code2, out) = agree(&t, dir);
            assert_eq!(code2, 1, "{kind}: {out}");
            assert!(out.contains("cannot become two"), "{kind}: {out}");
        }
    }
}

/// Two pools: a category moves to the other pool, and a room of an unchanged file follows
/// it. The records of what each file declares follow too, so emptying that file, or declaring
/// the room again elsewhere, is planned as the full path plans it.
#[test]
fn a_room_that_follows_its_category_to_another_pool_is_recorded_there() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        let base = |pool: &str| {
            format!(
                "pools:\n  - fqdn: p1.litwareinc.com\n  - fqdn: p2.litwareinc.com\ncategories:\n  - name: C\n    persistentChatPoolFqdn: {pool}\n  - name: D\n    persistentChatPoolFqdn: p1.litwareinc.com\n"
            )
        };
        let rooms = |names: &[&str]| {
            let mut s = String::from("rooms:\n");
            for n in names {
                s.push_str(&format!("  - name: {n}\n    category: C\n"));
            }
            s
        };
        files(
            &cfg,
            &[
                ("a.yaml", &base("p1.litwareinc.com")),
                ("b.yaml", &rooms(&["Follows"])),
                ("c.yaml", &rooms(&["Stays"])),
            ],
        );
        let dir = cfg.to_str().unwrap();
        code(&t, &["apply", dir, "--yes"], 0);
        files(&cfg, &[("a.yaml", &base("p2.litwareinc.com"))]);
        code(
            &t,
            &["apply", dir, "--yes", "--allow-destroy", "--force"],
            0,
        );
        assert_eq!(agree(&t, dir).0, 0, "the apply converged");
        // The unchanged file's room is gone from the configuration: it is removed.
        files(&cfg, &[("b.yaml", "rooms: []\n")]);
        let (c, out) = agree(&t, dir);
        assert_eq!(c, 2, "{out}");
        assert!(out.contains("p2.litwareinc.com\\\\Follows"), "{out}");
        // Declared twice: in b.yaml as it was, and in c.yaml.
        files(
            &cfg,
            &[
                ("b.yaml", &rooms(&["Follows"])),
                ("c.yaml", &rooms(&["Stays", "Follows"])),
            ],
        );
        let (c, out) = agree(&t, dir);
        assert_eq!(c, 1, "{out}");
    }
}

/// A pool spelt in another case than the store has it: every plan names the objects as the
/// store spells them, nothing is renamed, `lifecycle.protect` is recorded where the plan looks
/// for it (so the store converges) and keeps the room from being removed.
#[test]
fn a_pool_respelt_in_case_is_the_same_pool_on_every_path() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfg = t.dir.path().join("cfg");
        std::fs::create_dir_all(&cfg).unwrap();
        let yaml = |pool: &str, protect: bool, r1: bool| {
            let mut s = format!("pools:\n  - fqdn: {pool}\ncategories:\n  - name: C\nrooms:\n");
            if r1 {
                s.push_str(&format!(
                    "  - name: R1\n    category: C\n    lifecycle:\n      protect: {protect}\n"
                ));
            }
            s.push_str("  - name: R2\n    category: C\n");
            s
        };
        files(&cfg, &[("a.yaml", &yaml("p.litwareinc.com", false, true))]);
        let dir = cfg.to_str().unwrap();
        code(&t, &["apply", dir, "--yes"], 0);
        files(&cfg, &[("a.yaml", &yaml("P.LitwareInc.com", true, true))]);
        let (c, out) = agree(&t, dir);
        assert_eq!(c, 2, "{out}");
        assert!(
            out.contains("p.litwareinc.com\\\\R1"),
            "the store's spelling: {out}"
        );
        assert!(!out.contains("P.LitwareInc.com\\\\R1"), "{out}");
        assert!(!out.contains("renamedFrom"), "nothing is renamed: {out}");
        code(&t, &["apply", dir, "--yes"], 0);
        assert_eq!(agree(&t, dir).0, 0, "protect is recorded where it is read");
        files(&cfg, &[("a.yaml", &yaml("P.LitwareInc.com", true, false))]);
        let r = run(&t, &["apply", dir, "--yes", "--allow-destroy", "--force"]);
        assert_eq!(r.code, 3, "refused for safety: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("protected"), "{}", r.stderr);
        // A new object in the respelt pool is made in the store's spelling of it, as every path
        // plans it (the partial path resolves pools from the store).
        let mut with_new = yaml("P.LitwareInc.com", true, true);
        with_new.push_str("  - name: New\n    category: C\n");
        files(&cfg, &[("a.yaml", &with_new)]);
        let (c, out) = agree(&t, dir);
        assert_eq!(c, 2, "{out}");
        assert!(out.contains("p.litwareinc.com\\\\New"), "{out}");
        code(&t, &["apply", dir, "--yes"], 0);
        assert_eq!(agree(&t, dir).0, 0);
    }
}

/// Writes past the triggers, on a connection of its own: PostgreSQL's replica role and a
/// table's disabled triggers; SQLite's per-connection switch and a dropped trigger.
pub(crate) fn write_past_triggers(t: &TestStore, b: Backend, how: usize, sql: &str) {
    use sqlx::Connection;
    if b == Backend::Postgres {
        // Plain SQL on PostgreSQL: the setting (or the disabled triggers) comes first.
        let before = if how == 0 {
            "SET session_replication_role = replica".to_string()
        } else {
            ["rooms", "room_principals", "ownership"]
                .map(|t| format!("ALTER TABLE {t} DISABLE TRIGGER ALL"))
                .join("; ")
        };
        return crate::convergence::hand_sql(t, b, &format!("{before}; {sql}"));
    }
    let url = t.url.clone();
    let sql = sql.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                if how == 0 {
                    let mut h = c.lock_handle().await.unwrap();
                    let off: std::os::raw::c_int = 0;
                    // SAFETY: a live handle, an int and a null out-pointer, as the
                    // SQLITE_DBCONFIG_ENABLE_TRIGGER verb takes them.
                    let rc = unsafe {
                        libsqlite3_sys::sqlite3_db_config(
                            h.as_raw_handle().as_ptr(),
                            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_TRIGGER,
                            off,
                            std::ptr::null_mut::<std::os::raw::c_int>(),
                        )
                    };
                    assert_eq!(rc, 0);
                } else {
                    let names: Vec<String> =
                        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                            .fetch_all(&mut c)
                            .await
                            .unwrap();
                    for n in names {
                        sqlx::raw_sql(&format!("DROP TRIGGER \"{n}\""))
                            .execute(&mut c)
                            .await
                            .unwrap();
                    }
                }
                sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            })
    })
    .join()
    .unwrap();
}

/// A write that bypasses the triggers ending the mark (a restore with triggers disabled, a
/// bulk load, a dropped trigger) is still seen by `plan`, `drift` and `apply`, which repairs
/// it; a converged store is still answered from the mark otherwise.
#[test]
fn writes_that_bypass_the_triggers_end_the_mark() {
    for b in BACKENDS {
        for how in 0..2 {
            for sql in [
                "UPDATE rooms SET description = 'restored'",
                "DELETE FROM rooms WHERE name = 'R2'",
            ] {
                let t = TestStore::new(b);
                let cfg = t.dir.path().join("cfg");
                std::fs::create_dir_all(&cfg).unwrap();
                files(
                    &cfg,
                    &[(
                        "a.yaml",
                        &format!("{BASE}rooms:\n  - name: R1\n    category: C\n  - name: R2\n    category: C\n"),
                    )],
                );
                let dir = cfg.to_str().unwrap();
                code(&t, &["apply", dir, "--yes"], 0);
                let r = run(&t, &["-v", "plan", dir]);
                assert!(r.stderr.contains("converged, nothing read"), "{}", r.stderr);
                write_past_triggers(&t, b, how, sql);
                let (c, out) = agree(&t, dir);
                assert!(c == 2 || c == 4, "{b:?} {how} {sql}: {out}");
                code(&t, &["apply", dir, "--yes"], 0);
                assert_eq!(agree(&t, dir).0, 0, "the apply repaired it");
            }
        }
    }
}

/// `drift` reads the store whatever the mark says: what changed out of band is its question.
/// It skips the parse only when the files are the mark's and what it read digests as the
/// state the mark found converged; a write past the triggers, or an edited file, is planned.
#[test]
fn drift_reads_the_store_and_trusts_only_the_marked_state() {
    for b in BACKENDS {
        for how in 0..2 {
            let t = TestStore::new(b);
            let cfg = t.dir.path().join("cfg");
            std::fs::create_dir_all(&cfg).unwrap();
            let rooms = format!("{BASE}rooms:\n  - name: R1\n    category: C\n");
            files(&cfg, &[("a.yaml", &rooms)]);
            let dir = cfg.to_str().unwrap();
            code(&t, &["apply", dir, "--yes"], 0);
            let r = run(&t, &["-v", "drift", dir]);
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
            assert!(
                !r.stderr.contains("converged, nothing read"),
                "{}",
                r.stderr
            );
            // The state the apply left digests as the state read back: no parse needed.
            assert!(
                r.stderr.contains("reads as its mark"),
                "{b:?}: {}",
                r.stderr
            );
            // A changed value, and a name respelt in case only (a rename to plan back).
            for (sql, shows) in [
                ("UPDATE rooms SET description = 'restored'", "restored"),
                ("UPDATE rooms SET name = 'r1'", "r1"),
            ] {
                write_past_triggers(&t, b, how, sql);
                let r = run(&t, &["-v", "drift", dir]);
                assert_eq!(r.code, 2, "{b:?} {how} {sql}: {}{}", r.stdout, r.stderr);
                assert!(r.stdout.contains(shows), "{sql}: {}", r.stdout);
                assert!(!r.stderr.contains("reads as its mark"), "{}", r.stderr);
                code(&t, &["apply", dir, "--yes"], 0);
                let r = run(&t, &["-v", "drift", dir]);
                assert!(
                    r.stderr.contains("reads as its mark"),
                    "{sql}: {}",
                    r.stderr
                );
            }
            // An apply with nothing to do marks again without reading the state; the digest
            // of the state the same files were found converged on still answers drift.
            code(&t, &["apply", dir, "--yes"], 0);
            let r = run(&t, &["-v", "drift", dir]);
            assert!(
                r.stderr.contains("reads as its mark"),
                "{b:?}: {}",
                r.stderr
            );
            // An edited file is parsed and planned, though the store is as marked.
            files(
                &cfg,
                &[("a.yaml", &format!("{rooms}    description: new\n"))],
            );
            let r = run(&t, &["-v", "drift", dir]);
            assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
            assert!(r.stderr.contains("plan made"), "{}", r.stderr);
        }
    }
}
