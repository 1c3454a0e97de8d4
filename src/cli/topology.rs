//! Pool-level commands: `endpoint get|new|remove`, `state get|set`, `active-server get|set`
//! (the cmdlets of those names), and `pool add|get`: pools are topology, which the service's
//! Topology Builder owns, so pchat offers a plain way to declare them in a store.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::model::*;
use crate::ops::Operation;

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// List endpoints (Get-CsPersistentChatEndpoint)
    Get(EndpointGetArgs),
    /// Create an endpoint (New-CsPersistentChatEndpoint)
    New(EndpointNewArgs),
    /// Remove an endpoint (Remove-CsPersistentChatEndpoint); there is no Set: remove and re-create
    Remove(EndpointRemoveArgs),
}

#[derive(Debug, Args)]
pub struct EndpointGetArgs {
    /// The endpoint's SIP address
    #[arg(long)]
    pub identity: Option<String>,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct EndpointNewArgs {
    #[arg(long)]
    pub sip_address: String,
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    #[arg(long)]
    pub display_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct EndpointRemoveArgs {
    /// The endpoint's SIP address
    #[arg(long)]
    pub identity: String,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Show pool states (Get-CsPersistentChatState)
    Get(args::ServiceGet),
    /// Fail a pool over to its backup databases or back (Set-CsPersistentChatState)
    Set(StateSetArgs),
}

#[derive(Debug, Args)]
pub struct StateSetArgs {
    #[arg(long, value_parser = args::service_id)]
    pub identity: ServiceId,
    /// Normal or FailedOver
    #[arg(long, value_parser = args::pool_state)]
    pub pool_state: PoolState,
}

#[derive(Debug, Subcommand)]
pub enum ActiveServerCommand {
    /// Show each pool's active servers
    Get(args::ServiceGet),
    /// Choose which servers accept new connections (Set-CsPersistentChatActiveServer)
    Set(ActiveSetArgs),
}

#[derive(Debug, Args)]
pub struct ActiveSetArgs {
    #[arg(long, value_parser = args::service_id)]
    pub identity: ServiceId,
    #[command(flatten)]
    pub active_servers: args::ActiveServerList,
    /// Make the active servers inactive and the inactive ones active
    #[arg(long)]
    pub swap: bool,
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// List the pools the store knows
    Get(PoolGetArgs),
    /// Add a pool (its state starts Normal with every server active)
    Add(PoolAddArgs),
}

#[derive(Debug, Args)]
pub struct PoolGetArgs {
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct PoolAddArgs {
    #[arg(long)]
    pub fqdn: String,
    #[arg(long)]
    pub site: Option<String>,
    /// The pool's servers
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub servers: Vec<String>,
}

pub fn run_endpoint(cmd: &EndpointCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        EndpointCommand::Get(a) => {
            let same = |want: &Option<String>, have: Option<&String>| {
                want.as_ref()
                    .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
            };
            return store_cmd::get(ctx, out, a.format, |s| {
                s.endpoints
                    .values()
                    .filter(|e| {
                        same(&a.identity, Some(&e.sip_address))
                            && same(
                                &a.persistent_chat_pool_fqdn,
                                e.persistent_chat_pool_fqdn.as_ref(),
                            )
                    })
                    .collect()
            });
        }
        EndpointCommand::New(a) => Operation::NewEndpoint {
            sip_address: a.sip_address.clone(),
            pool: a.persistent_chat_pool_fqdn.clone(),
            display_name: a.display_name.clone(),
        },
        EndpointCommand::Remove(a) => Operation::RemoveEndpoint {
            sip_address: a.identity.clone(),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}

pub fn run_state(cmd: &StateCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        StateCommand::Get(a) => return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.states)),
        StateCommand::Set(a) => Operation::SetState {
            identity: a.identity.clone(),
            pool_state: a.pool_state,
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}

pub fn run_active_server(cmd: &ActiveServerCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        ActiveServerCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.format, |s| a.pick(&s.active_servers))
        }
        ActiveServerCommand::Set(a) => Operation::SetActiveServer {
            identity: a.identity.clone(),
            active_servers: a.active_servers.change(),
            swap: a.swap,
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}

pub fn run_pool(cmd: &PoolCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        PoolCommand::Get(a) => store_cmd::get(ctx, out, a.format, |s| s.pools.values().collect()),
        PoolCommand::Add(a) => {
            let pool = Pool {
                fqdn: a.fqdn.clone(),
                site: a.site.clone(),
                servers: a.servers.clone(),
            };
            let result = store_cmd::block_on(async {
                let store = store_cmd::open(ctx).await?;
                let mut tx = store.write().await?;
                let state = tx.read_state().await?;
                let mut after = state.clone();
                after
                    .pools
                    .insert(pool.fqdn.to_ascii_lowercase(), pool.clone());
                let exists = state.declared_pool(&pool.fqdn).is_some();
                let problems: Vec<_> = crate::model::rules::validate(&after)
                    .into_iter()
                    .filter(|v| v.kind == Kind::Pool && v.severity == Severity::Error)
                    .collect();
                if exists || !problems.is_empty() {
                    tx.finish().await?;
                    return Ok(Err(if exists {
                        format!("pool `{}` already exists", pool.fqdn)
                    } else {
                        problems
                            .iter()
                            .map(|v| v.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ")
                    }));
                }
                tx.insert_pools(std::slice::from_ref(&pool)).await?;
                let revision = tx.commit_write().await?;
                store.close().await;
                Ok::<_, crate::store::StoreError>(Ok(revision))
            });
            match result {
                Ok(Ok(revision)) => {
                    out.stdout.push_str(&format!(
                        "added pool `{}` (store revision {revision})\n",
                        a.fqdn
                    ));
                    Outcome::Success
                }
                Ok(Err(why)) => {
                    out.stderr
                        .push_str(&format!("{}: {why}\n", ctx.stderr_style.red("error")));
                    Outcome::Failed
                }
                Err(e) => store_cmd::store_failed(ctx, out, &e),
            }
        }
    }
}
