//! The desired state: every declared object, keyed by identity, with pool references resolved.
//! The same shape describes a snapshot of the live store.

use std::collections::BTreeMap;

use super::*;

/// All objects of a configuration, keyed by identity.
#[derive(Debug, Clone, Default, PartialEq, Hash)]
pub struct DesiredState {
    /// Keyed by the lower-cased FQDN.
    pub pools: BTreeMap<String, Pool>,
    /// Keyed by the normalized SIP URI (users) or DN (groups, OUs).
    pub principals: BTreeMap<String, Principal>,
    pub categories: BTreeMap<ObjectId, Category>,
    pub addins: BTreeMap<ObjectId, Addin>,
    pub rooms: BTreeMap<ObjectId, Room>,
    pub policies: BTreeMap<Scope, PersistentChatPolicy>,
    /// Keyed by the user's normalized SIP URI.
    pub policy_grants: BTreeMap<String, PolicyGrant>,
    pub compliance_configurations: BTreeMap<Scope, ComplianceConfiguration>,
    pub configurations: BTreeMap<Scope, PersistentChatConfiguration>,
    /// Keyed by the normalized SIP address.
    pub endpoints: BTreeMap<String, Endpoint>,
    pub states: BTreeMap<ServiceId, PersistentChatState>,
    pub active_servers: BTreeMap<ServiceId, ActiveServers>,
    /// What only a live state knows or lacks (a snapshot, or the store a snapshot was loaded
    /// into); empty for a configuration.
    pub facts: LiveFacts,
}

/// What a real server's snapshot says beside its objects: what it could not read (never
/// compared, never planned, each with why) and which rooms hold chat content.
#[derive(Debug, Clone, Default, PartialEq, Hash, Eq)]
pub struct LiveFacts {
    /// Fields read on no object of a kind: (kind, field) → why (a principal's `members`).
    pub unknown_fields: BTreeMap<(Kind, String), String>,
    /// Pools (lower-cased FQDN) whose active servers are unknown → why.
    pub unknown_active_servers: BTreeMap<String, String>,
    /// Rooms the server reports chat content for (history a removal destroys).
    pub chat_content: std::collections::BTreeSet<ObjectId>,
}

impl LiveFacts {
    /// The fields of `kind` that are unknown.
    pub fn unknown_of(&self, kind: Kind) -> impl Iterator<Item = (&str, &str)> {
        self.unknown_fields
            .range((kind, String::new())..)
            .take_while(move |((k, _), _)| *k == kind)
            .map(|((_, f), why)| (f.as_str(), why.as_str()))
    }
}

/// Where each object of a state was first declared: its origin and its index in its document's
/// list, found by kind and identity text. Keyed by a hash of the text rather than the text, so
/// the table costs 16 bytes an object whatever the names; two identities whose 64-bit hashes
/// collide would only share a place in messages.
#[derive(Debug, Clone)]
pub struct Origins<O> {
    by_hash: std::collections::HashMap<(Kind, u64), (O, usize)>,
}

impl<O> Default for Origins<O> {
    fn default() -> Self {
        Origins {
            by_hash: Default::default(),
        }
    }
}

/// Hashes what is written to it, in pieces or whole alike, so an identity's `Display` output
/// is hashed without building its string.
struct HashWriter(std::collections::hash_map::DefaultHasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        std::hash::Hasher::write(&mut self.0, s.as_bytes());
        Ok(())
    }
}

fn text_hash(text: &dyn std::fmt::Display) -> u64 {
    use std::fmt::Write;
    let mut w = HashWriter(Default::default());
    let _ = write!(w, "{text}");
    std::hash::Hasher::finish(&w.0)
}

impl<O: Copy> Origins<O> {
    fn record(&mut self, kind: Kind, key: &dyn std::fmt::Display, origin: O, index: usize) {
        self.by_hash
            .entry((kind, text_hash(key)))
            .or_insert((origin, index));
    }

