//! `pchat export` (the live store as YAML that plans to zero changes) and `pchat adopt` (take
//! live objects that the configuration declares under management).

use std::path::PathBuf;

use clap::Args;

use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::config::{self, ConfigError};
use crate::model::Kind;
use crate::store::StoreError;

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

const MODELINE: &str = "# yaml-language-server: $schema=pchat.schema.json\n";

pub fn export(a: &ExportArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let read = store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
        let (state, _) = store.snapshot().await?;
        let mut tx = store.read().await?;
        let owned = tx.ownership().await?;
        tx.finish().await?;
        store.close().await;
        Ok::<_, StoreError>((state, owned))
    });
    let state = match read {
        Ok((mut state, owned)) => {
            // Protection is desired state: an export that dropped it would unprotect on apply.
            let protected = owned
                .into_iter()
                .filter_map(|(key, protect)| protect.then_some(key))
                .collect();
            state.mark_protected(&protected);
            state
        }
        Err(e) => return store_cmd::store_failed(ctx, out, &e),
    };
    let doc = state.to_document();
    let Some(dir) = &a.out else {
        out.stdout.push_str(&config::yaml::to_string(&doc));
        return Outcome::Success;
    };
    let write = |path: PathBuf, text: &str| {
        crate::files::write_private(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let mut written = 0;
    let result = std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        .and_then(|()| write(dir.join("pchat.schema.json"), &crate::schema::generate()))
        .and_then(|()| {
            for kind in Kind::ALL {
                let part = doc.only(kind);
                if part.len_of(kind) == 0 {
                    continue;
                }
                write(
                    dir.join(format!("{}.yaml", kind.key())),
                    &format!("{MODELINE}{}", config::yaml::to_string(&part)),
                )?;
                written += 1;
            }
            Ok(())
        });
    match result {
        Ok(()) => {
            out.stdout.push_str(&format!(
                "exported the live store to {} ({})\n",
                dir.display(),
                crate::plural(written, "file")
            ));
            Outcome::Success
        }
        Err(why) => {
            out.stderr
                .push_str(&format!("{}: {why}\n", ctx.stderr_style.red("error")));
            Outcome::Failed
        }
    }
}

pub fn adopt(a: &AdoptArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let desired = match config::load_with(&a.paths, &ctx.progress) {
        Ok(l) => l.state,
        Err(ConfigError::Invalid(report)) => {
            out.stderr
                .push_str(&crate::render::diagnostics::text(&report, ctx.stderr_style));
            return Outcome::Failed;
        }
        Err(e) => return ctx.failed(out, &e, false),
    };
    let result = store_cmd::block_on(async {
        let store = store_cmd::open(ctx).await?;
        let mut tx = store.write().await?;
        let live = tx.read_state().await?;
        let revision = tx.revision().await? + 1;
        use crate::model::identity::fold;
        // Recorded as the store spells each object (the configuration may spell it otherwise).
        let present: std::collections::HashMap<(Kind, String), String> =
            crate::plan::identities(&live)
                .into_iter()
                .map(|(k, id)| ((k, fold(&id)), id))
                .collect();
        let protected = crate::apply::protected_set(&desired);
        let mut adopted = 0;
        for (kind, id) in crate::plan::identities(&desired) {
            let key = (kind, fold(&id));
            if let Some(stored) = present.get(&key) {
                tx.set_managed(kind, stored, protected.contains(&key), revision)
                    .await?;
                adopted += 1;
            }
        }
        let r = tx.commit_write().await?;
        store.close().await;
        Ok::<_, StoreError>((adopted, r))
    });
    match result {
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
