//! Identities: `POOL_FQDN\NAME` for pool-scoped objects and the service's scope identities
//! (`global`, `site:NAME`, `tag:NAME`, `service:PersistentChatServer:POOL_FQDN`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Names compare as the service's SQL store compares them: without regard to case
/// (`…\HelpDesk` and `…\helpdesk` are one category). Names keep the spelling they were given.
pub fn fold_cmp(a: &str, b: &str) -> Ordering {
    // One pass over the bytes: equal bytes fold alike, an ASCII pair folds by itself, and only
    // a difference involving a non-ASCII byte needs the full folding (keys are compared in
    // every map lookup, so this is hot).
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x == y {
        // The common case for the pool half of every room's key: one memcmp.
        return Ordering::Equal;
    }
    for (&p, &q) in x.iter().zip(y) {
        if p == q {
            continue;
        }
        if !p.is_ascii() || !q.is_ascii() {
            return fold_cmp_chars(a, b);
        }
        match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    x.len().cmp(&y.len())
}

fn fold_cmp_chars(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// `s` as one of a parameter's values, spelled as the cmdlet spells them, in any case.
pub fn one_of<T: Copy>(s: &str, choices: &[(&str, T)]) -> Result<T, String> {
    match choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
    {
        Some((_, value)) => Ok(*value),
        None => {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            let hint = crate::suggest::nearest(s, names.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!("expected one of {}{hint}", names.join(", ")))
        }
    }
}

/// Whether two names are the same name to the service (case aside).
pub fn same_name(a: &str, b: &str) -> bool {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return true;
    }
    !(a.is_ascii() && b.is_ascii()) && fold_cmp_chars(a, b) == Ordering::Equal
}

/// A name as the key the service compares (lower case).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

fn hash_folded<H: Hasher>(s: &str, h: &mut H) {
    for c in s.chars().flat_map(char::to_lowercase) {
        h.write_u32(c as u32);
    }
    h.write_u8(0xff);
}

/// Equality, order and hash of an identity whose names compare as the service compares them
/// (case aside), field by field.
macro_rules! folded_identity {
    ($t:ident: $($f:ident),+) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                $(same_name(&self.$f, &other.$f))&&+
            }
        }
        impl Eq for $t {}
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                Ordering::Equal$(.then_with(|| fold_cmp(&self.$f, &other.$f)))+
            }
        }
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Hash for $t {
            fn hash<H: Hasher>(&self, h: &mut H) {
                $(hash_folded(&self.$f, h);)+
            }
        }
    };
}

/// The identity of a pool-scoped object (category, room, add-in): `POOL_FQDN\NAME`. Two
/// identities are equal when they differ only in case, as on the service.
#[derive(Debug, Clone)]
pub struct ObjectId {
    pub pool: String,
    pub name: String,
}

impl ObjectId {
    pub fn new(pool: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectId {
            pool: pool.into(),
            name: name.into(),
        }
    }
}

folded_identity!(ObjectId: pool, name);

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\\{}", self.pool, self.name)
    }
}

impl FromStr for ObjectId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('\\') {
            Some((pool, name)) if !pool.is_empty() && !name.is_empty() => {
                Ok(ObjectId::new(pool, name))
            }
            _ => Err(format!(
                "invalid identity `{s}`: expected `POOL_FQDN\\NAME`"
            )),
        }
    }
}

/// The prefix of a Persistent Chat service identity, as the service prints it.
pub const SERVICE_PREFIX: &str = "PersistentChatServer:";

/// A scope identity: where a policy or a setting applies. Names compare without regard to case.
#[derive(Debug, Clone)]
pub enum Scope {
    /// `global`: applies everywhere not covered by a narrower scope; always exists.
    Global,
    /// `site:NAME`: applies to one site.
    Site(String),
    /// `tag:NAME`: a policy that applies only to users it is granted to.
    Tag(String),
    /// `service:PersistentChatServer:POOL_FQDN`: applies to one pool.
    Service(String),
}

impl Scope {
    /// The scope's kind word (`global`, `site`, `tag`, `service`), for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Site(_) => "site",
            Scope::Tag(_) => "tag",
            Scope::Service(_) => "service",
        }
    }
}

impl Scope {
    fn rank(&self) -> (u8, &str) {
        match self {
            Scope::Global => (0, ""),
            Scope::Site(n) => (1, n),
            Scope::Tag(n) => (2, n),
            Scope::Service(p) => (3, p),
        }
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        let ((a, x), (b, y)) = (self.rank(), other.rank());
        a == b && same_name(x, y)
    }
}

