//! pchat: Persistent Chat configuration as code.
//!
//! Module map (arrows point at what is used): `config → model`, `render → model`,
//! `cli → everything`. `model` is pure: no I/O, no YAML parser, no terminal.

pub mod apply;
pub mod config;
pub mod data;
pub mod export;
pub mod files;
pub mod imperative;
pub mod live;
pub mod messages;
pub mod model;
pub mod ops;
pub mod partial;
pub mod plan;
pub mod progress;
pub mod reconcile;
pub mod session;
pub mod suggest;
pub mod units;

/// Every program built on this library (the binary, its benchmarks and tests) allocates through
/// mimalloc, so what the benchmarks measure is what the binary does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `3 errors`, `1 error`: counts in messages are always spelt out in full.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
pub mod cli;
pub mod render;
pub mod schema;
pub mod store;
pub mod synth;
