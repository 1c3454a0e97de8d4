//! Load benchmark: bare deserialization of a synthetic configuration file (read it, serde_yaml
//! into `Document`) versus pchat's load + validate of the same file (read, parse, merge, rules).
//!
//! `cargo run --release --example bench_load -- [ROOMS] [ITERATIONS]` (defaults 100000 and 3).
//! Prints one table; the figures are the best of the iterations.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pchat::config;
use pchat::synth::{self, SynthOptions};

fn best<T>(iterations: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..iterations)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// VmHWM of this process, in bytes.
fn peak_rss() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:").map(str::to_string))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb * 1024.0)
}

fn main() {
    if let Some(path) = std::env::args()
        .nth(2)
        .filter(|_| std::env::args().nth(1).as_deref() == Some("--peak-of"))
    {
        drop(config::load(&[PathBuf::from(path)]).expect("valid"));
        println!("{}", peak_rss());
        return;
    }
    let mut args = std::env::args().skip(1);
    let rooms: usize = args
        .next()
        .map_or(100_000, |a| a.parse().expect("ROOMS is a number"));
    let iterations: usize = args
        .next()
        .map_or(3, |a| a.parse().expect("ITERATIONS is a number"));

    let dir = tempfile::tempdir().expect("a temporary directory");
    let path: PathBuf = dir.path().join("synthetic.yaml");
    let t = Instant::now();
    let doc = synth::document(SynthOptions {
        rooms,
        ..SynthOptions::default()
    });
    let text = config::yaml::to_string(&doc);
    std::fs::write(&path, &text).expect("write the synthetic file");
    let generated = t.elapsed();
    let mb = text.len() as f64 / 1e6;
    let members: usize = doc.rooms.iter().map(|r| r.members.len()).sum();

    // Both sides read the file: the difference is merging and validation alone.
    let bare = best(iterations, || {
        let text = std::fs::read_to_string(&path).expect("read");
        config::yaml::parse_document(&text).expect("parses")
    });
    // Peak memory of one load + validate alone, in a process of its own (this one holds the
    // generated document, and a freed heap would hide part of a later peak).
    let child = std::process::Command::new(std::env::current_exe().expect("this benchmark"))
        .arg("--peak-of")
        .arg(&path)
        .output()
        .expect("run the peak measurement");
    let peak: f64 = String::from_utf8_lossy(&child.stdout)
        .trim()
        .parse()
        .expect("the child prints its peak");
    let full = best(iterations, || {
        let loaded = config::load(std::slice::from_ref(&path)).expect("valid");
        assert_eq!(loaded.state.rooms.len(), rooms);
        assert_eq!(loaded.report.warnings(), 0);
        loaded
    });

    // The same file with 100 warnings (a member listed twice in 100 rooms spread over the whole
    // file, so locating them reads all of it): placing each diagnostic at its line must not
    // cost a pass per diagnostic.
    let mut warned = doc.clone();
    let step = (rooms / 100).max(1);
    for r in warned.rooms.iter_mut().step_by(step).take(100) {
        if let Some(first) = r.members.first().cloned() {
            r.members.push(first);
        }
    }
    let warned_path = dir.path().join("warnings.yaml");
    std::fs::write(&warned_path, config::yaml::to_string(&warned)).expect("write");
    let with_warnings = best(iterations, || {
        let loaded = config::load(std::slice::from_ref(&warned_path)).expect("valid");
        assert_eq!(loaded.report.warnings(), 100.min(rooms));
        loaded
    });

    let rate = |d: Duration| mb / d.as_secs_f64();
    println!(
        "synthetic configuration: {rooms} rooms, {members} members, {} categories, {mb:.1} MB (generated in {:.2} s)",
        doc.categories.len(),
        generated.as_secs_f64()
    );
    println!("| step | time (s) | MB/s |");
    println!("|---|---:|---:|");
    println!(
        "| bare: read the file, parse into Document | {:.3} | {:.1} |",
        bare.as_secs_f64(),
        rate(bare)
    );
    println!(
        "| pchat load + validate (read, parse, merge, rules) | {:.3} | {:.1} |",
        full.as_secs_f64(),
        rate(full)
    );
    let overhead = (full.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0;
    println!("validation overhead: {overhead:.1}% over bare deserialization (target <= 25%)");
    println!(
        "load + validate of {rooms} rooms: {:.3} s (target for 100k rooms: under 3 s)",
        full.as_secs_f64()
    );
    println!(
        "peak RSS of load + validate (a process of its own): {:.0} MB, {:.1}x the YAML (target <= 8x)",
        peak / 1e6,
        peak / text.len() as f64
    );
    println!(
        "with 100 warnings: {:.3} s, {:.2}x the time without (target <= 1.5x)",
        with_warnings.as_secs_f64(),
        with_warnings.as_secs_f64() / full.as_secs_f64()
    );
}
