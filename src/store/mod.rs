//! The live store: the Persistent Chat service's management database, on SQLite (embedded, the
//! default) or PostgreSQL (shared), through sqlx. Only this module writes SQL.
//!
//! Every write runs in one transaction that holds the store's writer lock (SQLite
//! `BEGIN IMMEDIATE`, PostgreSQL an advisory lock) and bumps the store revision on commit.
//! The same SQL text serves both backends where the dialects agree; the `on_backend!` macro
//! expands one body for each.

mod copy;
mod declared;
mod messages;
mod ownership;
mod read;
mod signal;
mod url;
pub(crate) mod watch;
mod write;

use std::future::Future;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::error::BoxDynError;

use crate::model::DesiredState;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::ConnectOptions as _;

pub use declared::{Declaration, DeclaredFile};
pub use ownership::{ApplyRecord, Managed, Owned};
pub use read::Focus;
pub use url::{mask, scrub, secrets, StoreUrl, DEFAULT_STORE};
pub use watch::{stalled, Timeouts};
pub use write::RoomRef;

/// The schema version this pchat writes; a store with a higher one is refused.
pub const SCHEMA_VERSION: i64 = 8;

/// The advisory lock key that serializes PostgreSQL writers ("pchat" in ASCII).
const PG_LOCK_KEY: i64 = 0x0070_6368_6174;

