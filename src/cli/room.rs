//! `pchat room get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatRoom.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, joined, GetFormat};
use super::{Context, Outcome, Output};
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
    Clear(super::message::ClearArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// One room, `POOL_FQDN\NAME`
    #[arg(long, value_parser = args::object_id)]
    pub identity: Option<ObjectId>,
    /// Rooms whose name matches this pattern (`*` and `?` wildcards)
    #[arg(long)]
    pub filter: Option<String>,
    /// Rooms of this pool
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
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
    #[arg(long)]
    pub disabled: Option<bool>,
    /// Rooms showing this add-in (name)
    #[arg(long)]
    pub addin: Option<String>,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
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
    #[arg(long)]
    pub disabled: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The room, `POOL_FQDN\NAME`
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
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
    #[arg(long)]
    pub disabled: Option<bool>,
    /// Replace the members
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub members: Option<Vec<String>>,
    #[arg(long)]
    pub members_add: Vec<String>,
    #[arg(long)]
    pub members_remove: Vec<String>,
    /// Empty the members list ($Null)
    #[arg(long)]
    pub clear_members: bool,
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub managers: Option<Vec<String>>,
    #[arg(long)]
    pub managers_add: Vec<String>,
    #[arg(long)]
    pub managers_remove: Vec<String>,
    #[arg(long)]
    pub clear_managers: bool,
    #[arg(long, num_args = 1.., value_delimiter = ';')]
    pub presenters: Option<Vec<String>>,
    #[arg(long)]
    pub presenters_add: Vec<String>,
    #[arg(long)]
    pub presenters_remove: Vec<String>,
    #[arg(long)]
    pub clear_presenters: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
}

fn has(list: &[String], who: &str) -> bool {
    let key = crate::model::principal::key_or_text;
    let k = key(who);
    list.iter().any(|p| key(p) == k)
}

pub fn run(cmd: &RoomCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        RoomCommand::Get(a) => {
            let state = match store_cmd::read_state(ctx) {
                Ok(s) => s,
                Err(e) => return store_cmd::store_failed(ctx, out, &e),
            };
            let rooms: Vec<&Room> = state
                .rooms
                .iter()
                .filter(|(id, r)| {
                    a.identity.as_ref().is_none_or(|i| i == *id)
                        && a.filter
                            .as_ref()
                            .is_none_or(|f| store_cmd::wildcard(f, &r.name))
                        && a.persistent_chat_pool_fqdn
                            .as_ref()
                            .is_none_or(|p| p.eq_ignore_ascii_case(&id.pool))
                        && a.category.as_ref().is_none_or(|c| *c == r.category)
                        && a.privacy.is_none_or(|p| p == r.privacy)
                        && a.room_type.is_none_or(|t| t == r.room_type)
                        && a.member.as_ref().is_none_or(|m| has(&r.members, m))
                        && a.manager.as_ref().is_none_or(|m| has(&r.managers, m))
                        && a.presenter.as_ref().is_none_or(|m| has(&r.presenters, m))
                        && a.disabled.is_none_or(|d| d == r.disabled)
                        && a.addin.as_ref().is_none_or(|x| r.addin.as_ref() == Some(x))
                })
                .map(|(_, r)| r)
                .collect();
            store_cmd::print(
                out,
                a.format,
                &rooms,
                &[
                    ("Identity", &|r: &Room| {
                        format!(
                            "{}\\{}",
                            r.persistent_chat_pool_fqdn.as_deref().unwrap_or_default(),
                            r.name
                        )
                    }),
                    ("Category", &|r: &Room| r.category.clone()),
                    ("Type", &|r: &Room| format!("{:?}", r.room_type)),
                    ("Privacy", &|r: &Room| format!("{:?}", r.privacy)),
                    ("Addin", &|r: &Room| r.addin.clone().unwrap_or_default()),
                    ("Disabled", &|r: &Room| r.disabled.to_string()),
                    ("Members", &|r: &Room| joined(&r.members)),
                    ("Managers", &|r: &Room| joined(&r.managers)),
                    ("Presenters", &|r: &Room| joined(&r.presenters)),
                ],
            );
            Outcome::Success
        }
        RoomCommand::New(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::NewRoom {
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
        ),
        RoomCommand::Set(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::SetRoom {
                identity: a.identity.clone(),
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
                members: args::list_change(
                    &a.members,
                    &a.members_add,
                    &a.members_remove,
                    a.clear_members,
                ),
                managers: args::list_change(
                    &a.managers,
                    &a.managers_add,
                    &a.managers_remove,
                    a.clear_managers,
                ),
                presenters: args::list_change(
                    &a.presenters,
                    &a.presenters_add,
                    &a.presenters_remove,
                    a.clear_presenters,
                ),
            },
        ),
        RoomCommand::Clear(a) => super::message::clear(a, ctx, out),
        RoomCommand::Remove(a) => store_cmd::run_cmdlet(
            ctx,
            out,
            Operation::RemoveRoom {
                identity: a.identity.clone(),
            },
        ),
    }
}
