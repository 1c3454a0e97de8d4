//! The imperative commands end to end, through the binary, on both backends: for every kind
//! new → get → set → get → remove → get, and every refusal exits 1 with a clear message and
//! leaves the store exactly as it was.

use pchat::model::DesiredState;
use pchat::store::{Store, DEFAULT_LOCK_TIMEOUT};

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{pchat_in, Run};

pub const POOL: &str = "atl-pchat-001.litwareinc.com";

pub struct Env {
    pub t: TestStore,
}

impl Env {
    pub fn new(backend: crate::common::db::Backend) -> Env {
        let env = Env {
            t: TestStore::new(backend),
        };
        env.ok(&[
            "pool",
            "add",
            "--fqdn",
            POOL,
            "--site",
            "Atlanta",
            "--servers",
            "atl-a.litwareinc.com,atl-b.litwareinc.com",
        ]);
        env
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--store", self.t.url.as_str(), "--color", "never"];
        all.extend_from_slice(args);
        pchat_in(self.t.dir.path(), &all)
    }

    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "{args:?} failed:\n{}{}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--format", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("get prints JSON")
    }

    pub fn dump(&self) -> (DesiredState, i64) {
        let url = self.t.store_url();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let store = Store::open(&url, DEFAULT_LOCK_TIMEOUT).await.unwrap();
                let s = store.snapshot().await.unwrap();
                store.close().await;
                s
            })
    }

    /// The command is refused: exit 1, the message on stderr, and the store unchanged.
    #[track_caller]
    pub fn refused(&self, args: &[&str], message: &str) {
        let before = self.dump();
        let run = self.run(args);
        assert_eq!(
            run.code, 1,
            "{args:?} should be refused:\n{}{}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(message),
            "{args:?}: expected `{message}` in\n{}",
            run.stderr
        );
        assert_eq!(
            self.dump(),
            before,
            "{args:?} changed the store although refused"
        );
    }
}

pub fn id(name: &str) -> String {
    format!("{POOL}\\{name}")
}

#[test]
fn categories() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&[
            "category",
            "new",
            "--name",
            "Sales",
            "--description",
            "Deals",
            "--enable-file-upload",
        ]);
        let got = e.json(&["category", "get", "--identity", &id("Sales")]);
        assert_eq!(got[0]["description"], "Deals");
        assert_eq!(got[0]["fileUpload"], true);
        e.ok(&[
            "category",
            "set",
            "--identity",
            &id("Sales"),
            "--allowed-members-add",
            "OU=Sales,DC=litwareinc,DC=com",
            "--chat-history",
            "false",
        ]);
        let got = e.json(&["category", "get"]);
        assert_eq!(got[0]["allowedMembers"][0], "OU=Sales,DC=litwareinc,DC=com");
        assert_eq!(got[0]["chatHistory"], false);

        e.refused(
            &["category", "new", "--name", "Sales"],
            "category `atl-pchat-001.litwareinc.com\\Sales` already exists",
        );
        e.refused(
            &[
                "category",
                "set",
                "--identity",
                &id("Sale"),
                "--description",
                "x",
            ],
            "did you mean `atl-pchat-001.litwareinc.com\\Sales`?",
        );
        e.refused(
            &[
                "category",
                "new",
                "--name",
                "X",
                "--persistent-chat-pool-fqdn",
                "nope.litwareinc.com",
            ],
            "pool `nope.litwareinc.com` does not exist",
        );
        e.refused(
            &[
                "category",
                "set",
                "--identity",
                &id("Sales"),
                "--allowed-members-add",
                "OU=Sales",
            ],
            "is only one part of a distinguished name",
        );
        e.ok(&["room", "new", "--name", "Leads", "--category", "Sales"]);
        e.refused(
            &["category", "remove", "--identity", &id("Sales")],
            "still has 1 room",
        );
        e.ok(&["room", "remove", "--identity", &id("Leads")]);
        e.ok(&["category", "remove", "--identity", &id("Sales")]);
        assert_eq!(e.json(&["category", "get"]), serde_json::json!([]));
    }
}

