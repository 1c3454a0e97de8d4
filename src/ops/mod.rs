//! Operations: one value per cmdlet call (`Set-CsPersistentChatRoom -Identity … -Members
//! @{Add=…}`), and what each does to a [`DesiredState`]. The imperative commands run them one at
//! a time; the planner will emit them. Pure: no I/O, so the semantics are tested without a store.
//!
//! [`apply`] changes the state and says which objects it touched; it refuses what the service
//! would refuse (unknown identity, duplicate, a category that still has rooms, …). The rules of
//! `model::rules` then judge the new state: [`check`] refuses only violations the change added.

mod apply;
pub mod build;
pub mod net;
mod params;

pub use apply::{apply, check, Effect, Refusal, Touched, TouchedKey, Tracked};
pub use params::{Param, Value};

use crate::model::*;

/// A change to a list parameter: `-Members $Null`, `@(…)`, or `@{Add=…; Remove=…}`.
///
/// Boxed, and absent when it changes nothing: most calls leave most lists alone, and each
/// `Set-CsPersistentChatRoom` of a plan (100k for 100k new rooms) carries three. It reads as
/// its [`ListEdit`]. Built only through `From<ListEdit>`, so an edit that changes nothing is
/// always `None` and the derived equality holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListChange(Option<Box<ListEdit>>);

/// What a [`ListChange`] does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListEdit {
    /// Replace the whole list (`Some(vec![])` empties it, as `$Null` does).
    pub replace: Option<Vec<String>>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

static NO_EDIT: ListEdit = ListEdit {
    replace: None,
    add: Vec::new(),
    remove: Vec::new(),
};

impl std::ops::Deref for ListChange {
    type Target = ListEdit;
    fn deref(&self) -> &ListEdit {
        self.0.as_deref().unwrap_or(&NO_EDIT)
    }
}

impl From<ListEdit> for ListChange {
    fn from(edit: ListEdit) -> Self {
        ListChange((edit != NO_EDIT).then(|| Box::new(edit)))
    }
}

impl ListChange {
    pub fn new(replace: Option<Vec<String>>, add: Vec<String>, remove: Vec<String>) -> Self {
        ListEdit {
            replace,
            add,
            remove,
        }
        .into()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Applies the change; entries compare as principals (case of the `sip:` scheme and host and
    /// of DN attribute names ignored) and are not added twice.
    pub fn apply_to(&self, list: &mut Vec<String>) {
        let key = principal::key_or_text;
        if let Some(r) = &self.replace {
            list.clone_from(r);
        }
        let removed: Vec<String> = self.remove.iter().map(|s| key(s)).collect();
        list.retain(|e| !removed.contains(&key(e)));
        for a in &self.add {
            if !list.iter().any(|e| key(e) == key(a)) {
                list.push(a.clone());
            }
        }
    }
}

/// Parameters a `New-` or `Set-` of a compliance configuration may carry (unset: unchanged, or the
/// default for `New-`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplianceParams {
    pub adapter_type: Option<String>,
    pub adapter_name: Option<String>,
    pub adapter_output_directory: Option<String>,
    pub run_interval: Option<TimeSpan>,
    pub one_chat_room_per_output_file: Option<bool>,
    pub add_chat_room_details: Option<bool>,
    pub add_user_details: Option<bool>,
    pub create_file_attachments_manifest: Option<bool>,
    pub custom_configuration: Option<String>,
}

/// Parameters a `New-` or `Set-` of a configuration may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigurationParams {
    pub default_chat_history: Option<u32>,
    pub participant_update_limit: Option<u32>,
    pub max_file_size_kb: Option<u32>,
    /// `Some(None)` clears it.
    pub room_management_url: Option<Option<String>>,
}

