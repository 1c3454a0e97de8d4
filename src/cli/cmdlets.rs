//! The cmdlet nouns: `room`, `category`, `addin`, `policy`, `compliance`, `configuration`,
//! `endpoint`, `state`, `active-server` and `pool`. Each noun module declares its verbs' flags
//! (the cmdlet parameters in kebab-case; shared ones in `args`) and turns a verb into one
//! `Operation`, run in one place (`store_cmd::run_cmdlet`); `get` prints through the kind layer
//! (`store_cmd::get`). What differs between nouns is only what the cmdlets differ in.

pub mod category {
    //! `pchat category get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatCategory.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd;
    use crate::cli::{Context, Outcome, Output};
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
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub enable_file_upload: bool,
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub enable_invitations: bool,
        /// Keep no chat history in the category's rooms
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub remove_chat_history: bool,
    }

    #[derive(Debug, Args)]
    pub struct SetArgs {
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// A new name: renames it in place, keeping its id, lists and history
        #[arg(long, conflicts_with_all = ["all", "filter"])]
        pub name: Option<String>,
        #[arg(long)]
        pub description: Option<String>,
        #[arg(long, value_parser = args::boolean)]
        pub invitations: Option<bool>,
        #[arg(long, value_parser = args::boolean)]
        pub file_upload: Option<bool>,
        #[arg(long, value_parser = args::boolean)]
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
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
    }

    pub fn run(cmd: &CategoryCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let op = match cmd {
            CategoryCommand::Get(a) => {
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| a.pick(&s.categories),
                )
            }
            CategoryCommand::New(a) => Operation::NewCategory {
                pool: a.persistent_chat_pool_fqdn.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                enable_invitations: a.enable_invitations,
                enable_file_upload: a.enable_file_upload,
                remove_chat_history: a.remove_chat_history,
            },
            CategoryCommand::Set(a) => {
                return store_cmd::pooled::<Category>(
                    ctx,
                    out,
                    "Set-CsPersistentChatCategory",
                    (&a.pipe, a.identity.as_ref()),
                    |id| Operation::SetCategory {
                        identity: id.clone(),
                        name: a.name.clone(),
                        description: a.description.clone(),
                        invitations: a.invitations,
                        file_upload: a.file_upload,
                        chat_history: a.chat_history,
                        allowed_members: a.allowed_members.change(),
                        denied_members: a.denied_members.change(),
                        creators: a.creators.change(),
                    },
                )
            }
            CategoryCommand::Remove(a) => {
                return store_cmd::pooled::<Category>(
                    ctx,
                    out,
                    "Remove-CsPersistentChatCategory",
                    (&a.pipe, a.identity.as_ref()),
                    |id| Operation::RemoveCategory {
                        identity: id.clone(),
                    },
                )
            }
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }
}

pub mod addin {
    //! `pchat addin get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatAddin.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd;
    use crate::cli::{Context, Outcome, Output};
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
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// A new name: renames it in place, keeping its id, lists and history
        #[arg(long, conflicts_with_all = ["all", "filter"])]
        pub name: Option<String>,
        #[arg(long)]
        pub url: Option<String>,
    }

    #[derive(Debug, Args)]
    pub struct RemoveArgs {
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// Remove it even if rooms show it (they are detached)
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub force: bool,
    }

    pub fn run(cmd: &AddinCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let op = match cmd {
            AddinCommand::Get(a) => {
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| a.pick(&s.addins),
                )
            }
            AddinCommand::New(a) => Operation::NewAddin {
                pool: a.persistent_chat_pool_fqdn.clone(),
                name: a.name.clone(),
                url: a.url.clone(),
            },
            AddinCommand::Set(a) => {
                return store_cmd::pooled::<Addin>(
                    ctx,
                    out,
                    "Set-CsPersistentChatAddin",
                    (&a.pipe, a.identity.as_ref()),
                    |id| Operation::SetAddin {
                        identity: id.clone(),
                        name: a.name.clone(),
                        url: a.url.clone(),
                    },
                )
            }
            AddinCommand::Remove(a) => {
                return store_cmd::pooled::<Addin>(
                    ctx,
                    out,
                    "Remove-CsPersistentChatAddin",
                    (&a.pipe, a.identity.as_ref()),
                    |id| Operation::RemoveAddin {
                        identity: id.clone(),
                        force: a.force,
                    },
                )
            }
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }
}

