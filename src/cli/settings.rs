//! `pchat compliance …` and `pchat configuration …`: Get/New/Set/Remove of
//! CsPersistentChatComplianceConfiguration and CsPersistentChatConfiguration.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd;
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::{ComplianceParams, ConfigurationParams, Operation};

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// List compliance configurations (Get-CsPersistentChatComplianceConfiguration)
    Get(args::ScopedGet),
    /// Create one at site or service scope (New-CsPersistentChatComplianceConfiguration)
    New(ComplianceArgs),
    /// Change one (Set-CsPersistentChatComplianceConfiguration)
    Set(ComplianceArgs),
    /// Remove one; the global one is reset (Remove-CsPersistentChatComplianceConfiguration)
    Remove(ScopeArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigurationCommand {
    /// List configurations (Get-CsPersistentChatConfiguration)
    Get(args::ScopedGet),
    /// Create one at site or service scope (New-CsPersistentChatConfiguration)
    New(ConfigurationArgs),
    /// Change one (Set-CsPersistentChatConfiguration)
    Set(ConfigurationArgs),
    /// Remove one; the global one is reset (Remove-CsPersistentChatConfiguration)
    Remove(ScopeArgs),
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN`
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
}

#[derive(Debug, Args)]
pub struct ComplianceArgs {
    /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN`
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
    #[arg(long)]
    pub adapter_type: Option<String>,
    #[arg(long)]
    pub adapter_name: Option<String>,
    #[arg(long)]
    pub adapter_output_directory: Option<String>,
    /// `[d.]hh:mm:ss`, 1 minute to 30 days
    #[arg(long, value_parser = args::timespan)]
    pub run_interval: Option<TimeSpan>,
    #[arg(long)]
    pub one_chat_room_per_output_file: Option<bool>,
    #[arg(long)]
    pub add_chat_room_details: Option<bool>,
    #[arg(long)]
    pub add_user_details: Option<bool>,
    #[arg(long)]
    pub create_file_attachments_manifest: Option<bool>,
    #[arg(long)]
    pub custom_configuration: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConfigurationArgs {
    /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN`
    #[arg(long, value_parser = args::scope)]
    pub identity: Scope,
    /// 1 to 500
    #[arg(long)]
    pub default_chat_history: Option<u32>,
    #[arg(long)]
    pub participant_update_limit: Option<u32>,
    #[arg(long = "max-file-size-kb")]
    pub max_file_size_kb: Option<u32>,
    /// A URL; `$null` clears it
    #[arg(long)]
    pub room_management_url: Option<String>,
}

fn compliance_params(a: &ComplianceArgs) -> ComplianceParams {
    ComplianceParams {
        adapter_type: a.adapter_type.clone(),
        adapter_name: a.adapter_name.clone(),
        adapter_output_directory: a.adapter_output_directory.clone(),
        run_interval: a.run_interval,
        one_chat_room_per_output_file: a.one_chat_room_per_output_file,
        add_chat_room_details: a.add_chat_room_details,
        add_user_details: a.add_user_details,
        create_file_attachments_manifest: a.create_file_attachments_manifest,
        custom_configuration: a.custom_configuration.clone(),
    }
}

fn configuration_params(a: &ConfigurationArgs) -> ConfigurationParams {
    ConfigurationParams {
        default_chat_history: a.default_chat_history,
        participant_update_limit: a.participant_update_limit,
        max_file_size_kb: a.max_file_size_kb,
        room_management_url: a
            .room_management_url
            .as_ref()
            .map(|u| (!args::is_null(u)).then(|| u.clone())),
    }
}

pub fn run_compliance(cmd: &ComplianceCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        ComplianceCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.compliance_configurations))
        }
        ComplianceCommand::New(a) => Operation::NewComplianceConfiguration {
            identity: a.identity.clone(),
            params: compliance_params(a),
        },
        ComplianceCommand::Set(a) => Operation::SetComplianceConfiguration {
            identity: a.identity.clone(),
            params: compliance_params(a),
        },
        ComplianceCommand::Remove(a) => Operation::RemoveComplianceConfiguration {
            identity: a.identity.clone(),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}

pub fn run_configuration(cmd: &ConfigurationCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        ConfigurationCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.configurations))
        }
        ConfigurationCommand::New(a) => Operation::NewConfiguration {
            identity: a.identity.clone(),
            params: configuration_params(a),
        },
        ConfigurationCommand::Set(a) => Operation::SetConfiguration {
            identity: a.identity.clone(),
            params: configuration_params(a),
        },
        ConfigurationCommand::Remove(a) => Operation::RemoveConfiguration {
            identity: a.identity.clone(),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}
