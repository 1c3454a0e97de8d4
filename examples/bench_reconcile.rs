//! Reconciler benchmark on SQLite and PostgreSQL with a synthetic configuration (rooms with five
//! members each): plan against an empty store, apply everything, a no-op plan, and plan + apply
//! of a 1% change, beside the floor (load + validate of the YAML plus reading the store); the
//! no-op plan of a converged store, as `pchat plan` answers it from the store's mark; the cold
//! no-op plan (`--refresh`) with the parse beside the store read; a plan after editing one of
//! 20 room files, by the partial path and the full one; peak memory of plan and apply
//! beyond what the benchmark itself holds.
//!
//! `cargo run --release --example bench_reconcile -- [ROOMS]` (default 100000).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pchat::apply::{self, ApplyOptions};
use pchat::config;
use pchat::model::{DesiredState, Kind};
use pchat::partial;
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

/// VmHWM of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// In a process of its own (the benchmark's other steps would hide part of a peak): plans the
/// configuration against a new SQLite store, prints the peak, applies, prints the peak.
async fn peaks_child(cfg: &Path) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(
        &StoreUrl::Sqlite(dir.path().join("peak.db")),
        DEFAULT_LOCK_TIMEOUT,
    )
    .await
    .expect("open");
    let (desired, p, _, live) = plan_timed(&store, cfg).await;
    println!("plan {}", peak_rss());
    let opts = ApplyOptions {
        force: true,
        actor: "bench".into(),
        ..ApplyOptions::default()
    };
    apply::apply(&store, &desired, p, Some(live), &opts)
        .await
        .expect("apply");
    println!("apply {}", peak_rss());
    store.close().await;
}

/// The peaks of plan and apply, from [`peaks_child`].
fn peaks(cfg: &Path) -> (u64, u64) {
    let out = std::process::Command::new(std::env::current_exe().expect("this benchmark"))
        .arg("--peaks-of")
        .arg(cfg)
        .output()
        .expect("run the peak measurement");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let of = |step: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(step))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("the child prints its {step}peak: {text}"))
    };
    (of("plan "), of("apply "))
}

type Managed = HashMap<(Kind, String), bool>;

/// What a plan reads of the store: the state, the ownership records, the revision.
async fn read_store(store: &Store) -> (DesiredState, Managed, i64) {
    let (state, revision) = store.snapshot().await.expect("snapshot");
    let mut tx = store.read().await.expect("read");
    // Every ownership record, as a plan reads them (drift is told by the applied digests).
    let managed = tx.owned().await.expect("ownership").managed;
    tx.finish().await.expect("finish");
    (state, managed, revision)
}

fn plan_of(desired: &DesiredState, state: &DesiredState, managed: &Managed, revision: i64) -> Plan {
    plan::plan(
        desired,
        Live {
            state,
            managed,
            consented: &Default::default(),
            revision,
        },
        &PlanOptions::default(),
    )
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
    let (state, managed, revision) = read_store(store).await;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = plan_of(&desired, &state, &managed, revision);
    let plan = t.elapsed().as_secs_f64();
    (desired, p, Timed { load, read, plan }, state)
}

/// A plan answered from the store's convergence mark, as `pchat plan` does: read the files
/// for their digest, open the store, compare the mark. `None` when the store is not marked.
async fn converged_plan(url: &StoreUrl, cfg: &Path) -> Option<f64> {
    let t = Instant::now();
    let fp = fingerprint(cfg);
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let at = apply::converged_at(&store, &fp).await.expect("mark");
    store.close().await;
    at.map(|_| t.elapsed().as_secs_f64())
}

/// `pchat drift` of a store the last apply marked converged: the files digested, the whole
/// store read at one instant (`Store::read_whole`), its state digested and compared with the
/// mark's. Returns
/// the seconds; panics when the store does not read as marked (drift would parse and plan).
async fn drift_read(store: &Store, cfg: &Path) -> f64 {
    let t = Instant::now();
    let fp = fingerprint(cfg);
    let whole = store.read_whole().await.expect("read");
    let (record, state, owned) = (whole.mark, whole.state, whole.owned);
    let read = t.elapsed().as_secs_f64();
    assert!(
        apply::read_as_marked(&fp, &record, &state, &owned.managed, &owned.consented),
        "the store reads as its mark found it"
    );
    let all = t.elapsed().as_secs_f64();
    eprintln!(
        "drift: digest of the files and read {read:.3} s, digest of the state {:.3} s",
        all - read
    );
    all
}

