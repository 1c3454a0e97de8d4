//! What the store commands share: the runtime, opening the store, running a cmdlet and
//! reporting it, and printing `get` results as a table, JSON or YAML.

use serde::Serialize;

use super::{Context, Outcome, Output};
use crate::imperative;
use crate::ops::Operation;
use crate::store::StoreError;

pub use super::args::GetFormat;

/// Reports a store failure; a lock timeout is a safety refusal (exit 3).
pub fn store_failed(ctx: &Context, out: &mut Output, e: &StoreError) -> Outcome {
    ctx.failed(out, e, e.is_refusal())
}

/// Runs one cmdlet and reports it: a line per changed object on stdout, warnings on stderr.
pub fn run_cmdlet(ctx: &Context, out: &mut Output, op: Operation) -> Outcome {
    report(ctx, out, op.cmdlet(), ctx.session().run(&op))
}

fn report(
    ctx: &Context,
    out: &mut Output,
    cmdlet: &str,
    result: Result<imperative::Done, imperative::CmdletError>,
) -> Outcome {
    match result {
        Ok(done) => {
            out.stdout.push_str(&done.report(cmdlet));
            for w in &done.warnings {
                out.stderr.push_str(&format!(
                    "{}: {} `{}`: {}\n",
                    ctx.stderr_style.yellow("warning"),
                    w.kind,
                    w.identity,
                    w.message
                ));
            }
            Outcome::Success
        }
        Err(e) => ctx.failed(out, &e, e.is_safety_refusal()),
    }
}

/// A room as a command names it: `POOL_FQDN\NAME`, or a bare name resolved in the store
/// ([`resolve_bare`]); what cannot be resolved is reported (exit 1).
pub fn room_named(
    ctx: &Context,
    out: &mut Output,
    id: &crate::model::ObjectId,
) -> Result<crate::model::ObjectId, Outcome> {
    if !super::args::is_bare(id) {
        return Ok(id.clone());
    }
    ctx.session()
        .resolve_bare::<crate::model::Room>(&id.name)
        .and_then(|k| k.parse())
        .map_err(|e| ctx.fail(out, e))
}

/// Runs `cmdlet` on every object `select` names, in one transaction. Without `--yes` it only
/// says how many objects it would change, and which, and refuses (exit 3).
pub fn run_pipeline(
    ctx: &Context,
    out: &mut Output,
    cmdlet: &'static str,
    yes: bool,
    select: impl Fn(&crate::model::DesiredState) -> Result<Vec<(String, Operation)>, String>,
) -> Outcome {
    if !yes {
        let preview = match ctx.session().preview(&select) {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return ctx.fail(out, e),
            Err(e) => return store_failed(ctx, out, &e),
        };
        // Rooms removed take their chat history with them: say how much.
        let history = match preview.messages {
            0 => String::new(),
            n => format!(
                "; their {} would be deleted with them",
                crate::plural(n as usize, "message")
            ),
        };
        out.stderr.push_str(&format!(
            "{}: {cmdlet} would act on {}{history}; nothing was changed\n  {}: add --yes to do \
             it, in one transaction\n",
            ctx.stderr_style.red("error"),
            crate::counted(&preview.names, "object", 20),
            ctx.stderr_style.bold("help"),
        ));
        return Outcome::Refused;
    }
    let mut count = 0;
    let result = ctx.session().run_each(cmdlet, |state| {
        let picked = select(state)?;
        count = picked.len();
        Ok(picked.into_iter().map(|(_, op)| op).collect())
    });
    let outcome = report(ctx, out, cmdlet, result);
    if matches!(outcome, Outcome::Success) {
        out.stdout.push_str(&format!(
            "{cmdlet}: {} selected, in one transaction\n",
            crate::plural(count, "object")
        ));
    }
    outcome
}

use crate::model::opath::narrow;

/// Reads the live state and prints the objects `select` picks from it: a table of the kind's
/// identity and the fields its description shows, or the objects as JSON/YAML, each with its
/// `identity` first as the cmdlets' objects have it.
///
/// `filter` is the command's `--filter`: written as a comparison (`SipAddress -eq "sip:…"`), it
/// is judged on each listed object's fields (`select` leaves it alone: `query::pattern`); a
/// filter that cannot be read, or names a property the objects lack, is an error.
pub fn get<T: crate::model::Object>(
    ctx: &Context,
    out: &mut Output,
    format: GetFormat,
    filter: Option<&str>,
    identity: Option<String>,
    select: impl FnOnce(&crate::model::DesiredState) -> Vec<&T>,
) -> Outcome {
    get_in(ctx, out, format, filter, identity, None, select)
}

/// A `get`'s `--identity`, as the error that finds nothing names it.
pub fn named<I: std::fmt::Display>(identity: &Option<I>) -> Option<String> {
    identity.as_ref().map(ToString::to_string)
}

/// `get`, reading only the rooms in `rooms` when it is given. A `get` of one `identity` that
/// finds nothing fails, as the cmdlet does ("cannot find"), instead of listing nothing.
pub fn get_in<T: crate::model::Object>(
    ctx: &Context,
    out: &mut Output,
    format: GetFormat,
    filter: Option<&str>,
    identity: Option<String>,
    rooms: Option<&[crate::model::ObjectId]>,
    select: impl FnOnce(&crate::model::DesiredState) -> Vec<&T>,
) -> Outcome {
    let state = match ctx.session().read_for::<T>(rooms) {
        Ok(s) => s,
        Err(e) => return store_failed(ctx, out, &e),
    };
    let items = match narrow(&state, select(&state), filter) {
        Ok(items) => items,
        Err(e) => return ctx.fail(out, format_args!("--filter: {e}")),
    };
    if let (Some(id), true) = (&identity, items.is_empty()) {
        return ctx.fail(out, format_args!("cannot find {}", T::KIND.label(id)));
    }
    let text = crate::render::objects::of_kind(format.into(), &items);
    out.stdout.push_str(&text);
    Outcome::Success
}

pub use crate::render::objects::Column;

/// Prints objects: a table of their identity and `columns` (header, value per object), or the
/// objects as JSON/YAML with their `identity` first.
pub fn print<T: Serialize>(
    out: &mut Output,
    format: GetFormat,
    items: &[T],
    identity: &dyn Fn(&T) -> String,
    columns: &[Column<'_, T>],
) {
    let text = crate::render::objects::with_columns(format.into(), items, identity, columns);
    out.stdout.push_str(&text);
}

/// Reads the live state for a command that shows something of it; a store failure is reported.
pub fn with_state(
    ctx: &Context,
    out: &mut Output,
    show: impl FnOnce(&crate::model::DesiredState, &mut Output) -> Outcome,
) -> Outcome {
    match ctx.session().read_state() {
        Ok(state) => show(&state, out),
        Err(e) => store_failed(ctx, out, &e),
    }
}
