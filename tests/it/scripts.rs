//! The PowerShell scripts pchat writes for a real server, read by a real PowerShell parser
//! (tree-sitter-powershell; there is no PowerShell on this machine): `collect.ps1` and the
//! apply scripts of the litware plans parse cleanly, call only the 38 cmdlets and known
//! helpers with parameters those take, keep every hostile value one literal of its parameter,
//! and guard each operation by the journal so a second run skips exactly what is done.

use std::collections::{BTreeMap, HashMap, HashSet};

use pchat::model::*;
use pchat::ops::{Operation, Value};
use pchat::plan::{Live, Plan, PlanOptions};
use tree_sitter::{Node, Parser, Tree};

use crate::common::{pchat_in, root};

/// The parameters each cmdlet takes (the cmdlet reference), and the common ones.
fn cmdlet_parameters() -> HashMap<&'static str, Vec<&'static str>> {
    let common = ["WhatIf", "Confirm", "ErrorAction", "Verbose"];
    let table: &[(&str, &[&str])] = &[
        (
            "Get-CsAdPrincipal",
            &[
                "Identity",
                "Filter",
                "LDAPFilter",
                "OU",
                "ResultSize",
                "DomainController",
                "Credential",
            ],
        ),
        (
            "Get-CsPersistentChatEligiblePrincipal",
            &[
                "Category",
                "Room",
                "PersistentChatPoolFqdn",
                "Presenters",
                "Filter",
                "ResultSize",
            ],
        ),
        (
            "Set-CsPersistentChatActiveServer",
            &["Identity", "ActiveServers", "Swap", "Force"],
        ),
        (
            "Get-CsPersistentChatAddin",
            &["Identity", "PersistentChatPoolFqdn"],
        ),
        (
            "New-CsPersistentChatAddin",
            &["Name", "Url", "PersistentChatPoolFqdn"],
        ),
        (
            "Set-CsPersistentChatAddin",
            &["Identity", "Instance", "Name", "Url"],
        ),
        (
            "Remove-CsPersistentChatAddin",
            &["Identity", "Instance", "Force"],
        ),
        (
            "Get-CsPersistentChatCategory",
            &["Identity", "PersistentChatPoolFqdn", "AsObject"],
        ),
        (
            "New-CsPersistentChatCategory",
            &[
                "Name",
                "PersistentChatPoolFqdn",
                "Description",
                "EnableFileUpload",
                "EnableInvitations",
                "RemoveChatHistory",
            ],
        ),
        (
            "Set-CsPersistentChatCategory",
            &[
                "Identity",
                "Instance",
                "Name",
                "Description",
                "FileUpload",
                "Invitations",
                "ChatHistory",
                "AllowedMembers",
                "DeniedMembers",
                "Creators",
                "AsObject",
            ],
        ),
        ("Remove-CsPersistentChatCategory", &["Identity", "Instance"]),
        (
            "Get-CsPersistentChatComplianceConfiguration",
            &["Identity", "Filter", "LocalStore"],
        ),
        (
            "New-CsPersistentChatComplianceConfiguration",
            &[
                "Identity",
                "AdapterType",
                "AdapterName",
                "AdapterOutputDirectory",
                "RunInterval",
                "OneChatRoomPerOutputFile",
                "AddChatRoomDetails",
                "AddUserDetails",
                "CreateFileAttachmentsManifest",
                "CustomConfiguration",
                "Force",
                "InMemory",
            ],
        ),
        (
            "Set-CsPersistentChatComplianceConfiguration",
            &[
                "Identity",
                "Instance",
                "AdapterType",
                "AdapterName",
                "AdapterOutputDirectory",
                "RunInterval",
                "OneChatRoomPerOutputFile",
                "AddChatRoomDetails",
                "AddUserDetails",
                "CreateFileAttachmentsManifest",
                "CustomConfiguration",
                "Force",
            ],
        ),
        (
            "Remove-CsPersistentChatComplianceConfiguration",
            &["Identity", "Force"],
        ),
        (
            "Get-CsPersistentChatConfiguration",
            &["Identity", "Filter", "LocalStore"],
        ),
        (
            "New-CsPersistentChatConfiguration",
            &[
                "Identity",
                "DefaultChatHistory",
                "ParticipantUpdateLimit",
                "MaxFileSizeKB",
                "RoomManagementUrl",
                "Force",
                "InMemory",
            ],
        ),
        (
            "Set-CsPersistentChatConfiguration",
            &[
                "Identity",
                "Instance",
                "DefaultChatHistory",
                "ParticipantUpdateLimit",
                "MaxFileSizeKB",
                "RoomManagementUrl",
                "Force",
            ],
        ),
        (
            "Remove-CsPersistentChatConfiguration",
            &["Identity", "Force"],
        ),
        (
            "Export-CsPersistentChatData",
            &[
                "DBInstance",
                "DBName",
                "FileName",
                "AsBytes",
                "Level",
                "Scope",
                "StartDate",
                "DisableExportedNodes",
                "Report",
            ],
        ),
        (
            "Import-CsPersistentChatData",
            &["DBInstance", "FileName", "ByteInput", "Report"],
        ),
        (
            "Get-CsPersistentChatEndpoint",
            &[
                "Identity",
                "PersistentChatPoolFqdn",
                "Filter",
                "LdapFilter",
                "OU",
                "DomainController",
                "Credential",
                "ResultSize",
            ],
        ),
        (
            "New-CsPersistentChatEndpoint",
            &[
                "SipAddress",
                "PersistentChatPoolFqdn",
                "DisplayName",
                "PassThru",
            ],
        ),
        ("Remove-CsPersistentChatEndpoint", &["Identity", "Force"]),
        (
            "Remove-CsPersistentChatMessage",
            &[
                "Identity",
                "UserUri",
                "StartDate",
                "EndDate",
                "Filter",
                "MatchClause",
                "CaseSensitive",
                "Remove",
                "ReplaceMessage",
            ],
        ),
        (
            "Test-CsPersistentChatMessage",
            &[
                "TargetFqdn",
                "SenderSipAddress",
                "SenderCredential",
                "ReceiverSipAddress",
                "ReceiverCredential",
                "ChatRoomUri",
                "Authentication",
                "RegistrarPort",
                "Setup",
                "Force",
            ],
        ),
        (
            "Get-CsPersistentChatPolicy",
            &["Identity", "Filter", "LocalStore", "Tenant"],
        ),
        (
            "New-CsPersistentChatPolicy",
            &[
                "Identity",
                "EnablePersistentChat",
                "Description",
                "Force",
                "InMemory",
                "Tenant",
            ],
        ),
        (
            "Set-CsPersistentChatPolicy",
            &[
                "Identity",
                "Instance",
                "EnablePersistentChat",
                "Description",
                "Force",
                "Tenant",
            ],
        ),
        (
            "Remove-CsPersistentChatPolicy",
            &["Identity", "Force", "Tenant"],
        ),
        (
            "Grant-CsPersistentChatPolicy",
            &["Identity", "PolicyName", "DomainController", "PassThru"],
        ),
        (
            "Clear-CsPersistentChatRoom",
            &["Identity", "Instance", "EndDate"],
        ),
        (
            "Get-CsPersistentChatRoom",
            &[
                "Identity",
                "PersistentChatPoolFqdn",
                "Category",
                "Filter",
                "SearchDescription",
                "Addin",
                "Manager",
                "Member",
                "Disabled",
                "Invitations",
                "Privacy",
                "Type",
                "ChatContentExceedsMB",
                "ResultSize",
                "AsObject",
            ],
        ),
        (
            "New-CsPersistentChatRoom",
            &[
                "Name",
                "Category",
                "PersistentChatPoolFqdn",
                "Description",
                "Disabled",
                "Invitations",
                "Privacy",
                "Type",
                "Addin",
            ],
        ),
        (
            "Set-CsPersistentChatRoom",
            &[
                "Identity",
                "Instance",
                "Name",
                "Category",
                "Description",
                "Disabled",
                "Type",
                "Privacy",
                "Invitations",
                "Addin",
                "Members",
                "Managers",
                "Presenters",
                "AsObject",
                "Force",
            ],
        ),
        (
            "Remove-CsPersistentChatRoom",
            &["Identity", "Instance", "Force"],
        ),
        (
            "Get-CsPersistentChatState",
            &["Identity", "Filter", "LocalStore"],
        ),
        (
            "Set-CsPersistentChatState",
            &["Identity", "Instance", "PoolState", "Force"],
        ),
        // Helpers: Lync cmdlets beside the 38, PowerShell's own, and the scripts' functions.
        ("Get-CsService", &["PersistentChatServer"]),
        ("Get-CsPool", &["Identity"]),
        ("Get-CsUser", &["Identity", "Filter", "ResultSize"]),
        ("Where-Object", &[]),
        ("ConvertTo-Json", &["InputObject", "Depth", "Compress"]),
        ("ConvertFrom-Json", &["InputObject"]),
        ("New-Object", &["TypeName"]),
        ("Set-StrictMode", &["Version"]),
        (
            "Write-Progress",
            &["Activity", "Status", "PercentComplete", "Completed"],
        ),
        ("Write-Verbose", &["Message"]),
        ("Write-Warning", &["Message"]),
        ("Write-Host", &[]),
        ("Get-Content", &["LiteralPath"]),
        ("Add-Content", &["LiteralPath", "Value"]),
        ("Test-Path", &["LiteralPath"]),
        ("Join-Path", &["Path", "ChildPath"]),
        ("Get-Location", &[]),
        ("Read-Property", &[]),
        ("Set-Text", &[]),
        ("Set-List", &[]),
        ("ConvertTo-LdapValue", &[]),
        ("Add-Principal", &[]),
        ("Find-Object", &[]),
        ("Find-Pool", &[]),
        ("Get-Property", &[]),
        ("Test-Same", &[]),
        ("Test-List", &[]),
        ("Test-Empty", &[]),
        ("Test-Policy", &[]),
        ("Add-Journal", &[]),
    ];
    table
        .iter()
        .map(|(c, p)| {
            let mut all = p.to_vec();
            all.extend(common);
            (*c, all)
        })
        .collect()
}

