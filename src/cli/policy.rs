//! `pchat policy get|new|set|remove|grant`: Get/New/Set/Remove/Grant-CsPersistentChatPolicy.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List policies (Get-CsPersistentChatPolicy)
    Get(args::ScopedGet),
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
    let op = match cmd {
        PolicyCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.policies))
        }
        PolicyCommand::New(a) => Operation::NewPolicy {
            identity: a.identity.clone(),
            enable_persistent_chat: a.enable_persistent_chat,
            description: a.description.clone(),
        },
        PolicyCommand::Set(a) => Operation::SetPolicy {
            identity: a.identity.clone(),
            enable_persistent_chat: a.enable_persistent_chat,
            description: a.description.clone(),
        },
        PolicyCommand::Remove(a) => Operation::RemovePolicy {
            identity: a.identity.clone(),
            force: a.force,
        },
        PolicyCommand::Grant(a) => Operation::GrantPolicy {
            user: a.identity.clone(),
            policy_name: (!args::is_null(&a.policy_name)).then(|| a.policy_name.clone()),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}
