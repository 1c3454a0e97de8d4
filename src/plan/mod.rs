//! The planner: diffs the desired state against a snapshot of the live store into an ordered list
//! of changes, each made of the cmdlet operations that carry it out. Pure: no I/O, no async.
//!
//! # Guarantees
//! - Deterministic: creations and updates parents first (pools, principals, categories, add-ins,
//!   rooms, policies, grants, settings, endpoints, state, active servers), removals children
//!   first, each kind in identity order.
//! - Renames are not guessed: a new name is a creation and the old one a removal.
//! - Singletons (the `global` settings, pool state, active servers) are only ever set; dropping
//!   a managed one from the configuration resets it to its defaults.
//! - Only managed objects are removed under `Prune::Managed`; others are listed as kept.

mod diff;
mod kinds;

use std::collections::{BTreeSet, HashMap};

pub use diff::{FieldDiff, FieldDiffs};
pub use kinds::previous_ids;

use crate::model::*;
use crate::ops::Operation;

/// Which live objects missing from the configuration are removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prune {
    /// Those pchat manages (created by an apply, or adopted).
    #[default]
    Managed,
    /// Every one (but singletons and pools).
    All,
    /// None.
    None,
}

value_names!(Prune { Managed = "managed", All = "all", None = "none" });

/// The safety threshold: refuse when a plan would update or remove more than `percent` of the
/// live objects of a kind that has at least `min_objects`, managed or not (`--prune all` reaches
/// beyond what pchat manages, so the net must too).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub percent: f64,
    pub min_objects: usize,
}

/// Parses a threshold percentage: a finite number from 0 to 100. NaN compares false with
/// everything, so it would switch the threshold off without a word.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(p),
        Ok(_) => Err(format!("`{s}` is not a percentage from 0 to 100")),
        Err(_) => Err(format!(
            "`{s}` is not a number (a percentage from 0 to 100)"
        )),
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold {
            percent: 30.0,
            min_objects: 10,
        }
    }
}

/// How to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub prune: Prune,
    /// `(kind, identity)`: plan only these and what they depend on. Empty: everything.
    pub targets: Vec<(Kind, String)>,
    pub threshold: Threshold,
}

/// The live side: the store's state, which objects pchat manages (and whether their
/// configuration protected them), and the store revision.
#[derive(Debug, Clone, Copy)]
pub struct Live<'a> {
    pub state: &'a DesiredState,
    pub managed: &'a HashMap<(Kind, String), bool>,
    /// Managed rooms whose last apply recorded `lifecycle.allowDestroy`.
    pub consented: &'a std::collections::HashSet<(Kind, String)>,
    pub revision: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    Update,
    /// A change the object cannot take in place (endpoints have no Set): remove, then create.
    Replace,
    Delete,
}

/// One object's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    pub kind: Kind,
    pub identity: String,
    /// The identity a renamed object had (`previousNames`): it is changed in place, not removed.
    pub renamed_from: Option<String>,
    pub operations: Vec<Operation>,
    /// What a removal takes with it: a room's messages, a category's rooms, the rooms an add-in
    /// is shown in, a policy's grants. `None`: nothing, or not weighed.
    pub destroys: Option<Destroys>,
    pub fields: FieldDiffs,
    /// The object is protected (`lifecycle.protect`), so removing it is refused.
    pub protected: bool,
    /// Whether pchat manages the object (before this change).
    pub managed: bool,
    /// The change undoes out-of-band drift: the configuration asks the same of the object as
    /// at the apply that last changed it, so the store moved (`Plan::classify`).
    pub drift: bool,
}

/// Content a removal destroys or detaches, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destroys {
    pub count: u64,
    /// What is counted: `message`, `room`, `grant`.
    pub what: &'static str,
}

/// What removing the room `identity` destroys: the messages the store counts, else the chat
/// content a real server reported.
fn destroys(
    messages: &HashMap<String, u64>,
    live: &DesiredState,
    identity: &str,
) -> Option<Destroys> {
    match messages.get(identity).copied() {
        Some(count) if count > 0 => Some(Destroys {
            count,
            what: "message",
        }),
        _ => {
            let id: ObjectId = identity.parse().ok()?;
            live.facts.chat_content.contains(&id).then_some(Destroys {
                count: 0,
                what: CHAT_CONTENT,
            })
        }
    }
}

/// What a room the server reports chat content for destroys (its size is not known here).
pub const CHAT_CONTENT: &str = "chat content";

