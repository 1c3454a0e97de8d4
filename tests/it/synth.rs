//! The synthetic configuration generator makes configurations that are valid and as large as
//! asked.

use pchat::config;
use pchat::synth::{self, SynthOptions};

use crate::common::pchat_in;

#[test]
fn generated_configuration_is_valid_and_sized() {
    let opts = SynthOptions {
        rooms: 3_000,
        ..SynthOptions::default()
    };
    let text = config::yaml::to_string(&synth::document(opts));
    let loaded = config::load_texts(vec!["synth.yaml".into()], vec![text]).expect("valid");
    assert_eq!(
        loaded.report.warnings(),
        0,
        "{:?}",
        loaded.report.diagnostics
    );
    let s = &loaded.state;
    assert_eq!(s.rooms.len(), 3_000);
    assert_eq!(s.categories.len(), 200);
    assert!(s.rooms.values().all(|r| r.members.len() == 5));
}

#[test]
fn hidden_generate_command_writes_a_file_that_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let run = pchat_in(
        tmp.path(),
        &["generate", "--rooms", "500", "--out", "s.yaml"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = pchat_in(tmp.path(), &["validate", "s.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The same seed gives the same file.
    let run2 = pchat_in(tmp.path(), &["generate", "--rooms", "500"]);
    assert_eq!(
        run2.stdout,
        std::fs::read_to_string(tmp.path().join("s.yaml")).unwrap()
    );
}

#[test]
fn generate_splits_into_a_base_and_room_files_that_validate_as_one() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "generate", "--rooms", "500", "--files", "4", "--out", "split",
    ];
    let run = pchat_in(tmp.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut names: Vec<String> = std::fs::read_dir(tmp.path().join("split"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "base.yaml",
            "rooms-00.yaml",
            "rooms-01.yaml",
            "rooms-02.yaml",
            "rooms-03.yaml"
        ]
    );
    let base = std::fs::read_to_string(tmp.path().join("split/base.yaml")).unwrap();
    assert!(!base.contains("\nrooms:"), "the rooms are in their files");
    let whole = pchat_in(
        tmp.path(),
        &["generate", "--rooms", "500", "--out", "s.yaml"],
    );
    assert_eq!(whole.code, 0);
    // The same objects either way: the same plan against an empty store.
    let changes = |p: &str, store: &str| {
        let url = format!("sqlite://{}", tmp.path().join(store).display());
        let r = pchat_in(
            tmp.path(),
            &[
                "--new-store",
                "--store",
                &url,
                "plan",
                p,
                "--format",
                "json",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["changes"].clone()
    };
    let split = changes("split", "a.db");
    assert!(split.as_array().is_some_and(|c| c.len() > 500));
    assert_eq!(split, changes("s.yaml", "b.db"));
}