pub(crate) fn parse(script: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .unwrap();
    parser.parse(script, None).unwrap()
}

pub(crate) fn walk<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    out.push(node);
    let mut c = node.walk();
    for child in node.children(&mut c) {
        walk(child, out);
    }
}

pub(crate) fn nodes(tree: &Tree) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    walk(tree.root_node(), &mut out);
    out
}

/// A command: its name, and each `-Parameter` with the argument node after it (if any).
struct Command<'t> {
    name: String,
    params: Vec<(String, Option<Node<'t>>)>,
}

fn commands<'t>(tree: &'t Tree, src: &str) -> Vec<Command<'t>> {
    let text = |n: Node<'_>| n.utf8_text(src.as_bytes()).unwrap().to_string();
    nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "command")
        .map(|n| {
            let name = n
                .child_by_field_name("command_name")
                .map(text)
                .unwrap_or_default();
            let mut params = Vec::new();
            if let Some(elements) = n.child_by_field_name("command_elements") {
                let mut c = elements.walk();
                let kids: Vec<Node<'_>> = elements
                    .children(&mut c)
                    .filter(|k| k.kind() != "command_argument_sep")
                    .collect();
                for (i, k) in kids.iter().enumerate() {
                    if k.kind() == "command_parameter" {
                        let p = text(*k);
                        let p = p
                            .trim_start_matches('-')
                            .split(':')
                            .next()
                            .unwrap()
                            .to_string();
                        let arg = kids.get(i + 1).filter(|a| a.kind() != "command_parameter");
                        params.push((p, arg.copied()));
                    }
                }
            }
            Command { name, params }
        })
        .collect()
}

