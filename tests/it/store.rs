//! The store on both backends: creation, migration guards, round trips, revisions, the lock.

use std::time::Duration;

use pchat::config;
use pchat::model::{DesiredState, Kind, Scope};
use pchat::store::{Store, StoreError, DEFAULT_LOCK_TIMEOUT};

use crate::common::db::{Backend, TestStore, BACKENDS};
use crate::common::root;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn litware() -> DesiredState {
    config::load(&[root().join("examples/litware")])
        .unwrap()
        .state
}

/// A store holding `state`, and the revision that wrote it.
async fn store_with(t: &TestStore, state: &DesiredState) -> (Store, i64) {
    let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
        .await
        .unwrap();
    let mut tx = store.write().await.unwrap();
    tx.insert_state(state).await.unwrap();
    let revision = tx.commit_write().await.unwrap();
    (store, revision)
}

/// A store holding litware, with litware and the revision that wrote it.
async fn litware_store(t: &TestStore) -> (Store, DesiredState, i64) {
    let desired = litware();
    let (store, revision) = store_with(t, &desired).await;
    (store, desired, revision)
}

#[test]
fn a_new_store_holds_the_global_settings_only() {
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let (state, revision) = store.snapshot().await.unwrap();
            assert_eq!(revision, 0, "{backend:?}");
            assert_eq!(state.rooms.len(), 0);
            assert_eq!(state.policies.keys().collect::<Vec<_>>(), [&Scope::Global]);
            assert!(state.compliance_configurations.contains_key(&Scope::Global));
            assert_eq!(
                state.configurations[&Scope::Global].default_chat_history,
                30
            );
            store.close().await;
        });
    }
}

#[test]
fn litware_round_trips_through_the_store_and_each_write_bumps_the_revision() {
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let (store, desired, revision) = litware_store(&t).await;
            assert_eq!(revision, 1);
            let (live, revision) = store.snapshot().await.unwrap();
            assert_eq!(revision, 1);
            assert_eq!(live, desired.clone().without_lifecycle(), "{backend:?}");

            // A change, then a rollback: the revision moves only for what commits.
            let room = live.rooms.keys().next().unwrap().clone();
            let mut tx = store.write().await.unwrap();
            tx.delete_pooled(Kind::Room, &room).await.unwrap();
            drop(tx);
            let (after, revision) = store.snapshot().await.unwrap();
            assert_eq!(revision, 1);
            assert!(after.rooms.contains_key(&room));
            let mut tx = store.write().await.unwrap();
            assert_eq!(tx.delete_pooled(Kind::Room, &room).await.unwrap(), 1);
            assert_eq!(tx.commit_write().await.unwrap(), 2);
            let (after, _) = store.snapshot().await.unwrap();
            assert!(!after.rooms.contains_key(&room));
            store.close().await;
        });
    }
}

#[test]
fn a_store_from_a_newer_pchat_is_refused() {
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let mut tx = store.write().await.unwrap();
            tx.force_schema_version_for_tests(99).await.unwrap();
            tx.commit_write().await.unwrap();
            store.close().await;
            let err = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .err()
                .unwrap();
            assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
            assert!(err.to_string().contains("upgrade pchat"), "{err}");
        });
    }
}

#[test]
fn a_second_writer_waits_then_gives_up() {
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let short = Duration::from_millis(300);
            let first = Store::open(&t.store_url(), short).await.unwrap();
            let second = Store::open(&t.store_url(), short).await.unwrap();
            let held = first.write().await.unwrap();
            let err = second.write().await.err().expect("the lock is held");
            assert!(err.is_refusal(), "{err}");
            assert!(
                err.to_string().contains("another pchat is writing"),
                "{err}"
            );
            if backend == Backend::Postgres {
                assert!(err.to_string().contains("held by pchat (user"), "{err}");
            }
            drop(held);
            // Once released, the second writer gets it.
            let tx = second.write().await.unwrap();
            tx.commit_write().await.unwrap();
        });
    }
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let url = "sqlite:///no/such/dir/pchat.db".parse().unwrap();
    let err = rt()
        .block_on(Store::open(&url, DEFAULT_LOCK_TIMEOUT))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "cannot create the store at /no/such/dir/pchat.db: the directory /no/such/dir does not exist"
    );
    // A directory where nothing can be created, even by root.
    let url = "sqlite:///proc/pchat.db".parse().unwrap();
    let err = rt()
        .block_on(Store::open(&url, DEFAULT_LOCK_TIMEOUT))
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .starts_with("cannot create the store at /proc/pchat.db:"),
        "{err}"
    );
}

