//! The JSON Schema of a configuration file, generated from the model with schemars, so editors
//! complete and check fields and show their doc comments.

use crate::model::Document;

/// Where the committed schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/pchat.schema.json";

/// The schema as pretty-printed JSON with a final newline.
pub fn generate() -> String {
    let schema = schemars::schema_for!(Document);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