    /// Where the object of `kind` whose identity reads `identity` was first declared.
    pub fn get(&self, kind: Kind, identity: &str) -> Option<(O, usize)> {
        self.by_hash.get(&(kind, text_hash(&identity))).copied()
    }
}

/// An object whose identity an earlier object already has.
#[derive(Debug, Clone, PartialEq, Hash, Eq)]
pub struct Duplicate<O> {
    pub kind: Kind,
    pub identity: String,
    /// Where the later object came from, and its index in its document's list.
    pub origin: O,
    pub index: usize,
}

use super::principal::key_or_text as norm;

/// How the state keys an object of a kind: the object's references are settled in place
/// (pool names as declared, canonical scopes) and its key returned.
trait Keyed: Object {
    fn settle(&mut self, state: &DesiredState) -> Self::Key;
}

/// `POOL\NAME` of an object with a pool field, the pool settled first.
fn pooled_key(state: &DesiredState, pool: &mut Option<String>, name: &str) -> ObjectId {
    state.settle_pool(pool);
    ObjectId::new(pool.clone().unwrap_or_default(), name.to_string())
}

macro_rules! keyed {
    ($($t:ty => |$x:ident, $s:ident| $key:expr;)*) => {
        $(impl Keyed for $t {
            fn settle(&mut self, $s: &DesiredState) -> Self::Key {
                let $x = self;
                $key
            }
        })*
    };
}

keyed! {
    Pool => |p, _s| p.fqdn.to_ascii_lowercase();
    Principal => |p, _s| norm(p.identity());
    Category => |c, s| pooled_key(s, &mut c.persistent_chat_pool_fqdn, &c.name);
    Addin => |a, s| pooled_key(s, &mut a.persistent_chat_pool_fqdn, &a.name);
    PersistentChatPolicy => |p, s| { p.identity = s.canonical_scope(&p.identity); p.identity.clone() };
    PolicyGrant => |g, _s| norm(&g.identity);
    ComplianceConfiguration => |c, s| { c.identity = s.canonical_scope(&c.identity); c.identity.clone() };
    PersistentChatConfiguration => |c, s| { c.identity = s.canonical_scope(&c.identity); c.identity.clone() };
    Endpoint => |e, s| { s.settle_pool(&mut e.persistent_chat_pool_fqdn); norm(&e.sip_address) };
    PersistentChatState => |x, s| { x.identity = s.canonical_service(&x.identity); x.identity.clone() };
    ActiveServers => |x, s| { x.identity = s.canonical_service(&x.identity); x.identity.clone() };
}

impl Keyed for Room {
    /// A room without a pool goes where its category is (when several pools exist), so rooms
    /// are keyed after every category.
    fn settle(&mut self, state: &DesiredState) -> ObjectId {
        if self.persistent_chat_pool_fqdn.is_some() || state.pools.len() <= 1 {
            state.settle_pool(&mut self.persistent_chat_pool_fqdn);
        } else {
            self.persistent_chat_pool_fqdn = state.room_pool(self);
        }
        state.settle_room_refs(self);
        ObjectId::new(
            self.persistent_chat_pool_fqdn.clone().unwrap_or_default(),
            self.name.clone(),
        )
    }
}

/// Moves one kind's objects of a document into the state, in `pass` order: pools first (every
/// reference names one), rooms last (they may take their category's pool), the rest between.
/// `duplicate(kind, identity, index)` hears of each object whose key is taken already.
fn absorb<T: Keyed>(
    state: &mut DesiredState,
    doc: &mut Document,
    pass: u8,
    duplicate: &mut dyn FnMut(Kind, String, usize),
    declared: &mut dyn FnMut(Kind, &dyn std::fmt::Display, usize),
) {
    let wanted = match T::KIND {
        Kind::Pool => 0,
        Kind::Room => 2,
        _ => 1,
    };
    if pass != wanted {
        return;
    }
    for (index, mut item) in std::mem::take(T::declared_mut(doc)).into_iter().enumerate() {
        let key = item.settle(state);
        match T::map_mut(state).entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                declared(T::KIND, v.key(), index);
                v.insert(item);
            }
            std::collections::btree_map::Entry::Occupied(o) => {
                duplicate(T::KIND, o.key().to_string(), index)
            }
        }
    }
}

