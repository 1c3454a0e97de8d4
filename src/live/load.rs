//! `pchat live load`: a snapshot becomes the store's live state, in one transaction.

use crate::model::{DesiredState, ObjectId};
use crate::ops::{self, Effect, Touched};
use crate::store::{ApplyRecord, Store, StoreError};

/// What a load changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub created: usize,
    pub updated: usize,
    pub removed: usize,
    pub revision: i64,
}

/// Why a load did not happen; the store is as it was.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The snapshot lacks rooms whose messages the store holds.
    #[error(
        "the snapshot lacks rooms that hold messages in the store ({}); loading it would delete \
         those messages",
        .0.iter().map(|(r, n)| format!("`{r}`: {}", crate::plural(*n as usize, "message"))).collect::<Vec<_>>().join(", ")
    )]
    WouldDestroy(Vec<(String, u64)>),
}

impl LoadError {
    pub fn is_refusal(&self) -> bool {
        match self {
            LoadError::Store(e) => e.is_refusal(),
            LoadError::WouldDestroy(_) => true,
        }
    }
}

/// Makes `state` (a snapshot's) the store's live state: each object that differs is written,
/// rows that stay keep their ids, lists and messages. A room the snapshot lacks that holds
/// messages is removed only with `allow_destroy`. Recorded in the history as `live-snapshot`.
///
/// # Errors
/// `WouldDestroy` without consent; `Store` when the store fails. Nothing is written either way.
pub async fn load(
    store: &Store,
    state: &DesiredState,
    allow_destroy: bool,
    digest: &str,
    actor: &str,
) -> Result<Loaded, LoadError> {
    let mut tx = store.write().await?;
    let old = tx.read_state().await?;
    let current = tx.revision().await?;
    let touched = ops::net::changes(&old, state);
    let removed: Vec<ObjectId> = touched
        .iter()
        .filter_map(|t| match t {
            Touched::Room(id, Effect::Removed) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let messages = tx.message_counts(&removed).await?;
    if !messages.is_empty() && !allow_destroy {
        tx.finish().await?;
        let mut rooms: Vec<(String, u64)> = messages.into_iter().collect();
        rooms.sort();
        return Err(LoadError::WouldDestroy(rooms));
    }
    let count = |e: Effect| {
        touched
            .iter()
            .filter(|t| !matches!(t, Touched::Renamed(..)) && t.key_and_effect().1 == e)
            .count()
    };
    let (created, updated, removed) = (
        count(Effect::Created),
        count(Effect::Updated),
        count(Effect::Removed),
    );
    let facts_differ = old.facts != state.facts;
    if touched.is_empty() && !facts_differ {
        tx.finish().await?;
        return Ok(Loaded {
            created,
            updated,
            removed,
            revision: current,
        });
    }
    tx.persist_net(state, &touched).await?;
    // After the rooms: chat content is recorded by room id.
    tx.write_facts(&state.facts).await?;
    let mut lines: Vec<String> = touched
        .iter()
        .map(|t| {
            let (key, effect) = t.key_and_effect();
            format!("{effect:?} {} {key}", t.kind().key())
        })
        .collect();
    if facts_differ {
        lines.push("Updated live-facts (unknown fields, rooms with chat content)".into());
    }
    tx.record_apply(&ApplyRecord {
        id: 0,
        applied_at: now_micros(),
        actor: actor.to_string(),
        git_commit: None,
        config_digest: digest.to_string(),
        revision: current + 1,
        operation_count: lines.len() as i64,
        operations: lines.join("\n"),
        source: "live-snapshot".into(),
    })
    .await?;
    let revision = tx.commit_write().await?;
    Ok(Loaded {
        created,
        updated,
        removed,
        revision,
    })
}

use crate::model::message::now_micros;
