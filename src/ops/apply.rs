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
    /// A category, room or add-in renamed in place (`-Name`): from, to. Its other changes are
    /// reported under the new identity.
    Renamed(Kind, ObjectId, ObjectId),
}

/// One touched object's kind and key, borrowed from its [`Touched`]; keys compare as the
/// state's maps compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TouchedKey<'a> {
    Text(Kind, &'a str),
    Object(Kind, &'a ObjectId),
    Scope(Kind, &'a Scope),
    Service(Kind, &'a ServiceId),
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

/// A kind whose objects operations touch: how its `Touched` entries are made and read.
pub trait Tracked: Object {
    fn touched(key: Self::Key, effect: Effect) -> Touched;
    fn key_in(t: &Touched) -> Option<&Self::Key>;
}

macro_rules! tracked {
    ($($t:ty => $v:ident $(($updated:ident))?),* $(,)?) => {
        $(impl Tracked for $t {
            fn touched(key: Self::Key, _effect: Effect) -> Touched {
                tracked!(@make $v key _effect $($updated)?)
            }
            fn key_in(t: &Touched) -> Option<&Self::Key> {
                match t {
                    tracked!(@pat $v k $($updated)?) => Some(k),
                    _ => None,
                }
            }
        })*
    };
    (@make $v:ident $k:ident $e:ident) => { Touched::$v($k, $e) };
    (@make $v:ident $k:ident $e:ident $u:ident) => { Touched::$v($k) };
    (@pat $v:ident $k:ident) => { Touched::$v($k, _) };
    (@pat $v:ident $k:ident $u:ident) => { Touched::$v($k) };
}

tracked! {
    Pool => Pool,
    Principal => Principal,
    Category => Category,
    Room => Room,
    Addin => Addin,
    PersistentChatPolicy => Policy,
    PolicyGrant => Grant,
    ComplianceConfiguration => ComplianceConfiguration,
    PersistentChatConfiguration => Configuration,
    Endpoint => Endpoint,
    PersistentChatState => State(updated),
    ActiveServers => ActiveServers(updated),
}

/// What a cmdlet did to the object, as its report line says it: `created room `…``, `renamed
/// room `…` to `…``.
impl std::fmt::Display for Touched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Touched::Renamed(kind, from, to) = self {
            return write!(f, "renamed {} to `{to}`", kind.label(&from.to_string()));
        }
        let (key, effect) = self.key_and_effect();
        let verb = match effect {
            Effect::Created => "created",
            Effect::Updated => "changed",
            Effect::Removed => "removed",
        };
        // Active servers are named by their pool, as the cmdlet's output does.
        let key = match self {
            Touched::ActiveServers(id) => id.pool.clone(),
            _ => key,
        };
        write!(f, "{verb} {}", self.kind().label(&key))
    }
}

impl Touched {
    /// The kind of the object.
    pub fn kind(&self) -> Kind {
        use Touched::*;
        match self {
            Pool(..) => Kind::Pool,
            Principal(..) => Kind::Principal,
            Category(..) => Kind::Category,
            Room(..) => Kind::Room,
            Addin(..) => Kind::Addin,
            Policy(..) => Kind::Policy,
            Grant(..) => Kind::PolicyGrant,
            ComplianceConfiguration(..) => Kind::ComplianceConfiguration,
            Configuration(..) => Kind::Configuration,
            Endpoint(..) => Kind::Endpoint,
            State(..) => Kind::State,
            ActiveServers(..) => Kind::ActiveServers,
            Renamed(kind, ..) => *kind,
        }
    }

    /// Its key in the state (as text) and what happened to it; states and active-server lists
    /// always exist, so they are only ever updated.
    pub fn key_and_effect(&self) -> (String, Effect) {
        use Touched::*;
        match self {
            Pool(k, e) | Principal(k, e) | Grant(k, e) | Endpoint(k, e) => (k.clone(), *e),
            Category(k, e) | Room(k, e) | Addin(k, e) => (k.to_string(), *e),
            Policy(k, e) | ComplianceConfiguration(k, e) | Configuration(k, e) => {
                (k.to_string(), *e)
            }
            State(k) | ActiveServers(k) => (k.to_string(), Effect::Updated),
            Renamed(_, from, to) => (format!("{from}->{to}"), Effect::Updated),
        }
    }

    /// Which object it is, borrowed, with what happened to it: for netting many touches
    /// without a copy of each key. `None` for a rename, which names two objects.
    pub fn object(&self) -> Option<(TouchedKey<'_>, Effect)> {
        use Touched::*;
        let kind = self.kind();
        Some(match self {
            Pool(k, e) | Principal(k, e) | Grant(k, e) | Endpoint(k, e) => {
                (TouchedKey::Text(kind, k), *e)
            }
            Category(k, e) | Room(k, e) | Addin(k, e) => (TouchedKey::Object(kind, k), *e),
            Policy(k, e) | ComplianceConfiguration(k, e) | Configuration(k, e) => {
                (TouchedKey::Scope(kind, k), *e)
            }
            State(k) | ActiveServers(k) => (TouchedKey::Service(kind, k), Effect::Updated),
            Renamed(..) => return None,
        })
    }

    /// The same object with another effect.
    pub fn with_effect(&self, e: Effect) -> Touched {
        use Touched::*;
        let mut t = self.clone();
        match &mut t {
            Pool(_, x) | Principal(_, x) | Grant(_, x) | Endpoint(_, x) => *x = e,
            Category(_, x) | Room(_, x) | Addin(_, x) => *x = e,
            Policy(_, x) | ComplianceConfiguration(_, x) | Configuration(_, x) => *x = e,
            State(_) | ActiveServers(_) | Renamed(..) => {}
        }
        t
    }
}

/// The object `id` of a kind, or `NotFound` with the nearest identity.
fn existing<'s, T: Object>(state: &'s mut DesiredState, id: &T::Key) -> Result<&'s mut T, Refusal> {
    if !T::map(state).contains_key(id) {
        return Err(missing(T::KIND, id, T::map(state)));
    }
    Ok(T::map_mut(state).get_mut(id).expect("checked above"))
}