/// Names are unique without regard to case in the store itself (migration 3), so SQL written by
/// hand cannot make two categories, rooms or policies the service would see as one.
#[test]
fn names_are_unique_without_regard_to_case_even_for_hand_sql() {
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        let mut state = litware();
        state.rooms.clear();
        rt().block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let mut tx = store.write().await.unwrap();
            tx.insert_state(&state).await.unwrap();
            tx.commit_write().await.unwrap();
            store.close().await;
        });
        let (pool, name) = state
            .categories
            .keys()
            .next()
            .map(|k| (k.pool.clone(), k.name.to_uppercase()))
            .unwrap();
        let category = format!(
            "INSERT INTO categories (id, pool, name, description, invitations, file_upload, \
             chat_history) VALUES (9999, '{pool}', '{name}', '', FALSE, FALSE, TRUE)"
        );
        let policy = "INSERT INTO policies (identity, enable_persistent_chat, description) \
                      VALUES ('GLOBAL', FALSE, '')";
        rt().block_on(async {
            for sql in [category.as_str(), policy] {
                let refused = match backend {
                    Backend::Sqlite => {
                        let p = sqlx::SqlitePool::connect(&t.url).await.unwrap();
                        let r = sqlx::query(sql).execute(&p).await;
                        p.close().await;
                        r.map(|_| ())
                    }
                    Backend::Postgres => {
                        let p = sqlx::PgPool::connect(&t.url).await.unwrap();
                        let r = sqlx::query(sql).execute(&p).await;
                        p.close().await;
                        r.map(|_| ())
                    }
                };
                let err = refused.expect_err(sql).to_string().to_lowercase();
                assert!(err.contains("unique"), "{backend:?}: {err}");
            }
        });
    }
}

/// A command about one room reads only that room (`imperative::run` focuses its read), and
/// does exactly what the same command does on the whole state (`run_each`): the same outcome,
/// the same message, the same store afterwards, for changes that pass and changes refused.
#[test]
fn a_one_room_command_on_its_room_alone_does_what_it_does_on_the_whole_state() {
    use pchat::model::{ObjectId, Privacy, RoomInvitations, RoomType};
    use pchat::ops::{ListChange, Operation};
    let pool = "atl-pchat-001.litwareinc.com";
    let id = |n: &str| ObjectId::new(pool, n);
    let list = |add: &[&str], remove: &[&str]| {
        ListChange::new(
            None,
            add.iter().map(|s| s.to_string()).collect(),
            remove.iter().map(|s| s.to_string()).collect(),
        )
    };
    let set = |room: &str| Operation::SetRoom {
        identity: id(room),
        name: None,
        category: None,
        description: None,
        room_type: None,
        privacy: None,
        addin: None,
        invitations: None,
        disabled: None,
        members: ListChange::default(),
        managers: ListChange::default(),
        presenters: ListChange::default(),
    };
    let with = |mut op: Operation, f: &dyn Fn(&mut Operation)| {
        f(&mut op);
        op
    };
    let new = |pool: Option<&str>, name: &str, category: &str| Operation::NewRoom {
        pool: pool.map(str::to_string),
        name: name.into(),
        category: category.into(),
        description: String::new(),
        room_type: RoomType::Normal,
        privacy: Privacy::Closed,
        addin: None,
        invitations: RoomInvitations::Inherit,
        disabled: false,
    };
    type Edit = Box<dyn Fn(&mut Operation)>;
    let edit = |f: Edit| f;
    let ops: Vec<Operation> = vec![
        with(
            set("help desk"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { description, .. } = o {
                    *description = Some("x".into())
                }
            })),
        ),
        with(
            set("Build Breakers"),
            &edit(Box::new(move |o| {
                if let Operation::SetRoom { members, .. } = o {
                    *members = list(&["sip:ben@litwareinc.com"], &["sip:ana@litwareinc.com"])
                }
            })),
        ),
        // Admitted through a group the category allows.
        with(
            set("Build Breakers"),
            &edit(Box::new(move |o| {
                if let Operation::SetRoom { managers, .. } = o {
                    *managers = list(&["sip:aidan@litwareinc.com"], &[])
                }
            })),
        ),
        // Not admitted by the category: refused either way.
        with(
            set("Build Breakers"),
            &edit(Box::new(move |o| {
                if let Operation::SetRoom { members, .. } = o {
                    *members = list(&["sip:rachel@litwareinc.com"], &[])
                }
            })),
        ),
        with(
            set("Engineering Lounge"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { presenters, .. } = o {
                    *presenters =
                        ListChange::new(None, vec!["sip:ana@litwareinc.com".into()], vec![])
                }
            })),
        ),
        with(
            set("Engineering Lounge"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { addin, .. } = o {
                    *addin = Some(Some("No Such Addin".into()))
                }
            })),
        ),
        with(
            set("Engineering Lounge"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { addin, .. } = o {
                    *addin = Some(Some("build status".into()))
                }
            })),
        ),
        with(
            set("Build Breakers"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { category, .. } = o {
                    *category = Some("Sales".into())
                }
            })),
        ),
        with(
            set("Build Breakers"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { category, .. } = o {
                    *category = Some("Nowhere".into())
                }
            })),
        ),
        with(
            set("Help Desk"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { name, .. } = o {
                    *name = Some("Engineering Lounge".into())
                }
            })),
        ),
        with(
            set("Help Desk"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { name, .. } = o {
                    *name = Some("Service Desk".into())
                }
            })),
        ),
        with(
            set("No Such Room"),
            &edit(Box::new(|o| {
                if let Operation::SetRoom { description, .. } = o {
                    *description = Some("x".into())
                }
            })),
        ),
        new(Some(pool), "Fresh", "Engineering"),
        new(None, "Fresher", "Sales"),
        new(None, "FRESH", "Engineering"),
        new(Some(pool), "Lost", "No Such Category"),
        Operation::RemoveRoom {
            identity: id("fresh"),
        },
        Operation::RemoveRoom {
            identity: id("No Such Room"),
        },
    ];
    focused_and_whole_agree(&ops, 6);
}