impl std::fmt::Display for Destroys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.what == CHAT_CONTENT {
            return f.write_str("destroys its chat content (the server reported some)");
        }
        let verb = if self.what == "message" {
            "destroys"
        } else {
            "takes"
        };
        write!(
            f,
            "{verb} {}",
            crate::plural(self.count as usize, self.what)
        )
    }
}

/// Drift in a field the configuration tells pchat to leave alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub kind: Kind,
    pub identity: String,
    pub field: String,
    pub live: String,
    pub desired: String,
}

/// A field whose live value is unknown (a snapshot could not read it): not compared, so no
/// change of it is planned. `identity` is `None` when no object of the kind has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub kind: Kind,
    pub identity: Option<String>,
    pub field: String,
    pub why: String,
}

/// What a plan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The store revision the plan was made against.
    pub revision: i64,
    pub changes: Vec<Change>,
    /// Live objects not in the configuration that stay: not managed, or pruning is off.
    pub kept: Vec<(Kind, String)>,
    pub ignored: Vec<Ignored>,
    /// Objects whose new name and a previous name both exist live: (kind, new, old). Which one
    /// the configuration means is not for pchat to guess, so apply refuses.
    pub ambiguous_renames: Vec<(Kind, String, String)>,
    /// What was not compared because the live side does not know it.
    pub unknown: Vec<Unknown>,
}