impl Eq for Scope {}

impl Ord for Scope {
    fn cmp(&self, other: &Self) -> Ordering {
        let ((a, x), (b, y)) = (self.rank(), other.rank());
        a.cmp(&b).then_with(|| fold_cmp(x, y))
    }
}

impl PartialOrd for Scope {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Scope {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let (rank, name) = self.rank();
        h.write_u8(rank);
        hash_folded(name, h);
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Global => f.write_str("global"),
            Scope::Site(n) => write!(f, "site:{n}"),
            Scope::Tag(n) => write!(f, "tag:{n}"),
            Scope::Service(p) => write!(f, "service:{SERVICE_PREFIX}{p}"),
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    /// The forms the cmdlets take: `global` (any case), `site:NAME`, `tag:NAME`,
    /// `service:PersistentChatServer:POOL`, and a bare NAME for a per-user policy (`tag:NAME`),
    /// as the help pages write it (`-Identity RedmondPersistentChatPolicy`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "invalid scope identity `{s}`: expected `global`, `site:NAME`, `tag:NAME` (or a \
                 bare NAME) or `service:PersistentChatServer:POOL_FQDN`"
            )
        };
        if s.eq_ignore_ascii_case("global") {
            return Ok(Scope::Global);
        }
        let Some((prefix, rest)) = s.split_once(':') else {
            // A bare name is a per-user policy's.
            if s.trim().is_empty() || s != s.trim() || s.contains('\\') {
                return Err(bad());
            }
            return Ok(Scope::Tag(s.to_string()));
        };
        if rest.trim().is_empty() || rest != rest.trim() {
            return Err(bad());
        }
        match prefix.to_ascii_lowercase().as_str() {
            "site" => Ok(Scope::Site(rest.to_string())),
            "tag" => Ok(Scope::Tag(rest.to_string())),
            "service" => match strip_prefix_nocase(rest, SERVICE_PREFIX) {
                Some(pool) if !pool.is_empty() => Ok(Scope::Service(pool.to_string())),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

/// `s` without `prefix`, the prefix matched without regard to ASCII case.
fn strip_prefix_nocase<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

text_type!(Scope, "A scope identity: `global`, `site:NAME`, `tag:NAME` or a bare NAME (per-user policies only) or `service:PersistentChatServer:POOL_FQDN` (settings only); names compare without regard to case.", "^([Ss][Ii][Tt][Ee]:\\S.*|[Tt][Aa][Gg]:\\S.*|[Ss][Ee][Rr][Vv][Ii][Cc][Ee]:[Pp][Ee][Rr][Ss][Ii][Ss][Tt][Ee][Nn][Tt][Cc][Hh][Aa][Tt][Ss][Ee][Rr][Vv][Ee][Rr]:\\S+|[^:\\s\\\\][^:\\\\]*)$");

/// The identity of a pool's Persistent Chat service, as `Get-CsPersistentChatState` prints it
/// (`PersistentChatServer:POOL_FQDN`); `service:PersistentChatServer:POOL_FQDN` is accepted too.
#[derive(Debug, Clone)]
pub struct ServiceId {
    pub pool: String,
}

folded_identity!(ServiceId: pool);

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SERVICE_PREFIX}{}", self.pool)
    }
}

impl FromStr for ServiceId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = strip_prefix_nocase(s, "service:").unwrap_or(s);
        match strip_prefix_nocase(rest, SERVICE_PREFIX) {
            Some(pool) if !pool.is_empty() && !pool.contains(char::is_whitespace) => {
                Ok(ServiceId {
                    pool: pool.to_string(),
                })
            }
            _ => Err(format!(
                "invalid service identity `{s}`: expected `PersistentChatServer:POOL_FQDN`"
            )),
        }
    }
}

text_type!(ServiceId, "A pool's Persistent Chat service: `PersistentChatServer:POOL_FQDN` (or with a `service:` prefix).", "^([Ss][Ee][Rr][Vv][Ii][Cc][Ee]:)?[Pp][Ee][Rr][Ss][Ii][Ss][Tt][Ee][Nn][Tt][Cc][Hh][Aa][Tt][Ss][Ee][Rr][Vv][Ee][Rr]:\\S+$");

