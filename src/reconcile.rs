//! The declarative path's orchestration, beneath the CLI: loading the configuration beside
//! reading the store, the short paths (the convergence mark, the partial plan, drift's marked
//! state), planning and planning again. The CLI calls one function per command and renders
//! what comes back; nothing here prints, asks or decides an exit code.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::apply;
use crate::config::{self, ConfigError};
use crate::model::DesiredState;
use crate::partial;
use crate::plan::{self, Live, Plan, PlanOptions};
use crate::store::{DeclaredFile, StoreError};

pub use crate::session::Session;

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The configuration (its report places every problem).
    #[error(transparent)]
    Config(ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--target`s that name nothing, each with the nearest identities.
    #[error("{}", .0.join("\n"))]
    Targets(Vec<String>),
}

/// The configuration files' paths and digests: each file's, then the whole configuration's.
/// All a plan from a converged store's mark needs.
struct Digested {
    files: Vec<PathBuf>,
    file_digests: Vec<String>,
    digest: String,
}

impl Digested {
    fn new(files: Vec<PathBuf>, file_digests: Vec<String>) -> Digested {
        let digest = config::digest_of(&file_digests);
        Digested {
            files,
            file_digests,
            digest,
        }
    }
}

/// The configuration files as read: their texts, and what they are digested as.
struct Read {
    texts: Vec<String>,
    of: Digested,
}

/// Reads the configuration files once: for the digest, and for loading.
fn read(paths: &[PathBuf]) -> Result<Read, ConfigError> {
    let files = config::collect_files(paths)?;
    let texts = config::read_files(&files)?;
    let file_digests = config::file_digests(&files, &texts);
    Ok(Read {
        texts,
        of: Digested::new(files, file_digests),
    })
}

/// The digests alone, read without keeping the texts (see [`config::digest_files`]).
fn digested(paths: &[PathBuf]) -> Result<Digested, ConfigError> {
    let files = config::collect_files(paths)?;
    let file_digests = config::digest_files(&files)?;
    Ok(Digested::new(files, file_digests))
}

/// Loads the configuration.
pub fn load(s: &Session, paths: &[PathBuf]) -> Result<(DesiredState, String), ReconcileError> {
    load_read(s, read(paths), false).map(|c| (c.state, c.digest))
}

/// A configuration as loaded: its state, its digest, and (when asked for) what each of its
/// files declares, which an apply records with its convergence mark.
struct Config {
    state: DesiredState,
    digest: String,
    declared: Option<Vec<DeclaredFile>>,
}

/// Loads configuration files already read.
fn load_read(
    s: &Session,
    read: Result<Read, ConfigError>,
    declare: bool,
) -> Result<Config, ReconcileError> {
    let result = read.and_then(|r| {
        let Read { texts, of } = r;
        let files = declare.then(|| of.files.clone());
        config::load_texts_with(of.files, texts, &s.progress).map(|loaded| Config {
            declared: files.map(|f| {
                partial::declared_files(&loaded.state, &loaded.origins, &f, &of.file_digests)
            }),
            state: loaded.state,
            digest: of.digest,
        })
    });
    result.map_err(ReconcileError::Config)
}

/// The git commit of the configuration's directory, when it is a git checkout.
pub fn git_commit(paths: &[PathBuf]) -> Option<String> {
    let first = paths.first()?;
    let dir = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(if dir.as_os_str().is_empty() {
            ".".into()
        } else {
            dir
        })
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What planning needs to know of the store.
struct LiveRead {
    state: DesiredState,
    managed: HashMap<(crate::model::Kind, String), bool>,
    applied: HashMap<(crate::model::Kind, String), String>,
    consented: std::collections::HashSet<(crate::model::Kind, String)>,
    revision: i64,
}

/// A configuration planned against the store: the configuration (of the files parsed), its
/// digest, the plan, what apply would refuse, the live state it was planned against (as far as
/// it was read), and what each file declares when that was asked for.
pub struct LoadedPlan {
    /// The `--target`s as the configuration spells them (`plan::resolve_targets`).
    pub targets: Vec<(crate::model::Kind, String)>,
    pub desired: DesiredState,
    pub digest: String,
    pub plan: Plan,
    pub refusals: Vec<plan::Refusal>,
    pub live: DesiredState,
    pub declared: Option<Vec<DeclaredFile>>,
}

/// Which ways to a plan are open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ways {
    /// `--refresh`: parse every file and read every row.
    pub refresh: bool,
    /// Parse only the files changed since the store's convergence mark (see [`partial`]);
    /// apply does not, as it records what every file declares.
    pub partial: bool,
    /// Say what each file declares (for the convergence mark).
    pub declare: bool,
}

/// Loads the configuration and plans it against the store. The YAML is parsed on a thread of
/// its own while the store is read, so a cold plan costs about the longer of the two, not their
/// sum. A configuration problem is reported before any trouble with the store.
pub fn load_and_plan(
    s: &Session,
    paths: &[PathBuf],
    opts: &PlanOptions,
    ways: Ways,
) -> Result<LoadedPlan, ReconcileError> {
    // A store that does not exist yet is created only for a configuration that loads, so on
    // first use the YAML is read first.
    let first_use = matches!(&s.store, crate::store::StoreUrl::Sqlite(p) if !p.exists());
    // A file that cannot be read is reported by the full path.
    // A plan of targets is judged against what they name, which only the full path reads.
    let targeted = !opts.targets.is_empty();
    if let (false, false, false, Ok(d)) = (ways.refresh, first_use, targeted, digested(paths)) {
        match short_path(s, &d, opts, ways.partial) {
            Ok(Some(planned)) => return Ok(planned),
            Ok(None) => {}
            Err(e) => {
                // Not tried twice (an unreachable server waits out its timeout each time).
                load_read(s, read(paths), false)?;
                return Err(ReconcileError::Store(e));
            }
        }
    }
    let t0 = std::time::Instant::now();
    let lap = |step: &str| tracing::debug!(step, seconds = t0.elapsed().as_secs_f64(), "plan");
    let read = read(paths);
    let (loaded, live) = std::thread::scope(|scope| {
        let loader = scope.spawn(|| {
            let loaded = load_read(s, read, ways.declare);
            lap("configuration loaded");
            loaded
        });
        let loader = if first_use {
            let done = loader.join().expect("the loader does not panic");
            if done.is_err() {
                return (done, None);
            }
            Err(done)
        } else {
            Ok(loader)
        };
        let live = Some(crate::store::block_on(async {
            let store = s.open().await?;
            let mut tx = store.read().await?;
            let revision = tx.revision().await?;
            let state = tx.read_state().await?;
            let owned = tx.owned().await?;
            let live = LiveRead {
                revision,
                state,
                managed: owned.managed,
                applied: owned.applied,
                consented: owned.consented,
            };
            tx.finish().await?;
            store.close().await;
            lap("store read");
            Ok::<_, StoreError>(live)
        }));
        let loaded = match loader {
            Ok(running) => running.join().expect("the loader does not panic"),
            Err(done) => done,
        };
        (loaded, live)
    });
    let config = loaded?;
    let live = live.expect("the store is read when the configuration loads")?;
    let targets = plan::resolve_targets(&config.state, &live.state, &opts.targets);
    let resolved;
    let opts = match targets {
        Ok(targets) if targeted => {
            resolved = PlanOptions {
                targets,
                ..opts.clone()
            };
            &resolved
        }
        Ok(_) => opts,
        Err(problems) => return Err(ReconcileError::Targets(problems)),
    };
    let (p, refusals) = plan_with(s, &config.state, &live, opts)?;
    lap("planned");
    Ok(LoadedPlan {
        targets: opts.targets.clone(),
        desired: config.state,
        digest: config.digest,
        plan: p,
        refusals,
        live: live.state,
        declared: config.declared,
    })
}

/// The plan when the store is marked converged with this configuration (nothing parsed or
/// read: it is empty), or, with `partial`, with one that differs in a few files (only those
/// parsed, only what they concern read); `None` when neither holds.
fn short_path(
    s: &Session,
    r: &Digested,
    opts: &PlanOptions,
    partial: bool,
) -> Result<Option<LoadedPlan>, StoreError> {
    let fingerprint = apply::fingerprint(&r.digest, opts);
    enum Found {
        Converged(i64),
        Partial(Box<partial::Partial>),
        Neither,
    }
    let found = crate::store::block_on(async {
        let store = s.open().await?;
        let found = match apply::converged_at(&store, &fingerprint).await {
            Ok(Some(revision)) => Ok(Found::Converged(revision)),
            Ok(None) if partial => {
                let p = partial::plan(&store, &r.files, &r.file_digests, opts).await;
                p.map(|p| p.map_or(Found::Neither, |p| Found::Partial(Box::new(p))))
            }
            Ok(None) => Ok(Found::Neither),
            Err(e) => Err(e),
        };
        store.close().await;
        found
    })?;
    let empty = |plan| LoadedPlan {
        targets: vec![],
        desired: DesiredState::default(),
        digest: r.digest.clone(),
        plan,
        refusals: vec![],
        live: DesiredState::default(),
        declared: None,
    };
    Ok(match found {
        Found::Converged(revision) => {
            tracing::info!(
                store_revision = revision,
                "plan made: converged, nothing read"
            );
            // Nothing was parsed or read: the plan is empty, so nobody applies it.
            Some(empty(Plan {
                revision,
                ..Plan::default()
            }))
        }
        Found::Partial(p) => {
            let (add, change, remove) = p.plan.counts();
            tracing::info!(
                store_revision = p.plan.revision,
                files_parsed = p.parsed.0,
                files = p.parsed.1,
                to_add = add,
                to_change = change,
                to_remove = remove,
                "plan made: partial"
            );
            Some(LoadedPlan {
                targets: vec![],
                desired: p.desired,
                digest: r.digest.clone(),
                plan: p.plan,
                refusals: p.refusals,
                live: p.live,
                declared: None,
            })
        }
        Found::Neither => None,
    })
}

/// Plans against what was read of the store; the messages of the rooms it removes are counted
/// in the store afterwards (few rooms, one indexed count each).
fn plan_with(
    s: &Session,
    desired: &DesiredState,
    read: &LiveRead,
    opts: &PlanOptions,
) -> Result<(Plan, Vec<plan::Refusal>), StoreError> {
    let live = Live {
        state: &read.state,
        managed: &read.managed,
        consented: &read.consented,
        revision: read.revision,
    };
    let mut p = plan::plan(desired, live, opts);
    p.classify(desired, &read.applied);
    let removed = p.removed_rooms();
    let messages = if removed.is_empty() {
        HashMap::new()
    } else {
        crate::store::block_on(async {
            let store = s.open().await?;
            let mut tx = store.read().await?;
            let m = tx.message_counts(&removed).await?;
            tx.finish().await?;
            store.close().await;
            Ok::<_, StoreError>(m)
        })?
    };
    p.weigh_messages(&messages, &read.state);
    let mut refusals = p.destroy_refusals(live, &messages, false);
    refusals.extend(p.refusals(live, opts.threshold, false));
    let (add, change, remove) = p.counts();
    tracing::info!(
        store_revision = read.revision,
        to_add = add,
        to_change = change,
        to_remove = remove,
        drift = p.changes.iter().filter(|c| c.drift).count(),
        refusals = refusals.len(),
        "plan made"
    );
    Ok((p, refusals))
}

/// Plans against a live snapshot: nothing in it is pchat's (no ownership), so only `--prune
/// all` removes what the configuration lacks, and messages are not counted.
pub fn plan_against_snapshot(
    desired: &DesiredState,
    state: &DesiredState,
    opts: &PlanOptions,
) -> (Plan, Vec<plan::Refusal>) {
    let (managed, consented) = (Default::default(), Default::default());
    let live = Live {
        state,
        managed: &managed,
        consented: &consented,
        revision: 0,
    };
    let mut p = plan::plan(desired, live, opts);
    // The snapshot says which rooms hold chat content: removing one needs consent.
    p.weigh_messages(&HashMap::new(), state);
    let mut refusals = p.destroy_refusals(live, &HashMap::new(), false);
    refusals.extend(p.refusals(live, opts.threshold, false));
    (p, refusals)
}

/// The drift plan and the configuration's digest. Finding what changed out of band is drift's
/// job, so it always reads the whole store, never trusting the mark's change signal. When the
/// files are those the store's mark was made with and what was read digests as the state the
/// mark found converged (`apply::read_as_marked`), the plan is empty without parsing a file;
/// otherwise the files are parsed and planned against what was read.
pub fn drift_plan(s: &Session, paths: &[PathBuf]) -> Result<(Plan, String), ReconcileError> {
    let opts = PlanOptions::default();
    let first_use = matches!(&s.store, crate::store::StoreUrl::Sqlite(p) if !p.exists());
    let digested = match digested(paths) {
        Ok(d) if !first_use => d,
        // A file that cannot be read, or a store not made yet: the full path reports it.
        _ => {
            let ways = Ways {
                refresh: true,
                ..Ways::default()
            };
            let l = load_and_plan(s, paths, &opts, ways)?;
            return Ok((l.plan, l.digest));
        }
    };
    let stored = crate::store::block_on(async {
        let store = s.open().await?;
        let whole = store.read_whole().await;
        store.close().await;
        let w = whole?;
        let live = LiveRead {
            revision: w.revision,
            state: w.state,
            managed: w.owned.managed,
            applied: w.owned.applied,
            consented: w.owned.consented,
        };
        Ok::<_, StoreError>((live, w.mark))
    });
    let (live, record) = match stored {
        Ok(x) => x,
        Err(e) => {
            // A configuration problem is reported before any trouble with the store.
            load_read(s, read(paths), false)?;
            return Err(ReconcileError::Store(e));
        }
    };
    let fingerprint = apply::fingerprint(&digested.digest, &opts);
    if apply::read_as_marked(
        &fingerprint,
        &record,
        &live.state,
        &live.managed,
        &live.consented,
    ) {
        tracing::info!(
            store_revision = live.revision,
            "drift: the store reads as its mark found it converged with these files"
        );
        let p = Plan {
            revision: live.revision,
            ..Plan::default()
        };
        return Ok((p, digested.digest));
    }
    let config = load_read(s, read(paths), false)?;
    let (p, _) = plan_with(s, &config.state, &live, &opts)?;
    Ok((p, config.digest))
}

/// A plan made again from its inputs: the configuration, its digest, the options, the plan and
/// the live state it was made from.
pub struct Planned {
    pub paths: Vec<PathBuf>,
    pub desired: DesiredState,
    pub digest: String,
    pub opts: PlanOptions,
    pub plan: Plan,
    pub planned_from: DesiredState,
    /// What each file declares (none when the plan was answered without parsing).
    pub declared: Option<Vec<DeclaredFile>>,
    /// What would keep the plan from being applied as it is.
    pub refusals: Vec<plan::Refusal>,
}

/// The id of the context's store, when it can be read.
pub fn store_id(s: &Session) -> Option<String> {
    s.with(async |store| store.store_id().await).ok().flatten()
}

/// Loads a configuration and plans it against the store.
pub fn plan_paths(
    s: &Session,
    paths: Vec<PathBuf>,
    mut opts: PlanOptions,
    refresh: bool,
) -> Result<Planned, ReconcileError> {
    let ways = Ways {
        refresh,
        partial: false,
        declare: true,
    };
    let l = load_and_plan(s, &paths, &opts, ways)?;
    // Applied as planned: the targets as the configuration spells them.
    opts.targets = l.targets;
    Ok(Planned {
        paths,
        desired: l.desired,
        digest: l.digest,
        opts,
        plan: l.plan,
        planned_from: l.live,
        declared: l.declared,
        refusals: l.refusals,
    })
}

/// Why a saved plan is not applied.
#[derive(Debug, thiserror::Error)]
pub enum ReplanError {
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    /// The file cannot be read as a saved plan.
    #[error("{0}")]
    Unreadable(String),
    /// Made for another store, or the configuration or the store moved since (a safety
    /// refusal).
    #[error("{0}")]
    Stale(String),
}

/// Plans again from a saved plan's inputs; refused unless the store is the one it was made
/// for, and the configuration, the store's revision and the changes are all the saved ones.
pub fn replan(s: &Session, path: &std::path::Path) -> Result<Planned, ReplanError> {
    use crate::render::json::PlanFile;
    let f = crate::files::read(path, crate::files::max_file_size())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|t| PlanFile::parse(&t))
        .map_err(ReplanError::Unreadable)?;
    if let Some(made_for) = &f.store_id {
        let here = store_id(s);
        if here.as_ref() != Some(made_for) {
            return Err(ReplanError::Stale(format!(
                "this plan was made for store {} (id {made_for}), not for {} (id {}); plan \
                 against this store",
                f.store.as_deref().unwrap_or("another store"),
                s.store,
                here.as_deref().unwrap_or("unknown")
            )));
        }
    }
    let opts = f.inputs.options().map_err(ReplanError::Unreadable)?;
    let paths: Vec<PathBuf> = f.inputs.paths.iter().map(PathBuf::from).collect();
    let planned = plan_paths(s, paths, opts, false)?;
    let stale = if f.config_digest != planned.digest {
        "the configuration changed since this plan was made; plan again".to_string()
    } else if f.store_revision != planned.plan.revision {
        format!(
            "stale plan: the store changed since this plan was made (revision {}, now {}); plan \
             again",
            f.store_revision, planned.plan.revision
        )
    } else if f.changes
        != PlanFile::new(&planned.plan, planned.digest.clone(), f.inputs.clone()).changes
    {
        "the plan no longer matches the configuration and the store; plan again".to_string()
    } else {
        return Ok(planned);
    };
    Err(ReplanError::Stale(stale))
}

