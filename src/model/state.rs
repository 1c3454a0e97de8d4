//! Pool state (`Get/Set-CsPersistentChatState`): whether a pool runs on its primary or its
//! backup databases. Exists for every pool; never created or removed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::identity::ServiceId;
use super::lifecycle::Lifecycle;

/// The state of one pool. Identity `PersistentChatServer:POOL_FQDN`.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersistentChatState {
    /// `PersistentChatServer:POOL_FQDN` (`service:PersistentChatServer:POOL_FQDN` is accepted).
    pub identity: ServiceId,
    /// `Normal` (primary databases) or `FailedOver` (backup databases).
    #[serde(default, skip_serializing_if = "crate::model::skip::default")]
    pub pool_state: PoolState,
    /// How pchat's apply treats this object.
    #[serde(default, skip_serializing_if = "Lifecycle::is_default")]
    pub lifecycle: Lifecycle,
}

impl PersistentChatState {
    /// A pool's state, not (yet) managed by pchat.
    pub fn new(pool: &str, pool_state: PoolState) -> Self {
        PersistentChatState {
            identity: ServiceId {
                pool: pool.to_string(),
            },
            pool_state,
            lifecycle: Lifecycle::default(),
        }
    }
}

/// Which databases a pool uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PoolState {
    /// The primary databases.
    #[default]
    Normal,
    /// The backup databases, after a failover.
    FailedOver,
}

impl PoolState {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}
