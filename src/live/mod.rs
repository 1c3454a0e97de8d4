//! Live snapshots: what a real Lync Server 2013 / Skype for Business Server pool holds, as
//! `collect.ps1` (see `script.rs`) writes it from the Get- cmdlets, read into the model.
//!
//! The file (written by `collect.ps1`, `script.rs`) is UTF-8 JSON: `format` (this version: 1), `collectedAt`, `server`, and one array
//! per kind under the configuration's key (`rooms`, `categories`, …) whose objects carry the
//! cmdlets' own property names (`Identity`, `Name`, `PersistentChatPoolFqdn`, `AllowedMembers`,
//! …). Enums are their names (`Closed`, not 2), lists arrays of strings, TimeSpans
//! `[d.]hh:mm:ss`. `schema/live.schema.json` is generated from the types here.
//!
//! A snapshot is judged like a configuration: every problem is reported at its JSON path
//! (`rooms[3].Category`), and nothing of a snapshot with one is used.

pub mod load;
pub mod script;
pub mod shapes;

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::rules::{self, Severity};
use crate::model::*;

/// The snapshot format this pchat reads and `collect.ps1` writes.
pub const FORMAT: u32 = 2;

/// Where the committed schema of snapshots lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/live.schema.json";

/// A snapshot of a live Persistent Chat service. Every kind is present (an empty list when the
/// server has none): a kind that is missing is refused, never read as "none".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Snapshot {
    /// The snapshot format's version: 2.
    pub format: u32,
    /// When it was collected (ISO 8601, UTC; Windows PowerShell's `\/Date(ms)\/` is read too).
    #[serde(deserialize_with = "shapes::when")]
    pub collected_at: String,
    /// The computer `collect.ps1` ran on.
    pub server: String,
    /// `Get-CsService -PersistentChatServer`, grouped by pool.
    #[serde(deserialize_with = "shapes::objects")]
    pub pools: Vec<LivePool>,
    /// `Get-CsAdPrincipal` for the principals the lists name.
    #[serde(deserialize_with = "shapes::objects")]
    pub principals: Vec<LivePrincipal>,
    /// The principals asked for that `Get-CsAdPrincipal` did not find.
    #[serde(deserialize_with = "shapes::strings")]
    pub unresolved: Vec<String>,
    /// `Get-CsPersistentChatCategory`.
    #[serde(deserialize_with = "shapes::objects")]
    pub categories: Vec<LiveCategory>,
    /// `Get-CsPersistentChatAddin`.
    #[serde(deserialize_with = "shapes::objects")]
    pub addins: Vec<LiveAddin>,
    /// `Get-CsPersistentChatRoom`.
    #[serde(deserialize_with = "shapes::objects")]
    pub rooms: Vec<LiveRoom>,
    /// `Get-CsPersistentChatPolicy`.
    #[serde(deserialize_with = "shapes::objects")]
    pub policies: Vec<LivePolicy>,
    /// `Get-CsUser`'s `SipAddress` and `PersistentChatPolicy`, for users granted one.
    #[serde(deserialize_with = "shapes::objects")]
    pub policy_grants: Vec<LiveGrant>,
    /// `Get-CsPersistentChatComplianceConfiguration`.
    #[serde(deserialize_with = "shapes::objects")]
    pub compliance_configurations: Vec<LiveCompliance>,
    /// `Get-CsPersistentChatConfiguration`.
    #[serde(deserialize_with = "shapes::objects")]
    pub configurations: Vec<LiveConfiguration>,
    /// `Get-CsPersistentChatEndpoint`.
    #[serde(deserialize_with = "shapes::objects")]
    pub endpoints: Vec<LiveEndpoint>,
    /// `Get-CsPersistentChatState`.
    #[serde(deserialize_with = "shapes::objects")]
    pub states: Vec<LiveState>,
}

/// A Persistent Chat pool of the topology and which of its servers are active.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LivePool {
    /// The pool's FQDN (`PoolFqdn` of `Get-CsService -PersistentChatServer`).
    pub pool_fqdn: String,
    /// The site's name (`SiteId`, without the `Site:` prefix).
    #[serde(deserialize_with = "shapes::text")]
    pub site: Option<String>,
    /// The pool's servers.
    #[serde(deserialize_with = "shapes::strings")]
    pub servers: Vec<String>,
    /// The servers accepting new connections; `null` when the service does not report them
    /// (then pchat plans no change of them).
    #[serde(deserialize_with = "shapes::maybe_strings")]
    pub active_servers: Option<Vec<String>>,
}