impl DesiredState {
    /// Builds the state from documents in order. Pools are read first and rooms last, so every
    /// reference can be resolved whichever file declares it.
    ///
    /// Returns the duplicates found: each names the later object; the earlier one keeps its place.
    pub fn from_documents<O: Copy>(docs: Vec<(O, Document)>) -> (Self, Vec<Duplicate<O>>) {
        Self::absorb_documents(docs, &mut |_, _, _, _| {})
    }

    /// [`Self::from_documents`], also recording where each object was declared, so that a
    /// message about an object can point at its place without reading the files again.
    pub fn from_documents_placed<O: Copy>(
        docs: Vec<(O, Document)>,
    ) -> (Self, Vec<Duplicate<O>>, Origins<O>) {
        let mut origins = Origins::default();
        let (state, dups) = Self::absorb_documents(docs, &mut |kind, key, origin, index| {
            origins.record(kind, key, origin, index)
        });
        (state, dups, origins)
    }

    fn absorb_documents<O: Copy>(
        docs: Vec<(O, Document)>,
        declared: &mut dyn FnMut(Kind, &dyn std::fmt::Display, O, usize),
    ) -> (Self, Vec<Duplicate<O>>) {
        let mut state = DesiredState::default();
        let dups = state.extend_from_documents(docs, declared);
        state.compact();
        (state, dups)
    }

    /// Rebuilds every map with full nodes. Objects inserted one by one in key order (as files
    /// and applies list them) leave each B-tree node half empty: at 100k rooms, about 30 MB.
    pub fn compact(&mut self) {
        fn rebuild<T: Object>(state: &mut DesiredState) {
            let map = T::map_mut(state);
            *map = std::mem::take(map).into_iter().collect();
        }
        super::kind::each_kind!(rebuild, &mut *self);
    }

    /// Adds the objects of `docs` to a state that has some already (whose pools and
    /// categories resolve the new objects' references as the whole configuration's would);
    /// returns the duplicates, and tells `declared` of each object added.
    pub fn extend_from_documents<O: Copy>(
        &mut self,
        docs: Vec<(O, Document)>,
        declared: &mut dyn FnMut(Kind, &dyn std::fmt::Display, O, usize),
    ) -> Vec<Duplicate<O>> {
        let state = self;
        let mut dups = Vec::new();
        let mut docs = docs;
        for pass in 0..3 {
            for (origin, doc) in &mut docs {
                let origin = *origin;
                let mut duplicate = |kind, identity, index| {
                    dups.push(Duplicate {
                        kind,
                        identity,
                        origin,
                        index,
                    })
                };
                let mut declared =
                    |kind, key: &dyn std::fmt::Display, index| declared(kind, key, origin, index);
                super::kind::each_kind!(
                    absorb,
                    &mut *state,
                    doc,
                    pass,
                    &mut duplicate,
                    &mut declared
                );
            }
        }
        dups
    }

    /// The declared pool a reference names (matched without regard to case, returned as
    /// declared); an undeclared name is kept as written for the rules to report. With no name,
    /// the only declared pool, if there is exactly one.
    pub fn resolve_pool(&self, given: Option<&str>) -> Option<String> {
        match given {
            Some(g) => Some(self.declared_pool(g).unwrap_or(g).to_string()),
            None if self.pools.len() == 1 => self.pools.values().next().map(|p| p.fqdn.clone()),
            None => None,
        }
    }