/// How long a writer waits for the lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Text the store cannot hold (a NUL): refused before anything is written, the same on
    /// both backends.
    #[error("{what} {}: nothing was written", crate::model::storable::WHY)]
    Unstorable { what: String },
    #[error("cannot create the store at {}: {reason}", path.display())]
    Create { path: PathBuf, reason: String },
    #[error("cannot connect to the store {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error(
        "the store {url} does not exist ({origin}); nothing was created: check the name, or \
         pass --new-store if an empty store is meant (`pchat init` makes one with a starter \
         configuration)"
    )]
    Missing { url: String, origin: String },
    #[error(
        "the store {url} was written by a newer pchat (schema version {found}; this pchat knows \
         up to {SCHEMA_VERSION}): upgrade pchat to use it"
    )]
    TooNew { url: String, found: i64 },
    #[error("cannot migrate the store {url}: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("another pchat is writing to the store{holder}; gave up after {} s (see --lock-timeout)", waited.as_secs_f64())]
    LockTimeout { holder: String, waited: Duration },
    #[error("the store {url} can be read but not written by this user; run the command as its owner, or ask for write access")]
    ReadOnly { url: String },
    #[error(
        "the store did not answer within {} s ({phase} timeout): the connection was dropped, \
         and the server rolls back anything unfinished",
        limit.as_secs_f64()
    )]
    Timeout {
        phase: &'static str,
        limit: Duration,
    },
    #[error("the store query failed: {0}")]
    Query(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the failure is a refusal for safety (exit 3) rather than an error (exit 1).
    pub fn is_refusal(&self) -> bool {
        matches!(self, StoreError::LockTimeout { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open store.
pub struct Store {
    backend: Backend,
    url: StoreUrl,
    lock_timeout: Duration,
    timeouts: Timeouts,
    /// An SQLite file this user may only read.
    read_only: bool,
}

/// A transaction on either backend. Reads see one consistent snapshot; writes hold the lock.
///
/// It borrows its store, so the store cannot be closed while a transaction is alive: closing
/// waits for every connection to come back, and one held by a forgotten transaction never does
/// (that hang is a compile error instead).
pub struct Tx<'s> {
    /// Always `Some` until the transaction is committed or ended.
    inner: Option<TxInner>,
    /// How long one statement may take (PostgreSQL; see `watch`).
    statement: Duration,
    /// `meta.dirty` as [`Tx::dirty`] last saw it, and the convergence mark to commit: the
    /// mark lands only if `dirty` is still that value (PostgreSQL, where a hand write may
    /// commit while this transaction runs).
    seen_dirty: Option<i64>,
    mark: Option<String>,
    /// The digest of the state the mark was found converged on (`meta.mark_state`, read by
    /// [`Tx::mark_record`]), when the marker knows it.
    mark_state: Option<String>,
    /// PostgreSQL: the snapshot a write transaction began with (`signal`).
    began: Option<String>,
    /// SQLite: the file, whose modification time seals a mark (`signal`), and when a mark
    /// this transaction commits is sealed.
    sqlite: Option<signal::SqliteFile>,
    seal_at: Option<std::time::SystemTime>,
    _store: PhantomData<&'s Store>,
}

/// Dropping rolls back (sqlx does it on the connection's next use). The impl itself is what
/// matters: it keeps the store borrowed until the transaction is gone.
impl Drop for Tx<'_> {
    fn drop(&mut self) {}
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl TxInner {
    fn bind<'s>(self, statement: Duration) -> Tx<'s> {
        Tx {
            inner: Some(self),
            statement,
            seen_dirty: None,
            mark: None,
            mark_state: None,
            began: None,
            sqlite: None,
            seal_at: None,
            _store: PhantomData,
        }
    }
}

/// Runs one body against whichever backend a transaction or pool is on; `$c` is the connection
/// (or pool) with its concrete type in each arm.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {{
        let limit = ($tx).statement_limit();
        match ($tx).inner_mut() {
            $crate::store::TxInner::Sqlite(t) => {
                #[allow(dead_code)]
                type Db = sqlx::Sqlite;
                let _ = limit;
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::store::TxInner::Postgres(t) => {
                #[allow(dead_code)]
                type Db = sqlx::Postgres;
                let _watch = $crate::store::watch::watch("statement", limit);
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    }};
}
pub(crate) use on_tx;

#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        description.into(),
                        MigrationType::Simple,
                        sql.into(),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrations, embedded in the binary: one folder per backend.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "applied digest",
        include_str!("../../migrations/sqlite/0002_applied_digest.sql"),
    ),
    (
        3,
        "names without case",
        include_str!("../../migrations/sqlite/0003_names_without_case.sql"),
    ),
    (
        4,
        "convergence",
        include_str!("../../migrations/sqlite/0004_convergence.sql"),
    ),
    (
        5,
        "declarations",
        include_str!("../../migrations/sqlite/0005_declarations.sql"),
    ),
    (
        6,
        "live facts",
        include_str!("../../migrations/sqlite/0006_live_facts.sql"),
    ),
    (
        7,
        "mark signal",
        include_str!("../../migrations/sqlite/0007_mark_signal.sql"),
    ),
    (
        8,
        "mark state",
        include_str!("../../migrations/sqlite/0008_mark_state.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "applied digest",
        include_str!("../../migrations/postgres/0002_applied_digest.sql"),
    ),
    (
        3,
        "names without case",
        include_str!("../../migrations/postgres/0003_names_without_case.sql"),
    ),
    (
        4,
        "convergence",
        include_str!("../../migrations/postgres/0004_convergence.sql"),
    ),
    (
        5,
        "declarations",
        include_str!("../../migrations/postgres/0005_declarations.sql"),
    ),
    (
        6,
        "live facts",
        include_str!("../../migrations/postgres/0006_live_facts.sql"),
    ),
    (
        7,
        "mark signal",
        include_str!("../../migrations/postgres/0007_mark_signal.sql"),
    ),
    (
        8,
        "mark state",
        include_str!("../../migrations/postgres/0008_mark_state.sql"),
    ),
];

/// The whole store as `drift` reads it ([`Store::read_whole`]).
pub struct WholeRead {
    pub revision: i64,
    /// The convergence mark and the digest of the state it was made on ([`Tx::mark_record`]).
    pub mark: (Option<String>, Option<String>),
    pub state: DesiredState,
    pub owned: Owned,
}

/// Runs an async body that uses the store on a runtime made for this command. A store that
/// stops answering ends it with a timeout error (the body is dropped, and with it the
/// connection), instead of hanging.
pub fn block_on<T, E: From<StoreError>>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(async {
            tokio::select! {
                done = f => done,
                stalled = crate::store::stalled() => Err(E::from(stalled)),
            }
        })
}

/// A statement over a second (reading 100k rooms' lists) is expected at scale: sqlx's warning
/// would reach every user's terminal, so it is a debug line (`-vv`).
const SLOW_STATEMENT_LEVEL: log::LevelFilter = log::LevelFilter::Debug;

/// A TLS failure's reason with what to do about it (`sslmode`, `sslrootcert` in the URL).
fn tls_hint(reason: String) -> String {
    let hint = if reason.contains("UnknownIssuer") {
        "the server's certificate is not signed by a root pchat trusts: name the CA's \
         certificate with sslrootcert=PATH (sslmode=require encrypts without checking it)"
    } else if reason.contains("NotValidForName") || reason.contains("not valid for name") {
        "the server's certificate does not name the host in the store URL: connect by a name it \
         holds, or check the chain alone with sslmode=verify-ca"
    } else if reason.contains("does not support TLS")
        || reason.contains("server does not support SSL")
    {
        "the server does not accept TLS: turn `ssl` on there, or use sslmode=prefer or disable"
    } else {
        return reason;
    };
    format!("{reason} ({hint})")
}

/// Whether the PostgreSQL server's port (or socket) takes a connection. Cheaper than a
/// connection of pchat's own, which costs the server a process (3-5 ms) each command.
fn reachable(opts: &PgConnectOptions, timeout: Duration) -> std::io::Result<()> {
    let (host, port) = (opts.get_host(), opts.get_port());
    let socket = match opts.get_socket() {
        Some(dir) => Some(dir.join(format!(".s.PGSQL.{port}"))),
        None if host.starts_with('/') => Some(Path::new(host).join(format!(".s.PGSQL.{port}"))),
        None => None,
    };
    if let Some(path) = socket {
        #[cfg(unix)]
        std::os::unix::net::UnixStream::connect(path)?;
        // No Unix socket to probe on Windows: the pool reports what is wrong.
        #[cfg(not(unix))]
        let _ = path;
        return Ok(());
    }
    let mut last = None;
    for addr in std::net::ToSocketAddrs::to_socket_addrs(&(host, port))? {
        match std::net::TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other(format!("no address for `{host}`"))))
}