/// Adds a new object; `Exists` when its identity is taken.
fn create<T: Tracked>(
    state: &mut DesiredState,
    id: T::Key,
    obj: T,
) -> Result<Vec<Touched>, Refusal> {
    if let Some((stored, _)) = T::map(state).get_key_value(&id) {
        return Err(Refusal::Exists {
            kind: T::KIND,
            identity: stored.to_string(),
        });
    }
    T::map_mut(state).insert(id.clone(), obj);
    Ok(vec![T::touched(id, Effect::Created)])
}

/// Changes an existing object.
fn update<T: Tracked>(
    state: &mut DesiredState,
    id: &T::Key,
    change: impl FnOnce(&mut T),
) -> Result<Vec<Touched>, Refusal> {
    change(existing::<T>(state, id)?);
    Ok(vec![T::touched(id.clone(), Effect::Updated)])
}

/// An object named within its pool, which `Set-… -Name` renames.
trait Named: Tracked<Key = ObjectId> {
    fn set_name(&mut self, name: &str);
}

macro_rules! named {
    ($($t:ty),*) => {
        $(impl Named for $t {
            fn set_name(&mut self, name: &str) {
                self.name = name.to_string();
            }
        })*
    };
}

named!(Category, Room, Addin);

/// Renames an object in place when `name` differs from its own; what names it (rooms naming a
/// category or an add-in) follows. Returns its identity afterwards and the `Renamed` entry.
fn rename<T: Named>(
    state: &mut DesiredState,
    id: &ObjectId,
    name: Option<&str>,
) -> Result<(ObjectId, Vec<Touched>), Refusal> {
    existing::<T>(state, id)?;
    let Some(name) = name.filter(|n| *n != id.name) else {
        return Ok((id.clone(), vec![]));
    };
    let to = ObjectId::new(id.pool.clone(), name.to_string());
    // `to` equals `id` when only the case changes: that is a rename of this object.
    if to != *id && T::map(state).contains_key(&to) {
        return Err(Refusal::Exists {
            kind: T::KIND,
            identity: to.to_string(),
        });
    }
    let mut obj = T::map_mut(state).remove(id).expect("checked above");
    obj.set_name(name);
    T::map_mut(state).insert(to.clone(), obj);
    for (_, r) in state.rooms.iter_mut().filter(|(k, _)| k.pool == id.pool) {
        match T::KIND {
            Kind::Category if same_name(&r.category, &id.name) => r.category = name.to_string(),
            Kind::Addin if r.addin.as_deref().is_some_and(|a| same_name(a, &id.name)) => {
                r.addin = Some(name.into())
            }
            _ => continue,
        }
    }
    Ok((to.clone(), vec![Touched::Renamed(T::KIND, id.clone(), to)]))
}

