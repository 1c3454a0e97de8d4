//! `pchat addin get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatAddin.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum AddinCommand {
    /// List add-ins (Get-CsPersistentChatAddin)
    Get(GetArgs),
    /// Create an add-in (New-CsPersistentChatAddin)
    New(NewArgs),
    /// Change an add-in's URL (Set-CsPersistentChatAddin)
    Set(SetArgs),
    /// Remove an add-in (Remove-CsPersistentChatAddin); --force detaches it from rooms
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: Option<ObjectId>,
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long)]
    pub url: String,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
    /// Remove it even if rooms show it (they are detached)
    #[arg(long)]
    pub force: bool,
}

pub fn run(cmd: &AddinCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        AddinCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&Addin> = state
                .addins
                .iter()
                .filter(|(id, x)| {
                    a.identity.as_ref().is_none_or(|i| i == *id)
                        && a.filter
                            .as_ref()
                            .is_none_or(|f| store_cmd::wildcard(f, &x.name))
                        && a.persistent_chat_pool_fqdn
                            .as_ref()
                            .is_none_or(|p| p.eq_ignore_ascii_case(&id.pool))
                })
                .map(|(_, x)| x)
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Identity", &|x: &Addin| {
                        format!(
                            "{}\\{}",
                            x.persistent_chat_pool_fqdn.as_deref().unwrap_or_default(),
                            x.name
                        )
                    }),
                    ("Url", &|x: &Addin| x.url.clone()),
                ],
            );
            Outcome::Success
        }
        AddinCommand::New(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::NewAddin {
                pool: a.persistent_chat_pool_fqdn.clone(),
                name: a.name.clone(),
                url: a.url.clone(),
            },
        ),
        AddinCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetAddin {
                identity: a.identity.clone(),
                url: a.url.clone(),
            },
        ),
        AddinCommand::Remove(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::RemoveAddin {
                identity: a.identity.clone(),
                force: a.force,
            },
        ),
    }
}