/// How this process names itself to PostgreSQL, so a waiting writer can say who holds the lock.
fn holder_name() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("pchat (user {user}, pid {})", std::process::id())
}

impl Store {
    /// Opens the store at `url`, creating an SQLite file and its schema on first use and
    /// migrating an older schema.
    ///
    /// # Errors
    /// `Create` when the SQLite file cannot be made, `Connect` when the server is unreachable,
    /// `TooNew` when a newer pchat wrote the store.
    pub async fn open(url: &StoreUrl, lock_timeout: Duration) -> Result<Store> {
        Store::open_with(url, lock_timeout, Timeouts::default()).await
    }

    /// [`Store::open`] with the PostgreSQL timeouts given.
    /// Opens a store that exists already: an SQLite file that is not there, or a PostgreSQL
    /// database without pchat's tables, is `Missing` (named with `origin`, where the URL came
    /// from), and nothing is created. A mistyped store name must never plan against, or
    /// apply to, a new empty store.
    pub async fn open_existing(
        url: &StoreUrl,
        lock_timeout: Duration,
        timeouts: Timeouts,
        origin: &str,
    ) -> Result<Store> {
        let missing = || StoreError::Missing {
            url: url.to_string(),
            origin: origin.to_string(),
        };
        if let StoreUrl::Sqlite(path) = url {
            if !path.exists() {
                return Err(missing());
            }
        }
        let store = Self::connect(url, lock_timeout, timeouts).await?;
        if let Backend::Postgres(p) = &store.backend {
            let has: Option<bool> = sqlx::query_scalar("SELECT to_regclass('meta') IS NOT NULL")
                .fetch_one(p)
                .await
                .ok();
            if has == Some(false) {
                store.close().await;
                return Err(missing());
            }
        }
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the store, creating it (an SQLite file, or pchat's tables in a PostgreSQL
    /// database) if it does not exist.
    pub async fn open_with(
        url: &StoreUrl,
        lock_timeout: Duration,
        timeouts: Timeouts,
    ) -> Result<Store> {
        let store = Self::connect(url, lock_timeout, timeouts).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool, before any migration.
    async fn connect(url: &StoreUrl, lock_timeout: Duration, timeouts: Timeouts) -> Result<Store> {
        let mut read_only = false;
        let backend = match url {
            StoreUrl::Sqlite(path) => {
                let (pool, ro) = open_sqlite(path, lock_timeout).await?;
                read_only = ro;
                Backend::Sqlite(pool)
            }
            StoreUrl::Postgres(u) => {
                // The driver's messages may quote the URL: they pass through the same mask.
                let hidden = secrets(u);
                let failed = |e: sqlx::Error| StoreError::Connect {
                    url: url.to_string(),
                    reason: tls_hint(scrub(&e.to_string(), &hidden)),
                };
                let ms = |d: Duration| format!("{}ms", d.as_millis().max(1));
                let opts = PgConnectOptions::from_str(u)
                    .map_err(failed)?
                    .application_name(&holder_name())
                    .log_slow_statements(SLOW_STATEMENT_LEVEL, Duration::from_secs(1))
                    // The server's half of the timeouts (see `watch`).
                    .options([
                        ("statement_timeout", ms(timeouts.statement)),
                        ("idle_in_transaction_session_timeout", ms(timeouts.idle)),
                    ]);
                let _connecting = watch::watch("connect", timeouts.connect);
                // The server's port first: a pool retries a refused connection until its
                // timeout and then reports only that, hiding the cause (refused, unknown host).
                // Other causes (authentication, no such database) it reports at once.
                // On a thread of its own: a name lookup blocks, and the connect watch must be
                // able to end a hung one.
                let probe = {
                    let (opts, limit) = (opts.clone(), timeouts.connect);
                    tokio::task::spawn_blocking(move || reachable(&opts, limit))
                };
                let probed = probe
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
                probed.map_err(|e| StoreError::Connect {
                    url: url.to_string(),
                    reason: scrub(&format!("error communicating with database: {e}"), &hidden),
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(timeouts.connect)
                    .connect_with(opts)
                    .await
                    .map_err(failed)?;
                Backend::Postgres(pool)
            }
        };
        let store = Store {
            backend,
            url: url.clone(),
            lock_timeout,
            timeouts,
            read_only,
        };
        Ok(store)
    }

    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// Which store this is (made when it was created, or when migration 7 ran on it).
    pub async fn store_id(&self) -> Result<Option<String>> {
        let sql = "SELECT store_id FROM meta WHERE id = 1";
        Ok(match &self.backend {
            Backend::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Backend::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    /// The schema version recorded in the store, if it has one yet.
    async fn recorded_version(&self) -> Option<i64> {
        let sql = "SELECT schema_version FROM meta WHERE id = 1";
        match &self.backend {
            Backend::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.ok(),
            Backend::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.ok(),
        }
    }

    async fn migrate(&self) -> Result<()> {
        if let Some(found) = self.recorded_version().await {
            if found > SCHEMA_VERSION {
                return Err(StoreError::TooNew {
                    url: self.url.to_string(),
                    found,
                });
            }
            if found == SCHEMA_VERSION {
                return Ok(());
            }
        }
        let source = match &self.backend {
            Backend::Sqlite(_) => Embedded(SQLITE_MIGRATIONS),
            Backend::Postgres(_) => Embedded(POSTGRES_MIGRATIONS),
        };
        let migrator = Migrator::new(source)
            .await
            .map_err(|source| StoreError::Migrate {
                url: self.url.to_string(),
                source,
            })?;
        // Two processes creating the same new SQLite file race (SQLite's migrator takes no
        // lock): the loser waits, within the lock timeout, for the winner's migrations to land,
        // running the rest itself if the winner stopped half way.
        let deadline = std::time::Instant::now() + self.lock_timeout;
        loop {
            let run = match &self.backend {
                Backend::Sqlite(p) => migrator.run(p).await,
                Backend::Postgres(p) => migrator.run(p).await,
            };
            match run {
                Ok(()) => return Ok(()),
                Err(_) if self.recorded_version().await == Some(SCHEMA_VERSION) => return Ok(()),
                Err(_)
                    if matches!(self.backend, Backend::Sqlite(_))
                        && std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(source) => {
                    return Err(StoreError::Migrate {
                        url: self.url.to_string(),
                        source,
                    })
                }
            }
        }
    }

    /// A read transaction: one consistent view of the store.
    pub async fn read(&self) -> Result<Tx<'_>> {
        Ok(self.with_file(self.begin_read().await?.bind(self.timeouts.statement)))
    }

    /// A transaction on this store's SQLite file knows the file (see `signal`).
    fn with_file<'s>(&self, mut tx: Tx<'s>) -> Tx<'s> {
        if let (Backend::Sqlite(pool), StoreUrl::Sqlite(path)) = (&self.backend, &self.url) {
            tx.sqlite = Some(signal::sqlite_file(path, pool));
        }
        tx
    }

    /// A read transaction not tied to the store's lifetime, for a task of its own: the caller
    /// must end it before closing the store.
    async fn begin_read(&self) -> Result<TxInner> {
        Ok(match &self.backend {
            Backend::Sqlite(p) => TxInner::Sqlite(p.begin().await?),
            Backend::Postgres(p) => {
                let _watch = watch::watch("statement", self.timeouts.statement);
                let mut t = p.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *t)
                    .await?;
                TxInner::Postgres(t)
            }
        })
    }

    /// A write transaction holding the store's writer lock. Commit it with [`Tx::commit_write`];
    /// dropping it rolls everything back.
    ///
    /// # Errors
    /// `LockTimeout` when another writer holds the lock longer than the lock timeout.
    pub async fn write(&self) -> Result<Tx<'_>> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                url: self.url.to_string(),
            });
        }
        let waited = self.lock_timeout;
        match &self.backend {
            Backend::Sqlite(p) => match p.begin_with("BEGIN IMMEDIATE").await {
                Ok(t) => Ok(self.with_file(TxInner::Sqlite(t).bind(self.timeouts.statement))),
                Err(e) if is_sqlite_busy(&e) => Err(StoreError::LockTimeout {
                    holder: String::new(),
                    waited,
                }),
                Err(e) => Err(e.into()),
            },
            Backend::Postgres(p) => {
                // Waiting for the lock is a statement that may take the whole lock timeout.
                let wait = self.lock_timeout + self.timeouts.statement;
                let _watch = watch::watch("lock", wait);
                let mut t = p.begin().await?;
                // One statement each: a prepared statement holds one command.
                for set in [
                    format!(
                        "SET LOCAL lock_timeout = '{}ms'",
                        self.lock_timeout.as_millis().max(1)
                    ),
                    format!(
                        "SET LOCAL statement_timeout = '{}ms'",
                        wait.as_millis().max(1)
                    ),
                ] {
                    sqlx::query(&set).execute(&mut *t).await?;
                }
                let locked = sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_LOCK_KEY)
                    .execute(&mut *t)
                    .await;
                match locked {
                    Ok(_) => {
                        for set in [
                            "SET LOCAL lock_timeout = 0".to_string(),
                            // pchat's own writes leave `meta.dirty` alone (migration 4).
                            "SET LOCAL pchat.writer = 'on'".to_string(),
                            format!(
                                "SET LOCAL statement_timeout = '{}ms'",
                                self.timeouts.statement.as_millis().max(1)
                            ),
                        ] {
                            sqlx::query(&set).execute(&mut *t).await?;
                        }
                        let mut tx = TxInner::Postgres(t).bind(self.timeouts.statement);
                        tx.note_start().await?;
                        Ok(tx)
                    }
                    Err(e) if is_pg_lock_timeout(&e) => {
                        drop(t);
                        let holder = self.pg_lock_holder(p).await.unwrap_or_default();
                        Err(StoreError::LockTimeout { holder, waited })
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Who holds the PostgreSQL writer lock, as ` (held by …)`.
    async fn pg_lock_holder(&self, pool: &PgPool) -> Option<String> {
        let row: Option<(String, i32)> = sqlx::query_as(
            "SELECT a.application_name::text, a.pid FROM pg_locks l \
             JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1",
        )
        .bind(PG_LOCK_KEY)
        .fetch_optional(pool)
        .await
        .ok()?;
        row.map(|(app, pid)| format!(" (held by {app}, server pid {pid})"))
    }

    /// The whole live state and the revision it is at, read consistently. The rooms' lists
    /// (the bulk of the rows) are read on a second connection alongside the rest; a write
    /// landing between the two reads is noticed by the revision and the read is redone.
    pub async fn snapshot(&self) -> Result<(DesiredState, i64)> {
        loop {
            let mut a = self.read().await?;
            let mut b: Tx<'static> = self.begin_read().await?.bind(self.timeouts.statement);
            // A task of its own, so a multi-threaded runtime decodes both result sets at once.
            let lists = tokio::spawn(async move {
                let rev = b.revision().await?;
                let lists = b.read_room_lists().await?;
                b.finish().await?;
                Ok::<_, StoreError>((rev, lists))
            });
            let rev_a = a.revision().await?;
            let (mut state, ids) = a.read_state_but_room_lists().await?;
            a.finish().await?;
            let (rev_b, lists) = lists.await.map_err(|e| {
                StoreError::Query(sqlx::Error::Protocol(format!("reading task failed: {e}")))
            })??;
            if rev_a == rev_b {
                read::attach_room_lists(&mut state, &ids, lists);
                return Ok((state, rev_a));
            }
        }
    }

    /// Everything a plan reads of the store, read at one instant on two connections at once
    /// (the rooms' lists on the second), with the convergence mark as recorded: what `drift`
    /// reads. Unlike [`Store::snapshot`], the two reads share one snapshot whatever wrote in
    /// between, triggers or not: PostgreSQL hands the first transaction's snapshot to the
    /// second; on SQLite the second connection's data version, taken before the first read
    /// began and again inside its own, proves no commit came between (else it tries again, and
    /// at last reads on one connection).
    pub async fn read_whole(&self) -> Result<WholeRead> {
        for _ in 0..3 {
            let Some((mut a, mut b)) = self.read_pair().await? else {
                continue;
            };
            // A task of its own, so a multi-threaded runtime decodes both result sets at once.
            let lists = tokio::spawn(async move {
                let lists = b.read_room_lists().await?;
                b.finish().await?;
                Ok::<_, StoreError>(lists)
            });
            let revision = a.revision().await?;
            let mark = a.mark_record().await?;
            let (mut state, ids) = a.read_state_but_room_lists().await?;
            let owned = a.owned().await?;
            a.finish().await?;
            let lists = lists.await.map_err(|e| {
                StoreError::Query(sqlx::Error::Protocol(format!("reading task failed: {e}")))
            })??;
            read::attach_room_lists(&mut state, &ids, lists);
            return Ok(WholeRead {
                revision,
                mark,
                state,
                owned,
            });
        }
        // Commits kept landing between the two connections' reads: one transaction.
        let mut tx = self.read().await?;
        let revision = tx.revision().await?;
        let mark = tx.mark_record().await?;
        let state = tx.read_state().await?;
        let owned = tx.owned().await?;
        tx.finish().await?;
        Ok(WholeRead {
            revision,
            mark,
            state,
            owned,
        })
    }

    /// Two read transactions that see the same snapshot, or `None` when a commit on SQLite
    /// came between them (see [`Store::read_whole`]).
    async fn read_pair(&self) -> Result<Option<(Tx<'_>, Tx<'static>)>> {
        let statement = self.timeouts.statement;
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let before: i64 = sqlx::query_scalar("PRAGMA data_version")
                    .fetch_one(&mut *conn)
                    .await?;
                let mut a = self.read().await?;
                a.revision().await?;
                // The pool's own `begin` would take any connection; this one's version was read.
                let mut b = sqlx::Transaction::begin(conn, None).await?;
                // The first read fixes the second transaction's snapshot, and with it the data
                // version it reports: a commit since `before` changed it.
                sqlx::query("SELECT revision FROM meta WHERE id = 1")
                    .fetch_one(&mut *b)
                    .await?;
                let after: i64 = sqlx::query_scalar("PRAGMA data_version")
                    .fetch_one(&mut *b)
                    .await?;
                let b = TxInner::Sqlite(b).bind(statement);
                if before != after {
                    a.finish().await?;
                    b.finish().await?;
                    return Ok(None);
                }
                Ok(Some((a, b)))
            }
            Backend::Postgres(pool) => {
                let mut a = self.read().await?;
                let id: String = on_tx!(a, |c| {
                    sqlx::query_scalar("SELECT pg_export_snapshot()")
                        .fetch_one(&mut *c)
                        .await?
                });
                let _watch = watch::watch("statement", statement);
                let mut t = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *t)
                    .await?;
                sqlx::query(&format!(
                    "SET TRANSACTION SNAPSHOT '{}'",
                    id.replace('\'', "''")
                ))
                .execute(&mut *t)
                .await?;
                Ok(Some((a, TxInner::Postgres(t).bind(statement))))
            }
        }
    }

    /// Closes the connections; waits for them to finish.
    pub async fn close(self) {
        match self.backend {
            Backend::Sqlite(p) if !self.read_only => {
                // Fold the write-ahead log into the database file, so a reader who may not
                // write (and so cannot replay a log) sees every committed change. Only if no
                // one else is busy with the file: the lock timeout was this command's to wait
                // once, at its write, never again on the way out (a reader none at all).
                if let Ok(mut c) = p.acquire().await {
                    let _ = sqlx::query("PRAGMA busy_timeout = 0")
                        .execute(&mut *c)
                        .await;
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(&mut *c)
                        .await;
                }
                p.close().await
            }
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p) => {
                let _watch = watch::watch("close", self.timeouts.statement);
                p.close().await
            }
        }
    }
}

