//! `pchat plan`, `apply`, `drift` and `history`: the declarative path.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::apply::{self, ApplyOptions};
use crate::config::ConfigError;
use crate::plan::{self, Plan, PlanOptions, Prune};
use crate::reconcile::{self, ReconcileError, Session};
use crate::render;
use crate::store::StoreError;

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
    #[arg(long, value_parser = crate::units::parse_interval)]
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

/// Runs one step of the library's orchestration on this command's store and reports why it
/// failed: the configuration's problems placed in their files, the store's, or targets that
/// name nothing.
fn planning<T>(
    ctx: &Context,
    out: &mut Output,
    step: impl FnOnce(&Session) -> Result<T, ReconcileError>,
) -> Result<T, Outcome> {
    step(&ctx.session()).map_err(|e| match e {
        ReconcileError::Config(ConfigError::Invalid(report)) => {
            if ctx.json_logs {
                super::log_diagnostics(&report);
            } else {
                out.stderr
                    .push_str(&render::diagnostics::text(&report, ctx.stderr_style));
            }
            Outcome::Failed
        }
        ReconcileError::Config(e) => {
            ctx.error(out, &e);
            Outcome::Failed
        }
        ReconcileError::Store(e) => store_cmd::store_failed(ctx, out, &e),
        ReconcileError::Targets(problems) => {
            for p in problems {
                out.stderr
                    .push_str(&format!("{}: {p}\n", ctx.stderr_style.red("error")));
            }
            Outcome::Failed
        }
    })
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
        Some(file) => {
            planning(ctx, out, |s| reconcile::load(s, &a.paths)).and_then(|(desired, digest)| {
                let (state, _) = super::snapshot::read_snapshot(ctx, out, file)?;
                let (p, refusals) = reconcile::plan_against_snapshot(&desired, &state, &opts);
                Ok((digest, p, refusals))
            })
        }
        None => {
            let ways = reconcile::Ways {
                refresh: a.refresh,
                partial: true,
                declare: false,
            };
            planning(ctx, out, |s| {
                reconcile::load_and_plan(s, &a.paths, &opts, ways)
            })
            .map(|l| {
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
        file.store_id = reconcile::store_id(&ctx.session());
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

pub fn drift_cmd(a: &DriftArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let Some(every) = a.watch else {
        let (p, digest) = match planning(ctx, out, |s| reconcile::drift_plan(s, &a.paths)) {
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
        let report = match planning(ctx, &mut step, |s| reconcile::drift_plan(s, &a.paths)) {
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

/// Plans again from a saved plan's inputs; refused (exit 3) unless the store is the one it
/// was made for, and the configuration, the store's revision and the changes are all the
/// saved ones.
pub(super) fn replan(
    ctx: &Context,
    out: &mut Output,
    path: &std::path::Path,
) -> Result<reconcile::Planned, Outcome> {
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
        let here = reconcile::store_id(&ctx.session());
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
    let planned = planning(ctx, out, |s| {
        reconcile::plan_paths(s, paths, options(&flags), false)
    })?;
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

pub fn apply_cmd(a: &ApplyArgs, ctx: &Context, out: &mut Output) -> Outcome {
    // A saved plan: plan again from its inputs and check nothing moved since it was made.
    let planned = match &a.plan {
        Some(path) => replan(ctx, out, path),
        None => {
            let flags = PlanFlags {
                target: a.flags.target.clone(),
                ..a.flags
            };
            planning(ctx, out, |s| {
                reconcile::plan_paths(s, a.paths.clone(), options(&flags), a.refresh)
            })
        }
    };
    let reconcile::Planned {
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
        git_commit: reconcile::git_commit(&paths),
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
