//! The cmdlet nouns, made from the kind layer (`model::kind`): every kind with cmdlets gets
//! `get` (identity, `--filter`, formats) and, where the service has the cmdlet, `new`, `set`
//! and `remove`, with the cmdlet's parameters as flags (`Field::param` in kebab-case, typed by
//! `Field::ty`). `set` and `remove` take one `--identity` or a selection (`--all`, `--filter`),
//! shown without `--yes` and run in one transaction with it. The flags are handed to
//! `ops::build` by the cmdlet's own names, which makes the call.
//!
//! Only what a cmdlet truly adds is written here by hand: `room get`'s filters and `room
//! clear`, the history check of `room remove`, `policy grant`, and `pool` (topology, no cmdlet).
//! A new kind's commands come from its description alone.

use clap::builder::ValueParser;
use clap::{Arg, ArgAction, ArgMatches, Args as _, Command, FromArgMatches, Subcommand};

use super::args::{self, GetFormat, Pipe};
use super::{store_cmd, Context, Outcome, Output};
use crate::model::query::Query;
use crate::model::*;
use crate::ops::build::{self, Given, Verb};
use crate::ops::{ListChange, Operation};

use super::args::NOUNS;

/// A noun's command as parsed: the kind, the verb and its flags.
#[derive(Debug)]
pub struct Nouns {
    kind: Kind,
    verb: String,
    m: ArgMatches,
}

