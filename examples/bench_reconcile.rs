//! Reconciler benchmark on SQLite and PostgreSQL with a synthetic configuration (rooms with five
//! members each): plan against an empty store, apply everything, a no-op plan, and plan + apply
//! of a 1% change, beside the floor (load + validate of the YAML plus reading the store).
//!
//! `cargo run --release --example bench_reconcile -- [ROOMS]` (default 100000).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pchat::apply::{self, ApplyOptions};
use pchat::config;
use pchat::model::{DesiredState, Kind};
use pchat::plan::{self, Live, Plan, PlanOptions};
use pchat::store::{Store, StoreUrl, DEFAULT_LOCK_TIMEOUT};
use pchat::synth::{self, SynthOptions};
use sqlx::Connection;

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

struct Timed {
    load: f64,
    read: f64,
    plan: f64,
}

/// Loads the configuration, reads the store and plans: each step timed.
async fn plan_timed(store: &Store, cfg: &Path) -> (DesiredState, Plan, Timed, DesiredState) {
    let t = Instant::now();
    let desired = config::load(&[cfg.to_path_buf()]).expect("valid").state;
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (state, revision) = store.snapshot().await.expect("snapshot");
    let mut tx = store.read().await.expect("read");
    let managed: HashMap<(Kind, String), bool> = tx.ownership().await.expect("ownership");
    tx.finish().await.expect("finish");
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = plan::plan(
        &desired,
        Live {
            state: &state,
            managed: &managed,
            consented: &Default::default(),
            revision,
        },
        &PlanOptions::default(),
    );
    let plan = t.elapsed().as_secs_f64();
    (desired, p, Timed { load, read, plan }, state)
}

async fn run(name: &str, url: &StoreUrl, full: &Path, changed: &Path, rows: &mut Vec<String>) {
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let opts = ApplyOptions {
        force: true,
        actor: "bench".into(),
        ..ApplyOptions::default()
    };

    let (desired, p, t, live) = plan_timed(&store, full).await;
    rows.push(format!("| {name} | plan against an empty store ({} changes) | {:.2} | load {:.2} + read {:.2} + plan {:.2} |", p.changes.len(), t.load + t.read + t.plan, t.load, t.read, t.plan));
    let s = Instant::now();
    apply::apply(&store, &desired, &p, Some(live), &opts)
        .await
        .expect("apply");
    let apply_all = s.elapsed().as_secs_f64();
    rows.push(format!(
        "| {name} | apply all | {apply_all:.2} | target {} |",
        if name == "SQLite" {
            "<= 10 s"
        } else {
            "<= 15 s"
        }
    ));

    let (_, p, t, _) = plan_timed(&store, full).await;
    assert!(p.is_empty(), "no-op plan has {} changes", p.changes.len());
    let floor = t.load + t.read;
    rows.push(format!(
        "| {name} | no-op plan | {:.2} | floor (load + read) {floor:.2}; plan step {:.2}; ratio {:.2} (target <= 1.3) |",
        floor + t.plan, t.plan, (floor + t.plan) / floor
    ));

    let (desired, p, t, live) = plan_timed(&store, changed).await;
    let planned = t.load + t.read + t.plan;
    let s = Instant::now();
    apply::apply(&store, &desired, &p, Some(live), &opts)
        .await
        .expect("apply 1%");
    let apply_1 = s.elapsed().as_secs_f64();
    rows.push(format!(
        "| {name} | 1% change: plan ({} changes) / apply | {planned:.2} / {apply_1:.2} | apply target <= 2 s beyond the plan |",
        p.changes.len()
    ));
    store.close().await;
}

fn write(dir: &Path, name: &str, doc: &pchat::model::Document) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("c.yaml"), config::yaml::to_string(doc)).unwrap();
    d
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rooms: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("ROOMS is a number"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut doc = synth::document(SynthOptions {
        rooms,
        ..SynthOptions::default()
    });
    let full = write(dir.path(), "full", &doc);
    // The 1% change: new descriptions on every hundredth room.
    for r in doc.rooms.iter_mut().step_by(100) {
        r.description.push_str(" (changed)");
    }
    let changed = write(dir.path(), "changed", &doc);

    let mut rows = vec![
        "| backend | step | seconds | notes |".to_string(),
        "|---|---|---:|---|".to_string(),
    ];
    run(
        "SQLite",
        &StoreUrl::Sqlite(dir.path().join("bench.db")),
        &full,
        &changed,
        &mut rows,
    )
    .await;
    let db = format!("pchat_bench_reconcile_{}", std::process::id());
    admin(&format!("CREATE DATABASE {db}")).await;
    let base = admin_url();
    let server = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(s, _)| s)
        .to_string();
    run(
        "PostgreSQL",
        &StoreUrl::Postgres(format!("{server}/{db}")),
        &full,
        &changed,
        &mut rows,
    )
    .await;
    admin(&format!("DROP DATABASE {db} WITH (FORCE)")).await;
    println!("reconciler: {rooms} rooms with 5 members each");
    for r in rows {
        println!("{r}");
    }
}
