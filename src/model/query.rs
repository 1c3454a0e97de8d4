//! What each `Get-` returns for its parameters: objects by identity as their kind names them,
//! by name pattern and pool, `Get-CsPersistentChatRoom`'s own filters, `Get-CsAdPrincipal`'s
//! OU, the eligible principals and the effective policies. `-Filter` comparisons are
//! `opath`'s; the CLI parses the flags into these and the store reads the state they run on.

use std::any::Any;

use super::access;
use super::identity::service_id;
use super::opath::{is_opath, wildcard};
use super::principal::key_or_text as key;
use super::*;

/// A `-Filter` that is a name pattern (`*Sales*`) rather than comparisons of properties.
pub fn pattern(filter: Option<&str>) -> Option<&str> {
    filter.filter(|f| !is_opath(f))
}

/// What a pipeline (`Get-… | Remove-…`) selects: every object, or those whose name (`name`
/// says what a pattern matches) or properties match `filter`; their keys, in identity order.
pub fn pick<'s, T: Object + 's>(
    state: &'s DesiredState,
    filter: Option<&str>,
    name: impl Fn(&T::Key, &T) -> String,
) -> Result<Vec<&'s T::Key>, String> {
    let named: Vec<(&T::Key, &T)> = T::map(state)
        .iter()
        .filter(|(k, x)| pattern(filter).is_none_or(|p| wildcard(p, &name(k, x))))
        .collect();
    let kept = super::opath::narrow_with(state, named, filter, |(_, x)| *x)?;
    Ok(kept.into_iter().map(|(k, _)| k).collect())
}

/// `Get-CsPersistentChatRoom`'s parameters beyond identity and filter.
#[derive(Debug, Clone, Default)]
pub struct RoomQuery {
    /// Rooms of this category (name).
    pub category: Option<String>,
    pub privacy: Option<Privacy>,
    pub room_type: Option<RoomType>,
    pub member: Option<String>,
    pub manager: Option<String>,
    pub presenter: Option<String>,
    pub disabled: Option<bool>,
    /// Rooms showing this add-in (name).
    pub addin: Option<String>,
    pub invitations: Option<RoomInvitations>,
    /// The filter's pattern matches the description too.
    pub search_description: bool,
    /// At most this many rooms.
    pub result_size: Option<usize>,
}

impl RoomQuery {
    /// Whether a room passes.
    pub fn keeps(&self, r: &Room) -> bool {
        let has = |list: &[String], who: &Option<String>| {
            who.as_ref()
                .is_none_or(|w| list.iter().any(|p| key(p) == key(w)))
        };
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_ref()
                .is_none_or(|w| have.is_some_and(|h| same_name(w, h)))
        };
        same(&self.category, Some(&r.category))
            && self.invitations.is_none_or(|i| i == r.invitations)
            && self.privacy.is_none_or(|p| p == r.privacy)
            && self.room_type.is_none_or(|t| t == r.room_type)
            && has(&r.members, &self.member)
            && has(&r.managers, &self.manager)
            && has(&r.presenters, &self.presenter)
            && self.disabled.is_none_or(|d| d == r.disabled)
            && same(&self.addin, r.addin.as_deref())
    }
}

/// A `Get-` of any kind: `-Identity`, a name pattern as `-Filter`, the pool, and for rooms
/// their own filters.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub identity: Option<String>,
    pub filter: Option<String>,
    pub pool: Option<String>,
    pub rooms: Option<RoomQuery>,
}

const POOL_KEY: &str = "persistentChatPoolFqdn";

/// Whether an object is the one `-Identity` names, as its kind names objects.
pub fn named(naming: Naming, given: &str, key: &str, name: Option<String>) -> bool {
    match naming {
        Naming::Pooled if !given.contains('\\') => name.is_some_and(|n| same_name(&n, given)),
        Naming::Pooled => given.parse::<ObjectId>().ok() == key.parse::<ObjectId>().ok(),
        Naming::Scope => given.parse::<Scope>().ok() == key.parse::<Scope>().ok(),
        Naming::Service => {
            let pool = |s: &str| service_id(s).map(|id| id.pool.to_ascii_lowercase());
            pool(given).ok() == pool(key).ok()
        }
        Naming::Sip | Naming::Other => given.eq_ignore_ascii_case(key),
    }
}

