//! The per-kind diff: for each object, desired and live, decide create / update / replace /
//! delete / keep, and the operations and field diffs that say so.

use serde::Serialize;

use super::{Action, Change, Ignored, Live, Plan, Prune};
use crate::model::*;
use crate::ops::{ComplianceParams, ConfigurationParams, ListChange, Operation};

/// One field's difference, for people: a value from old to new, or a list's added and removed
/// entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldDiff {
    Value {
        field: String,
        old: String,
        new: String,
    },
    List {
        field: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

impl FieldDiff {
    pub fn field(&self) -> &str {
        match self {
            FieldDiff::Value { field, .. } | FieldDiff::List { field, .. } => field,
        }
    }
}

fn show<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

use crate::model::principal::key_or_text as key;

/// The fields of a new object that differ from their defaults, as added values.
fn created_fields<T: Serialize>(obj: &T) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(obj) {
        for (field, v) in map {
            if field == "lifecycle" {
                continue;
            }
            out.push(match v {
                serde_json::Value::Array(items) => FieldDiff::List {
                    field,
                    added: items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                        .collect(),
                    removed: vec![],
                },
                other => FieldDiff::Value {
                    field,
                    old: String::new(),
                    new: other.to_string(),
                },
            });
        }
    }
    out
}

/// Collects one object's field differences, leaving out (and recording) ignored ones.
struct Fields<'a> {
    diffs: Vec<FieldDiff>,
    ignore: &'a [String],
    ignored: Vec<(String, String, String)>,
}

impl<'a> Fields<'a> {
    fn new(ignore: &'a [String]) -> Self {
        Fields {
            diffs: Vec::new(),
            ignore,
            ignored: Vec::new(),
        }
    }

    /// Whether the field must be set.
    fn value<T: PartialEq + Serialize>(&mut self, field: &str, old: &T, new: &T) -> bool {
        if old == new {
            return false;
        }
        if self.ignore.iter().any(|f| f == field) {
            self.ignored.push((field.to_string(), show(old), show(new)));
            return false;
        }
        self.diffs.push(FieldDiff::Value {
            field: field.to_string(),
            old: show(old),
            new: show(new),
        });
        true
    }

    /// The add/remove change a list needs (entries compare as principals; order is not a change).
    fn list(&mut self, field: &str, old: &[String], new: &[String]) -> ListChange {
        let old_keys: Vec<String> = old.iter().map(|p| key(p)).collect();
        let new_keys: Vec<String> = new.iter().map(|p| key(p)).collect();
        let added: Vec<String> = new
            .iter()
            .zip(&new_keys)
            .filter(|(_, k)| !old_keys.contains(k))
            .map(|(p, _)| p.clone())
            .collect();
        let removed: Vec<String> = old
            .iter()
            .zip(&old_keys)
            .filter(|(_, k)| !new_keys.contains(k))
            .map(|(p, _)| p.clone())
            .collect();
        if added.is_empty() && removed.is_empty() {
            return ListChange::default();
        }
        if self.ignore.iter().any(|f| f == field) {
            self.ignored
                .push((field.to_string(), show(&old), show(&new)));
            return ListChange::default();
        }
        self.diffs.push(FieldDiff::List {
            field: field.to_string(),
            added: added.clone(),
            removed: removed.clone(),
        });
        ListChange {
            replace: None,
            add: added,
            remove: removed,
        }
    }
}

fn opt<T: Clone>(changed: bool, v: &T) -> Option<T> {
    changed.then(|| v.clone())
}

fn replace_list(list: &[String]) -> ListChange {
    ListChange {
        replace: None,
        add: list.to_vec(),
        remove: vec![],
    }
}

pub(super) struct Planner<'a> {
    live: Live<'a>,
    prune: Prune,
    upserts: Vec<Change>,
    deletes: Vec<Change>,
    kept: Vec<(Kind, String)>,
    ignored: Vec<Ignored>,
}

impl<'a> Planner<'a> {
    pub fn new(live: Live<'a>, prune: Prune) -> Self {
        Planner {
            live,
            prune,
            upserts: Vec::new(),
            deletes: Vec::new(),
            kept: Vec::new(),
            ignored: Vec::new(),
        }
    }