#[test]
fn rooms() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&["category", "new", "--name", "Sales"]);
        e.ok(&["category", "new", "--name", "Legal"]);
        e.refused(
            &["room", "new", "--name", "Leads", "--category", "Salse"],
            "category `Salse` does not exist in pool",
        );
        e.refused(
            &[
                "room",
                "new",
                "--name",
                "Leads",
                "--category",
                "Sales",
                "--privacy",
                "Hidden",
            ],
            "expected one of Open, Closed, Secret",
        );
        e.ok(&[
            "room",
            "new",
            "--name",
            "Leads",
            "--category",
            "Sales",
            "--privacy",
            "open",
            "--description",
            "Hot leads",
        ]);
        let got = e.json(&["room", "get", "--identity", &id("Leads")]);
        assert_eq!(got[0]["privacy"], "Open");
        assert_eq!(got[0]["description"], "Hot leads");

        e.refused(
            &[
                "room",
                "set",
                "--identity",
                &id("Leads"),
                "--presenters-add",
                "sip:kim@litwareinc.com",
            ],
            "a Normal room has no presenters",
        );
        e.refused(
            &[
                "room",
                "set",
                "--identity",
                &id("Leads"),
                "--members-add",
                "kim@litwareinc.com",
            ],
            "is not a valid principal",
        );
        e.ok(&[
            "room",
            "set",
            "--identity",
            &id("Leads"),
            "--type",
            "Auditorium",
            "--presenters-add",
            "sip:kim@litwareinc.com",
            "--members",
            "sip:ana@litwareinc.com;sip:ben@litwareinc.com",
            "--managers-add",
            "sip:kim@litwareinc.com",
        ]);
        e.ok(&[
            "room",
            "set",
            "--identity",
            &id("Leads"),
            "--members-remove",
            "SIP:ana@LITWAREINC.com",
            "--members-add",
            "sip:ben@litwareinc.com",
        ]);
        let got = e.json(&["room", "get", "--member", "sip:ben@litwareinc.com"]);
        assert_eq!(got[0]["type"], "Auditorium");
        assert_eq!(
            got[0]["members"],
            serde_json::json!(["sip:ben@litwareinc.com"])
        );
        assert_eq!(
            got[0]["presenters"],
            serde_json::json!(["sip:kim@litwareinc.com"])
        );
        // Filters follow the cmdlet's: by category, privacy, type, disabled, wildcard name.
        e.ok(&[
            "room",
            "new",
            "--name",
            "Contracts",
            "--category",
            "Legal",
            "--privacy",
            "Secret",
            "--disabled",
        ]);
        assert_eq!(
            e.json(&["room", "get", "--category", "Legal"])
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            e.json(&["room", "get", "--privacy", "Secret"])[0]["name"],
            "Contracts"
        );
        assert_eq!(
            e.json(&["room", "get", "--disabled", "true"])[0]["name"],
            "Contracts"
        );
        assert_eq!(
            e.json(&["room", "get", "--type", "Auditorium"])[0]["name"],
            "Leads"
        );
        assert_eq!(
            e.json(&["room", "get", "--filter", "Con*"])[0]["name"],
            "Contracts"
        );
        assert_eq!(
            e.json(&["room", "get", "--manager", "sip:kim@litwareinc.com"])[0]["name"],
            "Leads"
        );

        e.refused(
            &["room", "remove", "--identity", &id("Lead")],
            "did you mean `atl-pchat-001.litwareinc.com\\Leads`?",
        );
        e.ok(&["room", "remove", "--identity", &id("Leads")]);
        // As the cmdlet: a room that is not there cannot be found (exit 1), never "(none)".
        e.refused(
            &["room", "get", "--identity", &id("Leads")],
            "cannot find room `atl-pchat-001.litwareinc.com\\Leads`",
        );
        let left = e.json(&["room", "get"]);
        assert!(
            left.as_array()
                .unwrap()
                .iter()
                .all(|r| r["name"] != "Leads"),
            "{left:#}"
        );
    }
}