async fn open_sqlite(path: &Path, lock_timeout: Duration) -> Result<(SqlitePool, bool)> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let refuse = |reason: String| StoreError::Create {
        path: path.to_path_buf(),
        reason,
    };
    if !parent.is_dir() {
        return Err(refuse(format!(
            "the directory {} does not exist",
            parent.display()
        )));
    }
    let read_only = prepare_sqlite_file(path).await.map_err(refuse)?;
    let opts = if read_only {
        // Someone else's store that this user may only read: reads work, writes say why not.
        read_only_options(path).await
    } else {
        SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
    }
    .foreign_keys(true)
    .busy_timeout(lock_timeout)
    // SQLite runs on a worker thread that hands each row over a bounded channel: with sqlx's
    // 50, reading 100k rooms beside the YAML parser is a thread switch every few rows.
    .row_buffer_size(4096)
    .log_slow_statements(SLOW_STATEMENT_LEVEL, Duration::from_secs(1));
    // Two first uses at once: the one that loses the race to switch a new file to WAL is told
    // "database is locked" without SQLite's busy handler; it waits like any other writer.
    let deadline = std::time::Instant::now() + lock_timeout;
    let pool = loop {
        match SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.clone())
            .await
        {
            Err(sqlx::Error::Database(d))
                if d.code().as_deref() == Some("5") && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => break other,
        }
    }
    .map_err(|e| StoreError::Create {
        path: path.to_path_buf(),
        reason: match &e {
            sqlx::Error::Database(d) if d.code().as_deref() == Some("14") && read_only => {
                "this user may read the store but not write it, and cannot read its \
                     write-ahead log (-wal, -shm files) either: ask its owner for read access \
                     to those files too"
                    .to_string()
            }
            sqlx::Error::Database(d) if d.code().as_deref() == Some("14") => {
                format!(
                    "the file cannot be opened or created in {} (is it writable?)",
                    parent.display()
                )
            }
            other => other.to_string(),
        },
    })?;
    Ok((pool, read_only))
}

