//! Endpoints (`Get/New/Remove-CsPersistentChatEndpoint`): contact objects that let users reach a
//! pool by SIP URI. There is no `Set-`: a change is a Remove and a New.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::lifecycle::Lifecycle;

/// A Persistent Chat endpoint. Identity: its SIP address.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Endpoint {
    /// The endpoint's SIP URI, unique (`sip:chat@litwareinc.com`).
    pub sip_address: String,
    /// The pool the endpoint reaches; may be left out when exactly one pool is declared.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The name users see for the contact.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub display_name: Option<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}
