//! An operation as the cmdlet call it stands for: its kind, its cmdlet (from the kind layer) and
//! its parameters in the order the help pages list them. Renderers print these; they never take
//! an operation apart themselves.

use super::*;

/// A parameter's value, typed as the cmdlet takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Text(&'a str),
    /// A text made for the call (an identity, a TimeSpan).
    Owned(String),
    Bool(bool),
    Number(u32),
    /// An enum value, written bare (`-Privacy Open`).
    Enum(&'static str),
    /// A switch parameter, present or not (`-Force`).
    Switch,
    /// `-Confirm:$False`.
    NoConfirm,
    /// `$null`: clears the value.
    Null,
    List(&'a ListChange),
}

/// One `-Name value` of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    pub name: &'static str,
    pub value: Value<'a>,
}

/// Collects parameters, leaving out what the call does not send.
#[derive(Default)]
struct Params<'a>(Vec<Param<'a>>);

impl<'a> Params<'a> {
    fn put(&mut self, name: &'static str, value: Value<'a>) -> &mut Self {
        self.0.push(Param { name, value });
        self
    }
    fn text(&mut self, name: &'static str, v: &'a str) -> &mut Self {
        self.put(name, Value::Text(v))
    }
    fn id(&mut self, v: impl ToString) -> &mut Self {
        self.put("Identity", Value::Owned(v.to_string()))
    }
    fn some<T>(
        &mut self,
        name: &'static str,
        v: Option<T>,
        f: impl FnOnce(T) -> Value<'a>,
    ) -> &mut Self {
        if let Some(v) = v {
            self.put(name, f(v));
        }
        self
    }
    fn opt_text(&mut self, name: &'static str, v: &'a Option<String>) -> &mut Self {
        self.some(name, v.as_deref(), Value::Text)
    }
    /// New- leaves an empty text out: it is the default.
    fn nonempty(&mut self, name: &'static str, v: &'a str) -> &mut Self {
        self.some(name, (!v.is_empty()).then_some(v), Value::Text)
    }
    fn opt_bool(&mut self, name: &'static str, v: &Option<bool>) -> &mut Self {
        self.some(name, *v, Value::Bool)
    }
    fn switch(&mut self, name: &'static str, on: bool) -> &mut Self {
        self.some(name, on.then_some(()), |_| Value::Switch)
    }
    /// `Some(None)` is `$null`.
    fn clearable(&mut self, name: &'static str, v: &'a Option<Option<String>>) -> &mut Self {
        self.some(name, v.as_ref(), |v| {
            v.as_deref().map_or(Value::Null, Value::Text)
        })
    }
    fn list(&mut self, name: &'static str, v: &'a ListChange) -> &mut Self {
        self.some(name, (!v.is_empty()).then_some(v), Value::List)
    }
    fn remove(&mut self, identity: impl ToString, force: bool) -> &mut Self {
        self.id(identity)
            .put("Confirm", Value::NoConfirm)
            .switch("Force", force)
    }
}

/// A pool's service as the help pages write it: `PersistentChatServer:POOL_FQDN`.
fn service(pool: &str) -> String {
    format!("{}{pool}", crate::model::identity::SERVICE_PREFIX)
}

/// A policy's identity as the help pages write it: a per-user policy by its bare name
/// (`-Identity 'RedmondPersistentChatPolicy'`), the others as they are.
fn policy_identity(scope: &Scope) -> String {
    match scope {
        Scope::Tag(name) => name.clone(),
        other => other.to_string(),
    }
}

