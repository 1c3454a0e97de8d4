//! What proves that no write landed since the convergence mark, beside the triggers that end it
//! (migration 4). Triggers can be switched off by the means DBAs use every day: PostgreSQL's
//! `session_replication_role = replica` (`pg_restore --disable-triggers`, logical replication),
//! `ALTER TABLE … DISABLE TRIGGER ALL`, SQLite's `.dbconfig enable_trigger off`, a dropped
//! trigger. So a mark records a signal that every write moves whatever the triggers do, and is
//! trusted only while the signal says nothing was written (`Tx::convergence`):
//!
//! - **PostgreSQL**: every row version carries the id of the transaction that wrote it (`xmin`)
//!   and every write takes an id. The mark records its own transaction's id, the snapshot that
//!   transaction began with, and the row count of each table a plan reads. When no id was
//!   handed out since (the server's next id is the mark's plus one, and none was running as the
//!   mark began), nothing was written anywhere on the server; else each table is scanned: a row
//!   written by a transaction the marking one could not see, or a count that moved (a delete
//!   leaves no row), ends the trust.
//! - **SQLite**: writes reach the database file only through the write-ahead log. After the
//!   marking commit the log is folded into the file and the file's modification time is set to
//!   the one the mark records; a later write either sits in the log (not empty) or was folded
//!   into the file, which moved its modification time.
//!
//! Neither sees a write that bypasses triggers *while* the marking apply runs (PostgreSQL: a
//! delete committed between the apply's start and its commit; SQLite: a write committed between
//! the apply's commit and the fold that follows it at once); the apply itself trusts the same
//! window, as it writes over what it read.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{on_tx, Result, Tx};

/// Every table a plan reads, where the triggers of migration 4 and later end the mark.
pub(super) const MARKED_TABLES: &[&str] = &[
    "pools",
    "pool_servers",
    "active_servers",
    "states",
    "principals",
    "principal_members",
    "categories",
    "category_principals",
    "addins",
    "rooms",
    "room_principals",
    "policies",
    "policy_grants",
    "compliance_configurations",
    "configurations",
    "endpoints",
    "ownership",
    "declared_files",
    "declarations",
    "declared_previous",
    "live_unknown",
    "live_chat_content",
];

/// An SQLite store's file and pool, for the modification time of the mark.
#[derive(Clone)]
pub(crate) struct SqliteFile {
    pub path: PathBuf,
    pub pool: sqlx::SqlitePool,
}

impl SqliteFile {
    fn log(&self) -> PathBuf {
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        PathBuf::from(wal)
    }

    /// Whether the write-ahead log holds nothing (or is gone).
    fn log_empty(&self) -> bool {
        std::fs::metadata(self.log()).map_or(true, |m| m.len() == 0)
    }

    /// Folds the log into the file and gives the file the mark's modification time. A log
    /// that cannot be folded (a reader holds it) leaves the time alone: the mark is then not
    /// trusted, and plans take the full path.
    pub async fn seal(&self, at: SystemTime) {
        let folded: std::result::Result<(i64, i64, i64), _> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await;
        if !matches!(folded, Ok((0, _, _))) || !self.log_empty() {
            return;
        }
        let set = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .and_then(|f| f.set_modified(at));
        if let Err(e) = set {
            tracing::debug!(error = %e, "the convergence mark's time could not be set");
        }
    }

    fn holds(&self, at: SystemTime) -> bool {
        let modified = std::fs::metadata(&self.path).and_then(|m| m.modified());
        modified.is_ok_and(|m| m == at) && self.log_empty()
    }
}

/// The modification time an SQLite mark records: now, at a 100 ns step (NTFS keeps no finer),
/// with the step picked at random so that no clock tick lands on it.
fn seal_time() -> SystemTime {
    use std::hash::{BuildHasher, Hasher};
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(now.as_nanos());
    let step = (h.finish() % 10_000_000) as u32 * 100;
    UNIX_EPOCH + Duration::new(now.as_secs(), step)
}

