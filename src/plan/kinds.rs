//! What the planner needs to know per kind and nothing else: the calls that create, change and
//! remove one object. The loop over objects, ownership, pruning, protection and ignored fields
//! is `diff::Planner::kind`, shared by every kind. Endpoints (no `Set-`: a change is a
//! replacement), pool states and active-server lists (they exist with their pool) keep their own
//! loops in `diff.rs`.

use super::diff::{Fields, Planned, Planner};
use crate::model::*;
use crate::ops::{ComplianceParams, ConfigurationParams, ListChange, Operation};

/// The identities an object of a pool had before: each previous name in the same pool (a
/// `POOL\\NAME` form names its pool; validation refuses another pool).
pub fn previous_ids(id: &ObjectId, names: &[String]) -> Vec<ObjectId> {
    names
        .iter()
        .map(|n| {
            n.parse::<ObjectId>()
                .unwrap_or_else(|_| ObjectId::new(id.pool.clone(), n.clone()))
        })
        .collect()
}

/// What a respelt pooled identity is renamed to: the declared name in the store's pool, when
/// the name itself is spelt otherwise (`Set-… -Name`); a pool respelt alone renames nothing.
fn respelt_name(stored: &ObjectId, declared: &ObjectId) -> Option<ObjectId> {
    (stored.name != declared.name)
        .then(|| ObjectId::new(stored.pool.clone(), declared.name.clone()))
}

/// A new pooled object in the store's spelling of its pool, when the configuration spells it
/// otherwise (`None`: the same spelling, or a pool the store lacks).
fn in_stored_pool<T: Clone>(
    id: &ObjectId,
    d: &T,
    stored: &dyn Fn(&str) -> Option<String>,
    field: fn(&mut T) -> &mut Option<String>,
) -> Option<(ObjectId, T)> {
    let pool = stored(&id.pool).filter(|p| *p != id.pool)?;
    let mut d = d.clone();
    if let Some(f) = field(&mut d).as_mut() {
        f.clone_from(&pool);
    }
    Some((ObjectId::new(pool, id.name.clone()), d))
}

/// What the kinds named `POOL\\NAME` (categories, add-ins, rooms) answer alike: renamed by
/// `-Name` and their `previousNames`, made in the store's spelling of their pool.
macro_rules! pooled {
    () => {
        fn respelt(stored: &ObjectId, declared: &ObjectId) -> Option<ObjectId> {
            respelt_name(stored, declared)
        }
        fn in_stored_pool(
            id: &ObjectId,
            d: &Self,
            stored: &dyn Fn(&str) -> Option<String>,
        ) -> Option<(ObjectId, Self)> {
            in_stored_pool(id, d, stored, |x| &mut x.persistent_chat_pool_fqdn)
        }
        fn previous(id: &ObjectId, d: &Self) -> Vec<ObjectId> {
            previous_ids(id, &d.previous_names)
        }
    };
}

/// A list as a `Set-` after `New-` sends it: every entry added.
fn added(list: &[String]) -> ListChange {
    ListChange::new(None, list.to_vec(), vec![])
}

impl Planned for Pool {
    fn create(_: &String, d: &Self) -> Vec<Operation> {
        vec![Operation::SetPool { pool: d.clone() }]
    }
    fn change(_: &String, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        f.value("site", &l.site, &d.site);
        f.value("servers", &l.servers, &d.servers);
        Operation::SetPool { pool: d.clone() }
    }
    /// Pools are topology: never removed by a plan.
    fn remove(_: &String, _: &Self) -> Option<Operation> {
        None
    }
}

impl Planned for Principal {
    fn create(_: &String, d: &Self) -> Vec<Operation> {
        vec![Operation::SetPrincipal {
            principal: d.clone(),
        }]
    }
    fn change(_: &String, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        f.value("type", &l.principal_type, &d.principal_type);
        f.value("sipAddress", &l.sip_address, &d.sip_address);
        f.value(
            "distinguishedName",
            &l.distinguished_name,
            &d.distinguished_name,
        );
        f.value("displayName", &l.display_name, &d.display_name);
        f.value("site", &l.site, &d.site);
        f.value("enabled", &l.enabled, &d.enabled);
        f.value("members", &l.members, &d.members);
        Operation::SetPrincipal {
            principal: d.clone(),
        }
    }
    fn remove(id: &String, _: &Self) -> Option<Operation> {
        Some(Operation::RemovePrincipal { key: id.clone() })
    }
}

