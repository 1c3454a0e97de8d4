//! What the configuration declared when the store was last marked converged, file by file
//! (migration 5): each file's digest, and which file declared each object. A plan of a
//! configuration that differs from the marked one in a few files reads these to know what the
//! other files declare without parsing them. They are trusted only while the mark stands.

use std::collections::HashMap;

use super::{on_tx, Result, Tx};
use crate::model::identity::fold;
use crate::model::Kind;

/// One configuration file as a convergence mark records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredFile {
    pub file: String,
    /// `config::digest` of this file alone.
    pub digest: String,
    /// Its objects by kind and identity, as the configuration keys them.
    pub objects: Vec<(Kind, String)>,
    /// The identities its objects had before (`previousNames`, resolved in their pools).
    pub previous: Vec<(Kind, String)>,
}

/// Which file declared an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub kind: Kind,
    pub identity: String,
    pub file: String,
}

type Row = (String, String, String);

/// The declarations `filter` selects: as rows, and packed (see `Tx::fetch_by_text`).
fn selects(filter: &str) -> (String, String) {
    (
        format!("SELECT kind, identity, file FROM declarations {filter}"),
        format!(
            "SELECT json_group_array(json_array(kind, identity, file)) FROM declarations {filter}"
        ),
    )
}

fn declaration((kind, identity, file): Row) -> Option<Declaration> {
    Some(Declaration {
        kind: Kind::from_key(&kind)?,
        identity,
        file,
    })
}