    pub fn finish(mut self) -> Plan {
        // Removals children first: the reverse of the kind order, each kind in identity order.
        self.deletes.sort_by(|a, b| {
            b.kind
                .cmp(&a.kind)
                .then_with(|| a.identity.cmp(&b.identity))
        });
        let mut changes = self.upserts;
        changes.extend(self.deletes);
        Plan {
            revision: self.live.revision,
            changes,
            kept: self.kept,
            ignored: self.ignored,
        }
    }

    fn managed(&self, kind: Kind, identity: &str) -> Option<bool> {
        self.live
            .managed
            .get(&(kind, identity.to_string()))
            .copied()
    }

    fn push(
        &mut self,
        action: Action,
        kind: Kind,
        identity: String,
        operations: Vec<Operation>,
        fields: Vec<FieldDiff>,
        protect: bool,
    ) {
        let managed = self.managed(kind, &identity);
        // An object the configuration still declares is protected as it says now (so
        // `protect: false` lifts the protection); a removed one as its last apply recorded.
        let protected = match action {
            Action::Delete => managed == Some(true),
            _ => protect,
        };
        let change = Change {
            action,
            kind,
            identity,
            operations,
            fields,
            protected,
            managed: managed.is_some(),
        };
        if action == Action::Delete {
            self.deletes.push(change);
        } else {
            self.upserts.push(change);
        }
    }

    /// An update if any field changed, or if the protection recorded for a managed object is
    /// not the configured one (that change is pchat's own record: it needs no cmdlet); ignored
    /// drift is recorded either way.
    fn update(
        &mut self,
        kind: Kind,
        identity: String,
        fields: Fields<'_>,
        op: Operation,
        protect: bool,
    ) {
        for (field, live, desired) in fields.ignored {
            self.ignored.push(Ignored {
                kind,
                identity: identity.clone(),
                field,
                live,
                desired,
            });
        }
        let mut diffs = fields.diffs;
        let operations = if diffs.is_empty() { vec![] } else { vec![op] };
        match self.managed(kind, &identity) {
            Some(recorded) if recorded != protect => diffs.push(FieldDiff::Value {
                field: "lifecycle.protect".into(),
                old: recorded.to_string(),
                new: protect.to_string(),
            }),
            _ => {}
        }
        if !diffs.is_empty() {
            self.push(Action::Update, kind, identity, operations, diffs, protect);
        }
    }

    /// A live object missing from the configuration: removed or kept, by the prune mode.
    fn gone(&mut self, kind: Kind, identity: String, op: Operation) {
        let managed = self.managed(kind, &identity);
        let remove = match (self.prune, managed) {
            (Prune::None, _) => false,
            (Prune::All, _) => true,
            (Prune::Managed, Some(_)) => true,
            (Prune::Managed, None) => false,
        };
        if remove {
            self.push(Action::Delete, kind, identity, vec![op], vec![], false);
        } else {
            self.kept.push((kind, identity));
        }
    }

    pub fn pools(&mut self, desired: &DesiredState) {
        for (k, d) in &desired.pools {
            let op = Operation::SetPool { pool: d.clone() };
            match self.live.state.pools.get(k) {
                None => self.push(
                    Action::Create,
                    Kind::Pool,
                    k.clone(),
                    vec![op],
                    created_fields(d),
                    false,
                ),
                Some(l) => {
                    let mut f = Fields::new(&[]);
                    f.value("site", &l.site, &d.site);
                    f.value("servers", &l.servers, &d.servers);
                    self.update(Kind::Pool, k.clone(), f, op, false);
                }
            }
        }
        // Pools are topology: never removed by a plan.
    }

    pub fn principals(&mut self, desired: &DesiredState) {
        for (k, d) in &desired.principals {
            let op = Operation::SetPrincipal {
                principal: d.clone(),
            };
            match self.live.state.principals.get(k) {
                None => self.push(
                    Action::Create,
                    Kind::Principal,
                    k.clone(),
                    vec![op],
                    created_fields(d),
                    false,
                ),
                Some(l) => {
                    let mut f = Fields::new(&[]);
                    f.value("type", &l.principal_type, &d.principal_type);
                    f.value("sipAddress", &l.sip_address, &d.sip_address);
                    f.value(
                        "distinguishedName",
                        &l.distinguished_name,
                        &d.distinguished_name,
                    );
                    f.value("displayName", &l.display_name, &d.display_name);
                    f.value("site", &l.site, &d.site);
                    f.value("enabled", &l.enabled, &d.enabled);
                    f.value("members", &l.members, &d.members);
                    self.update(Kind::Principal, k.clone(), f, op, false);
                }
            }
        }
        for k in self
            .live
            .state
            .principals
            .keys()
            .filter(|k| !desired.principals.contains_key(*k))
        {
            self.gone(
                Kind::Principal,
                k.clone(),
                Operation::RemovePrincipal { key: k.clone() },
            );
        }
    }

