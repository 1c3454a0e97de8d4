//! All or nothing: `pchat apply` killed with SIGKILL at many moments of a large apply leaves the
//! store exactly at the old or the new state, on both backends, and the next apply succeeds.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pchat::model::DesiredState;
use pchat::store::{Store, DEFAULT_LOCK_TIMEOUT};
use pchat::synth::{self, SynthOptions};

use crate::common::db::{TestStore, BACKENDS};

const TRIALS: usize = 50;

/// Two configurations far enough apart that going from one to the other creates, changes and
/// removes many rooms.
fn write_configs(t: &TestStore) -> [String; 2] {
    [(1_200, 1), (1_500, 2)].map(|(rooms, seed)| {
        let dir = t.dir.path().join(format!("cfg{seed}"));
        std::fs::create_dir_all(&dir).unwrap();
        let doc = synth::document(SynthOptions {
            rooms,
            users: 400,
            categories: 40,
            seed,
            ..SynthOptions::default()
        });
        std::fs::write(dir.join("c.yaml"), pchat::config::yaml::to_string(&doc)).unwrap();
        dir.display().to_string()
    })
}

fn apply_cmd(t: &TestStore, cfg: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pchat"));
    c.args([
        "--store", &t.url, "apply", cfg, "--yes", "--force", "--prune", "all",
    ])
    .current_dir(t.dir.path())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    c
}

/// The store's state with every list sorted: lists are sets to the service (an apply adds and
/// removes entries, so their order depends on the way the store got there).
fn snapshot(rt: &tokio::runtime::Runtime, t: &TestStore) -> DesiredState {
    let mut s = rt.block_on(async {
        let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
            .await
            .unwrap();
        let s = store.snapshot().await.unwrap().0;
        store.close().await;
        s
    });
    for r in s.rooms.values_mut() {
        r.members.sort();
        r.managers.sort();
        r.presenters.sort();
    }
    for c in s.categories.values_mut() {
        c.allowed_members.sort();
        c.denied_members.sort();
        c.creators.sort();
    }
    for p in s.principals.values_mut() {
        p.members.sort();
    }
    for a in s.active_servers.values_mut() {
        a.active_servers.sort();
    }
    s
}

#[test]
fn a_killed_apply_leaves_the_old_or_the_new_state() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for b in BACKENDS {
        let t = TestStore::new(b);
        let cfgs = write_configs(&t);
        // The two states the store may be in, as the store holds them.
        let mut states = Vec::new();
        let mut full = Duration::ZERO;
        for cfg in &cfgs {
            let started = Instant::now();
            let out = apply_cmd(&t, cfg).output().unwrap();
            full = full.max(started.elapsed());
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            states.push(snapshot(&rt, &t));
        }
        assert_ne!(states[0], states[1]);
        let mut current = 1; // The store holds B.
        let (mut old_kept, mut new_reached) = (0, 0);
        // Two sweeps of kills from the start to past the expected end; other tests share the
        // machine, so if the first sweep never outlived the commit the second spans longer.
        let sweep = TRIALS / 2;
        let mut span = 1.5;
        for trial in 0..TRIALS {
            if trial == sweep && new_reached == 0 {
                span *= 3.0;
            }
            let target = 1 - current;
            let delay = full.mul_f64(span * (trial % sweep) as f64 / (sweep - 1) as f64);
            let mut child = apply_cmd(&t, &cfgs[target]).spawn().unwrap();
            std::thread::sleep(delay);
            let _ = child.kill();
            let _ = child.wait();
            let now = snapshot(&rt, &t);
            if now == states[target] {
                new_reached += 1;
                current = target;
            } else {
                assert!(
                    now == states[current],
                    "{b:?}: trial {trial} (kill after {delay:?}) left a mix of the two states"
                );
                old_kept += 1;
            }
        }
        // The kills landed on both sides of the commit, and the store still takes an apply.
        assert!(
            old_kept > 0 && new_reached > 0,
            "{b:?}: {old_kept} old, {new_reached} new"
        );
        let target = 1 - current;
        let out = apply_cmd(&t, &cfgs[target]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(snapshot(&rt, &t), states[target]);
        eprintln!("{b:?}: {TRIALS} kills over {full:?}: {old_kept} left the old state, {new_reached} the new one");
    }
}