/// `Set-` of a named object: the rename first, then the other fields under the new name.
fn rename_and_update<T: Named>(
    state: &mut DesiredState,
    id: &ObjectId,
    name: &Option<String>,
    change: impl FnOnce(&mut T),
) -> Result<Vec<Touched>, Refusal> {
    let (id, mut touched) = rename::<T>(state, id, name.as_deref())?;
    touched.extend(update(state, &id, change)?);
    Ok(touched)
}

/// A scoped setting: the global one always exists (`Set-` of it makes it; `Remove-` resets it),
/// and `New-` cannot make it.
trait Setting: Tracked<Key = Scope> {
    fn defaults(identity: Scope) -> Self;
}

impl Setting for PersistentChatPolicy {
    fn defaults(identity: Scope) -> Self {
        PersistentChatPolicy::defaults(identity)
    }
}

impl Setting for ComplianceConfiguration {
    fn defaults(identity: Scope) -> Self {
        ComplianceConfiguration::defaults(identity)
    }
}

impl Setting for PersistentChatConfiguration {
    fn defaults(identity: Scope) -> Self {
        PersistentChatConfiguration::defaults(identity)
    }
}

fn new_setting<T: Setting>(
    state: &mut DesiredState,
    id: &Scope,
    change: impl FnOnce(&mut T),
) -> Result<Vec<Touched>, Refusal> {
    if *id == Scope::Global {
        return Err(Refusal::Exists {
            kind: T::KIND,
            identity: id.to_string(),
        });
    }
    let mut obj = T::defaults(id.clone());
    change(&mut obj);
    create(state, id.clone(), obj)
}

fn set_setting<T: Setting>(
    state: &mut DesiredState,
    id: &Scope,
    change: impl FnOnce(&mut T),
) -> Result<Vec<Touched>, Refusal> {
    if *id == Scope::Global {
        T::map_mut(state)
            .entry(Scope::Global)
            .or_insert_with(|| T::defaults(Scope::Global));
    }
    update(state, id, change)
}

/// `Remove-` of a setting; the global one is reset. `Ok(None)`: it was the global one.
fn remove_setting<T: Setting>(
    state: &mut DesiredState,
    id: &Scope,
) -> Result<Vec<Touched>, Refusal> {
    if *id == Scope::Global {
        T::map_mut(state).insert(Scope::Global, T::defaults(Scope::Global));
        return Ok(vec![T::touched(Scope::Global, Effect::Updated)]);
    }
    if T::map_mut(state).remove(id).is_none() {
        return Err(missing(T::KIND, id, T::map(state)));
    }
    Ok(vec![T::touched(id.clone(), Effect::Removed)])
}

/// Applies one operation to the state.
///
/// # Errors
/// A [`Refusal`] when the service would refuse the call; the state may then be partly changed
/// and must be dropped (callers work on a copy or roll back).
/// The spelling the state has for an identity the caller typed (names match without regard
/// to case, as on the service); `None` when it has none or the same.
fn respelt<K: Ord + Clone + std::fmt::Display, V>(
    map: &std::collections::BTreeMap<K, V>,
    id: &K,
) -> Option<K> {
    let (stored, _) = map.get_key_value(id)?;
    (stored.to_string() != id.to_string()).then(|| stored.clone())
}

