//! The rules that tie objects together and bound their values, checked over a whole
//! [`DesiredState`]. One implementation serves the YAML loader and, later, the store's
//! imperative commands.
//!
//! A violation names the object by kind and identity and, where it can, the field (relative to
//! the object: `members[2]`); placing it in a file is the caller's business.

use std::collections::{HashMap, HashSet};

use super::compliance::{MAX_RUN_INTERVAL, MIN_RUN_INTERVAL};
use super::configuration::CHAT_HISTORY_RANGE;
use super::format::{check_fqdn, check_http_url, check_sip_uri};
use super::lifecycle::Lifecycle;
use super::principal::{principal_key, Directory, RefKind};
use super::*;
use crate::suggest::nearest;

/// How serious a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
    /// Legal, but probably not what was meant.
    Warning,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    pub severity: Severity,
    pub kind: Kind,
    /// The identity of the object, as the desired state keys it.
    pub identity: String,
    /// The field concerned, relative to the object (`category`, `members[2]`), if one is.
    pub field: Option<String>,
    pub message: String,
    /// What to do about it, e.g. "did you mean `Closed`?".
    pub help: Option<String>,
}

/// Checks every rule over the state; the result is in kind order, then identity order.
pub fn validate(state: &DesiredState) -> Vec<Violation> {
    let mut c = Checker {
        state,
        out: Vec::new(),
        principals: Principals::new(state),
    };
    c.pools();
    c.principals_();
    c.categories();
    c.addins();
    c.rooms();
    c.previous_names::<Category>(|c| &c.previous_names);
    c.previous_names::<Addin>(|a| &a.previous_names);
    c.previous_names::<Room>(|r| &r.previous_names);
    c.policies();
    c.grants();
    c.compliance();
    c.configurations();
    c.endpoints();
    c.states();
    c.active_servers();
    // Said once the rest is right: beside errors it would only crowd them.
    if !c.out.iter().any(|v| v.severity == Severity::Error) {
        c.unchecked_membership();
    }
    c.out
}

/// Whether a category admits a principal into its rooms: `Some(true)` allowed, `Some(false)`
/// denied or not allowed, `None` when the directory cannot tell (an undeclared principal that
/// is not listed directly).
pub fn category_admits(state: &DesiredState, category: &ObjectId, principal: &str) -> Option<bool> {
    let c = state.categories.get(category)?;
    let mut p = Principals::new(state);
    let allowed: Vec<u32> = c
        .allowed_members
        .iter()
        .filter_map(|x| p.id_of(x))
        .collect();
    let denied: Vec<u32> = c.denied_members.iter().filter_map(|x| p.id_of(x)).collect();
    let id = p.info(principal).ok()?;
    let info = p.infos[id as usize].as_ref()?;
    if info.containers.iter().any(|k| denied.contains(k)) {
        return Some(false);
    }
    if info.containers.iter().any(|k| allowed.contains(k)) {
        return Some(true);
    }
    info.declared.then_some(false)
}

struct Checker<'a> {
    state: &'a DesiredState,
    out: Vec<Violation>,
    principals: Principals<'a>,
}

/// Where a violation is being reported: the object, by kind and identity.
#[derive(Clone, Copy)]
struct At<'s> {
    kind: Kind,
    identity: &'s dyn std::fmt::Display,
}

impl<'s> At<'s> {
    fn new(kind: Kind, identity: &'s dyn std::fmt::Display) -> Self {
        At { kind, identity }
    }
}

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(word, candidates).map(|n| format!("did you mean `{n}`?"))
}

impl<'a> Checker<'a> {
    fn push(
        &mut self,
        severity: Severity,
        at: At<'_>,
        field: Option<String>,
        message: String,
        help: Option<String>,
    ) {
        self.out.push(Violation {
            severity,
            kind: at.kind,
            identity: at.identity.to_string(),
            field,
            message,
            help,
        });
    }

