//! Per-object metadata for the reconciler: `lifecycle.protect`, `lifecycle.allowDestroy` and
//! `lifecycle.ignoreChanges`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How pchat's apply treats this object beyond its fields.
#[derive(Debug, Clone, Default, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lifecycle {
    /// Never remove this object: a plan that would remove it is refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
    /// Consent, given ahead, to destroy this room's chat history when it is removed: once an
    /// apply has recorded it, removing the room needs no `--allow-destroy`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_destroy: bool,
    /// Fields whose drift is reported but never reverted by an apply.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub ignore_changes: Vec<String>,
}

impl Lifecycle {
    pub fn is_default(&self) -> bool {
        *self == Lifecycle::default()
    }
}
