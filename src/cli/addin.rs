//! `pchat addin get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatAddin.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum AddinCommand {
    /// List add-ins (Get-CsPersistentChatAddin)
    Get(args::PooledGet),
    /// Create an add-in (New-CsPersistentChatAddin)
    New(NewArgs),
    /// Change an add-in's URL (Set-CsPersistentChatAddin)
    Set(SetArgs),
    /// Remove an add-in (Remove-CsPersistentChatAddin); --force detaches it from rooms
    Remove(RemoveArgs),
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
    let op = match cmd {
        AddinCommand::Get(a) => return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.addins)),
        AddinCommand::New(a) => Operation::NewAddin {
            pool: a.persistent_chat_pool_fqdn.clone(),
            name: a.name.clone(),
            url: a.url.clone(),
        },
        AddinCommand::Set(a) => Operation::SetAddin {
            identity: a.identity.clone(),
            url: a.url.clone(),
        },
        AddinCommand::Remove(a) => Operation::RemoveAddin {
            identity: a.identity.clone(),
            force: a.force,
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}