fn compliance<'a>(p: &mut Params<'a>, c: &'a ComplianceParams) {
    p.opt_text("AdapterType", &c.adapter_type)
        .opt_text("AdapterName", &c.adapter_name)
        .opt_text("AdapterOutputDirectory", &c.adapter_output_directory)
        .some("RunInterval", c.run_interval, |t| {
            Value::Owned(t.to_string())
        })
        .opt_bool("OneChatRoomPerOutputFile", &c.one_chat_room_per_output_file)
        .opt_bool("AddChatRoomDetails", &c.add_chat_room_details)
        .opt_bool("AddUserDetails", &c.add_user_details)
        .opt_bool(
            "CreateFileAttachmentsManifest",
            &c.create_file_attachments_manifest,
        )
        .opt_text("CustomConfiguration", &c.custom_configuration);
}

fn configuration<'a>(p: &mut Params<'a>, c: &'a ConfigurationParams) {
    p.some("DefaultChatHistory", c.default_chat_history, Value::Number)
        .some(
            "ParticipantUpdateLimit",
            c.participant_update_limit,
            Value::Number,
        )
        .some("MaxFileSizeKB", c.max_file_size_kb, Value::Number)
        .clearable("RoomManagementUrl", &c.room_management_url);
}

impl Operation {
    /// The kind of object this operation changes.
    pub fn kind(&self) -> Kind {
        use Operation::*;
        match self {
            SetPool { .. } => Kind::Pool,
            SetPrincipal { .. } | RemovePrincipal { .. } => Kind::Principal,
            NewCategory { .. } | SetCategory { .. } | RemoveCategory { .. } => Kind::Category,
            NewRoom { .. } | SetRoom { .. } | RemoveRoom { .. } => Kind::Room,
            NewAddin { .. } | SetAddin { .. } | RemoveAddin { .. } => Kind::Addin,
            NewPolicy { .. } | SetPolicy { .. } | RemovePolicy { .. } => Kind::Policy,
            GrantPolicy { .. } => Kind::PolicyGrant,
            NewComplianceConfiguration { .. }
            | SetComplianceConfiguration { .. }
            | RemoveComplianceConfiguration { .. } => Kind::ComplianceConfiguration,
            NewConfiguration { .. } | SetConfiguration { .. } | RemoveConfiguration { .. } => {
                Kind::Configuration
            }
            NewEndpoint { .. } | RemoveEndpoint { .. } => Kind::Endpoint,
            SetState { .. } => Kind::State,
            SetActiveServer { .. } => Kind::ActiveServers,
        }
    }