/// The operation with its identity spelt as the store has it, so that what is written and
/// reported names the row that exists (`…\helpdesk` finds and changes `…\HelpDesk`).
fn canonical<'o>(state: &DesiredState, op: &'o Operation) -> std::borrow::Cow<'o, Operation> {
    use std::borrow::Cow;
    use Operation::*;
    macro_rules! respell {
        ($map:ident, $variant:ident) => {{
            let $variant { identity, .. } = op else {
                unreachable!()
            };
            match respelt(&state.$map, identity) {
                None => Cow::Borrowed(op),
                Some(stored) => {
                    let mut op = op.clone();
                    if let $variant { identity, .. } = &mut op {
                        *identity = stored;
                    }
                    Cow::Owned(op)
                }
            }
        }};
    }
    match op {
        SetCategory { .. } => respell!(categories, SetCategory),
        RemoveCategory { .. } => respell!(categories, RemoveCategory),
        SetRoom { .. } => respell!(rooms, SetRoom),
        RemoveRoom { .. } => respell!(rooms, RemoveRoom),
        SetAddin { .. } => respell!(addins, SetAddin),
        RemoveAddin { .. } => respell!(addins, RemoveAddin),
        SetPolicy { .. } => respell!(policies, SetPolicy),
        RemovePolicy { .. } => respell!(policies, RemovePolicy),
        SetComplianceConfiguration { .. } => {
            respell!(compliance_configurations, SetComplianceConfiguration)
        }
        RemoveComplianceConfiguration { .. } => {
            respell!(compliance_configurations, RemoveComplianceConfiguration)
        }
        SetConfiguration { .. } => respell!(configurations, SetConfiguration),
        RemoveConfiguration { .. } => respell!(configurations, RemoveConfiguration),
        _ => Cow::Borrowed(op),
    }
}

pub fn apply(state: &mut DesiredState, op: &Operation) -> Result<Vec<Touched>, Refusal> {
    use Operation::*;
    let op = canonical(state, op);
    let op = op.as_ref();
    match op {
        SetPool { pool } => Ok(set_pool(state, pool)),
        SetPrincipal { principal } => Ok(set_principal(state, principal)),
        RemovePrincipal { key } => remove_principal(state, key),
        NewCategory { .. } | SetCategory { .. } | RemoveCategory { .. } => category(state, op),
        NewRoom { .. } | SetRoom { .. } => room(state, op),
        RemoveRoom { identity } => match state.rooms.remove(identity) {
            Some(_) => Ok(vec![Touched::Room(identity.clone(), Effect::Removed)]),
            None => Err(missing(Kind::Room, identity, &state.rooms)),
        },
        NewAddin { pool, name, url } => {
            let pool = new_pool(state, pool.as_deref())?;
            let addin = Addin {
                name: name.clone(),
                previous_names: vec![],
                persistent_chat_pool_fqdn: Some(pool.clone()),
                url: url.clone(),
                lifecycle: Lifecycle::default(),
            };
            create(state, ObjectId::new(pool, name.clone()), addin)
        }
        SetAddin {
            identity,
            name,
            url,
        } => rename_and_update(state, identity, name, |a: &mut Addin| set(&mut a.url, url)),
        RemoveAddin { identity, force } => remove_addin(state, identity, *force),
        NewPolicy {
            identity,
            enable_persistent_chat: e,
            description: d,
        } => new_setting(state, identity, |p: &mut PersistentChatPolicy| {
            p.enable_persistent_chat = *e;
            p.description.clone_from(d);
        }),
        SetPolicy {
            identity,
            enable_persistent_chat: e,
            description: d,
        } => set_setting(state, identity, |p: &mut PersistentChatPolicy| {
            set(&mut p.enable_persistent_chat, e);
            set(&mut p.description, d);
        }),
        RemovePolicy { identity, force } => remove_policy(state, identity, *force),
        GrantPolicy { user, policy_name } => grant_policy(state, user, policy_name.as_deref()),
        NewComplianceConfiguration { identity, params } => {
            new_setting(state, identity, |c| compliance_params(c, params))
        }
        SetComplianceConfiguration { identity, params } => {
            set_setting(state, identity, |c| compliance_params(c, params))
        }
        RemoveComplianceConfiguration { identity } => {
            remove_setting::<ComplianceConfiguration>(state, identity)
        }
        NewConfiguration { identity, params } => {
            new_setting(state, identity, |c| configuration_params(c, params))
        }
        SetConfiguration { identity, params } => {
            set_setting(state, identity, |c| configuration_params(c, params))
        }
        RemoveConfiguration { identity } => {
            remove_setting::<PersistentChatConfiguration>(state, identity)
        }
        NewEndpoint {
            sip_address,
            pool,
            display_name,
        } => new_endpoint(state, sip_address, pool.as_deref(), display_name),
        RemoveEndpoint { sip_address } => remove_endpoint(state, sip_address),
        SetState {
            identity,
            pool_state,
        } => set_state(state, identity, *pool_state),
        SetActiveServer {
            identity,
            active_servers,
            swap,
        } => set_active_servers(state, identity, active_servers, *swap),
    }
}

