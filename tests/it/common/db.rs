//! Real stores for tests: a fresh SQLite file, or a fresh PostgreSQL database that is dropped
//! when the test ends. Never a mock.

use std::sync::atomic::{AtomicU32, Ordering};

/// Which backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The server the tests use; override with PCHAT_TEST_POSTGRES_URL (a URL to a database the
/// tests may connect to in order to create and drop their own).
pub fn postgres_admin_url() -> String {
    std::env::var("PCHAT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A store made for one test.
pub struct TestStore {
    pub url: String,
    /// A directory of the test's own, to run `pchat` in; holds the SQLite file.
    pub dir: tempfile::TempDir,
    pg_database: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn admin(sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&postgres_admin_url()).await?;
    sqlx::query(sql).execute(&mut c).await?;
    c.close().await
}

impl TestStore {
    /// A store that exists, empty (as after `pchat init`, or a first `--new-store`).
    pub fn new(backend: Backend) -> TestStore {
        let t = TestStore::unmade(backend);
        let url = t.store_url();
        std::thread::spawn(move || {
            block_on(async {
                let store = pchat::store::Store::open(&url, pchat::store::DEFAULT_LOCK_TIMEOUT)
                    .await
                    .expect("the test store is made");
                store.close().await;
            })
        })
        .join()
        .unwrap();
        t
    }

    /// A place for a store that does not exist yet: an SQLite path with no file, or a
    /// PostgreSQL database without pchat's tables.
    pub fn unmade(backend: Backend) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => TestStore {
                url: format!("sqlite://{}", dir.path().join("pchat.db").display()),
                dir,
                pg_database: None,
            },
            Backend::Postgres => {
                let name = format!(
                    "pchat_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                let created = std::thread::spawn({
                    let sql = format!("CREATE DATABASE {name}");
                    move || block_on(admin(&sql))
                })
                .join()
                .unwrap();
                if let Err(e) = created {
                    panic!(
                        "PostgreSQL is not reachable at {} ({e}). Start it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                         or point PCHAT_TEST_POSTGRES_URL at a server where tests may create databases",
                        postgres_admin_url()
                    );
                }
                let base = postgres_admin_url();
                let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
                TestStore {
                    url: format!("{server}/{name}"),
                    dir,
                    pg_database: Some(name),
                }
            }
        }
    }

    pub fn store_url(&self) -> pchat::store::StoreUrl {
        self.url.parse().unwrap()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            // Its own thread and runtime: a test's runtime may be the one being dropped.
            let _ = std::thread::spawn(move || block_on(admin(&sql))).join();
        }
    }
}