/// Why a plan may not be applied as it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Removing a protected object (`--force` does not override it).
    Protected { kind: Kind, identity: String },
    /// Both the new name and a previous name of an object exist live.
    AmbiguousRename {
        kind: Kind,
        identity: String,
        previous: String,
    },
    /// Removing a room would destroy its messages (`--allow-destroy` allows it).
    Destroys {
        kind: Kind,
        identity: String,
        destroys: Destroys,
    },
    /// Too large a share of a kind would change (`--force` overrides it).
    Threshold {
        kind: Kind,
        changing: usize,
        live: usize,
        percent: f64,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Protected { kind, identity } => write!(
                f,
                "{kind} `{identity}` is protected (lifecycle.protect) and would be removed"
            ),
            Refusal::AmbiguousRename {
                kind,
                identity,
                previous,
            } => write!(
                f,
                "{kind} `{identity}` and its previous name `{previous}` both exist: remove one of \
                 them, or `{previous}` from previousNames"
            ),
            Refusal::Destroys {
                kind,
                identity,
                destroys,
            } => write!(
                f,
                "removing {kind} `{identity}` {destroys}; pass --allow-destroy if that is meant"
            ),
            Refusal::Threshold {
                kind,
                changing,
                live,
                percent,
            } => write!(
                f,
                "{changing} of {live} {kind} objects would change or go, more than \
                 {percent}%; pass --force if that is meant"
            ),
        }
    }
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Counts what each room removal destroys: `messages` holds the message count of the
    /// removed rooms (the caller reads it from the store).
    /// A room the live state says holds chat content (`LiveFacts::chat_content`, from a real
    /// server's snapshot) destroys it too, though the store counts none of its messages.
    pub fn weigh_messages(&mut self, messages: &HashMap<String, u64>, live: &DesiredState) {
        for c in &mut self.changes {
            if c.action == Action::Delete && c.kind == Kind::Room {
                c.destroys = destroys(messages, live, &c.identity);
            }
        }
    }

    /// Tells configuration changes from out-of-band drift: `applied` holds, per managed object,
    /// the digest of what the configuration asked at the apply that last changed it. A change
    /// whose object the configuration asks the same of undoes drift; so does the removal of an
    /// object pchat never managed (it appeared in the store; only `--prune all` removes it).
    pub fn classify(&mut self, desired: &DesiredState, applied: &HashMap<(Kind, String), String>) {
        for c in &mut self.changes {
            let recorded_as = c.renamed_from.as_ref().unwrap_or(&c.identity);
            let recorded = applied.get(&(c.kind, recorded_as.clone()));
            c.drift = match c.action {
                Action::Delete => !c.managed,
                _ if c.operations.is_empty() => false,
                _ => recorded.is_some_and(|r| {
                    declared_digest(desired, c.kind, &c.identity).as_ref() == Some(r)
                }),
            };
        }
    }

    /// Whether every change undoes drift (`plan --detailed-exitcode` exits 4).
    pub fn is_drift_only(&self) -> bool {
        !self.changes.is_empty() && self.changes.iter().all(|c| c.drift)
    }

    /// The rooms this plan removes, whose messages the caller counts.
    pub fn removed_rooms(&self) -> Vec<ObjectId> {
        self.changes
            .iter()
            .filter(|c| c.action == Action::Delete && c.kind == Kind::Room)
            .filter_map(|c| c.identity.parse().ok())
            .collect()
    }

    /// The room removals that destroy chat history (`messages`: counts by room identity),
    /// refused unless `allow` or the room's last apply recorded `lifecycle.allowDestroy`.
    pub fn destroy_refusals(
        &self,
        live: Live<'_>,
        messages: &HashMap<String, u64>,
        allow: bool,
    ) -> Vec<Refusal> {
        if allow {
            return Vec::new();
        }
        self.changes
            .iter()
            .filter(|c| c.action == Action::Delete && c.kind == Kind::Room)
            .filter(|c| !live.consented.contains(&(c.kind, c.identity.clone())))
            .filter_map(|c| {
                Some(Refusal::Destroys {
                    kind: c.kind,
                    identity: c.identity.clone(),
                    destroys: destroys(messages, live.state, &c.identity)?,
                })
            })
            .collect()
    }

    /// `(to add, to change, to remove)` as the summary line counts them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for ch in &self.changes {
            match ch.action {
                Action::Create => c.0 += 1,
                Action::Update => c.1 += 1,
                Action::Replace => {
                    c.0 += 1;
                    c.2 += 1
                }
                Action::Delete => c.2 += 1,
            }
        }
        c
    }

    /// What stands in the way of applying this plan: protected removals always, the threshold
    /// unless `force`.
    pub fn refusals(&self, live: Live<'_>, threshold: Threshold, force: bool) -> Vec<Refusal> {
        self.refusals_counted(threshold, force, &|kind| live.state.count(kind))
    }

    /// [`Plan::refusals`], the live objects of each kind counted by `count` (a plan of part of
    /// the store has the store count them).
    pub fn refusals_counted(
        &self,
        threshold: Threshold,
        force: bool,
        count: &dyn Fn(Kind) -> usize,
    ) -> Vec<Refusal> {
        let mut out: Vec<Refusal> = self
            .changes
            .iter()
            .filter(|c| c.protected && matches!(c.action, Action::Delete | Action::Replace))
            .map(|c| Refusal::Protected {
                kind: c.kind,
                identity: c.identity.clone(),
            })
            .collect();
        out.extend(
            self.ambiguous_renames
                .iter()
                .map(|(kind, identity, previous)| Refusal::AmbiguousRename {
                    kind: *kind,
                    identity: identity.clone(),
                    previous: previous.clone(),
                }),
        );
        if !force {
            for kind in Kind::ALL {
                let count = count(kind);
                if count < threshold.min_objects {
                    continue;
                }
                // Every update and removal counts, managed or not; a change of pchat's own
                // record (no cmdlet) touches nothing live.
                let changing: usize = self
                    .changes
                    .iter()
                    .filter(|c| {
                        c.kind == kind && c.action != Action::Create && !c.operations.is_empty()
                    })
                    .map(blast_radius)
                    .sum();
                if changing as f64 * 100.0 > threshold.percent * count as f64 {
                    out.push(Refusal::Threshold {
                        kind,
                        changing,
                        live: count,
                        percent: threshold.percent,
                    });
                }
            }
        }
        out
    }
}

/// How much a change weighs against the threshold: a removal that destroys chat history counts
/// as [`HISTORY_WEIGHT`] changes, anything else as one.
fn blast_radius(c: &Change) -> usize {
    match c.destroys {
        // Chat history, counted by the store or reported by the server.
        Some(d) if d.what == "message" || d.what == CHAT_CONTENT => HISTORY_WEIGHT,
        _ => 1,
    }
}

/// The weight of removing a room that holds messages, against the threshold.
pub const HISTORY_WEIGHT: usize = 10;

/// A digest of what the configuration asks of one object (its declared form, lifecycle
/// included): an apply records it, and a later plan compares it to tell a change of the
/// configuration from out-of-band drift. FNV-64 over the JSON.
pub fn intent_digest<T: serde::Serialize>(obj: &T) -> String {
    let json = serde_json::to_vec(obj).unwrap_or_default();
    let h = json.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{h:016x}")
}