    fn error(
        &mut self,
        at: At<'_>,
        field: impl Into<String>,
        message: String,
        help: Option<String>,
    ) {
        self.push(Severity::Error, at, Some(field.into()), message, help);
    }

    fn warn(&mut self, at: At<'_>, field: Option<String>, message: String, help: Option<String>) {
        self.push(Severity::Warning, at, field, message, help);
    }

    fn lifecycle(&mut self, at: At<'_>, lifecycle: &Lifecycle) {
        for (i, f) in lifecycle.ignore_changes.iter().enumerate() {
            let field = format!("lifecycle.ignoreChanges[{i}]");
            let fields: Vec<&str> = at.kind.fields().collect();
            if at.kind.identity_fields().contains(&f.as_str()) {
                self.error(
                    at,
                    field,
                    format!(
                        "`{f}` is part of the {}'s identity and cannot be ignored",
                        at.kind
                    ),
                    None,
                );
            } else if f == "lifecycle" || !fields.contains(&f.as_str()) {
                let help = did_you_mean(f, fields.iter().copied().filter(|n| *n != "lifecycle"))
                    .or_else(|| {
                        Some(format!(
                            "the fields of a {} are: {}",
                            at.kind,
                            fields.join(", ")
                        ))
                    });
                self.error(
                    at,
                    field,
                    format!("`{f}` is not a field of a {}", at.kind),
                    help,
                );
            }
        }
    }

    fn name(&mut self, at: At<'_>, name: &str) {
        if name.trim().is_empty() {
            self.error(at, "name", "the name is empty".into(), None);
        } else if let Some(c) = name.chars().find(|c| c.is_control()) {
            self.error(
                at,
                "name",
                format!(
                    "the name {name:?} contains the control character U+{:04X}, which the \
                     service cannot store in a name",
                    c as u32
                ),
                None,
            );
        } else if name.contains('\\') {
            self.error(
                at,
                "name",
                format!(
                    "the name `{name}` contains `\\`, which separates pool and name in identities"
                ),
                None,
            );
        }
    }

