//! The desired state: every declared object, keyed by identity, with pool references resolved.
//! The same shape describes a snapshot of the live store.

use std::collections::BTreeMap;

use super::*;

/// All objects of a configuration, keyed by identity.
#[derive(Debug, Clone, Default, PartialEq)]
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
}

/// An object whose identity an earlier object already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate<O> {
    pub kind: Kind,
    pub identity: String,
    /// Where the later object came from, and its index in its document's list.
    pub origin: O,
    pub index: usize,
}

use super::principal::key_or_text as norm;

macro_rules! absorb {
    ($map:expr, $kind:expr, $origin:expr, $dups:expr, $items:expr, |$item:ident| $key:expr) => {
        #[allow(unused_mut)] // Only some kinds rewrite the object while keying it.
        for (index, mut $item) in $items.into_iter().enumerate() {
            let key = $key;
            match $map.entry(key) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert($item);
                }
                std::collections::btree_map::Entry::Occupied(o) => $dups.push(Duplicate {
                    kind: $kind,
                    identity: o.key().to_string(),
                    origin: $origin,
                    index,
                }),
            }
        }
    };
}

impl DesiredState {
    /// Builds the state from documents in order. Pools are read first and rooms last, so every
    /// reference can be resolved whichever file declares it.
    ///
    /// Returns the duplicates found: each names the later object; the earlier one keeps its place.
    pub fn from_documents<O: Copy>(docs: Vec<(O, Document)>) -> (Self, Vec<Duplicate<O>>) {
        let mut state = DesiredState::default();
        let mut dups = Vec::new();
        let mut docs = docs;
        for (origin, doc) in &mut docs {
            let pools = std::mem::take(&mut doc.pools);
            absorb!(state.pools, Kind::Pool, *origin, dups, pools, |p| p
                .fqdn
                .to_ascii_lowercase());
        }
        let mut rooms = Vec::new();
        for (origin, doc) in docs {
            let Document {
                pools: _,
                principals,
                categories,
                addins,
                rooms: doc_rooms,
                policies,
                policy_grants,
                compliance_configurations,
                configurations,
                endpoints,
                states,
                active_servers,
            } = doc;
            absorb!(
                state.principals,
                Kind::Principal,
                origin,
                dups,
                principals,
                |p| norm(p.identity())
            );
            absorb!(
                state.categories,
                Kind::Category,
                origin,
                dups,
                categories,
                |c| {
                    state.settle_pool(&mut c.persistent_chat_pool_fqdn);
                    ObjectId::new(
                        c.persistent_chat_pool_fqdn.clone().unwrap_or_default(),
                        c.name.clone(),
                    )
                }
            );
            absorb!(state.addins, Kind::Addin, origin, dups, addins, |a| {
                state.settle_pool(&mut a.persistent_chat_pool_fqdn);
                ObjectId::new(
                    a.persistent_chat_pool_fqdn.clone().unwrap_or_default(),
                    a.name.clone(),
                )
            });
            absorb!(state.policies, Kind::Policy, origin, dups, policies, |p| {
                p.identity = state.canonical_scope(&p.identity);
                p.identity.clone()
            });
            absorb!(
                state.policy_grants,
                Kind::PolicyGrant,
                origin,
                dups,
                policy_grants,
                |g| { norm(&g.identity) }
            );
            absorb!(
                state.compliance_configurations,
                Kind::ComplianceConfiguration,
                origin,
                dups,
                compliance_configurations,
                |c| {
                    c.identity = state.canonical_scope(&c.identity);
                    c.identity.clone()
                }
            );
            absorb!(
                state.configurations,
                Kind::Configuration,
                origin,
                dups,
                configurations,
                |c| {
                    c.identity = state.canonical_scope(&c.identity);
                    c.identity.clone()
                }
            );
            absorb!(
                state.endpoints,
                Kind::Endpoint,
                origin,
                dups,
                endpoints,
                |e| {
                    state.settle_pool(&mut e.persistent_chat_pool_fqdn);
                    norm(&e.sip_address)
                }
            );
            absorb!(state.states, Kind::State, origin, dups, states, |s| {
                s.identity = state.canonical_service(&s.identity);
                s.identity.clone()
            });
            absorb!(
                state.active_servers,
                Kind::ActiveServers,
                origin,
                dups,
                active_servers,
                |a| {
                    a.identity = state.canonical_service(&a.identity);
                    a.identity.clone()
                }
            );
            rooms.push((origin, doc_rooms));
        }
        for (origin, doc_rooms) in rooms {
            absorb!(state.rooms, Kind::Room, origin, dups, doc_rooms, |r| {
                if r.persistent_chat_pool_fqdn.is_some() || state.pools.len() <= 1 {
                    state.settle_pool(&mut r.persistent_chat_pool_fqdn);
                } else {
                    r.persistent_chat_pool_fqdn = state.room_pool(&r);
                }
                ObjectId::new(
                    r.persistent_chat_pool_fqdn.clone().unwrap_or_default(),
                    r.name.clone(),
                )
            });
        }
        (state, dups)
    }

