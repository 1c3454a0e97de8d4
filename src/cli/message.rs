//! `pchat message post|get|remove|test` and `pchat room clear`: room content
//! (Remove-CsPersistentChatMessage, Test-CsPersistentChatMessage, Clear-CsPersistentChatRoom),
//! plus `post` and `get` so a store can have content to manage.

use std::time::Instant;

use clap::{Args, Subcommand};

use super::args;
use super::store_cmd::{self, GetFormat};
use super::{Context, Outcome, Output};
use crate::messages::{self, Cleared, Probe};
use crate::model::message::{
    self, format_time, parse_time, DayEnd, MatchClause, Message, MessageFilter,
};
use crate::model::principal::principal_key;
use crate::model::*;

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Post a message to a room
    Post(PostArgs),
    /// List a room's messages
    Get(GetArgs),
    /// Remove or replace messages (Remove-CsPersistentChatMessage)
    Remove(RemoveArgs),
    /// Prove the service works: two users post and read a message (Test-CsPersistentChatMessage)
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct PostArgs {
    #[arg(long, value_parser = args::object_id)]
    pub room: ObjectId,
    /// The sender's SIP URI
    #[arg(long)]
    pub from: String,
    /// When it was posted (UTC; default now)
    #[arg(long)]
    pub at: Option<String>,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[arg(long, value_parser = args::object_id)]
    pub room: ObjectId,
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The room
    #[arg(long, value_parser = args::object_id)]
    pub identity: ObjectId,
    /// Only messages from this user
    #[arg(long)]
    pub user_uri: Option<String>,
    /// Posted on or after (UTC date or date-time)
    #[arg(long)]
    pub start_date: Option<String>,
    /// Posted on or before (a bare date includes that whole day)
    #[arg(long)]
    pub end_date: Option<String>,
    /// Keywords the message must contain (see --match-clause); never empty
    #[arg(long, value_parser = keywords)]
    pub filter: Option<String>,
    /// All: every keyword; Or: any keyword; Exact: the filter as one phrase
    #[arg(long, value_parser = str::parse::<MatchClause>, default_value = "All")]
    pub match_clause: MatchClause,
    /// Match keywords with regard to case (a Boolean, as the cmdlet's: `--case-sensitive true`)
    #[arg(long, value_parser = super::args::boolean, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub case_sensitive: bool,
    /// Delete the messages instead of replacing their text
    #[arg(long, conflicts_with = "replace_message", value_parser = super::args::boolean, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    pub remove: bool,
    /// The text that replaces them (default: the service's notice)
    #[arg(long)]
    pub replace_message: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClearArgs {
    #[arg(long, value_parser = args::object_id, required_unless_present_any = ["all", "filter"])]
    pub identity: Option<ObjectId>,
    /// Clear every room, or those the filter selects (`Get-CsPersistentChatRoom | Clear-…`)
    #[command(flatten)]
    pub pipe: args::Pipe,
    /// Delete messages posted on or before this date (a bare date includes that whole day)
    #[arg(long)]
    pub end_date: String,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The room to test in (default: the first room both users may take part in)
    #[arg(long = "chat-room-uri", visible_alias = "room", value_parser = args::object_id)]
    pub room: Option<ObjectId>,
    #[arg(long)]
    pub sender_sip_address: String,
    #[arg(long)]
    pub receiver_sip_address: String,
    /// The Registrar pool the test users sign in to; accepted as the cmdlet's, pchat's store
    /// is the service it tests
    #[arg(long)]
    pub target_fqdn: Option<String>,
    /// The users' credentials (`$cred1`): accepted as the cmdlet's, pchat's store needs none
    #[arg(long)]
    pub sender_credential: Option<String>,
    #[arg(long)]
    pub receiver_credential: Option<String>,
}

/// A `-Filter` with something in it: a blank one (an unset `$KEYWORD` in a script) would match
/// every message of the room under `All` and `Exact`.
fn keywords(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err(
            "the filter is empty; give the keywords to match, or leave --filter out \
                    to select by user and date alone"
                .into(),
        );
    }
    Ok(s.to_string())
}