/// Makes sure `path` is a store pchat may open, before SQLite or sqlx write anything to it:
/// creates a new one readable by its owner only (the store holds chat history), refuses a
/// directory, a file that is not SQLite, and another application's SQLite database. Returns
/// whether the file can only be read.
async fn prepare_sqlite_file(path: &Path) -> std::result::Result<bool, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            return match opts.open(path) {
                // SQLite gives its -wal and -shm files the mode of the database file.
                Ok(_) => Ok(false),
                // Another process created it first: it is creating a store there too.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(format!("the file cannot be created: {e}")),
            };
        }
        Err(e) => return Err(e.to_string()),
    };
    if meta.is_dir() {
        return Err(format!(
            "it is a directory; name a file in it (sqlite://{}/pchat.db)",
            path.display()
        ));
    }
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let read_only = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => true,
        Err(e) if e.raw_os_error() == Some(30) => true, // EROFS: a read-only file system
        Err(e) => return Err(e.to_string()),
    };
    if meta.len() == 0 {
        return Ok(read_only);
    }
    let mut head = [0u8; 16];
    let n = std::io::Read::read(
        &mut std::fs::File::open(path).map_err(|e| e.to_string())?,
        &mut head,
    )
    .map_err(|e| e.to_string())?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err("it is not an SQLite database; pchat will not overwrite it".into());
    }
    // sqlx's own bookkeeping table alone is a pchat store being created by another process.
    let tables: Vec<String> = sqlite_tables(path)
        .await?
        .into_iter()
        .filter(|t| t != "_sqlx_migrations")
        .collect();
    if !tables.is_empty() && !tables.iter().any(|t| t == "meta") {
        let mut shown: Vec<&str> = tables.iter().map(String::as_str).take(5).collect();
        if tables.len() > 5 {
            shown.push("…");
        }
        return Err(format!(
            "it is the SQLite database of another application (tables: {}); pchat will not \
             write to it, name a new file for the store",
            shown.join(", ")
        ));
    }
    Ok(read_only)
}

