//! Safety nets under misuse (issue 14): each test reproduces one slip or hostile input and checks
//! that nothing is deleted, hidden, hung or silently wrong. Store cases run on both backends.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::cli_store::{id, Env, POOL};
use crate::common::db::{Backend, BACKENDS};
use crate::common::{pchat_in, pchat_within, Run};

/// What a run printed: `validate` writes its report on stdout, failures to read on stderr.
fn both(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const HEAD: &str = "pools:\n  - fqdn: atl-pchat-001.litwareinc.com\n    site: Atlanta\n    servers: [atl-a.litwareinc.com, atl-b.litwareinc.com]\ncategories:\n  - name: C\n";

// 1. `--prune all` removals count against the threshold, and are listed apart.
#[test]
fn prune_all_is_held_by_the_threshold_and_listed_apart() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&["category", "new", "--name", "C"]);
        for i in 0..20 {
            e.ok(&[
                "room",
                "new",
                "--name",
                &format!("R{i:02}"),
                "--category",
                "C",
            ]);
        }
        let cfg = write(e.t.dir.path(), "cfg/c.yaml", HEAD);
        let plan = e.run(&["plan", &cfg, "--prune", "all"]);
        assert!(
            plan.stdout.contains(
                "Unmanaged, removed (`--prune all`: pchat did not create or adopt them):"
            ),
            "{}",
            plan.stdout
        );
        let md = e.ok(&["plan", &cfg, "--prune", "all", "--format", "markdown"]);
        assert!(md.contains("**Unmanaged, removed**"), "{md}");
        let before = e.dump();
        let run = e.run(&["apply", &cfg, "--yes", "--prune", "all"]);
        assert_eq!(run.code, 3, "{b:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("20 of 20 room objects would change or go"),
            "{}",
            run.stderr
        );
        assert_eq!(e.dump(), before, "refused apply changed the store");
        let run = e.run(&["apply", &cfg, "--yes", "--prune", "all", "--force"]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(e.dump().0.rooms.is_empty());
    }
}

// 2. A blank keyword filter is an error, not "every message".
#[test]
fn blank_message_filters_are_refused() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&["category", "new", "--name", "C"]);
        e.ok(&[
            "room",
            "new",
            "--name",
            "R",
            "--category",
            "C",
            "--privacy",
            "Open",
        ]);
        for text in ["keep me", "and me"] {
            e.ok(&[
                "message",
                "post",
                "--room",
                &id("R"),
                "--from",
                "sip:a@litwareinc.com",
                text,
            ]);
        }
        for blank in ["", " ", "\t"] {
            for clause in ["All", "Or", "Exact"] {
                let run = e.run(&[
                    "message",
                    "remove",
                    "--identity",
                    &id("R"),
                    "--filter",
                    blank,
                    "--match-clause",
                    clause,
                    "--remove",
                ]);
                assert_eq!(
                    run.code, 1,
                    "{blank:?} {clause}: {}{}",
                    run.stdout, run.stderr
                );
                assert!(run.stderr.contains("the filter is empty"), "{}", run.stderr);
            }
        }
        let left = e.json(&["message", "get", "--room", &id("R")]);
        assert_eq!(left.as_array().unwrap().len(), 2, "{left}");
    }
}

// 3. A threshold percentage is a finite number from 0 to 100.
#[test]
fn threshold_percent_must_be_finite_and_in_range() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", HEAD);
    for bad in ["NaN", "nan", "inf", "-inf", "1e309", "-1", "100.5", "x"] {
        let run = pchat_in(
            dir.path(),
            &["plan", &cfg, &format!("--threshold-percent={bad}")],
        );
        assert_eq!(run.code, 1, "{bad}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("percentage from 0 to 100"),
            "{}",
            run.stderr
        );
    }
}