fn set_pool(state: &mut DesiredState, pool: &Pool) -> Vec<Touched> {
    let key = pool.fqdn.to_ascii_lowercase();
    let effect = upsert(&mut state.pools, key.clone(), pool.clone());
    if effect == Effect::Created {
        // A pool comes with its state and its active servers (all of them), as the service's do.
        let id = ServiceId {
            pool: pool.fqdn.clone(),
        };
        state
            .states
            .entry(id.clone())
            .or_insert_with(|| PersistentChatState::new(&pool.fqdn, PoolState::Normal));
        state
            .active_servers
            .entry(id)
            .or_insert_with(|| ActiveServers::new(&pool.fqdn, pool.servers.clone()));
    }
    vec![Touched::Pool(key, effect)]
}

/// Puts `value` under `key`: `Created` when nothing was there, else `Updated`.
fn upsert<K: Ord, V>(map: &mut std::collections::BTreeMap<K, V>, key: K, value: V) -> Effect {
    match map.insert(key, value) {
        Some(_) => Effect::Updated,
        None => Effect::Created,
    }
}

fn set_principal(state: &mut DesiredState, principal: &Principal) -> Vec<Touched> {
    let key = principal_key(principal.identity())
        .map_or_else(|_| principal.identity().to_string(), |(_, k)| k);
    let effect = upsert(&mut state.principals, key.clone(), principal.clone());
    vec![Touched::Principal(key, effect)]
}

fn remove_principal(state: &mut DesiredState, key: &str) -> Result<Vec<Touched>, Refusal> {
    if state.principals.remove(key).is_none() {
        return Err(missing(Kind::Principal, key, &state.principals));
    }
    Ok(vec![Touched::Principal(key.to_string(), Effect::Removed)])
}

fn category(state: &mut DesiredState, op: &Operation) -> Result<Vec<Touched>, Refusal> {
    match op {
        Operation::NewCategory {
            pool,
            name,
            description,
            enable_invitations,
            enable_file_upload,
            remove_chat_history,
        } => {
            let pool = new_pool(state, pool.as_deref())?;
            let category = Category {
                name: name.clone(),
                previous_names: vec![],
                persistent_chat_pool_fqdn: Some(pool.clone()),
                description: description.clone(),
                allowed_members: vec![],
                denied_members: vec![],
                creators: vec![],
                invitations: *enable_invitations,
                file_upload: *enable_file_upload,
                chat_history: !remove_chat_history,
                lifecycle: Lifecycle::default(),
            };
            create(state, ObjectId::new(pool, name.clone()), category)
        }
        Operation::SetCategory {
            identity,
            name,
            description,
            invitations,
            file_upload,
            chat_history,
            allowed_members,
            denied_members,
            creators,
        } => rename_and_update(state, identity, name, |c: &mut Category| {
            set(&mut c.description, description);
            set(&mut c.invitations, invitations);
            set(&mut c.file_upload, file_upload);
            set(&mut c.chat_history, chat_history);
            allowed_members.apply_to(&mut c.allowed_members);
            denied_members.apply_to(&mut c.denied_members);
            creators.apply_to(&mut c.creators);
        }),
        Operation::RemoveCategory { identity } => remove_category(state, identity),
        _ => unreachable!("category() takes category operations"),
    }
}

fn remove_category(state: &mut DesiredState, identity: &ObjectId) -> Result<Vec<Touched>, Refusal> {
    existing::<Category>(state, identity)?;
    let rooms = state
        .rooms
        .iter()
        .filter(|(id, r)| id.pool == identity.pool && same_name(&r.category, &identity.name))
        .count();
    if rooms > 0 {
        return Err(Refusal::Rule(format!(
            "category `{identity}` still has {}: remove them or move them to another \
             category first",
            crate::plural(rooms, "room")
        )));
    }
    state.categories.remove(identity);
    Ok(vec![Touched::Category(identity.clone(), Effect::Removed)])
}

