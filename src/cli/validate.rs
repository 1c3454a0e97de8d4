//! `pchat validate PATH…`

use super::{Context, Format, Outcome, Output};
use crate::config::{self, ConfigError};
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
            declared = diagnostics::declared(&loaded.state);
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