impl FromArgMatches for Nouns {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (noun, sub) = m.subcommand().ok_or_else(missing)?;
        let (verb, m) = sub.subcommand().ok_or_else(missing)?;
        let (_, kind, _) = NOUNS
            .iter()
            .find(|(n, _, _)| *n == noun)
            .ok_or_else(missing)?;
        Ok(Nouns {
            kind: *kind,
            verb: verb.to_string(),
            m: m.clone(),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Subcommand for Nouns {
    fn augment_subcommands(cmd: Command) -> Command {
        cmd.subcommands(NOUNS.iter().map(|(noun, kind, about)| {
            Command::new(*noun)
                .about(*about)
                .subcommands(verbs(*kind))
                .subcommand_required(true)
        }))
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        NOUNS.iter().any(|(n, _, _)| *n == name)
    }
}

/// Runs a noun's command on its kind's objects.
pub fn run(noun: &Nouns, ctx: &Context, out: &mut Output) -> Outcome {
    let (verb, m) = (noun.verb.as_str(), &noun.m);
    match noun.kind {
        Kind::Room => run_on::<Room>(verb, m, ctx, out),
        Kind::Category => run_on::<Category>(verb, m, ctx, out),
        Kind::Addin => run_on::<Addin>(verb, m, ctx, out),
        Kind::Policy => run_on::<PersistentChatPolicy>(verb, m, ctx, out),
        Kind::ComplianceConfiguration => run_on::<ComplianceConfiguration>(verb, m, ctx, out),
        Kind::Configuration => run_on::<PersistentChatConfiguration>(verb, m, ctx, out),
        Kind::Endpoint => run_on::<Endpoint>(verb, m, ctx, out),
        Kind::State => run_on::<PersistentChatState>(verb, m, ctx, out),
        Kind::ActiveServers => run_on::<ActiveServers>(verb, m, ctx, out),
        other => unreachable!("{other:?} has no noun"),
    }
}

use build::{params as flags, POOL_PARAM};

/// A flag that takes a Boolean: bare (`--disabled`), `--disabled false` or `--disabled=$False`.
fn boolean(arg: Arg) -> Arg {
    arg.num_args(0..=1).default_missing_value("true")
}

fn typed(arg: Arg, ty: Ty) -> Arg {
    let parser = ValueParser::new(move |s: &str| build::check(ty, s).map(|()| s.to_string()));
    match ty {
        Ty::Bool => boolean(arg).value_parser(parser),
        _ => arg.value_parser(parser),
    }
}

/// `--members a;b`, `--members-add`, `--members-remove` and `--clear-members`.
fn list_args(cmd: Command, long: &str, delimiter: char) -> Command {
    // clap keeps names for the program's life; a parse builds these once.
    let flag = |name: String| {
        let name: &'static str = Box::leak(name.into_boxed_str());
        Arg::new(name).long(name)
    };
    let append = |name: String, help: &'static str| flag(name).action(ArgAction::Append).help(help);
    cmd.arg(
        flag(long.to_string())
            .num_args(1..)
            .value_delimiter(delimiter)
            .help("Replace the list"),
    )
    .arg(append(format!("{long}-add"), "Add these entries"))
    .arg(append(format!("{long}-remove"), "Remove these entries"))
    .arg(
        flag(format!("clear-{long}"))
            .action(ArgAction::SetTrue)
            .help("Empty the list ($Null)"),
    )
}

/// `--identity`, parsed as the kind names its objects; its text is the key's (`ops::build`
/// parses it back), or a bare room, category or add-in name to resolve in the store.
fn identity_arg(kind: Kind) -> Arg {
    let naming = kind.desc().naming;
    let parser = ValueParser::new(move |s: &str| -> Result<String, String> {
        Ok(match naming {
            Naming::Pooled => args::object_id(s).map(|id| {
                if args::is_bare(&id) {
                    id.name
                } else {
                    id.to_string()
                }
            })?,
            Naming::Scope => args::scope(s)?.to_string(),
            Naming::Service => build::service_id(s)?.to_string(),
            Naming::Sip | Naming::Other => s.to_string(),
        })
    });
    Arg::new("identity").long("identity").value_parser(parser)
}

fn plural(kind: Kind) -> String {
    let many = kind.count_of(2);
    many.trim_start_matches("2 ").to_string()
}

/// The verbs of a kind, from its description.
fn verbs(kind: Kind) -> Vec<Command> {
    let desc = kind.desc();
    let c = desc.cmdlets;
    let mut out = Vec::new();
    if let Some(get) = c.get {
        let mut cmd = Command::new("get")
            .arg(identity_arg(kind))
            .arg(Arg::new("filter").long("filter").help(
                "Objects whose identity or name matches this pattern (`*` and `?`), or \
                 comparisons of their properties (`Disabled -eq $False`)",
            ))
            .arg(
                Arg::new("format")
                    .long("format")
                    .value_parser(clap::value_parser!(GetFormat))
                    .default_value("table"),
            );
        if matches!(desc.naming, Naming::Pooled | Naming::Sip) {
            cmd = cmd.arg(Arg::new(POOL_PARAM).long("persistent-chat-pool-fqdn"));
        }
        if kind == Kind::Room {
            cmd = with_flags(cmd, build::ROOM_FILTERS, false);
        }
        out.push(cmd.about(format!("List {} ({get})", plural(kind))));
    }
    if let Some(new) = c.new {
        let mut cmd = Command::new("new").about(format!("Create a {} ({new})", kind.noun()));
        if desc.naming == Naming::Scope {
            cmd = cmd.arg(identity_arg(kind).required(true));
        }
        out.push(with_flags(cmd, &flags(kind, Verb::New), false));
    }
    for (verb, cmdlet, what) in [
        (Verb::Set, c.set, "Change"),
        (Verb::Remove, c.remove, "Remove"),
    ] {
        let Some(cmdlet) = cmdlet.filter(|_| kind != Kind::PolicyGrant) else {
            continue;
        };
        let mut identity = identity_arg(kind);
        identity = match (desc.naming, verb) {
            // The cmdlets' own default: the global setting, or the only pool's servers.
            (Naming::Scope, Verb::Set) => identity.default_value("global"),
            (_, Verb::Set) if kind == Kind::ActiveServers => identity.default_value("global"),
            _ => identity.required_unless_present_any(["all", "filter"]),
        };
        let cmd = Pipe::augment_args(Command::new(verb.as_str()).arg(identity)).about(format!(
            "{what} a {}, or each one --all or --filter selects ({cmdlet})",
            kind.noun()
        ));
        out.push(with_flags(cmd, &flags(kind, verb), verb == Verb::Set));
    }
    match kind {
        Kind::Room => out.push(
            super::message::ClearArgs::augment_args(Command::new("clear")).about(
                "Delete a room's messages posted on or before a date (Clear-CsPersistentChatRoom)",
            ),
        ),
        Kind::Policy => out.push(GrantArgs::augment_args(Command::new("grant")).about(
            "Assign a tag policy to a user, or take it away (Grant-CsPersistentChatPolicy)",
        )),
        _ => {}
    }
    out
}

/// The parameters as flags; `renames`: `--name` renames the object (`Set-`).
fn with_flags(mut cmd: Command, params: &[build::Param], renames: bool) -> Command {
    for f in params {
        let long = f.long();
        if let Ty::List(delimiter) = f.ty {
            cmd = list_args(cmd, &long, delimiter);
            continue;
        }
        let long: &'static str = Box::leak(long.into_boxed_str());
        let mut arg = typed(Arg::new(f.param).long(long), f.ty)
            .value_name(&*Box::leak(
                long.to_uppercase().replace('-', "_").into_boxed_str(),
            ))
            .required(f.required);
        if let Some(help) = f.help {
            arg = arg.help(help);
        }
        if f.param == "Name" && renames {
            arg = arg
                .conflicts_with_all(["all", "filter"])
                .help("A new name: renames it in place, keeping its id, lists and history");
        }
        cmd = cmd.arg(arg);
    }
    cmd
}

/// What the flags of these parameters were given, by the cmdlet's parameter names.
fn given(params: &[build::Param], m: &ArgMatches) -> Given {
    let mut g = Given::default();
    for f in params {
        if let Ty::List(_) = f.ty {
            let long = f.long();
            let many = |id: &str| -> Vec<String> {
                m.get_many::<String>(id)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default()
            };
            let replace = if m.get_flag(&format!("clear-{long}")) {
                Some(vec![])
            } else {
                m.get_many::<String>(&long).map(|v| v.cloned().collect())
            };
            let change = ListChange::new(
                replace,
                many(&format!("{long}-add")),
                many(&format!("{long}-remove")),
            );
            g.list(f.param, change);
        } else if let Some(v) = m.get_one::<String>(f.param) {
            g.value(f.param, v.clone());
        }
    }
    g
}

/// Runs a verb on objects of kind `T`.
fn run_on<T: Object + 'static>(
    verb: &str,
    m: &ArgMatches,
    ctx: &Context,
    out: &mut Output,
) -> Outcome {
    let kind = T::KIND;
    let verb = match verb {
        "get" => return get::<T>(m, ctx, out),
        "clear" => match super::message::ClearArgs::from_arg_matches(m) {
            Ok(a) => return super::message::clear(&a, ctx, out),
            Err(e) => return ctx.fail(out, e),
        },
        "grant" => match GrantArgs::from_arg_matches(m) {
            Ok(a) => return grant(&a, ctx, out),
            Err(e) => return ctx.fail(out, e),
        },
        "new" => Verb::New,
        "set" => Verb::Set,
        _ => Verb::Remove,
    };
    let g = given(&flags(kind, verb), m);
    let identity = m.try_get_one::<String>("identity").ok().flatten().cloned();
    if verb == Verb::New {
        return match build::operation(kind, verb, identity.as_deref(), &g) {
            Ok(op) => store_cmd::run_cmdlet(ctx, out, op),
            Err(e) => ctx.fail(out, &e),
        };
    }
    let pipe = match Pipe::from_arg_matches(m) {
        Ok(p) => p,
        Err(e) => return ctx.fail(out, e),
    };
    if let (Some(id), false) = (identity, pipe.selects()) {
        // A bare name is the one object of that name across pools.
        let id = if kind.desc().naming == Naming::Pooled && !id.contains('\\') {
            match ctx.session().resolve_bare::<T>(&id) {
                Ok(id) => id,
                Err(e) => return ctx.fail(out, &e),
            }
        } else {
            id
        };
        let op = match build::operation(kind, verb, Some(&id), &g) {
            Ok(op) => op,
            Err(e) => return ctx.fail(out, &e),
        };
        if let (Operation::RemoveRoom { identity }, false) = (&op, pipe.yes) {
            if let Some(o) = refuse_history(ctx, out, identity) {
                return o;
            }
        }
        return store_cmd::run_cmdlet(ctx, out, op);
    }
    let cmdlet = match verb {
        Verb::Set => kind.desc().cmdlets.set,
        _ => kind.desc().cmdlets.remove,
    }
    .expect("a verb is made only for a cmdlet the kind has");
    store_cmd::run_pipeline(ctx, out, cmdlet, pipe.yes, |s| {
        let name = |k: &T::Key, x: &T| x.cell("name").unwrap_or_else(|| k.to_string());
        pipe.pick::<T>(s, name)?
            .into_iter()
            .map(|k| {
                let id = k.to_string();
                build::operation(kind, verb, Some(&id), &g).map(|op| (id, op))
            })
            .collect()
    })
}

fn get<T: Object + 'static>(m: &ArgMatches, ctx: &Context, out: &mut Output) -> Outcome {
    let rooms = (T::KIND == Kind::Room).then(|| build::room_query(&given(build::ROOM_FILTERS, m)));
    let query = Query {
        identity: m.get_one::<String>("identity").cloned(),
        filter: m.get_one::<String>("filter").cloned(),
        pool: m.try_get_one::<String>(POOL_PARAM).ok().flatten().cloned(),
        rooms: match rooms.transpose() {
            Ok(r) => r,
            Err(e) => return ctx.fail(out, e),
        },
    };
    let format = *m.get_one::<GetFormat>("format").expect("it has a default");
    // One room by identity: only that room is read, whatever the store holds.
    let one = query.one_room(T::KIND);
    let focus = one.as_ref().map(std::slice::from_ref);
    store_cmd::get_in(
        ctx,
        out,
        format,
        query.filter.as_deref(),
        query.identity.clone(),
        focus,
        |s| query.select::<T>(s),
    )
}

/// Removing a room destroys its messages: one that holds any is removed only with `--yes`,
/// as the pipeline form asks; the refusal names the count.
fn refuse_history(ctx: &Context, out: &mut Output, room: &ObjectId) -> Option<Outcome> {
    match ctx.session().messages_in(std::slice::from_ref(room)) {
        Err(e) => Some(store_cmd::store_failed(ctx, out, &e)),
        Ok(0) => None,
        Ok(count) => {
            out.stderr.push_str(&format!(
                "{}: room `{room}` holds {}: removing it destroys them; nothing was done\n  \
                 help: to remove the room and its messages, run `pchat room remove --identity \
                 '{room}' --yes`\n",
                ctx.stderr_style.red("error"),
                crate::plural(count as usize, "message")
            ));
            Some(Outcome::Refused)
        }
    }
}

/// `policy grant`: Grant-CsPersistentChatPolicy, a user's property rather than an object.
#[derive(Debug, clap::Args)]
struct GrantArgs {
    /// The user: SIP URI, UPN, `DOMAIN\logon`, display name or distinguished name
    #[arg(long, required_unless_present_any = ["all", "filter"])]
    identity: Option<String>,
    /// Grant to every user of the directory, or to those the filter selects as
    /// `principal get` would (`Get-CsUser | Grant-CsPersistentChatPolicy`)
    #[command(flatten)]
    pipe: Pipe,
    /// The tag policy's name (without `tag:`); `$null` removes the assignment
    #[arg(long)]
    policy_name: String,
}

fn grant(a: &GrantArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let policy_name = (!build::is_null(&a.policy_name)).then(|| a.policy_name.clone());
    let grant = |user: String| Operation::GrantPolicy {
        user,
        policy_name: policy_name.clone(),
    };
    if !a.pipe.selects() {
        let user = a.identity.clone().expect("clap requires it");
        return store_cmd::run_cmdlet(ctx, out, grant(user));
    }
    let cmdlet = "Grant-CsPersistentChatPolicy";
    store_cmd::run_pipeline(ctx, out, cmdlet, a.pipe.yes, |s| {
        let users = a.pipe.pick::<Principal>(s, |_, p| {
            p.display_name
                .clone()
                .or(p.sip_address.clone())
                .unwrap_or_default()
        })?;
        Ok(users
            .into_iter()
            .filter_map(|k| s.principals[k].sip_address.clone())
            .map(|sip| (sip.clone(), grant(sip)))
            .collect())
    })
}

/// `pchat pool get|add`: pools are topology, which the service's Topology Builder owns, so
/// pchat offers a plain way to declare them in a store.
#[derive(Debug, clap::Subcommand)]
pub enum PoolCommand {
    /// List the pools the store knows
    Get {
        #[arg(long, value_enum, default_value_t = GetFormat::Table)]
        format: GetFormat,
    },
    /// Add a pool (its state starts Normal with every server active)
    Add {
        #[arg(long)]
        fqdn: String,
        #[arg(long)]
        site: Option<String>,
        /// The pool's servers
        #[arg(long, num_args = 1.., value_delimiter = ',')]
        servers: Vec<String>,
    },
}

pub fn run_pool(cmd: &PoolCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        PoolCommand::Get { format } => store_cmd::get(ctx, out, *format, None, None, |s| {
            s.pools.values().collect()
        }),
        PoolCommand::Add {
            fqdn,
            site,
            servers,
        } => {
            let pool = Pool {
                fqdn: fqdn.clone(),
                site: site.clone(),
                servers: servers.clone(),
            };
            let result = ctx
                .session()
                .with(async |store| crate::imperative::add_pool(store, pool).await);
            match result {
                Ok(Ok(revision)) => {
                    out.stdout.push_str(&format!(
                        "added pool `{fqdn}` (store revision {revision})\n"
                    ));
                    Outcome::Success
                }
                Ok(Err(why)) => ctx.fail(out, why),
                Err(e) => store_cmd::store_failed(ctx, out, &e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter a kind's description gives a cmdlet is a flag of its verb, and every
    /// kind with a cmdlet has the verb.
    #[test]
    fn every_described_parameter_is_a_flag() {
        for kind in Kind::ALL {
            let c = kind.desc().cmdlets;
            let made: Vec<Command> = verbs(kind);
            let has = |v: &str| made.iter().find(|c| c.get_name() == v);
            assert_eq!(has("get").is_some(), c.get.is_some(), "{kind}");
            for (verb, cmdlet) in [(Verb::New, c.new), (Verb::Remove, c.remove)] {
                let Some(cmd) = has(verb.as_str()) else {
                    assert!(cmdlet.is_none(), "{kind} {verb:?}");
                    continue;
                };
                for f in flags(kind, verb) {
                    let long = f.long();
                    assert!(
                        cmd.get_arguments().any(|a| a.get_long() == Some(&long)),
                        "{kind} {verb:?} --{long}"
                    );
                }
            }
        }
    }
}
