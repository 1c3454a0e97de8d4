//! Store benchmark: bulk write of a synthetic configuration (rooms with five members each) into
//! an empty store, and a read of the whole store back, on SQLite and PostgreSQL.
//!
//! `cargo run --release --example bench_store -- [ROOMS]` (default 100000). PostgreSQL is
//! reached at PCHAT_TEST_POSTGRES_URL (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! the benchmark makes its own database there and drops it.

use std::time::Instant;

use pchat::model::DesiredState;
use pchat::store::{Store, StoreUrl, DEFAULT_LOCK_TIMEOUT};
use pchat::synth::{self, SynthOptions};
use sqlx::Connection;

async fn admin(sql: &str) {
    let url = std::env::var("PCHAT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut c = sqlx::PgConnection::connect(&url)
        .await
        .expect("PostgreSQL is reachable (start it with pg_ctlcluster … main start)");
    sqlx::query(sql)
        .execute(&mut c)
        .await
        .expect("admin statement");
}

async fn run(url: &StoreUrl, state: &DesiredState) -> (f64, f64) {
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let t = Instant::now();
    let mut tx = store.write().await.expect("lock");
    tx.insert_state(state).await.expect("insert");
    tx.commit_write().await.expect("commit");
    let write = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (back, _) = store.snapshot().await.expect("read");
    let read = t.elapsed().as_secs_f64();
    assert_eq!(back.rooms.len(), state.rooms.len());
    assert_eq!(&back, state, "the store gives back what was written");
    store.close().await;
    (write, read)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rooms: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("ROOMS is a number"));
    let doc = synth::document(SynthOptions {
        rooms,
        ..SynthOptions::default()
    });
    let (state, _) = DesiredState::from_documents(vec![(0, doc)]);
    let members: usize = state
        .rooms
        .values()
        .map(|r| r.members.len() + r.managers.len() + r.presenters.len())
        .sum();

    let dir = tempfile::tempdir().expect("temporary directory");
    let sqlite = StoreUrl::Sqlite(dir.path().join("bench.db"));
    let (sw, sr) = run(&sqlite, &state).await;

    let db = format!("pchat_bench_{}", std::process::id());
    admin(&format!("CREATE DATABASE {db}")).await;
    let base = std::env::var("PCHAT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(s, _)| s)
        .to_string();
    let pg = StoreUrl::Postgres(format!("{server}/{db}"));
    let (pw, pr) = run(&pg, &state).await;
    admin(&format!("DROP DATABASE {db} WITH (FORCE)")).await;

    println!(
        "store: {rooms} rooms, {members} member/manager/presenter rows, {} principals",
        state.principals.len()
    );
    println!("| backend | bulk write (s) | target | read all (s) | target |");
    println!("|---|---:|---:|---:|---:|");
    println!("| SQLite | {sw:.2} | <= 5 | {sr:.2} | <= 1.5 |");
    println!("| PostgreSQL | {pw:.2} | <= 8 | {pr:.2} | <= 1.5 |");
}