// 4. `protect: false` is a change the plan shows and apply writes.
#[test]
fn unprotecting_is_planned_and_applied() {
    for b in BACKENDS {
        let e = Env::new(b);
        let protected = format!("{HEAD}    lifecycle:\n      protect: true\n");
        let cfg = write(e.t.dir.path(), "cfg/c.yaml", &protected);
        e.ok(&["apply", &cfg, "--yes"]);
        write(
            e.t.dir.path(),
            "cfg/c.yaml",
            &format!("{HEAD}    lifecycle:\n      protect: false\n"),
        );
        let plan = e.run(&["plan", &cfg, "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
        assert!(
            plan.stdout.contains("lifecycle.protect : true -> false"),
            "{}",
            plan.stdout
        );
        e.ok(&["apply", &cfg, "--yes"]);
        assert_eq!(e.run(&["plan", &cfg, "--detailed-exitcode"]).code, 0);
        // Now the category may go.
        write(
            e.t.dir.path(),
            "cfg/c.yaml",
            &HEAD.replace("categories:\n  - name: C\n", ""),
        );
        e.ok(&["apply", &cfg, "--yes"]);
        assert!(e.dump().0.categories.is_empty());
    }
}

// 5. Hostile names cannot inject HTML into the pull-request comment.
#[test]
fn markdown_plans_escape_every_name() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "Evil</code></summary><!--",
        "a|b`c<script>alert(1)</script>",
        "x](http://evil)[*y*]_&amp;",
    ];
    let mut text = String::from(HEAD);
    text.push_str("rooms:\n");
    for h in hostile {
        text.push_str(&format!(
            "  - name: '{h}'\n    category: C\n    description: '{h}'\n"
        ));
    }
    let cfg = write(dir.path(), "c.yaml", &text);
    let store = format!("sqlite://{}", dir.path().join("s.db").display());
    let run = pchat_in(
        dir.path(),
        &[
            "--new-store",
            "--store",
            &store,
            "plan",
            &cfg,
            "--format",
            "markdown",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = run.stdout;
    let mut rest = md.clone();
    for tag in [
        "<code>",
        "</code>",
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<br>",
    ] {
        rest = rest.replace(tag, "");
    }
    assert!(!rest.contains('<'), "raw `<` from data:\n{md}");
    assert!(!md.contains("<!--") && !md.contains("](http"), "{md}");
    // Every table row still has its four cells: no `|` from data splits one.
    for line in md.lines().filter(|l| l.starts_with("| ➕ | room")) {
        assert_eq!(line.matches('|').count(), 5, "{line}");
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

// 6. Files holding chat content are created readable by their owner only, even under umask 022.
#[test]
fn stores_plans_and_archives_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", HEAD);
    let bin = env!("CARGO_BIN_EXE_pchat");
    let script = format!(
        "umask 022 && {bin} --new-store --store sqlite://s.db apply {cfg} --yes >/dev/null && \
         {bin} --store sqlite://s.db plan {cfg} --out plan.json >/dev/null && \
         {bin} --store sqlite://s.db data export --file chat.zip >/dev/null && \
         {bin} --store sqlite://s.db export --out exported >/dev/null"
    );
    let st = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    for f in ["s.db", "plan.json", "chat.zip", "exported/rooms.yaml"] {
        let p = dir.path().join(f);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{f}");
        } else {
            assert_ne!(f, "s.db", "the store exists");
        }
    }
    assert_eq!(mode(&dir.path().join("exported/categories.yaml")), 0o600);
}

// 7. Posting to a missing room never hangs (the transaction used to outlive `close()`).
#[test]
fn posting_to_a_missing_room_never_hangs() {
    for round in 0..50 {
        let dir = tempfile::tempdir().unwrap();
        let store = "sqlite://s.db";
        let limit = Duration::from_secs(20);
        let run = pchat_within(
            dir.path(),
            &[
                "--new-store",
                "--store",
                store,
                "pool",
                "add",
                "--fqdn",
                POOL,
            ],
            limit,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = pchat_within(
            dir.path(),
            &[
                "--store",
                store,
                "message",
                "post",
                "--room",
                &id("nope"),
                "--from",
                "sip:a@litwareinc.com",
                "hello",
            ],
            limit,
        );
        assert_eq!(run.code, 1, "round {round}: {}", run.stderr);
        assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    }
}

// 8. Directory walks stop at symlink loops.
#[test]
fn symlink_loops_are_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    write(&d, "c.yaml", HEAD);
    std::os::unix::fs::symlink(".", d.join("l1")).unwrap();
    std::os::unix::fs::symlink(".", d.join("l2")).unwrap();
    let run = pchat_within(dir.path(), &["validate", "d"], Duration::from_secs(20));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("symlink loop at d/l1"),
        "{}",
        run.stderr
    );

    let d = dir.path().join("e");
    write(&d, "sub/c.yaml", HEAD);
    std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
    let run = pchat_within(dir.path(), &["validate", "e"], Duration::from_secs(20));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("symlink loop at e/sub/up"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("declared more than once"),
        "{}",
        run.stderr
    );

    // Two links to one folder (not a loop) read it once.
    let d = dir.path().join("f");
    write(&d, "real/c.yaml", HEAD);
    std::os::unix::fs::symlink("real", d.join("again")).unwrap();
    let run = pchat_in(dir.path(), &["validate", "f"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

// 9. Only regular files are read: no endless device, no blocking FIFO.
#[test]
fn devices_and_fifos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = pchat_within(
        dir.path(),
        &["validate", "/dev/zero"],
        Duration::from_secs(20),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("it is a device, not a regular file"),
        "{}",
        run.stderr
    );
    let d = dir.path().join("cfg");
    write(&d, "a.yaml", HEAD);
    let st = Command::new("mkfifo")
        .arg(d.join("b.yaml"))
        .status()
        .unwrap();
    assert!(st.success());
    let run = pchat_within(dir.path(), &["validate", "cfg"], Duration::from_secs(20));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("b.yaml: it is a FIFO"),
        "{}",
        run.stderr
    );
}

// 10. Alias expansion is bounded in proportion to the input.
#[test]
fn alias_bombs_are_refused_with_a_plain_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("rooms: *a8\n");
    let f = write(dir.path(), "bomb.yaml", &text);
    let run = pchat_within(dir.path(), &["validate", &f], Duration::from_secs(20));
    assert_eq!(run.code, 1);
    assert!(
        both(&run).contains("YAML aliases expand this file to more than"),
        "{}",
        both(&run)
    );
    assert!(both(&run).contains("billion laughs"), "{}", both(&run));
    // A modest, legitimate use of an anchor still works.
    let ok = format!(
        "{HEAD}    allowedMembers: &team [sip:a@litwareinc.com, sip:b@litwareinc.com]\n    creators: *team\n"
    );
    let f = write(dir.path(), "ok.yaml", &ok);
    let run = pchat_in(dir.path(), &["validate", &f]);
    assert!(!both(&run).contains("aliases"), "{}", both(&run));
}

// 11. Names with control characters are refused by the model, identically on both backends.
#[test]
fn control_characters_in_names_are_refused_everywhere() {
    for b in BACKENDS {
        let e = Env::new(b);
        let text = format!("{HEAD}rooms:\n  - name: \"r\\0x\"\n    category: C\n");
        let cfg = write(e.t.dir.path(), "cfg/c.yaml", &text);
        let before = e.dump();
        let run = e.run(&["apply", &cfg, "--yes"]);
        assert_eq!(run.code, 1, "{b:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("U+0000") && run.stderr.contains("(rooms[0].name)"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("database"), "{}", run.stderr);
        assert_eq!(e.dump(), before);
    }
}

// 12. A UTF-8 byte-order mark is accepted in YAML, CSV, LDIF and JSON inputs.
#[test]
fn a_leading_bom_is_accepted_everywhere() {
    let e = Env::new(Backend::Sqlite);
    let dir = e.t.dir.path();
    let bom = "\u{feff}";
    let cfg = write(
        dir,
        "cfg/c.yaml",
        &format!("{bom}{HEAD}    description: with a BOM\n"),
    );
    e.ok(&["validate", &cfg]);
    write(
        dir,
        "d.csv",
        &format!("{bom}type,sipAddress\nUser,sip:kim@litwareinc.com\n"),
    );
    e.ok(&["principal", "import", "d.csv"]);
    write(
        dir,
        "d.ldif",
        &format!("{bom}dn: CN=Ana,DC=litwareinc,DC=com\nobjectClass: user\nmsRTCSIP-PrimaryUserAddress: sip:ana@litwareinc.com\n"),
    );
    e.ok(&["principal", "import", "d.ldif"]);
    // A saved plan with a BOM (as Windows PowerShell's Set-Content -Encoding UTF8 writes it).
    e.ok(&["plan", &cfg, "--out", "plan.json"]);
    let plan = std::fs::read_to_string(dir.join("plan.json")).unwrap();
    std::fs::write(dir.join("plan.json"), format!("{bom}{plan}")).unwrap();
    e.ok(&["apply", "--plan", "plan.json", "--yes"]);
    // A data archive whose JSON entries start with a BOM.
    e.ok(&["data", "export", "--file", "a.zip"]);
    let rewritten = rewrite_zip(&dir.join("a.zip"), |name, bytes| {
        if name.ends_with(".json") {
            let mut b = b"\xef\xbb\xbf".to_vec();
            b.extend_from_slice(bytes);
            b
        } else {
            bytes.to_vec()
        }
    });
    std::fs::write(dir.join("b.zip"), rewritten).unwrap();
    let other = Env::new(Backend::Sqlite);
    let file = dir.join("b.zip").display().to_string();
    other.ok(&["data", "import", "--file", &file, "--force"]);
    assert_eq!(other.dump().0.categories.len(), 1);
}

fn rewrite_zip(path: &Path, f: impl Fn(&str, &[u8]) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut entry = src.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&f(&name, &bytes)).unwrap();
    }
    out.finish().unwrap().into_inner()
}