/// The script parses without an error, and calls only known commands with their parameters.
fn check_script(label: &str, src: &str) {
    let tree = parse(src);
    let broken: Vec<String> = nodes(&tree)
        .iter()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| format!("{} at {:?}", n.kind(), n.start_position()))
        .collect();
    assert!(broken.is_empty(), "{label} does not parse: {broken:?}");
    let known = cmdlet_parameters();
    let cmds = commands(&tree, src);
    assert!(!cmds.is_empty(), "{label}: no commands");
    // `& $Get` calls a script block the script holds; the commands in it are checked as well.
    for c in cmds.into_iter().filter(|c| !c.name.starts_with('$')) {
        let Some(allowed) = known.get(c.name.as_str()) else {
            panic!(
                "{label}: `{}` is neither one of the 38 cmdlets nor a known helper",
                c.name
            );
        };
        for (p, _) in &c.params {
            assert!(
                allowed.iter().any(|a| a.eq_ignore_ascii_case(p)),
                "{label}: {} takes no -{p}",
                c.name
            );
        }
    }
}

/// The plans of the litware example as scripts: from an empty store (creations), changes
/// (edits, renames, list changes) after an apply, and removals of everything but topology.
fn litware_scripts() -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let litware = root().join("examples/litware");
    let run = |args: &[&str]| {
        let r = pchat_in(dir.path(), args);
        assert!(r.code == 0 || r.code == 2, "{args:?}: {}", r.stderr);
        r.stdout
    };
    let lw = litware.to_str().unwrap();
    let mut out = vec![(
        "creations".to_string(),
        run(&["--new-store", "plan", lw, "--format", "powershell"]),
    )];
    run(&["apply", lw, "--yes"]);
    // A copy edited as a pull request would: texts, Booleans, lists, a rename.
    let copy = dir.path().join("edited");
    std::fs::create_dir_all(&copy).unwrap();
    for f in pchat::config::collect_files(std::slice::from_ref(&litware)).unwrap() {
        let rel = f.strip_prefix(&litware).unwrap();
        let target = copy.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut text = std::fs::read_to_string(&f).unwrap();
        if rel.ends_with("rooms.yaml") {
            // A list change: one entry leaves a room.
            text = text.replacen("      - sip:chen@litwareinc.com\n", "", 1);
        }
        let text = text
            .replace(
                "Ask anything; the help desk watches this room",
                "Ask anything",
            )
            .replace("privacy: Secret", "privacy: Closed")
            .replace(
                "- name: Help Desk\n",
                "- name: Service Desk\n    previousNames: [Help Desk]\n",
            )
            .replace("enablePersistentChat: true", "enablePersistentChat: false");
        std::fs::write(target, text).unwrap();
    }
    let edited = copy.to_str().unwrap();
    let changes = run(&["plan", edited, "--format", "powershell"]);
    assert!(changes.contains("Set-CsPersistentChatRoom"), "{changes}");
    assert!(changes.contains("-Name 'Service Desk'"), "{changes}");
    assert!(
        changes.contains("@{Remove='sip:chen@litwareinc.com'}"),
        "{changes}"
    );
    // Run again after an interruption, a renamed room is looked for under its new name, with
    // each field the call sets: the after-image the resume checks.
    let after = changes
        .lines()
        .find(|l| l.starts_with("$After[") && l.contains("\\Service Desk'"))
        .unwrap_or_else(|| panic!("no after-image of the rename:\n{changes}"));
    assert!(
        after.contains(
            "Get-CsPersistentChatRoom -Identity 'atl-pchat-001.litwareinc.com\\Service Desk'"
        ),
        "{after}"
    );
    assert!(
        after.contains("(Test-Same (Get-Property $o 'Description') 'Ask anything')"),
        "{after}"
    );
    out.push(("changes".into(), changes));
    // The saved plan's script, through `live apply-script`.
    run(&["plan", edited, "--out", "plan.json"]);
    let saved = run(&["live", "apply-script", "--plan", "plan.json", "--force"]);
    out.push(("apply-script".into(), saved));
    let topology = litware.join("topology.yaml");
    let directory = litware.join("directory.yaml");
    let removals = run(&[
        "plan",
        topology.to_str().unwrap(),
        directory.to_str().unwrap(),
        "--prune",
        "all",
        "--format",
        "powershell",
    ]);
    assert!(
        removals.contains("Remove-CsPersistentChatRoom"),
        "{removals}"
    );
    let index = |call: &str| -> String {
        let at = removals.find(call).unwrap_or_else(|| panic!("no {call}"));
        let guard = removals[..at].rfind("if (-not $done.Contains(").unwrap();
        let rest = &removals[guard + "if (-not $done.Contains(".len()..];
        rest[..rest.find(')').unwrap()].to_string()
    };
    // A removal is done when its object is gone; a reset of a global setting leaves the
    // object, so it has no after-image and runs again.
    let room = index("    Remove-CsPersistentChatRoom -Identity 'atl-pchat-001.litwareinc.com\\Architecture Council'");
    assert!(removals.contains(&format!(
        "$After[{room}] = {{ ($null -eq (Find-Object {{ Get-CsPersistentChatRoom -Identity 'atl-pchat-001.litwareinc.com\\Architecture Council' }})) }}"
    )));
    let reset = index("    Remove-CsPersistentChatPolicy -Identity 'global'");
    assert!(!removals.contains(&format!("$After[{reset}] =")));
    out.push(("removals".into(), removals));
    out
}