/// A directory principal (`Get-CsAdPrincipal`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LivePrincipal {
    /// The distinguished name.
    pub identity: String,
    /// `user`, `group`, `organizationalUnit` (also `contact`, `container`, `domain`).
    pub object_class: String,
    #[serde(deserialize_with = "shapes::text")]
    pub sip_address: Option<String>,
    #[serde(deserialize_with = "shapes::text")]
    pub display_name: Option<String>,
    /// Absent: unknown (collect.ps1 does not read it; the directory is not compared on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The user's site (its registrar pool's), for `site:` policies. Absent: unknown; `null`:
    /// none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_text"
    )]
    pub site: Option<Option<String>>,
    /// A group's members, as DNs or SIP addresses. Absent: unknown.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_strings"
    )]
    pub members: Option<Vec<String>>,
}

/// A property that is present (`Some`), its value possibly `null`.
fn some_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    shapes::text(d).map(Some)
}

fn some_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    shapes::strings(d).map(Some)
}

/// A category (`Get-CsPersistentChatCategory`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveCategory {
    /// `POOL_FQDN\NAME`.
    pub identity: String,
    pub name: String,
    #[serde(deserialize_with = "shapes::text")]
    pub description: Option<String>,
    #[serde(deserialize_with = "shapes::strings")]
    pub allowed_members: Vec<String>,
    #[serde(deserialize_with = "shapes::strings")]
    pub denied_members: Vec<String>,
    #[serde(deserialize_with = "shapes::strings")]
    pub creators: Vec<String>,
    /// The output object spells the Invitations setting `Invites`.
    pub invites: bool,
    pub file_upload: bool,
    pub chat_history: bool,
}

/// An add-in (`Get-CsPersistentChatAddin`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveAddin {
    /// `POOL_FQDN\NAME`.
    pub identity: String,
    pub name: String,
    pub url: String,
}

/// A room (`Get-CsPersistentChatRoom`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveRoom {
    /// `POOL_FQDN\NAME`.
    pub identity: String,
    pub name: String,
    /// The category's name.
    pub category: String,
    #[serde(deserialize_with = "shapes::text")]
    pub description: Option<String>,
    /// `Normal` or `Auditorium`.
    pub r#type: RoomType,
    /// `Open`, `Closed` or `Secret`.
    pub privacy: Privacy,
    /// The add-in's name.
    #[serde(deserialize_with = "shapes::text")]
    pub addin: Option<String>,
    /// `Inherit` or `False`.
    pub invitations: RoomInvitations,
    pub disabled: bool,
    #[serde(deserialize_with = "shapes::strings")]
    pub members: Vec<String>,
    #[serde(deserialize_with = "shapes::strings")]
    pub managers: Vec<String>,
    #[serde(deserialize_with = "shapes::strings")]
    pub presenters: Vec<String>,
    /// Whether the room holds chat content (`Get-CsPersistentChatRoom -ChatContentExceedsMB 0`
    /// lists it): its removal destroys history and needs `--allow-destroy`.
    pub chat_content: bool,
}

/// A policy (`Get-CsPersistentChatPolicy`): `Global`, `Site:NAME` or `Tag:NAME`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LivePolicy {
    #[serde(serialize_with = "xds")]
    pub identity: Scope,
    pub enable_persistent_chat: bool,
    #[serde(deserialize_with = "shapes::text")]
    pub description: Option<String>,
}

/// A user's per-user policy (`Get-CsUser`'s `PersistentChatPolicy`, the tag's name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveGrant {
    pub sip_address: String,
    pub persistent_chat_policy: String,
}