// 13. YAML tags the model does not define are refused where they stand.
#[test]
fn yaml_tags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (tag, shown) in [("!!binary aGVsbG8=", "!!binary"), ("!Ref foo", "!Ref")] {
        let f = write(
            dir.path(),
            "t.yaml",
            &format!("{HEAD}rooms:\n  - name: {tag}\n    category: C\n"),
        );
        let run = pchat_in(dir.path(), &["validate", &f]);
        assert_eq!(run.code, 1, "{tag}");
        assert!(
            both(&run).contains(&format!(
                "YAML tag `{shown}` is not part of a pchat configuration"
            )) && both(&run).contains("t.yaml:8:11"),
            "{}",
            both(&run)
        );
    }
    // YAML's own core tags stay harmless.
    let f = write(
        dir.path(),
        "s.yaml",
        &format!("{HEAD}    description: !!str 123\n"),
    );
    assert_eq!(pchat_in(dir.path(), &["validate", &f]).code, 0);
}

// 14. Export quotes every string a YAML 1.1 reader would take for something else.
#[test]
fn export_quotes_yaml_1_1_look_alikes() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&["category", "new", "--name", "C", "--description", "yes"]);
        for (i, d) in ["no", "on", "off", "y", "0777", "12:30", "2026-01-31"]
            .iter()
            .enumerate()
        {
            e.ok(&[
                "room",
                "new",
                "--name",
                &format!("R{i}"),
                "--category",
                "C",
                "--description",
                d,
            ]);
        }
        let out = e.ok(&["export"]);
        for d in ["yes", "no", "on", "off", "y", "0777", "12:30", "2026-01-31"] {
            assert!(
                out.contains(&format!("description: '{d}'\n")),
                "{d}:\n{out}"
            );
        }
        // And it still plans to zero changes.
        let cfg = write(e.t.dir.path(), "exported.yaml", &out);
        assert_eq!(e.run(&["plan", &cfg, "--detailed-exitcode"]).code, 0);
    }
}