#[test]
fn every_script_parses_and_calls_known_commands_with_their_parameters() {
    let collect = pchat::live::script::collect(&["sip:kim@litwareinc.com".into()]);
    check_script("collect.ps1", &collect);
    for helper in pchat::live::script::HELPERS {
        assert!(
            cmdlet_parameters().contains_key(helper),
            "{helper} has no parameter table"
        );
    }
    for helper in pchat::render::powershell::HELPERS {
        assert!(
            cmdlet_parameters().contains_key(helper),
            "{helper} has no parameter table"
        );
    }
    // It reads every kind with a Get- cmdlet and only with Get- cmdlets.
    let tree = parse(&collect);
    let names: HashSet<String> = commands(&tree, &collect)
        .into_iter()
        .map(|c| c.name)
        .collect();
    for get in [
        "Get-CsPersistentChatCategory",
        "Get-CsPersistentChatAddin",
        "Get-CsPersistentChatRoom",
        "Get-CsPersistentChatPolicy",
        "Get-CsPersistentChatComplianceConfiguration",
        "Get-CsPersistentChatConfiguration",
        "Get-CsPersistentChatEndpoint",
        "Get-CsPersistentChatState",
        "Get-CsAdPrincipal",
        "Get-CsUser",
        "Get-CsService",
    ] {
        assert!(names.contains(get), "collect.ps1 does not call {get}");
    }
    assert!(
        names
            .iter()
            .all(|n| !n.contains("-CsPersistentChat") || n.starts_with("Get-")),
        "collect.ps1 changes something: {names:?}"
    );
    for needle in [
        "$ErrorActionPreference = 'Stop'",
        "-Depth 10",
        "'{0:c}' -f",
        "-ChatContentExceedsMB 0",
        "-LDAPFilter $filter",
    ] {
        assert!(collect.contains(needle), "collect.ps1 lacks {needle}");
    }
    for (label, script) in litware_scripts() {
        check_script(&label, &script);
        assert!(script.contains("Set-StrictMode -Version Latest"), "{label}");
    }
}