/// A cold plan as `pchat plan --refresh` makes it: the YAML parsed on a thread of its own
/// while the store is read in one transaction (beside the parser, one connection is faster
/// than `snapshot`'s two), then the plan. Returns the seconds and the plan.
async fn cold_plan(store: &Store, cfg: &Path) -> (f64, Plan) {
    let t = Instant::now();
    let path = cfg.to_path_buf();
    let loading = tokio::task::spawn_blocking(move || config::load(&[path]).expect("valid").state);
    let mut tx = store.read().await.expect("read");
    let revision = tx.revision().await.expect("revision");
    let state = tx.read_state().await.expect("state");
    let managed = tx.owned().await.expect("ownership").managed;
    tx.finish().await.expect("finish");
    let desired = loading.await.expect("the loader does not panic");
    let p = plan_of(&desired, &state, &managed, revision);
    (t.elapsed().as_secs_f64(), p)
}

/// The configuration split as a team would keep it: `base.yaml` with everything but the rooms,
/// and the rooms in files of `per_file` each.
fn write_split(dir: &Path, doc: &pchat::model::Document, per_file: usize) -> PathBuf {
    let d = dir.join("split");
    std::fs::create_dir_all(&d).unwrap();
    let mut base = doc.clone();
    base.rooms.clear();
    std::fs::write(d.join("base.yaml"), config::yaml::to_string(&base)).unwrap();
    for (i, chunk) in doc.rooms.chunks(per_file.max(1)).enumerate() {
        write_rooms(&d, i, chunk);
    }
    d
}

fn write_rooms(dir: &Path, i: usize, rooms: &[pchat::model::Room]) {
    let part = pchat::model::Document {
        rooms: rooms.to_vec(),
        ..Default::default()
    };
    let path = dir.join(format!("rooms-{i:02}.yaml"));
    std::fs::write(path, config::yaml::to_string(&part)).unwrap();
}

/// Marks the store converged with the split configuration (whose plan against it is empty),
/// with what each file declares, as `pchat apply` of it does.
async fn mark_split(store: &Store, cfg: &Path) {
    let files = config::collect_files(&[cfg.to_path_buf()]).expect("files");
    let texts = config::read_files(&files).expect("read");
    let digests = config::file_digests(&files, &texts);
    let loaded = config::load_texts(files.clone(), texts).expect("valid");
    let declared = partial::declared_files(&loaded.state, &loaded.origins, &files, &digests);
    let (state, managed, revision) = read_store(store).await;
    let p = plan_of(&loaded.state, &state, &managed, revision);
    assert!(p.is_empty(), "the split configuration is the applied one");
    let converge = apply::Converge {
        fingerprint: apply::fingerprint(&config::digest_of(&digests), &PlanOptions::default()),
        options: PlanOptions::default(),
        declared: Some(declared),
    };
    let marked = apply::vouch(store, &loaded.state, &p, &converge).await;
    assert!(marked.expect("vouch"), "the store takes the mark");
}

/// A plan as `pchat plan` makes it when the configuration differs from the marked one in a few
/// files: every file digested (read a buffer at a time), the mark compared, the changed files parsed and their
/// rows read. Returns the seconds and the plan (`None`: the full path was needed).
async fn partial_plan(url: &StoreUrl, cfg: &Path) -> (f64, Option<Plan>) {
    let t = Instant::now();
    let files = config::collect_files(&[cfg.to_path_buf()]).expect("files");
    let digests = config::digest_files(&files).expect("read");
    let fp = apply::fingerprint(&config::digest_of(&digests), &PlanOptions::default());
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let at = apply::converged_at(&store, &fp).await.expect("mark");
    assert!(
        at.is_none(),
        "the edited configuration is not the marked one"
    );
    let opts = PlanOptions::default();
    let p = partial::plan(&store, &files, &digests, &opts).await;
    store.close().await;
    let p = p.expect("partial plan");
    (t.elapsed().as_secs_f64(), p.map(|p| p.plan))
}

