//! Reliability under hostile input, in release: what a 200,000-deep file and a 3 GiB-inflating
//! archive cost, and the loader fuzz at 100,000 cases (the tests run 1,200).
//!
//! `cargo run --release --example reliability -- [FUZZ_CASES]` (default 102000). Prints the
//! figures; exits non-zero if a limit is not met or the fuzz finds a panic. Peak memory is the
//! process's own (VmHWM, reset before each case through /proc/self/clear_refs).

use std::io::Write;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[allow(dead_code)]
#[path = "../tests/it/no_panic.rs"]
mod no_panic;

/// Resets the peak-memory mark; returns false where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak resident memory since the last reset, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let cases: u32 = std::env::args()
        .nth(1)
        .map_or(102_000, |a| a.parse().expect("FUZZ_CASES is a number"));
    let mut failed = false;

    println!("| case | result | time | peak RSS |");
    println!("|---|---|---|---|");
    for depth in [2_000usize, 20_000, 200_000] {
        let text = format!("rooms: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        reset_peak();
        let t = Instant::now();
        let loaded = pchat::config::load_texts(vec!["deep.yaml".into()], vec![text]);
        let secs = t.elapsed().as_secs_f64();
        let peak = peak_mib();
        let refused = loaded.is_err();
        println!(
            "| validate, nesting {depth} deep | {} | {secs:.4} s | {peak:.1} MiB |",
            if refused { "refused" } else { "ACCEPTED" }
        );
        // Acceptance: the 200,000-deep file is refused well under a second, under 50 MB.
        if !refused || (depth == 200_000 && (secs >= 0.5 || peak >= 50.0)) {
            failed = true;
        }
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    let bomb = dir.path().join("bomb.zip");
    let t = Instant::now();
    write_bomb(&bomb, 3 << 30);
    let bytes = std::fs::read(&bomb).expect("read the archive");
    println!(
        "| write a {} byte archive inflating to 3 GiB | done | {:.1} s | |",
        bytes.len(),
        t.elapsed().as_secs_f64()
    );
    let url: pchat::store::StoreUrl = format!("sqlite://{}", dir.path().join("s.db").display())
        .parse()
        .expect("a store URL");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let trusting = pchat::data::ArchiveLimits {
        ratio: None,
        entry_size: 8 << 30,
        total_size: 8 << 30,
        ..Default::default()
    };
    for (what, limits) in [
        ("default limits", pchat::data::ArchiveLimits::default()),
        ("ratio and sizes lifted (streamed)", trusting),
    ] {
        reset_peak();
        let t = Instant::now();
        let result = runtime.block_on(async {
            let store = pchat::store::Store::open(&url, std::time::Duration::from_secs(5))
                .await
                .expect("open the store");
            let r = pchat::data::import(&store, &bytes, false, limits, &Default::default()).await;
            store.close().await;
            r
        });
        let secs = t.elapsed().as_secs_f64();
        let peak = peak_mib();
        let said = match &result {
            Ok(_) => "IMPORTED".to_string(),
            Err(e) => format!("refused: {}", e.to_string().replace('|', "/")),
        };
        println!("| import the 3 GiB bomb, {what} | {said} | {secs:.2} s | {peak:.1} MiB |");
        // Acceptance: refused, under 100 MB.
        if result.is_ok() || peak >= 100.0 {
            failed = true;
        }
    }

    let t = Instant::now();
    let per = cases / 3;
    let runner = |cases| {
        TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        })
    };
    let seeds = no_panic::seed_texts();
    let fuzz = [
        runner(per)
            .run(&"\\PC{0,300}", |text| {
                no_panic::load(text);
                Ok(())
            })
            .map_err(|e| e.to_string()),
        runner(per)
            .run(
                &proptest::collection::vec(0..no_panic::TOKENS.len(), 0..80),
                |tokens| {
                    no_panic::load(tokens.into_iter().map(|t| no_panic::TOKENS[t]).collect());
                    Ok(())
                },
            )
            .map_err(|e| e.to_string()),
        runner(cases - 2 * per)
            .run(
                &(
                    any::<usize>(),
                    proptest::collection::vec(no_panic::edit(), 1..8),
                ),
                |(which, edits)| {
                    no_panic::load(no_panic::apply(&seeds[which % seeds.len()], &edits));
                    Ok(())
                },
            )
            .map_err(|e| e.to_string()),
    ];
    let panicked: Vec<String> = fuzz.into_iter().filter_map(Result::err).collect();
    println!(
        "| loader fuzz, {cases} cases | {} | {:.1} s | |",
        if panicked.is_empty() {
            "no panic"
        } else {
            "PANIC"
        },
        t.elapsed().as_secs_f64()
    );
    for p in &panicked {
        eprintln!("{p}");
    }
    if failed || !panicked.is_empty() {
        eprintln!("a reliability limit was not met");
        std::process::exit(1);
    }
}

/// An archive whose `messages.json` inflates to `size` bytes of spaces, streamed to disk.
fn write_bomb(path: &std::path::Path, size: u64) {
    let file = std::fs::File::create(path).expect("create the archive");
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("manifest.json", options).expect("an entry");
    zip.write_all(
        br#"{"format": "pchat-data", "version": 1, "level": "All", "scope": [], "startDate": null}"#,
    )
    .expect("write");
    zip.start_file("messages.json", options).expect("an entry");
    let chunk = vec![b' '; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        zip.write_all(&chunk[..n]).expect("write");
        left -= n as u64;
    }
    zip.finish().expect("finish the archive");
}