/// A string argument's value as PowerShell evaluates it: one single-quoted literal, or the
/// parenthesized sum of literals and `[char]0xHHHH` codes pchat writes for anything beyond
/// printable ASCII. `None` for any other expression.
fn literal(node: Node<'_>, src: &str) -> Option<String> {
    let text = |n: Node<'_>| n.utf8_text(src.as_bytes()).unwrap();
    let mut all = Vec::new();
    walk(node, &mut all);
    // Every leaf is a literal's characters, a `[char]` cast's pieces, `+`, or parentheses.
    let mut units: Vec<u16> = Vec::new();
    let mut saw = false;
    for n in all.iter().filter(|n| n.child_count() == 0) {
        match (n.kind(), text(*n)) {
            ("verbatim_string_characters", t) => {
                let inner = t.strip_prefix('\'')?.strip_suffix('\'')?;
                units.extend(inner.replace("''", "'").encode_utf16());
                saw = true;
            }
            (_, t) if t.starts_with("0x") => {
                units.push(u16::from_str_radix(&t[2..], 16).ok()?);
                saw = true;
            }
            (_, "(" | ")" | "+" | "[" | "]" | "char") => {}
            _ => return None,
        }
    }
    if !saw {
        return None;
    }
    String::from_utf16(&units).ok()
}