    pub fn categories(&mut self, desired: &DesiredState) {
        for (id, d) in &desired.categories {
            let protect = d.lifecycle.protect;
            match self.live.state.categories.get(id) {
                None => {
                    // New- cannot set the lists: a Set follows when there are any.
                    let mut ops = vec![Operation::NewCategory {
                        pool: Some(id.pool.clone()),
                        name: d.name.clone(),
                        description: d.description.clone(),
                        enable_invitations: d.invitations,
                        enable_file_upload: d.file_upload,
                        remove_chat_history: !d.chat_history,
                    }];
                    if !(d.allowed_members.is_empty()
                        && d.denied_members.is_empty()
                        && d.creators.is_empty())
                    {
                        ops.push(Operation::SetCategory {
                            identity: id.clone(),
                            description: None,
                            invitations: None,
                            file_upload: None,
                            chat_history: None,
                            allowed_members: replace_list(&d.allowed_members),
                            denied_members: replace_list(&d.denied_members),
                            creators: replace_list(&d.creators),
                        });
                    }
                    self.push(
                        Action::Create,
                        Kind::Category,
                        id.to_string(),
                        ops,
                        created_fields(d),
                        protect,
                    );
                }
                Some(l) => {
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    let description = f.value("description", &l.description, &d.description);
                    let invitations = f.value("invitations", &l.invitations, &d.invitations);
                    let file_upload = f.value("fileUpload", &l.file_upload, &d.file_upload);
                    let chat_history = f.value("chatHistory", &l.chat_history, &d.chat_history);
                    let allowed_members =
                        f.list("allowedMembers", &l.allowed_members, &d.allowed_members);
                    let denied_members =
                        f.list("deniedMembers", &l.denied_members, &d.denied_members);
                    let creators = f.list("creators", &l.creators, &d.creators);
                    let op = Operation::SetCategory {
                        identity: id.clone(),
                        description: opt(description, &d.description),
                        invitations: opt(invitations, &d.invitations),
                        file_upload: opt(file_upload, &d.file_upload),
                        chat_history: opt(chat_history, &d.chat_history),
                        allowed_members,
                        denied_members,
                        creators,
                    };
                    self.update(Kind::Category, id.to_string(), f, op, protect);
                }
            }
        }
        for id in self
            .live
            .state
            .categories
            .keys()
            .filter(|k| !desired.categories.contains_key(*k))
        {
            self.gone(
                Kind::Category,
                id.to_string(),
                Operation::RemoveCategory {
                    identity: id.clone(),
                },
            );
        }
    }

    pub fn addins(&mut self, desired: &DesiredState) {
        for (id, d) in &desired.addins {
            let protect = d.lifecycle.protect;
            match self.live.state.addins.get(id) {
                None => {
                    let op = Operation::NewAddin {
                        pool: Some(id.pool.clone()),
                        name: d.name.clone(),
                        url: d.url.clone(),
                    };
                    self.push(
                        Action::Create,
                        Kind::Addin,
                        id.to_string(),
                        vec![op],
                        created_fields(d),
                        protect,
                    );
                }
                Some(l) => {
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    let url = f.value("url", &l.url, &d.url);
                    let op = Operation::SetAddin {
                        identity: id.clone(),
                        url: opt(url, &d.url),
                    };
                    self.update(Kind::Addin, id.to_string(), f, op, protect);
                }
            }
        }
        for id in self
            .live
            .state
            .addins
            .keys()
            .filter(|k| !desired.addins.contains_key(*k))
        {
            // Rooms still showing it are detached by the service (and by the plan's room changes).
            self.gone(
                Kind::Addin,
                id.to_string(),
                Operation::RemoveAddin {
                    identity: id.clone(),
                    force: true,
                },
            );
        }
    }

