//! The object model of the Persistent Chat service: one module per kind, their identities,
//! enums, defaults and ranges (from `shared/spec/persistent-chat.md`), the desired state that
//! holds them, and the rules that tie them together.
//!
//! Invariant: no I/O here, and no sqlx, tokio, clap, serde_yaml or terminal code. Types derive
//! serde and schemars so loaders and the schema generator can use them, nothing more.

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
pub mod lifecycle;
pub mod message;
pub mod policy;
pub mod pool;
pub mod principal;
pub mod room;
pub mod rules;
pub mod state;
pub mod timespan;

pub use active_server::ActiveServers;
pub use addin::Addin;
pub use category::Category;
pub use compliance::ComplianceConfiguration;
pub use configuration::PersistentChatConfiguration;
pub use desired::DesiredState;
pub use document::Document;
pub use endpoint::Endpoint;
pub use identity::{ObjectId, Scope, ServiceId};
pub use lifecycle::Lifecycle;
pub use policy::{PersistentChatPolicy, PolicyGrant};
pub use pool::Pool;
pub use principal::{Principal, PrincipalType};
pub use room::{Privacy, Room, RoomInvitations, RoomType};
pub use rules::{Severity, Violation};
pub use state::{PersistentChatState, PoolState};
pub use timespan::TimeSpan;

/// The kinds of object a configuration declares, in the order the YAML keys are documented
/// and parents come before children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pool,
    Principal,
    Category,
    Addin,
    Room,
    Policy,
    PolicyGrant,
    ComplianceConfiguration,
    Configuration,
    Endpoint,
    State,
    ActiveServers,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Pool,
        Kind::Principal,
        Kind::Category,
        Kind::Addin,
        Kind::Room,
        Kind::Policy,
        Kind::PolicyGrant,
        Kind::ComplianceConfiguration,
        Kind::Configuration,
        Kind::Endpoint,
        Kind::State,
        Kind::ActiveServers,
    ];

    /// The top-level YAML key that lists objects of this kind.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Pool => "pools",
            Kind::Principal => "principals",
            Kind::Category => "categories",
            Kind::Addin => "addins",
            Kind::Room => "rooms",
            Kind::Policy => "policies",
            Kind::PolicyGrant => "policyGrants",
            Kind::ComplianceConfiguration => "complianceConfigurations",
            Kind::Configuration => "configurations",
            Kind::Endpoint => "endpoints",
            Kind::State => "states",
            Kind::ActiveServers => "activeServers",
        }
    }

    /// The singular noun used in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Pool => "pool",
            Kind::Principal => "principal",
            Kind::Category => "category",
            Kind::Addin => "add-in",
            Kind::Room => "room",
            Kind::Policy => "policy",
            Kind::PolicyGrant => "policy grant",
            Kind::ComplianceConfiguration => "compliance configuration",
            Kind::Configuration => "configuration",
            Kind::Endpoint => "endpoint",
            Kind::State => "state",
            Kind::ActiveServers => "active servers",
        }
    }

    /// The YAML field names of an object of this kind.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Pool => Pool::FIELDS,
            Kind::Principal => Principal::FIELDS,
            Kind::Category => Category::FIELDS,
            Kind::Addin => Addin::FIELDS,
            Kind::Room => Room::FIELDS,
            Kind::Policy => PersistentChatPolicy::FIELDS,
            Kind::PolicyGrant => PolicyGrant::FIELDS,
            Kind::ComplianceConfiguration => ComplianceConfiguration::FIELDS,
            Kind::Configuration => PersistentChatConfiguration::FIELDS,
            Kind::Endpoint => Endpoint::FIELDS,
            Kind::State => PersistentChatState::FIELDS,
            Kind::ActiveServers => ActiveServers::FIELDS,
        }
    }

    /// The fields that make up an object's identity: never changed in place, so never ignorable.
    pub fn identity_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Pool => &["fqdn"],
            Kind::Principal => &["type", "sipAddress", "distinguishedName"],
            Kind::Category | Kind::Addin | Kind::Room => &["name", "persistentChatPoolFqdn"],
            Kind::Endpoint => &["sipAddress"],
            Kind::Policy
            | Kind::PolicyGrant
            | Kind::ComplianceConfiguration
            | Kind::Configuration
            | Kind::State
            | Kind::ActiveServers => &["identity"],
        }
    }

    /// The kind named by a top-level YAML key.
    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}