/// Runs each operation on a store through `imperative::run` (the focused read) and on another
/// through the whole state: the outcome, the message and the store after it must be the same;
/// at least `refusals` of them must be refused.
fn focused_and_whole_agree(ops: &[pchat::ops::Operation], refusals: usize) {
    use pchat::imperative;
    for backend in BACKENDS {
        let (a, b) = (TestStore::new(backend), TestStore::new(backend));
        let state = litware();
        rt().block_on(async {
            let (focused, whole) = (
                Store::open(&a.store_url(), DEFAULT_LOCK_TIMEOUT)
                    .await
                    .unwrap(),
                Store::open(&b.store_url(), DEFAULT_LOCK_TIMEOUT)
                    .await
                    .unwrap(),
            );
            for store in [&focused, &whole] {
                let mut tx = store.write().await.unwrap();
                tx.insert_state(&state).await.unwrap();
                tx.commit_write().await.unwrap();
            }
            let mut refused = 0;
            for op in ops {
                let one = imperative::run(&focused, op).await;
                let all = imperative::run_each(&whole, op.cmdlet(), |_| Ok(vec![op.clone()])).await;
                match (&one, &all) {
                    (Ok(x), Ok(y)) => {
                        assert_eq!(x.touched, y.touched, "{op:?}");
                        assert_eq!(x.warnings, y.warnings, "{op:?}");
                    }
                    (Err(x), Err(y)) => {
                        assert_eq!(x.to_string(), y.to_string(), "{op:?}");
                        refused += 1;
                    }
                    _ => panic!("{op:?}: focused {one:?}, whole {all:?}"),
                }
                let (s1, _) = focused.snapshot().await.unwrap();
                let (s2, _) = whole.snapshot().await.unwrap();
                assert!(s1 == s2, "{backend:?} {op:?}: the stores differ");
            }
            assert!(refused >= refusals, "only {refused} refusals exercised");
            focused.close().await;
            whole.close().await;
        });
    }
}