/// Values a name or a text may hold that a careless script would run or split. The typographic
/// single quotes (U+2018–U+201B) are left out here: tree-sitter-powershell 0.26 does not read
/// them as quotes while real PowerShell does (a lone `’` ends a string there), so the renderer's
/// doubling of them is held by `render::powershell`'s own decoder test instead.
fn hostile() -> Vec<String> {
    vec![
        "it's".into(),
        "say \"hi\"".into(),
        "$(Remove-CsPersistentChatRoom -Identity x)".into(),
        "back`tick `$x".into(),
        "a; Remove-Item C:\\ -Recurse".into(),
        "two\nlines\r\nand more".into(),
        "@{Add='x'}".into(),
        "-Force".into(),
        "x".repeat(10_000),
    ]
}

/// A state in which every string field of every kind holds one of the hostile values.
fn hostile_state() -> DesiredState {
    let pool = "atl-pchat-001.litwareinc.com";
    let mut s = DesiredState::default();
    s.pools.insert(
        pool.into(),
        Pool {
            fqdn: pool.into(),
            site: Some("Atlanta".into()),
            servers: vec!["atl-a.litwareinc.com".into()],
        },
    );
    for (i, v) in hostile().into_iter().enumerate() {
        let name = format!("{v} {i}");
        let category = Category {
            name: name.clone(),
            persistent_chat_pool_fqdn: Some(pool.into()),
            description: v.clone(),
            allowed_members: vec![format!("sip:u{i}@litwareinc.com")],
            denied_members: vec![],
            creators: vec![],
            invitations: false,
            file_upload: false,
            chat_history: true,
            previous_names: vec![],
            lifecycle: Lifecycle::default(),
        };
        s.categories
            .insert(ObjectId::new(pool, name.clone()), category);
        let addin = Addin {
            name: name.clone(),
            persistent_chat_pool_fqdn: Some(pool.into()),
            url: format!("https://x.litwareinc.com/?q={v}"),
            previous_names: vec![],
            lifecycle: Lifecycle::default(),
        };
        s.addins.insert(ObjectId::new(pool, name.clone()), addin);
        let room = Room {
            name: name.clone(),
            persistent_chat_pool_fqdn: Some(pool.into()),
            category: name.clone(),
            description: v.clone(),
            room_type: RoomType::Normal,
            privacy: Privacy::Closed,
            addin: Some(name.clone()),
            invitations: RoomInvitations::Inherit,
            disabled: false,
            members: vec![format!("sip:u{i}@litwareinc.com")],
            managers: vec![],
            presenters: vec![],
            previous_names: vec![],
            lifecycle: Lifecycle::default(),
        };
        s.rooms.insert(ObjectId::new(pool, name.clone()), room);
        let tag = Scope::Tag(name.clone());
        s.policies.insert(
            tag.clone(),
            PersistentChatPolicy {
                identity: tag,
                enable_persistent_chat: true,
                description: v.clone(),
                lifecycle: Lifecycle::default(),
            },
        );
        let site = Scope::Site(name.clone());
        let mut c = ComplianceConfiguration::defaults(site.clone());
        c.adapter_name = v.clone();
        c.adapter_output_directory = v.clone();
        c.custom_configuration = v.clone();
        s.compliance_configurations.insert(site.clone(), c);
        let mut cfg = PersistentChatConfiguration::defaults(site.clone());
        cfg.room_management_url = Some(v.clone());
        s.configurations.insert(site, cfg);
        let sip = format!("sip:chat{i}@litwareinc.com");
        s.endpoints.insert(
            sip.clone(),
            Endpoint {
                sip_address: sip,
                persistent_chat_pool_fqdn: Some(pool.into()),
                display_name: Some(v.clone()),
                lifecycle: Lifecycle::default(),
            },
        );
    }
    s
}