// 15. SQLite edge cases: a read-only store can be read; a directory or a foreign file is refused
// before anything is written.
#[test]
fn sqlite_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let run = pchat_in(dir.path(), &["--store", "sqlite://sub", "room", "get"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("it is a directory"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
        0
    );

    std::fs::write(dir.path().join("notes.db"), "not a database at all").unwrap();
    let run = pchat_in(dir.path(), &["--store", "sqlite://notes.db", "room", "get"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("it is not an SQLite database"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.db")).unwrap(),
        "not a database at all"
    );

    // Another application's SQLite database: refused, and left exactly as it was.
    let foreign = dir.path().join("app.db");
    let tables = |p: &Path| -> Vec<String> {
        let out = Command::new("python3")
            .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table if not exists users (x)'); print(sorted(r[0] for r in c.execute(\"select name from sqlite_master where type='table'\")))", &p.display().to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "python3 sqlite3");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let before = tables(&foreign);
    let run = pchat_in(
        dir.path(),
        &["--store", "sqlite://app.db", "pool", "add", "--fqdn", POOL],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the SQLite database of another application (tables: users)"),
        "{}",
        run.stderr
    );
    assert_eq!(tables(&foreign), before);

    // A store this user may read but not write: reads work, writes say why not.
    let shared = tempfile::tempdir().unwrap();
    let store = shared.path().join("s.db");
    let url = format!("sqlite://{}", store.display());
    let run = pchat_in(
        shared.path(),
        &[
            "--new-store",
            "--store",
            &url,
            "pool",
            "add",
            "--fqdn",
            POOL,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o444)).unwrap();
    let as_reader = |args: &[&str]| -> Run {
        // Root may write any file: run as an unprivileged user to be a mere reader.
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_pchat"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_pchat"))
        };
        let out = cmd.args(args).current_dir("/").output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let run = as_reader(&["--store", &url, "pool", "get", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(POOL), "{}", run.stdout);
    let run = as_reader(&[
        "--store",
        &url,
        "pool",
        "add",
        "--fqdn",
        "other.litwareinc.com",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("can be read but not written by this user"),
        "{}",
        run.stderr
    );
}

// 16. An error on a very long line shows a window of it, not the whole line twice.
#[test]
fn long_lines_are_clipped_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(5_000_000);
    let f = write(
        dir.path(),
        "long.yaml",
        &format!("{HEAD}rooms:\n  - name: R\n    category: C\n    description: {long}\n    privacy: Sekret\n"),
    );
    std::fs::write(
        &f,
        format!(
            "{HEAD}rooms:\n  - {{name: R, category: C, description: {long}, privacy: Sekret}}\n"
        ),
    )
    .unwrap();
    let run = pchat_in(dir.path(), &["validate", &f]);
    assert_eq!(run.code, 1);
    assert!(
        both(&run).contains("unknown value `Sekret`"),
        "{}",
        &both(&run)[..both(&run).len().min(2000)]
    );
    assert!(
        both(&run).len() < 4_000,
        "{} bytes of report",
        both(&run).len()
    );
    assert!(both(&run).contains('…'), "{}", both(&run));
}

// 17. Invalid UTF-8 is placed and the likely encoding named.
#[test]
fn invalid_utf8_is_placed_with_an_encoding_hint() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin.yaml");
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"    description: Z\xfcrich\n");
    std::fs::write(&p, bytes).unwrap();
    let run = pchat_in(dir.path(), &["validate", "latin.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("line 7, column 19 (byte")
            && run.stderr.contains("Latin-1 or Windows-1252"),
        "{}",
        run.stderr
    );
    let mut utf16 = vec![0xff, 0xfe];
    for u in "pools: []\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&p, utf16).unwrap();
    let run = pchat_in(dir.path(), &["validate", "latin.yaml"]);
    assert!(run.stderr.contains("the file is UTF-16"), "{}", run.stderr);
}

// 18. A raw NUL is reported where it is.
#[test]
fn a_raw_nul_is_reported_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "nul.yaml",
        &format!("{HEAD}    description: \"a\0b\"\n"),
    );
    let run = pchat_in(dir.path(), &["validate", &f]);
    assert_eq!(run.code, 1);
    assert!(
        both(&run).contains("control character U+0000") && both(&run).contains("nul.yaml:7:20"),
        "{}",
        both(&run)
    );
}

// From issue 13: out-of-range durations are a clear error, never a panic in the store driver.
#[test]
fn huge_lock_timeouts_are_refused_without_a_panic() {
    for b in BACKENDS {
        let e = Env::new(b);
        for t in ["9999999999s", "18446744073709551615ms"] {
            let run = e.run(&["--lock-timeout", t, "room", "get"]);
            assert_eq!(run.code, 1, "{t}: {}{}", run.stdout, run.stderr);
            assert!(run.stderr.contains("longer than a day"), "{}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
}

/// `plan --out` and `export --out` replace a symbolic link at their path with their file; the
/// link's target (perhaps another user's file) is never written through.
#[test]
fn outputs_never_write_through_a_link() {
    use crate::common::db::{Backend, TestStore};
    let t = TestStore::new(Backend::Sqlite);
    let dir = t.dir.path();
    let target = dir.join("victim.txt");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, dir.join("plan.json")).unwrap();
    std::fs::create_dir_all(dir.join("exported")).unwrap();
    std::os::unix::fs::symlink(&target, dir.join("exported/rooms.yaml")).unwrap();
    let cfg = crate::common::root().join("examples/litware");
    for args in [
        vec!["apply", cfg.to_str().unwrap(), "--yes"],
        vec!["plan", cfg.to_str().unwrap(), "--out", "plan.json"],
        vec!["export", "--out", "exported"],
    ] {
        let mut all = vec!["--store", t.url.as_str()];
        all.extend(&args);
        let r = pchat_in(dir, &all);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    for f in ["plan.json", "exported/rooms.yaml"] {
        let m = std::fs::symlink_metadata(dir.join(f)).unwrap();
        assert!(m.file_type().is_file(), "{f} is a file now");
    }
}