impl Query {
    /// The one room this query names, when it names one by `POOL_FQDN\NAME` and nothing else
    /// can widen it: then only that room needs reading.
    pub fn one_room(&self, kind: Kind) -> Option<ObjectId> {
        let searches = self.rooms.as_ref().is_some_and(|r| r.search_description);
        self.identity
            .as_ref()
            .filter(|id| kind == Kind::Room && id.contains('\\') && !searches)
            .and_then(|id| id.parse().ok())
    }

    /// The objects of kind `T` the query returns, in the state's order.
    pub fn select<'s, T: Object + 'static>(&self, state: &'s DesiredState) -> Vec<&'s T> {
        let naming = T::KIND.desc().naming;
        let pattern = pattern(self.filter.as_deref());
        let rooms = self.rooms.as_ref();
        let keeps = |k: &T::Key, x: &T| {
            let key = k.to_string();
            let name = x.cell("name");
            let described = || {
                rooms.is_some_and(|r| r.search_description)
                    && pattern
                        .is_some_and(|f| x.cell("description").is_some_and(|d| wildcard(f, &d)))
            };
            let by_pattern = |f: &str| match &name {
                Some(n) => wildcard(f, n),
                None => wildcard(f, &key) || wildcard(f, &x.cell(POOL_KEY).unwrap_or_default()),
            };
            let of_pool = || {
                self.pool
                    .as_ref()
                    .is_none_or(|p| x.cell(POOL_KEY).is_some_and(|q| q.eq_ignore_ascii_case(p)))
            };
            let picked = self
                .identity
                .as_ref()
                .is_none_or(|i| named(naming, i, &key, name.clone()))
                && pattern.is_none_or(by_pattern)
                && of_pool();
            let room = (x as &dyn Any).downcast_ref::<Room>();
            (picked || described()) && rooms.is_none_or(|q| room.is_none_or(|r| q.keeps(r)))
        };
        let limit = rooms.and_then(|r| r.result_size);
        T::map(state)
            .iter()
            .filter(|(k, x)| keeps(k, x))
            .map(|(_, x)| x)
            .take(limit.unwrap_or(usize::MAX))
            .collect()
    }
}

/// `Get-CsAdPrincipal`: by SIP URI or distinguished name, by a pattern over SIP URI, DN and
/// display name, and under an OU.
pub fn principals<'s>(
    state: &'s DesiredState,
    identity: Option<&str>,
    filter: Option<&str>,
    ou: Option<&str>,
    result_size: Option<usize>,
) -> Vec<&'s Principal> {
    let ou = ou.map(key);
    let pattern = pattern(filter);
    state
        .principals
        .iter()
        .filter(|(k, p)| {
            let dn = p.distinguished_name.as_deref();
            identity.is_none_or(|i| {
                let i = key(i);
                **k == i || dn.map(key) == Some(i)
            }) && pattern.is_none_or(|f| {
                [p.sip_address.as_deref(), dn, p.display_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|t| wildcard(f, t))
            }) && ou.as_ref().is_none_or(|ou| {
                dn.map(key)
                    .is_some_and(|dn| dn.ends_with(&format!(",{ou}")))
            })
        })
        .map(|(_, p)| p)
        .take(result_size.unwrap_or(usize::MAX))
        .collect()
}

/// A user as a listing shows them: SIP address and display name, and where the listing is of
/// effective policies, the policy and whether it enables Persistent Chat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub sip_address: String,
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_persistent_chat: Option<bool>,
}

fn user(state: &DesiredState, u: &str) -> User {
    let p = state.principals.get(&key(u));
    User {
        sip_address: p
            .and_then(|p| p.sip_address.clone())
            .unwrap_or_else(|| u.to_string()),
        display_name: p.and_then(|p| p.display_name.clone()),
        policy: None,
        enable_persistent_chat: None,
    }
}