/// The intent digest of the declared object of `kind` named `identity`, if declared.
pub fn declared_digest(desired: &DesiredState, kind: Kind, identity: &str) -> Option<String> {
    fn find<T: Object>(state: &DesiredState, kind: Kind, id: &str, out: &mut Option<String>) {
        if T::KIND == kind {
            *out = id
                .parse::<T::Key>()
                .ok()
                .and_then(|k| T::map(state).get(&k))
                .map(intent_digest);
        }
    }
    let mut out = None;
    crate::model::kind::each_kind!(find, desired, kind, identity, &mut out);
    out
}

/// Plans the changes that make the live store the desired state.
pub fn plan(desired: &DesiredState, live: Live<'_>, opts: &PlanOptions) -> Plan {
    plan_by(diff::Planner::new(live, opts.prune), desired, opts)
}

fn plan_by(mut p: diff::Planner<'_>, desired: &DesiredState, opts: &PlanOptions) -> Plan {
    p.kind::<Pool>(desired);
    p.kind::<Principal>(desired);
    p.kind::<Category>(desired);
    p.kind::<Addin>(desired);
    p.kind::<Room>(desired);
    p.kind::<PersistentChatPolicy>(desired);
    p.kind::<PolicyGrant>(desired);
    p.kind::<ComplianceConfiguration>(desired);
    p.kind::<PersistentChatConfiguration>(desired);
    p.endpoints(desired);
    p.states(desired);
    p.active_servers(desired);
    let mut plan = p.finish();
    if !opts.targets.is_empty() {
        let keep = closure(desired, &opts.targets);
        plan.changes
            .retain(|c| keep.contains(&(c.kind, c.identity.clone())));
        plan.ignored
            .retain(|i| keep.contains(&(i.kind, i.identity.clone())));
        plan.unknown.retain(|u| {
            u.identity
                .as_ref()
                .is_none_or(|id| keep.contains(&(u.kind, id.clone())))
        });
        plan.kept.retain(|k| keep.contains(k));
    }
    plan
}

/// Objects by kind and identity folded to lower case (`identity::fold`).
pub type PlanScope = std::collections::HashSet<(Kind, String)>;

/// Plans the rooms, categories and add-ins of `desired` against a store read around them, as
/// [`plan`] would against the whole store: the live objects outside `scope` are there only so
/// that what a removal takes with it is counted, and are neither renamed, removed nor kept.
/// The caller vouches that nothing outside the scope differs (a converged store, and
/// configuration files unchanged but for those that declared or declare the scope).
pub fn plan_scoped(
    desired: &DesiredState,
    live: Live<'_>,
    opts: &PlanOptions,
    scope: &PlanScope,
) -> Plan {
    let mut p = diff::Planner::new(live, opts.prune).scoped(scope);
    p.kind::<Category>(desired);
    p.kind::<Addin>(desired);
    p.kind::<Room>(desired);
    p.finish()
}

