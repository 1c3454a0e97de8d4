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