#[test]
fn addins() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.refused(
            &[
                "addin",
                "new",
                "--name",
                "Dash",
                "--url",
                "ftp://x.litwareinc.com/",
            ],
            "is not a valid URL",
        );
        e.ok(&[
            "addin",
            "new",
            "--name",
            "Dash",
            "--url",
            "https://apps.litwareinc.com/dash",
        ]);
        e.ok(&[
            "addin",
            "set",
            "--identity",
            &id("Dash"),
            "--url",
            "https://apps.litwareinc.com/v2",
        ]);
        assert_eq!(
            e.json(&["addin", "get"])[0]["url"],
            "https://apps.litwareinc.com/v2"
        );
        e.ok(&["category", "new", "--name", "Sales"]);
        e.refused(
            &[
                "room",
                "new",
                "--name",
                "R",
                "--category",
                "Sales",
                "--addin",
                "Dsh",
            ],
            "did you mean `Dash`?",
        );
        e.ok(&[
            "room",
            "new",
            "--name",
            "R",
            "--category",
            "Sales",
            "--addin",
            "Dash",
        ]);
        e.refused(
            &["addin", "remove", "--identity", &id("Dash")],
            "is shown in 1 room; removing it detaches it from them; pass --force",
        );
        let out = e.ok(&["addin", "remove", "--identity", &id("Dash"), "--force"]);
        assert!(out.contains("changed room"), "{out}");
        assert_eq!(e.json(&["addin", "get"]), serde_json::json!([]));
        assert!(e.json(&["room", "get"])[0]["addin"].is_null());
    }
}

#[test]
fn policies_and_grants() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.refused(
            &["policy", "new", "--identity", "global"],
            "policy `global` already exists",
        );
        e.refused(
            &[
                "policy",
                "new",
                "--identity",
                "service:PersistentChatServer:atl-pchat-001.litwareinc.com",
            ],
            "a policy's identity is",
        );
        e.ok(&[
            "policy",
            "new",
            "--identity",
            "tag:ChatEnabled",
            "--enable-persistent-chat",
        ]);
        e.ok(&[
            "policy",
            "set",
            "--identity",
            "global",
            "--enable-persistent-chat",
            "true",
            "--description",
            "on",
        ]);
        e.refused(
            &[
                "policy",
                "grant",
                "--identity",
                "sip:kim@litwareinc.com",
                "--policy-name",
                "ChatEnabld",
            ],
            "did you mean `tag:ChatEnabled`?",
        );
        e.ok(&[
            "policy",
            "grant",
            "--identity",
            "sip:kim@litwareinc.com",
            "--policy-name",
            "ChatEnabled",
        ]);
        e.refused(
            &["policy", "remove", "--identity", "tag:ChatEnabled"],
            "is granted to 1 user",
        );
        e.ok(&[
            "policy",
            "remove",
            "--identity",
            "tag:ChatEnabled",
            "--force",
        ]);
        e.ok(&["policy", "remove", "--identity", "global"]);
        let got = e.json(&["policy", "get"]);
        assert_eq!(
            got,
            serde_json::json!([{"identity": "global", "enablePersistentChat": false, "description": ""}]),
            "global reset to defaults"
        );
        let (state, _) = e.dump();
        assert!(state.policy_grants.is_empty());
    }
}

