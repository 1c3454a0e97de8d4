//! The kind layer is complete: every field of every model struct is described, and every
//! described field has its places — a store column or rows in both migrations, a `get` cell,
//! and a cmdlet parameter that some operation sends. Forgetting one of them fails here.

use std::collections::BTreeSet;

use pchat::model::*;
use pchat::ops::{ComplianceParams, ConfigurationParams, ListChange, Operation};

use crate::common::root;

/// The `CREATE TABLE name (…)` statement of a migration.
fn create_table<'a>(sql: &'a str, table: &str) -> Option<&'a str> {
    let start = sql.find(&format!("CREATE TABLE {table} ("))?;
    let end = sql[start..].find(");")?;
    Some(&sql[start..start + end])
}

fn migrations() -> Vec<(String, String)> {
    ["sqlite", "postgres"]
        .iter()
        .map(|b| {
            let dir = root().join("migrations").join(b);
            let sql = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            (b.to_string(), sql)
        })
        .collect()
}

#[test]
fn every_struct_field_is_described() {
    let schema: serde_json::Value = serde_json::from_str(&pchat::schema::generate()).unwrap();
    for kind in Kind::ALL {
        let def = schema["properties"][kind.key()]["items"]["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/$defs/");
        let props: BTreeSet<&str> = schema["$defs"][def]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let described: BTreeSet<&str> = kind.fields().collect();
        assert_eq!(
            props, described,
            "{kind}: the model struct and its description in src/model/kind.rs differ"
        );
    }
}

#[test]
fn every_described_field_has_a_store_place_in_both_migrations() {
    // Writes take the roles from the description; reads must know each of them.
    let store_code = std::fs::read_to_string(root().join("src/store/read.rs")).unwrap();
    for (backend, sql) in migrations() {
        for kind in Kind::ALL {
            let desc = kind.desc();
            let table = create_table(&sql, desc.table)
                .unwrap_or_else(|| panic!("{backend}: no table `{}` for {kind}", desc.table));
            for f in desc.fields {
                match f.stored {
                    Stored::Column(c) => assert!(
                        table
                            .lines()
                            .any(|l| l.trim_start().starts_with(&format!("{c} "))),
                        "{backend}: {kind}.{} has no column `{c}` in `{}`",
                        f.yaml,
                        desc.table
                    ),
                    Stored::Rows { table: rows, role } => {
                        assert!(
                            create_table(&sql, rows).is_some(),
                            "{backend}: {kind}.{} has no table `{rows}`",
                            f.yaml
                        );
                        if let Some(role) = role {
                            assert!(
                                store_code.contains(&format!("\"{role}\""))
                                    || store_code.contains(&format!("'{role}'")),
                                "{kind}.{}: the store never reads role `{role}` back",
                                f.yaml
                            );
                        }
                    }
                    Stored::Ownership => assert_eq!(f.yaml, "lifecycle"),
                    Stored::Hint => assert_eq!(f.yaml, "previousNames"),
                }
            }
        }
    }
}

/// Every described field but `lifecycle` is a cell of `get` for an object of the kind.
fn cells<T: Object>(state: &DesiredState, seen: &mut BTreeSet<Kind>) {
    let Some(x) = T::map(state).values().next() else {
        return;
    };
    seen.insert(T::KIND);
    for f in T::KIND
        .desc()
        .fields
        .iter()
        .filter(|f| f.yaml != "lifecycle")
    {
        assert!(
            x.cell(f.yaml).is_some(),
            "{}: field `{}` has no cell in src/model/kind.rs",
            T::KIND,
            f.yaml
        );
    }
}

#[test]
fn every_described_field_is_shown_by_get() {
    let state = pchat::config::load(&[root().join("examples/litware")])
        .unwrap()
        .state;
    let mut seen = BTreeSet::new();
    cells::<Pool>(&state, &mut seen);
    cells::<Principal>(&state, &mut seen);
    cells::<Category>(&state, &mut seen);
    cells::<Addin>(&state, &mut seen);
    cells::<Room>(&state, &mut seen);
    cells::<PersistentChatPolicy>(&state, &mut seen);
    cells::<PolicyGrant>(&state, &mut seen);
    cells::<ComplianceConfiguration>(&state, &mut seen);
    cells::<PersistentChatConfiguration>(&state, &mut seen);
    cells::<Endpoint>(&state, &mut seen);
    cells::<PersistentChatState>(&state, &mut seen);
    cells::<ActiveServers>(&state, &mut seen);
    assert_eq!(
        seen.len(),
        Kind::ALL.len(),
        "litware lacks a kind: {seen:?}"
    );
}

