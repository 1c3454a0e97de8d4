//! Room messages in the store: posting, listing, removing and replacing.

use super::write::exec;
use super::{on_tx, Result, Tx};
use crate::model::message::Message;
use crate::model::ObjectId;

impl Tx<'_> {
    async fn room_id(&mut self, room: &ObjectId) -> Result<Option<i64>> {
        Ok(on_tx!(self, |c| {
            // Names match without regard to case (the index `rooms_name_nocase` serves this).
            sqlx::query_scalar(
                "SELECT id FROM rooms WHERE lower(pool) = lower($1) AND lower(name) = lower($2)",
            )
            .bind(&room.pool)
            .bind(&room.name)
            .fetch_optional(&mut *c)
            .await?
        }))
    }

    /// How many messages each of `rooms` holds, by identity (`POOL\\NAME`); a room without
    /// messages, or gone, is left out. One indexed count per room: plans remove few rooms.
    pub async fn message_counts(
        &mut self,
        rooms: &[ObjectId],
    ) -> Result<std::collections::HashMap<String, u64>> {
        let mut out = std::collections::HashMap::new();
        for room in rooms {
            let n: i64 = on_tx!(self, |c| {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM messages m JOIN rooms r ON r.id = m.room_id \
                     WHERE lower(r.pool) = lower($1) AND lower(r.name) = lower($2)",
                )
                .bind(&room.pool)
                .bind(&room.name)
                .fetch_one(&mut *c)
                .await?
            });
            if n > 0 {
                out.insert(room.to_string(), n as u64);
            }
        }
        Ok(out)
    }

    /// Posts a message; `None` when the room does not exist.
    pub async fn post_message(
        &mut self,
        room: &ObjectId,
        sender: &str,
        posted_at: i64,
        body: &str,
    ) -> Result<Option<i64>> {
        unstorable(room, sender, body)?;
        let Some(room_id) = self.room_id(room).await? else {
            return Ok(None);
        };
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM messages")
                .fetch_one(&mut *c)
                .await?
        });
        let insert = "INSERT INTO messages (id, room_id, sender, posted_at, body) \
                      VALUES ($1, $2, $3, $4, $5)";
        exec!(self, insert, id, room_id, sender, posted_at, body).await?;
        Ok(Some(id))
    }

    /// A room's messages, oldest first; `None` when the room does not exist. `rooms` limits the
    /// rooms when `room` is `None` (every room's messages otherwise).
    pub async fn messages(
        &mut self,
        room: Option<&ObjectId>,
        since: Option<i64>,
    ) -> Result<Option<Vec<Message>>> {
        let room_id = match room {
            Some(r) => match self.room_id(r).await? {
                Some(id) => Some(id),
                None => return Ok(None),
            },
            None => None,
        };
        let rows: Vec<(i64, String, String, String, i64, String)> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT m.id, r.pool, r.name, m.sender, m.posted_at, m.body FROM messages m \
                 JOIN rooms r ON r.id = m.room_id \
                 WHERE ($1 IS NULL OR m.room_id = $1) AND ($2 IS NULL OR m.posted_at >= $2) \
                 ORDER BY m.posted_at, m.id",
            )
            .bind(room_id)
            .bind(since)
            .fetch_all(&mut *c)
            .await?
        });
        Ok(Some(
            rows.into_iter()
                .map(|(id, pool, name, sender, posted_at, body)| Message {
                    id,
                    room: ObjectId::new(pool, name),
                    sender,
                    posted_at,
                    body,
                })
                .collect(),
        ))
    }

    /// Deletes messages by id.
    pub async fn delete_messages(&mut self, ids: &[i64]) -> Result<u64> {
        let mut n = 0;
        for id in ids {
            n += on_tx!(self, |c| {
                sqlx::query("DELETE FROM messages WHERE id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
            });
        }
        Ok(n)
    }

    /// Replaces the text of messages by id.
    pub async fn replace_messages(&mut self, ids: &[i64], text: &str) -> Result<u64> {
        if crate::model::storable::has_nul(text) {
            return Err(super::StoreError::Unstorable {
                what: "the replacement text".into(),
            });
        }
        let mut n = 0;
        for id in ids {
            n += on_tx!(self, |c| {
                sqlx::query("UPDATE messages SET body = $2 WHERE id = $1")
                    .bind(id)
                    .bind(text)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
            });
        }
        Ok(n)
    }

    /// Inserts messages as they are (ids included), for imports.
    pub async fn insert_messages(&mut self, messages: &[Message]) -> Result<()> {
        for m in messages {
            unstorable(&m.room, &m.sender, &m.body)?;
            let Some(room_id) = self.room_id(&m.room).await? else {
                continue;
            };
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO messages (id, room_id, sender, posted_at, body) VALUES ($1, $2, $3, $4, $5)")
                    .bind(m.id)
                    .bind(room_id)
                    .bind(&m.sender)
                    .bind(m.posted_at)
                    .bind(&m.body)
                    .execute(&mut *c)
                    .await?;
            });
        }
        Ok(())
    }
}

/// Refuses a message whose sender or body holds a NUL, naming its room.
fn unstorable(room: &ObjectId, sender: &str, body: &str) -> Result<()> {
    use crate::model::storable::has_nul;
    let field = if has_nul(sender) {
        "sender"
    } else if has_nul(body) {
        "body"
    } else {
        return Ok(());
    };
    Err(super::StoreError::Unstorable {
        what: format!("a message's {field} in room `{room}`"),
    })
}
