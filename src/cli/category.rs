//! `pchat category get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatCategory.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, joined, GetFormat};
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum CategoryCommand {
    /// List categories (Get-CsPersistentChatCategory)
    Get(GetArgs),
    /// Create a category (New-CsPersistentChatCategory)
    New(NewArgs),
    /// Change a category (Set-CsPersistentChatCategory)
    Set(SetArgs),
    /// Remove a category that has no rooms (Remove-CsPersistentChatCategory)
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: Option<ObjectId>,
    /// Categories whose name matches this pattern (`*` and `?` wildcards)
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
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub allowed_members: Option<Vec<String>>,
    #[arg(long)]
    pub allowed_members_add: Vec<String>,
    #[arg(long)]
    pub allowed_members_remove: Vec<String>,
    #[arg(long)]
    pub clear_allowed_members: bool,
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub denied_members: Option<Vec<String>>,
    #[arg(long)]
    pub denied_members_add: Vec<String>,
    #[arg(long)]
    pub denied_members_remove: Vec<String>,
    #[arg(long)]
    pub clear_denied_members: bool,
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub creators: Option<Vec<String>>,
    #[arg(long)]
    pub creators_add: Vec<String>,
    #[arg(long)]
    pub creators_remove: Vec<String>,
    #[arg(long)]
    pub clear_creators: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
}

pub fn run(cmd: &CategoryCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        CategoryCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&Category> = state
                .categories
                .iter()
                .filter(|(id, c)| {
                    a.identity.as_ref().is_none_or(|i| i == *id)
                        && a.filter
                            .as_ref()
                            .is_none_or(|f| store_cmd::wildcard(f, &c.name))
                        && a.persistent_chat_pool_fqdn
                            .as_ref()
                            .is_none_or(|p| p.eq_ignore_ascii_case(&id.pool))
                })
                .map(|(_, c)| c)
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Identity", &|c: &Category| {
                        format!(
                            "{}\\{}",
                            c.persistent_chat_pool_fqdn.as_deref().unwrap_or_default(),
                            c.name
                        )
                    }),
                    ("Invitations", &|c: &Category| c.invitations.to_string()),
                    ("FileUpload", &|c: &Category| c.file_upload.to_string()),
                    ("ChatHistory", &|c: &Category| c.chat_history.to_string()),
                    ("AllowedMembers", &|c: &Category| joined(&c.allowed_members)),
                    ("DeniedMembers", &|c: &Category| joined(&c.denied_members)),
                    ("Creators", &|c: &Category| joined(&c.creators)),
                ],
            );
            Outcome::Success
        }
        CategoryCommand::New(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::NewCategory {
                pool: a.persistent_chat_pool_fqdn.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                enable_invitations: a.enable_invitations,
                enable_file_upload: a.enable_file_upload,
                remove_chat_history: a.remove_chat_history,
            },
        ),
        CategoryCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetCategory {
                identity: a.identity.clone(),
                description: a.description.clone(),
                invitations: a.invitations,
                file_upload: a.file_upload,
                chat_history: a.chat_history,
                allowed_members: args::list_change(
                    &a.allowed_members,
                    &a.allowed_members_add,
                    &a.allowed_members_remove,
                    a.clear_allowed_members,
                ),
                denied_members: args::list_change(
                    &a.denied_members,
                    &a.denied_members_add,
                    &a.denied_members_remove,
                    a.clear_denied_members,
                ),
                creators: args::list_change(
                    &a.creators,
                    &a.creators_add,
                    &a.creators_remove,
                    a.clear_creators,
                ),
            },
        ),
        CategoryCommand::Remove(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::RemoveCategory {
                identity: a.identity.clone(),
            },
        ),
    }
}