    /// The identity text of every object in a document, as this state keys it (after
    /// resolution), in document order: `(kind, index, identity)`. Used to point a message
    /// about an object back at the place that declared it.
    pub fn identities(&self, doc: &Document) -> Vec<(Kind, usize, String)> {
        let mut out = Vec::new();
        let mut push = |kind, items: Vec<String>| {
            out.extend(items.into_iter().enumerate().map(|(i, id)| (kind, i, id)));
        };
        push(
            Kind::Pool,
            doc.pools
                .iter()
                .map(|p| p.fqdn.to_ascii_lowercase())
                .collect(),
        );
        push(
            Kind::Principal,
            doc.principals.iter().map(|p| norm(p.identity())).collect(),
        );
        let pooled = |given: Option<&str>, name: &str| {
            ObjectId::new(self.resolve_pool(given).unwrap_or_default(), name).to_string()
        };
        push(
            Kind::Category,
            doc.categories
                .iter()
                .map(|c| pooled(c.persistent_chat_pool_fqdn.as_deref(), &c.name))
                .collect(),
        );
        push(
            Kind::Addin,
            doc.addins
                .iter()
                .map(|a| pooled(a.persistent_chat_pool_fqdn.as_deref(), &a.name))
                .collect(),
        );
        push(
            Kind::Room,
            doc.rooms
                .iter()
                .map(|r| {
                    ObjectId::new(self.room_pool(r).unwrap_or_default(), r.name.clone()).to_string()
                })
                .collect(),
        );
        push(
            Kind::Policy,
            doc.policies
                .iter()
                .map(|p| self.canonical_scope(&p.identity).to_string())
                .collect(),
        );
        push(
            Kind::PolicyGrant,
            doc.policy_grants
                .iter()
                .map(|g| norm(&g.identity))
                .collect(),
        );
        push(
            Kind::ComplianceConfiguration,
            doc.compliance_configurations
                .iter()
                .map(|c| self.canonical_scope(&c.identity).to_string())
                .collect(),
        );
        push(
            Kind::Configuration,
            doc.configurations
                .iter()
                .map(|c| self.canonical_scope(&c.identity).to_string())
                .collect(),
        );
        push(
            Kind::Endpoint,
            doc.endpoints.iter().map(|e| norm(&e.sip_address)).collect(),
        );
        push(
            Kind::State,
            doc.states
                .iter()
                .map(|s| self.canonical_service(&s.identity).to_string())
                .collect(),
        );
        push(
            Kind::ActiveServers,
            doc.active_servers
                .iter()
                .map(|a| self.canonical_service(&a.identity).to_string())
                .collect(),
        );
        out
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
            .filter(|id| id.name == room.category && !id.pool.is_empty())
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
