//! `pchat principal import|get|eligible|policy`: the directory (Get-CsAdPrincipal), who may be
//! on a category's or room's lists (Get-CsPersistentChatEligiblePrincipal), and each user's
//! effective Persistent Chat policy.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::model::query::{self, Eligible};

#[derive(Debug, Subcommand)]
pub enum PrincipalCommand {
    /// Load users, groups and OUs from a .csv, .ldif or .yaml file (existing ones are replaced)
    Import(ImportArgs),
    /// Find directory principals (Get-CsAdPrincipal)
    Get(GetArgs),
    /// Who may be on a category's or room's lists, groups and OUs expanded
    /// (Get-CsPersistentChatEligiblePrincipal)
    Eligible(EligibleArgs),
    /// Each user's effective Persistent Chat policy: grant, else site, else global
    Policy(PolicyArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// A SIP URI or distinguished name
    #[arg(long)]
    pub identity: Option<String>,
    /// SIP URI, DN or display name matching this pattern (`*` and `?` wildcards), or
    /// comparisons of properties as the cmdlet takes them: `SipAddress -eq "sip:kim@…"`
    #[arg(long)]
    pub filter: Option<String>,
    /// Only principals under this organizational unit
    #[arg(long)]
    pub ou: Option<String>,
    #[command(flatten)]
    pub listing: Listing,
}

/// How many of what a directory query finds are listed, and how.
#[derive(Debug, Args)]
pub struct Listing {
    /// At most this many results
    #[arg(long)]
    pub result_size: Option<usize>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct EligibleArgs {
    /// The category: its name (in the only pool, or `--persistent-chat-pool-fqdn`'s) or
    /// `POOL_FQDN\NAME`
    #[arg(long, required_unless_present = "room", conflicts_with = "room")]
    pub category: Option<String>,
    /// The room, by name or `POOL_FQDN\NAME` (its category decides)
    #[arg(long)]
    pub room: Option<String>,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The users who may present in the room (an Auditorium room) rather than be members
    #[arg(long, requires = "room", value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub presenters: bool,
    /// Only users whose SIP address matches this pattern (`*smith*`)
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub listing: Listing,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// One user's SIP URI
    #[arg(long)]
    pub identity: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

use query::User;

pub fn run(cmd: &PrincipalCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        PrincipalCommand::Import(a) => import(a, ctx, out),
        PrincipalCommand::Get(a) => store_cmd::get(
            ctx,
            out,
            a.listing.format,
            a.filter.as_deref(),
            store_cmd::named(&a.identity),
            |state| {
                let (identity, filter, size) = (
                    a.identity.as_deref(),
                    a.filter.as_deref(),
                    a.listing.result_size,
                );
                query::principals(state, identity, filter, a.ou.as_deref(), size)
            },
        ),
        PrincipalCommand::Eligible(a) => store_cmd::with_state(ctx, out, |state, out| {
            let of = match (&a.category, &a.room) {
                (Some(c), _) => Eligible::Category(c),
                (_, Some(r)) if a.presenters => Eligible::Presenters(r),
                (_, Some(r)) => Eligible::Room(r),
                (None, None) => unreachable!("clap requires one of them"),
            };
            let pool = a.persistent_chat_pool_fqdn.as_deref();
            let size = a.listing.result_size;
            let users = query::eligible(state, of, pool, a.filter.as_deref(), size);
            let rows = match users {
                Ok(users) => users,
                Err(why) => return ctx.fail(out, why),
            };
            let name = |r: &User| r.display_name.clone().unwrap_or_default();
            print_users(out, a.listing.format, &rows, &[("DisplayName", &name)])
        }),
        PrincipalCommand::Policy(a) => store_cmd::with_state(ctx, out, |state, out| {
            let rows = query::effective_policies(state, a.identity.as_deref());
            let policy = |r: &User| r.policy.clone().unwrap_or_default();
            let enabled = |r: &User| r.enable_persistent_chat.unwrap_or_default().to_string();
            print_users(
                out,
                a.format,
                &rows,
                &[("Policy", &policy), ("EnablePersistentChat", &enabled)],
            )
        }),
    }
}

/// Users as a table of their SIP address (their identity here) and `columns`, or as JSON/YAML.
fn print_users(
    out: &mut Output,
    format: GetFormat,
    rows: &[User],
    columns: &[store_cmd::Column<'_, User>],
) -> Outcome {
    store_cmd::print(
        out,
        format,
        rows,
        &|r: &User| r.sip_address.clone(),
        columns,
    );
    Outcome::Success
}

fn import(a: &ImportArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let principals = match crate::config::directory::read(&a.file) {
        Ok(p) => p,
        Err(e) => return ctx.failed(out, &e, false),
    };
    let result = ctx
        .session()
        .with(async |store| crate::imperative::import_principals(store, &principals).await);
    match result {
        Ok(Ok(revision)) => {
            out.stdout.push_str(&format!(
                "imported {} (store revision {revision})\n",
                crate::plural(principals.len(), "principal")
            ));
            Outcome::Success
        }
        Ok(Err(refusal)) => ctx.fail(
            out,
            format_args!("{} was not imported:\n{refusal}", a.file.display()),
        ),
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}