    /// A room without a pool takes its category's: the only pool, or else the one pool that has
    /// a category of that name.
    pub fn room_pool(&self, room: &Room) -> Option<String> {
        if room.persistent_chat_pool_fqdn.is_some() || self.pools.len() <= 1 {
            return self.resolve_pool(room.persistent_chat_pool_fqdn.as_deref());
        }
        let mut pools = self
            .categories
            .keys()
            .filter(|id| same_name(&id.name, &room.category) && !id.pool.is_empty())
            .map(|id| &id.pool);
        match (pools.next(), pools.next()) {
            (Some(p), None) => Some(p.clone()),
            _ => None,
        }
    }

    /// The declared pool of that name, as declared.
    pub fn declared_pool(&self, fqdn: &str) -> Option<&str> {
        // Pools are few; a scan avoids lower-casing a string for every object.
        self.pools
            .values()
            .find(|p| p.fqdn.eq_ignore_ascii_case(fqdn))
            .map(|p| p.fqdn.as_str())
    }

    /// Resolves an object's pool field in place, allocating only when it changes.
    fn settle_pool(&self, field: &mut Option<String>) {
        match field {
            Some(g) => {
                if let Some(d) = self.declared_pool(g) {
                    if d != g {
                        *g = d.to_string();
                    }
                }
            }
            None => *field = self.resolve_pool(None),
        }
    }

    /// A room names its category and add-in as they are spelt where they are declared (names
    /// match without regard to case, as on the service), so every later comparison and the
    /// store's lookups by name see one spelling.
    pub fn settle_room_refs(&self, room: &mut Room) {
        let pool = room.persistent_chat_pool_fqdn.clone().unwrap_or_default();
        let key = ObjectId::new(pool, std::mem::take(&mut room.category));
        room.category = match self.categories.get_key_value(&key) {
            Some((k, _)) => k.name.clone(),
            None => key.name,
        };
        if let Some(addin) = room.addin.take() {
            let key = ObjectId::new(key.pool, addin);
            room.addin = Some(match self.addins.get_key_value(&key) {
                Some((k, _)) => k.name.clone(),
                None => key.name,
            });
        }
    }

    fn canonical_scope(&self, scope: &Scope) -> Scope {
        match scope {
            Scope::Service(pool) => {
                Scope::Service(self.declared_pool(pool).unwrap_or(pool).to_string())
            }
            other => other.clone(),
        }
    }

    fn canonical_service(&self, id: &ServiceId) -> ServiceId {
        ServiceId {
            pool: self.declared_pool(&id.pool).unwrap_or(&id.pool).to_string(),
        }
    }

    /// The whole state as one document, each kind in identity order.
    pub fn to_document(&self) -> Document {
        Document {
            pools: self.pools.values().cloned().collect(),
            principals: self.principals.values().cloned().collect(),
            categories: self.categories.values().cloned().collect(),
            addins: self.addins.values().cloned().collect(),
            rooms: self.rooms.values().cloned().collect(),
            policies: self.policies.values().cloned().collect(),
            policy_grants: self.policy_grants.values().cloned().collect(),
            compliance_configurations: self.compliance_configurations.values().cloned().collect(),
            configurations: self.configurations.values().cloned().collect(),
            endpoints: self.endpoints.values().cloned().collect(),
            states: self.states.values().cloned().collect(),
            active_servers: self.active_servers.values().cloned().collect(),
        }
    }