    pub fn rooms(&mut self, desired: &DesiredState) {
        for (id, d) in &desired.rooms {
            let protect = d.lifecycle.protect;
            match self.live.state.rooms.get(id) {
                None => {
                    let mut ops = vec![Operation::NewRoom {
                        pool: Some(id.pool.clone()),
                        name: d.name.clone(),
                        category: d.category.clone(),
                        description: d.description.clone(),
                        room_type: d.room_type,
                        privacy: d.privacy,
                        addin: d.addin.clone(),
                        invitations: d.invitations,
                        disabled: d.disabled,
                    }];
                    if !(d.members.is_empty() && d.managers.is_empty() && d.presenters.is_empty()) {
                        ops.push(Operation::SetRoom {
                            identity: id.clone(),
                            category: None,
                            description: None,
                            room_type: None,
                            privacy: None,
                            addin: None,
                            invitations: None,
                            disabled: None,
                            members: replace_list(&d.members),
                            managers: replace_list(&d.managers),
                            presenters: replace_list(&d.presenters),
                        });
                    }
                    self.push(
                        Action::Create,
                        Kind::Room,
                        id.to_string(),
                        ops,
                        created_fields(d),
                        protect,
                    );
                }
                Some(l) => {
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    let category = f.value("category", &l.category, &d.category);
                    let description = f.value("description", &l.description, &d.description);
                    let room_type = f.value("type", &l.room_type, &d.room_type);
                    let privacy = f.value("privacy", &l.privacy, &d.privacy);
                    let addin = f.value("addin", &l.addin, &d.addin);
                    let invitations = f.value("invitations", &l.invitations, &d.invitations);
                    let disabled = f.value("disabled", &l.disabled, &d.disabled);
                    let members = f.list("members", &l.members, &d.members);
                    let managers = f.list("managers", &l.managers, &d.managers);
                    let presenters = f.list("presenters", &l.presenters, &d.presenters);
                    let op = Operation::SetRoom {
                        identity: id.clone(),
                        category: opt(category, &d.category),
                        description: opt(description, &d.description),
                        room_type: opt(room_type, &d.room_type),
                        privacy: opt(privacy, &d.privacy),
                        addin: opt(addin, &d.addin),
                        invitations: opt(invitations, &d.invitations),
                        disabled: opt(disabled, &d.disabled),
                        members,
                        managers,
                        presenters,
                    };
                    self.update(Kind::Room, id.to_string(), f, op, protect);
                }
            }
        }
        for id in self
            .live
            .state
            .rooms
            .keys()
            .filter(|k| !desired.rooms.contains_key(*k))
        {
            self.gone(
                Kind::Room,
                id.to_string(),
                Operation::RemoveRoom {
                    identity: id.clone(),
                },
            );
        }
    }

    pub fn policies(&mut self, desired: &DesiredState) {
        for (scope, d) in &desired.policies {
            let protect = d.lifecycle.protect;
            match self.live.state.policies.get(scope) {
                None if *scope != Scope::Global => {
                    let op = Operation::NewPolicy {
                        identity: scope.clone(),
                        enable_persistent_chat: d.enable_persistent_chat,
                        description: d.description.clone(),
                    };
                    self.push(
                        Action::Create,
                        Kind::Policy,
                        scope.to_string(),
                        vec![op],
                        created_fields(d),
                        protect,
                    );
                }
                live => {
                    let defaults = PersistentChatPolicy::defaults(Scope::Global);
                    let l = live.unwrap_or(&defaults);
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    let enable = f.value(
                        "enablePersistentChat",
                        &l.enable_persistent_chat,
                        &d.enable_persistent_chat,
                    );
                    let description = f.value("description", &l.description, &d.description);
                    let op = Operation::SetPolicy {
                        identity: scope.clone(),
                        enable_persistent_chat: opt(enable, &d.enable_persistent_chat),
                        description: opt(description, &d.description),
                    };
                    self.update(Kind::Policy, scope.to_string(), f, op, protect);
                }
            }
        }
        for (scope, l) in self
            .live
            .state
            .policies
            .iter()
            .filter(|(k, _)| !desired.policies.contains_key(*k))
        {
            if *scope == Scope::Global {
                // A singleton: dropping a managed one resets it.
                let defaults = PersistentChatPolicy::defaults(Scope::Global);
                if self.managed(Kind::Policy, "global").is_some() && *l != defaults {
                    let mut f = Fields::new(&[]);
                    f.value(
                        "enablePersistentChat",
                        &l.enable_persistent_chat,
                        &defaults.enable_persistent_chat,
                    );
                    f.value("description", &l.description, &defaults.description);
                    self.update(
                        Kind::Policy,
                        "global".into(),
                        f,
                        Operation::RemovePolicy {
                            identity: Scope::Global,
                            force: false,
                        },
                        false,
                    );
                }
                continue;
            }
            self.gone(
                Kind::Policy,
                scope.to_string(),
                Operation::RemovePolicy {
                    identity: scope.clone(),
                    force: true,
                },
            );
        }
    }