fn plan_of(desired: &DesiredState) -> Plan {
    let live = DesiredState::default();
    let (managed, consented) = (Default::default(), Default::default());
    pchat::plan::plan(
        desired,
        Live {
            state: &live,
            managed: &managed,
            consented: &consented,
            revision: 0,
        },
        &PlanOptions::default(),
    )
}

/// The cmdlet calls of a plan, in order, with their text parameters.
fn expected_calls(plan: &Plan) -> Vec<(&'static str, Vec<(String, String)>)> {
    plan.changes
        .iter()
        .flat_map(|c| &c.operations)
        .filter(|op| op.is_cmdlet())
        .map(|op| {
            let texts = op
                .params()
                .into_iter()
                .filter_map(|p| match p.value {
                    Value::Text(t) => Some((p.name.to_string(), t.to_string())),
                    Value::Owned(t) => Some((p.name.to_string(), t)),
                    _ => None,
                })
                .collect();
            (op.cmdlet(), texts)
        })
        .collect()
}

#[test]
fn hostile_values_stay_one_literal_of_their_parameter() {
    let plan = plan_of(&hostile_state());
    let src = pchat::render::powershell::script(&plan);
    let tree = parse(&src);
    let broken = nodes(&tree).iter().any(|n| n.is_error() || n.is_missing());
    assert!(!broken, "the hostile plan's script does not parse");
    let helpers: HashSet<&str> = pchat::render::powershell::HELPERS.iter().copied().collect();
    // The calls of the operations section, in order (the before-image section only reads).
    let calls: Vec<Command<'_>> = commands(&tree, &src)
        .into_iter()
        .filter(|c| {
            !helpers.contains(c.name.as_str())
                && !c.name.starts_with("Get-")
                && !c.name.starts_with('$')
        })
        .collect();
    let expected = expected_calls(&plan);
    let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    let wanted: Vec<&str> = expected.iter().map(|(c, _)| *c).collect();
    assert_eq!(names, wanted);
    let mut checked = 0;
    for (call, (cmdlet, texts)) in calls.iter().zip(&expected) {
        assert_eq!(call.name, *cmdlet);
        for (param, value) in texts {
            let arg = call
                .params
                .iter()
                .find(|(p, _)| p == param)
                .and_then(|(_, a)| *a)
                .unwrap_or_else(|| panic!("{cmdlet} lost -{param}"));
            assert_eq!(
                literal(arg, &src).as_deref(),
                Some(value.as_str()),
                "{cmdlet} -{param}: the argument is not that one literal"
            );
            checked += 1;
        }
        // Nothing hostile became a parameter of its own.
        for (p, _) in &call.params {
            assert_ne!(p, "Force", "{cmdlet}: a value turned into -Force");
        }
    }
    assert!(checked > 60, "only {checked} values checked");
}

/// The operation index each `if (-not $done.Contains(N)) { … }` guards, with the commands
/// inside it; and the before-image blocks `if (-not ($done.Contains(a) -or …)) { Get-… }`.
/// Operation guards (index → the commands inside) and before-image checks (indices, Get-).
type Guards = (BTreeMap<usize, Vec<String>>, Vec<(Vec<usize>, String)>);

