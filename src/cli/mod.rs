//! The command line: argument definitions and the mapping from each command to one library
//! call and one output. Behaviour lives in the library; this module only wires it.

pub mod exit;
mod generate;
mod schema;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};

use crate::render::style::{ColorChoice, Style};
pub use exit::Outcome;

/// Persistent Chat configuration as code.
#[derive(Debug, Parser)]
#[command(name = "pchat", version, about, max_term_width = 100)]
pub struct Cli {
    /// More log output on stderr (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// When to use colours (NO_COLOR is honoured under `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check a configuration (files or directories); needs no store
    Validate(validate::Args),
    /// Print or write the JSON Schema of configuration files
    Schema(schema::Args),
    /// Write a synthetic configuration for benchmarks
    #[command(hide = true)]
    Generate(generate::Args),
}

/// What a command hands back to be printed: stdout text, stderr text, and the outcome.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Runs pchat with these arguments and returns the exit code; prints to stdout and stderr.
pub fn main() -> Outcome {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Outcome::Failed
            } else {
                Outcome::Success // --help and --version
            };
        }
    };
    init_logging(&cli);
    let no_color = std::env::var("NO_COLOR").ok();
    let style = |stream_is_terminal: bool| {
        let choice = match cli.color {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        };
        Style::decide(choice, no_color.as_deref(), stream_is_terminal)
    };
    let ctx = Context {
        stdout_style: style(std::io::stdout().is_terminal()),
        stderr_style: style(std::io::stderr().is_terminal()),
    };
    let mut out = Output::default();
    let outcome = match &cli.command {
        Command::Validate(a) => validate::run(a, &ctx, &mut out),
        Command::Schema(a) => schema::run(a, &ctx, &mut out),
        Command::Generate(a) => generate::run(a, &ctx, &mut out),
    };
    // A closed pipe (`pchat … | head`) is not an error worth reporting.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    outcome
}

/// What every command may need from the environment, decided once.
pub struct Context {
    pub stdout_style: Style,
    pub stderr_style: Style,
}

impl Context {
    /// An error line on stderr: `error: MESSAGE` and its causes.
    pub fn error(&self, out: &mut Output, err: &dyn std::error::Error) {
        let mut msg = format!("{}: {err}", self.stderr_style.red("error"));
        let mut source = err.source();
        while let Some(s) = source {
            // Our errors often already include their cause's text; do not say it twice.
            if !msg.contains(&s.to_string()) {
                msg.push_str(&format!("\n  caused by: {s}"));
            }
            source = s.source();
        }
        out.stderr.push_str(&msg);
        out.stderr.push('\n');
    }
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet {
        tracing::Level::ERROR
    } else {
        match cli.verbose {
            0 => tracing::Level::WARN,
            1 => tracing::Level::INFO,
            2 => tracing::Level::DEBUG,
            _ => tracing::Level::TRACE,
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