    pub fn grants(&mut self, desired: &DesiredState) {
        for (k, d) in &desired.policy_grants {
            let op = Operation::GrantPolicy {
                user: d.identity.clone(),
                policy_name: Some(d.policy_name.clone()),
            };
            match self.live.state.policy_grants.get(k) {
                None => self.push(
                    Action::Create,
                    Kind::PolicyGrant,
                    k.clone(),
                    vec![op],
                    created_fields(d),
                    d.lifecycle.protect,
                ),
                Some(l) => {
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    f.value("policyName", &l.policy_name, &d.policy_name);
                    self.update(Kind::PolicyGrant, k.clone(), f, op, d.lifecycle.protect);
                }
            }
        }
        for (k, l) in self
            .live
            .state
            .policy_grants
            .iter()
            .filter(|(k, _)| !desired.policy_grants.contains_key(*k))
        {
            self.gone(
                Kind::PolicyGrant,
                k.clone(),
                Operation::GrantPolicy {
                    user: l.identity.clone(),
                    policy_name: None,
                },
            );
        }
    }

    pub fn compliance(&mut self, desired: &DesiredState) {
        let params = |f: &mut Fields<'_>,
                      l: &ComplianceConfiguration,
                      d: &ComplianceConfiguration| ComplianceParams {
            adapter_type: opt(
                f.value("adapterType", &l.adapter_type, &d.adapter_type),
                &d.adapter_type,
            ),
            adapter_name: opt(
                f.value("adapterName", &l.adapter_name, &d.adapter_name),
                &d.adapter_name,
            ),
            adapter_output_directory: opt(
                f.value(
                    "adapterOutputDirectory",
                    &l.adapter_output_directory,
                    &d.adapter_output_directory,
                ),
                &d.adapter_output_directory,
            ),
            run_interval: opt(
                f.value("runInterval", &l.run_interval, &d.run_interval),
                &d.run_interval,
            ),
            one_chat_room_per_output_file: opt(
                f.value(
                    "oneChatRoomPerOutputFile",
                    &l.one_chat_room_per_output_file,
                    &d.one_chat_room_per_output_file,
                ),
                &d.one_chat_room_per_output_file,
            ),
            add_chat_room_details: opt(
                f.value(
                    "addChatRoomDetails",
                    &l.add_chat_room_details,
                    &d.add_chat_room_details,
                ),
                &d.add_chat_room_details,
            ),
            add_user_details: opt(
                f.value("addUserDetails", &l.add_user_details, &d.add_user_details),
                &d.add_user_details,
            ),
            create_file_attachments_manifest: opt(
                f.value(
                    "createFileAttachmentsManifest",
                    &l.create_file_attachments_manifest,
                    &d.create_file_attachments_manifest,
                ),
                &d.create_file_attachments_manifest,
            ),
            custom_configuration: opt(
                f.value(
                    "customConfiguration",
                    &l.custom_configuration,
                    &d.custom_configuration,
                ),
                &d.custom_configuration,
            ),
        };
        for (scope, d) in &desired.compliance_configurations {
            let protect = d.lifecycle.protect;
            let live = self.live.state.compliance_configurations.get(scope);
            let exists = live.is_some() || *scope == Scope::Global;
            let base = live
                .cloned()
                .unwrap_or_else(|| ComplianceConfiguration::defaults(scope.clone()));
            let mut f = Fields::new(if exists {
                &d.lifecycle.ignore_changes
            } else {
                &[]
            });
            let p = params(&mut f, &base, d);
            if exists {
                let op = Operation::SetComplianceConfiguration {
                    identity: scope.clone(),
                    params: p,
                };
                self.update(
                    Kind::ComplianceConfiguration,
                    scope.to_string(),
                    f,
                    op,
                    protect,
                );
            } else {
                let op = Operation::NewComplianceConfiguration {
                    identity: scope.clone(),
                    params: p,
                };
                self.push(
                    Action::Create,
                    Kind::ComplianceConfiguration,
                    scope.to_string(),
                    vec![op],
                    created_fields(d),
                    protect,
                );
            }
        }
        for (scope, l) in self
            .live
            .state
            .compliance_configurations
            .iter()
            .filter(|(k, _)| !desired.compliance_configurations.contains_key(*k))
        {
            if *scope == Scope::Global {
                let defaults = ComplianceConfiguration::defaults(Scope::Global);
                if self
                    .managed(Kind::ComplianceConfiguration, "global")
                    .is_some()
                    && *l != defaults
                {
                    let mut f = Fields::new(&[]);
                    params(&mut f, l, &defaults);
                    let op = Operation::RemoveComplianceConfiguration {
                        identity: Scope::Global,
                    };
                    self.update(Kind::ComplianceConfiguration, "global".into(), f, op, false);
                }
                continue;
            }
            self.gone(
                Kind::ComplianceConfiguration,
                scope.to_string(),
                Operation::RemoveComplianceConfiguration {
                    identity: scope.clone(),
                },
            );
        }
    }