/// One cmdlet call (or, for topology and the directory, which no cmdlet manages, a pchat step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Declares a pool, or updates its site and servers (topology; no cmdlet).
    SetPool {
        pool: Pool,
    },
    /// Adds or replaces a directory principal (the stand-in for Active Directory; no cmdlet).
    SetPrincipal {
        principal: Principal,
    },
    /// Removes a directory principal (no cmdlet).
    RemovePrincipal {
        key: String,
    },
    NewCategory {
        pool: Option<String>,
        name: String,
        description: String,
        enable_invitations: bool,
        enable_file_upload: bool,
        remove_chat_history: bool,
    },
    SetCategory {
        identity: ObjectId,
        /// `-Name`: renames it in place.
        name: Option<String>,
        description: Option<String>,
        invitations: Option<bool>,
        file_upload: Option<bool>,
        chat_history: Option<bool>,
        allowed_members: ListChange,
        denied_members: ListChange,
        creators: ListChange,
    },
    RemoveCategory {
        identity: ObjectId,
    },
    NewRoom {
        pool: Option<String>,
        name: String,
        category: String,
        description: String,
        room_type: RoomType,
        privacy: Privacy,
        addin: Option<String>,
        invitations: RoomInvitations,
        disabled: bool,
    },
    SetRoom {
        identity: ObjectId,
        /// `-Name`: renames it in place.
        name: Option<String>,
        category: Option<String>,
        description: Option<String>,
        room_type: Option<RoomType>,
        privacy: Option<Privacy>,
        /// `Some(None)` detaches the add-in.
        addin: Option<Option<String>>,
        invitations: Option<RoomInvitations>,
        disabled: Option<bool>,
        members: ListChange,
        managers: ListChange,
        presenters: ListChange,
    },
    RemoveRoom {
        identity: ObjectId,
    },
    NewAddin {
        pool: Option<String>,
        name: String,
        url: String,
    },
    SetAddin {
        identity: ObjectId,
        /// `-Name`: renames it in place.
        name: Option<String>,
        url: Option<String>,
    },
    RemoveAddin {
        identity: ObjectId,
        force: bool,
    },
    NewPolicy {
        identity: Scope,
        enable_persistent_chat: bool,
        description: String,
    },
    SetPolicy {
        identity: Scope,
        enable_persistent_chat: Option<bool>,
        description: Option<String>,
    },
    RemovePolicy {
        identity: Scope,
        force: bool,
    },
    /// `Grant-CsPersistentChatPolicy -Identity USER -PolicyName NAME` (`None`: `$Null`).
    GrantPolicy {
        user: String,
        policy_name: Option<String>,
    },
    NewComplianceConfiguration {
        identity: Scope,
        params: ComplianceParams,
    },
    SetComplianceConfiguration {
        identity: Scope,
        params: ComplianceParams,
    },
    RemoveComplianceConfiguration {
        identity: Scope,
    },
    NewConfiguration {
        identity: Scope,
        params: ConfigurationParams,
    },
    SetConfiguration {
        identity: Scope,
        params: ConfigurationParams,
    },
    RemoveConfiguration {
        identity: Scope,
    },
    NewEndpoint {
        sip_address: String,
        pool: Option<String>,
        display_name: Option<String>,
    },
    RemoveEndpoint {
        sip_address: String,
    },
    SetState {
        identity: ServiceId,
        pool_state: PoolState,
    },
    SetActiveServer {
        identity: ServiceId,
        active_servers: ListChange,
        /// `-Swap`: the active servers become inactive and the inactive ones active.
        swap: bool,
    },
}

impl Operation {
    /// Whether this is a call of a service cmdlet (rather than a topology or directory step).
    pub fn is_cmdlet(&self) -> bool {
        !matches!(
            self,
            Operation::SetPool { .. }
                | Operation::SetPrincipal { .. }
                | Operation::RemovePrincipal { .. }
        )
    }

    /// The cmdlet this operation is a call of (from the kind layer), or the pchat step.
    pub fn cmdlet(&self) -> &'static str {
        use Operation::*;
        let c = self.kind().desc().cmdlets;
        let name = match self {
            SetPool { .. } => return "pchat: set pool",
            SetPrincipal { .. } => return "pchat: set principal",
            RemovePrincipal { .. } => return "pchat: remove principal",
            NewCategory { .. }
            | NewRoom { .. }
            | NewAddin { .. }
            | NewPolicy { .. }
            | NewComplianceConfiguration { .. }
            | NewConfiguration { .. }
            | NewEndpoint { .. } => c.new,
            RemoveCategory { .. }
            | RemoveRoom { .. }
            | RemoveAddin { .. }
            | RemovePolicy { .. }
            | RemoveComplianceConfiguration { .. }
            | RemoveConfiguration { .. }
            | RemoveEndpoint { .. } => c.remove,
            _ => c.set,
        };
        name.expect("the kind layer names every cmdlet an operation calls")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit that changes nothing is not held, and equals every other such edit; one that
    /// does reads back as given and applies as the cmdlet would.
    #[test]
    fn a_list_change_holds_only_what_changes() {
        let none = ListChange::new(None, vec![], vec![]);
        assert!(none.is_empty());
        assert_eq!(none, ListChange::default());
        assert!(none.0.is_none());
        let emptied = ListChange::new(Some(vec![]), vec![], vec![]);
        assert!(!emptied.is_empty());
        assert_ne!(emptied, none);
        let edit = ListChange::new(None, vec!["sip:b@x.com".into()], vec!["sip:A@x.com".into()]);
        assert_eq!(edit.add, ["sip:b@x.com"]);
        assert_eq!(edit.remove, ["sip:A@x.com"]);
        let mut list = vec!["sip:a@x.com".to_string(), "sip:c@x.com".to_string()];
        edit.apply_to(&mut list);
        assert_eq!(list, ["sip:c@x.com", "sip:b@x.com"]);
        emptied.apply_to(&mut list);
        assert!(list.is_empty());
    }
}
