//! The one integration-test binary (one link step instead of one per file). Where tests go:
//! - `cli_validate`: `pchat validate` end to end, against `examples/`;
//! - `roundtrip`: load → serialize → load of the examples;
//! - `schema`: the committed JSON Schema is current and correct;
//! - `no_panic`: property tests feeding random and mutated YAML to the loader;
//! - `synth`: the synthetic configuration generator;
//! - `tidy`: rules about the source tree itself.

mod common;

mod atomicity;
mod cli_data;
mod cli_habits;
mod cli_messages;
mod cli_principals;
mod cli_store;
mod cli_validate;
mod cmdlet_examples;
mod convergence;
mod exactness;
mod hostile;
mod kind_layer;
mod live;
mod no_panic;
mod partial;
mod reconcile;
mod renames;
mod render_plan;
mod roundtrip;
mod safety_nets;
mod schema;
mod scripts;
mod storable;
mod store;
mod synth;
mod tidy;
mod tls;
mod windows_powershell;
