//! `pchat schema [--out FILE]`

use std::path::PathBuf;

use super::{Context, Outcome, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the schema to this file instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The schema of saved plans (`plan --format json`) instead of configuration files
    #[arg(long)]
    pub plan: bool,
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let schema = if args.plan {
        crate::render::json::schema()
    } else {
        crate::schema::generate()
    };
    match &args.out {
        None => out.stdout.push_str(&schema),
        Some(path) => {
            if let Err(e) = std::fs::write(path, schema) {
                ctx.error(
                    out,
                    &WriteError {
                        path: path.clone(),
                        source: e,
                    },
                );
                return Outcome::Failed;
            }
        }
    }
    Outcome::Success
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub(super) struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}
