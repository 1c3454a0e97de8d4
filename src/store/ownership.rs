//! Which objects the declarative apply manages, and the audit trail of applies.

use super::write::exec;
use std::collections::HashMap;

use super::{on_tx, Result, Tx};
use crate::model::Kind;

/// One recorded apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyRecord {
    pub id: i64,
    /// Microseconds since 1970-01-01 UTC.
    pub applied_at: i64,
    pub actor: String,
    pub git_commit: Option<String>,
    pub config_digest: String,
    pub revision: i64,
    pub operation_count: i64,
    /// The operations, one line each (`Set-CsPersistentChatRoom POOL\NAME`).
    pub operations: String,
    /// `apply` (a plan carried out) or `live-snapshot` (`pchat live load`).
    pub source: String,
}

/// An object an apply records as managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    pub kind: Kind,
    pub identity: String,
    pub protected: bool,
    /// What the configuration asked of it (`plan::intent_digest`); `None` keeps the recorded.
    pub digest: Option<String>,
    /// `lifecycle.allowDestroy`.
    pub allow_destroy: bool,
}

/// Ownership records as a plan reads them (see [`Tx::ownership`] and
/// [`Tx::allowed_to_destroy`]), with the digest of what each was last applied as.
#[derive(Debug, Clone, Default)]
pub struct Owned {
    pub managed: HashMap<(Kind, String), bool>,
    pub applied: HashMap<(Kind, String), String>,
    pub consented: std::collections::HashSet<(Kind, String)>,
}

impl Owned {
    /// Adds one record: managed, perhaps with the digest last applied and consent to destroy.
    fn record(
        &mut self,
        key: (Kind, String),
        protected: bool,
        digest: Option<String>,
        consent: bool,
    ) {
        if let Some(d) = digest {
            self.applied.insert(key.clone(), d);
        }
        if consent {
            self.consented.insert(key.clone());
        }
        self.managed.insert(key, protected);
    }
}