    pub fn configurations(&mut self, desired: &DesiredState) {
        let params = |f: &mut Fields<'_>,
                      l: &PersistentChatConfiguration,
                      d: &PersistentChatConfiguration| ConfigurationParams {
            default_chat_history: opt(
                f.value(
                    "defaultChatHistory",
                    &l.default_chat_history,
                    &d.default_chat_history,
                ),
                &d.default_chat_history,
            ),
            participant_update_limit: opt(
                f.value(
                    "participantUpdateLimit",
                    &l.participant_update_limit,
                    &d.participant_update_limit,
                ),
                &d.participant_update_limit,
            ),
            max_file_size_kb: opt(
                f.value("maxFileSizeKB", &l.max_file_size_kb, &d.max_file_size_kb),
                &d.max_file_size_kb,
            ),
            room_management_url: opt(
                f.value(
                    "roomManagementUrl",
                    &l.room_management_url,
                    &d.room_management_url,
                ),
                &d.room_management_url,
            ),
        };
        for (scope, d) in &desired.configurations {
            let protect = d.lifecycle.protect;
            let live = self.live.state.configurations.get(scope);
            let exists = live.is_some() || *scope == Scope::Global;
            let base = live
                .cloned()
                .unwrap_or_else(|| PersistentChatConfiguration::defaults(scope.clone()));
            let mut f = Fields::new(if exists {
                &d.lifecycle.ignore_changes
            } else {
                &[]
            });
            let p = params(&mut f, &base, d);
            if exists {
                let op = Operation::SetConfiguration {
                    identity: scope.clone(),
                    params: p,
                };
                self.update(Kind::Configuration, scope.to_string(), f, op, protect);
            } else {
                let op = Operation::NewConfiguration {
                    identity: scope.clone(),
                    params: p,
                };
                self.push(
                    Action::Create,
                    Kind::Configuration,
                    scope.to_string(),
                    vec![op],
                    created_fields(d),
                    protect,
                );
            }
        }
        for (scope, l) in self
            .live
            .state
            .configurations
            .iter()
            .filter(|(k, _)| !desired.configurations.contains_key(*k))
        {
            if *scope == Scope::Global {
                let defaults = PersistentChatConfiguration::defaults(Scope::Global);
                if self.managed(Kind::Configuration, "global").is_some() && *l != defaults {
                    let mut f = Fields::new(&[]);
                    params(&mut f, l, &defaults);
                    self.update(
                        Kind::Configuration,
                        "global".into(),
                        f,
                        Operation::RemoveConfiguration {
                            identity: Scope::Global,
                        },
                        false,
                    );
                }
                continue;
            }
            self.gone(
                Kind::Configuration,
                scope.to_string(),
                Operation::RemoveConfiguration {
                    identity: scope.clone(),
                },
            );
        }
    }

