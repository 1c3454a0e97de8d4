//! Helpers shared by the integration tests.

pub mod db;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run of `pchat` produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `pchat` binary in `dir` with these arguments, colour off and no NO_COLOR surprises.
pub fn pchat_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_pchat"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("PCHAT_STORE")
        .output()
        .expect("run pchat");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs pchat in `dir`, killing it if it has not ended within `limit` (a hang is a failure).
pub fn pchat_within(dir: &Path, args: &[&str], limit: std::time::Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pchat"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("PCHAT_STORE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run pchat");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pchat {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `pchat` from the repository root.
pub fn pchat(args: &[&str]) -> Run {
    pchat_in(&root(), args)
}

/// Compares `actual` with the committed file at `path`; with `PCHAT_BLESS=1` writes it instead.
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("PCHAT_BLESS").is_some() {
        std::fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with PCHAT_BLESS=1 to create it, then review it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the output (rerun with PCHAT_BLESS=1 to accept it after review)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}
