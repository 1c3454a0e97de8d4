//! `pchat room get|new|set|remove`: Get/New/Set/Remove-CsPersistentChatRoom.

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd;
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
    #[arg(long)]
    pub disabled: Option<bool>,
    /// Rooms showing this add-in (name)
    #[arg(long)]
    pub addin: Option<String>,
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
    #[command(flatten)]
    pub members: args::Members,
    #[command(flatten)]
    pub managers: args::Managers,
    #[command(flatten)]
    pub presenters: args::Presenters,
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

fn keeps(a: &GetArgs, id: &ObjectId, r: &Room) -> bool {
    a.of.keeps(id)
        && a.category.as_ref().is_none_or(|c| *c == r.category)
        && a.privacy.is_none_or(|p| p == r.privacy)
        && a.room_type.is_none_or(|t| t == r.room_type)
        && a.member.as_ref().is_none_or(|m| has(&r.members, m))
        && a.manager.as_ref().is_none_or(|m| has(&r.managers, m))
        && a.presenter.as_ref().is_none_or(|m| has(&r.presenters, m))
        && a.disabled.is_none_or(|d| d == r.disabled)
        && a.addin.as_ref().is_none_or(|x| r.addin.as_ref() == Some(x))
}

pub fn run(cmd: &RoomCommand, ctx: &Context, out: &mut Output) -> Outcome {
    let op = match cmd {
        RoomCommand::Get(a) => {
            return store_cmd::get(ctx, out, a.of.format, |s| {
                s.rooms
                    .iter()
                    .filter(|(id, r)| keeps(a, id, r))
                    .map(|(_, r)| r)
                    .collect()
            })
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
        RoomCommand::Set(a) => Operation::SetRoom {
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
            members: a.members.change(),
            managers: a.managers.change(),
            presenters: a.presenters.change(),
        },
        RoomCommand::Clear(a) => return super::message::clear(a, ctx, out),
        RoomCommand::Remove(a) => Operation::RemoveRoom {
            identity: a.identity.clone(),
        },
    };
    store_cmd::run_cmdlet(ctx, out, op)
}
