//! The object model of the Persistent Chat service: one module per kind, their identities,
//! enums, defaults and ranges (from `shared/spec/persistent-chat.md`), the desired state that
//! holds them, and the rules that tie them together.
//!
//! Invariant: no I/O here, and no sqlx, tokio, clap, serde_yaml or terminal code. Types derive
//! serde and schemars so loaders and the schema generator can use them, nothing more.

/// Serde and schemars for a type written as text (`Display` and `FromStr`): a string in YAML,
/// JSON and the schema, with a description and a pattern.
macro_rules! text_type {
    ($t:ty, $description:expr, $pattern:expr) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($t).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": $description,
                    "pattern": $pattern
                })
            }
        }
    };
}

pub mod access;
pub mod active_server;
pub mod addin;
pub mod category;
pub mod compliance;
pub mod configuration;
pub mod desired;
pub mod document;
pub mod endpoint;
pub mod format;
pub mod identity;
pub mod kind;
pub mod lifecycle;
pub mod message;
pub mod opath;
pub mod policy;
pub mod pool;
pub mod principal;
pub mod query;
pub mod room;
pub mod rules;
pub mod state;
pub mod storable;
pub mod timespan;

pub use active_server::ActiveServers;
pub use addin::Addin;
pub use category::Category;
pub use compliance::ComplianceConfiguration;
pub use configuration::PersistentChatConfiguration;
pub use desired::{DesiredState, LiveFacts};
pub use document::Document;
pub use endpoint::Endpoint;
pub use identity::{fold, same_name, ObjectId, Scope, ServiceId};
pub use kind::{Field, Kind, KindDesc, Naming, Object, Stored, Ty};
pub use lifecycle::Lifecycle;
pub use policy::{PersistentChatPolicy, PolicyGrant};
pub use pool::Pool;
pub use principal::{Principal, PrincipalType};
pub use room::{Privacy, Room, RoomInvitations, RoomType};
pub use rules::{Severity, Violation};
pub use state::{PersistentChatState, PoolState};
pub use timespan::TimeSpan;

/// The names of an enum's values, stated once: `as_str`, `from_name` (exact, as a cmdlet or the
/// store wrote it), `names` (in order) and `FromStr` (in any case; otherwise "expected one of
/// …"). Without `= "name"`, a value is named as its variant, as the cmdlets write it.
macro_rules! value_names {
    ($t:ident { $($v:ident),* }) => {
        $crate::model::value_names!($t { $($v = stringify!($v)),* });
    };
    ($t:ident { $($v:ident = $name:expr),* }) => {
        impl $t {
            /// Every value's name, in order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The value's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$v => $name,)*
                }
            }

            /// The value named exactly `s`.
            pub fn from_name(s: &str) -> Option<Self> {
                [$($t::$v),*].into_iter().find(|v| v.as_str() == s)
            }

            /// Every value's name, in order.
            pub fn names() -> impl Iterator<Item = &'static str> {
                Self::NAMES.iter().copied()
            }
        }

        impl std::str::FromStr for $t {
            type Err = String;

            /// The value as a parameter or flag takes it, in any case.
            fn from_str(s: &str) -> Result<Self, String> {
                let names = [$(($name, $t::$v)),*];
                $crate::model::identity::one_of(s, &names)
            }
        }
    };
}
pub(crate) use value_names;

value_names!(RoomType { Normal, Auditorium });
value_names!(Privacy {
    Open,
    Closed,
    Secret
});
value_names!(PoolState { Normal, FailedOver });
value_names!(PrincipalType {
    User,
    Group,
    OrganizationalUnit
});

/// A name as the cmdlets' objects spell their properties and scopes: the first letter
/// capitalized (`allowedMembers` → `AllowedMembers`, `site:Redmond` → `Site:Redmond`).
pub fn pascal(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    skip::skipping() && *b
}

fn is_false(b: &bool) -> bool {
    skip::skipping() && !*b
}

/// Whether serialization leaves out fields at their default. It does for the configuration's
/// own YAML, exports and digests; output that scripts read and filters judge writes every
/// field with its value ([`skip::full`]), so `select(.privacy == "Closed")` finds a room whose
/// privacy was never set. Each `skip_serializing_if` of the service's fields asks here.
pub mod skip {
    use std::cell::Cell;

    thread_local! {
        static FULL: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f` (a serialization on this thread) with every field written.
    pub fn full<R>(f: impl FnOnce() -> R) -> R {
        struct Reset(bool);
        impl Drop for Reset {
            fn drop(&mut self) {
                FULL.with(|c| c.set(self.0));
            }
        }
        let _reset = Reset(FULL.with(|c| c.replace(true)));
        f()
    }

    /// Whether fields at their default are left out now.
    pub fn skipping() -> bool {
        !FULL.with(Cell::get)
    }

    pub(crate) fn none<T>(v: &Option<T>) -> bool {
        skipping() && v.is_none()
    }

    pub(crate) fn empty(v: &str) -> bool {
        skipping() && v.is_empty()
    }

    pub(crate) fn no_entries<T>(v: &[T]) -> bool {
        skipping() && v.is_empty()
    }

    pub(crate) fn default<T: Default + PartialEq>(v: &T) -> bool {
        skipping() && *v == T::default()
    }
}
