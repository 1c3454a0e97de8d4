//! Compliance configurations (`Get/New/Set/Remove-CsPersistentChatComplianceConfiguration`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::identity::Scope;
use super::is_false;
use super::lifecycle::Lifecycle;
use super::timespan::TimeSpan;

/// The default compliance run interval: 15 minutes.
pub const DEFAULT_RUN_INTERVAL: TimeSpan = TimeSpan::from_secs(15 * 60);
/// The shortest allowed run interval: 1 minute.
pub const MIN_RUN_INTERVAL: TimeSpan = TimeSpan::from_secs(60);
/// The longest allowed run interval: 30 days.
pub const MAX_RUN_INTERVAL: TimeSpan = TimeSpan::from_secs(30 * 86_400);

/// How compliance data is written. Identity `global`, `site:NAME` or
/// `service:PersistentChatServer:POOL_FQDN`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComplianceConfiguration {
    /// `global` (always exists), `site:NAME` or `service:PersistentChatServer:POOL_FQDN`.
    pub identity: Scope,
    /// The adapter's .NET type; empty writes no compliance data. The built-in XML adapter is
    /// `Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance`.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub adapter_type: String,
    /// A friendly name for the adapter.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub adapter_name: String,
    /// The folder the adapter writes to; each adapter needs its own.
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub adapter_output_directory: String,
    /// How often compliance data is written, `[d.]hh:mm:ss`, 1 minute to 30 days (default `00:15:00`).
    #[serde(
        default = "default_run_interval",
        skip_serializing_if = "is_default_run_interval"
    )]
    pub run_interval: TimeSpan,
    /// Write one output file per chat room.
    #[serde(default, skip_serializing_if = "is_false")]
    pub one_chat_room_per_output_file: bool,
    /// Add details of the chat rooms to the output.
    #[serde(default, skip_serializing_if = "is_false")]
    pub add_chat_room_details: bool,
    /// Add details of the users to the output.
    #[serde(default, skip_serializing_if = "is_false")]
    pub add_user_details: bool,
    /// Write a manifest of file attachments.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_file_attachments_manifest: bool,
    /// Custom configuration for the adapter (XSLT text).
    #[serde(default, skip_serializing_if = "crate::model::skip::empty")]
    pub custom_configuration: String,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl ComplianceConfiguration {
    /// What a scope holds before anything is set: what removing the `global` one resets to.
    pub fn defaults(identity: Scope) -> Self {
        ComplianceConfiguration {
            identity,
            adapter_type: String::new(),
            adapter_name: String::new(),
            adapter_output_directory: String::new(),
            run_interval: DEFAULT_RUN_INTERVAL,
            one_chat_room_per_output_file: false,
            add_chat_room_details: false,
            add_user_details: false,
            create_file_attachments_manifest: false,
            custom_configuration: String::new(),
            lifecycle: Lifecycle::default(),
        }
    }
}

fn default_run_interval() -> TimeSpan {
    DEFAULT_RUN_INTERVAL
}

fn is_default_run_interval(t: &TimeSpan) -> bool {
    crate::model::skip::skipping() && *t == DEFAULT_RUN_INTERVAL
}
