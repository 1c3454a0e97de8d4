//! Who may use what: the principals eligible for a category's or room's lists
//! (`Get-CsPersistentChatEligiblePrincipal`), and each user's effective Persistent Chat policy.

use super::principal::{principal_key, Directory};
use super::*;

/// The users a category admits: its allowed members with groups and OUs expanded into the
/// declared users they stand for, less its denied members (expanded the same way). Sorted
/// normalized SIP URIs.
pub fn eligible_for_category(state: &DesiredState, category: &ObjectId) -> Option<Vec<String>> {
    let c = state.categories.get(category)?;
    let dir = Directory::new(state.principals.values());
    let expand = |list: &[String]| -> Vec<String> {
        let mut users = Vec::new();
        for entry in list {
            let Ok((_, key)) = principal_key(entry) else {
                continue;
            };
            let mut found = dir.expand(&key);
            if found.is_empty() && key.starts_with("sip:") {
                // A user listed directly counts even if the directory does not know it.
                found.push(key);
            }
            users.extend(found);
        }
        users.sort();
        users.dedup();
        users
    };
    let denied = expand(&c.denied_members);
    Some(
        expand(&c.allowed_members)
            .into_iter()
            .filter(|u| !denied.contains(u))
            .collect(),
    )
}

/// The users a room admits: those of its category.
pub fn eligible_for_room(state: &DesiredState, room: &ObjectId) -> Option<Vec<String>> {
    let r = state.rooms.get(room)?;
    eligible_for_category(state, &ObjectId::new(room.pool.clone(), r.category.clone()))
}

/// Where a user's policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePolicy {
    /// The policy that applies: a granted tag, the user's site, or global.
    pub identity: Scope,
    pub enable_persistent_chat: bool,
}

/// A user's effective policy: the tag policy granted to them, else their site's policy, else
/// the global one (defaults if the state has none).
pub fn effective_policy(state: &DesiredState, user: &str) -> EffectivePolicy {
    let key = super::principal::key_or_text(user);
    let from = |scope: &Scope| {
        state.policies.get(scope).map(|p| EffectivePolicy {
            identity: scope.clone(),
            enable_persistent_chat: p.enable_persistent_chat,
        })
    };
    if let Some(found) = state
        .policy_grants
        .get(&key)
        .and_then(|g| from(&Scope::Tag(g.policy_name.clone())))
    {
        return found;
    }
    let site = state.principals.get(&key).and_then(|p| p.site.clone());
    if let Some(found) = site.and_then(|s| from(&Scope::Site(s))) {
        return found;
    }
    from(&Scope::Global).unwrap_or(EffectivePolicy {
        identity: Scope::Global,
        enable_persistent_chat: false,
    })
}

/// Why a user cannot take part in a test message in `room` as `role` (sender or receiver),
/// if they cannot: not a SIP URI, not in the directory, disabled, no Persistent Chat by policy,
/// not admitted by the category, not a member of a closed room, not a presenter of an auditorium.
pub fn unfit(
    state: &DesiredState,
    room: &ObjectId,
    r: &Room,
    user: &str,
    role: &str,
) -> Option<String> {
    let key = match principal_key(user) {
        Ok((super::principal::RefKind::Sip, k)) => k,
        _ => return Some(format!("the {role} `{user}` is not a SIP URI")),
    };
    let Some(p) = state.principals.get(&key) else {
        return Some(format!("the {role} `{user}` is not in the directory"));
    };
    if !p.enabled {
        return Some(format!("the {role} `{user}` is disabled in the directory"));
    }
    let policy = access::effective_policy(state, user);
    if !policy.enable_persistent_chat {
        return Some(format!("the {role} `{user}` may not use Persistent Chat: policy `{}` has enablePersistentChat false", policy.identity));
    }
    let eligible = access::eligible_for_room(state, room).unwrap_or_default();
    if !eligible.contains(&key) {
        return Some(format!("the {role} `{user}` is not eligible for room `{room}`: its category `{}` does not admit them", r.category));
    }
    let listed = |l: &[String]| {
        l.iter()
            .any(|m| principal_key(m).is_ok_and(|(_, k)| k == key))
    };
    if r.privacy != Privacy::Open
        && !r.members.is_empty()
        && !listed(&r.members)
        && !listed(&r.managers)
        && !listed(&r.presenters)
    {
        return Some(format!(
            "the {role} `{user}` is not a member of the {:?} room `{room}`",
            r.privacy
        ));
    }
    if role == "sender" && r.room_type == RoomType::Auditorium && !listed(&r.presenters) {
        return Some(format!(
            "the sender `{user}` is not a presenter of the auditorium room `{room}`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        yaml_like: Vec<Principal>,
        policies: Vec<(Scope, bool)>,
        grants: Vec<(&str, &str)>,
    ) -> DesiredState {
        let mut s = DesiredState::default();
        for p in yaml_like {
            let key = principal_key(p.identity()).unwrap().1;
            s.principals.insert(key, p);
        }
        for (scope, on) in policies {
            let mut p = PersistentChatPolicy::defaults(scope.clone());
            p.enable_persistent_chat = on;
            s.policies.insert(scope, p);
        }
        for (user, tag) in grants {
            s.policy_grants.insert(
                principal_key(user).unwrap().1,
                PolicyGrant {
                    identity: user.into(),
                    policy_name: tag.into(),
                    lifecycle: Lifecycle::default(),
                },
            );
        }
        s
    }

    fn user(sip: &str, dn: &str, site: Option<&str>) -> Principal {
        Principal {
            principal_type: PrincipalType::User,
            sip_address: Some(sip.into()),
            distinguished_name: Some(dn.into()),
            display_name: None,
            site: site.map(str::to_string),
            enabled: true,
            members: vec![],
        }
    }

    #[test]
    fn policy_precedence_is_grant_then_site_then_global() {
        let s = state(
            vec![
                user("sip:a@l.com", "CN=A,DC=l,DC=com", Some("Atlanta")),
                user("sip:b@l.com", "CN=B,DC=l,DC=com", Some("Atlanta")),
                user("sip:c@l.com", "CN=C,DC=l,DC=com", Some("Dublin")),
            ],
            vec![
                (Scope::Global, false),
                (Scope::Site("Atlanta".into()), true),
                (Scope::Tag("Off".into()), false),
            ],
            vec![("sip:b@l.com", "Off")],
        );
        assert_eq!(
            effective_policy(&s, "sip:a@l.com").identity,
            Scope::Site("Atlanta".into())
        );
        assert!(effective_policy(&s, "sip:a@l.com").enable_persistent_chat);
        assert_eq!(
            effective_policy(&s, "SIP:b@L.com").identity,
            Scope::Tag("Off".into())
        );
        assert!(!effective_policy(&s, "sip:b@l.com").enable_persistent_chat);
        // Dublin has no site policy: global.
        assert_eq!(effective_policy(&s, "sip:c@l.com").identity, Scope::Global);
        assert_eq!(
            effective_policy(&s, "sip:nobody@l.com").identity,
            Scope::Global
        );
    }
}