#[test]
fn a_category_addin_policy_or_setting_command_on_what_it_concerns_does_what_the_whole_state_does() {
    use pchat::model::{ObjectId, Scope};
    use pchat::ops::{ListChange, Operation};
    let pool = "atl-pchat-001.litwareinc.com";
    let id = |n: &str| ObjectId::new(pool, n);
    let list = |add: &[&str], remove: &[&str]| {
        ListChange::new(
            None,
            add.iter().map(|s| s.to_string()).collect(),
            remove.iter().map(|s| s.to_string()).collect(),
        )
    };
    let set = |c: &str| Operation::SetCategory {
        identity: id(c),
        name: None,
        description: None,
        invitations: None,
        file_upload: None,
        chat_history: None,
        allowed_members: ListChange::default(),
        denied_members: ListChange::default(),
        creators: ListChange::default(),
    };
    let with = |mut op: Operation, f: &dyn Fn(&mut Operation)| {
        f(&mut op);
        op
    };
    let scope = |s: &str| s.parse::<Scope>().unwrap();
    let ops = vec![
        with(set("sales"), &|o| {
            if let Operation::SetCategory { description, .. } = o {
                *description = Some("x".into())
            }
        }),
        // Rooms of the category hold members it would no longer admit.
        with(set("Engineering"), &|o| {
            if let Operation::SetCategory {
                allowed_members, ..
            } = o
            {
                *allowed_members = list(&[], &["OU=Engineering,OU=Staff,DC=litwareinc,DC=com"])
            }
        }),
        with(set("Sales"), &|o| {
            if let Operation::SetCategory { denied_members, .. } = o {
                *denied_members = list(&["sip:kim@litwareinc.com"], &[])
            }
        }),
        with(set("Finance"), &|o| {
            if let Operation::SetCategory { creators, .. } = o {
                *creators = list(&["sip:nobody@litwareinc.com"], &[])
            }
        }),
        with(set("Finance"), &|o| {
            if let Operation::SetCategory { name, .. } = o {
                *name = Some("Treasury".into())
            }
        }),
        with(set("Treasury"), &|o| {
            if let Operation::SetCategory { name, .. } = o {
                *name = Some("Sales".into())
            }
        }),
        with(set("No Such Category"), &|o| {
            if let Operation::SetCategory { description, .. } = o {
                *description = Some("x".into())
            }
        }),
        Operation::NewCategory {
            pool: None,
            name: "Fresh".into(),
            description: String::new(),
            enable_invitations: false,
            enable_file_upload: false,
            remove_chat_history: false,
        },
        Operation::NewCategory {
            pool: Some(pool.into()),
            name: "engineering".into(),
            description: String::new(),
            enable_invitations: false,
            enable_file_upload: false,
            remove_chat_history: false,
        },
        Operation::RemoveCategory {
            identity: id("Fresh"),
        },
        Operation::RemoveCategory {
            identity: id("Legal"),
        },
        Operation::SetAddin {
            identity: id("build status"),
            name: Some("CI Status".into()),
            url: None,
        },
        Operation::NewAddin {
            pool: None,
            name: "Sales Dashboard".into(),
            url: "https://x.example.com".into(),
        },
        Operation::RemoveAddin {
            identity: id("CI Status"),
            force: false,
        },
        Operation::RemoveAddin {
            identity: id("CI Status"),
            force: true,
        },
        Operation::NewPolicy {
            identity: scope("tag:Fresh"),
            enable_persistent_chat: true,
            description: String::new(),
        },
        Operation::GrantPolicy {
            user: "sip:ana@litwareinc.com".into(),
            policy_name: Some("Fresh".into()),
        },
        Operation::GrantPolicy {
            user: "Ana Trujillo".into(),
            policy_name: Some("ChatEnabled".into()),
        },
        Operation::GrantPolicy {
            user: "sip:nobody@litwareinc.com".into(),
            policy_name: Some("Fresh".into()),
        },
        Operation::RemovePolicy {
            identity: scope("tag:Fresh"),
            force: false,
        },
        Operation::RemovePolicy {
            identity: scope("tag:Fresh"),
            force: true,
        },
        Operation::SetPolicy {
            identity: scope("tag:ChatDisabled"),
            enable_persistent_chat: Some(true),
            description: None,
        },
    ];
    let mut ops = ops;
    let service = |p: &str| p.parse::<pchat::model::ServiceId>().unwrap();
    ops.extend([
        Operation::NewEndpoint {
            sip_address: "sip:chat@litwareinc.com".into(),
            pool: None,
            display_name: None,
        },
        Operation::NewEndpoint {
            sip_address: "sip:chat-2@litwareinc.com".into(),
            pool: Some("nowhere.litwareinc.com".into()),
            display_name: None,
        },
        Operation::RemoveEndpoint {
            sip_address: "sip:chat-dublin@litwareinc.com".into(),
        },
        Operation::SetState {
            identity: service("PersistentChatServer:dub-pchat-001.litwareinc.com"),
            pool_state: pchat::model::PoolState::Normal,
        },
        Operation::SetActiveServer {
            identity: service("PersistentChatServer:atl-pchat-001.litwareinc.com"),
            active_servers: list(&["atl-pchat-001c.litwareinc.com"], &[]),
            swap: false,
        },
        Operation::SetActiveServer {
            identity: service("PersistentChatServer:atl-pchat-001.litwareinc.com"),
            active_servers: list(&["not-a-server.litwareinc.com"], &[]),
            swap: false,
        },
        Operation::RemoveConfiguration {
            identity: scope("site:Dublin"),
        },
        Operation::RemoveComplianceConfiguration {
            identity: scope("site:Atlanta"),
        },
        Operation::RemoveComplianceConfiguration {
            identity: scope("global"),
        },
    ]);
    focused_and_whole_agree(&ops, 8);
}

