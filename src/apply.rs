//! Applying a plan: every operation in one store transaction under the writer lock, or none.
//!
//! # Guarantees
//! - All or nothing: the operations, the ownership records and the audit row commit together;
//!   any failure (or a killed process, or a lost connection) leaves the store as it was.
//! - A plan made against another store revision is refused (stale plan).
//!
//! # Errors
//! `Stale` and `Refused` are refusals for safety (exit 3); `Failed` and `Violations` mean the
//! plan cannot be carried out (exit 1); `Store` is the store's own failure.

use crate::model::identity::fold;
use crate::model::rules;
use crate::model::DesiredState;
use crate::ops;
use crate::plan::{self, Action, FieldDiffs, Live, Plan, Threshold};
use crate::progress::Unit;
use crate::store::{ApplyRecord, DeclaredFile, Store, StoreError, Tx};

/// Who an apply is recorded as: the one given (`--actor`), else the OS user.
pub fn actor_or_user(given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Override the safety threshold (never `protect`).
    pub force: bool,
    /// Allow removals that destroy chat history.
    pub allow_destroy: bool,
    pub threshold: Threshold,
    pub actor: String,
    pub git_commit: Option<String>,
    pub config_digest: String,
    /// When set, and the plan is found empty against the store as the apply leaves it, the
    /// store is marked converged with this configuration, so the next plan of it is answered
    /// without parsing or reading (see [`Converge`]).
    pub converge: Option<Converge>,
    /// Where to report how far the apply is.
    pub progress: crate::progress::Reporter,
}

/// The configuration an apply reconciles, as a plan of it would be asked for again.
#[derive(Debug, Clone)]
pub struct Converge {
    /// Names the configuration's files and contents, pchat's version and the plan options.
    pub fingerprint: String,
    pub options: plan::PlanOptions,
    /// What each configuration file declares, recorded with the mark for the files that
    /// changed since the last one (`partial`); `None` leaves the records as they are.
    pub declared: Option<Vec<DeclaredFile>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stale plan: the store changed since this plan was made (revision {planned}, now {current}); plan again")]
    Stale { planned: i64, current: i64 },
    #[error("apply refused:\n{}", .0.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n"))]
    Refused(Vec<plan::Refusal>),
    #[error("{cmdlet} {identity} failed: {refusal}")]
    Failed {
        cmdlet: &'static str,
        identity: String,
        refusal: ops::Refusal,
    },
    #[error("the applied state would break the rules: {0}")]
    Violations(ops::Refusal),
}

impl ApplyError {
    /// Whether this is a refusal for safety (exit 3).
    pub fn is_safety_refusal(&self) -> bool {
        match self {
            ApplyError::Stale { .. } | ApplyError::Refused(_) => true,
            ApplyError::Store(e) => e.is_refusal(),
            ApplyError::Failed { .. } | ApplyError::Violations(_) => false,
        }
    }
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub revision: i64,
    pub operations: usize,
}

use crate::model::message::now_micros;

