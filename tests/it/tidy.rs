//! Rules about the source tree, checked by `cargo test` so they cannot rot.

use std::path::{Path, PathBuf};

use crate::common::root;

/// The file's code lines: comments may name what the code must not use.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_source_file_says_what_it_owns() {
    for f in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not open with a `//!` line",
            f.display()
        );
    }
}

/// The model, the operations and the planner are pure: no database, runtime, CLI, YAML parser,
/// terminal or file system.
#[test]
fn the_model_ops_and_planner_import_no_io() {
    let forbidden = [
        "sqlx",
        "tokio",
        "clap",
        "serde_yaml",
        "std::io",
        "std::fs",
        "println!",
        "eprintln!",
        "std::process",
        "std::env",
        "crate::config",
        "crate::cli",
        "crate::render",
        "crate::store",
        "crate::apply",
    ];
    let pure = ["src/model", "src/ops", "src/plan"]
        .iter()
        .flat_map(|d| rust_files(&root().join(d)));
    for f in pure {
        let text = code(&f);
        for word in forbidden {
            assert!(!text.contains(word), "{} uses `{word}`", f.display());
        }
    }
}

/// serde_yaml is unmaintained: every use of it stays in config/yaml/.
#[test]
fn only_config_yaml_touches_serde_yaml() {
    for f in rust_files(&root().join("src")) {
        if f.parent().is_some_and(|p| p.ends_with("config/yaml")) {
            continue;
        }
        let text = code(&f);
        assert!(
            !text.contains("serde_yaml"),
            "{} uses serde_yaml",
            f.display()
        );
    }
}

#[test]
fn every_test_module_is_registered() {
    let main = std::fs::read_to_string(root().join("tests/it/main.rs")).unwrap();
    for f in std::fs::read_dir(root().join("tests/it")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("main.rs") {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            assert!(
                main.contains(&format!("mod {name};")),
                "tests/it/{name}.rs is not in main.rs"
            );
        }
    }
    let tests: Vec<_> = std::fs::read_dir(root().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    assert!(
        tests.is_empty(),
        "integration tests belong in tests/it/: {tests:?}"
    );
}

/// The terminal and the shell belong to the CLI: the library reports progress and errors as
/// data, and never draws, logs as JSON or names a command line flag's completion.
#[test]
fn only_the_cli_draws_or_picks_a_log_format() {
    for f in rust_files(&root().join("src")) {
        if f.starts_with(root().join("src/cli")) {
            continue;
        }
        let text = code(&f);
        for word in [
            "indicatif",
            "tracing_subscriber",
            "clap_complete",
            "clap_mangen",
        ] {
            assert!(!text.contains(word), "{} uses `{word}`", f.display());
        }
    }
}
