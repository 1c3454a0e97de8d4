//! `pchat validate PATH…`

use super::{Context, Format, Outcome, Output};
use crate::config::{self, ConfigError};
use crate::model::{DesiredState, Kind, ObjectId};
use crate::render::diagnostics;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Configuration files or directories (read recursively, in sorted order)
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// What a valid configuration declares: counts per kind, then per pool.
fn understood(state: &DesiredState) -> String {
    let counts = |of: &dyn Fn(Kind) -> usize| -> String {
        Kind::ALL
            .into_iter()
            .filter(|k| of(*k) > 0)
            .map(|k| k.count_of(of(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!("declared: {}\n", counts(&|k| state.count(k)));
    for pool in state.pools.values() {
        let in_pool = |k: Kind| -> usize {
            let here = |id: &ObjectId| id.pool.eq_ignore_ascii_case(&pool.fqdn);
            match k {
                Kind::Category => state.categories.keys().filter(|id| here(id)).count(),
                Kind::Addin => state.addins.keys().filter(|id| here(id)).count(),
                Kind::Room => state.rooms.keys().filter(|id| here(id)).count(),
                _ => 0,
            }
        };
        let here = counts(&in_pool);
        if !here.is_empty() {
            out.push_str(&format!("  {}: {here}\n", pool.fqdn));
        }
    }
    out
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let mut declared = String::new();
    let (report, outcome) = match config::load_with(&args.paths, &ctx.progress) {
        Ok(loaded) => {
            tracing::info!(
                files = loaded.report.files.len(),
                rooms = loaded.state.rooms.len(),
                warnings = loaded.report.warnings(),
                "configuration loaded"
            );
            declared = understood(&loaded.state);
            (loaded.report, Outcome::Success)
        }
        Err(ConfigError::Invalid(report)) => (report, Outcome::Failed),
        Err(e) => return ctx.failed(out, &e, false),
    };
    if ctx.json_logs {
        super::log_diagnostics(&report);
    }
    out.stdout.push_str(&match args.format {
        Format::Text => diagnostics::text(&report, ctx.stdout_style) + &declared,
        Format::Json => diagnostics::json(&report),
    });
    outcome
}
