//! What each cmdlet does to the state, and what it refuses.

use std::collections::HashSet;

use super::*;
use crate::model::principal::{principal_key, RefKind};
use crate::model::rules::{self, Severity, Violation};
use crate::suggest::nearest;

/// What happened to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Created,
    Updated,
    Removed,
}

/// An object an operation changed, by kind and identity (store keys for grants and endpoints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    Pool(String, Effect),
    Principal(String, Effect),
    Category(ObjectId, Effect),
    Room(ObjectId, Effect),
    Addin(ObjectId, Effect),
    Policy(Scope, Effect),
    Grant(String, Effect),
    ComplianceConfiguration(Scope, Effect),
    Configuration(Scope, Effect),
    Endpoint(String, Effect),
    State(ServiceId),
    ActiveServers(ServiceId),
}

/// Why an operation was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{kind} `{identity}` does not exist{}", hint(.help))]
    NotFound {
        kind: Kind,
        identity: String,
        help: Option<String>,
    },
    #[error("{kind} `{identity}` already exists")]
    Exists { kind: Kind, identity: String },
    /// A rule of the service about this change (e.g. a category that still has rooms).
    #[error("{0}")]
    Rule(String),
    /// Allowed only with `--force`.
    #[error("{0}; pass --force to do it anyway")]
    NeedsForce(String),
    /// The change would break rules of the model.
    #[error("{}", violations_text(.0))]
    Violations(Vec<Violation>),
}