/// Applies `plan` (made from `desired`) to the store.
///
/// `planned_from` is the live state the plan was made from, if the caller still has it: when
/// the store revision proves nothing changed since, it stands in for reading the store again.
/// The plan is consumed: what it only shows (the field differences) is dropped before the
/// applied state is built, which 100k creations would otherwise hold beside it.
pub async fn apply(
    store: &Store,
    desired: &DesiredState,
    mut plan: Plan,
    planned_from: Option<DesiredState>,
    opts: &ApplyOptions,
) -> Result<Applied, ApplyError> {
    let mut tx = store.write().await?;
    let current = tx.revision().await?;
    if current != plan.revision {
        return Err(ApplyError::Stale {
            planned: plan.revision,
            current,
        });
    }
    // Hand SQL since pchat's last commit leaves the revision as it was: the planned-from state
    // may then be out of date, so the store is read again under the lock.
    let dirty = tx.dirty().await?;
    let mut state = match planned_from {
        Some(s) if !dirty => s,
        _ => tx.read_state().await?,
    };
    let managed = tx.ownership().await?;
    let consented = tx.allowed_to_destroy().await?;
    let live = Live {
        state: &state,
        managed: &managed,
        consented: &consented,
        revision: current,
    };
    // Messages are counted again under the writer lock: the plan's counts may be old.
    let messages = tx.message_counts(&plan.removed_rooms()).await?;
    let mut refusals = plan.destroy_refusals(live, &messages, opts.allow_destroy);
    refusals.extend(plan.refusals(live, opts.threshold, opts.force));
    if !refusals.is_empty() {
        return Err(ApplyError::Refused(refusals));
    }
    for c in &mut plan.changes {
        c.fields = FieldDiffs::default();
    }
    let before = rules::validate(&state);
    // The operations as the apply record keeps them, a line each.
    let mut lines = String::new();
    let mut count = 0usize;
    let mut touched = Vec::new();
    let total: usize = plan.changes.iter().map(|c| c.operations.len()).sum();
    let progress = &opts.progress;
    progress.begin("applying", total as u64, Unit::Operations);
    for change in &mut plan.changes {
        progress.advance(change.operations.len() as u64);
        // Each change's operations go once applied: the state they build replaces them.
        for op in &std::mem::take(&mut change.operations) {
            touched.extend(
                ops::apply(&mut state, op).map_err(|refusal| ApplyError::Failed {
                    cmdlet: op.cmdlet(),
                    identity: change.identity.clone(),
                    refusal,
                })?,
            );
            if count > 0 {
                lines.push('\n');
            }
            lines.push_str(op.cmdlet());
            lines.push(' ');
            lines.push_str(&change.identity);
            count += 1;
        }
    }
    // Only many insertions in key order leave half-empty map nodes; a state read from the
    // store is built compact, so a small apply has nothing to rebuild.
    if count >= 10_000 {
        state.compact();
    }
    progress.begin("checking the rules", 0, Unit::Unknown);
    ops::check(&before, &state).map_err(ApplyError::Violations)?;
    progress.begin("writing the store", 0, Unit::Unknown);
    // Written once, in bulk, after every operation was accepted: nothing partial reaches the
    // transaction, and 100k creations are a few statements.
    tx.persist_net(&state, &touched).await?;
    let revision = current + 1;
    let protected = protected_set(desired);
    let protected = |c: &plan::Change| protected.contains(&(c.kind, fold(&c.identity)));
    // Each with what the configuration asks of it now, so a later plan can tell a
    // configuration change from drift, and with its consent to destruction.
    let managed = |c: &plan::Change| crate::store::Managed {
        kind: c.kind,
        identity: c.identity.clone(),
        protected: protected(c),
        digest: plan::declared_digest(desired, c.kind, &c.identity),
        allow_destroy: allow_destroy(desired, c.kind, &c.identity),
    };
    let mut now_managed = Vec::new();
    for change in &plan.changes {
        match change.action {
            Action::Delete => tx.unset_managed(change.kind, &change.identity).await?,
            Action::Create | Action::Replace => now_managed.push(managed(change)),
            // Singletons become managed when pchat sets them, so dropping them later resets them.
            Action::Update if change.managed || singleton(change) => {
                now_managed.push(managed(change))
            }
            Action::Update => {}
        }
    }
    tx.set_managed_bulk(&now_managed, revision).await?;
    tx.analyze_after_bulk(now_managed.len(), &["ownership"])
        .await?;
    tx.record_apply(&ApplyRecord {
        id: 0,
        applied_at: now_micros(),
        actor: opts.actor.clone(),
        git_commit: opts.git_commit.clone(),
        config_digest: opts.config_digest.clone(),
        revision,
        operation_count: count as i64,
        operations: lines,
        source: "apply".into(),
    })
    .await?;
    if let Some(c) = &opts.converge {
        progress.begin("checking convergence", 0, Unit::Unknown);
        if let Some(digest) = converged(&mut tx, desired, &state, &c.options, revision).await? {
            mark(&mut tx, c, Some(digest)).await?;
        }
    }
    progress.begin("committing", 0, Unit::Unknown);
    let committed = tx.commit_write().await?;
    progress.finish();
    Ok(Applied {
        revision: committed,
        operations: count,
    })
}

/// Whether a plan of `desired` against the store as this transaction leaves it (`state`, and
/// the ownership records read back) would be empty: no change, nothing kept or ignored, no
/// ambiguity. Only then may a later plan of the same configuration skip the work. When it
/// would, returns the digest of what it was planned against ([`state_digest`]).
async fn converged(
    tx: &mut crate::store::Tx<'_>,
    desired: &DesiredState,
    state: &DesiredState,
    options: &plan::PlanOptions,
    revision: i64,
) -> Result<Option<String>, StoreError> {
    let managed = tx.ownership().await?;
    let consented = tx.allowed_to_destroy().await?;
    let live = Live {
        state,
        managed: &managed,
        consented: &consented,
        revision,
    };
    Ok(fully_empty(&plan::plan(desired, live, options))
        .then(|| state_digest(state, &managed, &consented)))
}

