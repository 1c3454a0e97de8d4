//! `pchat policy get|new|set|remove|grant`: Get/New/Set/Remove/Grant-CsPersistentChatPolicy.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List policies (Get-CsPersistentChatPolicy)
    Get(GetArgs),
    /// Create a site or tag policy (New-CsPersistentChatPolicy)
    New(NewArgs),
    /// Change a policy (Set-CsPersistentChatPolicy)
    Set(SetArgs),
    /// Remove a policy; the global one is reset (Remove-CsPersistentChatPolicy)
    Remove(RemoveArgs),
    /// Assign a tag policy to a user, or take it away (Grant-CsPersistentChatPolicy)
    Grant(GrantArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[arg(long, value_parser = args::scope)]
    pub identity: Option<Scope>,
    /// Identities matching this pattern (`tag:*`)
    #[arg(long)]
    pub filter: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// `site:NAME` or `tag:NAME`
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
    #[arg(long, default_value_t = false)]
    pub enable_persistent_chat: bool,
    #[arg(long, default_value = "")]
    pub description: String,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
    #[arg(long)]
    pub enable_persistent_chat: Option<bool>,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
    /// Remove a tag policy even if it is granted (the grants go too)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The user's SIP URI
    #[arg(long)]
    pub identity: String,
    /// The tag policy's name (without `tag:`); `$null` removes the assignment
    #[arg(long)]
    pub policy_name: String,
}

pub fn run(cmd: &PolicyCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        PolicyCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&PersistentChatPolicy> = state
                .policies
                .iter()
                .filter(|(id, _)| {
                    a.identity.as_ref().is_none_or(|i| i == *id)
                        && a.filter
                            .as_ref()
                            .is_none_or(|f| store_cmd::wildcard(f, &id.to_string()))
                })
                .map(|(_, x)| x)
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Identity", &|p: &PersistentChatPolicy| {
                        p.identity.to_string()
                    }),
                    ("EnablePersistentChat", &|p: &PersistentChatPolicy| {
                        p.enable_persistent_chat.to_string()
                    }),
                    ("Description", &|p: &PersistentChatPolicy| {
                        p.description.clone()
                    }),
                ],
            );
            Outcome::Success
        }
        PolicyCommand::New(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::NewPolicy {
                identity: a.identity.clone(),
                enable_persistent_chat: a.enable_persistent_chat,
                description: a.description.clone(),
            },
        ),
        PolicyCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetPolicy {
                identity: a.identity.clone(),
                enable_persistent_chat: a.enable_persistent_chat,
                description: a.description.clone(),
            },
        ),
        PolicyCommand::Remove(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::RemovePolicy {
                identity: a.identity.clone(),
                force: a.force,
            },
        ),
        PolicyCommand::Grant(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::GrantPolicy {
                user: a.identity.clone(),
                policy_name: (!args::is_null(&a.policy_name)).then(|| a.policy_name.clone()),
            },
        ),
    }
}
