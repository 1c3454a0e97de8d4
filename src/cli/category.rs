//! `pchat category get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatCategory.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum CategoryCommand {
    /// List categories (Get-CsPersistentChatCategory)
    Get(args::PooledGet),
    /// Create a category (New-CsPersistentChatCategory)
    New(NewArgs),
    /// Change a category (Set-CsPersistentChatCategory)
    Set(SetArgs),
    /// Remove a category that has no rooms (Remove-CsPersistentChatCategory)
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long, default_value = "")]
    pub description: String,
    #[arg(long)]
    pub enable_file_upload: bool,
    #[arg(long)]
    pub enable_invitations: bool,
    /// Keep no chat history in the category's rooms
    #[arg(long)]
    pub remove_chat_history: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub invitations: Option<bool>,
    #[arg(long)]
    pub file_upload: Option<bool>,
    #[arg(long)]
    pub chat_history: Option<bool>,
    #[command(flatten)]
    pub allowed_members: args::AllowedMembers,
    #[command(flatten)]
    pub denied_members: args::DeniedMembers,
    #[command(flatten)]
    pub creators: args::Creators,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
}

pub fn run(cmd: &CategoryCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        CategoryCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.categories))
        }
        CategoryCommand::New(a) => Operation::NewCategory {
            pool: a.persistent_chat_pool_fqdn.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            enable_invitations: a.enable_invitations,
            enable_file_upload: a.enable_file_upload,
            remove_chat_history: a.remove_chat_history,
        },
        CategoryCommand::Set(a) => Operation::SetCategory {
            identity: a.identity.clone(),
            description: a.description.clone(),
            invitations: a.invitations,
            file_upload: a.file_upload,
            chat_history: a.chat_history,
            allowed_members: a.allowed_members.change(),
            denied_members: a.denied_members.change(),
            creators: a.creators.change(),
        },
        CategoryCommand::Remove(a) => Operation::RemoveCategory {
            identity: a.identity.clone(),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}