/// One call of every cmdlet with every parameter set.
fn every_call() -> Vec<Operation> {
    let id = ObjectId::new("p.example.com", "X");
    let list = || ListChange::new(None, vec!["sip:a@example.com".into()], vec![]);
    let site = Scope::Site("S".into());
    let service = ServiceId {
        pool: "p.example.com".into(),
    };
    vec![
        Operation::NewCategory {
            pool: Some("p".into()),
            name: "X".into(),
            description: "d".into(),
            enable_invitations: true,
            enable_file_upload: true,
            remove_chat_history: true,
        },
        Operation::SetCategory {
            identity: id.clone(),
            name: Some("Y".into()),
            description: Some("d".into()),
            invitations: Some(true),
            file_upload: Some(true),
            chat_history: Some(true),
            allowed_members: list(),
            denied_members: list(),
            creators: list(),
        },
        Operation::SetRoom {
            identity: id.clone(),
            name: Some("Y".into()),
            category: Some("c".into()),
            description: Some("d".into()),
            room_type: Some(RoomType::Auditorium),
            privacy: Some(Privacy::Open),
            addin: Some(Some("a".into())),
            invitations: Some(RoomInvitations::False),
            disabled: Some(true),
            members: list(),
            managers: list(),
            presenters: list(),
        },
        Operation::SetAddin {
            identity: id,
            name: Some("Y".into()),
            url: Some("https://x".into()),
        },
        Operation::SetPolicy {
            identity: site.clone(),
            enable_persistent_chat: Some(true),
            description: Some("d".into()),
        },
        Operation::GrantPolicy {
            user: "sip:a@example.com".into(),
            policy_name: Some("T".into()),
        },
        Operation::SetComplianceConfiguration {
            identity: site.clone(),
            params: ComplianceParams {
                adapter_type: Some("t".into()),
                adapter_name: Some("n".into()),
                adapter_output_directory: Some("o".into()),
                run_interval: Some(TimeSpan::from_secs(60)),
                one_chat_room_per_output_file: Some(true),
                add_chat_room_details: Some(true),
                add_user_details: Some(true),
                create_file_attachments_manifest: Some(true),
                custom_configuration: Some("c".into()),
            },
        },
        Operation::SetConfiguration {
            identity: site,
            params: ConfigurationParams {
                default_chat_history: Some(1),
                participant_update_limit: Some(1),
                max_file_size_kb: Some(1),
                room_management_url: Some(Some("https://x".into())),
            },
        },
        Operation::NewEndpoint {
            sip_address: "sip:e@example.com".into(),
            pool: Some("p".into()),
            display_name: Some("E".into()),
        },
        Operation::SetState {
            identity: service.clone(),
            pool_state: PoolState::FailedOver,
        },
        Operation::SetActiveServer {
            identity: service,
            active_servers: list(),
            swap: true,
        },
    ]
}

#[test]
fn every_described_parameter_is_sent_and_named_by_the_kind_layer() {
    let calls = every_call();
    for kind in Kind::ALL {
        let sent: BTreeSet<&str> = calls
            .iter()
            .filter(|op| op.kind() == kind)
            .flat_map(|op| op.params())
            .map(|p| p.name)
            .collect();
        for f in kind.desc().fields {
            if let (Some(param), true) = (
                f.param,
                kind.desc().cmdlets.set.is_some() || kind.desc().cmdlets.new.is_some(),
            ) {
                assert!(
                    sent.contains(param),
                    "{kind}.{}: no operation sends -{param} (src/ops/params.rs)",
                    f.yaml
                );
            }
        }
    }
    // Every operation's cmdlet is one the kind layer names for its kind.
    for op in &calls {
        let c = op.kind().desc().cmdlets;
        assert!(
            [c.new, c.set, c.remove].contains(&Some(op.cmdlet())),
            "{}",
            op.cmdlet()
        );
    }
}

/// A field added to a description but not to the model would fail the schema comparison; one
/// added to both but to no store column fails the migration check. This proves the latter on a
/// synthetic field.
#[test]
fn a_field_without_a_column_is_caught() {
    let mut desc = *Kind::Addin.desc();
    let mut fields = desc.fields.to_vec();
    fields.push(Field {
        yaml: "colour",
        param: Some("Colour"),
        stored: Stored::Column("colour"),
        list: false,
        on_new: true,
        shown: false,
        ty: pchat::model::Ty::Text,
        new_param: None,
        required: false,
        help: None,
        property: None,
        never_null: false,
    });
    desc.fields = Box::leak(fields.into_boxed_slice());
    let (_, sql) = &migrations()[0];
    let table = create_table(sql, desc.table).unwrap();
    let missing: Vec<&str> = desc
        .fields
        .iter()
        .filter_map(|f| match f.stored {
            Stored::Column(c)
                if !table
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{c} "))) =>
            {
                Some(c)
            }
            _ => None,
        })
        .collect();
    assert_eq!(missing, ["colour"]);
}

/// No function in `src/` is longer than 150 lines: a long one is per-kind code the kind layer
/// should serve.
#[test]
fn no_function_is_longer_than_150_lines() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut all = Vec::new();
    files(&root().join("src"), &mut all);
    let mut long = Vec::new();
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "async fn ",
                "pub async fn ",
                "pub(super) async fn ",
            ]
            .iter()
            .any(|p| t.starts_with(p));
            if !is_fn || line.trim_end().ends_with(';') {
                continue;
            }
            let indent = line.len() - t.len();
            let close = format!("{}}}", " ".repeat(indent));
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with(&close) && l.len() - l.trim_start().len() == indent)
                .map_or(lines.len(), |p| i + 1 + p);
            if end - i + 1 > 150 {
                long.push(format!(
                    "{}:{} ({} lines)",
                    path.display(),
                    i + 1,
                    end - i + 1
                ));
            }
        }
    }
    assert!(long.is_empty(), "functions longer than 150 lines: {long:?}");
}
