//! Persistent Chat policies (`Get/New/Set/Remove-CsPersistentChatPolicy`) and their grants to
//! users (`Grant-CsPersistentChatPolicy`).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::identity::Scope;
use super::is_false;
use super::lifecycle::Lifecycle;

/// A Persistent Chat policy. Identity `global`, `site:NAME` or `tag:NAME`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersistentChatPolicy {
    /// `global` (always exists), `site:NAME` (users homed in that site) or `tag:NAME` (users it is granted to).
    pub identity: Scope,
    /// Whether users under this policy may use Persistent Chat.
    #[serde(default, skip_serializing_if = "is_false")]
    pub enable_persistent_chat: bool,
    /// Free text.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub description: String,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl PersistentChatPolicy {
    /// The policy every scope has before anything is set: what removing a `global` one resets to.
    pub fn defaults(identity: Scope) -> Self {
        PersistentChatPolicy {
            identity,
            enable_persistent_chat: false,
            description: String::new(),
            lifecycle: Lifecycle::default(),
        }
    }
}

/// The assignment of a `tag:` policy to one user. Identity: the user's SIP URI.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyGrant {
    /// The user, by SIP URI (`sip:kim@litwareinc.com`).
    pub identity: String,
    /// The tag policy's name, without `tag:` as `Grant-CsPersistentChatPolicy` takes it
    /// (a `tag:` prefix is accepted and dropped).
    #[serde(deserialize_with = "policy_name")]
    pub policy_name: String,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

fn policy_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Ok(match s.strip_prefix("tag:") {
        Some(rest) => rest.to_string(),
        None => s,
    })
}
