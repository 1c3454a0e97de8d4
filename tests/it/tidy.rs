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

/// The CLI's modules (below `cli/mod.rs`, which dispatches to them) import one another without
/// a circle: each leans on leaves (`args`, `store_cmd`, `snapshot`), never back on its caller.
#[test]
fn the_cli_modules_import_one_another_without_a_circle() {
    use std::collections::{BTreeMap, BTreeSet};
    let dir = root().join("src/cli");
    let modules: BTreeSet<String> = rust_files(&dir)
        .iter()
        .filter(|f| f.parent() == Some(dir.as_path()))
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|m| m != "mod")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &modules {
        let text = code(&dir.join(format!("{m}.rs")));
        let used = modules.iter().filter(|other| {
            *other != m
                && [format!("super::{other}"), format!("crate::cli::{other}")]
                    .iter()
                    .any(|path| {
                        text.match_indices(path.as_str()).any(|(i, _)| {
                            !text[i + path.len()..]
                                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                        })
                    })
        });
        edges.insert(m.clone(), used.cloned().collect());
    }
    // Depth-first: a module met again while its own imports are being walked closes a circle.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == m) {
            panic!(
                "the CLI modules import in a circle: {} -> {m}",
                path[at..].join(" -> ")
            );
        }
        path.push(m.to_string());
        for next in &edges[m] {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(m.to_string());
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        visit(m, &edges, &mut Vec::new(), &mut done);
    }
    assert!(edges.len() > 10, "{edges:?}");
}