    /// The parameters of the call, in the order the help pages list them; what is left unset is
    /// not sent. Steps that are no cmdlet call have none.
    pub fn params(&self) -> Vec<Param<'_>> {
        let mut p = Params::default();
        match self.kind() {
            Kind::Category | Kind::Room => self.category_or_room(&mut p),
            _ => self.settings(&mut p),
        }
        p.0
    }

    fn category_or_room<'a>(&'a self, p: &mut Params<'a>) {
        use Operation::*;
        match self {
            NewCategory {
                pool,
                name,
                description,
                enable_invitations: inv,
                enable_file_upload: upload,
                remove_chat_history: history,
            } => {
                p.text("Name", name)
                    .opt_text("PersistentChatPoolFqdn", pool)
                    .nonempty("Description", description)
                    .switch("EnableInvitations", *inv)
                    .switch("EnableFileUpload", *upload)
                    .switch("RemoveChatHistory", *history);
            }
            SetCategory {
                identity: id,
                name: n,
                description: d,
                invitations: i,
                file_upload: f,
                chat_history: h,
                allowed_members: a,
                denied_members: x,
                creators: c,
            } => {
                p.id(id)
                    .opt_text("Name", n)
                    .opt_text("Description", d)
                    .opt_bool("Invitations", i);
                p.opt_bool("FileUpload", f).opt_bool("ChatHistory", h);
                p.list("AllowedMembers", a)
                    .list("DeniedMembers", x)
                    .list("Creators", c);
            }
            RemoveCategory { identity } | RemoveRoom { identity } => {
                p.remove(identity, false);
            }
            NewRoom {
                pool,
                name,
                category,
                description,
                room_type,
                privacy,
                addin,
                invitations,
                disabled,
            } => {
                p.text("Name", name)
                    .opt_text("PersistentChatPoolFqdn", pool);
                p.text("Category", category)
                    .nonempty("Description", description);
                p.put("Type", Value::Enum(room_type.as_str()));
                p.put("Privacy", Value::Enum(privacy.as_str()));
                p.opt_text("Addin", addin);
                p.put("Invitations", Value::Enum(invitations.as_str()));
                p.some("Disabled", disabled.then_some(true), Value::Bool);
            }
            SetRoom {
                identity,
                name,
                category,
                description,
                room_type,
                privacy,
                addin,
                invitations,
                disabled,
                members,
                managers,
                presenters,
            } => {
                p.id(identity)
                    .opt_text("Name", name)
                    .opt_text("Category", category)
                    .opt_text("Description", description);
                p.some("Type", *room_type, |t| Value::Enum(t.as_str()));
                p.some("Privacy", *privacy, |t| Value::Enum(t.as_str()));
                p.clearable("Addin", addin);
                p.some("Invitations", *invitations, |t| Value::Enum(t.as_str()));
                p.opt_bool("Disabled", disabled);
                p.list("Members", members)
                    .list("Managers", managers)
                    .list("Presenters", presenters);
            }
            _ => unreachable!("category_or_room() takes category and room operations"),
        }
    }

    fn settings<'a>(&'a self, p: &mut Params<'a>) {
        use Operation::*;
        match self {
            SetPool { .. } | SetPrincipal { .. } | RemovePrincipal { .. } => {}
            NewAddin { pool, name, url } => {
                p.text("Name", name)
                    .opt_text("PersistentChatPoolFqdn", pool)
                    .text("Url", url);
            }
            SetAddin {
                identity,
                name,
                url,
            } => {
                p.id(identity).opt_text("Name", name).opt_text("Url", url);
            }
            RemoveAddin { identity, force } => {
                p.remove(identity, *force);
            }
            NewPolicy {
                identity,
                enable_persistent_chat,
                description,
            } => {
                p.id(policy_identity(identity))
                    .put("EnablePersistentChat", Value::Bool(*enable_persistent_chat));
                p.nonempty("Description", description);
            }
            SetPolicy {
                identity,
                enable_persistent_chat,
                description,
            } => {
                p.id(policy_identity(identity))
                    .opt_bool("EnablePersistentChat", enable_persistent_chat);
                p.opt_text("Description", description);
            }
            RemovePolicy { identity, force } => {
                p.remove(policy_identity(identity), *force);
            }
            GrantPolicy { user, policy_name } => {
                p.text("Identity", user);
                p.put(
                    "PolicyName",
                    policy_name.as_deref().map_or(Value::Null, Value::Text),
                );
            }
            NewComplianceConfiguration { identity, params }
            | SetComplianceConfiguration { identity, params } => {
                compliance(p.id(identity), params);
            }
            NewConfiguration { identity, params } | SetConfiguration { identity, params } => {
                configuration(p.id(identity), params);
            }
            RemoveComplianceConfiguration { identity } | RemoveConfiguration { identity } => {
                p.remove(identity, false);
            }
            NewEndpoint {
                sip_address,
                pool,
                display_name,
            } => {
                p.text("SipAddress", sip_address)
                    .opt_text("PersistentChatPoolFqdn", pool);
                p.opt_text("DisplayName", display_name);
            }
            RemoveEndpoint { sip_address } => {
                p.remove(sip_address, false);
            }
            SetState {
                identity,
                pool_state,
            } => {
                p.id(service(&identity.pool))
                    .put("PoolState", Value::Enum(pool_state.as_str()));
            }
            SetActiveServer {
                identity,
                active_servers,
                swap,
            } => {
                p.id(service(&identity.pool))
                    .list("ActiveServers", active_servers);
                p.switch("Swap", *swap);
            }
            _ => unreachable!("settings() takes no category or room operation"),
        }
    }
}
