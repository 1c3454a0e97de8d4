//! TLS to PostgreSQL: a second cluster of this machine's PostgreSQL, started by the test on a
//! free port with `ssl = on` and a certificate the test makes (a root, a server certificate
//! for `localhost` signed by it, and an unrelated root), checks each `sslmode` as a managed
//! PostgreSQL would meet it, and that the password never shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::pchat_in;

/// A PostgreSQL binary: on PATH, else in Debian's versioned directory.
fn pg_bin(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH").map(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.exists())
    });
    if let Some(Some(found)) = on_path {
        return found;
    }
    let debian = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(debian)
        .map(|d| {
            d.flatten()
                .map(|e| e.path().join("bin").join(name))
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().filter(|p| p.exists()).unwrap_or_else(|| {
        panic!("{name} is needed for the TLS test (PostgreSQL's server package)")
    })
}

/// Runs a command as the `postgres` user when this is root (the server refuses to run as root).
fn as_server_user(program: &Path, args: &[&str]) -> std::process::Output {
    let root = unsafe { libc::geteuid() } == 0;
    let mut c = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    c.args(args).output().expect("run a PostgreSQL binary")
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl makes the test's certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let days = ["-days", "2"];
        openssl(
            d,
            &[
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "root.key",
                    "-out",
                    "root.crt",
                    "-subj",
                    "/CN=pchat test root",
                ][..],
                &days,
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "wrong.key",
                    "-out",
                    "wrong.crt",
                    "-subj",
                    "/CN=another root",
                ][..],
                &days,
            ]
            .concat(),
        );
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                &[
                    "x509",
                    "-req",
                    "-in",
                    "server.csr",
                    "-CA",
                    "root.crt",
                    "-CAkey",
                    "root.key",
                    "-CAcreateserial",
                    "-out",
                    "server.crt",
                    "-extfile",
                    "ext.cnf",
                ][..],
                &days,
            ]
            .concat(),
        );
        if unsafe { libc::geteuid() } == 0 {
            let st = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(d)
                .status()
                .unwrap();
            assert!(st.success());
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("server.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let data = d.join("data");
        let out = as_server_user(
            &pg_bin("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{d}'\n\
             ssl = on\nssl_cert_file = '{d}/server.crt'\nssl_key_file = '{d}/server.key'\n",
            d = d.display()
        );
        let mut text = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        text.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), text).unwrap();
        let log = d.join("log");
        let out = as_server_user(
            &pg_bin("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Cluster { dir, port }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        as_server_user(
            &pg_bin("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

#[test]
fn tls_modes_connect_check_and_refuse_as_libpq_does() {
    let c = Cluster::start();
    let work = tempfile::tempdir().unwrap();
    let password = "s3cret-Pa55";
    let url = |host: &str, query: &str| {
        format!(
            "postgres://postgres:{password}@{host}:{}/postgres?{query}",
            c.port
        )
    };
    let run = |store: &str| {
        let r = pchat_in(
            work.path(),
            &["--new-store", "--store", store, "room", "get"],
        );
        assert!(
            !r.stdout.contains(password) && !r.stderr.contains(password),
            "the password shows: {}{}",
            r.stdout,
            r.stderr
        );
        r
    };
    let root = c.file("root.crt");
    let wrong = c.file("wrong.crt");
    for (store, why) in [
        (
            url("127.0.0.1", "sslmode=require"),
            "require: encrypted, not checked",
        ),
        (
            url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={root}"),
            ),
            "verify-full, the right root",
        ),
        (
            url(
                "127.0.0.1",
                &format!("sslmode=verify-ca&sslrootcert={root}"),
            ),
            "verify-ca: the chain, not the name",
        ),
        (url("127.0.0.1", "sslmode=prefer"), "prefer"),
        (
            url("127.0.0.1", "sslmode=disable"),
            "disable: the server takes plain connections too",
        ),
    ] {
        let r = run(&store);
        assert_eq!(r.code, 0, "{why}: {}", r.stderr);
        assert!(r.stdout.starts_with("Identity"), "{why}: {}", r.stdout);
    }
    for (store, said) in [
        (
            url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={wrong}"),
            ),
            "not signed by a root pchat trusts",
        ),
        (
            url("localhost", "sslmode=verify-full"),
            "not signed by a root pchat trusts",
        ),
        (
            url(
                "127.0.0.1",
                &format!("sslmode=verify-full&sslrootcert={root}"),
            ),
            "does not name the host",
        ),
    ] {
        let r = run(&store);
        assert_eq!(r.code, 1, "{store}: {}", r.stderr);
        assert!(
            r.stderr.contains("cannot connect to the store") && r.stderr.contains(said),
            "{}",
            r.stderr
        );
    }
    // A store on it works end to end: an apply, then a converged plan.
    let cfg = crate::common::root().join("examples/litware");
    let store = url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={root}"),
    );
    let r = pchat_in(
        work.path(),
        &["--store", &store, "apply", cfg.to_str().unwrap(), "--yes"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = pchat_in(
        work.path(),
        &[
            "--store",
            &store,
            "plan",
            cfg.to_str().unwrap(),
            "--detailed-exitcode",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
