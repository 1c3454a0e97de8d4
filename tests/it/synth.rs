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
