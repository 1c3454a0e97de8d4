//! `pchat data export|import`: Export-CsPersistentChatData and Import-CsPersistentChatData.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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

/// The cmdlets' `-DBInstance` and `-DBName`: the database to read or write.
#[derive(Debug, Args)]
pub struct Database {
    /// The store to use for this command (`sqlite://…`, `postgres://…`); a SQL Server instance
    /// (`atl-sql-001.litwareinc.com\rtc`) is noted and pchat's own store is used
    #[arg(long)]
    pub db_instance: Option<String>,
    /// Accepted for the cmdlet's sake; pchat's store holds one database
    #[arg(long)]
    pub db_name: Option<String>,
}

impl Database {
    /// The store this command uses, and a note when the cmdlet's value cannot name one.
    fn store(&self, ctx: &Context) -> (crate::store::StoreUrl, Option<String>) {
        let (instance, name) = (self.db_instance.as_deref(), self.db_name.as_deref());
        data::database(instance, name, &ctx.store)
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The archive to write (the cmdlet's -FileName)
    #[arg(long = "file-name", visible_alias = "file", value_parser = crate::files::local_path)]
    pub file: PathBuf,
    #[command(flatten)]
    pub database: Database,
    /// All, User, Category, RoomDirectory or Content
    #[arg(long, value_parser = str::parse::<Level>, default_value = "All")]
    pub level: Level,
    /// Only these categories (name or `POOL\NAME`), with their rooms and messages
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub scope: Vec<String>,
    /// Only messages posted on or after this date (UTC)
    #[arg(long)]
    pub start_date: Option<String>,
    /// Disable the exported rooms afterwards
    #[arg(long, value_parser = super::args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub disable_exported_nodes: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The archive to read (the cmdlet's -FileName)
    #[arg(long = "file-name", visible_alias = "file", value_parser = crate::files::local_path)]
    pub file: PathBuf,
    #[command(flatten)]
    pub database: Database,
    /// Overwrite objects that already exist
    #[arg(long)]
    pub force: bool,
    /// Accept entries that inflate more than 100:1 (a zip bomb's mark) from a trusted archive
    #[arg(long)]
    pub allow_ratio: bool,
}

fn failed(ctx: &Context, out: &mut Output, e: &DataError) -> Outcome {
    ctx.error(out, e);
    match e {
        DataError::Store(s) if s.is_refusal() => Outcome::Refused,
        _ => Outcome::Failed,
    }
}

/// The session on the store the command's `--db-instance` names, or the context's.
fn session(ctx: &Context, url: &crate::store::StoreUrl) -> crate::session::Session {
    let origin = if *url == ctx.store {
        ctx.store_origin
    } else {
        "given by --db-instance"
    };
    ctx.session().on(url, origin)
}

pub fn run(cmd: &DataCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let database = match cmd {
        DataCommand::Export(a) => &a.database,
        DataCommand::Import(a) => &a.database,
    };
    let (url, note) = database.store(ctx);
    if let Some(note) = note {
        out.stderr
            .push_str(&format!("{}: {note}\n", ctx.stderr_style.bold("note")));
    }
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
                    return ctx.fail(out, e);
                }
            };
            let opts = ExportOptions {
                level: a.level,
                scope: a.scope.clone(),
                start_date,
                disable_exported_nodes: a.disable_exported_nodes,
            };
            let result = session(ctx, &url).with(async |store| data::export(store, &opts).await);
            match result {
                Ok(bytes) => {
                    if let Err(e) = crate::files::write_private(&a.file, &bytes) {
                        return ctx
                            .fail(out, format_args!("cannot write {}: {e}", a.file.display()));
                    }
                    // The date as understood (`1/3/2018` is January 3rd).
                    let since = start_date
                        .map(|t| {
                            let text = crate::model::message::format_time(t);
                            format!(
                                ", messages posted on or after {}",
                                text.strip_suffix("T00:00:00Z").unwrap_or(&text)
                            )
                        })
                        .unwrap_or_default();
                    out.stdout.push_str(&format!(
                        "Export-CsPersistentChatData: wrote {} ({} bytes{since})\n",
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
                    return ctx.fail(out, format_args!("cannot read {}: {e}", a.file.display()));
                }
            };
            let limits = data::ArchiveLimits {
                ratio: (!a.allow_ratio).then_some(100),
                ..Default::default()
            };
            let result = session(ctx, &url).with(async |store| {
                data::import(store, &bytes, a.force, limits, &ctx.progress).await
            });
            match result {
                Ok(s) => {
                    out.stdout
                        .push_str(&format!("Import-CsPersistentChatData: {s}\n"));
                    Outcome::Success
                }
                Err(e) => failed(ctx, out, &e),
            }
        }
    }
}