impl Planned for Category {
    pooled!();
    fn create(id: &ObjectId, d: &Self) -> Vec<Operation> {
        let mut ops = vec![Operation::NewCategory {
            pool: Some(id.pool.clone()),
            name: d.name.clone(),
            description: d.description.clone(),
            enable_invitations: d.invitations,
            enable_file_upload: d.file_upload,
            remove_chat_history: !d.chat_history,
        }];
        // New- cannot set the lists: a Set follows when there are any.
        if !(d.allowed_members.is_empty() && d.denied_members.is_empty() && d.creators.is_empty()) {
            ops.push(Operation::SetCategory {
                identity: id.clone(),
                name: None,
                description: None,
                invitations: None,
                file_upload: None,
                chat_history: None,
                allowed_members: added(&d.allowed_members),
                denied_members: added(&d.denied_members),
                creators: added(&d.creators),
            });
        }
        ops
    }
    fn change(id: &ObjectId, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        Operation::SetCategory {
            identity: id.clone(),
            name: f.set("name", &l.name, &d.name),
            description: f.set("description", &l.description, &d.description),
            invitations: f.set("invitations", &l.invitations, &d.invitations),
            file_upload: f.set("fileUpload", &l.file_upload, &d.file_upload),
            chat_history: f.set("chatHistory", &l.chat_history, &d.chat_history),
            allowed_members: f.list("allowedMembers", &l.allowed_members, &d.allowed_members),
            denied_members: f.list("deniedMembers", &l.denied_members, &d.denied_members),
            creators: f.list("creators", &l.creators, &d.creators),
        }
    }
    fn remove(id: &ObjectId, _: &Self) -> Option<Operation> {
        Some(Operation::RemoveCategory {
            identity: id.clone(),
        })
    }
}

impl Planned for Addin {
    pooled!();
    fn create(id: &ObjectId, d: &Self) -> Vec<Operation> {
        vec![Operation::NewAddin {
            pool: Some(id.pool.clone()),
            name: d.name.clone(),
            url: d.url.clone(),
        }]
    }
    fn change(id: &ObjectId, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        Operation::SetAddin {
            identity: id.clone(),
            name: f.set("name", &l.name, &d.name),
            url: f.set("url", &l.url, &d.url),
        }
    }
    /// Rooms still showing it are detached by the service (and by the plan's room changes).
    fn remove(id: &ObjectId, _: &Self) -> Option<Operation> {
        Some(Operation::RemoveAddin {
            identity: id.clone(),
            force: true,
        })
    }
}

impl Planned for Room {
    /// A room in a category (or showing an add-in) this plan renames names it by its new name
    /// already: the room is not moved.
    fn translate(l: &Self, planner: &Planner<'_>) -> Option<Self> {
        if !planner.renames() {
            return None;
        }
        let pool = l.persistent_chat_pool_fqdn.clone().unwrap_or_default();
        let id = |name: &str| ObjectId::new(pool.clone(), name.to_string());
        let category = planner.new_name(Kind::Category, &id(&l.category));
        let addin = l
            .addin
            .as_deref()
            .and_then(|a| planner.new_name(Kind::Addin, &id(a)));
        if category.is_none() && addin.is_none() {
            return None;
        }
        let mut r = l.clone();
        if let Some(c) = category {
            r.category = c.to_string();
        }
        if let Some(a) = addin {
            r.addin = Some(a.to_string());
        }
        Some(r)
    }
    pooled!();
    fn create(id: &ObjectId, d: &Self) -> Vec<Operation> {
        // Exactly the two a room may need: a plan of 100k creations holds 200k of them.
        let mut ops = Vec::with_capacity(2);
        ops.push(Operation::NewRoom {
            pool: Some(id.pool.clone()),
            name: d.name.clone(),
            category: d.category.clone(),
            description: d.description.clone(),
            room_type: d.room_type,
            privacy: d.privacy,
            addin: d.addin.clone(),
            invitations: d.invitations,
            disabled: d.disabled,
        });
        // New- cannot set the lists: a Set follows when there are any.
        if !(d.members.is_empty() && d.managers.is_empty() && d.presenters.is_empty()) {
            ops.push(Operation::SetRoom {
                identity: id.clone(),
                name: None,
                category: None,
                description: None,
                room_type: None,
                privacy: None,
                addin: None,
                invitations: None,
                disabled: None,
                members: added(&d.members),
                managers: added(&d.managers),
                presenters: added(&d.presenters),
            });
        }
        ops
    }
    fn change(id: &ObjectId, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        Operation::SetRoom {
            identity: id.clone(),
            name: f.set("name", &l.name, &d.name),
            category: f.set("category", &l.category, &d.category),
            description: f.set("description", &l.description, &d.description),
            room_type: f.set("type", &l.room_type, &d.room_type),
            privacy: f.set("privacy", &l.privacy, &d.privacy),
            addin: f.set("addin", &l.addin, &d.addin),
            invitations: f.set("invitations", &l.invitations, &d.invitations),
            disabled: f.set("disabled", &l.disabled, &d.disabled),
            members: f.list("members", &l.members, &d.members),
            managers: f.list("managers", &l.managers, &d.managers),
            presenters: f.list("presenters", &l.presenters, &d.presenters),
        }
    }
    fn remove(id: &ObjectId, _: &Self) -> Option<Operation> {
        Some(Operation::RemoveRoom {
            identity: id.clone(),
        })
    }
}

