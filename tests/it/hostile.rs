//! Hostile inputs and faults (issue 13): no secret in any output, bounded cost for nested and
//! expanding YAML, clear words for every limit.

use crate::common::{pchat_in, root};

/// Store strings that each hide a password in another form, with the failure they meet.
const STORES: &[&str] = &[
    // unreachable (connection refused)
    "postgres://postgres:Pw0rdUser@127.0.0.1:1/db",
    "postgres://postgres@127.0.0.1:1/db?password=Pw0rdQuery",
    "postgres://postgres@127.0.0.1:1/db?sslmode=disable&sslpassword=Pw0rdSsl",
    // a password holding `/`, `?` or `@`: the driver cannot parse the URL
    "postgres://postgres:Pw0rd/Slash@127.0.0.1:5432/db",
    "postgres://postgres:Pw0rd?Quest@127.0.0.1:5432/db",
    "postgres://postgres:Pw0rd@At@127.0.0.1:1/db",
    // a bad port
    "postgres://postgres:Pw0rdPort@127.0.0.1:99999/db",
    // a database that does not exist (the server trusts the user and ignores the password)
    "postgres://postgres:Pw0rdMissing@127.0.0.1:5432/pchat_no_such_database",
    // forms pchat does not take
    "host=127.0.0.1 port=5432 password=Pw0rdKeyVal dbname=postgres",
    "mysql://root:Pw0rdMysql@127.0.0.1/db",
    "Pw0rdGarbage",
];

#[test]
fn no_store_password_appears_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let litware = root().join("examples/litware").display().to_string();
    let commands: &[&[&str]] = &[
        &["room", "get"],
        &["-vv", "room", "get"],
        &["--log-format", "json", "-vv", "plan", &litware],
        &["apply", &litware, "--yes"],
        &["room", "new", "--name", "R", "--category", "C"],
    ];
    for store in STORES {
        for args in commands {
            // Given as a flag…
            let mut all = vec!["--store", store];
            all.extend_from_slice(args);
            let r = pchat_in(dir.path(), &all);
            assert_ne!(r.code, 0, "{store} {args:?}");
            let output = format!("{}{}", r.stdout, r.stderr);
            assert!(!output.contains("Pw0rd"), "{store} {args:?}:\n{output}");
            assert!(!output.is_empty());
            // …and in the environment.
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_pchat"))
                .args(*args)
                .env("PCHAT_STORE", store)
                .current_dir(dir.path())
                .output()
                .unwrap();
            let output = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(!output.contains("Pw0rd"), "env {store} {args:?}:\n{output}");
        }
    }
}

/// A TCP proxy in front of PostgreSQL that forwards faithfully until the client sends a
/// statement holding `trigger`, then forwards nothing more in either direction while keeping
/// both connections open: a frozen link, as a stuck middlebox makes it.
struct FreezingProxy {
    addr: std::net::SocketAddr,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FreezingProxy {
    fn start(upstream: &'static str, trigger: &'static [u8]) -> FreezingProxy {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let frozen = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let (f, d) = (frozen.clone(), done.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let server = std::net::TcpStream::connect(upstream).unwrap();
                for (mut from, mut to, watch) in [
                    (
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        true,
                    ),
                    (server, client, false),
                ] {
                    let (f, d) = (f.clone(), d.clone());
                    std::thread::spawn(move || {
                        from.set_read_timeout(Some(std::time::Duration::from_millis(100)))
                            .unwrap();
                        let mut buf = vec![0u8; 64 * 1024];
                        while !d.load(Ordering::SeqCst) {
                            let n = match from.read(&mut buf) {
                                Ok(0) => return,
                                Ok(n) => n,
                                Err(_) => continue, // the read timeout: look at the flags again
                            };
                            if watch && buf[..n].windows(trigger.len()).any(|w| w == trigger) {
                                f.store(true, Ordering::SeqCst);
                            }
                            if !f.load(Ordering::SeqCst) {
                                let _ = to.write_all(&buf[..n]);
                            }
                        }
                    });
                }
            }
        });
        FreezingProxy { addr, frozen, done }
    }
}

