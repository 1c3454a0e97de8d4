//! `pchat live …`: the bridge to a real Lync Server 2013 / Skype for Business Server pool.
//! `load` makes a snapshot (written by `collect.ps1`) the store's live state; `snapshot`
//! (hidden) writes the snapshot a service configured as a configuration would give.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::snapshot::read_snapshot;
use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::live;

#[derive(Debug, Subcommand)]
pub enum LiveCommand {
    /// Write collect.ps1, the script that collects a snapshot in the Management Shell
    Script(ScriptArgs),
    /// Make a snapshot collected from a real server (collect.ps1's JSON) the store's live state
    Load(LoadArgs),
    /// Write the script that carries out a saved plan on the server (checked before-images, a
    /// journal to resume from, -WhatIf); refused if anything moved since the plan
    ApplyScript(ApplyScriptArgs),
    /// Write the snapshot collect.ps1 would write for a server configured as PATHS
    #[command(hide = true)]
    Snapshot(SnapshotArgs),
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The snapshot (JSON) collect.ps1 wrote
    pub file: PathBuf,
    /// Load it even if rooms it lacks hold messages in the store (they are deleted)
    #[arg(long)]
    pub allow_destroy: bool,
    /// Who loads it (recorded in the history; default: the OS user)
    #[arg(long)]
    pub actor: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyScriptArgs {
    /// A plan saved with `pchat plan --out`
    #[arg(long)]
    pub plan: PathBuf,
    /// Write the script to this file instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write it even though it removes rooms that hold messages or chat content
    #[arg(long)]
    pub allow_destroy: bool,
    /// Write it even though it changes more of a kind than the safety threshold allows
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// A configuration whose principals the script looks up (beside those the lists name)
    pub paths: Vec<PathBuf>,
    /// Write the script to this file instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Configuration files or directories
    #[arg(required_unless_present = "from_store", conflicts_with = "from_store")]
    pub paths: Vec<PathBuf>,
    /// The store's live state instead (a server the tests stand in for)
    #[arg(long)]
    pub from_store: bool,
    #[arg(long, default_value = "2026-01-01T00:00:00Z")]
    pub collected_at: String,
    #[arg(long, default_value = "pchat")]
    pub server: String,
}

pub fn run(cmd: &LiveCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        LiveCommand::Script(a) => {
            let mut principals = Vec::new();
            if !a.paths.is_empty() {
                match crate::config::load(&a.paths) {
                    Ok(l) => principals.extend(
                        l.state
                            .principals
                            .values()
                            .map(|p| p.identity().to_string()),
                    ),
                    Err(e) => return ctx.config_failed(out, &e),
                }
            }
            ctx.write_out(out, a.out.as_deref(), live::script::collect(&principals))
        }
        LiveCommand::ApplyScript(a) => match super::reconcile::replan(ctx, out, &a.plan) {
            Ok(planned) => {
                // The server has no transaction to undo a removal: what `apply` refuses, the
                // script is not written for.
                let refused = planned.unconsented(a.allow_destroy, a.force);
                if !refused.is_empty() {
                    refused.iter().for_each(|r| _ = ctx.fail(out, r));
                    return ctx.refuse(
                        out,
                        "no script written: pass --allow-destroy (history) or --force \
                         (threshold) if that is meant; a protected object is never removed",
                    );
                }
                ctx.write_out(
                    out,
                    a.out.as_deref(),
                    crate::render::powershell::script(&planned.plan),
                )
            }
            Err(o) => o,
        },
        LiveCommand::Load(a) => {
            let (state, digest) = match read_snapshot(ctx, out, &a.file) {
                Ok(x) => x,
                Err(o) => return o,
            };
            let actor = crate::apply::actor_or_user(a.actor.as_deref());
            let result = ctx.session().with(async |store| {
                let done = live::load::load(store, &state, a.allow_destroy, &digest, &actor).await;
                Ok::<_, crate::store::StoreError>(done)
            });
            match result {
                Ok(Ok(l)) => {
                    out.stdout.push_str(&format!(
                        "Loaded {}: {} created, {} changed, {} removed (store revision {})\n",
                        a.file.display(),
                        l.created,
                        l.updated,
                        l.removed,
                        l.revision
                    ));
                    Outcome::Success
                }
                Ok(Err(e)) => {
                    let refusal = e.is_refusal();
                    let outcome = ctx.failed(out, &e, refusal);
                    if matches!(e, live::load::LoadError::WouldDestroy(_)) {
                        out.stderr.push_str(&format!(
                            "  {}: if those rooms are gone from the server, pass --allow-destroy\n",
                            ctx.stderr_style.bold("help")
                        ));
                    }
                    outcome
                }
                Err(e) => store_cmd::store_failed(ctx, out, &e),
            }
        }
        LiveCommand::Snapshot(a) => {
            let state = if a.from_store {
                match ctx.session().read_state() {
                    Ok(s) => s,
                    Err(e) => return store_cmd::store_failed(ctx, out, &e),
                }
            } else {
                match crate::config::load(&a.paths) {
                    Ok(l) => l.state,
                    Err(e) => return ctx.config_failed(out, &e),
                }
            };
            let snapshot = live::of_state(&state, &a.collected_at, &a.server);
            let mut text = serde_json::to_string_pretty(&snapshot).expect("a snapshot serializes");
            text.push('\n');
            out.stdout.push_str(&text);
            Outcome::Success
        }
    }
}