/// The SHA-256 of everything a plan reads of the store but the revision: the state (objects
/// and facts) and the ownership records a plan weighs (managed and protected, consent to
/// destroy). The applied digests only tell drift from change, never whether a plan is empty.
/// Two reads with one digest plan alike, so a mark's digest lets `drift` (which reads the
/// store, as its job is to notice writes) skip the parse when it reads what the mark found
/// converged. Each object goes in through its derived `Hash` (every field, lists with their
/// length, strings closed by 0xFF, so no two states feed the same bytes); each map key as it
/// is spelt (the keys' own `Hash` folds case).
pub fn state_digest(
    state: &DesiredState,
    managed: &std::collections::HashMap<(crate::model::Kind, String), bool>,
    consented: &std::collections::HashSet<(crate::model::Kind, String)>,
) -> String {
    use sha2::Digest;
    use std::collections::BTreeMap;
    use std::hash::{Hash, Hasher};
    /// Feeds SHA-256 in blocks: `Hash` writes a few bytes at a time.
    struct Feed {
        sha: sha2::Sha256,
        buf: Vec<u8>,
    }
    impl Hasher for Feed {
        fn write(&mut self, bytes: &[u8]) {
            self.buf.extend_from_slice(bytes);
            if self.buf.len() >= 1 << 16 {
                self.sha.update(&self.buf);
                self.buf.clear();
            }
        }
        fn finish(&self) -> u64 {
            unreachable!("read through `Feed::digest`")
        }
    }
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            Hasher::write(self, s.as_bytes());
            Ok(())
        }
    }
    fn map<K: std::fmt::Display, V: Hash>(h: &mut Feed, m: &BTreeMap<K, V>) {
        use std::fmt::Write;
        m.len().hash(h);
        for (k, v) in m {
            write!(h, "{k}").expect("hashing does not fail");
            h.write_u8(0xff);
            v.hash(h);
        }
    }
    let mut h = Feed {
        sha: sha2::Sha256::new(),
        buf: Vec::with_capacity(1 << 17),
    };
    // Every field by name: a field added to the state must be added here.
    macro_rules! feed {
        ($facts:ident; $($map:ident),+) => {
            let DesiredState { $($map,)+ $facts } = state;
            $(map(&mut h, $map);)+
        };
    }
    feed! {
        facts; pools, principals, categories, addins, rooms, policies, policy_grants,
        compliance_configurations, configurations, endpoints, states, active_servers
    }
    // Few, and keyed by rooms whose `Hash` folds case: written as printed.
    {
        use std::fmt::Write;
        write!(h, "{facts:?}").expect("hashing does not fail");
    }
    let mut managed: Vec<_> = managed.iter().collect();
    managed.sort_unstable();
    managed.hash(&mut h);
    let mut consented: Vec<_> = consented.iter().collect();
    consented.sort_unstable();
    consented.hash(&mut h);
    let Feed { mut sha, buf } = h;
    sha.update(&buf);
    format!("sha256:{:x}", sha.finalize())
}

/// The outcome of a drift check that read the whole store: whether the configuration (by its
/// fingerprint) is the one the store's mark found converged, and the store is, by the digest
/// of its state, just as the mark found it. Then the plan is empty, whatever was written since
/// (a write and its undoing, or one past the triggers, leave nothing to report).
pub fn read_as_marked(
    fingerprint: &str,
    record: &(Option<String>, Option<String>),
    state: &DesiredState,
    managed: &std::collections::HashMap<(crate::model::Kind, String), bool>,
    consented: &std::collections::HashSet<(crate::model::Kind, String)>,
) -> bool {
    match record {
        (Some(mark), Some(digest)) if mark == fingerprint => {
            *digest == state_digest(state, managed, consented)
        }
        _ => false,
    }
}

/// What names a plan's inputs for convergence: pchat's version (the planner may change), the
/// options that shape a plan, and the configuration's digest (file names and contents).
pub fn fingerprint(digest: &str, opts: &plan::PlanOptions) -> String {
    format!(
        "pchat {}; prune {:?}; targets {:?}; {digest}",
        env!("CARGO_PKG_VERSION"),
        opts.prune,
        opts.targets
    )
}

/// The store's revision when it is marked converged with this fingerprint: no write since an
/// apply found the plan of the same configuration empty, so that plan is empty now.
pub async fn converged_at(store: &Store, fingerprint: &str) -> Result<Option<i64>, StoreError> {
    let mut tx = store.read().await?;
    let (revision, converged) = tx.convergence_if(|m| m == fingerprint).await?;
    tx.finish().await?;
    Ok(converged.map(|_| revision))
}