/// Edits one room file of the split configuration (a new description on every tenth room),
/// plans it by the partial path and by the full one, and puts the file back.
async fn split_edit(
    name: &str,
    url: &StoreUrl,
    doc: &pchat::model::Document,
    split: &Path,
    rows: &mut Vec<String>,
) {
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    mark_split(&store, split).await;
    let files = std::fs::read_dir(split).expect("split").count();
    let t = Instant::now();
    config::load(&[split.to_path_buf()]).expect("valid");
    let validate = t.elapsed().as_secs_f64();
    let per_file = doc.rooms.len().div_ceil(files - 1);
    let edited = 7 % (files - 1);
    let mut rooms =
        doc.rooms[edited * per_file..((edited + 1) * per_file).min(doc.rooms.len())].to_vec();
    for r in rooms.iter_mut().step_by(10) {
        r.description.push_str(" (edited)");
    }
    write_rooms(split, edited, &rooms);
    let (seconds, p) = partial_plan(url, split).await;
    let p = p.expect("one edited file is planned by the partial path");
    let (_, full) = cold_plan(&store, split).await;
    assert_eq!(p.changes, full.changes, "the partial plan is the full plan");
    rows.push(format!(
        "| {name} | plan after editing 1 of {} room files ({per_file} rooms each, {} changes): that file parsed, its rows read | {seconds:.3} | {:.2}x validate of the whole ({validate:.2} s); target <= 0.3x |",
        files - 1,
        p.changes.len(),
        seconds / validate
    ));
    write_rooms(
        split,
        edited,
        &doc.rooms[edited * per_file..((edited + 1) * per_file).min(doc.rooms.len())],
    );
    store.close().await;
}

/// The configurations a run plans: the whole file, the 1% change, and the 1% change split
/// into files (`doc` is what they declare).
struct Configs<'a> {
    full: &'a Path,
    changed: &'a Path,
    split: &'a Path,
    doc: &'a pchat::model::Document,
}

async fn run(name: &str, url: &StoreUrl, c: &Configs<'_>, rows: &mut Vec<String>) {
    let (full, changed) = (c.full, c.changed);
    let store = Store::open(url, DEFAULT_LOCK_TIMEOUT).await.expect("open");
    let opts = ApplyOptions {
        force: true,
        actor: "bench".into(),
        converge: Some(apply::Converge {
            fingerprint: fingerprint(full),
            options: PlanOptions::default(),
            declared: None,
        }),
        ..ApplyOptions::default()
    };

    let (desired, p, t, live) = plan_timed(&store, full).await;
    rows.push(format!("| {name} | plan against an empty store ({} changes) | {:.2} | load {:.2} + read {:.2} + plan {:.2} |", p.changes.len(), t.load + t.read + t.plan, t.load, t.read, t.plan));
    let s = Instant::now();
    apply::apply(&store, &desired, p, Some(live), &opts)
        .await
        .expect("apply");
    let apply_all = s.elapsed().as_secs_f64();
    drop(desired);
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
    let validate = t.load;
    // `pchat apply` folds the write-ahead log into the database as it closes; this apply's
    // store is still open, so the first plan to close a store would fold it (tens of MB after
    // 100k rooms). That one is not timed: the timed plan is the one after a CLI apply.
    converged_plan(url, full)
        .await
        .expect("the apply marked the store converged");
    let short = converged_plan(url, full)
        .await
        .expect("the apply marked the store converged");
    rows.push(format!(
        "| {name} | no-op plan, converged store (files digested, mark compared) | {short:.3} | {:.3}x validate ({validate:.2} s); target <= 0.1x |",
        short / validate
    ));
    // Best of three rounds, each timing the parts alone and then together: on two shared
    // cores one run can be twice another, and the ratio must not be the noise's.
    let (mut best, mut cold) = (t, f64::INFINITY);
    for round in 0..3 {
        if round > 0 {
            let (_, p, t, _) = plan_timed(&store, full).await;
            assert!(p.is_empty(), "no-op plan has {} changes", p.changes.len());
            best = Timed {
                load: best.load.min(t.load),
                read: best.read.min(t.read),
                plan: best.plan.min(t.plan),
            };
        }
        let (seconds, p) = cold_plan(&store, full).await;
        assert!(
            p.is_empty(),
            "cold no-op plan has {} changes",
            p.changes.len()
        );
        cold = cold.min(seconds);
    }
    let floor = best.load.max(best.read);
    rows.push(format!(
        "| {name} | cold no-op plan (--refresh: parse beside the store read; best of 3) | {cold:.2} | validate {:.2}, read {:.2}, one after the other {:.2}; {:.2}x the longer (target <= 1.3x) |",
        best.load, best.read, best.load + best.read + best.plan, cold / floor
    ));
    // `drift` never answers from the mark's change signal: it reads the whole store, as
    // `pchat drift` does, and parses nothing when the files are the mark's and the state read
    // digests as the one the mark found converged. Best of three.
    let mut drift = f64::INFINITY;
    for _ in 0..3 {
        drift = drift.min(drift_read(&store, full).await);
    }
    rows.push(format!(
        "| {name} | drift of the converged store (files digested, whole store read and digested) | {drift:.2} | {:.2}x the store read ({:.2} s); target <= 1.3x |",
        drift / best.read, best.read
    ));

    let (desired, p, t, live) = plan_timed(&store, changed).await;
    let planned = t.load + t.read + t.plan;
    let opts = ApplyOptions {
        converge: Some(apply::Converge {
            fingerprint: fingerprint(changed),
            options: PlanOptions::default(),
            declared: None,
        }),
        ..opts
    };
    let changes = p.changes.len();
    let s = Instant::now();
    apply::apply(&store, &desired, p, Some(live), &opts)
        .await
        .expect("apply 1%");
    let apply_1 = s.elapsed().as_secs_f64();
    rows.push(format!(
        "| {name} | 1% change: plan ({changes} changes) / apply | {planned:.2} / {apply_1:.2} | apply target <= 2 s beyond the plan |"
    ));
    store.close().await;
    split_edit(name, url, c.doc, c.split, rows).await;
}