/// What `Get-CsPersistentChatEligiblePrincipal` asks about.
#[derive(Debug, Clone, Copy)]
pub enum Eligible<'a> {
    Category(&'a str),
    Room(&'a str),
    /// Who may present in an auditorium room.
    Presenters(&'a str),
}

/// `Get-CsPersistentChatEligiblePrincipal`: the users a category or room admits, named by
/// `POOL_FQDN\NAME` or by name in `pool` (default: the only pool), filtered by a pattern over
/// their SIP address. What does not exist, or a room that has no presenters, is an error.
pub fn eligible(
    state: &DesiredState,
    of: Eligible<'_>,
    pool: Option<&str>,
    filter: Option<&str>,
    result_size: Option<usize>,
) -> Result<Vec<User>, String> {
    let id = |name: &str| -> ObjectId {
        name.parse()
            .unwrap_or_else(|_| ObjectId::new(state.resolve_pool(pool).unwrap_or_default(), name))
    };
    let (users, what) = match of {
        Eligible::Category(c) => (
            access::eligible_for_category(state, &id(c)),
            format!("category `{}`", id(c)),
        ),
        Eligible::Room(r) | Eligible::Presenters(r) => {
            let room = state.rooms.get(&id(r));
            // Only an auditorium has presenters, as the cmdlet's -Presenters says.
            if matches!(of, Eligible::Presenters(_))
                && room.is_some_and(|x| x.room_type != RoomType::Auditorium)
            {
                return Err(format!(
                    "--presenters: room `{}` is not an Auditorium room: only those have presenters",
                    id(r)
                ));
            }
            (
                access::eligible_for_room(state, &id(r)),
                format!("room `{}`", id(r)),
            )
        }
    };
    let users = users.ok_or_else(|| format!("{what} does not exist"))?;
    let pattern = pattern(filter);
    Ok(users
        .into_iter()
        .filter(|k| pattern.is_none_or(|f| wildcard(f, k)))
        .take(result_size.unwrap_or(usize::MAX))
        .map(|u| user(state, &u))
        .collect())
}

/// Each user's effective policy (one user's when `identity` is given): grant, else site,
/// else global.
pub fn effective_policies(state: &DesiredState, identity: Option<&str>) -> Vec<User> {
    let users: Vec<String> = match identity {
        Some(u) => vec![u.to_string()],
        None => state
            .principals
            .values()
            .filter(|p| p.principal_type == PrincipalType::User)
            .filter_map(|p| p.sip_address.clone())
            .collect(),
    };
    users
        .iter()
        .map(|u| {
            let e = access::effective_policy(state, u);
            User {
                sip_address: u.clone(),
                policy: Some(e.identity.to_string()),
                enable_persistent_chat: Some(e.enable_persistent_chat),
                ..user(state, u)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str, privacy: Privacy, room_type: RoomType) -> Room {
        serde_json::from_value(serde_json::json!({"name": name, "category": "C"}))
            .map(|r: Room| Room {
                privacy,
                room_type,
                persistent_chat_pool_fqdn: Some("p.example.com".into()),
                ..r
            })
            .unwrap()
    }

    fn state() -> DesiredState {
        let mut s = DesiredState::default();
        for r in [
            room("Sales", Privacy::Closed, RoomType::Normal),
            room("Town Hall", Privacy::Open, RoomType::Auditorium),
        ] {
            s.rooms.insert(ObjectId::new("p.example.com", &r.name), r);
        }
        let c: Category = serde_json::from_value(serde_json::json!({"name": "C"})).unwrap();
        s.categories.insert(ObjectId::new("p.example.com", "C"), c);
        s
    }

    fn names(rooms: Vec<&Room>) -> Vec<&str> {
        rooms.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn a_query_selects_by_name_identity_and_the_room_filters_defaults_included() {
        let s = state();
        let by = |q: Query| names(q.select::<Room>(&s));
        let bare = Query {
            identity: Some("sales".into()),
            ..Query::default()
        };
        assert_eq!(by(bare), ["Sales"]);
        // Closed is the default privacy: a filter on it still finds the room.
        let closed = Query {
            rooms: Some(RoomQuery {
                privacy: Some(Privacy::Closed),
                ..RoomQuery::default()
            }),
            ..Query::default()
        };
        assert_eq!(by(closed), ["Sales"]);
        let pattern = Query {
            filter: Some("Town*".into()),
            ..Query::default()
        };
        assert_eq!(by(pattern), ["Town Hall"]);
        let one = Query {
            identity: Some("p.example.com\\Sales".into()),
            ..Query::default()
        };
        assert_eq!(
            one.one_room(Kind::Room),
            "p.example.com\\Sales".parse().ok()
        );
        assert_eq!(Query::default().one_room(Kind::Room), None);
    }

    #[test]
    fn presenters_are_asked_of_auditoriums_only_and_a_missing_room_is_said() {
        let s = state();
        let pool = Some("p.example.com");
        let normal = eligible(&s, Eligible::Presenters("Sales"), pool, None, None);
        assert!(normal.unwrap_err().contains("not an Auditorium"));
        assert!(eligible(&s, Eligible::Presenters("Town Hall"), pool, None, None).is_ok());
        let gone = eligible(&s, Eligible::Room("Nope"), pool, None, None);
        assert!(gone.unwrap_err().contains("does not exist"));
    }
}
