//! The message cmdlets on a live store: posting and reading a room's messages,
//! `Remove-CsPersistentChatMessage` (delete or replace), `Clear-CsPersistentChatRoom` over a
//! selection of rooms, and `Test-CsPersistentChatMessage`. Nothing here prints: the CLI reports
//! what comes back, and a room that does not exist comes back as `None`.

use std::time::{Duration, Instant};

use crate::model::access;
use crate::model::message::{Message, MessageFilter};
use crate::model::{DesiredState, ObjectId};
use crate::store::{Store, StoreError};

pub use crate::model::message::now_micros;

/// Posts a message; its id, or `None` when the room does not exist.
pub async fn post(
    store: &Store,
    room: &ObjectId,
    from: &str,
    at: i64,
    text: &str,
) -> Result<Option<i64>, StoreError> {
    let mut tx = store.write().await?;
    let id = tx.post_message(room, from, at, text).await?;
    if id.is_some() {
        tx.commit_write().await?;
    } else {
        tx.finish().await?;
    }
    Ok(id)
}

/// A room's messages, or `None` when the room does not exist.
pub async fn list(store: &Store, room: &ObjectId) -> Result<Option<Vec<Message>>, StoreError> {
    let mut tx = store.read().await?;
    let m = tx.messages(Some(room), None).await?;
    tx.finish().await?;
    Ok(m)
}

/// Deletes (`replace` is `None`) or replaces the messages of a room that `filter` matches, in
/// one write: how many, and the store's revision after; `None` when the room does not exist.
pub async fn remove(
    store: &Store,
    room: &ObjectId,
    filter: &MessageFilter,
    replace: Option<&str>,
) -> Result<Option<(u64, i64)>, StoreError> {
    let mut tx = store.write().await?;
    let Some(messages) = tx.messages(Some(room), None).await? else {
        tx.finish().await?;
        return Ok(None);
    };
    let ids: Vec<i64> = messages
        .iter()
        .filter(|m| filter.matches(m))
        .map(|m| m.id)
        .collect();
    let n = match replace {
        None => tx.delete_messages(&ids).await?,
        Some(text) => tx.replace_messages(&ids, text).await?,
    };
    Ok(Some((n, tx.commit_write().await?)))
}

/// What clearing a selection of rooms did, or would do.
#[derive(Debug)]
pub struct Cleared {
    pub rooms: Vec<ObjectId>,
    pub messages: u64,
    /// The store's revision after the clear; `None` when only counted.
    pub revision: Option<i64>,
}

/// `Get-CsPersistentChatRoom … | Clear-CsPersistentChatRoom`: deletes the messages `filter`
/// matches in the rooms `pick` selects, in one transaction; without `commit`, only counts
/// them. A selection that cannot be made comes back as its reason.
pub async fn clear(
    store: &Store,
    pick: impl FnOnce(&DesiredState) -> Result<Vec<ObjectId>, String>,
    filter: &MessageFilter,
    commit: bool,
) -> Result<Result<Cleared, String>, StoreError> {
    // Counting only reads: it neither takes nor waits for the writer lock.
    let mut tx = if commit {
        store.write().await?
    } else {
        store.read().await?
    };
    let state = tx.read_state().await?;
    let rooms = match pick(&state) {
        Ok(r) => r,
        Err(e) => {
            tx.finish().await?;
            return Ok(Err(e));
        }
    };
    let mut ids = Vec::new();
    for room in &rooms {
        if let Some(messages) = tx.messages(Some(room), None).await? {
            ids.extend(messages.iter().filter(|m| filter.matches(m)).map(|m| m.id));
        }
    }
    if !commit {
        tx.finish().await?;
        let messages = ids.len() as u64;
        return Ok(Ok(Cleared {
            rooms,
            messages,
            revision: None,
        }));
    }
    let messages = tx.delete_messages(&ids).await?;
    let revision = Some(tx.commit_write().await?);
    Ok(Ok(Cleared {
        rooms,
        messages,
        revision,
    }))
}

/// A test message that went round: where, and how long the receiver waited for it.
#[derive(Debug)]
pub struct Probe {
    pub room: ObjectId,
    pub latency: Duration,
}

/// Why a room cannot host the test, or `None` when it can.
fn unfit_room(
    state: &DesiredState,
    room: &ObjectId,
    sender: &str,
    receiver: &str,
) -> Option<String> {
    match state.rooms.get(room) {
        None => Some(format!("room `{room}` does not exist")),
        Some(r) if r.disabled => Some(format!("room `{room}` is disabled")),
        Some(r) => access::unfit(state, room, r, sender, "sender")
            .or_else(|| access::unfit(state, room, r, receiver, "receiver")),
    }
}

/// `Test-CsPersistentChatMessage`: the sender posts in `room` (default: the first room both
/// users may take part in), the receiver reads it back, and the probe is taken away again, so
/// the test leaves no trace. Why it failed comes back as text.
pub async fn test(
    store: &Store,
    room: Option<&ObjectId>,
    sender: &str,
    receiver: &str,
) -> Result<Result<Probe, String>, StoreError> {
    let mut tx = store.write().await?;
    let state = tx.read_state().await?;
    let verdict = match room {
        Some(room) => unfit_room(&state, room, sender, receiver).map_or(Ok(room.clone()), Err),
        None => state
            .rooms
            .keys()
            .find(|room| unfit_room(&state, room, sender, receiver).is_none())
            .cloned()
            .ok_or_else(|| {
                let why = state.rooms.keys().next().map_or_else(
                    || "no room exists".to_string(),
                    |first| unfit_room(&state, first, sender, receiver).unwrap_or_default(),
                );
                format!("no room both test users may take part in ({why})")
            }),
    };
    let room = match verdict {
        Ok(room) => room,
        Err(why) => {
            tx.finish().await?;
            return Ok(Err(why));
        }
    };
    let nonce = format!("pchat test message {}", now_micros());
    let posted = Instant::now();
    let id = tx.post_message(&room, sender, now_micros(), &nonce).await?;
    let seen = tx
        .messages(Some(&room), None)
        .await?
        .unwrap_or_default()
        .iter()
        .any(|m| Some(m.id) == id && m.body == nonce);
    let latency = posted.elapsed();
    // Never committed: the probe goes with the transaction.
    tx.finish().await?;
    Ok(if seen {
        Ok(Probe { room, latency })
    } else {
        Err("the receiver could not read the message back".to_string())
    })
}