pub mod room {
    //! `pchat room get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatRoom.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd;
    use crate::cli::{Context, Outcome, Output};
    use crate::model::*;
    use crate::ops::Operation;

    #[derive(Debug, Subcommand)]
    pub enum RoomCommand {
        /// List rooms (Get-CsPersistentChatRoom)
        Get(GetArgs),
        /// Create a room (New-CsPersistentChatRoom)
        New(NewArgs),
        /// Change a room (Set-CsPersistentChatRoom)
        Set(SetArgs),
        /// Remove a room and its messages (Remove-CsPersistentChatRoom)
        Remove(RemoveArgs),
        /// Delete a room's messages posted on or before a date (Clear-CsPersistentChatRoom)
        Clear(crate::cli::message::ClearArgs),
    }

    #[derive(Debug, Args)]
    pub struct GetArgs {
        #[command(flatten)]
        pub of: args::PooledGet,
        /// Rooms of this category (name)
        #[arg(long)]
        pub category: Option<String>,
        #[arg(long, value_parser = args::privacy)]
        pub privacy: Option<Privacy>,
        #[arg(long = "type", value_parser = args::room_type)]
        pub room_type: Option<RoomType>,
        /// Rooms with this member
        #[arg(long)]
        pub member: Option<String>,
        /// Rooms with this manager
        #[arg(long)]
        pub manager: Option<String>,
        /// Rooms with this presenter
        #[arg(long)]
        pub presenter: Option<String>,
        /// Disabled (true) or enabled (false) rooms
        #[arg(long, value_parser = args::boolean)]
        pub disabled: Option<bool>,
        /// Rooms showing this add-in (name)
        #[arg(long)]
        pub addin: Option<String>,
        /// Inherit or False
        #[arg(long, value_parser = args::invitations)]
        pub invitations: Option<RoomInvitations>,
        /// `--filter` matches the description too
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub search_description: bool,
        /// At most this many rooms (0: none)
        #[arg(long)]
        pub result_size: Option<usize>,
    }

    #[derive(Debug, Args)]
    pub struct NewArgs {
        #[arg(long)]
        pub name: String,
        /// The room's pool (default: its category's, or the only pool)
        #[arg(long)]
        pub persistent_chat_pool_fqdn: Option<String>,
        #[arg(long)]
        pub category: String,
        #[arg(long, default_value = "")]
        pub description: String,
        /// Normal or Auditorium
        #[arg(long = "type", value_parser = args::room_type, default_value = "Normal")]
        pub room_type: RoomType,
        /// Open, Closed or Secret
        #[arg(long, value_parser = args::privacy, default_value = "Closed")]
        pub privacy: Privacy,
        #[arg(long)]
        pub addin: Option<String>,
        /// Inherit or False
        #[arg(long, value_parser = args::invitations, default_value = "Inherit")]
        pub invitations: RoomInvitations,
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
        pub disabled: bool,
    }

    #[derive(Debug, Args)]
    pub struct SetArgs {
        /// The room, `POOL_FQDN\NAME`
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// A new name: renames it in place, keeping its id, lists and history
        #[arg(long, conflicts_with_all = ["all", "filter"])]
        pub name: Option<String>,
        /// Move the room to this category (entries it does not admit are dropped)
        #[arg(long)]
        pub category: Option<String>,
        #[arg(long)]
        pub description: Option<String>,
        #[arg(long = "type", value_parser = args::room_type)]
        pub room_type: Option<RoomType>,
        #[arg(long, value_parser = args::privacy)]
        pub privacy: Option<Privacy>,
        /// The add-in's name; `$null` detaches it
        #[arg(long)]
        pub addin: Option<String>,
        #[arg(long, value_parser = args::invitations)]
        pub invitations: Option<RoomInvitations>,
        #[arg(long, value_parser = args::boolean)]
        pub disabled: Option<bool>,
        #[command(flatten)]
        pub members: args::Members,
        #[command(flatten)]
        pub managers: args::Managers,
        #[command(flatten)]
        pub presenters: args::Presenters,
    }