fn sqlite_signal(at: SystemTime) -> String {
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("sqlite:{}.{:09}", d.as_secs(), d.subsec_nanos())
}

fn parse_sqlite(s: &str) -> Option<SystemTime> {
    let (secs, nanos) = s.strip_prefix("sqlite:")?.split_once('.')?;
    Some(UNIX_EPOCH + Duration::new(secs.parse().ok()?, nanos.parse().ok()?))
}

/// A PostgreSQL snapshot (`txid_current_snapshot()`): `xmin:xmax:xip,…`.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    xmin: i64,
    xmax: i64,
    running: Vec<i64>,
}

impl Snapshot {
    fn parse(s: &str) -> Option<Snapshot> {
        let mut parts = s.splitn(3, ':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let running = match parts.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(|x| x.parse().ok())
                .collect::<Option<_>>()?,
        };
        Some(Snapshot {
            xmin,
            xmax,
            running,
        })
    }
}

/// A PostgreSQL mark's signal: `pg:XID;SNAPSHOT;COUNT,COUNT,…` (counts in `MARKED_TABLES`'
/// order).
#[derive(Debug, PartialEq, Eq)]
struct PgSignal {
    xid: i64,
    began: Snapshot,
    rows: Vec<i64>,
}

impl PgSignal {
    fn parse(s: &str) -> Option<PgSignal> {
        let mut parts = s.strip_prefix("pg:")?.split(';');
        let xid = parts.next()?.parse().ok()?;
        let began = Snapshot::parse(parts.next()?)?;
        let rows = parts
            .next()?
            .split(',')
            .map(|n| n.parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        (rows.len() == MARKED_TABLES.len() && parts.next().is_none()).then_some(PgSignal {
            xid,
            began,
            rows,
        })
    }
}

/// How far ids may have moved since a mark before its 32-bit `xmin` comparisons could wrap.
const XID_HORIZON: i64 = 1 << 30;

impl Tx<'_> {
    /// The snapshot a PostgreSQL write transaction begins with (see [`PgSignal`]).
    pub(super) async fn note_start(&mut self) -> Result<()> {
        let began: String = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT txid_current_snapshot()::text")
                .fetch_one(&mut *c)
                .await?
        });
        self.began = Some(began);
        Ok(())
    }

    /// The signal to record with the mark this transaction commits; on SQLite the file is
    /// sealed with it once committed.
    pub(super) async fn signal_for_mark(&mut self) -> Result<Option<String>> {
        if self.sqlite.is_some() {
            let at = seal_time();
            self.seal_at = Some(at);
            return Ok(Some(sqlite_signal(at)));
        }
        let Some(began) = self.began.clone() else {
            return Ok(None);
        };
        let xid: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT txid_current()")
                .fetch_one(&mut *c)
                .await?
        });
        let counts: Vec<String> = MARKED_TABLES
            .iter()
            .map(|t| format!("(SELECT count(*) FROM {t})::text"))
            .collect();
        let sql = format!("SELECT concat_ws(',', {})", counts.join(", "));
        let rows: String = on_tx!(self, |c| {
            sqlx::query_scalar(&sql).fetch_one(&mut *c).await?
        });
        Ok(Some(format!("pg:{xid};{began};{rows}")))
    }

    /// Whether the signal recorded with a mark says that nothing was written since it.
    pub(super) async fn signal_holds(&mut self, signal: Option<&str>) -> Result<bool> {
        let Some(signal) = signal else {
            return Ok(false);
        };
        if let Some(file) = &self.sqlite {
            return Ok(parse_sqlite(signal).is_some_and(|at| file.holds(at)));
        }
        let Some(mark) = PgSignal::parse(signal) else {
            return Ok(false);
        };
        let now: String = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT txid_current_snapshot()::text")
                .fetch_one(&mut *c)
                .await?
        });
        let Some(now) = Snapshot::parse(&now) else {
            return Ok(false);
        };
        // No id handed out since the mark's, and none running as it began: nothing written.
        if mark.began.running.is_empty() && mark.began.xmax == mark.xid && now.xmax == mark.xid + 1
        {
            tracing::debug!("change signal: no transaction since the mark");
            return Ok(true);
        }
        tracing::debug!(
            since = now.xmax - mark.xid - 1,
            "change signal: transactions since the mark, scanning the marked tables"
        );
        if now.xmax - mark.began.xmin > XID_HORIZON {
            return Ok(false);
        }
        let sql = scan_sql(&mark);
        let found: Vec<(i64, i64)> =
            on_tx!(self, |c| sqlx::query_as(&sql).fetch_all(&mut *c).await?);
        Ok(found.len() == mark.rows.len()
            && found
                .iter()
                .zip(&mark.rows)
                .all(|((count, unseen), recorded)| count == recorded && *unseen == 0))
    }
}