    pub fn endpoints(&mut self, desired: &DesiredState) {
        for (k, d) in &desired.endpoints {
            let new = Operation::NewEndpoint {
                sip_address: d.sip_address.clone(),
                pool: d.persistent_chat_pool_fqdn.clone(),
                display_name: d.display_name.clone(),
            };
            match self.live.state.endpoints.get(k) {
                None => self.push(
                    Action::Create,
                    Kind::Endpoint,
                    k.clone(),
                    vec![new],
                    created_fields(d),
                    d.lifecycle.protect,
                ),
                Some(l) => {
                    // No Set- for endpoints: a change is a Remove and a New.
                    let mut f = Fields::new(&d.lifecycle.ignore_changes);
                    f.value(
                        "persistentChatPoolFqdn",
                        &l.persistent_chat_pool_fqdn,
                        &d.persistent_chat_pool_fqdn,
                    );
                    f.value("displayName", &l.display_name, &d.display_name);
                    for (field, live, desired) in std::mem::take(&mut f.ignored) {
                        self.ignored.push(Ignored {
                            kind: Kind::Endpoint,
                            identity: k.clone(),
                            field,
                            live,
                            desired,
                        });
                    }
                    if !f.diffs.is_empty() {
                        let remove = Operation::RemoveEndpoint {
                            sip_address: l.sip_address.clone(),
                        };
                        self.push(
                            Action::Replace,
                            Kind::Endpoint,
                            k.clone(),
                            vec![remove, new],
                            f.diffs,
                            d.lifecycle.protect,
                        );
                    }
                }
            }
        }
        for (k, l) in self
            .live
            .state
            .endpoints
            .iter()
            .filter(|(k, _)| !desired.endpoints.contains_key(*k))
        {
            self.gone(
                Kind::Endpoint,
                k.clone(),
                Operation::RemoveEndpoint {
                    sip_address: l.sip_address.clone(),
                },
            );
        }
    }

    pub fn states(&mut self, desired: &DesiredState) {
        for (id, l) in &self.live.state.states {
            let d = desired.states.get(id);
            let target = match d {
                Some(d) => d.pool_state,
                // A singleton: dropping a managed one resets it.
                None if self.managed(Kind::State, &id.to_string()).is_some() => PoolState::Normal,
                None => continue,
            };
            let ignore = d.map_or(&[][..], |d| &d.lifecycle.ignore_changes[..]);
            let mut f = Fields::new(ignore);
            f.value("poolState", &l.pool_state, &target);
            let op = Operation::SetState {
                identity: id.clone(),
                pool_state: target,
            };
            self.update(Kind::State, id.to_string(), f, op, false);
        }
        // A state of a pool the store does not have yet: the pool's creation brings a Normal one.
        for (id, d) in desired
            .states
            .iter()
            .filter(|(k, _)| !self.live.state.states.contains_key(*k))
        {
            if d.pool_state != PoolState::Normal {
                let mut f = Fields::new(&[]);
                f.value("poolState", &PoolState::Normal, &d.pool_state);
                let op = Operation::SetState {
                    identity: id.clone(),
                    pool_state: d.pool_state,
                };
                self.update(Kind::State, id.to_string(), f, op, false);
            }
        }
    }

    pub fn active_servers(&mut self, desired: &DesiredState) {
        let pool_servers = |id: &ServiceId| -> Vec<String> {
            desired
                .pools
                .get(&id.pool.to_ascii_lowercase())
                .or_else(|| self.live.state.pools.get(&id.pool.to_ascii_lowercase()))
                .map(|p| p.servers.clone())
                .unwrap_or_default()
        };
        let mut ids: Vec<&ServiceId> = self.live.state.active_servers.keys().collect();
        ids.extend(
            desired
                .active_servers
                .keys()
                .filter(|k| !self.live.state.active_servers.contains_key(*k)),
        );
        for id in ids {
            let d = desired.active_servers.get(id);
            let live = self
                .live
                .state
                .active_servers
                .get(id)
                .map(|a| a.active_servers.clone())
                // A pool the plan creates starts with every server active.
                .unwrap_or_else(|| pool_servers(id));
            let target = match d {
                Some(d) => d.active_servers.clone(),
                None if self.managed(Kind::ActiveServers, &id.to_string()).is_some() => {
                    pool_servers(id)
                }
                None => continue,
            };
            let ignore = d.map_or(&[][..], |d| &d.lifecycle.ignore_changes[..]);
            let mut f = Fields::new(ignore);
            let change = f.list("activeServers", &live, &target);
            let op = Operation::SetActiveServer {
                identity: id.clone(),
                active_servers: change,
                swap: false,
            };
            self.update(Kind::ActiveServers, id.to_string(), f, op, false);
        }
    }
}
