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
    /// Write to this file instead of stdout
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let opts = SynthOptions {
        rooms: args.rooms,
        members_per_room: args.members,
        categories: args.categories.max(1),
        seed: args.seed,
        ..SynthOptions::default()
    };
    let text = crate::config::yaml::to_string(&synth::document(opts));
    ctx.write_out(out, args.out.as_deref(), text)
}