/// An apply writes each object once, as its operations leave it: created then removed is never
/// stored; removed and created again (even when it began as a creation) ends as the last one.
#[test]
fn an_apply_writes_the_net_effect_of_every_operation_on_an_object() {
    use pchat::apply::{self, ApplyOptions};
    use pchat::model::{Kind, ObjectId, Privacy, RoomInvitations, RoomType};
    use pchat::ops::Operation;
    use pchat::plan::{Action, Change, Plan};
    let pool = "atl-pchat-001.litwareinc.com";
    let new = |name: &str, description: &str| Operation::NewRoom {
        pool: Some(pool.into()),
        name: name.into(),
        category: "Sales".into(),
        description: description.into(),
        room_type: RoomType::Normal,
        privacy: Privacy::Open,
        addin: None,
        invitations: RoomInvitations::Inherit,
        disabled: false,
    };
    let remove = |name: &str| Operation::RemoveRoom {
        identity: ObjectId::new(pool, name),
    };
    let change = |name: &str, operations: Vec<Operation>| Change {
        action: Action::Create,
        kind: Kind::Room,
        identity: format!("{pool}\\{name}"),
        renamed_from: None,
        operations,
        destroys: None,
        fields: Default::default(),
        protected: false,
        managed: false,
        drift: false,
    };
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let (store, desired, revision) = litware_store(&t).await;
            let plan = Plan {
                revision,
                changes: vec![
                    change("Fleeting", vec![new("Fleeting", "a"), remove("Fleeting")]),
                    change(
                        "Again",
                        vec![
                            new("Again", "first"),
                            remove("Again"),
                            new("Again", "second"),
                        ],
                    ),
                    change(
                        "Sales Wins",
                        vec![remove("Sales Wins"), new("Sales Wins", "replaced")],
                    ),
                ],
                ..Plan::default()
            };
            let opts = ApplyOptions {
                force: true,
                allow_destroy: true,
                actor: "test".into(),
                ..ApplyOptions::default()
            };
            apply::apply(&store, &desired, plan, None, &opts)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
            let (live, _) = store.snapshot().await.unwrap();
            let room = |name: &str| live.rooms.get(&ObjectId::new(pool, name));
            assert!(room("Fleeting").is_none(), "{backend:?}");
            assert_eq!(room("Again").unwrap().description, "second", "{backend:?}");
            assert_eq!(
                room("Sales Wins").unwrap().description,
                "replaced",
                "{backend:?}"
            );
            assert_eq!(live.rooms.len(), desired.rooms.len() + 1, "{backend:?}");
            store.close().await;
        });
    }
}

/// Every room of `desired` reads back from the store with the fields a store keeps and its
/// lists in their order.
fn assert_rooms_read_back(live: &DesiredState, desired: &DesiredState, backend: Backend) {
    assert_eq!(live.rooms.len(), desired.rooms.len(), "{backend:?}");
    for (k, want) in &desired.rooms {
        let got = &live.rooms[k];
        let fields = |r: &pchat::model::Room| {
            let text = (r.category.clone(), r.description.clone(), r.addin.clone());
            let lists = (r.members.clone(), r.managers.clone(), r.presenters.clone());
            (text, r.disabled, lists)
        };
        assert_eq!(fields(got), fields(want), "{backend:?} {k}");
    }
}

