//! `pchat plan`, `apply`, `drift` and `history`: the declarative path.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};

use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::plan::{self, Plan, PlanOptions, Prune};
use crate::reconcile::{self, Planned, ReconcileError, ReplanError, Session};
use crate::render;

/// How to plan: the flags `plan` and `apply` share.
#[derive(Debug, Args, Clone)]
pub struct PlanFlags {
    /// Plan only these objects and what they depend on: KIND/IDENTITY (e.g. room/POOL\NAME)
    #[arg(long, value_parser = plan::parse_target)]
    pub target: Vec<(crate::model::Kind, String)>,
    /// Which live objects missing from the configuration are removed
    #[arg(long, default_value = "managed", value_parser = PossibleValuesParser::new(Prune::names())
          .map(|s| s.parse::<Prune>().expect("one of its names")))]
    pub prune: Prune,
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

impl PlanFormat {
    /// The plan in this format: `json` the saved plan's file, `text` what the command's text is.
    fn show(
        self,
        p: &Plan,
        json: impl FnOnce() -> String,
        text: impl FnOnce() -> String,
    ) -> String {
        match self {
            PlanFormat::Text => text(),
            PlanFormat::Json => json(),
            PlanFormat::Markdown => render::markdown::markdown(p),
            PlanFormat::Powershell => render::powershell::script(p),
        }
    }
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

fn options(a: &PlanFlags) -> PlanOptions {
    PlanOptions {
        prune: a.prune,
        targets: a.target.clone(),
        threshold: plan::Threshold {
            percent: a.threshold_percent,
            min_objects: a.threshold_min,
        },
    }
}

/// Reports why a plan could not be made: the configuration's problems placed in their files,
/// the store's, or targets that name nothing.
fn not_planned(ctx: &Context, out: &mut Output, e: ReconcileError) -> Outcome {
    match e {
        ReconcileError::Config(e) => ctx.config_failed(out, &e),
        ReconcileError::Store(e) => store_cmd::store_failed(ctx, out, &e),
        ReconcileError::Targets(problems) => {
            problems.iter().for_each(|p| _ = ctx.fail(out, p));
            Outcome::Failed
        }
    }
}

/// Runs one step of the library's orchestration on this command's store; a failure is
/// reported.
fn planning<T>(
    ctx: &Context,
    out: &mut Output,
    step: impl FnOnce(&Session) -> Result<T, ReconcileError>,
) -> Result<T, Outcome> {
    step(&ctx.session()).map_err(|e| not_planned(ctx, out, e))
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
    let inputs = render::json::Inputs::new(&a.paths, &opts);
    let mut file = render::json::PlanFile::new(&p, digest, inputs);
    if a.out.is_some() {
        // A saved plan names its store, so applying it to another is refused as such.
        file.store_id = reconcile::store_id(&ctx.session());
        file.store = Some(ctx.store.to_string());
    }
    let text = || render::plan::text(&p, ctx.stdout_style);
    out.stdout
        .push_str(&a.format.show(&p, || file.to_json(), text));
    if let Some(path) = &a.out {
        if let Err(e) = crate::files::write_private(path, file.to_json().as_bytes()) {
            return ctx.fail(out, format_args!("cannot write {}: {e}", path.display()));
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
    let file = || {
        let inputs = render::json::Inputs::new(&a.paths, &PlanOptions::default());
        render::json::PlanFile::new(p, digest, inputs).to_json()
    };
    a.format
        .show(p, file, || render::plan::drift_text(p, ctx.stdout_style))
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
            let stamp = crate::model::message::format_time(crate::model::message::now_micros());
            let _ = writeln!(std::io::stdout(), "== {stamp}");
            let _ = std::io::stdout().write_all(report.as_bytes());
            let _ = std::io::stdout().flush();
            last = Some(report);
        }
        std::thread::sleep(every);
    }
}

/// Plans again from a saved plan's inputs (`reconcile::replan`); a plan that no longer holds is
/// refused (exit 3).
pub(super) fn replan(
    ctx: &Context,
    out: &mut Output,
    path: &std::path::Path,
) -> Result<Planned, Outcome> {
    reconcile::replan(&ctx.session(), path).map_err(|e| match e {
        ReplanError::Reconcile(e) => not_planned(ctx, out, e),
        ReplanError::Unreadable(why) => ctx.fail(out, why),
        ReplanError::Stale(why) => ctx.refuse(out, why),
    })
}

pub fn apply_cmd(a: &ApplyArgs, ctx: &Context, out: &mut Output) -> Outcome {
    // A saved plan: plan again from its inputs and check nothing moved since it was made.
    let planned = match &a.plan {
        Some(path) => replan(ctx, out, path),
        None => planning(ctx, out, |s| {
            reconcile::plan_paths(s, a.paths.clone(), options(&a.flags), a.refresh)
        }),
    };
    let planned = match planned {
        Ok(x) => x,
        Err(o) => return o,
    };
    out.stdout
        .push_str(&render::plan::text(&planned.plan, ctx.stdout_style));
    if planned.plan.is_empty() {
        // Nothing to apply; the store may still be marked converged.
        reconcile::vouch(&ctx.session(), planned);
        return Outcome::Success;
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            let why = "not applying without confirmation: pass --yes when not on a terminal";
            return ctx.fail(out, why);
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
    let consent = reconcile::Consent {
        force: a.force,
        allow_destroy: a.allow_destroy,
        actor: crate::apply::actor_or_user(a.actor.as_deref()),
    };
    match reconcile::apply_planned(&ctx.session(), planned, consent) {
        Ok(done) => {
            out.stdout.push_str(&format!("Apply complete: {done}.\n"));
            Outcome::Success
        }
        Err(e) => ctx.failed(out, &e, e.is_safety_refusal()),
    }
}

pub fn history_cmd(a: &HistoryArgs, ctx: &Context, out: &mut Output) -> Outcome {
    match ctx.session().history() {
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
