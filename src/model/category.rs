//! Categories (`Get/New/Set/Remove-CsPersistentChatCategory`): collections of rooms and the
//! permission frame for them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::lifecycle::Lifecycle;
use super::{is_false, is_true, yes};

/// A Persistent Chat category. Identity `POOL_FQDN\NAME`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Category {
    /// The category's name, unique within its pool.
    pub name: String,
    /// The pool the category lives in; may be left out when exactly one pool is declared.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// Free text shown to users.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub description: String,
    /// Principals (SIP URIs, group or OU distinguished names) who may be in rooms of this category.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub allowed_members: Vec<String>,
    /// Principals who may not be in rooms of this category; overrides `allowedMembers`.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub denied_members: Vec<String>,
    /// Principals who may create rooms in this category.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub creators: Vec<String>,
    /// Send invitations to members when a room is created.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invitations: bool,
    /// Allow file upload in the category's rooms.
    #[serde(default, skip_serializing_if = "is_false")]
    pub file_upload: bool,
    /// Keep chat history (turn off for announcement-only categories).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub chat_history: bool,
    /// Names this category had before (in its pool). When the store has no category named `name` but
    /// has one under a previous name, the plan renames that one in place (`Set-… -Name`): it
    /// keeps its id, lists, history and ownership instead of being removed and created again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_names: Vec<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl Category {
    /// Every principal the category lists: allowed and denied members, creators.
    pub fn named(&self) -> impl Iterator<Item = &String> {
        self.allowed_members
            .iter()
            .chain(&self.denied_members)
            .chain(&self.creators)
    }
}