    #[derive(Debug, Args)]
    pub struct RemoveArgs {
        #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<ObjectId>,
        #[command(flatten)]
        pub pipe: args::Pipe,
    }

    fn has(list: &[String], who: &str) -> bool {
        let key = crate::model::principal::key_or_text;
        let k = key(who);
        list.iter().any(|p| key(p) == k)
    }

    fn keeps(a: &GetArgs, id: &ObjectId, r: &Room) -> bool {
        let pattern = args::pattern(&a.of.filter);
        let described = || {
            a.search_description && pattern.is_some_and(|f| store_cmd::wildcard(f, &r.description))
        };
        (a.of.keeps(id) || described())
            && a.category
                .as_ref()
                .is_none_or(|c| same_name(c, &r.category))
            && a.invitations.is_none_or(|i| i == r.invitations)
            && a.privacy.is_none_or(|p| p == r.privacy)
            && a.room_type.is_none_or(|t| t == r.room_type)
            && a.member.as_ref().is_none_or(|m| has(&r.members, m))
            && a.manager.as_ref().is_none_or(|m| has(&r.managers, m))
            && a.presenter.as_ref().is_none_or(|m| has(&r.presenters, m))
            && a.disabled.is_none_or(|d| d == r.disabled)
            && a.addin
                .as_ref()
                .is_none_or(|x| r.addin.as_deref().is_some_and(|y| same_name(x, y)))
    }