impl Drop for FreezingProxy {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_frozen_connection_ends_in_a_timeout_and_leaves_the_store_as_it_was() {
    use crate::common::db::{Backend, TestStore};
    let t = TestStore::new(Backend::Postgres);
    let litware = root().join("examples/litware").display().to_string();
    let direct = format!("{}?sslmode=disable", t.url);
    // The store exists and is migrated before the proxy is in the way.
    let r = pchat_in(t.dir.path(), &["--store", &direct, "history"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let proxy = FreezingProxy::start("127.0.0.1:5432", b"INSERT INTO");
    let through = direct.replace("127.0.0.1:5432", &proxy.addr.to_string());
    assert_ne!(through, direct);
    let started = std::time::Instant::now();
    let r = crate::common::pchat_within(
        t.dir.path(),
        &[
            "--store",
            &through,
            "--statement-timeout",
            "2s",
            "--idle-timeout",
            "2s",
            "apply",
            &litware,
            "--yes",
        ],
        std::time::Duration::from_secs(60),
    );
    assert!(
        proxy.frozen.load(std::sync::atomic::Ordering::SeqCst),
        "the proxy never froze: {}{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("the store did not answer within 2 s (statement timeout)"),
        "{}",
        r.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    // The server ends the silent session (idle timeout): the lock is free and nothing landed.
    let r = crate::common::pchat_within(
        t.dir.path(),
        &[
            "--store",
            &direct,
            "--lock-timeout",
            "20s",
            "history",
            "--format",
            "json",
        ],
        std::time::Duration::from_secs(60),
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "[]"), "{}", r.stderr);
    let r = crate::common::pchat_within(
        t.dir.path(),
        &[
            "--store",
            &direct,
            "--lock-timeout",
            "20s",
            "apply",
            &litware,
            "--yes",
        ],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("(store revision 1)"), "{}", r.stdout);
}

pub(crate) const MANIFEST: &str =
    r#"{"format": "pchat-data", "version": 1, "level": "All", "scope": [], "startDate": null}"#;

/// Writes an entry's content.
pub(crate) type Content<'a> = &'a dyn Fn(&mut dyn std::io::Write);

/// A zip of `entries`, each written by its closure (so large entries stream, never held).
pub(crate) fn archive(entries: &[(&str, Content<'_>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, write) in entries {
        zip.start_file(*name, options).unwrap();
        write(&mut zip);
    }
    zip.finish().unwrap().into_inner()
}

pub(crate) fn text(t: &'static str) -> impl Fn(&mut dyn std::io::Write) {
    move |w: &mut dyn std::io::Write| w.write_all(t.as_bytes()).unwrap()
}

fn zeros(n: u64) -> impl Fn(&mut dyn std::io::Write) {
    move |w: &mut dyn std::io::Write| {
        let chunk = vec![b' '; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..k]).unwrap();
            left -= k as u64;
        }
    }
}

/// Replaces every occurrence of `from` with `to` (same length) in an archive's bytes: names
/// in both the local headers and the central directory.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
}

/// Every archive an attacker or a broken export could hand `data import`, and what pchat
/// says of it. Nothing is loaded from any of them.
fn hostile_archives() -> Vec<(&'static str, Vec<u8>)> {
    let manifest = text(MANIFEST);
    let room = r#"{"name": "R", "persistentChatPoolFqdn": "p.example.com", "category": "C"}"#;
    let mut out = Vec::new();
    let good = archive(&[("manifest.json", &manifest), ("rooms.json", &text("[]"))]);
    out.push(("truncated", good[..good.len() / 2].to_vec()));
    out.push((
        "a newer format version",
        archive(&[(
            "manifest.json",
            &text(r#"{"format": "pchat-data", "version": 9, "level": "All", "scope": [], "startDate": null}"#),
        )]),
    ));
    out.push((
        "a path for a name",
        archive(&[("manifest.json", &manifest), ("../rooms.json", &text("[]"))]),
    ));
    out.push((
        "an unknown entry",
        archive(&[("manifest.json", &manifest), ("autorun.ps1", &text("x"))]),
    ));
    let mut twice = archive(&[
        ("manifest.json", &manifest),
        ("rooms.json", &text("[]")),
        ("roomz.json", &text("[]")),
    ]);
    patch(&mut twice, b"roomz.json", b"rooms.json");
    out.push(("the same entry twice", twice));
    let same_room: &'static str = Box::leak(
        format!(
            "[{}, {}]",
            room,
            room.replace("\"C\"}", "\"C\", \"description\": \"other\"}")
        )
        .into_boxed_str(),
    );
    out.push((
        "the same room twice",
        archive(&[
            ("manifest.json", &manifest),
            ("rooms.json", &text(same_room)),
        ]),
    ));
    out.push((
        "the same message twice",
        archive(&[
            ("manifest.json", &manifest),
            (
                "messages.json",
                &text(r#"[{"id": 7, "room": "p.example.com\\R", "sender": "sip:a@b.c", "postedAt": 1, "body": "a"}, {"id": 7, "room": "p.example.com\\R", "sender": "sip:a@b.c", "postedAt": 2, "body": "b"}]"#),
            ),
        ]),
    ));
    let latin1 = |w: &mut dyn std::io::Write| {
        w.write_all(b"[{\"name\": \"Caf\xe9\", \"persistentChatPoolFqdn\": \"p.example.com\", \"category\": \"C\"}]").unwrap()
    };
    out.push((
        "text that is not UTF-8",
        archive(&[("manifest.json", &manifest), ("rooms.json", &latin1)]),
    ));
    // 200 MiB of spaces: about 200 KiB compressed, over 1000:1.
    out.push((
        "a zip bomb",
        archive(&[
            ("manifest.json", &manifest),
            ("messages.json", &zeros(200 << 20)),
        ]),
    ));
    // A header that lies: 16 MiB inflate from an entry that declares 2 bytes.
    let mut liar = archive(&[
        ("manifest.json", &manifest),
        ("messages.json", &zeros(16 << 20)),
    ]);
    let declared = (16u32 << 20).to_le_bytes();
    patch(&mut liar, &declared, &2u32.to_le_bytes());
    out.push(("a header that lies about the size", liar));
    out
}

#[test]
fn hostile_archives_are_refused_with_their_reason_and_load_nothing() {
    use crate::common::db::{TestStore, BACKENDS};
    let t = TestStore::new(BACKENDS[0]);
    let mut transcript = String::new();
    for (what, bytes) in hostile_archives() {
        std::fs::write(t.dir.path().join("a.zip"), &bytes).unwrap();
        let r = pchat_in(
            t.dir.path(),
            &["--store", &t.url, "data", "import", "--file", "a.zip"],
        );
        assert_eq!(r.code, 1, "{what}: {}{}", r.stdout, r.stderr);
        transcript.push_str(&format!("# {what}\n{}\n", r.stderr));
    }
    // Nothing was loaded by any of them.
    let r = pchat_in(
        t.dir.path(),
        &["--store", &t.url, "history", "--format", "json"],
    );
    assert_eq!(r.stdout.trim(), "[]");
    crate::common::assert_snapshot(
        &root().join("tests/it/snapshots/archive-limits.txt"),
        &transcript,
    );
    // A trusted archive may be highly compressed.
    let big = archive(&[
        ("manifest.json", &text(MANIFEST)),
        ("rooms.json", &|w: &mut dyn std::io::Write| {
            w.write_all(b"[").unwrap();
            zeros(2 << 20)(w);
            w.write_all(b"]").unwrap()
        }),
    ]);
    std::fs::write(t.dir.path().join("big.zip"), &big).unwrap();
    let args = ["--store", &t.url, "data", "import", "--file", "big.zip"];
    let r = pchat_in(t.dir.path(), &args);
    assert!(r.stderr.contains("--allow-ratio"), "{}", r.stderr);
    let mut allowed = args.to_vec();
    allowed.push("--allow-ratio");
    let r = pchat_in(t.dir.path(), &allowed);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Every limit a configuration can meet, with the words a person gets.
#[test]
fn yaml_limits_are_said_in_words_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, String)> = vec![
        ("deep-flow.yaml", format!("rooms: {}{}\n", "[".repeat(5_000), "]".repeat(5_000))),
        ("deep-block.yaml", format!("rooms:\n{}x\n", "- ".repeat(300))),
        (
            "laughs.yaml",
            {
                let mut s = "a: &a [x, x, x, x, x, x, x, x, x, x]\n".to_string();
                for (n, p) in ["b", "c", "d", "e", "f", "g"].iter().zip(["a", "b", "c", "d", "e", "f"]) {
                    s.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{p}"); 10].join(", ")));
                }
                s.push_str("rooms: [*g]\n");
                s
            },
        ),
        (
            "repeats.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
             c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
             rooms: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                .to_string(),
        ),
        ("tagged.yaml", "rooms:\n  - !Ref name\n".to_string()),
        ("large.yaml", format!("# {}\nrooms: []\n", "x".repeat(20_000))),
    ];
    let mut transcript = String::new();
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
        let r = crate::common::pchat_within(
            dir.path(),
            &["validate", name, "--max-file-size", "16KiB"],
            std::time::Duration::from_secs(20),
        );
        assert_eq!(r.code, 1, "{name}: {}{}", r.stdout, r.stderr);
        let report = format!("{}{}", r.stdout, r.stderr);
        // Excerpts of the long lines are clipped; the report is what a person reads.
        transcript.push_str(&format!(
            "$ pchat validate {name} --max-file-size 16KiB\n{report}\n"
        ));
    }
    crate::common::assert_snapshot(
        &root().join("tests/it/snapshots/yaml-limits.txt"),
        &transcript,
    );
    // Below the limit, the same file is read.
    let r = pchat_in(
        dir.path(),
        &["validate", "large.yaml", "--max-file-size", "1MiB"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = pchat_in(
        dir.path(),
        &["validate", "large.yaml", "--max-file-size", "lots"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("`lots` is not a size"), "{}", r.stderr);
}

/// CPU seconds and peak resident memory (KiB) of one run of pchat, through wait4(2).
// wait4 reaps the child: std's `wait` would not give its resource usage.
#[allow(clippy::zombie_processes)]
fn measure(dir: &std::path::Path, args: &[&str]) -> (f64, i64) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pchat"))
        .args(args)
        .current_dir(dir)
        .env_remove("PCHAT_STORE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child's, not yet reaped; both pointers are valid.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime) + secs(usage.ru_stime), usage.ru_maxrss)
}

/// Runs `args` on inputs made at three sizes, each ten times the last, and checks that CPU
/// time and peak memory grow no faster than the input: between two steps, at most 30× (a
/// quadratic cost shows 100×). Ratios between runs, never absolute times.
fn grows_linearly(
    what: &str,
    make: impl Fn(&std::path::Path, usize) -> Vec<String>,
    sizes: [usize; 3],
) {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for n in sizes {
        let args = make(dir.path(), n);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The least of three runs: the others are the machine's noise.
        let runs: Vec<(f64, i64)> = (0..3).map(|_| measure(dir.path(), &args)).collect();
        let cpu = runs.iter().map(|r| r.0).fold(f64::MAX, f64::min);
        let rss = runs.iter().map(|r| r.1).min().unwrap();
        seen.push((n, cpu, rss));
    }
    eprintln!("{what}: {seen:?}");
    for w in seen.windows(2) {
        let ((_, c1, m1), (_, c2, m2)) = (w[0], w[1]);
        // CPU below 50 ms is startup: its ratio means nothing.
        let cpu_ratio = c2 / c1.max(0.05);
        let rss_ratio = m2 as f64 / m1 as f64;
        assert!(
            cpu_ratio <= 30.0,
            "{what}: CPU grew {cpu_ratio:.1}x in one 10x step: {seen:?}"
        );
        assert!(
            rss_ratio <= 30.0,
            "{what}: memory grew {rss_ratio:.1}x in one 10x step: {seen:?}"
        );
    }
}

fn write_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

#[test]
fn cost_grows_linearly_with_every_dimension_of_hostile_input() {
    let validate = |file: String| vec!["validate".to_string(), file];
    grows_linearly(
        "nesting depth",
        |d, n| {
            validate(write_file(
                d,
                "deep.yaml",
                &format!("rooms: {}{}\n", "[".repeat(n), "]".repeat(n)),
            ))
        },
        [2_000, 20_000, 200_000],
    );
    grows_linearly(
        "aliases",
        |d, n| {
            let aliases = vec!["*a"; n].join(", ");
            validate(write_file(
                d,
                "alias.yaml",
                &format!("x: &a [y]\nrooms: [{aliases}]\n"),
            ))
        },
        [1_000, 10_000, 100_000],
    );
    grows_linearly(
        "line length",
        |d, n| {
            let text = format!(
                "pools:\n  - fqdn: p.example.com\ncategories:\n  - name: C\nrooms:\n  - name: R\n    category: C\n    description: {}\n    privacy: Bad\n",
                "x".repeat(n)
            );
            validate(write_file(d, "long.yaml", &text))
        },
        [10_000, 100_000, 1_000_000],
    );
    grows_linearly(
        "keys",
        |d, n| {
            let keys: String = (0..n).map(|i| format!("    key{i}: 1\n")).collect();
            validate(write_file(
                d,
                "keys.yaml",
                &format!("rooms:\n  - name: R\n{keys}"),
            ))
        },
        [1_000, 10_000, 100_000],
    );
    grows_linearly(
        "files",
        |d, n| {
            let sub = d.join(format!("many{n}"));
            std::fs::create_dir_all(&sub).unwrap();
            for i in 0..n {
                std::fs::write(
                    sub.join(format!("{i:05}.yaml")),
                    format!("principals:\n  - type: User\n    sipAddress: sip:u{i}@example.com\n"),
                )
                .unwrap();
            }
            validate(format!("many{n}"))
        },
        [10, 100, 1_000],
    );
    grows_linearly(
        "archive inflation",
        |d, n| {
            let bytes = archive(&[
                ("manifest.json", &text(MANIFEST)),
                ("messages.json", &zeros(n as u64)),
            ]);
            std::fs::write(d.join(format!("a{n}.zip")), bytes).unwrap();
            [
                "--store",
                "sqlite://inflate.db",
                "data",
                "import",
                "--allow-ratio",
                "--file",
                &format!("a{n}.zip"),
            ]
            .map(String::from)
            .to_vec()
        },
        [1 << 20, 10 << 20, 100 << 20],
    );
}

/// Durations and sizes past what pchat takes are refused in words, never a panic.
#[test]
fn flag_limits_are_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut transcript = String::new();
    for args in [
        ["--lock-timeout", "9999999999s"],
        ["--lock-timeout", "18446744073709551615ms"],
        ["--statement-timeout", "1441m"],
        ["--connect-timeout", "soon"],
        ["--max-file-size", "2048GiB"],
        ["--max-file-size", "18446744073709551615KiB"],
    ] {
        let mut all = args.to_vec();
        all.extend(["room", "get"]);
        let r = pchat_in(dir.path(), &all);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        transcript.push_str(&format!("$ pchat {} room get\n{first}\n", args.join(" ")));
    }
    crate::common::assert_snapshot(
        &root().join("tests/it/snapshots/flag-limits.txt"),
        &transcript,
    );
}

/// A timeout of no time at all is refused, not read as "no wait" or "no limit" (or 1 ms); a
/// drift watch checks at most once a second; a percent-encoded password key is masked too.
#[test]
fn zero_timeouts_busy_watches_and_encoded_password_keys_are_refused_or_masked() {
    let dir = tempfile::tempdir().unwrap();
    for flag in [
        "--statement-timeout",
        "--lock-timeout",
        "--connect-timeout",
        "--idle-timeout",
    ] {
        let r = crate::common::pchat_in(dir.path(), &[flag, "0s", "room", "get"]);
        assert_eq!(r.code, 1, "{flag}: {}", r.stderr);
        assert!(r.stderr.contains("no time at all"), "{flag}: {}", r.stderr);
    }
    for every in ["0s", "500ms"] {
        let r = crate::common::pchat_in(dir.path(), &["drift", ".", "--watch", every]);
        assert_eq!(r.code, 1, "{every}: {}", r.stderr);
        assert!(r.stderr.contains("shorter than a second"), "{}", r.stderr);
    }
    let r = crate::common::pchat_in(
        dir.path(),
        &[
            "--connect-timeout",
            "1s",
            "--store",
            "postgres://u@127.0.0.1:1/db?pass%77ord=Sekr1t-9",
            "room",
            "get",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        !r.stderr.contains("Sekr1t-9") && !r.stdout.contains("Sekr1t-9"),
        "{}",
        r.stderr
    );
}

/// Control characters from data never reach the terminal raw: an actor or a message body with
/// escape sequences is shown as `\xHH` in every text table (history, message get, get).
#[test]
fn text_tables_escape_control_characters_from_data() {
    use crate::common::db::{TestStore, BACKENDS};
    for b in BACKENDS {
        let t = TestStore::new(b);
        let dir = t.dir.path();
        std::fs::write(
            dir.join("c.yaml"),
            "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\nrooms:\n  - name: R\n    category: C\n",
        )
        .unwrap();
        let run = |args: &[&str]| {
            let mut all = vec!["--store", t.url.as_str()];
            all.extend_from_slice(args);
            crate::common::pchat_in(dir, &all)
        };
        let evil = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J";
        assert_eq!(run(&["apply", "c.yaml", "--yes", "--actor", evil]).code, 0);
        let r = run(&[
            "message",
            "post",
            "--room",
            "p.litwareinc.com\\R",
            "--from",
            "sip:kim@litwareinc.com",
            "hi\u{1b}[2Jthere",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for args in [
            &["history"][..],
            &["message", "get", "--room", "p.litwareinc.com\\R"][..],
            &["room", "get"][..],
        ] {
            let r = run(args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
            assert!(
                !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{7}'),
                "{args:?}: {:?}",
                r.stdout
            );
        }
        assert!(run(&["history"]).stdout.contains("evil\\x1B]0;pwned\\x07"));
        assert!(run(&["message", "get", "--room", "p.litwareinc.com\\R"])
            .stdout
            .contains("hi\\x1B[2Jthere"));
    }
}

/// The help pages' `-FileName C:\Logs\PersistentChatData.zip` on a system without drive letters
/// is refused, saying why, instead of writing a file whose name holds the backslashes.
#[cfg(not(windows))]
#[test]
fn a_windows_path_is_refused_where_it_means_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        "C:\\Logs\\PersistentChatData.zip",
        "\\\\srv\\share\\chat.zip",
    ] {
        for verb in ["export", "import"] {
            let r = crate::common::pchat_in(dir.path(), &["data", verb, "--file-name", path]);
            assert_eq!(r.code, 1, "{verb} {path}: {}", r.stderr);
            assert!(r.stderr.contains("is a Windows path"), "{}", r.stderr);
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}
