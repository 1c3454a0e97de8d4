//! `pchat completions SHELL` and `pchat man --out DIR`: both are generated from the clap
//! definitions themselves, so they can never name a flag that does not exist.

use std::path::PathBuf;

use super::{Context, Outcome, Output};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The directory to write the pages to (created if missing): `pchat.1`, and one page per
    /// command such as `pchat-room-set.1`
    #[arg(long)]
    pub out: PathBuf,
}

pub fn completions(args: &CompletionsArgs, _ctx: &Context, out: &mut Output) -> Outcome {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut super::command(), "pchat", &mut script);
    out.stdout.push_str(&String::from_utf8_lossy(&script));
    Outcome::Success
}

pub fn man(args: &ManArgs, ctx: &Context, out: &mut Output) -> Outcome {
    let written = std::fs::create_dir_all(&args.out).and_then(|()| {
        let mut cmd = super::command().disable_help_subcommand(true);
        cmd.build();
        write_pages(cmd, &args.out)
    });
    match written {
        Ok(()) => {
            out.stdout.push_str(&format!(
                "wrote {} to {} (read one with `man -l {}/pchat.1`)\n",
                crate::plural(pages(&super::command()), "man page"),
                args.out.display(),
                args.out.display()
            ));
            Outcome::Success
        }
        Err(source) => ctx.failed(
            out,
            &super::schema::WriteError {
                path: args.out.clone(),
                source,
            },
            false,
        ),
    }
}

/// Writes the page of `cmd` and of each command under it, all headed as pchat's manual.
fn write_pages(cmd: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), dir)?;
    }
    clap_mangen::Man::new(cmd)
        .source(concat!("pchat ", env!("CARGO_PKG_VERSION")))
        .manual("pchat Manual")
        .generate_to(dir)
        .map(drop)
}

/// The pages `write_pages` writes: one per command that is not hidden, and none for `help`.
fn pages(cmd: &clap::Command) -> usize {
    1 + cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(pages)
        .sum::<usize>()
}