/// The convergence fingerprint of a configuration directory, as `pchat apply` records it.
fn fingerprint(cfg: &Path) -> String {
    let files = config::collect_files(&[cfg.to_path_buf()]).expect("files");
    let digests = config::digest_files(&files).expect("read");
    apply::fingerprint(&config::digest_of(&digests), &PlanOptions::default())
}

fn write(dir: &Path, name: &str, doc: &pchat::model::Document) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("c.yaml"), config::yaml::to_string(doc)).unwrap();
    d
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("--peaks-of") {
        let cfg = PathBuf::from(std::env::args().nth(2).expect("a configuration"));
        return peaks_child(&cfg).await;
    }
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
    // Twenty room files of the 1% change (5,000 rooms each at 100k).
    let split = write_split(dir.path(), &doc, rooms.div_ceil(20));
    let configs = Configs {
        full: &full,
        changed: &changed,
        split: &split,
        doc: &doc,
    };

    let mut rows = vec![
        "| backend | step | seconds | notes |".to_string(),
        "|---|---|---:|---|".to_string(),
    ];
    run(
        "SQLite",
        &StoreUrl::Sqlite(dir.path().join("bench.db")),
        &configs,
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
        &configs,
        &mut rows,
    )
    .await;
    admin(&format!("DROP DATABASE {db} WITH (FORCE)")).await;
    // Memory: each step in a process of its own, on SQLite (the states held are the same on
    // PostgreSQL).
    let yaml = std::fs::metadata(full.join("c.yaml"))
        .expect("the file")
        .len() as f64;
    let (plan_peak, apply_peak) = peaks(&full);
    for (step, peak, target) in [
        ("plan against an empty store", plan_peak, 8),
        ("plan, then apply all", apply_peak, 10),
    ] {
        rows.push(format!(
            "| SQLite | peak RSS of {step} (a process of its own) | {:.0} MB | {:.1}x the YAML ({:.0} MB); target <= {target}x |",
            peak as f64 / 1e6,
            peak as f64 / yaml,
            yaml / 1e6
        ));
    }
    println!("reconciler: {rooms} rooms with 5 members each");
    for r in rows {
        println!("{r}");
    }
}