fn room(state: &mut DesiredState, op: &Operation) -> Result<Vec<Touched>, Refusal> {
    match op {
        Operation::NewRoom {
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
                previous_names: vec![],
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
            state.settle_room_refs(&mut room);
            create(state, ObjectId::new(pool, name.clone()), room)
        }
        Operation::SetRoom {
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
            let (identity, mut touched) = rename::<Room>(state, identity, name.as_deref())?;
            let from = state.rooms[&identity].category.clone();
            if let Some(to) = category.as_ref().filter(|c| !same_name(c, &from)) {
                move_room(
                    state,
                    &identity,
                    &ObjectId::new(identity.pool.clone(), to.clone()),
                );
            }
            touched.extend(update(state, &identity, |r: &mut Room| {
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
            })?);
            let mut room = state.rooms.remove(&identity).expect("updated above");
            state.settle_room_refs(&mut room);
            state.rooms.insert(identity, room);
            Ok(touched)
        }
        _ => unreachable!("room() takes New- and Set- of rooms"),
    }
}

/// Moving a room to another category drops the entries of its lists that category does not
/// admit.
fn move_room(state: &mut DesiredState, identity: &ObjectId, to: &ObjectId) {
    if !state.categories.contains_key(to) {
        return;
    }
    let keep = |state: &DesiredState, list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|p| rules::category_admits(state, to, p) != Some(false))
            .cloned()
            .collect()
    };
    let r = &state.rooms[identity];
    let (m, g, p) = (
        keep(state, &r.members),
        keep(state, &r.managers),
        keep(state, &r.presenters),
    );
    let r = state
        .rooms
        .get_mut(identity)
        .expect("the caller checked it");
    (r.members, r.managers, r.presenters) = (m, g, p);
}

fn remove_addin(
    state: &mut DesiredState,
    identity: &ObjectId,
    force: bool,
) -> Result<Vec<Touched>, Refusal> {
    existing::<Addin>(state, identity)?;
    let users: Vec<ObjectId> = state
        .rooms
        .iter()
        .filter(|(id, r)| {
            id.pool == identity.pool
                && r.addin
                    .as_deref()
                    .is_some_and(|a| same_name(a, &identity.name))
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
        touched.push(Touched::Room(id, Effect::Updated));
    }
    state.addins.remove(identity);
    touched.push(Touched::Addin(identity.clone(), Effect::Removed));
    Ok(touched)
}

fn remove_policy(
    state: &mut DesiredState,
    identity: &Scope,
    force: bool,
) -> Result<Vec<Touched>, Refusal> {
    let mut touched = Vec::new();
    if let (Scope::Tag(name), true) = (identity, state.policies.contains_key(identity)) {
        let granted: Vec<String> = state
            .policy_grants
            .iter()
            .filter(|(_, g)| same_name(&g.policy_name, name))
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
            touched.push(Touched::Grant(k, Effect::Removed));
        }
    }
    touched.extend(remove_setting::<PersistentChatPolicy>(state, identity)?);
    Ok(touched)
}

fn grant_policy(
    state: &mut DesiredState,
    user: &str,
    policy_name: Option<&str>,
) -> Result<Vec<Touched>, Refusal> {
    // The cmdlet takes any of the names a user has (display name, UPN, DOMAIN\logon, DN).
    let user = &crate::model::principal::resolve_user(state.principals.values(), user)
        .map_err(Refusal::Rule)?;
    let key = match principal_key(user) {
        Ok((RefKind::Sip, k)) => k,
        _ => {
            return Err(Refusal::Rule(format!(
                "`{user}` is not a user's SIP URI (`sip:user@domain`)"
            )))
        }
    };
    let Some(name) = policy_name else {
        return Ok(match state.policy_grants.remove(&key) {
            Some(_) => vec![Touched::Grant(key, Effect::Removed)],
            None => vec![],
        });
    };
    let name = name.strip_prefix("tag:").unwrap_or(name);
    let scope = Scope::Tag(name.to_string());
    // The grant names the policy as it is spelt.
    let name = match state.policies.get_key_value(&scope) {
        Some((Scope::Tag(stored), _)) => stored.as_str(),
        _ => name,
    };
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
    let grant = PolicyGrant {
        identity: user.to_string(),
        policy_name: name.to_string(),
        lifecycle: Lifecycle::default(),
    };
    let effect = match state.policy_grants.insert(key.clone(), grant) {
        Some(_) => Effect::Updated,
        None => Effect::Created,
    };
    Ok(vec![Touched::Grant(key, effect)])
}

