//! Add-ins (`Get/New/Set/Remove-CsPersistentChatAddin`): web pages shown beside a room.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::lifecycle::Lifecycle;

/// A Persistent Chat add-in. Identity `POOL_FQDN\NAME`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Addin {
    /// The add-in's name, unique within its pool; rooms name it in `addin`.
    pub name: String,
    /// The pool the add-in lives in; may be left out when exactly one pool is declared.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The absolute http or https URL of the add-in's page.
    pub url: String,
    /// Names this add-in had before (in its pool). When the store has no add-in named `name` but
    /// has one under a previous name, the plan renames that one in place (`Set-… -Name`): it
    /// keeps its id, lists, history and ownership instead of being removed and created again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}
