//! One-object commands at two store sizes, on SQLite and PostgreSQL: `room get --identity` (open
//! the store, read that room) and `room set --identity … --description …` (one cmdlet in one
//! write transaction), beside reading the whole store, to show their cost does not grow with
//! the rooms the store holds. Each figure is the median of 15 runs, the store opened each time
//! as the CLI opens it.
//!
//! `cargo run --release --example bench_command -- [SMALL] [LARGE]` (default 1000 100000).

use std::time::Instant;

use pchat::imperative;
use pchat::model::{DesiredState, ObjectId};
use pchat::ops::{ListChange, Operation};
use pchat::store::{Focus, Store, StoreUrl, DEFAULT_LOCK_TIMEOUT};
use pchat::synth::{self, SynthOptions};
use sqlx::Connection;

const RUNS: usize = 15;

fn admin_url() -> String {
    std::env::var("PCHAT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn admin(sql: &str) {
    let mut c = sqlx::PgConnection::connect(&admin_url())
        .await
        .expect("PostgreSQL is reachable");
    sqlx::query(sql)
        .execute(&mut c)
        .await
        .expect("admin statement");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Figures {
    get: f64,
    set: f64,
    read_all: f64,
    /// `category get --identity` and `category set` of a category holding its share of rooms.
    category_get: f64,
    category_set: f64,
}

async fn measure(url: &StoreUrl, state: &DesiredState) -> Figures {
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let mut tx = store.write().await.expect("lock");
    tx.insert_state(state).await.expect("insert");
    tx.commit_write().await.expect("commit");
    store.close().await;
    // A room in the middle of the store.
    let id: ObjectId = state
        .rooms
        .keys()
        .nth(state.rooms.len() / 2)
        .unwrap()
        .clone();
    let category: ObjectId = state.categories.keys().next().unwrap().clone();
    let (mut get, mut set, mut all) = (Vec::new(), Vec::new(), Vec::new());
    let (mut category_get, mut category_set) = (Vec::new(), Vec::new());
    for i in 0..RUNS {
        let t = Instant::now();
        let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
        let mut tx = store.read().await.expect("read");
        let s = tx
            .read_rooms_named(std::slice::from_ref(&id))
            .await
            .expect("read one");
        tx.finish().await.expect("finish");
        store.close().await;
        assert!(s.rooms.contains_key(&id));
        get.push(t.elapsed().as_secs_f64());

        let op = Operation::SetRoom {
            identity: id.clone(),
            name: None,
            category: None,
            description: Some(format!("run {i}")),
            room_type: None,
            privacy: None,
            addin: None,
            invitations: None,
            disabled: None,
            members: ListChange::default(),
            managers: ListChange::default(),
            presenters: ListChange::default(),
        };
        let t = Instant::now();
        let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
        imperative::run(&store, &op).await.expect("set");
        store.close().await;
        set.push(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
        let mut tx = store.read().await.expect("read");
        let s = tx
            .read_state_focused(|_| Focus::default())
            .await
            .expect("read the categories");
        tx.finish().await.expect("finish");
        store.close().await;
        assert!(s.categories.contains_key(&category));
        category_get.push(t.elapsed().as_secs_f64());

        let op = Operation::SetCategory {
            identity: category.clone(),
            name: None,
            description: Some(format!("run {i}")),
            invitations: None,
            file_upload: None,
            chat_history: None,
            allowed_members: ListChange::default(),
            denied_members: ListChange::default(),
            creators: ListChange::default(),
        };
        let t = Instant::now();
        let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
        imperative::run(&store, &op).await.expect("category set");
        store.close().await;
        category_set.push(t.elapsed().as_secs_f64());
    }
    for _ in 0..3 {
        let t = Instant::now();
        let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
        let (s, _) = store.snapshot().await.expect("read all");
        store.close().await;
        assert_eq!(s.rooms.len(), state.rooms.len());
        all.push(t.elapsed().as_secs_f64());
    }
    Figures {
        get: median(get),
        set: median(set),
        read_all: median(all),
        category_get: median(category_get),
        category_set: median(category_set),
    }
}

async fn both(rooms: usize) -> (Figures, Figures, f64) {
    let doc = synth::document(SynthOptions {
        rooms,
        ..SynthOptions::default()
    });
    // The validate time of the same configuration, for scale.
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("rooms.yaml");
    std::fs::write(&file, pchat::config::yaml::to_string(&doc)).expect("write");
    let t = Instant::now();
    let loaded = pchat::config::load(std::slice::from_ref(&file)).expect("valid");
    let validate = t.elapsed().as_secs_f64();
    let state = loaded.state;
    let sqlite = measure(&StoreUrl::Sqlite(dir.path().join("bench.db")), &state).await;
    let db = format!("pchat_bench_cmd_{}_{rooms}", std::process::id());
    admin(&format!("CREATE DATABASE {db}")).await;
    let base = admin_url();
    let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
    let pg = measure(&StoreUrl::Postgres(format!("{server}/{db}")), &state).await;
    admin(&format!("DROP DATABASE {db} WITH (FORCE)")).await;
    (sqlite, pg, validate)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let small: usize = args.next().map_or(1000, |a| a.parse().expect("SMALL"));
    let large: usize = args.next().map_or(100_000, |a| a.parse().expect("LARGE"));
    let (s1, p1, v1) = both(small).await;
    let (s2, p2, v2) = both(large).await;
    let ms = |x: f64| x * 1000.0;
    println!("one-object commands (median of {RUNS} runs; the store opened each time)");
    println!(
        "| backend | rooms | get --identity (ms) | set (ms) | read all (ms) | validate (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, f, rooms, v) in [
        ("SQLite", &s1, small, v1),
        ("SQLite", &s2, large, v2),
        ("PostgreSQL", &p1, small, v1),
        ("PostgreSQL", &p2, large, v2),
    ] {
        println!(
            "| {name} | {rooms} | {:.1} | {:.1} | {:.0} | {:.0} |",
            ms(f.get),
            ms(f.set),
            ms(f.read_all),
            ms(v)
        );
    }
    println!(
        "| backend | rooms | category get --identity (ms) | category set, its rooms read (ms) |"
    );
    println!("|---|---:|---:|---:|");
    for (name, f, rooms) in [
        ("SQLite", &s1, small),
        ("SQLite", &s2, large),
        ("PostgreSQL", &p1, small),
        ("PostgreSQL", &p2, large),
    ] {
        println!(
            "| {name} | {rooms} | {:.1} | {:.1} |",
            ms(f.category_get),
            ms(f.category_set)
        );
    }
    println!(
        "flat cost ({large} vs {small} rooms): get x{:.2} / x{:.2}, set x{:.2} / x{:.2} (SQLite / PostgreSQL); targets: get <= 20 ms, set <= 50 ms at {large} rooms, within 2x of {small}",
        s2.get / s1.get,
        p2.get / p1.get,
        s2.set / s1.set,
        p2.set / p1.set
    );
}