/// A room that is not there: the hint lists the rooms of its pool.
fn no_room(ctx: &Context, out: &mut Output, message: &str, room: &ObjectId) -> Outcome {
    let outcome = ctx.fail(out, message);
    out.stderr.push_str(&format!(
        "  {}: list the rooms with `pchat room get --persistent-chat-pool-fqdn {}`\n",
        ctx.stderr_style.bold("help"),
        super::fixes::quote(&room.pool)
    ));
    outcome
}

/// Deletes or replaces the messages of a room that `filter` matches (`messages::remove`).
fn act_on(
    ctx: &Context,
    out: &mut Output,
    cmdlet: &str,
    room: &ObjectId,
    filter: MessageFilter,
    replace: Option<String>,
) -> Outcome {
    let result = ctx
        .session()
        .with(async |store| messages::remove(store, room, &filter, replace.as_deref()).await);
    match result {
        Ok(Some((n, revision))) => {
            let verb = if replace.is_some() {
                "replaced"
            } else {
                "removed"
            };
            out.stdout.push_str(&format!(
                "{cmdlet}: {verb} {} in room `{room}`{} (store revision {revision})\n",
                crate::plural(n as usize, "message"),
                crate::model::message::window(&filter)
            ));
            Outcome::Success
        }
        Ok(None) => no_room(
            ctx,
            out,
            &format!("{cmdlet} refused: room `{room}` does not exist"),
            room,
        ),
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}

pub fn clear(a: &ClearArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let filter = match MessageFilter::between(None, Some(&a.end_date)) {
        Ok(f) => f,
        Err(e) => return ctx.fail(out, &e),
    };
    match &a.identity {
        Some(room) if !a.pipe.selects() => match store_cmd::room_named(ctx, out, room) {
            Ok(room) => act_on(ctx, out, "Clear-CsPersistentChatRoom", &room, filter, None),
            Err(o) => o,
        },
        _ => clear_selected(a, ctx, out, filter),
    }
}

/// `Get-CsPersistentChatRoom … | Clear-CsPersistentChatRoom`: the rooms a selection picks,
/// cleared in one transaction; without `--yes`, only how many and which.
fn clear_selected(
    a: &ClearArgs,
    ctx: &Context,
    out: &mut Output,
    filter: MessageFilter,
) -> Outcome {
    const CMDLET: &str = "Clear-CsPersistentChatRoom";
    let pick = |s: &crate::model::DesiredState| -> Result<Vec<ObjectId>, String> {
        let ids = a.pipe.pick::<Room>(s, |k, _| k.name.clone())?;
        Ok(ids.into_iter().cloned().collect())
    };
    let result = ctx
        .session()
        .with(async |store| messages::clear(store, pick, &filter, a.pipe.yes).await);
    match result {
        Ok(Err(e)) => ctx.fail(out, &e),
        Ok(Ok(Cleared {
            rooms,
            messages: n,
            revision: None,
        })) => {
            let names: Vec<String> = rooms.iter().map(|r| r.to_string()).collect();
            out.stderr.push_str(&format!(
                "{}: {CMDLET} would remove {} from {}; nothing was changed\n  {}: add --yes \
                 to do it, in one transaction\n",
                ctx.stderr_style.red("error"),
                crate::plural(n as usize, "message"),
                crate::counted(&names, "room", 20),
                ctx.stderr_style.bold("help"),
            ));
            Outcome::Refused
        }
        Ok(Ok(Cleared {
            rooms,
            messages: n,
            revision: Some(revision),
        })) => {
            out.stdout.push_str(&format!(
                "{CMDLET}: removed {} from {}{} (store revision {revision})\n",
                crate::plural(n as usize, "message"),
                crate::plural(rooms.len(), "room"),
                crate::model::message::window(&filter)
            ));
            Outcome::Success
        }
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}

pub fn run(cmd: &MessageCommand, ctx: &Context, out: &mut Output) -> Outcome {
    match cmd {
        MessageCommand::Post(a) => {
            let at = match &a.at {
                Some(s) => match parse_time(s, DayEnd::Start) {
                    Ok(t) => t,
                    Err(e) => return ctx.fail(out, &e),
                },
                None => messages::now_micros(),
            };
            if !matches!(principal_key(&a.from), Ok((principal::RefKind::Sip, _))) {
                return ctx.fail(out, format!("`{}` is not a SIP URI", a.from));
            }
            let room = match store_cmd::room_named(ctx, out, &a.room) {
                Ok(room) => room,
                Err(o) => return o,
            };
            let result = ctx
                .session()
                .with(async |store| messages::post(store, &room, &a.from, at, &a.text).await);
            match result {
                Ok(Some(id)) => {
                    out.stdout.push_str(&format!(
                        "posted message {id} to room `{}` at {}\n",
                        room,
                        format_time(at)
                    ));
                    Outcome::Success
                }
                Ok(None) => no_room(ctx, out, &format!("room `{}` does not exist", room), &room),
                Err(e) => store_cmd::store_failed(ctx, out, &e),
            }
        }
        MessageCommand::Get(a) => {
            let room = match store_cmd::room_named(ctx, out, &a.room) {
                Ok(room) => room,
                Err(o) => return o,
            };
            let result = ctx
                .session()
                .with(async |store| messages::list(store, &room).await);
            match result {
                Ok(Some(messages)) => {
                    store_cmd::print(
                        out,
                        a.format,
                        &messages,
                        &|m: &Message| m.id.to_string(),
                        &[
                            ("PostedAt", &|m: &Message| format_time(m.posted_at)),
                            ("Sender", &|m: &Message| m.sender.clone()),
                            ("Text", &|m: &Message| m.body.clone()),
                        ],
                    );
                    Outcome::Success
                }
                Ok(None) => no_room(ctx, out, &format!("room `{}` does not exist", room), &room),
                Err(e) => store_cmd::store_failed(ctx, out, &e),
            }
        }
        MessageCommand::Remove(a) => {
            let filter =
                match MessageFilter::between(a.start_date.as_deref(), a.end_date.as_deref()) {
                    Ok(dates) => MessageFilter {
                        user_uri: a.user_uri.clone(),
                        filter: a.filter.clone(),
                        match_clause: a.match_clause,
                        case_sensitive: a.case_sensitive,
                        ..dates
                    },
                    Err(e) => return ctx.fail(out, &e),
                };
            // Replaced with the service's notice unless `-Remove` or a text is given.
            let replace = (!a.remove).then(|| {
                (a.replace_message.clone()).unwrap_or_else(|| message::REPLACED_TEXT.into())
            });
            match store_cmd::room_named(ctx, out, &a.identity) {
                Ok(room) => act_on(
                    ctx,
                    out,
                    "Remove-CsPersistentChatMessage",
                    &room,
                    filter,
                    replace,
                ),
                Err(o) => o,
            }
        }
        MessageCommand::Test(a) => test(a, ctx, out),
    }
}

fn test(a: &TestArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let started = Instant::now();
    let named = match a.room.as_ref().map(|r| store_cmd::room_named(ctx, out, r)) {
        Some(Err(o)) => return o,
        Some(Ok(room)) => Some(room),
        None => None,
    };
    let (sender, receiver) = (&a.sender_sip_address, &a.receiver_sip_address);
    let result = ctx
        .session()
        .with(async |store| messages::test(store, named.as_ref(), sender, receiver).await);
    match result {
        Ok(Ok(Probe { room, latency })) => {
            out.stdout.push_str(&format!(
                "Test-CsPersistentChatMessage: Success (room `{}`, latency {:.1} ms, total {:.1} ms)\n",
                room,
                latency.as_secs_f64() * 1000.0,
                started.elapsed().as_secs_f64() * 1000.0
            ));
            Outcome::Success
        }
        Ok(Err(why)) => {
            // The library names no command: the fix is said here.
            let hint = if why.contains("not in the directory") {
                " (import it with `pchat principal import`)"
            } else {
                ""
            };
            out.stdout.push_str(&format!(
                "Test-CsPersistentChatMessage: Failure: {why}{hint}\n"
            ));
            Outcome::Failed
        }
        Err(e) => store_cmd::store_failed(ctx, out, &e),
    }
}