/// Each marked table's row count, and how many of its rows a transaction wrote that the
/// marking one could not see (begun after it began, or running then), its own excepted.
fn scan_sql(mark: &PgSignal) -> String {
    let xid32 = |x: i64| x & 0xffff_ffff;
    let mut unseen = format!("age(xmin) <= age('{}'::xid)", xid32(mark.began.xmax));
    for x in &mark.began.running {
        unseen.push_str(&format!(" OR xmin = '{}'::xid", xid32(*x)));
    }
    let own = xid32(mark.xid);
    let parts: Vec<String> = MARKED_TABLES
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "SELECT {i}::bigint AS n, count(*) AS c, count(*) FILTER (WHERE xmin <> \
                 '{own}'::xid AND ({unseen})) AS u FROM {t}"
            )
        })
        .collect();
    format!(
        "SELECT c, u FROM ({}) AS scan ORDER BY n",
        parts.join(" UNION ALL ")
    )
}

/// The file an SQLite store's mark is sealed on.
pub(super) fn sqlite_file(path: &Path, pool: &sqlx::SqlitePool) -> SqliteFile {
    SqliteFile {
        path: path.to_path_buf(),
        pool: pool.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_and_signals_read_back() {
        assert_eq!(
            Snapshot::parse("10:14:10,12"),
            Some(Snapshot {
                xmin: 10,
                xmax: 14,
                running: vec![10, 12]
            })
        );
        assert_eq!(
            Snapshot::parse("10:10:").unwrap().running,
            Vec::<i64>::new()
        );
        let rows = vec!["7"; MARKED_TABLES.len()].join(",");
        let s = PgSignal::parse(&format!("pg:13;10:13:;{rows}")).unwrap();
        assert_eq!(
            (s.xid, s.began.xmax, s.rows.len()),
            (13, 13, MARKED_TABLES.len())
        );
        // A signal of another table list is not trusted.
        assert_eq!(PgSignal::parse("pg:13;10:13:;1,2"), None);
        let at = seal_time();
        assert_eq!(parse_sqlite(&sqlite_signal(at)), Some(at));
        assert_eq!(
            at.duration_since(UNIX_EPOCH).unwrap().subsec_nanos() % 100,
            0
        );
    }

    #[test]
    fn the_scan_excepts_the_mark_and_names_what_was_running() {
        let rows = vec![0; MARKED_TABLES.len()];
        let sql = scan_sql(&PgSignal {
            xid: (1 << 32) + 20,
            began: Snapshot {
                xmin: 15,
                xmax: 19,
                running: vec![15],
            },
            rows,
        });
        assert!(sql.contains("xmin <> '20'::xid"), "{sql}");
        assert!(sql.contains("age(xmin) <= age('19'::xid) OR xmin = '15'::xid"));
        assert_eq!(sql.matches("UNION ALL").count(), MARKED_TABLES.len() - 1);
    }
}
