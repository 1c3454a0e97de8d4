//! Persistent Chat configurations (`Get/New/Set/Remove-CsPersistentChatConfiguration`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::identity::Scope;
use super::lifecycle::Lifecycle;

/// Default of `defaultChatHistory`.
pub const DEFAULT_CHAT_HISTORY: u32 = 30;
/// The range of `defaultChatHistory`.
pub const CHAT_HISTORY_RANGE: std::ops::RangeInclusive<u32> = 1..=500;
/// Default of `participantUpdateLimit`.
pub const DEFAULT_PARTICIPANT_UPDATE_LIMIT: u32 = 75;
/// Default of `maxFileSizeKB`.
pub const DEFAULT_MAX_FILE_SIZE_KB: u32 = 20_000;

/// Service settings. Identity `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersistentChatConfiguration {
    /// `global` (always exists), `site:NAME` or `service:PersistentChatServer:POOL_FQDN`.
    pub identity: Scope,
    /// Messages shown when a user joins a room, 1 to 500 (default 30).
    #[serde(
        default = "default_chat_history",
        skip_serializing_if = "is_default_chat_history"
    )]
    #[schemars(range(min = 1, max = 500))]
    pub default_chat_history: u32,
    /// Above this many participants the room's participant list stops updating (default 75).
    #[serde(
        default = "default_participant_update_limit",
        skip_serializing_if = "is_default_pul"
    )]
    pub participant_update_limit: u32,
    /// The largest file users may upload, in kilobytes (default 20000).
    #[serde(
        rename = "maxFileSizeKB",
        default = "default_max_file_size",
        skip_serializing_if = "is_default_max_file_size"
    )]
    pub max_file_size_kb: u32,
    /// The URL of the room-management web page.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub room_management_url: Option<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl PersistentChatConfiguration {
    /// What a scope holds before anything is set: what removing the `global` one resets to.
    pub fn defaults(identity: Scope) -> Self {
        PersistentChatConfiguration {
            identity,
            default_chat_history: DEFAULT_CHAT_HISTORY,
            participant_update_limit: DEFAULT_PARTICIPANT_UPDATE_LIMIT,
            max_file_size_kb: DEFAULT_MAX_FILE_SIZE_KB,
            room_management_url: None,
            lifecycle: Lifecycle::default(),
        }
    }
}

fn default_chat_history() -> u32 {
    DEFAULT_CHAT_HISTORY
}
fn is_default_chat_history(v: &u32) -> bool {
    crate::model::skip::skipping() && *v == DEFAULT_CHAT_HISTORY
}
fn default_participant_update_limit() -> u32 {
    DEFAULT_PARTICIPANT_UPDATE_LIMIT
}
fn is_default_pul(v: &u32) -> bool {
    crate::model::skip::skipping() && *v == DEFAULT_PARTICIPANT_UPDATE_LIMIT
}
fn default_max_file_size() -> u32 {
    DEFAULT_MAX_FILE_SIZE_KB
}
fn is_default_max_file_size(v: &u32) -> bool {
    crate::model::skip::skipping() && *v == DEFAULT_MAX_FILE_SIZE_KB
}