impl Tx<'_> {
    /// Managed objects by (kind, identity), with whether their configuration protects them.
    pub async fn ownership(&mut self) -> Result<HashMap<(Kind, String), bool>> {
        let rows: Vec<(String, String, bool)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT kind, identity, protected FROM ownership")
                .fetch_all(&mut *c)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(k, id, p)| Kind::from_key(&k).map(|k| ((k, id), p)))
            .collect())
    }

    /// Every ownership record, in one pass: [`Self::ownership`], the applied digests and
    /// [`Self::allowed_to_destroy`] together (a cold plan of 100k rooms reads them all).
    pub async fn owned(&mut self) -> Result<Owned> {
        let rows: Vec<(String, String, bool, Option<String>, bool)> = self
            .fetch_large(
                "SELECT kind, identity, protected, digest, allow_destroy FROM ownership",
                &super::read::Packed {
                    row: "json_array(kind, identity, json(iif(protected, 'true', 'false')), \
                          digest, json(iif(allow_destroy, 'true', 'false')))",
                    from: "FROM ownership",
                    key: "rowid",
                    keys: ("ownership", "rowid"),
                    width: 20_000,
                },
            )
            .await?;
        let mut owned = Owned::default();
        owned.managed.reserve(rows.len());
        for (kind, identity, protected, digest, consent) in rows {
            if let Some(kind) = Kind::from_key(&kind) {
                owned.record((kind, identity), protected, digest, consent);
            }
        }
        Ok(owned)
    }

    /// The ownership records of these objects alone (identities as recorded): whether each is
    /// protected, the digest of what was applied, and the consent to destroy it.
    pub async fn ownership_of(&mut self, objects: &[(Kind, String)]) -> Result<Owned> {
        let mut owned = Owned::default();
        let mut by_kind: HashMap<Kind, Vec<&str>> = HashMap::new();
        for (kind, identity) in objects {
            by_kind.entry(*kind).or_default().push(identity);
        }
        for (kind, identities) in by_kind {
            for chunk in identities.chunks(500) {
                let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                let filter = format!(
                    "FROM ownership WHERE kind = $1 AND identity IN ({})",
                    marks.join(", ")
                );
                let plain = format!("SELECT identity, protected, digest, allow_destroy {filter}");
                let packed = format!(
                    "SELECT json_group_array(json_array(identity, \
                     json(iif(protected, 'true', 'false')), digest, \
                     json(iif(allow_destroy, 'true', 'false')))) {filter}"
                );
                let mut args = vec![kind.key()];
                args.extend(chunk);
                let rows: Vec<(String, bool, Option<String>, bool)> =
                    self.fetch_by_text(&plain, &packed, &args).await?;
                for (identity, protected, digest, consent) in rows {
                    owned.record((kind, identity), protected, digest, consent);
                }
            }
        }
        Ok(owned)
    }

    /// The managed objects whose removal the configuration consented to, as last applied.
    pub async fn allowed_to_destroy(
        &mut self,
    ) -> Result<std::collections::HashSet<(Kind, String)>> {
        let rows: Vec<(String, String)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT kind, identity FROM ownership WHERE allow_destroy")
                .fetch_all(&mut *c)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(k, id)| Kind::from_key(&k).map(|k| (k, id)))
            .collect())
    }

    /// Records objects as managed (or refreshes whether they are protected).
    pub async fn set_managed(
        &mut self,
        kind: Kind,
        identity: &str,
        protected: bool,
        revision: i64,
    ) -> Result<()> {
        let upsert = "INSERT INTO ownership (kind, identity, protected, since_revision) \
                      VALUES ($1, $2, $3, $4) \
                      ON CONFLICT (kind, identity) DO UPDATE SET protected = excluded.protected";
        exec!(self, upsert, kind.key(), identity, protected, revision).await?;
        Ok(())
    }

    /// Records many objects as managed at once (an apply's changes), each with the digest of
    /// what the configuration asked of it (kept as it was when `None`).
    pub async fn set_managed_bulk(&mut self, objects: &[Managed], revision: i64) -> Result<()> {
        for chunk in objects.chunks(5_000) {
            on_tx!(self, |c| {
                let mut qb = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO ownership (kind, identity, protected, since_revision, digest, \
                     allow_destroy) ",
                );
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(m.kind.key())
                        .push_bind(m.identity.as_str())
                        .push_bind(m.protected)
                        .push_bind(revision)
                        .push_bind(m.digest.as_deref())
                        .push_bind(m.allow_destroy);
                });
                qb.push(
                    " ON CONFLICT (kind, identity) DO UPDATE SET protected = excluded.protected, \
                     digest = COALESCE(excluded.digest, ownership.digest), \
                     allow_destroy = excluded.allow_destroy",
                );
                qb.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    pub async fn unset_managed(&mut self, kind: Kind, identity: &str) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM ownership WHERE kind = $1 AND identity = $2")
                .bind(kind.key())
                .bind(identity)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Records an apply in the audit table.
    pub async fn record_apply(&mut self, r: &ApplyRecord) -> Result<()> {
        on_tx!(self, |c| {
            let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM applies")
                .fetch_one(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO applies (id, applied_at, actor, git_commit, config_digest, revision, \
                 operation_count, operations, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(r.applied_at)
            .bind(&r.actor)
            .bind(&r.git_commit)
            .bind(&r.config_digest)
            .bind(r.revision)
            .bind(r.operation_count)
            .bind(&r.operations)
            .bind(&r.source)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// The recorded applies, newest first.
    pub async fn applies(&mut self) -> Result<Vec<ApplyRecord>> {
        type Row = (
            i64,
            i64,
            String,
            Option<String>,
            String,
            i64,
            i64,
            String,
            String,
        );
        let rows: Vec<Row> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT id, applied_at, actor, git_commit, config_digest, revision, operation_count, \
                 operations, source FROM applies ORDER BY id DESC",
            )
            .fetch_all(&mut *c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| ApplyRecord {
                id: r.0,
                applied_at: r.1,
                actor: r.2,
                git_commit: r.3,
                config_digest: r.4,
                revision: r.5,
                operation_count: r.6,
                operations: r.7,
                source: r.8,
            })
            .collect())
    }
}