    /// Calls `f` with every object's kind, identity and lifecycle metadata: the one walk over
    /// the kinds that carry a `lifecycle`.
    fn lifecycles_mut(&mut self, mut f: impl FnMut(Kind, &dyn std::fmt::Display, &mut Lifecycle)) {
        fn each<K: std::fmt::Display, V>(
            map: &mut BTreeMap<K, V>,
            kind: Kind,
            f: &mut dyn FnMut(Kind, &dyn std::fmt::Display, &mut Lifecycle),
            lifecycle: impl Fn(&mut V) -> &mut Lifecycle,
        ) {
            for (k, v) in map.iter_mut() {
                f(kind, k, lifecycle(v));
            }
        }
        each(&mut self.categories, Kind::Category, &mut f, |v| {
            &mut v.lifecycle
        });
        each(&mut self.addins, Kind::Addin, &mut f, |v| &mut v.lifecycle);
        each(&mut self.rooms, Kind::Room, &mut f, |v| &mut v.lifecycle);
        each(&mut self.policies, Kind::Policy, &mut f, |v| {
            &mut v.lifecycle
        });
        each(&mut self.policy_grants, Kind::PolicyGrant, &mut f, |v| {
            &mut v.lifecycle
        });
        each(
            &mut self.compliance_configurations,
            Kind::ComplianceConfiguration,
            &mut f,
            |v| &mut v.lifecycle,
        );
        each(&mut self.configurations, Kind::Configuration, &mut f, |v| {
            &mut v.lifecycle
        });
        each(&mut self.endpoints, Kind::Endpoint, &mut f, |v| {
            &mut v.lifecycle
        });
        each(&mut self.states, Kind::State, &mut f, |v| &mut v.lifecycle);
        each(&mut self.active_servers, Kind::ActiveServers, &mut f, |v| {
            &mut v.lifecycle
        });
    }

    /// The state without per-object lifecycle metadata: what a live store holds, since
    /// `lifecycle` guides the reconciler and is not part of the service's objects.
    pub fn without_lifecycle(mut self) -> Self {
        self.lifecycles_mut(|_, _, l| *l = Lifecycle::default());
        self
    }

    /// Sets `lifecycle.protect` on the objects named by (kind, identity), as the applies that
    /// made them recorded it: an export then carries the protection it found.
    pub fn mark_protected(&mut self, protected: &std::collections::HashSet<(Kind, String)>) {
        let kinds: std::collections::HashSet<Kind> = protected.iter().map(|(k, _)| *k).collect();
        // Identities are formatted only for kinds that have a protected object.
        self.lifecycles_mut(|kind, id, l| {
            if kinds.contains(&kind) && protected.contains(&(kind, id.to_string())) {
                l.protect = true;
            }
        });
    }

    /// How many objects of a kind the state holds.
    pub fn count(&self, kind: Kind) -> usize {
        fn of<T: Object>(s: &DesiredState, kind: Kind, n: &mut usize) {
            if T::KIND == kind {
                *n = T::map(s).len();
            }
        }
        let mut n = 0;
        super::kind::each_kind!(of, self, kind, &mut n);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rooms: &[&str]) -> Document {
        Document {
            rooms: rooms
                .iter()
                .map(|n| Room {
                    name: n.to_string(),
                    persistent_chat_pool_fqdn: Some("p.example.com".into()),
                    category: "c".into(),
                    description: String::new(),
                    room_type: Default::default(),
                    privacy: Default::default(),
                    addin: None,
                    invitations: Default::default(),
                    disabled: false,
                    members: vec![],
                    managers: vec![],
                    presenters: vec![],
                    previous_names: vec![],
                    lifecycle: Default::default(),
                })
                .collect(),
            ..Document::default()
        }
    }

    #[test]
    fn origins_name_the_file_and_index_that_first_declared_each_object() {
        let (state, dups, origins) = DesiredState::from_documents_placed(vec![
            (0usize, doc(&["A", "B"])),
            (1, doc(&["C", "b"])),
        ]);
        assert_eq!(state.rooms.len(), 3);
        let id = |name: &str| {
            state
                .rooms
                .keys()
                .find(|k| k.name == name)
                .expect("a room")
                .to_string()
        };
        assert_eq!(origins.get(Kind::Room, &id("A")), Some((0, 0)));
        assert_eq!(origins.get(Kind::Room, &id("C")), Some((1, 0)));
        // The later `b` is a duplicate of `B`: the origin stays with the first declaration.
        assert_eq!(dups.len(), 1);
        assert_eq!((dups[0].origin, dups[0].index), (1, 1));
        assert_eq!(origins.get(Kind::Room, &dups[0].identity), Some((0, 1)));
        assert_eq!(origins.get(Kind::Category, &id("A")), None);
        assert_eq!(origins.get(Kind::Room, "nowhere\\Z"), None);
    }
}
