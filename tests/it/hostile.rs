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
