//! Active servers (`Set-CsPersistentChatActiveServer`): which of a pool's servers accept new
//! client connections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::identity::ServiceId;
use super::lifecycle::Lifecycle;

/// The active servers of one pool. Identity `PersistentChatServer:POOL_FQDN`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActiveServers {
    /// `PersistentChatServer:POOL_FQDN` (`service:PersistentChatServer:POOL_FQDN` is accepted).
    pub identity: ServiceId,
    /// FQDNs of the pool's servers that accept new connections; each must be one of the pool's `servers`.
    #[serde(default)]
    pub active_servers: Vec<String>,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl ActiveServers {
    /// A pool's active servers, not (yet) managed by pchat.
    pub fn new(pool: &str, active_servers: Vec<String>) -> Self {
        ActiveServers {
            identity: ServiceId {
                pool: pool.to_string(),
            },
            active_servers,
            lifecycle: Lifecycle::default(),
        }
    }
}
