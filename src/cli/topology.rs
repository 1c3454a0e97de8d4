//! Pool-level commands: `endpoint get|new|remove`, `state get|set`, `active-server get|set`
//! (the cmdlets of those names), and `pool add|get`: pools are topology, which the service's
//! Topology Builder owns, so pchat offers a plain way to declare them in a store.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, joined, GetFormat};
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
    Get(ServiceGetArgs),
    /// Fail a pool over to its backup databases or back (Set-CsPersistentChatState)
    Set(StateSetArgs),
}

#[derive(Debug, Args)]
pub struct ServiceGetArgs {
    /// `PersistentChatServer:POOL_FQDN` (or the pool's FQDN)
    #[arg(long, value_parser = args::service_id)]
    pub identity: Option<ServiceId>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
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
    Get(ServiceGetArgs),
    /// Choose which servers accept new connections (Set-CsPersistentChatActiveServer)
    Set(ActiveSetArgs),
}

#[derive(Debug, Args)]
pub struct ActiveSetArgs {
    #[arg(long, value_parser = args::service_id)]
    pub identity: ServiceId,
    /// Replace the active servers
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub active_servers: Option<Vec<String>>,
    #[arg(long)]
    pub active_servers_add: Vec<String>,
    #[arg(long)]
    pub active_servers_remove: Vec<String>,
    /// No server active ($Null)
    #[arg(long)]
    pub clear_active_servers: bool,
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
    match cmd {
        EndpointCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&Endpoint> = state
                .endpoints
                .values()
                .filter(|e| {
                    a.identity
                        .as_ref()
                        .is_none_or(|i| i.eq_ignore_ascii_case(&e.sip_address))
                        && a.persistent_chat_pool_fqdn.as_ref().is_none_or(|p| {
                            e.persistent_chat_pool_fqdn
                                .as_ref()
                                .is_some_and(|q| q.eq_ignore_ascii_case(p))
                        })
                })
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("SipAddress", &|e: &Endpoint| e.sip_address.clone()),
                    ("PersistentChatPoolFqdn", &|e: &Endpoint| {
                        e.persistent_chat_pool_fqdn.clone().unwrap_or_default()
                    }),
                    ("DisplayName", &|e: &Endpoint| {
                        e.display_name.clone().unwrap_or_default()
                    }),
                ],
            );
            Outcome::Success
        }
        EndpointCommand::New(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::NewEndpoint {
                sip_address: a.sip_address.clone(),
                pool: a.persistent_chat_pool_fqdn.clone(),
                display_name: a.display_name.clone(),
            },
        ),
        EndpointCommand::Remove(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::RemoveEndpoint {
                sip_address: a.identity.clone(),
            },
        ),
    }
}

fn same_pool(a: &Option<ServiceId>, id: &ServiceId) -> bool {
    a.as_ref()
        .is_none_or(|i| i.pool.eq_ignore_ascii_case(&id.pool))
}

pub fn run_state(cmd: &StateCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        StateCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&PersistentChatState> = state
                .states
                .values()
                .filter(|s| same_pool(&a.identity, &s.identity))
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Identity", &|s: &PersistentChatState| {
                        s.identity.to_string()
                    }),
                    ("PoolState", &|s: &PersistentChatState| {
                        format!("{:?}", s.pool_state)
                    }),
                ],
            );
            Outcome::Success
        }
        StateCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetState {
                identity: a.identity.clone(),
                pool_state: a.pool_state,
            },
        ),
    }
}

pub fn run_active_server(cmd: &ActiveServerCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        ActiveServerCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&ActiveServers> = state
                .active_servers
                .values()
                .filter(|s| same_pool(&a.identity, &s.identity))
                .collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Identity", &|s: &ActiveServers| s.identity.to_string()),
                    ("ActiveServers", &|s: &ActiveServers| {
                        joined(&s.active_servers)
                    }),
                ],
            );
            Outcome::Success
        }
        ActiveServerCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetActiveServer {
                identity: a.identity.clone(),
                active_servers: args::list_change(
                    &a.active_servers,
                    &a.active_servers_add,
                    &a.active_servers_remove,
                    a.clear_active_servers,
                ),
                swap: a.swap,
            },
        ),
    }
}

pub fn run_pool(cmd: &PoolCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        PoolCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let items: Vec<&Pool> = state.pools.values().collect();
            store_cmd::print(
                out,
                a.format,
                &items,
                &[
                    ("Fqdn", &|p: &Pool| p.fqdn.clone()),
                    ("Site", &|p: &Pool| p.site.clone().unwrap_or_default()),
                    ("Servers", &|p: &Pool| joined(&p.servers)),
                ],
            );
            Outcome::Success
        }
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
