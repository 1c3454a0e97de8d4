//! `pchat schema [--plan | --live] [--out FILE]`

use std::path::PathBuf;

use super::{Context, Outcome, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the schema to this file instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The schema of saved plans (`plan --format json`) instead of configuration files
    #[arg(long, conflicts_with = "live")]
    pub plan: bool,
    /// The schema of live snapshots (collect.ps1's JSON)
    #[arg(long)]
    pub live: bool,
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let schema = if args.plan {
        crate::render::json::schema()
    } else if args.live {
        crate::live::schema()
    } else {
        crate::schema::generate()
    };
    ctx.write_out(out, args.out.as_deref(), schema)
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub(super) struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}