/// A compliance configuration (`Get-CsPersistentChatComplianceConfiguration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveCompliance {
    #[serde(serialize_with = "xds")]
    pub identity: Scope,
    #[serde(deserialize_with = "shapes::text")]
    pub adapter_type: Option<String>,
    #[serde(deserialize_with = "shapes::text")]
    pub adapter_name: Option<String>,
    #[serde(deserialize_with = "shapes::text")]
    pub adapter_output_directory: Option<String>,
    /// `[d.]hh:mm:ss`.
    pub run_interval: TimeSpan,
    pub one_chat_room_per_output_file: bool,
    pub add_chat_room_details: bool,
    pub add_user_details: bool,
    pub create_file_attachments_manifest: bool,
    #[serde(deserialize_with = "shapes::text")]
    pub custom_configuration: Option<String>,
}

/// A configuration (`Get-CsPersistentChatConfiguration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveConfiguration {
    #[serde(serialize_with = "xds")]
    pub identity: Scope,
    pub default_chat_history: u32,
    pub participant_update_limit: u32,
    #[serde(rename = "MaxFileSizeKB")]
    pub max_file_size_kb: u32,
    #[serde(deserialize_with = "shapes::text")]
    pub room_management_url: Option<String>,
}

/// An endpoint (`Get-CsPersistentChatEndpoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveEndpoint {
    pub sip_address: String,
    pub persistent_chat_pool_fqdn: String,
    #[serde(deserialize_with = "shapes::text")]
    pub display_name: Option<String>,
}

/// A pool's state (`Get-CsPersistentChatState`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct LiveState {
    /// `PersistentChatServer:POOL_FQDN`.
    pub identity: ServiceId,
    /// `Normal` or `FailedOver`.
    pub pool_state: PoolState,
}

/// A scope as the cmdlets print an `XdsIdentity`: `Global`, `Site:Redmond`, `Tag:Name`,
/// `Service:PersistentChatServer:POOL` (read back without regard to case).
fn xds<S: serde::Serializer>(scope: &Scope, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&pascal(&scope.to_string()))
}

/// One thing wrong with a snapshot, at its JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `rooms[3].Category`, or `.` for the whole file.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The schema of snapshot files, pretty-printed with a final newline.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Snapshot);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// Reads a snapshot's JSON into the state it describes: one pass for the version, one that
/// streams the file into the model's types (no JSON tree is built, so memory stays near the
/// file's size; the file's size is bounded by the caller, `files::read_bytes`).
///
/// # Errors
/// Every problem with its JSON path; a snapshot with one is not used at all.
pub fn read(bytes: &[u8]) -> Result<(Snapshot, DesiredState), Vec<Problem>> {
    let bytes = &*shapes::utf8(bytes).map_err(|message| {
        vec![Problem {
            path: ".".into(),
            message,
        }]
    })?;
    /// The version alone; every other key is skipped without being kept.
    #[derive(Deserialize)]
    struct Version {
        format: Option<serde_json::Value>,
    }
    let version: Version = serde_json::from_slice(bytes).map_err(|e| {
        vec![Problem {
            path: ".".into(),
            message: format!("not JSON: {e}"),
        }]
    })?;
    // The version first: a newer collector's file is refused as such, not field by field.
    match version.format.as_ref().map(|f| f.as_u64()) {
        Some(Some(v)) if v == u64::from(FORMAT) => {}
        Some(Some(v)) => {
            return Err(vec![Problem {
                path: "format".into(),
                message: format!(
                    "snapshot format {v} is not one this pchat reads (it reads {FORMAT}): \
                     collect again with `pchat live script`"
                ),
            }])
        }
        _ => {
            return Err(vec![Problem {
                path: "format".into(),
                message: format!("a snapshot starts with `\"format\": {FORMAT}`"),
            }])
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let snapshot: Snapshot = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(streamed) => return Err(vec![type_problem(bytes, streamed)]),
    };
    let state = to_state(&snapshot)?;
    Ok((snapshot, state))
}

/// A snapshot that does not fit the types, said as well as serde can: the streaming pass
/// knows the line and column, a pass through a JSON tree (taken only on this error path) words
/// type mismatches better (`invalid type: integer`, where streaming says `expected value`).
fn type_problem(bytes: &[u8], streamed: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let at = (streamed.inner().line(), streamed.inner().column());
    let worded = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_path_to_error::deserialize::<_, Snapshot>(v).err());
    let (mut path, message) = match worded {
        Some(e) => (e.path().to_string(), e.into_inner().to_string()),
        None => (
            streamed.path().to_string(),
            streamed.into_inner().to_string(),
        ),
    };
    let mut message = suggest_field(&message);
    if !path.contains(['.', '[']) && message.starts_with("unknown property") {
        // A top-level key is a kind.
        message = message.replacen("unknown property", "unknown kind", 1);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        message = if path == "." {
            path = name.to_string();
            format!(
                "the kind `{name}` is missing: collect.ps1 writes every kind ([] when the \
                 server has none), and a missing one is never read as none"
            )
        } else {
            format!(
                "the property `{name}` is missing: collect.ps1 writes every property it reads, \
                 and a missing one is never read as empty"
            )
        };
    }
    if message.starts_with("invalid type: integer") && message.contains("expected string") {
        message.push_str(" (enums are written by name: collect.ps1 writes `.ToString()`)");
    }
    Problem {
        path,
        message: format!("{message} (line {}, column {})", at.0, at.1),
    }
}

