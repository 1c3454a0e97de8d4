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
pub mod starter;
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

/// `3 rooms: a, b, c`, naming at most `limit` of them (`…, t and 17 more`): a refusal says
/// what it is about without a screenful of names.
pub fn counted<S: AsRef<str>>(names: &[S], noun: &str, limit: usize) -> String {
    let shown: Vec<&str> = names.iter().take(limit).map(AsRef::as_ref).collect();
    let mut text = plural(names.len(), noun);
    if !shown.is_empty() {
        text = format!("{text}: {}", shown.join(", "));
    }
    match names.len() - shown.len() {
        0 => text,
        more => format!("{text} and {more} more"),
    }
}
pub mod cli;
pub mod render;
pub mod schema;
pub mod store;
pub mod synth;

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_names_a_few_and_says_how_many_more() {
        assert_eq!(super::counted::<&str>(&[], "room", 2), "0 rooms");
        assert_eq!(super::counted(&["a"], "room", 2), "1 room: a");
        assert_eq!(
            super::counted(&["a", "b", "c"], "room", 2),
            "3 rooms: a, b and 1 more"
        );
    }
}
