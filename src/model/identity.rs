//! Identities: `POOL_FQDN\NAME` for pool-scoped objects and the service's scope identities
//! (`global`, `site:NAME`, `tag:NAME`, `service:PersistentChatServer:POOL_FQDN`).

use std::fmt;
use std::str::FromStr;

/// The identity of a pool-scoped object (category, room, add-in): `POOL_FQDN\NAME`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// A scope identity: where a policy or a setting applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            let hint = if s.eq_ignore_ascii_case("global") {
                " (did you mean `global`?)".to_string()
            } else {
                String::new()
            };
            format!(
                "invalid scope identity `{s}`: expected `global`, `site:NAME`, `tag:NAME` or \
                 `service:PersistentChatServer:POOL_FQDN`{hint}"
            )
        };
        if s == "global" {
            return Ok(Scope::Global);
        }
        let (prefix, rest) = s.split_once(':').ok_or_else(bad)?;
        if rest.trim().is_empty() || rest != rest.trim() {
            return Err(bad());
        }
        match prefix {
            "site" => Ok(Scope::Site(rest.to_string())),
            "tag" => Ok(Scope::Tag(rest.to_string())),
            "service" => match rest.strip_prefix(SERVICE_PREFIX) {
                Some(pool) if !pool.is_empty() => Ok(Scope::Service(pool.to_string())),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

text_type!(Scope, "A scope identity: `global`, `site:NAME`, `tag:NAME` (policies only) or `service:PersistentChatServer:POOL_FQDN` (settings only).", "^(global|site:\\S.*|tag:\\S.*|service:PersistentChatServer:\\S+)$");

/// The identity of a pool's Persistent Chat service, as `Get-CsPersistentChatState` prints it
/// (`PersistentChatServer:POOL_FQDN`); `service:PersistentChatServer:POOL_FQDN` is accepted too.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId {
    pub pool: String,
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SERVICE_PREFIX}{}", self.pool)
    }
}

impl FromStr for ServiceId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s.strip_prefix("service:").unwrap_or(s);
        match rest.strip_prefix(SERVICE_PREFIX) {
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

text_type!(ServiceId, "A pool's Persistent Chat service: `PersistentChatServer:POOL_FQDN` (or with a `service:` prefix).", "^(service:)?PersistentChatServer:\\S+$");

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bad_scopes_are_refused_with_a_hint() {
        assert!("Global"
            .parse::<Scope>()
            .unwrap_err()
            .contains("did you mean `global`"));
        assert!("site:".parse::<Scope>().is_err());
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