    pub fn run(cmd: &RoomCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let op = match cmd {
            RoomCommand::Get(a) => {
                // One room by identity: only that room is read, whatever the store holds.
                let one =
                    a.of.identity
                        .as_ref()
                        .filter(|id| !a.search_description && !args::is_bare(id));
                let focus = one.map(std::slice::from_ref);
                return store_cmd::get_in(
                    ctx,
                    out,
                    a.of.format,
                    a.of.filter.as_deref(),
                    store_cmd::named(&a.of.identity),
                    focus,
                    |s| {
                        s.rooms
                            .iter()
                            .filter(|(id, r)| keeps(a, id, r))
                            .map(|(_, r)| r)
                            .take(a.result_size.unwrap_or(usize::MAX))
                            .collect()
                    },
                );
            }
            RoomCommand::New(a) => Operation::NewRoom {
                pool: a.persistent_chat_pool_fqdn.clone(),
                name: a.name.clone(),
                category: a.category.clone(),
                description: a.description.clone(),
                room_type: a.room_type,
                privacy: a.privacy,
                addin: a.addin.clone(),
                invitations: a.invitations,
                disabled: a.disabled,
            },
            RoomCommand::Set(a) => {
                return store_cmd::pooled::<Room>(
                    ctx,
                    out,
                    "Set-CsPersistentChatRoom",
                    (&a.pipe, a.identity.as_ref()),
                    |id| Operation::SetRoom {
                        identity: id.clone(),
                        name: a.name.clone(),
                        category: a.category.clone(),
                        description: a.description.clone(),
                        room_type: a.room_type,
                        privacy: a.privacy,
                        addin: a
                            .addin
                            .as_ref()
                            .map(|x| (!args::is_null(x)).then(|| x.clone())),
                        invitations: a.invitations,
                        disabled: a.disabled,
                        members: a.members.change(),
                        managers: a.managers.change(),
                        presenters: a.presenters.change(),
                    },
                )
            }
            RoomCommand::Clear(a) => return crate::cli::message::clear(a, ctx, out),
            RoomCommand::Remove(a) if a.pipe.selects() => {
                return store_cmd::pooled::<Room>(
                    ctx,
                    out,
                    "Remove-CsPersistentChatRoom",
                    (&a.pipe, None),
                    |id| Operation::RemoveRoom {
                        identity: id.clone(),
                    },
                )
            }
            RoomCommand::Remove(a) => {
                let mut identity = a.identity.clone().expect("clap requires it");
                if args::is_bare(&identity) {
                    identity = match store_cmd::resolve_bare::<Room>(ctx, &identity) {
                        Ok(id) => id,
                        Err(e) => {
                            out.stderr
                                .push_str(&format!("{}: {e}\n", ctx.stderr_style.red("error")));
                            return Outcome::Failed;
                        }
                    };
                }
                if !a.pipe.yes {
                    if let Some(o) = refuse_history(ctx, out, &identity) {
                        return o;
                    }
                }
                Operation::RemoveRoom { identity }
            }
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }

    /// Removing a room destroys its messages: one that holds any is removed only with `--yes`,
    /// as the pipeline form asks; the refusal names the count.
    fn refuse_history(ctx: &Context, out: &mut Output, room: &ObjectId) -> Option<Outcome> {
        let counted = store_cmd::block_on(async {
            let store = store_cmd::open(ctx).await?;
            let mut tx = store.read().await?;
            let n = tx.message_counts(std::slice::from_ref(room)).await?;
            tx.finish().await?;
            store.close().await;
            Ok::<_, crate::store::StoreError>(n)
        });
        match counted {
            Err(e) => Some(store_cmd::store_failed(ctx, out, &e)),
            Ok(n) => n.values().next().map(|count| {
                out.stderr.push_str(&format!(
                    "{}: room `{room}` holds {}: removing it destroys them; nothing was done\n  \
                     help: to remove the room and its messages, run `pchat room remove --identity \
                     '{room}' --yes`\n",
                    ctx.stderr_style.red("error"),
                    crate::plural(*count as usize, "message")
                ));
                Outcome::Refused
            }),
        }
    }
}

pub mod policy {
    //! `pchat policy get|new|set|remove|grant`: Get/New/Set/Remove/Grant-CsPersistentChatPolicy.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd;
    use crate::cli::{Context, Outcome, Output};
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
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
        pub enable_persistent_chat: bool,
        #[arg(long, default_value = "")]
        pub description: String,
    }

    #[derive(Debug, Args)]
    pub struct SetArgs {
        /// The policy (default: the global one, as the cmdlet's)
        #[arg(long, value_parser = args::scope, default_value = "global")]
        pub identity: Scope,
        #[command(flatten)]
        pub pipe: args::Pipe,
        #[arg(long, value_parser = args::boolean)]
        pub enable_persistent_chat: Option<bool>,
        #[arg(long)]
        pub description: Option<String>,
    }

    #[derive(Debug, Args)]
    pub struct RemoveArgs {
        #[arg(long, value_parser = args::scope, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<Scope>,
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// Remove a tag policy even if it is granted (the grants go too)
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
        pub force: bool,
    }

    #[derive(Debug, Args)]
    pub struct GrantArgs {
        /// The user: SIP URI, UPN, `DOMAIN\logon`, display name or distinguished name
        #[arg(long, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<String>,
        /// Grant to every user of the directory, or to those the filter selects as
        /// `principal get` would (`Get-CsUser | Grant-CsPersistentChatPolicy`)
        #[command(flatten)]
        pub pipe: args::Pipe,
        /// The tag policy's name (without `tag:`); `$null` removes the assignment
        #[arg(long)]
        pub policy_name: String,
    }