/// A pool's service as `-Identity` takes it: `PersistentChatServer:POOL_FQDN`, or the bare
/// FQDN (or `global`, or a collection name) for it.
pub fn service_id(s: &str) -> Result<ServiceId, String> {
    s.parse::<ServiceId>()
        .or_else(|_| format!("PersistentChatServer:{s}").parse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_one_of_the_cmdlets_spellings_in_any_case() {
        let choices = [("All", 1), ("RoomDirectory", 2)];
        assert_eq!(one_of("roomdirectory", &choices), Ok(2));
        assert_eq!(one_of("ALL", &choices), Ok(1));
        assert_eq!(
            one_of("Room", &choices),
            Err("expected one of All, RoomDirectory".to_string())
        );
    }

    #[test]
    fn scopes_round_trip_through_text() {
        for s in [
            "global",
            "site:Redmond",
            "tag:ChatEnabled",
            "service:PersistentChatServer:atl-pchat-001.litwareinc.com",
        ] {
            assert_eq!(s.parse::<Scope>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn scopes_take_the_help_pages_forms() {
        assert_eq!("Global".parse::<Scope>().unwrap(), Scope::Global);
        assert_eq!(
            "RedmondPersistentChatPolicy".parse::<Scope>().unwrap(),
            Scope::Tag("RedmondPersistentChatPolicy".into())
        );
        assert_eq!(
            "Site:redmond".parse::<Scope>().unwrap(),
            "site:Redmond".parse::<Scope>().unwrap()
        );
        assert_eq!(
            "site:Redmond".parse::<Scope>().unwrap().to_string(),
            "site:Redmond"
        );
    }

    #[test]
    fn fold_cmp_is_the_full_folding_however_it_gets_there() {
        // The reference: both ASCII, ASCII folding; otherwise every letter folded.
        fn reference(a: &str, b: &str) -> Ordering {
            if a.is_ascii() && b.is_ascii() {
                return a
                    .bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
            }
            fold_cmp_chars(a, b)
        }
        use proptest::prelude::*;
        proptest!(|(a in "[a-cA-C\\\\.ÄäKkİi\u{212A}\u{307}]{0,6}", b in "[a-cA-C\\\\.ÄäKkİi\u{212A}\u{307}]{0,6}")| {
            prop_assert_eq!(fold_cmp(&a, &b), reference(&a, &b));
            prop_assert_eq!(same_name(&a, &b), reference(&a, &b) == Ordering::Equal);
        });
    }

    #[test]
    fn identities_compare_without_case_and_keep_their_spelling() {
        let a: ObjectId = r"atl.example.com\HelpDesk".parse().unwrap();
        let b: ObjectId = r"ATL.example.com\helpdesk".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert_ne!(a, r"atl.example.com\HelpDesk2".parse::<ObjectId>().unwrap());
        assert_eq!(a.to_string(), r"atl.example.com\HelpDesk");
        let mut map = std::collections::BTreeMap::new();
        map.insert(a.clone(), 1);
        assert_eq!(map.get(&b), Some(&1));
        let hash = |x: &ObjectId| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&a), hash(&b));
        // Beyond ASCII too: the service's collation folds every letter.
        assert!(same_name("Ärger", "äRGER"));
        assert!(!same_name("Ärger", "Arger"));
        assert_eq!(
            "tag:Sales".parse::<Scope>().unwrap(),
            "TAG:sales".parse::<Scope>().unwrap()
        );
        assert_eq!(
            "PersistentChatServer:P.example.com"
                .parse::<ServiceId>()
                .unwrap(),
            "persistentchatserver:p.EXAMPLE.com"
                .parse::<ServiceId>()
                .unwrap()
        );
    }

    #[test]
    fn bad_scopes_are_refused() {
        assert!("site:".parse::<Scope>().is_err());
        assert!(" padded".parse::<Scope>().is_err());
        assert!("service:pool.example.com".parse::<Scope>().is_err());
        assert!("region:x".parse::<Scope>().is_err());
    }

    #[test]
    fn service_ids_accept_both_spellings() {
        let a: ServiceId = "PersistentChatServer:p.example.com".parse().unwrap();
        let b: ServiceId = "service:PersistentChatServer:p.example.com"
            .parse()
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "PersistentChatServer:p.example.com");
        assert!("p.example.com".parse::<ServiceId>().is_err());
    }

    #[test]
    fn object_ids_split_on_the_backslash() {
        let id: ObjectId = r"p.example.com\Sales".parse().unwrap();
        assert_eq!(id, ObjectId::new("p.example.com", "Sales"));
        assert_eq!(id.to_string(), r"p.example.com\Sales");
        assert!("Sales".parse::<ObjectId>().is_err());
    }
}