/// What a room says reads back exactly, whatever its text: SQLite's rows come packed as JSON
/// (quotes, backslashes, control characters and non-ASCII text must survive the trip), and
/// lists come back in their order.
#[test]
fn any_text_reads_back_as_written() {
    use pchat::model::ObjectId;
    let odd = "say \"hi\" \\ back\tslash\nline \u{1} \u{1e} \u{2028} 🎉 [1, 2] null true";
    let mut desired = litware();
    let key = desired
        .rooms
        .keys()
        .find(|k| !desired.rooms[*k].members.is_empty())
        .cloned()
        .unwrap();
    let room = desired.rooms.get_mut(&key).unwrap();
    room.description = odd.to_string();
    room.disabled = true;
    room.addin = None;
    room.members = vec![
        "sip:zoe@litwareinc.com".into(),
        "sip:o'neil@litwareinc.com".into(),
        "sip:ana@litwareinc.com".into(),
        "CN=\"Q\\, R\",OU=Sales,DC=litwareinc,DC=com".into(),
        // Written to the store directly (the loader would refuse them); PostgreSQL's lists come as
        // COPY's text lines, where a tab, a line end, a backslash and `\N` (NULL) are escapes.
        format!("CN={odd},OU=Sales,DC=litwareinc,DC=com"),
        "\\N".into(),
    ];
    room.managers = vec![];
    let mut bare = room.clone();
    bare.name = "Bare \"one\"".into();
    bare.members = vec![];
    bare.presenters = vec!["sip:ana@litwareinc.com".into()];
    bare.disabled = false;
    desired
        .rooms
        .insert(ObjectId::new(key.pool.clone(), bare.name.clone()), bare);
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        rt().block_on(async {
            let (store, _) = store_with(&t, &desired).await;
            let (snapshot, _) = store.snapshot().await.unwrap();
            let mut tx = store.read().await.unwrap();
            let read = tx.read_state().await.unwrap();
            // The batched lookups a partial plan or a one-object command makes, by identity.
            let focused = tx
                .read_state_focused(|_| pchat::store::Focus {
                    rooms: desired.rooms.keys().cloned().collect(),
                    ..Default::default()
                })
                .await
                .unwrap();
            tx.finish().await.unwrap();
            assert!(
                desired.rooms.len() >= 4,
                "enough rooms for the batched lookup"
            );
            for live in [&snapshot, &read, &focused] {
                assert_rooms_read_back(live, &desired, backend);
            }
            store.close().await;
        });
    }
}

/// Rows where hand SQL may put them read back whole: room ids at both ends of the 64-bit range
/// and a million apart (a large read comes in ranges of keys, and must jump the gaps and stop
/// at the end without overflowing), list entries of a role pchat does not write or of a room
/// that is gone (not read), and ownership records anywhere in SQLite's rowid space.
#[test]
fn rows_anywhere_in_the_key_space_read_back_whole() {
    use pchat::model::Kind;
    let desired = litware();
    assert!(desired.rooms.len() > 4, "enough rooms to spread");
    for backend in BACKENDS {
        let t = TestStore::new(backend);
        let (store, _) = rt().block_on(store_with(&t, &desired));
        rt().block_on(store.close());
        let (off, rowid) = match backend {
            Backend::Sqlite => ("PRAGMA foreign_keys = OFF;", "rowid, "),
            Backend::Postgres => ("SET session_replication_role = replica;", ""),
        };
        let at = |id: &str| match backend {
            Backend::Sqlite => format!("{id}, "),
            Backend::Postgres => String::new(),
        };
        crate::convergence::hand_sql(
            &t,
            backend,
            &format!(
                "{off}
                 CREATE TEMP TABLE remap AS SELECT id AS old,
                     CASE row_number() OVER (ORDER BY id)
                         WHEN 1 THEN -9223372036854775808 WHEN 2 THEN -5
                         WHEN 3 THEN 9223372036854775807 ELSE 1000003 * id END AS new
                     FROM rooms;
                 UPDATE rooms SET id = (SELECT new FROM remap WHERE old = rooms.id);
                 UPDATE room_principals
                     SET room_id = (SELECT new FROM remap WHERE old = room_principals.room_id);
                 INSERT INTO room_principals (room_id, role, position, principal)
                     SELECT max(id), 'owner', 0, 'sip:ghost@litwareinc.com' FROM rooms;
                 INSERT INTO room_principals (room_id, role, position, principal)
                     VALUES (424242, 'member', 0, 'sip:orphan@litwareinc.com');
                 DELETE FROM ownership;
                 INSERT INTO ownership ({rowid}kind, identity, protected, since_revision,
                         digest, allow_destroy)
                     VALUES ({}'rooms', 'a', FALSE, 1, 'd1', TRUE),
                            ({}'rooms', 'b', TRUE, 1, NULL, FALSE),
                            ({}'categories', 'c', FALSE, 1, NULL, FALSE);",
                at("-9223372036854775808"),
                at("9223372036854775807"),
                at("5000000"),
            ),
        );
        rt().block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let (snapshot, _) = store.snapshot().await.unwrap();
            let mut tx = store.read().await.unwrap();
            let read = tx.read_state().await.unwrap();
            let owned = tx.owned().await.unwrap();
            tx.finish().await.unwrap();
            for live in [&snapshot, &read] {
                assert_rooms_read_back(live, &desired, backend);
            }
            let room = |id: &str| (Kind::Room, id.to_string());
            let want: std::collections::HashMap<_, _> = [
                (room("a"), false),
                (room("b"), true),
                ((Kind::Category, "c".to_string()), false),
            ]
            .into();
            assert_eq!(owned.managed, want, "{backend:?}");
            assert_eq!(
                owned.applied.get(&room("a")).map(String::as_str),
                Some("d1")
            );
            assert_eq!(owned.consented, [room("a")].into(), "{backend:?}");
            store.close().await;
        });
    }
}

