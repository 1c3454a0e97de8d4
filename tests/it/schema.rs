//! The committed JSON Schema is what the model generates, and it describes the examples.

use std::path::Path;

use crate::common::{pchat, root};

fn yaml_to_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_value(value).unwrap()
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join(pchat::schema::SCHEMA_PATH)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(root().join(pchat::schema::SCHEMA_PATH))
        .expect("schema/pchat.schema.json is committed");
    let generated = pchat::schema::generate();
    assert!(
        committed == generated,
        "schema/pchat.schema.json is stale: run `cargo run -- schema --out schema/pchat.schema.json` and commit it"
    );
    let run = pchat(&["schema"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, committed);
}

#[test]
fn every_litware_file_validates_against_the_schema() {
    let v = validator();
    let files = pchat::config::collect_files(&[root().join("examples/litware")]).unwrap();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} lacks the schema modeline",
            f.display()
        );
        let instance = yaml_to_json(&f);
        let errors: Vec<String> = v
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
}

#[test]
fn the_schema_rejects_what_pchat_rejects_by_type() {
    // The schema is strict, not merely present: misspelt fields, kinds and enum values fail.
    let v = validator();
    for name in [
        "unknown-field",
        "unknown-kind",
        "bad-privacy",
        "bad-room-type",
        "wrong-type",
        "negative-number",
        "bad-scope",
        "missing-category",
        "bad-timespan",
        "chat-history-out-of-range",
    ] {
        let instance = yaml_to_json(&root().join(format!("examples/invalid/{name}.yaml")));
        assert!(!v.is_valid(&instance), "{name} passes the schema");
    }
}

#[test]
fn field_descriptions_come_from_doc_comments() {
    let schema: serde_json::Value = serde_json::from_str(&pchat::schema::generate()).unwrap();
    let privacy = &schema["$defs"]["Room"]["properties"]["privacy"];
    let text = privacy.to_string();
    assert!(text.contains("Who finds and joins the room"), "{text}");
}