/// The targets and what they depend on: a room's category, add-in and pool; a category's or
/// add-in's pool; a grant's policy; a pool-scoped setting's pool.
fn closure(desired: &DesiredState, targets: &[(Kind, String)]) -> BTreeSet<(Kind, String)> {
    let mut out: BTreeSet<(Kind, String)> = targets.iter().cloned().collect();
    let pool_key = |p: &str| (Kind::Pool, p.to_ascii_lowercase());
    for (kind, identity) in targets {
        match kind {
            Kind::Room => {
                if let Some((id, r)) = desired
                    .rooms
                    .iter()
                    .find(|(id, _)| id.to_string() == *identity)
                {
                    out.insert((
                        Kind::Category,
                        ObjectId::new(id.pool.clone(), r.category.clone()).to_string(),
                    ));
                    if let Some(a) = &r.addin {
                        out.insert((
                            Kind::Addin,
                            ObjectId::new(id.pool.clone(), a.clone()).to_string(),
                        ));
                    }
                    out.insert(pool_key(&id.pool));
                }
            }
            Kind::Category | Kind::Addin => {
                if let Ok(id) = identity.parse::<ObjectId>() {
                    out.insert(pool_key(&id.pool));
                }
            }
            Kind::PolicyGrant => {
                if let Some(g) = desired.policy_grants.get(identity) {
                    out.insert((Kind::Policy, Scope::Tag(g.policy_name.clone()).to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

/// Every object of a state by (kind, identity), as plans and the ownership table name them.
pub fn identities(state: &DesiredState) -> Vec<(Kind, String)> {
    use crate::model::kind::{each_kind, keys_of};
    let mut out = Vec::new();
    each_kind!(keys_of, state, &mut out);
    out
}

/// The `--target`s as the configuration (else the store) spells their identities, matched
/// without regard to case as the service matches names.
///
/// # Errors
/// One message for each target that names no object of either, with the identities of its
/// kind it may mean (those whose name it is, else the nearest): a target that matches nothing
/// would make an empty plan of a configuration with changes.
pub fn resolve_targets(
    desired: &DesiredState,
    live: &DesiredState,
    targets: &[(Kind, String)],
) -> Result<Vec<(Kind, String)>, Vec<String>> {
    if targets.is_empty() {
        return Ok(vec![]);
    }
    let mut known = identities(desired);
    known.extend(identities(live));
    let fold = crate::model::identity::fold;
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    for (kind, id) in targets {
        let wanted = fold(id);
        let of_kind: Vec<&str> = (known.iter())
            .filter(|(k, _)| k == kind)
            .map(|(_, i)| i.as_str())
            .collect();
        if let Some(found) = of_kind.iter().find(|i| fold(i) == wanted) {
            resolved.push((*kind, found.to_string()));
            continue;
        }
        let mut near: Vec<&str> = (of_kind.iter().copied())
            .filter(|i| {
                i.rsplit_once('\\')
                    .is_some_and(|(_, name)| fold(name) == wanted)
            })
            .collect();
        if near.is_empty() {
            near.extend(crate::suggest::nearest(id, of_kind.iter().copied()));
        }
        near.sort_unstable();
        near.dedup();
        let key = kind.key();
        let mut message = format!(
            "--target {key}/{id} matches no {} of the configuration or the store",
            kind.noun()
        );
        if !near.is_empty() {
            let named: Vec<String> = near.iter().map(|n| format!("`{key}/{n}`")).collect();
            message.push_str(&format!("; did you mean {}?", named.join(" or ")));
        }
        problems.push(message);
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    }
}

/// Parses `--target KIND/IDENTITY` (`room/POOL\NAME`, `policy/tag:X`); the kind is the YAML key
/// or its singular.
pub fn parse_target(s: &str) -> Result<(Kind, String), String> {
    let (kind, identity) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}` is not KIND/IDENTITY (e.g. room/POOL\\NAME)"))?;
    let kind = Kind::ALL
        .into_iter()
        .find(|k| {
            k.key().eq_ignore_ascii_case(kind)
                || k.noun()
                    .replace(['-', ' '], "")
                    .eq_ignore_ascii_case(&kind.replace(['-', ' '], ""))
        })
        .ok_or_else(|| format!("`{kind}` is not a kind"))?;
    Ok((kind, identity.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_prune_mode_reads_back_as_named() {
        let names: Vec<&str> = Prune::names().collect();
        assert_eq!(names, ["managed", "all", "none"]);
        for p in [Prune::Managed, Prune::All, Prune::None] {
            assert_eq!(p.as_str().parse::<Prune>(), Ok(p));
            assert_eq!(p.as_str().to_uppercase().parse::<Prune>(), Ok(p));
        }
        assert!("some".parse::<Prune>().is_err());
    }

    /// A managed room of pool `p` removed by `operations`.
    fn room_removal(name: &str, operations: Vec<Operation>) -> Change {
        Change {
            action: Action::Delete,
            kind: Kind::Room,
            identity: format!("p\\{name}"),
            renamed_from: None,
            operations,
            destroys: None,
            fields: FieldDiffs::default(),
            protected: false,
            managed: true,
            drift: false,
        }
    }

    /// Removing one room of twenty is 5% of rooms, under a 30% threshold, unless the room holds
    /// messages: then it weighs as ten, 50%, and apply refuses it without --force.
    #[test]
    fn a_room_with_history_weighs_more_against_the_threshold() {
        let mut state = DesiredState::default();
        for i in 0..20 {
            let room: Room = serde_json::from_value(serde_json::json!({
                "name": format!("R{i}"), "category": "C"
            }))
            .unwrap();
            state
                .rooms
                .insert(ObjectId::new("p", format!("R{i}")), room);
        }
        let (managed, consented) = (HashMap::new(), Default::default());
        let live = Live {
            state: &state,
            managed: &managed,
            consented: &consented,
            revision: 1,
        };
        let mut plan = Plan {
            changes: vec![room_removal(
                "R0",
                vec![Operation::RemoveRoom {
                    identity: ObjectId::new("p", "R0"),
                }],
            )],
            ..Plan::default()
        };
        let threshold = Threshold {
            percent: 30.0,
            min_objects: 10,
        };
        assert!(plan.refusals(live, threshold, false).is_empty());
        plan.weigh_messages(
            &HashMap::from([("p\\R0".to_string(), 3)]),
            &DesiredState::default(),
        );
        let refused = plan.refusals(live, threshold, false);
        assert!(
            matches!(refused[..], [Refusal::Threshold { changing: 10, .. }]),
            "{refused:?}"
        );
        assert!(plan.refusals(live, threshold, true).is_empty());
    }

    /// A field the live side does not know is never compared, and the plan says so; a room
    /// the server reports chat content for destroys history like one with messages.
    #[test]
    fn unknown_fields_are_not_compared_and_reported_content_is_history() {
        let user = |members: &[&str]| -> Principal {
            serde_json::from_value(serde_json::json!({
                "type": "Group", "distinguishedName": "CN=G,DC=x", "members": members
            }))
            .unwrap()
        };
        let mut desired = DesiredState::default();
        desired
            .principals
            .insert("cn=g,dc=x".into(), user(&["sip:a@x.com"]));
        let mut live_state = DesiredState::default();
        live_state.principals.insert("cn=g,dc=x".into(), user(&[]));
        let (managed, consented) = (HashMap::new(), Default::default());
        let plan_with = |state: &DesiredState| {
            let live = Live {
                state,
                managed: &managed,
                consented: &consented,
                revision: 1,
            };
            plan(&desired, live, &PlanOptions::default())
        };
        assert_eq!(plan_with(&live_state).changes.len(), 1);
        live_state
            .facts
            .unknown_fields
            .insert((Kind::Principal, "members".into()), "not read".into());
        let p = plan_with(&live_state);
        assert!(p.changes.is_empty(), "{:?}", p.changes);
        assert_eq!(p.unknown.len(), 1);
        assert_eq!(
            (p.unknown[0].field.as_str(), p.unknown[0].identity.as_ref()),
            ("members", None)
        );
        // History the server reported.
        let room: Room =
            serde_json::from_value(serde_json::json!({"name": "R", "category": "C"})).unwrap();
        live_state.rooms.insert(ObjectId::new("p", "R"), room);
        let mut removal = Plan {
            changes: vec![room_removal("R", vec![])],
            ..Plan::default()
        };
        removal.weigh_messages(&HashMap::new(), &live_state);
        assert_eq!(removal.changes[0].destroys, None);
        live_state
            .facts
            .chat_content
            .insert(ObjectId::new("p", "r"));
        removal.weigh_messages(&HashMap::new(), &live_state);
        let d = removal.changes[0]
            .destroys
            .expect("chat content is history");
        assert_eq!(blast_radius(&removal.changes[0]), HISTORY_WEIGHT);
        assert_eq!(
            d.to_string(),
            "destroys its chat content (the server reported some)"
        );
        let live = Live {
            state: &live_state,
            managed: &managed,
            consented: &consented,
            revision: 1,
        };
        assert_eq!(
            removal.destroy_refusals(live, &HashMap::new(), false).len(),
            1
        );
        assert!(removal
            .destroy_refusals(live, &HashMap::new(), true)
            .is_empty());
    }

    /// A creation's fields are every field its object sets (not `lifecycle`), in the order of
    /// their names, lists as added entries: kept as text, spelt out when shown.
    #[test]
    fn a_creation_shows_every_field_its_object_sets() {
        let room: Room = serde_json::from_value(serde_json::json!({
            "name": "R", "category": "C", "privacy": "Secret", "disabled": true,
            "members": ["sip:a@x.com", "sip:b@x.com"],
            "lifecycle": {"protect": true}
        }))
        .unwrap();
        let fields = FieldDiffs::created(&room);
        assert!(matches!(fields, FieldDiffs::Created(_)));
        assert!(!fields.is_empty());
        let value = |field: &str, new: &str| FieldDiff::Value {
            field: field.into(),
            old: String::new(),
            new: new.into(),
        };
        assert_eq!(
            fields.get().to_vec(),
            [
                value("category", "\"C\""),
                value("disabled", "true"),
                FieldDiff::List {
                    field: "members".into(),
                    added: vec!["sip:a@x.com".into(), "sip:b@x.com".into()],
                    removed: vec![],
                },
                value("name", "\"R\""),
                value("privacy", "\"Secret\""),
            ]
        );
        // Nothing set but its lifecycle: nothing to show, and nothing held.
        let bare = FieldDiffs::created(&serde_json::json!({"lifecycle": {"protect": true}}));
        assert_eq!(bare, FieldDiffs::Listed(vec![]));
        assert!(bare.is_empty());
        let listed = FieldDiffs::from(vec![value("a", "1")]);
        assert_eq!(listed.get().to_vec(), [value("a", "1")]);
        assert!(FieldDiffs::default().is_empty());
    }

    use proptest::prelude::*;

    /// A room of a small world: a few names that differ only in case, renames from them, two
    /// categories (one of them renamed), lists drawn from four principals.
    fn room() -> impl Strategy<Value = (ObjectId, Room)> {
        const NAMES: [&str; 8] = ["A", "a", "B", "b", "C", "D", "E", "e"];
        const PRINCIPALS: [&str; 4] = ["sip:u@x.com", "sip:U@x.com", "sip:v@x.com", "sip:w@x.com"];
        let name = prop::sample::select(&NAMES[..]);
        let list = prop::sample::subsequence(&PRINCIPALS[..], 0..=3);
        (
            (prop::sample::select(&["p", "q"][..]), name.clone()),
            prop::collection::vec(name, 0..2),
            (
                prop::sample::select(&["C", "C2", "Old"][..]),
                list.clone(),
                list,
            ),
            (
                any::<bool>(),
                any::<bool>(),
                prop::sample::select(&["", "x"][..]),
            ),
        )
            .prop_map(
                |((pool, name), previous, (category, members, managers), (protect, consent, d))| {
                    let room: Room = serde_json::from_value(serde_json::json!({
                        "name": name, "category": category, "description": d,
                        "persistentChatPoolFqdn": pool, "members": members,
                        "managers": managers, "previousNames": previous,
                        "lifecycle": {"protect": protect, "allowDestroy": consent,
                            "ignoreChanges": if d == "x" { vec!["description"] } else { vec![] }},
                    }))
                    .expect("a room");
                    (ObjectId::new(pool, name), room)
                },
            )
    }

    fn world() -> impl Strategy<Value = (DesiredState, DesiredState, Vec<(String, bool)>)> {
        let rooms = || prop::collection::vec(room(), 0..12);
        let records = prop::collection::vec(
            (room().prop_map(|(id, _)| id.to_string()), any::<bool>()),
            0..12,
        );
        (rooms(), rooms(), records).prop_map(|(desired, live, records)| {
            let state = |rooms: Vec<(ObjectId, Room)>, category: &str| {
                let mut s = DesiredState::default();
                for pool in ["p", "q"] {
                    let c: Category = serde_json::from_value(serde_json::json!({
                        "name": category, "persistentChatPoolFqdn": pool,
                        "previousNames": if category == "C" { vec!["Old"] } else { vec![] },
                    }))
                    .expect("a category");
                    s.categories.insert(ObjectId::new(pool, category), c);
                }
                s.rooms.extend(rooms);
                s
            };
            (state(desired, "C"), state(live, "Old"), records)
        })
    }

    proptest! {
        /// Planning a kind in two halves on two threads gives the plan of one walk over it,
        /// whatever is renamed, respelt, created, removed or kept, on either side of the split.
        #[test]
        fn a_kind_planned_in_halves_plans_as_in_one_walk(
            (desired, live, records) in world(),
            prune in prop::sample::select(&[Prune::Managed, Prune::All, Prune::None][..]),
        ) {
            let managed: HashMap<(Kind, String), bool> =
                records.iter().map(|(id, p)| ((Kind::Room, id.clone()), *p)).collect();
            let consented = records.iter().filter(|(_, p)| *p)
                .map(|(id, _)| (Kind::Room, id.clone())).collect();
            let live = Live { state: &live, managed: &managed, consented: &consented, revision: 1 };
            let opts = PlanOptions { prune, ..PlanOptions::default() };
            let whole = plan_by(diff::Planner::new(live, prune).halves_from(usize::MAX), &desired, &opts);
            let halves = plan_by(diff::Planner::new(live, prune).halves_from(2), &desired, &opts);
            prop_assert_eq!(halves, whole);
        }
    }
}