    pub fn run(cmd: &PolicyCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let op = match cmd {
            PolicyCommand::Get(a) => {
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| a.pick(&s.policies),
                )
            }
            PolicyCommand::New(a) => Operation::NewPolicy {
                identity: a.identity.clone(),
                enable_persistent_chat: a.enable_persistent_chat,
                description: a.description.clone(),
            },
            PolicyCommand::Set(a) => {
                return store_cmd::one_or_each::<PersistentChatPolicy>(
                    ctx,
                    out,
                    "Set-CsPersistentChatPolicy",
                    (&a.pipe, Some(&a.identity)),
                    |k, _| k.to_string(),
                    |id| Operation::SetPolicy {
                        identity: id.clone(),
                        enable_persistent_chat: a.enable_persistent_chat,
                        description: a.description.clone(),
                    },
                )
            }
            PolicyCommand::Remove(a) => {
                return store_cmd::one_or_each::<PersistentChatPolicy>(
                    ctx,
                    out,
                    "Remove-CsPersistentChatPolicy",
                    (&a.pipe, a.identity.as_ref()),
                    |k, _| k.to_string(),
                    |id| Operation::RemovePolicy {
                        identity: id.clone(),
                        force: a.force,
                    },
                )
            }
            PolicyCommand::Grant(a) => {
                let policy_name = (!args::is_null(&a.policy_name)).then(|| a.policy_name.clone());
                if a.pipe.selects() {
                    return store_cmd::run_pipeline(
                        ctx,
                        out,
                        "Grant-CsPersistentChatPolicy",
                        a.pipe.yes,
                        |s| {
                            let users = a.pipe.pick::<Principal>(s, |_, p| {
                                p.display_name
                                    .clone()
                                    .or(p.sip_address.clone())
                                    .unwrap_or_default()
                            })?;
                            Ok(users
                                .into_iter()
                                .filter_map(|k| s.principals[k].sip_address.clone())
                                .map(|sip| {
                                    let op = Operation::GrantPolicy {
                                        user: sip.clone(),
                                        policy_name: policy_name.clone(),
                                    };
                                    (sip, op)
                                })
                                .collect())
                        },
                    );
                }
                Operation::GrantPolicy {
                    user: a.identity.clone().expect("clap requires it"),
                    policy_name,
                }
            }
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }
}

pub mod settings {
    //! `pchat compliance …` and `pchat configuration …`: Get/New/Set/Remove of
    //! CsPersistentChatComplianceConfiguration and CsPersistentChatConfiguration.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd;
    use crate::cli::{Context, Outcome, Output};
    use crate::model::*;
    use crate::ops::{ComplianceParams, ConfigurationParams, Operation};

    #[derive(Debug, Subcommand)]
    pub enum ComplianceCommand {
        /// List compliance configurations (Get-CsPersistentChatComplianceConfiguration)
        Get(args::ScopedGet),
        /// Create one at site or service scope (New-CsPersistentChatComplianceConfiguration)
        New(ComplianceArgs),
        /// Change one, or each one selected (Set-CsPersistentChatComplianceConfiguration)
        Set(SetCompliance),
        /// Remove one; the global one is reset (Remove-CsPersistentChatComplianceConfiguration)
        Remove(ScopeArgs),
    }

    #[derive(Debug, Subcommand)]
    pub enum ConfigurationCommand {
        /// List configurations (Get-CsPersistentChatConfiguration)
        Get(args::ScopedGet),
        /// Create one at site or service scope (New-CsPersistentChatConfiguration)
        New(ConfigurationArgs),
        /// Change one, or each one selected (Set-CsPersistentChatConfiguration)
        Set(SetConfiguration),
        /// Remove one; the global one is reset (Remove-CsPersistentChatConfiguration)
        Remove(ScopeArgs),
    }