#[test]
fn compliance_and_configuration() {
    for b in BACKENDS {
        let e = Env::new(b);
        let service = format!("service:PersistentChatServer:{POOL}");
        e.ok(&[
            "compliance",
            "new",
            "--identity",
            &service,
            "--adapter-type",
            "XmlAdapter",
            "--adapter-output-directory",
            "\\\\fs\\c",
        ]);
        e.refused(
            &[
                "compliance",
                "set",
                "--identity",
                &service,
                "--run-interval",
                "00:00:10",
            ],
            "runInterval must be between",
        );
        e.ok(&[
            "compliance",
            "set",
            "--identity",
            &service,
            "--run-interval",
            "1.00:00:00",
        ]);
        assert_eq!(
            e.json(&["compliance", "get", "--identity", &service])[0]["runInterval"],
            "1.00:00:00"
        );
        e.refused(
            &[
                "compliance",
                "new",
                "--identity",
                "service:PersistentChatServer:dub.litwareinc.com",
            ],
            "pool `dub.litwareinc.com` is not declared",
        );
        e.ok(&["compliance", "remove", "--identity", &service]);
        e.ok(&[
            "compliance",
            "set",
            "--identity",
            "global",
            "--adapter-name",
            "x",
        ]);
        e.ok(&["compliance", "remove", "--identity", "global"]);
        // Every field as the reset leaves it, defaults included.
        assert_eq!(
            e.json(&["compliance", "get"]),
            serde_json::json!([{
                "identity": "global",
                "adapterType": "",
                "adapterName": "",
                "adapterOutputDirectory": "",
                "runInterval": "00:15:00",
                "oneChatRoomPerOutputFile": false,
                "addChatRoomDetails": false,
                "addUserDetails": false,
                "createFileAttachmentsManifest": false,
                "customConfiguration": ""
            }])
        );

        e.ok(&[
            "configuration",
            "new",
            "--identity",
            "site:Atlanta",
            "--default-chat-history",
            "50",
        ]);
        e.refused(
            &[
                "configuration",
                "set",
                "--identity",
                "site:Atlanta",
                "--default-chat-history",
                "501",
            ],
            "defaultChatHistory must be between 1 and 500, not 501",
        );
        e.refused(
            &[
                "configuration",
                "set",
                "--identity",
                "site:Atlanta",
                "--room-management-url",
                "chatweb",
            ],
            "is not a valid URL",
        );
        e.ok(&[
            "configuration",
            "set",
            "--identity",
            "site:Atlanta",
            "--room-management-url",
            "https://chatweb.litwareinc.com/",
        ]);
        assert_eq!(
            e.json(&["configuration", "get", "--identity", "site:Atlanta"])[0]
                ["defaultChatHistory"],
            50
        );
        e.ok(&["configuration", "remove", "--identity", "site:Atlanta"]);
        assert_eq!(
            e.json(&["configuration", "get"]).as_array().unwrap().len(),
            1
        );
    }
}

#[test]
fn endpoints_states_and_active_servers() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.refused(
            &["endpoint", "new", "--sip-address", "chat@litwareinc.com"],
            "is not a SIP URI",
        );
        e.ok(&[
            "endpoint",
            "new",
            "--sip-address",
            "sip:chat@litwareinc.com",
            "--display-name",
            "Chat",
        ]);
        e.refused(
            &[
                "endpoint",
                "new",
                "--sip-address",
                "SIP:chat@LitwareInc.com",
            ],
            "already exists",
        );
        assert_eq!(e.json(&["endpoint", "get"])[0]["displayName"], "Chat");
        e.ok(&[
            "endpoint",
            "remove",
            "--identity",
            "sip:chat@litwareinc.com",
        ]);
        assert_eq!(e.json(&["endpoint", "get"]), serde_json::json!([]));

        assert_eq!(
            e.json(&["state", "get"])[0]["identity"],
            format!("PersistentChatServer:{POOL}")
        );
        e.ok(&[
            "state",
            "set",
            "--identity",
            &format!("PersistentChatServer:{POOL}"),
            "--pool-state",
            "FailedOver",
        ]);
        assert_eq!(e.json(&["state", "get"])[0]["poolState"], "FailedOver");
        e.refused(
            &[
                "state",
                "set",
                "--identity",
                "PersistentChatServer:dub.litwareinc.com",
                "--pool-state",
                "Normal",
            ],
            "does not exist",
        );

        e.refused(
            &[
                "active-server",
                "set",
                "--identity",
                POOL,
                "--active-servers-add",
                "atl-c.litwareinc.com",
            ],
            "is not a server of pool",
        );
        e.ok(&[
            "active-server",
            "set",
            "--identity",
            POOL,
            "--active-servers",
            "atl-a.litwareinc.com",
        ]);
        e.ok(&["active-server", "set", "--identity", POOL, "--swap"]);
        assert_eq!(
            e.json(&["active-server", "get"])[0]["activeServers"],
            serde_json::json!(["atl-b.litwareinc.com"])
        );
        e.ok(&[
            "active-server",
            "set",
            "--identity",
            POOL,
            "--clear-active-servers",
        ]);
        assert_eq!(
            e.json(&["active-server", "get"])[0]["activeServers"],
            serde_json::json!([])
        );
    }
}