/// `$first, $first+1, …` for `n` parameters.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx<'_> {
    /// Inserts rows of (kind, folded key[, identity], file) in chunks: `head` names the table
    /// and its columns, `tail` says what a conflict does.
    async fn insert_keyed(
        &mut self,
        head: &str,
        rows: &[(Kind, String)],
        identity: bool,
        file: &str,
        tail: &str,
    ) -> Result<()> {
        for chunk in rows.chunks(5_000) {
            on_tx!(self, |c| {
                let mut qb = sqlx::QueryBuilder::<Db>::new(head);
                qb.push_values(chunk, |mut b, (kind, id)| {
                    b.push_bind(kind.key()).push_bind(fold(id));
                    if identity {
                        b.push_bind(id.as_str());
                    }
                    b.push_bind(file);
                });
                qb.push(tail);
                qb.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Every recorded file with its digest.
    pub async fn declared_files(&mut self) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT file, digest FROM declared_files")
                .fetch_all(&mut *c)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// What these files declared.
    pub async fn declarations_in(&mut self, files: &[String]) -> Result<Vec<Declaration>> {
        let mut out = Vec::new();
        for chunk in files.chunks(500) {
            let (plain, packed) = selects(&format!("WHERE file IN ({})", marks(1, chunk.len())));
            let args: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let rows: Vec<Row> = self.fetch_by_text(&plain, &packed, &args).await?;
            out.extend(rows.into_iter().filter_map(declaration));
        }
        Ok(out)
    }

    /// Every declaration of a kind other than rooms (a few thousand at most).
    pub async fn declarations_but_rooms(&mut self) -> Result<Vec<Declaration>> {
        // Two ranges of the key, where `<>` would read every room's record.
        let (plain, packed) = selects("WHERE kind < $1 OR kind > $1");
        let rows: Vec<Row> = self
            .fetch_by_text(&plain, &packed, &[Kind::Room.key()])
            .await?;
        Ok(rows.into_iter().filter_map(declaration).collect())
    }

    /// The declarations of these objects, found without regard to case.
    pub async fn declarations_of(
        &mut self,
        kind: Kind,
        identities: &[String],
    ) -> Result<Vec<Declaration>> {
        let mut out = Vec::new();
        for chunk in identities.chunks(500) {
            let (plain, packed) = selects(&format!(
                "WHERE kind = $1 AND key IN ({})",
                marks(2, chunk.len())
            ));
            let keys: Vec<String> = chunk.iter().map(|id| fold(id)).collect();
            let mut args = vec![kind.key()];
            args.extend(keys.iter().map(String::as_str));
            let rows: Vec<Row> = self.fetch_by_text(&plain, &packed, &args).await?;
            out.extend(rows.into_iter().filter_map(declaration));
        }
        Ok(out)
    }

    /// The files that recorded one of these identities as a previous name, by kind and
    /// identity folded to lower case.
    pub async fn previous_claims(
        &mut self,
        names: &[(Kind, String)],
    ) -> Result<Vec<(Kind, String, String)>> {
        let mut out = Vec::new();
        // PostgreSQL takes every name in one statement (two arrays): a round trip per chunk
        // was most of what this cost a partial plan of 5,000 rooms.
        let limit = self.statement_limit();
        if let Some(super::TxInner::Postgres(t)) = self.inner.as_mut() {
            let kinds: Vec<&str> = names.iter().map(|(k, _)| k.key()).collect();
            let keys: Vec<String> = names.iter().map(|(_, id)| fold(id)).collect();
            let _watch = super::watch::watch("statement", limit);
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT d.kind, d.key, d.file FROM declared_previous d \
                 JOIN unnest($1::text[], $2::text[]) AS w(kind, key) \
                 ON d.kind = w.kind AND d.key = w.key",
            )
            .bind(&kinds)
            .bind(&keys)
            .fetch_all(&mut **t)
            .await?;
            return Ok(rows
                .into_iter()
                .filter_map(|(k, key, file)| Some((Kind::from_key(&k)?, key, file)))
                .collect());
        }
        for chunk in names.chunks(250) {
            let pairs: Vec<String> = (0..chunk.len())
                .map(|i| format!("(kind = ${} AND key = ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let filter = format!("WHERE {}", pairs.join(" OR "));
            let plain = format!("SELECT kind, key, file FROM declared_previous {filter}");
            let packed = format!(
                "SELECT json_group_array(json_array(kind, key, file)) FROM declared_previous \
                 {filter}"
            );
            let keys: Vec<String> = chunk.iter().map(|(_, id)| fold(id)).collect();
            let mut args = Vec::new();
            for ((kind, _), key) in chunk.iter().zip(&keys) {
                args.push(kind.key());
                args.push(key.as_str());
            }
            let rows: Vec<Row> = self.fetch_by_text(&plain, &packed, &args).await?;
            out.extend(
                rows.into_iter()
                    .filter_map(|(k, key, file)| Some((Kind::from_key(&k)?, key, file))),
            );
        }
        Ok(out)
    }

    /// Records what `changed` files declare now, in place of what they declared before, and
    /// forgets every recorded file not in `present`. With `all`, every record is replaced.
    pub async fn record_declarations(
        &mut self,
        changed: &[DeclaredFile],
        present: &[String],
        all: bool,
    ) -> Result<()> {
        let recorded = self.declared_files().await?;
        let mut drop: Vec<&str> = recorded
            .keys()
            .filter(|f| all || !present.contains(f))
            .map(String::as_str)
            .collect();
        drop.extend(changed.iter().map(|f| f.file.as_str()));
        for file in drop {
            on_tx!(self, |c| {
                sqlx::query("DELETE FROM declarations WHERE file = $1")
                    .bind(file)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("DELETE FROM declared_previous WHERE file = $1")
                    .bind(file)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("DELETE FROM declared_files WHERE file = $1")
                    .bind(file)
                    .execute(&mut *c)
                    .await?;
            });
        }
        for f in changed {
            let insert = "INSERT INTO declared_files (file, digest) VALUES ($1, $2)";
            self.simple(insert, &[&f.file, &f.digest]).await?;
            // A duplicate was refused by the loader; the last word wins regardless.
            let head = "INSERT INTO declarations (kind, key, identity, file) ";
            let tail = " ON CONFLICT (kind, key) DO UPDATE SET identity = excluded.identity, \
                        file = excluded.file";
            self.insert_keyed(head, &f.objects, true, &f.file, tail)
                .await?;
        }
        for f in changed {
            // One file naming a previous name twice records it once.
            let head = "INSERT INTO declared_previous (kind, key, file) ";
            self.insert_keyed(head, &f.previous, false, &f.file, " ON CONFLICT DO NOTHING")
                .await?;
        }
        let rows = changed.iter().map(|f| f.objects.len()).sum();
        self.analyze_after_bulk(rows, &["declarations"]).await
    }

    /// How many rows a table of objects has (the planner's threshold weighs changes by it).
    pub async fn count_rows(&mut self, kind: Kind) -> Result<usize> {
        let table = kind.desc().table;
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = on_tx!(self, |c| sqlx::query_scalar(&sql)
            .fetch_one(&mut *c)
            .await?);
        Ok(n as usize)
    }
}