    #[derive(Debug, Args)]
    pub struct ScopeArgs {
        /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN`
        #[arg(long, value_parser = args::scope, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<Scope>,
        #[command(flatten)]
        pub pipe: args::Pipe,
    }

    #[derive(Debug, Args)]
    pub struct SetCompliance {
        #[command(flatten)]
        pub of: ComplianceArgs,
        #[command(flatten)]
        pub pipe: args::Pipe,
    }

    #[derive(Debug, Args)]
    pub struct SetConfiguration {
        #[command(flatten)]
        pub of: ConfigurationArgs,
        #[command(flatten)]
        pub pipe: args::Pipe,
    }

    #[derive(Debug, Args)]
    pub struct ComplianceArgs {
        /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN` (Set- defaults to
        /// `global`, as the cmdlet's)
        #[arg(long, value_parser = args::scope, default_value = "global")]
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
        #[arg(long, value_parser = args::boolean)]
        pub one_chat_room_per_output_file: Option<bool>,
        #[arg(long, value_parser = args::boolean)]
        pub add_chat_room_details: Option<bool>,
        #[arg(long, value_parser = args::boolean)]
        pub add_user_details: Option<bool>,
        #[arg(long, value_parser = args::boolean)]
        pub create_file_attachments_manifest: Option<bool>,
        #[arg(long)]
        pub custom_configuration: Option<String>,
    }

    #[derive(Debug, Args)]
    pub struct ConfigurationArgs {
        /// `global`, `site:NAME` or `service:PersistentChatServer:POOL_FQDN` (Set- defaults to
        /// `global`, as the cmdlet's)
        #[arg(long, value_parser = args::scope, default_value = "global")]
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

    /// A scoped setting's verbs, from its flags to its cmdlet calls: the one thing in which
    /// compliance and configuration differ.
    struct Calls<A, P> {
        params: fn(&A) -> P,
        new: fn(Scope, P) -> Operation,
        set: fn(Scope, P) -> Operation,
        remove: fn(Scope) -> Operation,
    }

