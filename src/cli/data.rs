//! `pchat data export|import`: Export-CsPersistentChatData and Import-CsPersistentChatData.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::data::{self, DataError, ExportOptions, Level};
use crate::model::message::{parse_time, DayEnd};

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Write the store's data to a zip archive (Export-CsPersistentChatData)
    Export(ExportArgs),
    /// Read an archive into the store (Import-CsPersistentChatData)
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub file: PathBuf,
    /// All, User, Category, RoomDirectory or Content
    #[arg(long, value_parser = level, default_value = "All")]
    pub level: Level,
    /// Only these categories (name or `POOL\NAME`), with their rooms and messages
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub scope: Vec<String>,
    /// Only messages posted on or after this date (UTC)
    #[arg(long)]
    pub start_date: Option<String>,
    /// Disable the exported rooms afterwards
    #[arg(long)]
    pub disable_exported_nodes: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long)]
    pub file: PathBuf,
    /// Overwrite objects that already exist
    #[arg(long)]
    pub force: bool,
    /// Accept entries that inflate more than 100:1 (a zip bomb's mark) from a trusted archive
    #[arg(long)]
    pub allow_ratio: bool,
}

fn level(s: &str) -> Result<Level, String> {
    match s.to_ascii_lowercase().as_str() {
        "all" => Ok(Level::All),
        "user" => Ok(Level::User),
        "category" => Ok(Level::Category),
        "roomdirectory" => Ok(Level::RoomDirectory),
        "content" => Ok(Level::Content),
        _ => Err("expected one of All, User, Category, RoomDirectory, Content".into()),
    }
}

fn failed(ctx: &Context, out: &mut Output, e: &DataError) -> Outcome {
    ctx.error(out, e);
    match e {
        DataError::Store(s) if s.is_refusal() => Outcome::Refused,
        _ => Outcome::Failed,
    }
}

pub fn run(cmd: &DataCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        DataCommand::Export(a) => {
            let start_date = match a
                .start_date
                .as_deref()
                .map(|d| parse_time(d, DayEnd::Start))
                .transpose()
            {
                Ok(t) => t,
                Err(e) => {
                    out.stderr
                        .push_str(&format!("{}: {e}\n", ctx.stderr_style.red("error")));
                    return Outcome::Failed;
                }
            };
            let opts = ExportOptions {
                level: a.level,
                scope: a.scope.clone(),
                start_date,
                disable_exported_nodes: a.disable_exported_nodes,
            };
            let result = store_cmd::block_on(async {
                let store = store_cmd::open(ctx).await?;
                let bytes = data::export(&store, &opts).await;
                store.close().await;
                bytes
            });
            match result {
                Ok(bytes) => {
                    if let Err(e) = crate::files::write_private(&a.file, &bytes) {
                        out.stderr.push_str(&format!(
                            "{}: cannot write {}: {e}\n",
                            ctx.stderr_style.red("error"),
                            a.file.display()
                        ));
                        return Outcome::Failed;
                    }
                    out.stdout.push_str(&format!(
                        "Export-CsPersistentChatData: wrote {} ({} bytes)\n",
                        a.file.display(),
                        bytes.len()
                    ));
                    Outcome::Success
                }
                Err(e) => failed(ctx, out, &e),
            }
        }
        DataCommand::Import(a) => {
            let bytes = match crate::files::read_bytes(&a.file, crate::files::max_file_size()) {
                Ok(b) => b,
                Err(e) => {
                    out.stderr.push_str(&format!(
                        "{}: cannot read {}: {e}\n",
                        ctx.stderr_style.red("error"),
                        a.file.display()
                    ));
                    return Outcome::Failed;
                }
            };
            let limits = data::ArchiveLimits {
                ratio: (!a.allow_ratio).then_some(100),
                ..Default::default()
            };
            let result = store_cmd::block_on(async {
                let store = store_cmd::open(ctx).await?;
                let done = data::import(&store, &bytes, a.force, limits, &ctx.progress).await;
                store.close().await;
                done
            });
            match result {
                Ok(s) => {
                    out.stdout.push_str(&format!(
                        "Import-CsPersistentChatData: imported {} and {} (store revision {})\n",
                        crate::plural(s.objects, "object"),
                        crate::plural(s.messages, "message"),
                        s.revision
                    ));
                    Outcome::Success
                }
                Err(e) => failed(ctx, out, &e),
            }
        }
    }
}