/// How to read an SQLite file without writing to it. A WAL database in a folder this user cannot
/// write to (or whose -shm file is not theirs to read) cannot be read the usual way: when its
/// write-ahead log is absent or empty (every commit is in the file), it is read as immutable.
async fn read_only_options(path: &Path) -> SqliteConnectOptions {
    // Another process may be creating the store this moment: wait for its lock, as writers do.
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(DEFAULT_LOCK_TIMEOUT);
    let probe = async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&mut c)
            .await?;
        c.close().await
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    // An empty log (pchat checkpoints it on close) holds nothing the file does not.
    let log_empty = std::fs::metadata(Path::new(&wal)).map_or(true, |m| m.len() == 0);
    if probe.await.is_err() && log_empty {
        return opts.immutable(true);
    }
    opts
}

/// The tables of an SQLite file, read without writing to it (no journal-mode change): one
/// read-only connection, or, when that cannot read the file, the immutable fallback.
async fn sqlite_tables(path: &Path) -> std::result::Result<Vec<String>, String> {
    async fn list(opts: &SqliteConnectOptions) -> Result<Vec<String>, sqlx::Error> {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect_with(opts).await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .fetch_all(&mut c)
        .await?;
        c.close().await?;
        Ok(names)
    }
    let plain = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(DEFAULT_LOCK_TIMEOUT);
    match list(&plain).await {
        Ok(names) => Ok(names),
        Err(_) => list(&read_only_options(path).await).await,
    }
    .map_err(|e| format!("it cannot be read as an SQLite database: {e}"))
}

fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("5" | "6" | "517")))
}

fn is_pg_lock_timeout(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03"))
}

impl Tx<'_> {
    pub(crate) fn inner_mut(&mut self) -> &mut TxInner {
        self.inner
            .as_mut()
            .expect("a transaction is used only until it is committed or ended")
    }

    /// Commits a write: bumps the store revision and returns it. The writes it commits are
    /// pchat's, so the store is no longer `dirty` (see [`Tx::convergence`]); the convergence
    /// mark is this transaction's, or none.
    pub async fn commit_write(mut self) -> Result<i64> {
        let sqlite = matches!(self.inner, Some(TxInner::Sqlite(_)));
        let (seen, mark) = (self.seen_dirty, self.mark.take());
        let state = mark.as_ref().and(self.mark_state.take());
        let signal = self.signal_if(&mark).await?;
        let revision: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
                "UPDATE meta SET revision = revision + 1, dirty = 0, \
                 converged = CASE WHEN $1 OR dirty = $2 THEN $3 END, mark_signal = $4, \
                 mark_state = $5 WHERE id = 1 RETURNING revision",
            )
            .bind(sqlite)
            .bind(seen)
            .bind(mark)
            .bind(signal)
            .bind(state)
            .fetch_one(&mut *c)
            .await?
        });
        self.commit_sealed().await?;
        Ok(revision)
    }

    /// The change signal of a mark about to be committed (`signal`).
    async fn signal_if(&mut self, mark: &Option<String>) -> Result<Option<String>> {
        match mark {
            Some(_) => self.signal_for_mark().await,
            None => Ok(None),
        }
    }

    /// Commits, then seals the SQLite file with the mark's time if one was committed.
    async fn commit_sealed(mut self) -> Result<()> {
        let seal = self.sqlite.take().zip(self.seal_at.take());
        self.commit_unchanged().await?;
        if let Some((file, at)) = seal {
            file.seal(at).await;
        }
        Ok(())
    }

    /// Commits the convergence mark alone (with pchat's record of what the files declare),
    /// keeping the revision.
    pub async fn commit_mark(mut self) -> Result<()> {
        let sqlite = matches!(self.inner, Some(TxInner::Sqlite(_)));
        let (seen, mark) = (self.seen_dirty, self.mark.take());
        let state = mark.as_ref().and(self.mark_state.take());
        let signal = self.signal_if(&mark).await?;
        // On SQLite the writer lock was held since `dirty` was seen clean, so what set it since
        // is this transaction's own record of the mark (migration 5's triggers), not hand SQL.
        // A mark made again without reading the state keeps the state digest of the same
        // configuration's last mark: "this configuration plans to nothing against that state"
        // stays true whatever the store holds now (drift compares what it reads with it).
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE meta SET converged = CASE WHEN $1 OR dirty = $2 THEN $3 END, \
                 dirty = CASE WHEN $1 AND $2 = 0 THEN 0 ELSE dirty END, mark_signal = $4, \
                 mark_state = CASE WHEN $5 IS NOT NULL THEN $5 \
                 WHEN converged = $3 THEN mark_state END WHERE id = 1",
            )
            .bind(sqlite)
            .bind(seen)
            .bind(mark)
            .bind(signal)
            .bind(state)
            .execute(&mut *c)
            .await?;
        });
        self.commit_sealed().await
    }

    /// Commits as it is, the revision unchanged.
    async fn commit_unchanged(self) -> Result<()> {
        self.end(true).await
    }

    /// Commits or rolls back; on PostgreSQL a silent server is waited for only so long.
    async fn end(mut self, commit: bool) -> Result<()> {
        let statement = self.statement;
        match self.inner.take() {
            Some(TxInner::Sqlite(t)) if commit => t.commit().await?,
            Some(TxInner::Sqlite(t)) => t.rollback().await?,
            Some(TxInner::Postgres(t)) => {
                let _watch = watch::watch(if commit { "commit" } else { "statement" }, statement);
                if commit {
                    t.commit().await?
                } else {
                    t.rollback().await?
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Sets the recorded schema version, as a newer pchat would have: lets tests check that such
    /// a store is refused.
    #[doc(hidden)]
    pub async fn force_schema_version_for_tests(&mut self, version: i64) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE meta SET schema_version = $1 WHERE id = 1")
                .bind(version)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Ends a read transaction.
    pub async fn finish(self) -> Result<()> {
        self.end(false).await
    }

    /// How long one statement may take.
    pub(crate) fn statement_limit(&self) -> Duration {
        self.statement
    }

    /// The store revision as this transaction sees it.
    pub async fn revision(&mut self) -> Result<i64> {
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar("SELECT revision FROM meta WHERE id = 1")
                .fetch_one(&mut *c)
                .await?
        }))
    }

    /// The store revision, and the fingerprint of the configuration the store was last found
    /// converged with, if no write has landed since: the migration-4 triggers clear it on any
    /// write to a table a plan reads, and the change signal recorded with it (`signal`) must
    /// say that no write bypassed them.
    pub async fn convergence(&mut self) -> Result<(i64, Option<String>)> {
        self.convergence_if(|_| true).await
    }

    /// [`Tx::convergence`] for a caller that wants only a mark `wanted` accepts: any other is
    /// answered as none without reading the change signal (on PostgreSQL a scan of every
    /// marked table when other transactions ran), so a plan that tries the mark and then the
    /// partial path reads the signal once.
    pub async fn convergence_if(
        &mut self,
        wanted: impl FnOnce(&str) -> bool,
    ) -> Result<(i64, Option<String>)> {
        let (revision, mark, signal): (i64, Option<String>, Option<String>) = on_tx!(self, |c| {
            sqlx::query_as("SELECT revision, converged, mark_signal FROM meta WHERE id = 1")
                .fetch_one(&mut *c)
                .await?
        });
        // A mark stands only while its change signal says nothing was written since, whatever
        // the triggers did (`signal`).
        let Some(mark) = mark.filter(|m| wanted(m)) else {
            return Ok((revision, None));
        };
        let holds = self.signal_holds(signal.as_deref()).await?;
        Ok((revision, Some(mark).filter(|_| holds)))
    }

    /// Whether a table a plan reads was written since pchat's last commit (by hand SQL; on
    /// SQLite also by this transaction): a state read at this revision may no longer be the
    /// store's. Ask it before writing; the mark of [`Tx::mark_converged`] holds only if no
    /// hand write lands after this.
    pub async fn dirty(&mut self) -> Result<bool> {
        let dirty: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT dirty FROM meta WHERE id = 1")
                .fetch_one(&mut *c)
                .await?
        });
        self.seen_dirty = Some(dirty);
        Ok(dirty != 0)
    }

    /// Gathers PostgreSQL's statistics on tables a bulk write just filled, so that the next
    /// plan's indexed lookups are planned as such: until autovacuum comes by, a table of 100k
    /// fresh rows looks empty and a 500-key lookup scans it whole (41 ms a query, 1.3 ms with
    /// statistics). SQLite needs none.
    pub async fn analyze_after_bulk(&mut self, rows: usize, tables: &[&str]) -> Result<()> {
        const BULK: usize = 10_000;
        if rows < BULK || !matches!(self.inner, Some(TxInner::Postgres(_))) {
            return Ok(());
        }
        let sql = format!("ANALYZE {}", tables.join(", "));
        on_tx!(self, |c| {
            sqlx::query(&sql).execute(&mut *c).await?;
        });
        Ok(())
    }

    /// Marks the store converged with this fingerprint when the transaction commits: a plan of
    /// that configuration is empty against the store as this transaction leaves it. Without
    /// an earlier [`Tx::dirty`], no mark lands on PostgreSQL.
    pub fn mark_converged(&mut self, fingerprint: &str, state: Option<String>) {
        self.mark = Some(fingerprint.to_string());
        self.mark_state = state;
    }

    /// The convergence mark as recorded, whatever was written since (the triggers may have
    /// cleared it; the change signal is not read), with the digest of the state it was found
    /// converged on. Only for a caller that reads the whole state itself and compares that
    /// digest (`drift`): equal digests stand for the state the mark vouches for.
    pub async fn mark_record(&mut self) -> Result<(Option<String>, Option<String>)> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as("SELECT converged, mark_state FROM meta WHERE id = 1")
                .fetch_one(&mut *c)
                .await?
        }))
    }
}