fn hint(help: &Option<String>) -> String {
    help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

fn violations_text(v: &[Violation]) -> String {
    v.iter()
        .map(|v| {
            let field = v
                .field
                .as_ref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            let help = v
                .help
                .as_ref()
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            format!("{} `{}`{field}: {}{help}", v.kind, v.identity, v.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn not_found<'a>(
    kind: Kind,
    identity: impl ToString,
    known: impl IntoIterator<Item = &'a str>,
) -> Refusal {
    let identity = identity.to_string();
    let help = nearest(&identity, known).map(|n| format!("did you mean `{n}`?"));
    Refusal::NotFound {
        kind,
        identity,
        help,
    }
}

/// `NotFound` for an identity missing from one of the state's maps, suggesting the nearest key.
fn missing<K: std::fmt::Display, V>(
    kind: Kind,
    identity: impl ToString,
    map: &std::collections::BTreeMap<K, V>,
) -> Refusal {
    let known: Vec<String> = map.keys().map(|k| k.to_string()).collect();
    not_found(kind, identity, known.iter().map(String::as_str))
}

/// The pool a new object goes to: the one named (it must be declared) or the only one.
fn new_pool(state: &DesiredState, given: Option<&str>) -> Result<String, Refusal> {
    match given {
        Some(p) => state
            .declared_pool(p)
            .map(str::to_string)
            .ok_or_else(|| not_found(Kind::Pool, p, state.pools.values().map(|p| p.fqdn.as_str()))),
        None => state.resolve_pool(None).ok_or_else(|| {
            Refusal::Rule(format!(
                "name the pool with --persistent-chat-pool-fqdn: {} pools exist",
                state.pools.len()
            ))
        }),
    }
}

fn set<T>(target: &mut T, value: &Option<T>)
where
    T: Clone,
{
    if let Some(v) = value {
        *target = v.clone();
    }
}

/// Applies one operation to the state.
///
/// # Errors
/// A [`Refusal`] when the service would refuse the call; the state may then be partly changed
/// and must be dropped (callers work on a copy or roll back).
pub fn apply(state: &mut DesiredState, op: &Operation) -> Result<Vec<Touched>, Refusal> {
    use Effect::*;
    use Operation::*;
    match op {
        SetPool { pool } => {
            let key = pool.fqdn.to_ascii_lowercase();
            let effect = if state.pools.contains_key(&key) {
                Updated
            } else {
                Created
            };
            state.pools.insert(key.clone(), pool.clone());
            if effect == Created {
                let id = ServiceId {
                    pool: pool.fqdn.clone(),
                };
                state
                    .states
                    .entry(id.clone())
                    .or_insert_with(|| PersistentChatState {
                        identity: id.clone(),
                        pool_state: PoolState::Normal,
                        lifecycle: Lifecycle::default(),
                    });
                state
                    .active_servers
                    .entry(id.clone())
                    .or_insert_with(|| ActiveServers {
                        identity: id,
                        active_servers: pool.servers.clone(),
                        lifecycle: Lifecycle::default(),
                    });
            }
            Ok(vec![Touched::Pool(key, effect)])
        }
        SetPrincipal { principal } => {
            let key = principal_key(principal.identity())
                .map_or_else(|_| principal.identity().to_string(), |(_, k)| k);
            let effect = if state.principals.contains_key(&key) {
                Updated
            } else {
                Created
            };
            state.principals.insert(key.clone(), principal.clone());
            Ok(vec![Touched::Principal(key, effect)])
        }
        RemovePrincipal { key } => {
            if state.principals.remove(key).is_none() {
                let known: Vec<String> = state.principals.keys().cloned().collect();
                return Err(not_found(
                    Kind::Principal,
                    key,
                    known.iter().map(String::as_str),
                ));
            }
            Ok(vec![Touched::Principal(key.clone(), Removed)])
        }
        NewCategory {
            pool,
            name,
            description,
            enable_invitations,
            enable_file_upload,
            remove_chat_history,
        } => {
            let pool = new_pool(state, pool.as_deref())?;
            let id = ObjectId::new(pool.clone(), name.clone());
            if state.categories.contains_key(&id) {
                return Err(Refusal::Exists {
                    kind: Kind::Category,
                    identity: id.to_string(),
                });
            }
            state.categories.insert(
                id.clone(),
                Category {
                    name: name.clone(),
                    persistent_chat_pool_fqdn: Some(pool),
                    description: description.clone(),
                    allowed_members: vec![],
                    denied_members: vec![],
                    creators: vec![],
                    invitations: *enable_invitations,
                    file_upload: *enable_file_upload,
                    chat_history: !remove_chat_history,
                    lifecycle: Lifecycle::default(),
                },
            );
            Ok(vec![Touched::Category(id, Created)])
        }
        SetCategory {
            identity,
            description,
            invitations,
            file_upload,
            chat_history,
            allowed_members,
            denied_members,
            creators,
        } => {
            let c = match state.categories.get_mut(identity) {
                Some(x) => x,
                None => return Err(missing(Kind::Category, identity, &state.categories)),
            };
            set(&mut c.description, description);
            set(&mut c.invitations, invitations);
            set(&mut c.file_upload, file_upload);
            set(&mut c.chat_history, chat_history);
            allowed_members.apply_to(&mut c.allowed_members);
            denied_members.apply_to(&mut c.denied_members);
            creators.apply_to(&mut c.creators);
            Ok(vec![Touched::Category(identity.clone(), Updated)])
        }
        RemoveCategory { identity } => {
            if !state.categories.contains_key(identity) {
                return Err(missing(Kind::Category, identity, &state.categories));
            }
            let rooms = state
                .rooms
                .keys()
                .zip(state.rooms.values())
                .filter(|(id, r)| id.pool == identity.pool && r.category == identity.name)
                .count();
            if rooms > 0 {
                return Err(Refusal::Rule(format!(
                    "category `{identity}` still has {}: remove them or move them to another \
                     category first",
                    crate::plural(rooms, "room")
                )));
            }
            state.categories.remove(identity);
            Ok(vec![Touched::Category(identity.clone(), Removed)])
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
            let mut room = Room {
                name: name.clone(),
                persistent_chat_pool_fqdn: None,
                category: category.clone(),
                description: description.clone(),
                room_type: *room_type,
                privacy: *privacy,
                addin: addin.clone(),
                invitations: *invitations,
                disabled: *disabled,
                members: vec![],
                managers: vec![],
                presenters: vec![],
                lifecycle: Lifecycle::default(),
            };
            // Without a pool, the room goes where its category is.
            let pool = match pool {
                Some(p) => new_pool(state, Some(p))?,
                None => match state.room_pool(&room) {
                    Some(p) => p,
                    None => new_pool(state, None)?,
                },
            };
            room.persistent_chat_pool_fqdn = Some(pool.clone());
            let id = ObjectId::new(pool, name.clone());
            if state.rooms.contains_key(&id) {
                return Err(Refusal::Exists {
                    kind: Kind::Room,
                    identity: id.to_string(),
                });
            }
            state.rooms.insert(id.clone(), room);
            Ok(vec![Touched::Room(id, Created)])
        }
        SetRoom {
            identity,
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
            if !state.rooms.contains_key(identity) {
                return Err(missing(Kind::Room, identity, &state.rooms));
            }
            // Moving to another category drops the entries it does not admit.
            let moved_to = category
                .as_ref()
                .filter(|c| **c != state.rooms[identity].category)
                .map(|c| ObjectId::new(identity.pool.clone(), c.clone()));
            let keep = |state: &DesiredState, list: &[String], to: &ObjectId| -> Vec<String> {
                list.iter()
                    .filter(|p| rules::category_admits(state, to, p) != Some(false))
                    .cloned()
                    .collect()
            };
            if let Some(to) = &moved_to {
                if state.categories.contains_key(to) {
                    let r = &state.rooms[identity];
                    let (m, g, p) = (
                        keep(state, &r.members, to),
                        keep(state, &r.managers, to),
                        keep(state, &r.presenters, to),
                    );
                    let r = state.rooms.get_mut(identity).expect("checked above");
                    (r.members, r.managers, r.presenters) = (m, g, p);
                }
            }
            let r = state.rooms.get_mut(identity).expect("checked above");
            set(&mut r.category, category);
            set(&mut r.description, description);
            set(&mut r.room_type, room_type);
            set(&mut r.privacy, privacy);
            set(&mut r.addin, addin);
            set(&mut r.invitations, invitations);
            set(&mut r.disabled, disabled);
            members.apply_to(&mut r.members);
            managers.apply_to(&mut r.managers);
            presenters.apply_to(&mut r.presenters);
            Ok(vec![Touched::Room(identity.clone(), Updated)])
        }
        RemoveRoom { identity } => {
            if state.rooms.remove(identity).is_none() {
                return Err(missing(Kind::Room, identity, &state.rooms));
            }
            Ok(vec![Touched::Room(identity.clone(), Removed)])
        }
        NewAddin { pool, name, url } => {
            let pool = new_pool(state, pool.as_deref())?;
            let id = ObjectId::new(pool.clone(), name.clone());
            if state.addins.contains_key(&id) {
                return Err(Refusal::Exists {
                    kind: Kind::Addin,
                    identity: id.to_string(),
                });
            }
            state.addins.insert(
                id.clone(),
                Addin {
                    name: name.clone(),
                    persistent_chat_pool_fqdn: Some(pool),
                    url: url.clone(),
                    lifecycle: Lifecycle::default(),
                },
            );
            Ok(vec![Touched::Addin(id, Created)])
        }
        SetAddin { identity, url } => {
            let a = match state.addins.get_mut(identity) {
                Some(x) => x,
                None => return Err(missing(Kind::Addin, identity, &state.addins)),
            };
            set(&mut a.url, url);
            Ok(vec![Touched::Addin(identity.clone(), Updated)])
        }
        RemoveAddin { identity, force } => {
            if !state.addins.contains_key(identity) {
                return Err(missing(Kind::Addin, identity, &state.addins));
            }
            let users: Vec<ObjectId> = state
                .rooms
                .iter()
                .filter(|(id, r)| {
                    id.pool == identity.pool && r.addin.as_deref() == Some(&identity.name)
                })
                .map(|(id, _)| id.clone())
                .collect();
            if !users.is_empty() && !force {
                return Err(Refusal::NeedsForce(format!(
                    "add-in `{identity}` is shown in {}; removing it detaches it from them",
                    crate::plural(users.len(), "room")
                )));
            }
            let mut touched = Vec::new();
            for id in users {
                if let Some(r) = state.rooms.get_mut(&id) {
                    r.addin = None;
                }
                touched.push(Touched::Room(id, Updated));
            }
            state.addins.remove(identity);
            touched.push(Touched::Addin(identity.clone(), Removed));
            Ok(touched)
        }
        NewPolicy {
            identity,
            enable_persistent_chat,
            description,
        } => {
            if state.policies.contains_key(identity) || *identity == Scope::Global {
                return Err(Refusal::Exists {
                    kind: Kind::Policy,
                    identity: identity.to_string(),
                });
            }
            state.policies.insert(
                identity.clone(),
                PersistentChatPolicy {
                    identity: identity.clone(),
                    enable_persistent_chat: *enable_persistent_chat,
                    description: description.clone(),
                    lifecycle: Lifecycle::default(),
                },
            );
            Ok(vec![Touched::Policy(identity.clone(), Created)])
        }
        SetPolicy {
            identity,
            enable_persistent_chat,
            description,
        } => {
            if *identity == Scope::Global && !state.policies.contains_key(identity) {
                state
                    .policies
                    .insert(Scope::Global, PersistentChatPolicy::defaults(Scope::Global));
            }
            let p = match state.policies.get_mut(identity) {
                Some(x) => x,
                None => return Err(missing(Kind::Policy, identity, &state.policies)),
            };
            set(&mut p.enable_persistent_chat, enable_persistent_chat);
            set(&mut p.description, description);
            Ok(vec![Touched::Policy(identity.clone(), Updated)])
        }
        RemovePolicy { identity, force } => {
            if *identity == Scope::Global {
                state
                    .policies
                    .insert(Scope::Global, PersistentChatPolicy::defaults(Scope::Global));
                return Ok(vec![Touched::Policy(Scope::Global, Updated)]);
            }
            if !state.policies.contains_key(identity) {
                return Err(missing(Kind::Policy, identity, &state.policies));
            }
            let mut touched = Vec::new();
            if let Scope::Tag(name) = identity {
                let granted: Vec<String> = state
                    .policy_grants
                    .iter()
                    .filter(|(_, g)| g.policy_name == *name)
                    .map(|(k, _)| k.clone())
                    .collect();
                if !granted.is_empty() && !force {
                    return Err(Refusal::NeedsForce(format!(
                        "policy `{identity}` is granted to {}; removing it removes the grants",
                        crate::plural(granted.len(), "user")
                    )));
                }
                for k in granted {
                    state.policy_grants.remove(&k);
                    touched.push(Touched::Grant(k, Removed));
                }
            }
            state.policies.remove(identity);
            touched.push(Touched::Policy(identity.clone(), Removed));
            Ok(touched)
        }
        GrantPolicy { user, policy_name } => {
            let key = match principal_key(user) {
                Ok((RefKind::Sip, k)) => k,
                _ => {
                    return Err(Refusal::Rule(format!(
                        "`{user}` is not a user's SIP URI (`sip:user@domain`)"
                    )))
                }
            };
            match policy_name {
                None => Ok(match state.policy_grants.remove(&key) {
                    Some(_) => vec![Touched::Grant(key, Removed)],
                    None => vec![],
                }),
                Some(name) => {
                    let name = name.strip_prefix("tag:").unwrap_or(name);
                    let scope = Scope::Tag(name.to_string());
                    if !state.policies.contains_key(&scope) {
                        let tags: Vec<String> = state
                            .policies
                            .keys()
                            .filter(|s| matches!(s, Scope::Tag(_)))
                            .map(|s| s.to_string())
                            .collect();
                        return Err(not_found(
                            Kind::Policy,
                            scope,
                            tags.iter().map(String::as_str),
                        ));
                    }
                    let effect = if state.policy_grants.contains_key(&key) {
                        Updated
                    } else {
                        Created
                    };
                    state.policy_grants.insert(
                        key.clone(),
                        PolicyGrant {
                            identity: user.clone(),
                            policy_name: name.to_string(),
                            lifecycle: Lifecycle::default(),
                        },
                    );
                    Ok(vec![Touched::Grant(key, effect)])
                }
            }
        }
        NewComplianceConfiguration { identity, params } => {
            if state.compliance_configurations.contains_key(identity) || *identity == Scope::Global
            {
                return Err(Refusal::Exists {
                    kind: Kind::ComplianceConfiguration,
                    identity: identity.to_string(),
                });
            }
            let mut c = ComplianceConfiguration::defaults(identity.clone());
            compliance_params(&mut c, params);
            state.compliance_configurations.insert(identity.clone(), c);
            Ok(vec![Touched::ComplianceConfiguration(
                identity.clone(),
                Created,
            )])
        }
        SetComplianceConfiguration { identity, params } => {
            if *identity == Scope::Global {
                state
                    .compliance_configurations
                    .entry(Scope::Global)
                    .or_insert_with(|| ComplianceConfiguration::defaults(Scope::Global));
            }
            let known: Vec<String> = state
                .compliance_configurations
                .keys()
                .map(|k| k.to_string())
                .collect();
            let c = state
                .compliance_configurations
                .get_mut(identity)
                .ok_or_else(|| {
                    not_found(
                        Kind::ComplianceConfiguration,
                        identity,
                        known.iter().map(String::as_str),
                    )
                })?;
            compliance_params(c, params);
            Ok(vec![Touched::ComplianceConfiguration(
                identity.clone(),
                Updated,
            )])
        }
        RemoveComplianceConfiguration { identity } => {
            if *identity == Scope::Global {
                state.compliance_configurations.insert(
                    Scope::Global,
                    ComplianceConfiguration::defaults(Scope::Global),
                );
                return Ok(vec![Touched::ComplianceConfiguration(
                    Scope::Global,
                    Updated,
                )]);
            }
            if state.compliance_configurations.remove(identity).is_none() {
                let known: Vec<String> = state
                    .compliance_configurations
                    .keys()
                    .map(|k| k.to_string())
                    .collect();
                return Err(not_found(
                    Kind::ComplianceConfiguration,
                    identity,
                    known.iter().map(String::as_str),
                ));
            }
            Ok(vec![Touched::ComplianceConfiguration(
                identity.clone(),
                Removed,
            )])
        }
        NewConfiguration { identity, params } => {
            if state.configurations.contains_key(identity) || *identity == Scope::Global {
                return Err(Refusal::Exists {
                    kind: Kind::Configuration,
                    identity: identity.to_string(),
                });
            }
            let mut c = PersistentChatConfiguration::defaults(identity.clone());
            configuration_params(&mut c, params);
            state.configurations.insert(identity.clone(), c);
            Ok(vec![Touched::Configuration(identity.clone(), Created)])
        }
        SetConfiguration { identity, params } => {
            if *identity == Scope::Global {
                state
                    .configurations
                    .entry(Scope::Global)
                    .or_insert_with(|| PersistentChatConfiguration::defaults(Scope::Global));
            }
            let known: Vec<String> = state.configurations.keys().map(|k| k.to_string()).collect();
            let c = state.configurations.get_mut(identity).ok_or_else(|| {
                not_found(
                    Kind::Configuration,
                    identity,
                    known.iter().map(String::as_str),
                )
            })?;
            configuration_params(c, params);
            Ok(vec![Touched::Configuration(identity.clone(), Updated)])
        }
        RemoveConfiguration { identity } => {
            if *identity == Scope::Global {
                state.configurations.insert(
                    Scope::Global,
                    PersistentChatConfiguration::defaults(Scope::Global),
                );
                return Ok(vec![Touched::Configuration(Scope::Global, Updated)]);
            }
            if state.configurations.remove(identity).is_none() {
                return Err(missing(
                    Kind::Configuration,
                    identity,
                    &state.configurations,
                ));
            }
            Ok(vec![Touched::Configuration(identity.clone(), Removed)])
        }
        NewEndpoint {
            sip_address,
            pool,
            display_name,
        } => {
            let key = match principal_key(sip_address) {
                Ok((RefKind::Sip, k)) => k,
                _ => {
                    return Err(Refusal::Rule(format!(
                        "`{sip_address}` is not a SIP URI (`sip:name@domain`)"
                    )))
                }
            };
            if state.endpoints.contains_key(&key) {
                return Err(Refusal::Exists {
                    kind: Kind::Endpoint,
                    identity: sip_address.clone(),
                });
            }
            let pool = new_pool(state, pool.as_deref())?;
            state.endpoints.insert(
                key.clone(),
                Endpoint {
                    sip_address: sip_address.clone(),
                    persistent_chat_pool_fqdn: Some(pool),
                    display_name: display_name.clone(),
                    lifecycle: Lifecycle::default(),
                },
            );
            Ok(vec![Touched::Endpoint(key, Created)])
        }
        RemoveEndpoint { sip_address } => {
            let key = crate::model::principal::key_or_text(sip_address);
            if state.endpoints.remove(&key).is_none() {
                let known: Vec<&str> = state
                    .endpoints
                    .values()
                    .map(|e| e.sip_address.as_str())
                    .collect();
                return Err(not_found(Kind::Endpoint, sip_address, known));
            }
            Ok(vec![Touched::Endpoint(key, Removed)])
        }
        SetState {
            identity,
            pool_state,
        } => {
            let Some(pool) = state.declared_pool(&identity.pool).map(str::to_string) else {
                return Err(not_found(
                    Kind::State,
                    identity,
                    state.pools.values().map(|p| p.fqdn.as_str()),
                ));
            };
            let id = ServiceId { pool };
            state
                .states
                .entry(id.clone())
                .or_insert_with(|| PersistentChatState {
                    identity: id.clone(),
                    pool_state: PoolState::Normal,
                    lifecycle: Lifecycle::default(),
                })
                .pool_state = *pool_state;
            Ok(vec![Touched::State(id)])
        }
        SetActiveServer {
            identity,
            active_servers,
            swap,
        } => {
            let Some(pool) = state
                .pools
                .values()
                .find(|p| p.fqdn.eq_ignore_ascii_case(&identity.pool))
                .cloned()
            else {
                return Err(not_found(
                    Kind::ActiveServers,
                    identity,
                    state.pools.values().map(|p| p.fqdn.as_str()),
                ));
            };
            let id = ServiceId {
                pool: pool.fqdn.clone(),
            };
            let entry = state
                .active_servers
                .entry(id.clone())
                .or_insert_with(|| ActiveServers {
                    identity: id.clone(),
                    active_servers: vec![],
                    lifecycle: Lifecycle::default(),
                });
            if *swap {
                let active: HashSet<String> = entry
                    .active_servers
                    .iter()
                    .map(|s| s.to_ascii_lowercase())
                    .collect();
                entry.active_servers = pool
                    .servers
                    .iter()
                    .filter(|s| !active.contains(&s.to_ascii_lowercase()))
                    .cloned()
                    .collect();
            }
            active_servers.apply_to(&mut entry.active_servers);
            Ok(vec![Touched::ActiveServers(id)])
        }
    }
}

fn compliance_params(c: &mut ComplianceConfiguration, p: &ComplianceParams) {
    set(&mut c.adapter_type, &p.adapter_type);
    set(&mut c.adapter_name, &p.adapter_name);
    set(&mut c.adapter_output_directory, &p.adapter_output_directory);
    set(&mut c.run_interval, &p.run_interval);
    set(
        &mut c.one_chat_room_per_output_file,
        &p.one_chat_room_per_output_file,
    );
    set(&mut c.add_chat_room_details, &p.add_chat_room_details);
    set(&mut c.add_user_details, &p.add_user_details);
    set(
        &mut c.create_file_attachments_manifest,
        &p.create_file_attachments_manifest,
    );
    set(&mut c.custom_configuration, &p.custom_configuration);
}

fn configuration_params(c: &mut PersistentChatConfiguration, p: &ConfigurationParams) {
    set(&mut c.default_chat_history, &p.default_chat_history);
    set(&mut c.participant_update_limit, &p.participant_update_limit);
    set(&mut c.max_file_size_kb, &p.max_file_size_kb);
    set(&mut c.room_management_url, &p.room_management_url);
}

/// Judges a changed state against the model's rules, given the violations the state had
/// before: refuses the errors the change added (pre-existing problems are not its fault) and
/// returns the warnings it added.
///
/// # Errors
/// `Refusal::Violations` with the new errors.
pub fn check(before: &[Violation], after: &DesiredState) -> Result<Vec<Violation>, Refusal> {
    let old: HashSet<&Violation> = before.iter().collect();
    let (errors, warnings): (Vec<Violation>, Vec<Violation>) = rules::validate(after)
        .into_iter()
        .filter(|v| !old.contains(v))
        .partition(|v| v.severity == Severity::Error);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Refusal::Violations(errors))
    }
}