    /// A free text (a description): line breaks and tabs are text, other control characters
    /// (NUL above all, which PostgreSQL cannot store) are refused on every backend alike.
    fn text(&mut self, at: At<'_>, field: &str, text: &str) {
        if let Some(c) = text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            self.error(
                at,
                field,
                format!(
                    "the {field} contains the control character U+{:04X}, which the service \
                     cannot store",
                    c as u32
                ),
                Some("remove it".into()),
            );
        }
    }

    /// Checks a resolved pool reference; true when it names a declared pool.
    fn pool_ref(&mut self, at: At<'_>, field: &str, pool: Option<&str>) -> bool {
        let declared = self.state.pools.len();
        match pool {
            Some(p) if self.state.declared_pool(p).is_some() => true,
            Some(p) => {
                let help = did_you_mean(p, self.state.pools.values().map(|p| p.fqdn.as_str()))
                    .or_else(|| Some("declare it under `pools:`".into()));
                self.error(at, field, format!("pool `{p}` is not declared"), help);
                false
            }
            None if declared == 0 => {
                self.error(
                    at,
                    field,
                    "no pool is declared, so the pool cannot be inferred".into(),
                    Some("declare the pool under `pools:`".into()),
                );
                false
            }
            None => {
                self.error(
                    at,
                    field,
                    format!("`persistentChatPoolFqdn` is required: {declared} pools are declared"),
                    None,
                );
                false
            }
        }
    }

    /// Checks that each entry of a principal list is a principal; warns of repeats. Leaves in
    /// `ids` the interned id of each valid entry, with its index in the list (a buffer the
    /// caller reuses: rooms have hundreds of thousands of lists).
    fn principal_list(
        &mut self,
        at: At<'_>,
        field: &str,
        list: &'a [String],
        ids: &mut Vec<(usize, u32)>,
    ) {
        ids.clear();
        for (i, p) in list.iter().enumerate() {
            match self.principals.info(p) {
                Err(why) => self.error(
                    at,
                    format!("{field}[{i}]"),
                    format!("`{p}` is not a valid principal: {why}"),
                    None,
                ),
                Ok(id) => {
                    if !p.starts_with(['s', 'S']) && crate::model::format::split_dn(p).len() == 1 {
                        // `[OU=Sales,DC=x,DC=com]` is four entries to YAML; single-part DNs
                        // are almost always the pieces of such a split.
                        self.error(
                            at,
                            format!("{field}[{i}]"),
                            format!("`{p}` is only one part of a distinguished name"),
                            Some(
                                "a DN has several parts (`CN=…,OU=…,DC=…`): inside `[…]` quote it, \
                                 or YAML splits it at the commas"
                                    .into(),
                            ),
                        );
                        continue;
                    }
                    if ids.iter().any(|&(_, seen)| seen == id) {
                        self.warn(
                            at,
                            Some(format!("{field}[{i}]")),
                            format!("`{p}` is listed more than once in `{field}`"),
                            None,
                        );
                    }
                    ids.push((i, id));
                }
            }
        }
    }

    fn pools(&mut self) {
        for (key, pool) in &self.state.pools {
            let at = At::new(Kind::Pool, key);
            if let Err(why) = check_fqdn(&pool.fqdn) {
                self.error(
                    at,
                    "fqdn",
                    format!("`{}` is not an FQDN: {why}", pool.fqdn),
                    None,
                );
            }
            if pool.site.as_deref().is_some_and(|s| s.trim().is_empty()) {
                self.error(at, "site", "the site is empty".into(), None);
            }
            let mut seen = HashSet::new();
            for (i, s) in pool.servers.iter().enumerate() {
                if let Err(why) = check_fqdn(s) {
                    self.error(
                        at,
                        format!("servers[{i}]"),
                        format!("`{s}` is not an FQDN: {why}"),
                        None,
                    );
                } else if !seen.insert(s.to_ascii_lowercase()) {
                    self.error(
                        at,
                        format!("servers[{i}]"),
                        format!("server `{s}` is listed twice"),
                        None,
                    );
                }
            }
        }
    }

    fn principals_(&mut self) {
        for (key, p) in &self.state.principals {
            let at = At::new(Kind::Principal, key);
            match p.principal_type {
                PrincipalType::User => match &p.sip_address {
                    None => {
                        self.error(at, "sipAddress", "a user needs a `sipAddress`".into(), None)
                    }
                    Some(sip) => {
                        if let Err(why) = check_sip_uri(sip) {
                            self.error(
                                at,
                                "sipAddress",
                                format!("`{sip}` is not a SIP URI: {why}"),
                                None,
                            );
                        }
                    }
                },
                PrincipalType::Group | PrincipalType::OrganizationalUnit => {
                    if p.sip_address.is_some() {
                        self.error(
                            at,
                            "sipAddress",
                            format!(
                                "only users have a `sipAddress`, not a {:?}",
                                p.principal_type
                            ),
                            None,
                        );
                    }
                    if p.distinguished_name.is_none() {
                        self.error(
                            at,
                            "distinguishedName",
                            format!("a {:?} needs a `distinguishedName`", p.principal_type),
                            None,
                        );
                    }
                }
            }
            if let Some(dn) = &p.distinguished_name {
                match principal_key(dn) {
                    Ok((RefKind::Dn, k)) => {
                        if p.principal_type == PrincipalType::OrganizationalUnit
                            && !k.starts_with("ou=")
                        {
                            self.error(
                                at,
                                "distinguishedName",
                                format!("the DN of an organizational unit starts with `OU=`, not `{dn}`"),
                                None,
                            );
                        }
                    }
                    Ok((RefKind::Sip, _)) | Err(_) => self.error(
                        at,
                        "distinguishedName",
                        format!("`{dn}` is not a distinguished name"),
                        Some("write it as `CN=…,OU=…,DC=…`".into()),
                    ),
                }
            }
            if p.principal_type != PrincipalType::Group && !p.members.is_empty() {
                self.error(
                    at,
                    "members",
                    format!("only groups have members, not a {:?}", p.principal_type),
                    None,
                );
            } else {
                self.principal_list(at, "members", &p.members, &mut Vec::new());
            }
        }
    }

    /// `previousNames` of one kind: names in the object's own pool, none of them the object's
    /// own or another declared object's (a rename cycle), none claimed by two objects.
    fn previous_names<T: Object<Key = ObjectId>>(&mut self, names: impl Fn(&T) -> &[String]) {
        let declared = T::map(self.state);
        let mut claimed: HashMap<ObjectId, &ObjectId> = HashMap::new();
        for (id, x) in declared {
            let at = At::new(T::KIND, id);
            for (i, n) in names(x).iter().enumerate() {
                let field = format!("previousNames[{i}]");
                let old =
                    match n.parse::<ObjectId>() {
                        Ok(o) if !o.pool.eq_ignore_ascii_case(&id.pool) => {
                            self.error(
                                at,
                                field,
                                format!(
                                "`{n}` is in pool `{}`: a {} is renamed within its own pool `{}`",
                                o.pool, T::KIND, id.pool
                            ),
                                Some("give the previous name alone, without a pool".into()),
                            );
                            continue;
                        }
                        Ok(o) => ObjectId::new(id.pool.clone(), o.name),
                        Err(_) => ObjectId::new(id.pool.clone(), n.clone()),
                    };
                if old == *id {
                    self.error(at, field, format!("`{n}` is its own name"), None);
                } else if declared.contains_key(&old) {
                    self.error(
                        at,
                        field,
                        format!(
                            "`{old}` is declared too: one name cannot be a {} and another's \
                             previous name (a rename cycle?)",
                            T::KIND
                        ),
                        Some(format!(
                            "remove `{n}` from previousNames, or the {} `{old}`",
                            T::KIND
                        )),
                    );
                } else if let Some(first) = claimed.get(&old) {
                    self.error(
                        at,
                        field,
                        format!(
                            "`{n}` is also a previous name of `{first}`: one {} cannot become two",
                            T::KIND
                        ),
                        None,
                    );
                } else {
                    claimed.insert(old, id);
                }
            }
        }
    }

    fn categories(&mut self) {
        for (id, c) in &self.state.categories {
            let at = At::new(Kind::Category, id);
            self.name(at, &c.name);
            self.text(at, "description", &c.description);
            self.pool_ref(
                at,
                "persistentChatPoolFqdn",
                c.persistent_chat_pool_fqdn.as_deref(),
            );
            for (field, list) in [
                ("allowedMembers", &c.allowed_members),
                ("deniedMembers", &c.denied_members),
                ("creators", &c.creators),
            ] {
                self.principal_list(at, field, list, &mut Vec::new());
            }
            self.lifecycle(at, &c.lifecycle);
        }
    }

    fn addins(&mut self) {
        for (id, a) in &self.state.addins {
            let at = At::new(Kind::Addin, id);
            self.name(at, &a.name);
            self.pool_ref(
                at,
                "persistentChatPoolFqdn",
                a.persistent_chat_pool_fqdn.as_deref(),
            );
            if let Err(why) = check_http_url(&a.url) {
                self.error(
                    at,
                    "url",
                    format!("`{}` is not a valid URL: {why}", a.url),
                    None,
                );
            }
            self.lifecycle(at, &a.lifecycle);
        }
    }

    fn rooms(&mut self) {
        // Per-category permission frames, built once: rooms far outnumber categories.
        let mut frames: HashMap<(&str, &str), Frame, FastHash> = HashMap::default();
        for (id, c) in &self.state.categories {
            frames.insert(
                (id.pool.as_str(), id.name.as_str()),
                Frame {
                    allowed: c
                        .allowed_members
                        .iter()
                        .filter_map(|p| self.principals.id_of(p))
                        .collect(),
                    denied: c
                        .denied_members
                        .iter()
                        .filter_map(|p| self.principals.id_of(p))
                        .collect(),
                },
            );
        }
        let addins: HashSet<(&str, &str)> = self
            .state
            .addins
            .keys()
            .map(|id| (id.pool.as_str(), id.name.as_str()))
            .collect();
        let mut ids: Vec<(usize, u32)> = Vec::new();
        for (id, r) in &self.state.rooms {
            let at = At::new(Kind::Room, id);
            self.name(at, &r.name);
            self.text(at, "description", &r.description);
            let pool_ok = if r.persistent_chat_pool_fqdn.is_none() && self.state.pools.len() > 1 {
                self.error(
                    at,
                    "persistentChatPoolFqdn",
                    format!(
                        "`persistentChatPoolFqdn` is required: {} pools are declared and the \
                         category `{}` does not settle which",
                        self.state.pools.len(),
                        r.category
                    ),
                    None,
                );
                false
            } else {
                self.pool_ref(
                    at,
                    "persistentChatPoolFqdn",
                    r.persistent_chat_pool_fqdn.as_deref(),
                )
            };
            let frame = if pool_ok {
                let frame = frames.get(&(id.pool.as_str(), r.category.as_str()));
                if frame.is_none() {
                    let names = self
                        .state
                        .categories
                        .keys()
                        .filter(|c| c.pool == id.pool)
                        .map(|c| c.name.as_str());
                    let help = did_you_mean(&r.category, names)
                        .or_else(|| Some("declare it under `categories:`".into()));
                    self.error(
                        at,
                        "category",
                        format!(
                            "category `{}` does not exist in pool `{}`",
                            r.category, id.pool
                        ),
                        help,
                    );
                }
                if let Some(addin) = &r.addin {
                    if !addins.contains(&(id.pool.as_str(), addin.as_str())) {
                        let names = self
                            .state
                            .addins
                            .keys()
                            .filter(|a| a.pool == id.pool)
                            .map(|a| a.name.as_str());
                        let help = did_you_mean(addin, names)
                            .or_else(|| Some("declare it under `addins:`".into()));
                        self.error(
                            at,
                            "addin",
                            format!("add-in `{addin}` does not exist in pool `{}`", id.pool),
                            help,
                        );
                    }
                }
                frame
            } else {
                None
            };
            match r.room_type {
                RoomType::Normal if !r.presenters.is_empty() => self.error(
                    at,
                    "presenters",
                    "a Normal room has no presenters".into(),
                    Some("set `type: Auditorium`, or remove `presenters`".into()),
                ),
                RoomType::Auditorium if r.presenters.is_empty() => self.warn(
                    at,
                    Some("presenters".into()),
                    "an Auditorium room without presenters: nobody can post in it".into(),
                    None,
                ),
                RoomType::Normal | RoomType::Auditorium => {}
            }
            for (field, list) in [
                ("members", &r.members),
                ("managers", &r.managers),
                ("presenters", &r.presenters),
            ] {
                self.principal_list(at, field, list, &mut ids);
                if let Some(frame) = frame {
                    self.membership(at, field, list, &ids, &r.category, frame);
                }
            }
            self.lifecycle(at, &r.lifecycle);
        }
    }

    /// Every entry must be allowed by the category: in `allowedMembers` directly or through a
    /// group or OU, and not denied. Entries the directory does not know are judged only by
    /// direct listing, since their groups cannot be known.
    fn membership(
        &mut self,
        at: At<'_>,
        field: &str,
        list: &[String],
        ids: &[(usize, u32)],
        category: &str,
        frame: &Frame,
    ) {
        for &(i, id) in ids {
            let Some(info) = &self.principals.infos[id as usize] else {
                continue;
            };
            let denied = info.containers.iter().any(|k| frame.denied.contains(k));
            let allowed = info.containers.iter().any(|k| frame.allowed.contains(k));
            let declared = info.declared;
            let p = &list[i];
            if denied {
                self.error(
                    at,
                    format!("{field}[{i}]"),
                    format!("`{p}` is denied by category `{category}` (`deniedMembers`)"),
                    None,
                );
            } else if !allowed && declared {
                self.error(
                    at,
                    format!("{field}[{i}]"),
                    format!("`{p}` is not allowed in rooms of category `{category}`"),
                    Some("add it, or a group or OU that contains it, to the category's `allowedMembers`".into()),
                );
            }
        }
    }

    /// With lists of principals but no directory (`principals:`), membership is judged only by
    /// direct listing: one warning says so, on the first category, instead of silence.
    fn unchecked_membership(&mut self) {
        let state = self.state;
        if !state.principals.is_empty() {
            return;
        }
        let Some((id, _)) = state.categories.iter().next() else {
            return;
        };
        let listed =
            state.rooms.values().any(|r| {
                !(r.members.is_empty() && r.managers.is_empty() && r.presenters.is_empty())
            }) || state.categories.values().any(|c| {
                !(c.allowed_members.is_empty()
                    && c.denied_members.is_empty()
                    && c.creators.is_empty())
            });
        if !listed {
            return;
        }
        let at = At::new(Kind::Category, id);
        self.warn(
            at,
            None,
            "no `principals:` are declared, so whether each room's members, managers and \
             presenters are allowed by their category (through groups and OUs) cannot be checked"
                .into(),
            Some(
                "declare the directory's users, groups and OUs under `principals:`, or import \
                 them into the store with `pchat principal import`"
                    .into(),
            ),
        );
    }

    fn scope_pool(&mut self, at: At<'_>, scope: &Scope) {
        if let Scope::Service(pool) = scope {
            self.pool_ref(at, "identity", Some(pool));
        }
    }

    fn site(&mut self, at: At<'_>, scope: &Scope) {
        let Scope::Site(site) = scope else { return };
        let sites: Vec<&str> = self
            .state
            .pools
            .values()
            .filter_map(|p| p.site.as_deref())
            .collect();
        if !sites.is_empty() && !sites.iter().any(|s| s.eq_ignore_ascii_case(site)) {
            let help = did_you_mean(site, sites.iter().copied());
            self.warn(
                at,
                Some("identity".into()),
                format!("no declared pool is in site `{site}`"),
                help,
            );
        }
    }

    fn policies(&mut self) {
        for (scope, p) in &self.state.policies {
            let at = At::new(Kind::Policy, scope);
            if let Scope::Service(_) = scope {
                self.error(
                    at,
                    "identity",
                    "a policy's identity is `global`, `site:NAME` or `tag:NAME`".into(),
                    None,
                );
            }
            self.site(at, scope);
            self.text(at, "description", &p.description);
            self.lifecycle(at, &p.lifecycle);
        }
    }

    fn grants(&mut self) {
        let tags: Vec<&str> = self
            .state
            .policies
            .keys()
            .filter_map(|s| match s {
                Scope::Tag(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        for (key, g) in &self.state.policy_grants {
            let at = At::new(Kind::PolicyGrant, key);
            if let Err(why) = check_sip_uri(&g.identity) {
                self.error(
                    at,
                    "identity",
                    format!("`{}` is not a user's SIP URI: {why}", g.identity),
                    None,
                );
            }
            if !tags.iter().any(|t| same_name(t, &g.policy_name)) {
                let help = did_you_mean(&g.policy_name, tags.iter().copied())
                    .or_else(|| Some(format!("declare `tag:{}` under `policies:`", g.policy_name)));
                self.error(
                    at,
                    "policyName",
                    format!("policy `tag:{}` is not declared", g.policy_name),
                    help,
                );
            }
            self.lifecycle(at, &g.lifecycle);
        }
    }

    fn compliance(&mut self) {
        let mut dirs: HashMap<String, String> = HashMap::new();
        for (scope, c) in &self.state.compliance_configurations {
            let at = At::new(Kind::ComplianceConfiguration, scope);
            if let Scope::Tag(_) = scope {
                self.error(
                    at,
                    "identity",
                    "a compliance configuration's identity is `global`, `site:NAME` or \
                     `service:PersistentChatServer:POOL_FQDN`"
                        .into(),
                    None,
                );
            }
            self.scope_pool(at, scope);
            self.site(at, scope);
            if c.run_interval < MIN_RUN_INTERVAL || c.run_interval > MAX_RUN_INTERVAL {
                self.error(
                    at,
                    "runInterval",
                    format!(
                        "runInterval must be between {MIN_RUN_INTERVAL} (1 minute) and \
                         {MAX_RUN_INTERVAL} (30 days), not {}",
                        c.run_interval
                    ),
                    None,
                );
            }
            if !c.adapter_output_directory.is_empty() {
                let norm = c
                    .adapter_output_directory
                    .trim_end_matches(['\\', '/'])
                    .to_lowercase();
                if let Some(other) = dirs.get(&norm) {
                    self.error(
                        at,
                        "adapterOutputDirectory",
                        format!(
                            "`{}` is already the output directory of `{other}`: each adapter needs its own",
                            c.adapter_output_directory
                        ),
                        None,
                    );
                } else {
                    dirs.insert(norm, scope.to_string());
                }
            }
            if c.adapter_type.is_empty()
                && !(c.adapter_name.is_empty() && c.adapter_output_directory.is_empty())
            {
                self.warn(
                    at,
                    Some("adapterType".into()),
                    "`adapterType` is empty, so no compliance data is written".into(),
                    None,
                );
            }
            self.lifecycle(at, &c.lifecycle);
        }
    }

    fn configurations(&mut self) {
        for (scope, c) in &self.state.configurations {
            let at = At::new(Kind::Configuration, scope);
            if let Scope::Tag(_) = scope {
                self.error(
                    at,
                    "identity",
                    "a configuration's identity is `global`, `site:NAME` or \
                     `service:PersistentChatServer:POOL_FQDN`"
                        .into(),
                    None,
                );
            }
            self.scope_pool(at, scope);
            self.site(at, scope);
            if !CHAT_HISTORY_RANGE.contains(&c.default_chat_history) {
                self.error(
                    at,
                    "defaultChatHistory",
                    format!(
                        "defaultChatHistory must be between {} and {}, not {}",
                        CHAT_HISTORY_RANGE.start(),
                        CHAT_HISTORY_RANGE.end(),
                        c.default_chat_history
                    ),
                    None,
                );
            }
            if let Some(url) = &c.room_management_url {
                if let Err(why) = check_http_url(url) {
                    self.error(
                        at,
                        "roomManagementUrl",
                        format!("`{url}` is not a valid URL: {why}"),
                        None,
                    );
                }
            }
            self.lifecycle(at, &c.lifecycle);
        }
    }

    fn endpoints(&mut self) {
        for (key, e) in &self.state.endpoints {
            let at = At::new(Kind::Endpoint, key);
            if let Err(why) = check_sip_uri(&e.sip_address) {
                self.error(
                    at,
                    "sipAddress",
                    format!("`{}` is not a SIP URI: {why}", e.sip_address),
                    None,
                );
            }
            self.pool_ref(
                at,
                "persistentChatPoolFqdn",
                e.persistent_chat_pool_fqdn.as_deref(),
            );
            self.lifecycle(at, &e.lifecycle);
        }
    }

    fn states(&mut self) {
        for (id, s) in &self.state.states {
            let at = At::new(Kind::State, id);
            self.pool_ref(at, "identity", Some(&id.pool));
            self.lifecycle(at, &s.lifecycle);
        }
    }

    fn active_servers(&mut self) {
        for (id, a) in &self.state.active_servers {
            let at = At::new(Kind::ActiveServers, id);
            if self.pool_ref(at, "identity", Some(&id.pool)) {
                let pool = &self.state.pools[&id.pool.to_ascii_lowercase()];
                if pool.servers.is_empty() && !a.active_servers.is_empty() {
                    self.error(
                        at,
                        "activeServers",
                        format!("pool `{}` lists no servers", pool.fqdn),
                        Some("list the pool's servers under its `servers:`".into()),
                    );
                } else {
                    let mut seen = HashSet::new();
                    for (i, s) in a.active_servers.iter().enumerate() {
                        if !pool.servers.iter().any(|p| p.eq_ignore_ascii_case(s)) {
                            let help = did_you_mean(s, pool.servers.iter().map(String::as_str));
                            self.error(
                                at,
                                format!("activeServers[{i}]"),
                                format!("`{s}` is not a server of pool `{}`", pool.fqdn),
                                help,
                            );
                        } else if !seen.insert(s.to_ascii_lowercase()) {
                            self.warn(
                                at,
                                Some(format!("activeServers[{i}]")),
                                format!("server `{s}` is listed twice"),
                                None,
                            );
                        }
                    }
                }
            }
            self.lifecycle(at, &a.lifecycle);
        }
    }
}

/// A category's allowed and denied principals, by interned id. Lists are short, so a linear
/// scan of integers beats hashing.
struct Frame {
    allowed: Vec<u32>,
    denied: Vec<u32>,
}

/// What is known of one principal, computed once however often it is listed.
struct Info {
    /// Interned ids of every key that stands for it (see `Directory::containers`).
    containers: Vec<u32>,
    declared: bool,
}

/// A cache from principal text to what the directory says of it. Keys are interned as
/// integers so that membership checks over hundreds of thousands of entries compare numbers.
struct Principals<'a> {
    dir: Directory,
    by_text: HashMap<&'a str, Result<u32, String>, FastHash>,
    ids: HashMap<String, u32, FastHash>,
    /// Indexed by id; `None` for keys interned only as containers.
    infos: Vec<Option<Info>>,
}

/// FNV-1a: the keys are the configuration's own text, hashed in-process, so a cheap hash is
/// safe, and it is several times faster than the default on short strings.
#[derive(Default, Clone, Copy)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl<'a> Principals<'a> {
    fn new(state: &'a DesiredState) -> Self {
        Principals {
            dir: Directory::new(state.principals.values()),
            by_text: HashMap::default(),
            ids: HashMap::default(),
            infos: Vec::new(),
        }
    }

    fn intern(&mut self, key: String) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(key).or_insert(next)
    }

    /// The interned id of a principal's key, if the text is a principal.
    fn id_of(&mut self, text: &'a str) -> Option<u32> {
        self.info(text).ok()
    }

    /// The interned id of the principal (its info is then in `infos`), or why the text is not
    /// a principal.
    fn info(&mut self, text: &'a str) -> Result<u32, String> {
        if let Some(r) = self.by_text.get(text) {
            return r.clone();
        }
        let r = principal_key(text).map(|(_, key)| {
            let id = self.intern(key.clone());
            if self.infos.get(id as usize).is_none_or(Option::is_none) {
                let declared = self.dir.is_declared(&key);
                let containers = if declared {
                    let keys = self.dir.containers(&key);
                    keys.into_iter().map(|k| self.intern(k)).collect()
                } else {
                    vec![id]
                };
                if self.infos.len() <= id as usize {
                    self.infos.resize_with(id as usize + 1, || None);
                }
                self.infos[id as usize] = Some(Info {
                    containers,
                    declared,
                });
            }
            id
        });
        self.by_text.insert(text, r.clone());
        r
    }
}