/// Marks the store converged with a configuration whose plan came out empty (so there was
/// nothing to apply), when the store is still at the plan's revision. Written since by hand
/// (`dirty`), the store is read again under the lock and planned again first; that check
/// makes the store known again, so it commits as a write (a new revision, no longer dirty).
/// Nothing else changes. Returns whether it marked.
pub async fn vouch(
    store: &Store,
    desired: &DesiredState,
    p: &Plan,
    converge: &Converge,
) -> Result<bool, StoreError> {
    if !fully_empty(p) {
        return Ok(false);
    }
    let mut tx = store.write().await?;
    if tx.revision().await? != p.revision {
        tx.finish().await?;
        return Ok(false);
    }
    if !tx.dirty().await? {
        // The state was not read here: `drift` reads it and parses the files again.
        mark(&mut tx, converge, None).await?;
        tx.commit_mark().await?;
        return Ok(true);
    }
    let state = tx.read_state().await?;
    let Some(digest) = converged(&mut tx, desired, &state, &converge.options, p.revision).await?
    else {
        tx.finish().await?;
        return Ok(false);
    };
    mark(&mut tx, converge, Some(digest)).await?;
    tx.commit_write().await?;
    Ok(true)
}

/// Marks the store converged when the transaction commits, with what each file declares
/// recorded for the files that changed since the records were written; every file is recorded
/// again when what places a room without a pool changed (the pools, or with several of them the
/// categories).
async fn mark(
    tx: &mut Tx<'_>,
    converge: &Converge,
    state: Option<String>,
) -> Result<(), StoreError> {
    tx.mark_converged(&converge.fingerprint, state);
    let Some(files) = &converge.declared else {
        return Ok(());
    };
    use crate::model::Kind;
    type Set = std::collections::BTreeSet<(Kind, String)>;
    let recorded = tx.declared_files().await?;
    // Where a room without a pool goes depends on the pools declared and, with several, on
    // which pool its category is in: a file that did not change may then declare other rooms.
    let placing = |k: Kind| matches!(k, Kind::Pool | Kind::Category);
    let now: Set = files
        .iter()
        .flat_map(|f| &f.objects)
        .filter(|(k, _)| placing(*k))
        .map(|(k, id)| (*k, fold(id)))
        .collect();
    let then: Set = tx
        .declarations_but_rooms()
        .await?
        .into_iter()
        .filter(|d| placing(d.kind))
        .map(|d| (d.kind, fold(&d.identity)))
        .collect();
    let pools = |s: &Set| -> Set {
        s.iter()
            .filter(|(k, _)| *k == Kind::Pool)
            .cloned()
            .collect()
    };
    let several = pools(&now).len() > 1;
    let all = pools(&now) != pools(&then) || (several && now != then) || recorded.is_empty();
    let changed: Vec<DeclaredFile> = files
        .iter()
        .filter(|f| all || recorded.get(&f.file) != Some(&f.digest))
        .cloned()
        .collect();
    let present: Vec<String> = files.iter().map(|f| f.file.clone()).collect();
    tx.record_declarations(&changed, &present, all).await
}

/// No change, nothing kept or ignored, no ambiguity: a plan that says nothing at all.
fn fully_empty(p: &Plan) -> bool {
    p.changes.is_empty()
        && p.kept.is_empty()
        && p.ignored.is_empty()
        && p.ambiguous_renames.is_empty()
}

fn singleton(c: &plan::Change) -> bool {
    use crate::model::Kind;
    matches!(c.kind, Kind::State | Kind::ActiveServers | Kind::Pool)
        || (matches!(
            c.kind,
            Kind::Policy | Kind::ComplianceConfiguration | Kind::Configuration
        ) && c.identity == "global")
}

/// Whether the configuration gives consent to destroy this room's history (`allowDestroy`).
fn allow_destroy(desired: &DesiredState, kind: crate::model::Kind, identity: &str) -> bool {
    kind == crate::model::Kind::Room
        && identity
            .parse()
            .ok()
            .and_then(|id| desired.rooms.get(&id))
            .is_some_and(|r| r.lifecycle.allow_destroy)
}

/// The objects the configuration protects, by kind and identity folded to lower case (a plan
/// names an object as the store spells it), built once: they are few, the changes may be many.
pub fn protected_set(
    desired: &DesiredState,
) -> std::collections::HashSet<(crate::model::Kind, String)> {
    use crate::model::{Kind, Object};
    type Set = std::collections::HashSet<(Kind, String)>;
    fn add<T: Object>(desired: &DesiredState, out: &mut Set) {
        // A pool's state and active servers are never removed: protection guards nothing there.
        if matches!(T::KIND, Kind::State | Kind::ActiveServers) {
            return;
        }
        for (k, v) in T::map(desired) {
            if v.lifecycle().is_some_and(|l| l.protect) {
                out.insert((T::KIND, fold(&k.to_string())));
            }
        }
    }
    let mut out = Set::new();
    crate::model::kind::each_kind!(add, desired, &mut out);
    out
}