#[test]
fn a_fresh_directory_gets_a_store_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    // Without --new-store a store that is not there is an error naming it and its origin.
    let run = pchat_in(dir.path(), &["room", "get"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("sqlite://pchat.db does not exist (the default store"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("pchat.db").exists());
    let run = pchat_in(dir.path(), &["--new-store", "room", "get"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("Identity"), "{}", run.stdout);
    assert!(run.stdout.ends_with("(none)\n"), "{}", run.stdout);
    assert!(dir.path().join("pchat.db").exists());
    // A missing parent directory is a clear error, not a panic.
    let run = pchat_in(
        dir.path(),
        &[
            "--new-store",
            "--store",
            "sqlite://missing/dir/x.db",
            "room",
            "get",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the directory missing/dir does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn concurrent_writers_never_interleave() {
    for b in BACKENDS {
        let e = Env::new(b);
        e.ok(&["category", "new", "--name", "Sales"]);
        let (_, start) = e.dump();
        const EACH: usize = 12;
        std::thread::scope(|s| {
            for w in 0..2 {
                let e = &e;
                s.spawn(move || {
                    for i in 0..EACH {
                        let name = format!("W{w}-{i:02}");
                        e.ok(&["room", "new", "--name", &name, "--category", "Sales"]);
                        e.ok(&[
                            "room",
                            "set",
                            "--identity",
                            &id(&name),
                            "--description",
                            &format!("by writer {w}"),
                        ]);
                    }
                });
            }
        });
        let (state, end) = e.dump();
        assert_eq!(
            end - start,
            2 * 2 * EACH as i64,
            "{b:?}: one revision per write"
        );
        assert_eq!(state.rooms.len(), 2 * EACH);
        for (id, r) in &state.rooms {
            let w = &id.name[1..2];
            assert_eq!(r.description, format!("by writer {w}"), "{b:?}: {id}");
        }
    }
}

#[test]
fn a_writer_that_cannot_get_the_lock_exits_3() {
    for b in BACKENDS {
        let e = Env::new(b);
        let url = e.t.store_url();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // Dropping a held transaction hands its connection back through the runtime.
        let _enter = rt.enter();
        let store = rt
            .block_on(Store::open(&url, DEFAULT_LOCK_TIMEOUT))
            .unwrap();
        let held = rt.block_on(store.write()).unwrap();
        let before = e.dump();
        let run = e.run(&[
            "--lock-timeout",
            "300ms",
            "category",
            "new",
            "--name",
            "Sales",
        ]);
        assert_eq!(run.code, 3, "{b:?}:\n{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("another pchat is writing to the store"),
            "{}",
            run.stderr
        );
        drop(held);
        assert_eq!(e.dump(), before);
        e.ok(&["category", "new", "--name", "Sales"]);
    }
}

#[test]
fn a_newer_store_is_refused_and_endpoints_have_no_set() {
    for b in BACKENDS {
        let e = Env::new(b);
        let run = e.run(&["endpoint", "set", "--identity", "sip:chat@litwareinc.com"]);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains("unrecognized subcommand 'set'"),
            "{}",
            run.stderr
        );

        let url = e.t.store_url();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = Store::open(&url, DEFAULT_LOCK_TIMEOUT).await.unwrap();
            let mut tx = store.write().await.unwrap();
            let newer = pchat::store::SCHEMA_VERSION + 1;
            tx.force_schema_version_for_tests(newer).await.unwrap();
            tx.commit_write().await.unwrap();
            store.close().await;
        });
        let run = e.run(&["room", "get"]);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains(&format!(
                "was written by a newer pchat (schema version {}; this pchat knows up to {}): upgrade pchat",
                pchat::store::SCHEMA_VERSION + 1,
                pchat::store::SCHEMA_VERSION
            )),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("password"), "{}", run.stderr);
    }
}

#[test]
fn passwords_in_store_urls_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "mysql://admin:s3cret@db.litwareinc.com/pchat",
        "postgres://admin:s3cret@127.0.0.1:1/pchat",
    ] {
        let run = pchat_in(dir.path(), &["--store", url, "room", "get"]);
        assert_eq!(run.code, 1, "{url}");
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("s3cret"), "{url}: {all}");
        // A URL pchat can read is shown masked; another is only described.
        let shown = if url.starts_with("mysql") {
            "a store URL with the scheme `mysql`"
        } else {
            "admin:***@"
        };
        assert!(all.contains(shown), "{url}: {all}");
    }
    // An unreachable server says why, at once.
    let run = pchat_in(
        dir.path(),
        &[
            "--store",
            "postgres://admin:s3cret@127.0.0.1:1/pchat",
            "room",
            "get",
        ],
    );
    assert!(run.stderr.contains("Connection refused"), "{}", run.stderr);
}