/// What the user decided about an apply: the flags beside the plan.
#[derive(Debug, Clone, Default)]
pub struct Consent {
    /// Override the safety threshold (never `protect`).
    pub force: bool,
    /// Allow removals that destroy chat history.
    pub allow_destroy: bool,
    /// Who applies (recorded in the history).
    pub actor: String,
}

/// An apply's result, counted as its summary line says it: objects (the plan's changes), the
/// cmdlet calls that change them and pchat's own steps.
#[derive(Debug)]
pub struct Done {
    pub revision: i64,
    pub objects: usize,
    pub cmdlets: usize,
    pub steps: usize,
}

impl std::fmt::Display for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let steps = match self.steps {
            0 => String::new(),
            n => format!(" and {}", crate::plural(n, "pchat step")),
        };
        write!(
            f,
            "{} changed by {}{steps}, in one transaction (store revision {})",
            crate::plural(self.objects, "object"),
            crate::plural(self.cmdlets, "cmdlet call"),
            self.revision
        )
    }
}

impl Planned {
    /// The refusals the flags do not override: destruction without `allow_destroy`, the
    /// threshold without `force`, and protection always.
    pub fn unconsented(&self, allow_destroy: bool, force: bool) -> Vec<&plan::Refusal> {
        self.refusals
            .iter()
            .filter(|r| match r {
                plan::Refusal::Destroys { .. } => !allow_destroy,
                plan::Refusal::Threshold { .. } => !force,
                _ => true,
            })
            .collect()
    }
}