impl Planned for PersistentChatPolicy {
    fn create(id: &Scope, d: &Self) -> Vec<Operation> {
        vec![Operation::NewPolicy {
            identity: id.clone(),
            enable_persistent_chat: d.enable_persistent_chat,
            description: d.description.clone(),
        }]
    }
    fn change(id: &Scope, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        Operation::SetPolicy {
            identity: id.clone(),
            enable_persistent_chat: f.set(
                "enablePersistentChat",
                &l.enable_persistent_chat,
                &d.enable_persistent_chat,
            ),
            description: f.set("description", &l.description, &d.description),
        }
    }
    /// A tag policy goes with its grants; the global one is reset.
    fn remove(id: &Scope, _: &Self) -> Option<Operation> {
        Some(Operation::RemovePolicy {
            identity: id.clone(),
            force: *id != Scope::Global,
        })
    }
    fn standing(id: &Scope) -> Option<Self> {
        (*id == Scope::Global).then(|| Self::defaults(Scope::Global))
    }
}

impl Planned for PolicyGrant {
    fn create(_: &String, d: &Self) -> Vec<Operation> {
        vec![Operation::GrantPolicy {
            user: d.identity.clone(),
            policy_name: Some(d.policy_name.clone()),
        }]
    }
    fn change(id: &String, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        f.value("policyName", &l.policy_name, &d.policy_name);
        Self::create(id, d).remove(0)
    }
    fn remove(_: &String, l: &Self) -> Option<Operation> {
        Some(Operation::GrantPolicy {
            user: l.identity.clone(),
            policy_name: None,
        })
    }
}

impl Planned for ComplianceConfiguration {
    /// New- sends what differs from the defaults.
    fn create(id: &Scope, d: &Self) -> Vec<Operation> {
        let Operation::SetComplianceConfiguration { identity, params } =
            Self::change(id, &Self::defaults(id.clone()), d, &mut Fields::new(&[]))
        else {
            unreachable!("change() makes a Set-")
        };
        vec![Operation::NewComplianceConfiguration { identity, params }]
    }
    fn change(id: &Scope, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        let params = ComplianceParams {
            adapter_type: f.set("adapterType", &l.adapter_type, &d.adapter_type),
            adapter_name: f.set("adapterName", &l.adapter_name, &d.adapter_name),
            adapter_output_directory: f.set(
                "adapterOutputDirectory",
                &l.adapter_output_directory,
                &d.adapter_output_directory,
            ),
            run_interval: f.set("runInterval", &l.run_interval, &d.run_interval),
            one_chat_room_per_output_file: f.set(
                "oneChatRoomPerOutputFile",
                &l.one_chat_room_per_output_file,
                &d.one_chat_room_per_output_file,
            ),
            add_chat_room_details: f.set(
                "addChatRoomDetails",
                &l.add_chat_room_details,
                &d.add_chat_room_details,
            ),
            add_user_details: f.set("addUserDetails", &l.add_user_details, &d.add_user_details),
            create_file_attachments_manifest: f.set(
                "createFileAttachmentsManifest",
                &l.create_file_attachments_manifest,
                &d.create_file_attachments_manifest,
            ),
            custom_configuration: f.set(
                "customConfiguration",
                &l.custom_configuration,
                &d.custom_configuration,
            ),
        };
        Operation::SetComplianceConfiguration {
            identity: id.clone(),
            params,
        }
    }
    fn remove(id: &Scope, _: &Self) -> Option<Operation> {
        Some(Operation::RemoveComplianceConfiguration {
            identity: id.clone(),
        })
    }
    fn standing(id: &Scope) -> Option<Self> {
        (*id == Scope::Global).then(|| Self::defaults(Scope::Global))
    }
}

impl Planned for PersistentChatConfiguration {
    /// New- sends what differs from the defaults.
    fn create(id: &Scope, d: &Self) -> Vec<Operation> {
        let Operation::SetConfiguration { identity, params } =
            Self::change(id, &Self::defaults(id.clone()), d, &mut Fields::new(&[]))
        else {
            unreachable!("change() makes a Set-")
        };
        vec![Operation::NewConfiguration { identity, params }]
    }
    fn change(id: &Scope, l: &Self, d: &Self, f: &mut Fields<'_>) -> Operation {
        let params = ConfigurationParams {
            default_chat_history: f.set(
                "defaultChatHistory",
                &l.default_chat_history,
                &d.default_chat_history,
            ),
            participant_update_limit: f.set(
                "participantUpdateLimit",
                &l.participant_update_limit,
                &d.participant_update_limit,
            ),
            max_file_size_kb: f.set("maxFileSizeKB", &l.max_file_size_kb, &d.max_file_size_kb),
            room_management_url: f.set(
                "roomManagementUrl",
                &l.room_management_url,
                &d.room_management_url,
            ),
        };
        Operation::SetConfiguration {
            identity: id.clone(),
            params,
        }
    }
    fn remove(id: &Scope, _: &Self) -> Option<Operation> {
        Some(Operation::RemoveConfiguration {
            identity: id.clone(),
        })
    }
    fn standing(id: &Scope) -> Option<Self> {
        (*id == Scope::Global).then(|| Self::defaults(Scope::Global))
    }
}