/// A store that does not exist is never created by a command that only reads, nor by an
/// apply without `--new-store`: the error names the store and where its name came from, and
/// nothing appears (no SQLite file, no tables in the PostgreSQL database).
#[test]
fn no_command_plans_or_applies_against_a_store_that_is_not_there() {
    use crate::common::db::{Backend, TestStore, BACKENDS};
    let cfg = crate::common::root().join("examples/litware");
    let cfg = cfg.to_str().unwrap();
    for b in BACKENDS {
        let t = TestStore::unmade(b);
        let exists = |t: &TestStore| match b {
            Backend::Sqlite => t.dir.path().join("pchat.db").exists(),
            Backend::Postgres => {
                let r = pchat_in(t.dir.path(), &["--store", &t.url, "history"]);
                r.code == 0
            }
        };
        for args in [
            vec!["plan", cfg],
            vec!["plan", cfg, "--refresh"],
            vec!["drift", cfg],
            vec!["room", "get"],
            vec!["export", "--out", "exported"],
            vec!["history"],
            vec!["apply", cfg, "--yes"],
        ] {
            let mut all = vec!["--store", t.url.as_str()];
            all.extend(&args);
            let r = pchat_in(t.dir.path(), &all);
            assert_eq!(r.code, 1, "{b:?} {args:?}: {}{}", r.stdout, r.stderr);
            assert!(
                r.stderr.contains("does not exist (given by --store)")
                    && r.stderr.contains("--new-store"),
                "{b:?} {args:?}: {}",
                r.stderr
            );
            assert!(!exists(&t), "{b:?} {args:?} made the store");
        }
        // `live script` reads the configuration only: it works, and makes no store.
        let r = pchat_in(
            t.dir.path(),
            &[
                "--store",
                &t.url,
                "live",
                "script",
                cfg,
                "--out",
                "collect.ps1",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!exists(&t), "{b:?} live script made the store");
        // From the environment, and by default.
        let r = std::process::Command::new(env!("CARGO_BIN_EXE_pchat"))
            .args(["plan", cfg])
            .env("PCHAT_STORE", &t.url)
            .current_dir(t.dir.path())
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&r.stderr).contains("(given by PCHAT_STORE)"));
        let r = pchat_in(t.dir.path(), &["plan", cfg, "--detailed-exitcode"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r
            .stderr
            .contains("sqlite://pchat.db does not exist (the default store"));
        // Meant: an empty store is made.
        let r = pchat_in(
            t.dir.path(),
            &["--store", &t.url, "--new-store", "apply", cfg, "--yes"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(exists(&t));
    }
}

/// A saved plan names its store: applied to another store it is refused as made for that
/// one, not as stale.
#[test]
fn a_saved_plan_applied_to_another_store_is_refused_as_such() {
    use crate::common::db::{TestStore, BACKENDS};
    let cfg = crate::common::root().join("examples/litware");
    let cfg = cfg.to_str().unwrap();
    for b in BACKENDS {
        let (one, other) = (TestStore::new(b), TestStore::new(b));
        let plan = one.dir.path().join("plan.json");
        let plan = plan.to_str().unwrap();
        let r = pchat_in(
            one.dir.path(),
            &["--store", &one.url, "plan", cfg, "--out", plan],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = pchat_in(
            one.dir.path(),
            &["--store", &other.url, "apply", "--plan", plan, "--yes"],
        );
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("this plan was made for store") && !r.stderr.contains("stale"),
            "{}",
            r.stderr
        );
        let r = pchat_in(
            one.dir.path(),
            &["--store", &one.url, "apply", "--plan", plan, "--yes"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
}

/// A `get` of one identity that finds nothing fails as the cmdlet does ("cannot find"), on
/// every noun; without `--identity` an empty list is an answer.
#[test]
fn a_get_of_an_identity_that_is_not_there_fails() {
    use crate::common::db::{TestStore, BACKENDS};
    for b in BACKENDS {
        let t = TestStore::new(b);
        for (noun, id) in [
            ("room", "p.litwareinc.com\\nope"),
            ("category", "p.litwareinc.com\\nope"),
            ("addin", "p.litwareinc.com\\nope"),
            ("policy", "tag:nope"),
            ("compliance", "site:nope"),
            ("configuration", "site:nope"),
            ("endpoint", "sip:nope@litwareinc.com"),
            ("state", "PersistentChatServer:nope.litwareinc.com"),
            ("active-server", "PersistentChatServer:nope.litwareinc.com"),
            ("principal", "sip:nope@litwareinc.com"),
        ] {
            let r = pchat_in(
                t.dir.path(),
                &["--store", &t.url, noun, "get", "--identity", id],
            );
            assert_eq!(r.code, 1, "{noun}: {}{}", r.stdout, r.stderr);
            assert!(r.stderr.contains("cannot find"), "{noun}: {}", r.stderr);
            let r = pchat_in(t.dir.path(), &["--store", &t.url, noun, "get"]);
            assert_eq!(r.code, 0, "{noun}: {}", r.stderr);
        }
    }
}

/// Behind another process's writer lock (SQLite), a command that only reads answers at once,
/// as write-ahead logging lets it, and a write waits `--lock-timeout` once (not again on the way
/// out) before it gives up with exit 3.
#[test]
fn sqlite_readers_never_wait_and_a_writer_waits_its_lock_timeout_once() {
    use std::time::{Duration, Instant};
    let e = Env::new(crate::common::db::Backend::Sqlite);
    e.ok(&["category", "new", "--name", "C"]);
    let (held, release) = (
        std::sync::mpsc::channel::<()>(),
        std::sync::mpsc::channel::<()>(),
    );
    let url = e.t.url.clone();
    let holder = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql("BEGIN IMMEDIATE; UPDATE meta SET revision = revision WHERE id = 1")
                    .execute(&mut c)
                    .await
                    .unwrap();
                held.0.send(()).unwrap();
                release.1.recv().unwrap();
                sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
            })
    });
    held.1.recv().unwrap();
    for read in [
        &["--lock-timeout", "30s", "room", "get"][..],
        &["--lock-timeout", "30s", "history"],
        &["--lock-timeout", "30s", "category", "get"],
    ] {
        let t = Instant::now();
        e.ok(read);
        // Far below the 30 s a wait would take, whatever the machine's load.
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "{read:?} waited for the writer"
        );
    }
    // A selection shown without `--yes` only reads, even where `--yes` would write.
    for preview in [
        &[
            "--lock-timeout",
            "30s",
            "room",
            "clear",
            "--all",
            "--end-date",
            "2026-01-01",
        ][..],
        &["--lock-timeout", "30s", "category", "remove", "--all"],
    ] {
        let t = Instant::now();
        let r = e.run(preview);
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "{preview:?} waited for the writer"
        );
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("add --yes"), "{}", r.stderr);
    }
    let t = Instant::now();
    let r = e.run(&[
        "--lock-timeout",
        "3s",
        "room",
        "new",
        "--name",
        "R",
        "--category",
        "C",
    ]);
    let waited = t.elapsed();
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(waited >= Duration::from_secs(3), "{waited:?}");
    assert!(waited < Duration::from_secs(6), "waited twice: {waited:?}");
    release.0.send(()).unwrap();
    holder.join().unwrap();
}