/// `read_whole` (what `drift` reads) sees one instant across its two connections: while hand
/// SQL on a third flips every room's description and every first member in each commit, no
/// read mixes two commits (descriptions come from one connection, lists from the other). It
/// reads what `snapshot` reads.
#[test]
fn the_whole_store_is_read_at_one_instant() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    for b in BACKENDS {
        let t = TestStore::new(b);
        // One runtime for the store's whole life: its connections belong to it.
        let rt = rt();
        let store = rt.block_on(async {
            let (store, _, _) = litware_store(&t).await;
            let whole = store.read_whole().await.unwrap();
            let (snap, revision) = store.snapshot().await.unwrap();
            assert!(whole.state == snap, "{b:?}: read_whole and snapshot differ");
            assert_eq!(whole.revision, revision);
            store
        });
        let (stop, flips) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let writer = {
            let (url, stop, flips) = (t.url.clone(), stop.clone(), flips.clone());
            std::thread::spawn(move || {
                use sqlx::Connection;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let sql = |n: usize| {
                        format!(
                            "BEGIN; UPDATE rooms SET description = 'flip-{n}'; \
                             UPDATE room_principals SET principal = 'sip:flip{n}@litwareinc.com' \
                             WHERE role = 'member' AND position = 0; COMMIT;"
                        )
                    };
                    let mut n = 0;
                    macro_rules! flip_until_stopped {
                        ($c:expr) => {
                            while !stop.load(Ordering::Relaxed) {
                                n += 1;
                                sqlx::raw_sql(&sql(n)).execute(&mut $c).await.unwrap();
                                flips.store(n, Ordering::Relaxed);
                            }
                        };
                    }
                    if url.starts_with("sqlite:") {
                        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                        flip_until_stopped!(c);
                    } else {
                        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                        flip_until_stopped!(c);
                    }
                })
            })
        };
        let mut checked = 0;
        rt.block_on(async {
            while checked < 15 {
                let w = store.read_whole().await.unwrap();
                let number = |s: &str, prefix: &str| {
                    s.strip_prefix(prefix)
                        .map(|r| r.trim_end_matches("@litwareinc.com").to_string())
                };
                let described: std::collections::BTreeSet<String> = w
                    .state
                    .rooms
                    .values()
                    .filter_map(|r| number(&r.description, "flip-"))
                    .collect();
                let listed: std::collections::BTreeSet<String> = w
                    .state
                    .rooms
                    .values()
                    .flat_map(|r| &r.members)
                    .filter_map(|m| number(m, "sip:flip"))
                    .collect();
                if described.is_empty() {
                    continue;
                }
                assert_eq!(described.len(), 1, "{b:?}: {described:?}");
                assert_eq!(described, listed, "{b:?}: one read saw two commits");
                checked += 1;
            }
        });
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        assert!(flips.load(Ordering::Relaxed) > 1, "{b:?}: the writer ran");
        rt.block_on(store.close());
    }
}
