//! Pools: the Persistent Chat server pools of the topology. Not managed by the cmdlets; declared so
//! that identities and active-server lists can be checked.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Persistent Chat server pool.
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pool {
    /// The pool's fully qualified domain name, e.g. `atl-pchat-001.litwareinc.com`.
    pub fqdn: String,
    /// The site the pool is homed in (used by `site:` policies and settings).
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub site: Option<String>,
    /// FQDNs of the pool's servers; needed to manage its active servers.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub servers: Vec<String>,
}
