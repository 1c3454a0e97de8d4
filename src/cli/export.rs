//! `pchat export` (the live store as YAML that plans to zero changes) and `pchat adopt` (take
//! live objects that the configuration declares under management).

use std::path::PathBuf;

use clap::Args;

use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::config;
use crate::export;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write one file per kind (and the schema) into this directory instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Configuration files or directories
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn export(a: &ExportArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let state = match ctx
        .session()
        .with(async |store| export::exported(store).await)
    {
        Ok(state) => state,
        Err(e) => return store_cmd::store_failed(ctx, out, &e),
    };
    let doc = state.to_document();
    let Some(dir) = &a.out else {
        out.stdout.push_str(&config::yaml::to_string(&doc));
        return Outcome::Success;
    };
    let files = export::files(&doc);
    let result = std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        .and_then(|()| {
            files.iter().try_for_each(|(name, text)| {
                let path = dir.join(name);
                crate::files::write_private(&path, text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            })
        });
    match result {
        Ok(()) => {
            out.stdout.push_str(&format!(
                "exported the live store to {} ({})\n",
                dir.display(),
                // The schema is written beside the kinds' files.
                crate::plural(files.len() - 1, "file")
            ));
            Outcome::Success
        }
        Err(why) => ctx.fail(out, why),
    }
}

pub fn adopt(a: &AdoptArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let desired = match config::load_with(&a.paths, &ctx.progress) {
        Ok(l) => l.state,
        Err(e) => return ctx.config_failed(out, &e),
    };
    match ctx
        .session()
        .with(async |store| export::adopt(store, &desired).await)
    {
        Ok((n, revision)) => {
            out.stdout.push_str(&format!(
                "adopted {}: pchat now manages them (store revision {revision})\n",
                crate::plural(n, "object")
            ));
            Outcome::Success
        }
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}