fn guards(tree: &Tree, src: &str) -> Guards {
    let text = |n: Node<'_>| n.utf8_text(src.as_bytes()).unwrap().to_string();
    let mut ops = BTreeMap::new();
    let mut checks = Vec::new();
    for n in nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "if_statement")
    {
        let Some(cond) = n.child_by_field_name("condition") else {
            continue;
        };
        let cond = text(cond);
        let indices: Vec<usize> = cond
            .split("$done.Contains(")
            .skip(1)
            .filter_map(|r| r.split(')').next()?.parse().ok())
            .collect();
        if indices.is_empty() || !cond.starts_with("-not") {
            continue;
        }
        let mut inner = Vec::new();
        walk(n, &mut inner);
        let names: Vec<String> = inner
            .into_iter()
            .filter(|c| c.kind() == "command")
            .filter_map(|c| c.child_by_field_name("command_name").map(text))
            .collect();
        if cond.starts_with("-not (") {
            let get = names
                .iter()
                .find(|c| c.starts_with("Get-"))
                .cloned()
                .unwrap_or_default();
            checks.push((indices, get));
        } else {
            ops.insert(indices[0], names);
        }
    }
    (ops, checks)
}

#[test]
fn a_second_run_skips_exactly_what_the_journal_shows_done() {
    let mut desired = hostile_state();
    desired.rooms.retain(|k, _| k.name.len() < 40);
    let first = plan_of(&desired);
    // And a plan of changes and removals: the first plan's objects, then edited and dropped.
    let mut edited = desired.clone();
    for r in edited.rooms.values_mut() {
        r.description = "edited".into();
        r.members.push("sip:extra@litwareinc.com".into());
    }
    let dropped: Vec<ObjectId> = edited.addins.keys().take(2).cloned().collect();
    for a in &dropped {
        edited.addins.remove(a);
        for r in edited.rooms.values_mut() {
            if r.addin.as_deref() == Some(a.name.as_str()) {
                r.addin = None;
            }
        }
    }
    let live = desired.clone();
    let (managed, consented) = (
        live.addins
            .keys()
            .map(|k| ((Kind::Addin, k.to_string()), false))
            .collect(),
        Default::default(),
    );
    let second = pchat::plan::plan(
        &edited,
        Live {
            state: &live,
            managed: &managed,
            consented: &consented,
            revision: 1,
        },
        &PlanOptions::default(),
    );
    assert!(second
        .changes
        .iter()
        .any(|c| c.action == pchat::plan::Action::Delete));
    for plan in [first, second] {
        let src = pchat::render::powershell::script(&plan);
        let tree = parse(&src);
        let (ops, checks) = guards(&tree, &src);
        let all: Vec<&Operation> = plan.changes.iter().flat_map(|c| &c.operations).collect();
        // Every operation has its own guard, numbered in plan order, around its own call.
        assert_eq!(
            ops.keys().copied().collect::<Vec<_>>(),
            (1..=all.len()).collect::<Vec<_>>()
        );
        for (i, op) in all.iter().enumerate() {
            let inside = &ops[&(i + 1)];
            if op.is_cmdlet() {
                assert!(
                    inside.iter().any(|c| c == op.cmdlet()),
                    "guard {} holds {inside:?}",
                    i + 1
                );
            }
        }
        // A journal marking 1..k done: the guards let through exactly k+1.. .
        for k in [0, 1, all.len() / 2, all.len()] {
            let done: HashSet<usize> = (1..=k).collect();
            let run: Vec<usize> = ops.keys().copied().filter(|i| !done.contains(i)).collect();
            assert_eq!(run, ((k + 1)..=all.len()).collect::<Vec<_>>());
        }
        // Every Set- and Remove- (and creation) is checked against the before-image first,
        // unless the journal shows its change begun.
        let mut next = 1;
        for c in &plan.changes {
            let ids: Vec<usize> = (next..next + c.operations.len()).collect();
            next += c.operations.len();
            let changes_live = c.operations.iter().any(|op| {
                let name = op.cmdlet();
                name.starts_with("Set-")
                    || name.starts_with("Remove-")
                    || name.starts_with("Grant-")
            });
            if !changes_live || matches!(c.kind, Kind::ActiveServers | Kind::Pool | Kind::Principal)
            {
                continue;
            }
            let found = checks.iter().find(|(idx, _)| *idx == ids);
            let Some((_, get)) = found else {
                panic!("{} {} has no before-image check", c.kind, c.identity);
            };
            assert!(get.starts_with("Get-"), "{} {}: {get}", c.kind, c.identity);
        }
    }
}