/// serde's "unknown field `x`, expected one of …" with the nearest name suggested.
fn suggest_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::suggest::nearest(field, names.iter().copied()) {
        Some(n) => format!("unknown property `{field}` (did you mean `{n}`?)"),
        None => format!(
            "unknown property `{field}`; expected one of {}",
            names.join(", ")
        ),
    }
}

fn nonempty(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// `POOL\NAME` of a pooled object, or the problem with it.
fn pooled(
    kind: &str,
    i: usize,
    identity: &str,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Option<ObjectId> {
    match identity.parse::<ObjectId>() {
        Ok(id) if same_name(&id.name, name) => Some(id),
        Ok(id) => {
            problems.push(Problem {
                path: format!("{kind}[{i}].Name"),
                message: format!("`{name}` is not the name in its identity `{id}`"),
            });
            None
        }
        Err(e) => {
            problems.push(Problem {
                path: format!("{kind}[{i}].Identity"),
                message: e,
            });
            None
        }
    }
}

/// Where each object came from: (kind, key) → the snapshot's path of it.
type Origins = HashMap<(Kind, String), String>;

/// Reads one snapshot into a state, collecting problems and where each object came from.
struct Reader<'s> {
    s: &'s Snapshot,
    state: DesiredState,
    problems: Vec<Problem>,
    origins: Origins,
}

impl Reader<'_> {
    /// Records where an object came from (by its identity as the state keys it, case folded
    /// as the service folds it); a second one with that identity is a problem.
    fn dup(&mut self, kind: Kind, key: String, path: String) {
        if let Some(first) = self.origins.insert((kind, fold(&key)), path.clone()) {
            self.problems.push(Problem {
                path,
                message: format!("{kind} `{key}` is listed twice (first at {first})"),
            });
        }
    }

    /// Pools and their active servers.
    fn topology(&mut self) {
        for (i, p) in self.s.pools.iter().enumerate() {
            let key = p.pool_fqdn.to_ascii_lowercase();
            self.dup(Kind::Pool, key.clone(), format!("pools[{i}]"));
            self.state.pools.insert(
                key.clone(),
                Pool {
                    fqdn: p.pool_fqdn.clone(),
                    site: p.site.clone(),
                    servers: p.servers.clone(),
                },
            );
            let id = ServiceId {
                pool: p.pool_fqdn.clone(),
            };
            // A pool's active servers are listed with it.
            self.origins.insert(
                (Kind::ActiveServers, fold(&id.to_string())),
                format!("pools[{i}]"),
            );
            let Some(active) = &p.active_servers else {
                self.state.facts.unknown_active_servers.insert(
                    key,
                    "the service did not report them (`ActiveServers` is null in the snapshot)"
                        .into(),
                );
                continue;
            };
            let servers = ActiveServers::new(&id.pool, active.clone());
            self.state.active_servers.insert(id, servers);
        }
    }

    /// The directory.
    fn principals(&mut self) {
        for (i, p) in self.s.principals.iter().enumerate() {
            let principal_type = match p.object_class.to_ascii_lowercase().as_str() {
                "user" | "contact" => PrincipalType::User,
                "group" => PrincipalType::Group,
                "organizationalunit" | "container" | "domain" | "domaindns" => {
                    PrincipalType::OrganizationalUnit
                }
                _ => {
                    let other = &p.object_class;
                    self.problems.push(Problem {
                        path: format!("principals[{i}].ObjectClass"),
                        message: format!(
                            "`{other}` is not a principal class: expected user, group, \
                             organizationalUnit, contact, container or domain"
                        ),
                    });
                    continue;
                }
            };
            // What the snapshot does not carry is not compared (collect.ps1 reads no group
            // members, account states or sites from the directory).
            let mut unknown = |field: &str, known: bool| {
                if !known {
                    self.state.facts.unknown_fields.insert(
                        (Kind::Principal, field.to_string()),
                        "the snapshot does not carry it: collect.ps1 reads names, classes, SIP \
                         addresses and display names from the directory"
                            .into(),
                    );
                }
            };
            unknown("members", p.members.is_some());
            unknown("enabled", p.enabled.is_some());
            unknown("site", p.site.is_some());
            let principal = Principal {
                principal_type,
                sip_address: p.sip_address.clone(),
                distinguished_name: Some(p.identity.clone()),
                display_name: p.display_name.clone(),
                site: p.site.clone().flatten(),
                enabled: p.enabled.unwrap_or(true),
                members: p.members.clone().unwrap_or_default(),
            };
            let key = principal::key_or_text(principal.identity());
            self.dup(Kind::Principal, key.clone(), format!("principals[{i}]"));
            self.state.principals.insert(key, principal);
        }
    }

    /// Categories, add-ins and rooms.
    fn pooled(&mut self) {
        for (i, c) in self.s.categories.iter().enumerate() {
            let Some(id) = pooled("categories", i, &c.identity, &c.name, &mut self.problems) else {
                continue;
            };
            let pool = self.state.resolve_pool(Some(&id.pool));
            let key = ObjectId::new(pool.clone().unwrap_or_default(), id.name.clone());
            self.dup(Kind::Category, key.to_string(), format!("categories[{i}]"));
            self.state.categories.insert(
                ObjectId::new(pool.clone().unwrap_or_default(), c.name.clone()),
                Category {
                    name: c.name.clone(),
                    persistent_chat_pool_fqdn: pool,
                    description: nonempty(&c.description),
                    allowed_members: c.allowed_members.clone(),
                    denied_members: c.denied_members.clone(),
                    creators: c.creators.clone(),
                    invitations: c.invites,
                    file_upload: c.file_upload,
                    chat_history: c.chat_history,
                    previous_names: vec![],
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, a) in self.s.addins.iter().enumerate() {
            let Some(id) = pooled("addins", i, &a.identity, &a.name, &mut self.problems) else {
                continue;
            };
            let pool = self.state.resolve_pool(Some(&id.pool));
            let key = ObjectId::new(pool.clone().unwrap_or_default(), id.name.clone());
            self.dup(Kind::Addin, key.to_string(), format!("addins[{i}]"));
            self.state.addins.insert(
                ObjectId::new(pool.clone().unwrap_or_default(), a.name.clone()),
                Addin {
                    name: a.name.clone(),
                    persistent_chat_pool_fqdn: pool,
                    url: a.url.clone(),
                    previous_names: vec![],
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, r) in self.s.rooms.iter().enumerate() {
            let Some(id) = pooled("rooms", i, &r.identity, &r.name, &mut self.problems) else {
                continue;
            };
            let pool = self.state.resolve_pool(Some(&id.pool));
            let key = ObjectId::new(pool.clone().unwrap_or_default(), id.name.clone());
            self.dup(Kind::Room, key.to_string(), format!("rooms[{i}]"));
            let mut room = Room {
                name: r.name.clone(),
                persistent_chat_pool_fqdn: pool.clone(),
                category: r.category.clone(),
                description: nonempty(&r.description),
                room_type: r.r#type,
                privacy: r.privacy,
                addin: r.addin.clone().filter(|a| !a.is_empty()),
                invitations: r.invitations,
                disabled: r.disabled,
                members: r.members.clone(),
                managers: r.managers.clone(),
                presenters: r.presenters.clone(),
                previous_names: vec![],
                lifecycle: Lifecycle::default(),
            };
            self.state.settle_room_refs(&mut room);
            let key = ObjectId::new(pool.unwrap_or_default(), r.name.clone());
            if r.chat_content {
                self.state.facts.chat_content.insert(key.clone());
            }
            self.state.rooms.insert(key, room);
        }
    }

    /// Policies, grants, settings, endpoints and states.
    fn settings(&mut self) {
        for (i, p) in self.s.policies.iter().enumerate() {
            self.dup(
                Kind::Policy,
                p.identity.to_string(),
                format!("policies[{i}]"),
            );
            self.state.policies.insert(
                p.identity.clone(),
                PersistentChatPolicy {
                    identity: p.identity.clone(),
                    enable_persistent_chat: p.enable_persistent_chat,
                    description: nonempty(&p.description),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        // The service always has a global policy and global settings.
        self.state
            .policies
            .entry(Scope::Global)
            .or_insert_with(|| PersistentChatPolicy::defaults(Scope::Global));
        for (i, g) in self.s.policy_grants.iter().enumerate() {
            let key = principal::key_or_text(&g.sip_address);
            self.dup(Kind::PolicyGrant, key.clone(), format!("policyGrants[{i}]"));
            let name = g.persistent_chat_policy.trim_start_matches("Tag:");
            let name = name.strip_prefix("tag:").unwrap_or(name);
            self.state.policy_grants.insert(
                key,
                PolicyGrant {
                    identity: g.sip_address.clone(),
                    policy_name: name.to_string(),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, c) in self.s.compliance_configurations.iter().enumerate() {
            let path = format!("complianceConfigurations[{i}]");
            self.dup(Kind::ComplianceConfiguration, c.identity.to_string(), path);
            self.state.compliance_configurations.insert(
                c.identity.clone(),
                ComplianceConfiguration {
                    identity: c.identity.clone(),
                    adapter_type: nonempty(&c.adapter_type),
                    adapter_name: nonempty(&c.adapter_name),
                    adapter_output_directory: nonempty(&c.adapter_output_directory),
                    run_interval: c.run_interval,
                    one_chat_room_per_output_file: c.one_chat_room_per_output_file,
                    add_chat_room_details: c.add_chat_room_details,
                    add_user_details: c.add_user_details,
                    create_file_attachments_manifest: c.create_file_attachments_manifest,
                    custom_configuration: nonempty(&c.custom_configuration),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, c) in self.s.configurations.iter().enumerate() {
            self.dup(
                Kind::Configuration,
                c.identity.to_string(),
                format!("configurations[{i}]"),
            );
            self.state.configurations.insert(
                c.identity.clone(),
                PersistentChatConfiguration {
                    identity: c.identity.clone(),
                    default_chat_history: c.default_chat_history,
                    participant_update_limit: c.participant_update_limit,
                    max_file_size_kb: c.max_file_size_kb,
                    room_management_url: c.room_management_url.clone().filter(|u| !u.is_empty()),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, e) in self.s.endpoints.iter().enumerate() {
            let key = principal::key_or_text(&e.sip_address);
            self.dup(Kind::Endpoint, key.clone(), format!("endpoints[{i}]"));
            self.state.endpoints.insert(
                key,
                Endpoint {
                    sip_address: e.sip_address.clone(),
                    persistent_chat_pool_fqdn: self
                        .state
                        .resolve_pool(Some(&e.persistent_chat_pool_fqdn)),
                    display_name: e.display_name.clone().filter(|d| !d.is_empty()),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        for (i, x) in self.s.states.iter().enumerate() {
            let path = format!("states[{i}]");
            self.dup(Kind::State, x.identity.to_string(), path);
            self.state.states.insert(
                x.identity.clone(),
                PersistentChatState {
                    identity: x.identity.clone(),
                    pool_state: x.pool_state,
                    lifecycle: Lifecycle::default(),
                },
            );
        }
    }
}

/// The state a snapshot describes, judged by the model's rules; problems point into the file.
///
/// # Errors
/// Every problem, at its JSON path.
pub fn to_state(s: &Snapshot) -> Result<DesiredState, Vec<Problem>> {
    let mut r = Reader {
        s,
        state: DesiredState::default(),
        problems: Vec::new(),
        origins: HashMap::new(),
    };
    r.topology();
    r.principals();
    r.pooled();
    r.settings();
    let Reader {
        mut state,
        mut problems,
        origins,
        ..
    } = r;
    settings_defaults(&mut state);
    // The model's rules, each violation placed at the object (and property) it concerns.
    for v in rules::validate(&state) {
        if v.severity != Severity::Error || admitted(&v) {
            continue;
        }
        let at = origins
            .get(&(v.kind, fold(&v.identity)))
            .cloned()
            .unwrap_or_else(|| format!("{} `{}`", v.kind.key(), v.identity));
        let property = v.field.as_deref().map(|f| property_of(v.kind, f));
        let path = match property {
            Some(p) => format!("{at}.{p}"),
            None => at,
        };
        let help = v.help.map(|h| format!(" ({h})")).unwrap_or_default();
        problems.push(Problem {
            path,
            message: format!("{}{help}", v.message),
        });
    }
    if problems.is_empty() {
        Ok(state)
    } else {
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        problems.dedup();
        Err(problems)
    }
}

/// A room list entry the server holds was admitted by the server: a snapshot does not carry
/// every group's members, so the model cannot judge admission through groups, and the server
/// already has.
fn admitted(v: &rules::Violation) -> bool {
    let list = v.field.as_deref().is_some_and(|f| {
        ["members[", "managers[", "presenters["]
            .iter()
            .any(|l| f.starts_with(l))
    });
    list && v.kind == Kind::Room && v.message.contains("by category")
        || list && v.message.contains("in rooms of category")
}

/// The global settings exist on every service; a snapshot without them means their defaults.
fn settings_defaults(state: &mut DesiredState) {
    state
        .compliance_configurations
        .entry(Scope::Global)
        .or_insert_with(|| ComplianceConfiguration::defaults(Scope::Global));
    state
        .configurations
        .entry(Scope::Global)
        .or_insert_with(|| PersistentChatConfiguration::defaults(Scope::Global));
}

/// A model field (`members[2]`) as the snapshot's property (`Members[2]`).
fn property_of(kind: Kind, field: &str) -> String {
    let (head, index) = match field.find('[') {
        Some(at) => field.split_at(at),
        None => (field, ""),
    };
    let head = head.split('.').next().unwrap_or(head);
    let property = kind
        .desc()
        .fields
        .iter()
        .find(|f| f.yaml == head)
        .and_then(|f| f.output_property());
    // The pool of a pooled object, and the user a grant is of, are read from its identity.
    let name = match (kind, head) {
        (Kind::Room | Kind::Category | Kind::Addin, "persistentChatPoolFqdn") => {
            "Identity".to_string()
        }
        (Kind::PolicyGrant, "identity") => "SipAddress".to_string(),
        _ => property.map_or_else(|| pascal(head), str::to_string),
    };
    format!("{name}{index}")
}

/// The snapshot of a state: what `collect.ps1` would write for a service configured so (the
/// inverse of `to_state`; pchat's own settings such as `lifecycle` have no place in it).
pub fn of_state(state: &DesiredState, collected_at: &str, server: &str) -> Snapshot {
    let pool_of = |p: &Option<String>| p.clone().unwrap_or_default();
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Snapshot {
        format: FORMAT,
        collected_at: collected_at.to_string(),
        server: server.to_string(),
        pools: pools_of(state),
        principals: principals_of(state),
        unresolved: vec![],
        categories: state
            .categories
            .iter()
            .map(|(id, c)| LiveCategory {
                identity: id.to_string(),
                name: c.name.clone(),
                description: text(&c.description),
                allowed_members: c.allowed_members.clone(),
                denied_members: c.denied_members.clone(),
                creators: c.creators.clone(),
                invites: c.invitations,
                file_upload: c.file_upload,
                chat_history: c.chat_history,
            })
            .collect(),
        addins: state
            .addins
            .iter()
            .map(|(id, a)| LiveAddin {
                identity: id.to_string(),
                name: a.name.clone(),
                url: a.url.clone(),
            })
            .collect(),
        rooms: state
            .rooms
            .iter()
            .map(|(id, r)| LiveRoom {
                identity: ObjectId::new(pool_of(&r.persistent_chat_pool_fqdn), id.name.clone())
                    .to_string(),
                name: r.name.clone(),
                category: r.category.clone(),
                description: text(&r.description),
                r#type: r.room_type,
                privacy: r.privacy,
                addin: r.addin.clone(),
                invitations: r.invitations,
                disabled: r.disabled,
                members: r.members.clone(),
                managers: r.managers.clone(),
                presenters: r.presenters.clone(),
                chat_content: state.facts.chat_content.contains(id),
            })
            .collect(),
        policies: state
            .policies
            .values()
            .map(|p| LivePolicy {
                identity: p.identity.clone(),
                enable_persistent_chat: p.enable_persistent_chat,
                description: text(&p.description),
            })
            .collect(),
        policy_grants: state
            .policy_grants
            .values()
            .map(|g| LiveGrant {
                sip_address: g.identity.clone(),
                persistent_chat_policy: g.policy_name.clone(),
            })
            .collect(),
        compliance_configurations: state
            .compliance_configurations
            .values()
            .map(|c| LiveCompliance {
                identity: c.identity.clone(),
                adapter_type: text(&c.adapter_type),
                adapter_name: text(&c.adapter_name),
                adapter_output_directory: text(&c.adapter_output_directory),
                run_interval: c.run_interval,
                one_chat_room_per_output_file: c.one_chat_room_per_output_file,
                add_chat_room_details: c.add_chat_room_details,
                add_user_details: c.add_user_details,
                create_file_attachments_manifest: c.create_file_attachments_manifest,
                custom_configuration: text(&c.custom_configuration),
            })
            .collect(),
        configurations: state
            .configurations
            .values()
            .map(|c| LiveConfiguration {
                identity: c.identity.clone(),
                default_chat_history: c.default_chat_history,
                participant_update_limit: c.participant_update_limit,
                max_file_size_kb: c.max_file_size_kb,
                room_management_url: c.room_management_url.clone(),
            })
            .collect(),
        endpoints: state
            .endpoints
            .values()
            .map(|e| LiveEndpoint {
                sip_address: e.sip_address.clone(),
                persistent_chat_pool_fqdn: pool_of(&e.persistent_chat_pool_fqdn),
                display_name: e.display_name.clone(),
            })
            .collect(),
        states: state
            .pools
            .values()
            .map(|p| {
                let id = ServiceId {
                    pool: p.fqdn.clone(),
                };
                LiveState {
                    pool_state: state
                        .states
                        .get(&id)
                        .map_or(PoolState::Normal, |s| s.pool_state),
                    identity: id,
                }
            })
            .collect(),
    }
}

/// The pools of a state as `Get-CsService -PersistentChatServer` gives them.
fn pools_of(state: &DesiredState) -> Vec<LivePool> {
    let active: BTreeMap<String, Vec<String>> = state
        .active_servers
        .iter()
        .map(|(k, a)| (k.pool.to_ascii_lowercase(), a.active_servers.clone()))
        .collect();
    state
        .pools
        .iter()
        .map(|(k, p)| LivePool {
            pool_fqdn: p.fqdn.clone(),
            site: p.site.clone(),
            servers: p.servers.clone(),
            active_servers: (!state.facts.unknown_active_servers.contains_key(k))
                .then(|| active.get(k).cloned().unwrap_or_else(|| p.servers.clone())),
        })
        .collect()
}

/// The directory of a state as collect.ps1 writes it from `Get-CsAdPrincipal`: names, classes,
/// SIP addresses and display names (group members, account states and sites are not read).
fn principals_of(state: &DesiredState) -> Vec<LivePrincipal> {
    state
        .principals
        .values()
        .map(|p| LivePrincipal {
            identity: p
                .distinguished_name
                .clone()
                .unwrap_or_else(|| p.identity().to_string()),
            object_class: match p.principal_type {
                PrincipalType::User => "user",
                PrincipalType::Group => "group",
                PrincipalType::OrganizationalUnit => "organizationalUnit",
            }
            .to_string(),
            sip_address: p.sip_address.clone(),
            display_name: p.display_name.clone(),
            enabled: None,
            site: None,
            members: None,
        })
        .collect()
}
