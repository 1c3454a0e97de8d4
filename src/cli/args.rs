//! Parsers for cmdlet parameter values: enums in the cmdlets' spelling (matched without regard
//! to case), identities, TimeSpans, and list modifiers.

use crate::model::*;
use crate::ops::ListChange;
use crate::suggest::nearest;

fn one_of<T: Copy>(s: &str, options: &[(&str, T)]) -> Result<T, String> {
    if let Some((_, v)) = options.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        return Ok(*v);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let hint = nearest(s, names.iter().copied())
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    Err(format!("expected one of {}{hint}", names.join(", ")))
}

pub fn privacy(s: &str) -> Result<Privacy, String> {
    one_of(
        s,
        &[
            ("Open", Privacy::Open),
            ("Closed", Privacy::Closed),
            ("Secret", Privacy::Secret),
        ],
    )
}

pub fn room_type(s: &str) -> Result<RoomType, String> {
    one_of(
        s,
        &[
            ("Normal", RoomType::Normal),
            ("Auditorium", RoomType::Auditorium),
        ],
    )
}

pub fn invitations(s: &str) -> Result<RoomInvitations, String> {
    one_of(
        s,
        &[
            ("Inherit", RoomInvitations::Inherit),
            ("False", RoomInvitations::False),
        ],
    )
}

pub fn pool_state(s: &str) -> Result<PoolState, String> {
    one_of(
        s,
        &[
            ("Normal", PoolState::Normal),
            ("FailedOver", PoolState::FailedOver),
        ],
    )
}

pub fn scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

pub fn object_id(s: &str) -> Result<ObjectId, String> {
    s.parse()
}

pub fn service_id(s: &str) -> Result<ServiceId, String> {
    s.parse::<ServiceId>()
        .or_else(|_| format!("PersistentChatServer:{s}").parse())
}

pub fn timespan(s: &str) -> Result<TimeSpan, String> {
    s.parse()
}

/// `$Null`, `null` or an empty value: the cmdlets' way to clear a value.
pub fn is_null(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("$null") || s.eq_ignore_ascii_case("null")
}

/// A list parameter as three flags and a clear switch.
pub fn list_change(
    replace: &Option<Vec<String>>,
    add: &[String],
    remove: &[String],
    clear: bool,
) -> ListChange {
    ListChange {
        replace: if clear { Some(vec![]) } else { replace.clone() },
        add: add.to_vec(),
        remove: remove.to_vec(),
    }
}