fn new_endpoint(
    state: &mut DesiredState,
    sip_address: &str,
    pool: Option<&str>,
    display_name: &Option<String>,
) -> Result<Vec<Touched>, Refusal> {
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
            identity: sip_address.to_string(),
        });
    }
    let pool = new_pool(state, pool)?;
    state.endpoints.insert(
        key.clone(),
        Endpoint {
            sip_address: sip_address.to_string(),
            persistent_chat_pool_fqdn: Some(pool),
            display_name: display_name.clone(),
            lifecycle: Lifecycle::default(),
        },
    );
    Ok(vec![Touched::Endpoint(key, Effect::Created)])
}

fn remove_endpoint(state: &mut DesiredState, sip_address: &str) -> Result<Vec<Touched>, Refusal> {
    let key = crate::model::principal::key_or_text(sip_address);
    if state.endpoints.remove(&key).is_none() {
        let known: Vec<&str> = state
            .endpoints
            .values()
            .map(|e| e.sip_address.as_str())
            .collect();
        return Err(not_found(Kind::Endpoint, sip_address, known));
    }
    Ok(vec![Touched::Endpoint(key, Effect::Removed)])
}

/// The declared pool a service identity names (any case), or `NotFound` for `kind`.
/// The pool a state or active-server identity names. Beside `PersistentChatServer:POOL`, the
/// help pages name the server collection `global` (Lync Server 2013) or by a bare collection
/// name (`PChatServerCollection`, Skype for Business Server 2015): those mean the only pool,
/// and a server's FQDN means the pool it belongs to.
fn service_pool(state: &DesiredState, kind: Kind, identity: &ServiceId) -> Result<Pool, Refusal> {
    let named = &identity.pool;
    if let Some(p) = state.pools.values().find(|p| same_name(&p.fqdn, named)) {
        return Ok(p.clone());
    }
    if let Some(p) = state
        .pools
        .values()
        .find(|p| p.servers.iter().any(|s| same_name(s, named)))
    {
        return Ok(p.clone());
    }
    let collection = named.eq_ignore_ascii_case("global") || !named.contains('.');
    if collection {
        let mut pools = state.pools.values();
        return match (pools.next(), pools.next()) {
            (Some(p), None) => Ok(p.clone()),
            (None, _) => Err(not_found(Kind::Pool, named, [])),
            _ => Err(Refusal::Rule(format!(
                "`{named}` names the server collection, and {} pools exist: name the pool \
                 as `PersistentChatServer:POOL_FQDN`",
                state.pools.len()
            ))),
        };
    }
    Err(not_found(
        kind,
        identity,
        state.pools.values().map(|p| p.fqdn.as_str()),
    ))
}

fn set_state(
    state: &mut DesiredState,
    identity: &ServiceId,
    pool_state: PoolState,
) -> Result<Vec<Touched>, Refusal> {
    let fqdn = service_pool(state, Kind::State, identity)?.fqdn;
    let id = ServiceId { pool: fqdn.clone() };
    state
        .states
        .entry(id.clone())
        .or_insert_with(|| PersistentChatState::new(&fqdn, PoolState::Normal))
        .pool_state = pool_state;
    Ok(vec![Touched::State(id)])
}

fn set_active_servers(
    state: &mut DesiredState,
    identity: &ServiceId,
    active_servers: &ListChange,
    swap: bool,
) -> Result<Vec<Touched>, Refusal> {
    let pool = service_pool(state, Kind::ActiveServers, identity)?;
    let id = ServiceId {
        pool: pool.fqdn.clone(),
    };
    let entry = state
        .active_servers
        .entry(id.clone())
        .or_insert_with(|| ActiveServers::new(&pool.fqdn, vec![]));
    if swap {
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
