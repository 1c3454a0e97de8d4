//! `pchat plan`, `apply`, `drift` and `history`: the declarative path.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::apply::{self, ApplyOptions};
use crate::config::{self, ConfigError};
use crate::model::DesiredState;
use crate::partial;
use crate::plan::{self, Live, Plan, PlanOptions, Prune};
use crate::render;
use crate::store::{DeclaredFile, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PruneArg {
    Managed,
    All,
    None,
}

/// How to plan: the flags `plan` and `apply` share.
#[derive(Debug, Args, Clone)]
pub struct PlanFlags {
    /// Plan only these objects and what they depend on: KIND/IDENTITY (e.g. room/POOL\NAME)
    #[arg(long, value_parser = plan::parse_target)]
    pub target: Vec<(crate::model::Kind, String)>,
    /// Which live objects missing from the configuration are removed
    #[arg(long, value_enum, default_value_t = PruneArg::Managed)]
    pub prune: PruneArg,
    /// Refuse to update or remove more than this percentage of a kind's live objects (0-100)
    #[arg(long, default_value_t = 30.0, value_parser = plan::parse_percent)]
    pub threshold_percent: f64,
    /// ... when the kind has at least this many managed objects
    #[arg(long, default_value_t = 10)]
    pub threshold_min: usize,
}

/// Output format of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    Markdown,
    Powershell,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Configuration files or directories
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Exit 2 when there are changes (0 when none)
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Save the plan (versioned JSON) for `pchat apply --plan FILE`
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Plan against a snapshot collected from a real server (collect.ps1's JSON) instead of
    /// the store; no store is opened, and every live object counts as unmanaged
    #[arg(long, conflicts_with = "out")]
    pub live: Option<PathBuf>,
    /// Parse every file and read every row even when the store is marked converged with this
    /// configuration (no write since an apply found its plan empty)
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Configuration files or directories
    #[arg(required_unless_present = "plan")]
    pub paths: Vec<PathBuf>,
    /// Apply a plan saved with `pchat plan --out` (refused if the store or the configuration changed since)
    #[arg(long, conflicts_with = "paths")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Do not ask for confirmation
    #[arg(long)]
    pub yes: bool,
    /// Override the safety threshold (never `lifecycle.protect`)
    #[arg(long)]
    pub force: bool,
    /// Allow removals that destroy chat history (rooms with messages)
    #[arg(long)]
    pub allow_destroy: bool,
    /// Who applies (recorded in the history; default: the OS user)
    #[arg(long)]
    pub actor: Option<String>,
    /// Parse every file and read every row even when the store is marked converged with this
    /// configuration (no write since an apply found its plan empty)
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Keep checking at this interval (`30s`, `5m`), printing whenever the drift changes
    #[arg(long, value_parser = store_cmd::parse_interval)]
    pub watch: Option<std::time::Duration>,
    /// Drift always parses every file and reads every row (what changed out of band is what
    /// it looks for); `--refresh` is accepted for the scripts that pass it
    #[arg(long, hide = true)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

impl Default for PlanFlags {
    fn default() -> Self {
        PlanFlags {
            target: vec![],
            prune: PruneArg::Managed,
            threshold_percent: 30.0,
            threshold_min: 10,
        }
    }
}

fn inputs(paths: &[PathBuf], a: &PlanFlags) -> render::json::Inputs {
    render::json::Inputs {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        prune: match a.prune {
            PruneArg::Managed => "managed",
            PruneArg::All => "all",
            PruneArg::None => "none",
        }
        .into(),
        targets: a
            .target
            .iter()
            .map(|(k, id)| format!("{}/{id}", k.key()))
            .collect(),
        threshold_percent: a.threshold_percent,
        threshold_min: a.threshold_min,
    }
}

fn flags_from(i: &render::json::Inputs) -> Result<PlanFlags, String> {
    Ok(PlanFlags {
        target: i
            .targets
            .iter()
            .map(|t| plan::parse_target(t))
            .collect::<Result<_, _>>()?,
        prune: match i.prune.as_str() {
            "all" => PruneArg::All,
            "none" => PruneArg::None,
            _ => PruneArg::Managed,
        },
        threshold_percent: i.threshold_percent,
        threshold_min: i.threshold_min,
    })
}

fn options(a: &PlanFlags) -> PlanOptions {
    PlanOptions {
        prune: match a.prune {
            PruneArg::Managed => Prune::Managed,
            PruneArg::All => Prune::All,
            PruneArg::None => Prune::None,
        },
        targets: a.target.clone(),
        threshold: plan::Threshold {
            percent: a.threshold_percent,
            min_objects: a.threshold_min,
        },
    }
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

/// Loads the configuration, or reports why not (exit 1).
fn load(
    ctx: &Context,
    out: &mut Output,
    paths: &[PathBuf],
) -> Result<(DesiredState, String), Outcome> {
    load_read(ctx, out, read(paths), false).map(|c| (c.state, c.digest))
}

/// A configuration as loaded: its state, its digest, and (when asked for) what each of its
/// files declares, which an apply records with its convergence mark.
struct Config {
    state: DesiredState,
    digest: String,
    declared: Option<Vec<DeclaredFile>>,
}

/// Loads configuration files already read, or reports why not (exit 1).
fn load_read(
    ctx: &Context,
    out: &mut Output,
    read: Result<Read, ConfigError>,
    declare: bool,
) -> Result<Config, Outcome> {
    let result = read.and_then(|r| {
        let Read { texts, of } = r;
        let files = declare.then(|| of.files.clone());
        config::load_texts_with(of.files, texts, &ctx.progress).map(|loaded| Config {
            declared: files.map(|f| {
                partial::declared_files(&loaded.state, &loaded.origins, &f, &of.file_digests)
            }),
            state: loaded.state,
            digest: of.digest,
        })
    });
    match result {
        Ok(x) => Ok(x),
        Err(ConfigError::Invalid(report)) => {
            if ctx.json_logs {
                super::log_diagnostics(&report);
            } else {
                out.stderr
                    .push_str(&render::diagnostics::text(&report, ctx.stderr_style));
            }
            Err(Outcome::Failed)
        }
        Err(e) => {
            ctx.error(out, &e);
            Err(Outcome::Failed)
        }
    }
}

/// The git commit of the configuration's directory, when it is a git checkout.
fn git_commit(paths: &[PathBuf]) -> Option<String> {
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

/// Plans against the live store.
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
struct LoadedPlan {
    /// The `--target`s as the configuration spells them (`plan::resolve_targets`).
    targets: Vec<(crate::model::Kind, String)>,
    desired: DesiredState,
    digest: String,
    plan: Plan,
    refusals: Vec<plan::Refusal>,
    live: DesiredState,
    declared: Option<Vec<DeclaredFile>>,
}

/// Which ways to a plan are open.
#[derive(Debug, Clone, Copy, Default)]
struct Ways {
    /// `--refresh`: parse every file and read every row.
    refresh: bool,
    /// Parse only the files changed since the store's convergence mark (see [`partial`]);
    /// apply does not, as it records what every file declares.
    partial: bool,
    /// Say what each file declares (for the convergence mark).
    declare: bool,
}

/// Loads the configuration and plans it against the store. The YAML is parsed on a thread of
/// its own while the store is read, so a cold plan costs about the longer of the two, not their
/// sum. A configuration problem is reported before any trouble with the store.
fn load_and_plan(
    ctx: &Context,
    out: &mut Output,
    paths: &[PathBuf],
    opts: &PlanOptions,
    ways: Ways,
) -> Result<LoadedPlan, Outcome> {
    // A store that does not exist yet is created only for a configuration that loads, so on
    // first use the YAML is read first.
    let first_use = matches!(&ctx.store, crate::store::StoreUrl::Sqlite(p) if !p.exists());
    // A file that cannot be read is reported by the full path.
    // A plan of targets is judged against what they name, which only the full path reads.
    let targeted = !opts.targets.is_empty();
    if let (false, false, false, Ok(d)) = (ways.refresh, first_use, targeted, digested(paths)) {
        match short_path(ctx, &d, opts, ways.partial) {
            Ok(Some(planned)) => return Ok(planned),
            Ok(None) => {}
            Err(e) => {
                // Not tried twice (an unreachable server waits out its timeout each time).
                load_read(ctx, out, read(paths), false)?;
                return Err(store_cmd::store_failed(ctx, out, &e));
            }
        }
    }
    let t0 = std::time::Instant::now();
    let lap = |step: &str| tracing::debug!(step, seconds = t0.elapsed().as_secs_f64(), "plan");
    let read = read(paths);
    let ((loaded, o), live) = std::thread::scope(|scope| {
        let loader = scope.spawn(|| {
            let mut o = Output::default();
            let loaded = load_read(ctx, &mut o, read, ways.declare);
            lap("configuration loaded");
            (loaded, o)
        });
        let loader = if first_use {
            let done = loader.join().expect("the loader does not panic");
            if done.0.is_err() {
                return (done, None);
            }
            Err(done)
        } else {
            Ok(loader)
        };
        let live = Some(store_cmd::block_on(async {
            let store = store_cmd::open(ctx).await?;
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
    out.stdout.push_str(&o.stdout);
    out.stderr.push_str(&o.stderr);
    let config = loaded?;
    let live = live
        .expect("the store is read when the configuration loads")
        .map_err(|e| store_cmd::store_failed(ctx, out, &e))?;
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
        Err(problems) => {
            for p in problems {
                out.stderr
                    .push_str(&format!("{}: {p}\n", ctx.stderr_style.red("error")));
            }
            return Err(Outcome::Failed);
        }
    };
    let (p, refusals) = plan_with(ctx, &config.state, &live, opts)
        .map_err(|e| store_cmd::store_failed(ctx, out, &e))?;
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
    ctx: &Context,
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
    let found = store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
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
    ctx: &Context,
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
        store_cmd::block_on(async {
            let store = store_cmd::open(ctx).await?;
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
fn plan_against_snapshot(
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

fn show_refusals(ctx: &Context, out: &mut Output, refusals: &[plan::Refusal]) {
    for r in refusals {
        out.stderr.push_str(&format!(
            "{}: apply would refuse: {r}\n",
            ctx.stderr_style.yellow("warning")
        ));
    }
}

pub fn plan_cmd(a: &PlanArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let opts = options(&a.flags);
    let planned = match &a.live {
        Some(file) => load(ctx, out, &a.paths).and_then(|(desired, digest)| {
            let (state, _) = super::snapshot::read_snapshot(ctx, out, file)?;
            let (p, refusals) = plan_against_snapshot(&desired, &state, &opts);
            Ok((digest, p, refusals))
        }),
        None => {
            let ways = Ways {
                refresh: a.refresh,
                partial: true,
                declare: false,
            };
            load_and_plan(ctx, out, &a.paths, &opts, ways).map(|l| {
                // The process ends after printing: freeing 100k rooms twice only delays it.
                std::mem::forget((l.desired, l.live));
                (l.digest, l.plan, l.refusals)
            })
        }
    };
    let (digest, p, refusals) = match planned {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mut file = render::json::PlanFile::new(&p, digest, inputs(&a.paths, &a.flags));
    if a.out.is_some() {
        // A saved plan names its store, so applying it to another is refused as such.
        file.store_id = store_id(ctx);
        file.store = Some(ctx.store.to_string());
    }
    out.stdout.push_str(&match a.format {
        PlanFormat::Text => render::plan::text(&p, ctx.stdout_style),
        PlanFormat::Json => file.to_json(),
        PlanFormat::Markdown => render::markdown::markdown(&p),
        PlanFormat::Powershell => render::powershell::script(&p),
    });
    if let Some(path) = &a.out {
        if let Err(e) = crate::files::write_private(path, file.to_json().as_bytes()) {
            out.stderr.push_str(&format!(
                "{}: cannot write {}: {e}\n",
                ctx.stderr_style.red("error"),
                path.display()
            ));
            return Outcome::Failed;
        }
        out.stderr.push_str(&format!(
            "Saved the plan to {}: apply it with `pchat apply --plan {}`.\n",
            path.display(),
            path.display()
        ));
    }
    show_refusals(ctx, out, &refusals);
    match (a.detailed_exitcode, p.is_empty(), p.is_drift_only()) {
        (true, false, true) => Outcome::DriftOnly,
        (true, false, false) => Outcome::Changes,
        _ => Outcome::Success,
    }
}

fn drift_report(a: &DriftArgs, ctx: &Context, p: &Plan, digest: String) -> String {
    let style = ctx.stdout_style;
    match a.format {
        PlanFormat::Json => {
            render::json::PlanFile::new(p, digest, inputs(&a.paths, &PlanFlags::default()))
                .to_json()
        }
        PlanFormat::Markdown => render::markdown::markdown(p),
        PlanFormat::Powershell => render::powershell::script(p),
        PlanFormat::Text if p.is_empty() => {
            let mut s = "No drift: the live store matches the configuration.\n".to_string();
            if !(p.kept.is_empty() && p.ignored.is_empty()) {
                s.push_str(&render::plan::text(p, style));
            }
            s
        }
        PlanFormat::Text => format!(
            "Drift: the live store differs from the configuration.\n{}",
            render::plan::text(p, style)
        ),
    }
}

/// The drift plan and the configuration's digest. Finding what changed out of band is drift's
/// job, so it always reads the whole store, never trusting the mark's change signal. When the
/// files are those the store's mark was made with and what was read digests as the state the
/// mark found converged (`apply::read_as_marked`), the plan is empty without parsing a file;
/// otherwise the files are parsed and planned against what was read.
fn drift_plan(
    ctx: &Context,
    out: &mut Output,
    paths: &[PathBuf],
) -> Result<(Plan, String), Outcome> {
    let opts = PlanOptions::default();
    let first_use = matches!(&ctx.store, crate::store::StoreUrl::Sqlite(p) if !p.exists());
    let digested = match digested(paths) {
        Ok(d) if !first_use => d,
        // A file that cannot be read, or a store not made yet: the full path reports it.
        _ => {
            let ways = Ways {
                refresh: true,
                ..Ways::default()
            };
            let l = load_and_plan(ctx, out, paths, &opts, ways)?;
            return Ok((l.plan, l.digest));
        }
    };
    let stored = store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
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
            load_read(ctx, out, read(paths), false)?;
            return Err(store_cmd::store_failed(ctx, out, &e));
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
    let config = load_read(ctx, out, read(paths), false)?;
    let (p, _) = plan_with(ctx, &config.state, &live, &opts)
        .map_err(|e| store_cmd::store_failed(ctx, out, &e))?;
    Ok((p, config.digest))
}

pub fn drift_cmd(a: &DriftArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let Some(every) = a.watch else {
        let (p, digest) = match drift_plan(ctx, out, &a.paths) {
            Ok(x) => x,
            Err(o) => return o,
        };
        out.stdout.push_str(&drift_report(a, ctx, &p, digest));
        return if p.is_empty() {
            Outcome::Success
        } else {
            Outcome::Changes
        };
    };
    // Watching: check at each interval, print when what is seen changes; runs until stopped.
    let mut last: Option<String> = None;
    loop {
        let mut step = Output::default();
        let report = match drift_plan(ctx, &mut step, &a.paths) {
            Ok((p, digest)) => drift_report(a, ctx, &p, digest),
            Err(_) => step.stderr.clone(),
        };
        if last.as_deref() != Some(report.as_str()) {
            let stamp = crate::model::message::format_time(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros() as i64),
            );
            let _ = writeln!(std::io::stdout(), "== {stamp}");
            let _ = std::io::stdout().write_all(report.as_bytes());
            let _ = std::io::stdout().flush();
            last = Some(report);
        }
        std::thread::sleep(every);
    }
}

/// A plan made again from its inputs: the configuration, its digest, the options, the plan and
/// the live state it was made from.
pub(super) struct Planned {
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
fn store_id(ctx: &Context) -> Option<String> {
    store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
        let id = store.store_id().await;
        store.close().await;
        id
    })
    .ok()
    .flatten()
}

/// Plans again from a saved plan's inputs; refused (exit 3) unless the store is the one it
/// was made for, and the configuration, the store's revision and the changes are all the
/// saved ones.
pub(super) fn replan(
    ctx: &Context,
    out: &mut Output,
    path: &std::path::Path,
) -> Result<Planned, Outcome> {
    let fail = |out: &mut Output, why: String| {
        out.stderr
            .push_str(&format!("{}: {why}\n", ctx.stderr_style.red("error")));
        Outcome::Failed
    };
    let f = crate::files::read(path, crate::files::max_file_size())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|t| render::json::PlanFile::parse(&t))
        .map_err(|why| fail(out, why))?;
    if let Some(made_for) = &f.store_id {
        let here = store_id(ctx);
        if here.as_ref() != Some(made_for) {
            let named = f.store.as_deref().unwrap_or("another store");
            fail(
                out,
                format!(
                    "this plan was made for store {named} (id {made_for}), not for {} (id {}); \
                     plan against this store",
                    ctx.store,
                    here.as_deref().unwrap_or("unknown")
                ),
            );
            return Err(Outcome::Refused);
        }
    }
    let flags = flags_from(&f.inputs).map_err(|why| fail(out, why))?;
    let paths: Vec<PathBuf> = f.inputs.paths.iter().map(PathBuf::from).collect();
    let planned = plan_paths(ctx, out, paths, &flags, false)?;
    let refusal = if f.config_digest != planned.digest {
        Some("the configuration changed since this plan was made; plan again".to_string())
    } else if f.store_revision != planned.plan.revision {
        Some(format!(
            "stale plan: the store changed since this plan was made (revision {}, now {}); plan again",
            f.store_revision, planned.plan.revision
        ))
    } else if f.changes
        != render::json::PlanFile::new(&planned.plan, planned.digest.clone(), f.inputs.clone())
            .changes
    {
        Some("the plan no longer matches the configuration and the store; plan again".to_string())
    } else {
        None
    };
    if let Some(why) = refusal {
        fail(out, why);
        return Err(Outcome::Refused);
    }
    Ok(planned)
}

/// Loads a configuration and plans it against the store.
fn plan_paths(
    ctx: &Context,
    out: &mut Output,
    paths: Vec<PathBuf>,
    flags: &PlanFlags,
    refresh: bool,
) -> Result<Planned, Outcome> {
    let mut opts = options(flags);
    let ways = Ways {
        refresh,
        partial: false,
        declare: true,
    };
    let l = load_and_plan(ctx, out, &paths, &opts, ways)?;
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

pub fn apply_cmd(a: &ApplyArgs, ctx: &Context, out: &mut Output) -> Outcome {
    // A saved plan: plan again from its inputs and check nothing moved since it was made.
    let planned = match &a.plan {
        Some(path) => replan(ctx, out, path),
        None => {
            let flags = PlanFlags {
                target: a.flags.target.clone(),
                ..a.flags
            };
            plan_paths(ctx, out, a.paths.clone(), &flags, a.refresh)
        }
    };
    let Planned {
        paths,
        desired,
        digest,
        opts,
        plan: p,
        planned_from,
        declared,
        ..
    } = match planned {
        Ok(x) => x,
        Err(o) => return o,
    };
    out.stdout
        .push_str(&render::plan::text(&p, ctx.stdout_style));
    let converge = apply::Converge {
        fingerprint: apply::fingerprint(&digest, &opts),
        options: opts.clone(),
        declared,
    };
    if p.is_empty() {
        // Nothing to apply; the store may still be marked converged, so that the next plan
        // of this configuration is answered without reading. A store that cannot take the
        // mark (read-only, locked) only loses that shortcut.
        let vouched = store_cmd::block_on(async {
            let store = store_cmd::open(ctx).await?;
            let v = apply::vouch(&store, &desired, &p, &converge).await;
            store.close().await;
            v
        });
        if let Err(e) = vouched {
            tracing::debug!(error = %e, "the store was not marked converged");
        }
        return Outcome::Success;
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            out.stderr.push_str(&format!(
                "{}: not applying without confirmation: pass --yes when not on a terminal\n",
                ctx.stderr_style.red("error")
            ));
            return Outcome::Failed;
        }
        // The plan must be on screen before the question.
        let _ = std::io::stdout().write_all(std::mem::take(&mut out.stdout).as_bytes());
        print!("\nApply these changes? Only 'yes' is accepted: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            out.stdout.push_str("Apply cancelled.\n");
            return Outcome::Failed;
        }
    }
    let apply_opts = ApplyOptions {
        force: a.force,
        allow_destroy: a.allow_destroy,
        threshold: opts.threshold,
        actor: a
            .actor
            .clone()
            .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into())),
        git_commit: git_commit(&paths),
        converge: Some(converge),
        config_digest: digest,
        progress: ctx.progress.clone(),
    };
    // What the summary line counts: objects (the plan's changes) and the calls that change them.
    let ops = p.changes.iter().flat_map(|c| &c.operations);
    let (cmdlets, steps) = ops.fold((0, 0), |(c, s), op| {
        if op.is_cmdlet() {
            (c + 1, s)
        } else {
            (c, s + 1)
        }
    });
    let objects = p.changes.len();
    let result = store_cmd::block_on(async {
        let store = store_cmd::open(ctx)
            .await
            .map_err(apply::ApplyError::Store)?;
        let r = apply::apply(&store, &desired, p, Some(planned_from), &apply_opts).await;
        store.close().await;
        r
    });
    match result {
        Ok(done) => {
            tracing::info!(
                store_revision = done.revision,
                objects,
                cmdlet_calls = cmdlets,
                pchat_steps = steps,
                "apply committed"
            );
            let steps = match steps {
                0 => String::new(),
                n => format!(" and {}", crate::plural(n, "pchat step")),
            };
            out.stdout.push_str(&format!(
                "Apply complete: {} changed by {}{steps}, in one transaction (store revision {}).\n",
                crate::plural(objects, "object"),
                crate::plural(cmdlets, "cmdlet call"),
                done.revision
            ));
            Outcome::Success
        }
        Err(e) => ctx.failed(out, &e, e.is_safety_refusal()),
    }
}

pub fn history_cmd(a: &HistoryArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let result = store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
        let mut tx = store.read().await?;
        let h = tx.applies().await?;
        tx.finish().await?;
        store.close().await;
        Ok::<_, StoreError>(h)
    });
    match result {
        Ok(records) => {
            type R = crate::store::ApplyRecord;
            store_cmd::print(
                out,
                a.format,
                &records,
                &|r: &R| r.id.to_string(),
                &[
                    ("AppliedAt", &|r: &R| {
                        crate::model::message::format_time(r.applied_at)
                    }),
                    ("Actor", &|r: &R| r.actor.clone()),
                    ("Revision", &|r: &R| r.revision.to_string()),
                    ("Operations", &|r: &R| r.operation_count.to_string()),
                    ("Source", &|r: &R| r.source.clone()),
                    ("GitCommit", &|r: &R| {
                        r.git_commit.clone().unwrap_or_default()
                    }),
                ],
            );
            Outcome::Success
        }
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}