    /// A verb of a scoped setting, as its command parsed it.
    enum Verb<'a, A> {
        Get(&'a args::ScopedGet),
        New(&'a A),
        Set(&'a A, &'a args::Pipe, &'a Scope),
        Remove(&'a ScopeArgs),
    }

    /// `get`, `new`, `set` and `remove` of a scoped setting, through the kind layer.
    fn run_scoped<T: Object<Key = Scope> + 'static, A, P>(
        verb: Verb<'_, A>,
        calls: Calls<A, P>,
        new_identity: fn(&A) -> &Scope,
        ctx: &Context,
        out: &mut Output,
    ) -> Outcome {
        let cmdlets = T::KIND.desc().cmdlets;
        match verb {
            Verb::Get(a) => store_cmd::get(
                ctx,
                out,
                a.format,
                a.filter.as_deref(),
                store_cmd::named(&a.identity),
                |s| a.pick(T::map(s)),
            ),
            Verb::New(a) => {
                let op = (calls.new)(new_identity(a).clone(), (calls.params)(a));
                store_cmd::run_cmdlet(ctx, out, op)
            }
            Verb::Set(a, pipe, identity) => store_cmd::one_or_each::<T>(
                ctx,
                out,
                cmdlets.set.expect("a setting has Set-"),
                (pipe, Some(identity)),
                |k, _| k.to_string(),
                |id| (calls.set)(id.clone(), (calls.params)(a)),
            ),
            Verb::Remove(a) => store_cmd::one_or_each::<T>(
                ctx,
                out,
                cmdlets.remove.expect("a setting has Remove-"),
                (&a.pipe, a.identity.as_ref()),
                |k, _| k.to_string(),
                |id| (calls.remove)(id.clone()),
            ),
        }
    }

    pub fn run_compliance(cmd: &ComplianceCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let verb = match cmd {
            ComplianceCommand::Get(a) => Verb::Get(a),
            ComplianceCommand::New(a) => Verb::New(a),
            ComplianceCommand::Set(a) => Verb::Set(&a.of, &a.pipe, &a.of.identity),
            ComplianceCommand::Remove(a) => Verb::Remove(a),
        };
        let calls = Calls {
            params: compliance_params,
            new: |identity, params| Operation::NewComplianceConfiguration { identity, params },
            set: |identity, params| Operation::SetComplianceConfiguration { identity, params },
            remove: |identity| Operation::RemoveComplianceConfiguration { identity },
        };
        run_scoped::<ComplianceConfiguration, _, _>(verb, calls, |a| &a.identity, ctx, out)
    }

    pub fn run_configuration(
        cmd: &ConfigurationCommand,
        ctx: &Context,
        out: &mut Output,
    ) -> Outcome {
        let verb = match cmd {
            ConfigurationCommand::Get(a) => Verb::Get(a),
            ConfigurationCommand::New(a) => Verb::New(a),
            ConfigurationCommand::Set(a) => Verb::Set(&a.of, &a.pipe, &a.of.identity),
            ConfigurationCommand::Remove(a) => Verb::Remove(a),
        };
        let calls = Calls {
            params: configuration_params,
            new: |identity, params| Operation::NewConfiguration { identity, params },
            set: |identity, params| Operation::SetConfiguration { identity, params },
            remove: |identity| Operation::RemoveConfiguration { identity },
        };
        run_scoped::<PersistentChatConfiguration, _, _>(verb, calls, |a| &a.identity, ctx, out)
    }
}

pub mod topology {
    //! Pool-level commands: `endpoint get|new|remove`, `state get|set`, `active-server get|set`
    //! (the cmdlets of those names), and `pool add|get`: pools are topology, which the service's
    //! Topology Builder owns, so pchat offers a plain way to declare them in a store.

    use clap::{Args, Subcommand};

    use crate::cli::args;
    use crate::cli::store_cmd::{self, GetFormat};
    use crate::cli::{Context, Outcome, Output};
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
        /// Comparisons of properties, as the cmdlet takes them (`DisplayName -like 'Help*'`)
        #[arg(long)]
        pub filter: Option<String>,
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
        #[arg(long, required_unless_present_any = ["all", "filter"])]
        pub identity: Option<String>,
        #[command(flatten)]
        pub pipe: args::Pipe,
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
        /// The server collection: `PersistentChatServer:POOL_FQDN`, or `global` or a collection
        /// name for the only pool (the default), or a server's FQDN for its pool
        #[arg(long, value_parser = args::service_id, default_value = "global")]
        pub identity: ServiceId,
        #[command(flatten)]
        pub active_servers: args::ActiveServerList,
        /// Make the active servers inactive and the inactive ones active
        #[arg(long, value_parser = args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
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
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| {
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
                    },
                );
            }
            EndpointCommand::New(a) => Operation::NewEndpoint {
                sip_address: a.sip_address.clone(),
                pool: a.persistent_chat_pool_fqdn.clone(),
                display_name: a.display_name.clone(),
            },
            EndpointCommand::Remove(a) => {
                return store_cmd::one_or_each::<Endpoint>(
                    ctx,
                    out,
                    "Remove-CsPersistentChatEndpoint",
                    (&a.pipe, a.identity.as_ref()),
                    |_, e| e.sip_address.clone(),
                    |sip| Operation::RemoveEndpoint {
                        sip_address: sip.clone(),
                    },
                )
            }
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }

    pub fn run_state(cmd: &StateCommand, ctx: &Context, out: &mut Output) -> Outcome {
        let op = match cmd {
            StateCommand::Get(a) => {
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| a.pick(&s.states),
                )
            }
            StateCommand::Set(a) => Operation::SetState {
                identity: a.identity.clone(),
                pool_state: a.pool_state,
            },
        };
        store_cmd::run_cmdlet(ctx, out, op)
    }

    pub fn run_active_server(
        cmd: &ActiveServerCommand,
        ctx: &Context,
        out: &mut Output,
    ) -> Outcome {
        let op = match cmd {
            ActiveServerCommand::Get(a) => {
                return store_cmd::get(
                    ctx,
                    out,
                    a.format,
                    a.filter.as_deref(),
                    store_cmd::named(&a.identity),
                    |s| a.pick(&s.active_servers),
                )
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
            PoolCommand::Get(a) => store_cmd::get(ctx, out, a.format, None, None, |s| {
                s.pools.values().collect()
            }),
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
}
