//! Shortcuts answer exactly what the full plan answers, or are not taken: a configuration
//! edited to digest as the marked one under the old 64-bit mix is still seen as edited; a file
//! named twice is refused on every path; a `--target` that names nothing is an error, never
//! "No changes". Each on both backends.

use crate::common::db::{TestStore, BACKENDS};
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
