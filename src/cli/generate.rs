//! `pchat generate` (hidden): a synthetic configuration for benchmarks and scale tests.

use std::path::PathBuf;

use super::{Context, Outcome, Output};
use crate::synth::{self, SynthOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of rooms
    #[arg(long, default_value_t = 100_000)]
    pub rooms: usize,
    /// Members of each room
    #[arg(long, default_value_t = 5)]
    pub members: usize,
    /// Number of categories
    #[arg(long, default_value_t = 200)]
    pub categories: usize,
    /// Seed of the generator (the same seed gives the same file)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write to this file instead of stdout (with --files: to this directory)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Split into a directory: `base.yaml` with everything but the rooms, and the rooms in
    /// this many files (`rooms-00.yaml`…), as a team would keep a large configuration
    #[arg(long, requires = "out")]
    pub files: Option<usize>,
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let opts = SynthOptions {
        rooms: args.rooms,
        members_per_room: args.members,
        categories: args.categories.max(1),
        seed: args.seed,
        ..SynthOptions::default()
    };
    let doc = synth::document(opts);
    let (Some(n), Some(dir)) = (args.files, &args.out) else {
        let text = crate::config::yaml::to_string(&doc);
        return ctx.write_out(out, args.out.as_deref(), text);
    };
    match split(&doc, n.max(1), dir) {
        Ok(()) => Outcome::Success,
        Err(e) => ctx.failed(out, &e, false),
    }
}

/// Writes `doc` as `base.yaml` (all but the rooms) and `files` room files in `dir`.
fn split(doc: &crate::model::Document, files: usize, dir: &std::path::Path) -> std::io::Result<()> {
    use crate::config::yaml::to_string;
    std::fs::create_dir_all(dir)?;
    let mut base = doc.clone();
    base.rooms.clear();
    std::fs::write(dir.join("base.yaml"), to_string(&base))?;
    let per_file = doc.rooms.len().div_ceil(files).max(1);
    for (i, rooms) in doc.rooms.chunks(per_file).enumerate() {
        let part = crate::model::Document {
            rooms: rooms.to_vec(),
            ..Default::default()
        };
        std::fs::write(dir.join(format!("rooms-{i:02}.yaml")), to_string(&part))?;
    }
    Ok(())
}