/// How the convergence mark names a plan's configuration and options; `declared` is moved in,
/// not copied (it holds every file's declarations).
fn converge(
    digest: &str,
    opts: &PlanOptions,
    declared: Option<Vec<DeclaredFile>>,
) -> apply::Converge {
    apply::Converge {
        fingerprint: apply::fingerprint(digest, opts),
        options: opts.clone(),
        declared,
    }
}

/// Marks the store converged with a configuration whose plan is empty, so that the next plan
/// of it is answered without reading. A store that cannot take the mark (read-only, locked)
/// only loses that shortcut: that is logged, not returned.
pub fn vouch(s: &Session, planned: Planned) {
    let Planned {
        desired,
        digest,
        opts,
        plan: p,
        declared,
        ..
    } = planned;
    let converge = converge(&digest, &opts, declared);
    let vouched = s.with(async |store| apply::vouch(store, &desired, &p, &converge).await);
    if let Err(e) = vouched {
        tracing::debug!(error = %e, "the store was not marked converged");
    }
}

/// Applies a plan, all or nothing, in one transaction.
pub fn apply_planned(
    s: &Session,
    planned: Planned,
    consent: Consent,
) -> Result<Done, apply::ApplyError> {
    let Planned {
        paths,
        desired,
        digest,
        opts,
        plan: p,
        planned_from,
        declared,
        ..
    } = planned;
    let converge = converge(&digest, &opts, declared);
    let apply_opts = apply::ApplyOptions {
        force: consent.force,
        allow_destroy: consent.allow_destroy,
        threshold: opts.threshold,
        actor: consent.actor,
        git_commit: git_commit(&paths),
        converge: Some(converge),
        config_digest: digest,
        progress: s.progress.clone(),
    };
    let objects = p.changes.len();
    let ops = p.changes.iter().flat_map(|c| &c.operations);
    let cmdlets = ops.clone().filter(|op| op.is_cmdlet()).count();
    let steps = ops.count() - cmdlets;
    let done = s.with(async |store| {
        apply::apply(store, &desired, p, Some(planned_from), &apply_opts).await
    })?;
    tracing::info!(
        store_revision = done.revision,
        objects,
        cmdlet_calls = cmdlets,
        pchat_steps = steps,
        "apply committed"
    );
    Ok(Done {
        revision: done.revision,
        objects,
        cmdlets,
        steps,
    })
}
