//! The command line: argument definitions and the mapping from each command to one library
//! call and one output. Behaviour lives in the library; this module only wires it.

mod args;
mod data;
pub mod exit;
mod export;
mod fixes;
mod generate;
pub mod help;
mod init;
mod live;
mod message;
mod noun;
mod principal;
mod progress;
mod reconcile;
mod schema;
mod shell;
mod snapshot;
mod store_cmd;
mod validate;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
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
    /// How log lines on stderr are written: `text` for people, `json` (one object per line,
    /// errors and warnings included, info level unless -q) for CI log collectors
    #[arg(long, global = true, value_enum, env = "PCHAT_LOG_FORMAT", default_value_t = LogFormat::Text,
          hide_env_values = true)]
    pub log_format: LogFormat,
    /// When to use colours (NO_COLOR is honoured under `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// The live store: `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`
    // Parsed after clap, so an invalid URL's password never reaches clap's error message.
    #[arg(long, global = true, env = "PCHAT_STORE", default_value = crate::store::DEFAULT_STORE,
          hide_env_values = true)]
    pub store: String,
    /// The store may not exist yet: create it empty on first use. Without it a store that is
    /// not there is an error (a mistyped name never plans against an empty store)
    #[arg(long, global = true)]
    pub new_store: bool,
    /// How long a write waits for another writer (`30s`, `500ms`, `2m`)
    #[arg(long, global = true, default_value = "30s", value_parser = crate::units::parse_timeout)]
    pub lock_timeout: std::time::Duration,
    /// The largest file pchat reads: configuration, directory, plan or archive (`512MiB`,
    /// `2GiB`, `100KiB`, or bytes)
    #[arg(long, global = true, default_value = "512MiB", value_parser = crate::units::parse_size)]
    pub max_file_size: u64,
    /// PostgreSQL: how long connecting may take
    #[arg(long, global = true, default_value = "10s", value_parser = crate::units::parse_timeout)]
    pub connect_timeout: std::time::Duration,
    /// PostgreSQL: how long one statement may take (the server cancels it; pchat stops
    /// waiting for a silent server soon after)
    #[arg(long, global = true, default_value = "60s", value_parser = crate::units::parse_timeout)]
    pub statement_timeout: std::time::Duration,
    /// PostgreSQL: how long the server keeps a transaction whose client went silent (it then
    /// rolls it back and frees the writer lock)
    #[arg(long, global = true, default_value = "60s", value_parser = crate::units::parse_timeout)]
    pub idle_timeout: std::time::Duration,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// Start a configuration: a starter YAML, its schema, a pre-commit hook, a CI pipeline,
    /// and the store
    Init(init::Args),
    /// Load and check a configuration (files or directories); needs no store
    Validate(validate::Args),
    /// Print or write the JSON Schema of configuration files
    Schema(schema::Args),
    /// Show the operations that would make the live store match the configuration
    Plan(reconcile::PlanArgs),
    /// Carry out the plan, all or nothing, in one transaction
    Apply(reconcile::ApplyArgs),
    /// Tell whether the live store has moved away from the configuration (exit 2 if so)
    Drift(reconcile::DriftArgs),
    /// List the recorded applies
    History(reconcile::HistoryArgs),
    /// Write the live store as YAML that plans to zero changes
    Export(export::ExportArgs),
    /// Take the live objects a configuration declares under pchat's management
    Adopt(export::AdoptArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(shell::CompletionsArgs),
    /// Write man pages for pchat and each of its commands
    Man(shell::ManArgs),
    /// Write a synthetic configuration for benchmarks
    #[command(hide = true)]
    Generate(generate::Args),
    /// The cmdlet nouns (`room`, `category`, … `active-server`), made from the kind layer
    #[command(flatten)]
    Noun(noun::Nouns),
    /// Pools known to the store (topology)
    #[command(subcommand)]
    Pool(noun::PoolCommand),
    /// The directory: import, find, eligibility, effective policy
    #[command(subcommand)]
    Principal(principal::PrincipalCommand),
    /// Room messages (Remove/Test-CsPersistentChatMessage)
    #[command(subcommand)]
    Message(message::MessageCommand),
    /// Export and import of the store's data (Export/Import-CsPersistentChatData)
    #[command(subcommand)]
    Data(data::DataCommand),
    /// A real Lync / Skype for Business server: load what collect.ps1 collected from it
    #[command(subcommand)]
    Live(live::LiveCommand),
}

/// What a command hands back to be printed: stdout text, stderr text, and the outcome.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Runs pchat with these arguments and returns the exit code; prints to stdout and stderr.
pub fn main() -> Outcome {
    use clap::FromArgMatches;
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(x) => x,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Outcome::Failed
            } else {
                Outcome::Success // --help and --version
            };
        }
    };
    // Every secret the store string holds is scrubbed from everything pchat prints, logs
    // included: the masks at each message are the first line, this is the last.
    let secrets = crate::store::secrets(&cli.store);
    init_logging(&cli, &secrets);
    crate::files::set_max_file_size(cli.max_file_size);
    let started = std::time::Instant::now();
    let json_logs = cli.log_format == LogFormat::Json;
    let no_color = std::env::var("NO_COLOR").ok();
    let style = |stream_is_terminal: bool| {
        let choice = match cli.color {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        };
        Style::decide(choice, no_color.as_deref(), stream_is_terminal)
    };
    // JSON log lines carry plain text.
    let stderr_style = style(std::io::stderr().is_terminal() && !json_logs);
    let store = match cli.store.parse::<crate::store::StoreUrl>() {
        Ok(url) => url,
        Err(why) => {
            // The message masks any password; the URL itself is never echoed.
            let why = crate::store::scrub(&why, &secrets);
            eprintln!("{}: invalid --store: {why}", stderr_style.red("error"));
            return Outcome::Failed;
        }
    };
    // Where the store came from, for the error that says it does not exist.
    let store_origin = match matches.value_source("store") {
        Some(clap::parser::ValueSource::CommandLine) => "given by --store",
        Some(clap::parser::ValueSource::EnvVariable) => "given by PCHAT_STORE",
        _ => "the default store: no --store and no PCHAT_STORE",
    };
    let ctx = Context {
        stdout_style: style(std::io::stdout().is_terminal()),
        stderr_style,
        store,
        store_origin,
        new_store: cli.new_store,
        lock_timeout: cli.lock_timeout,
        timeouts: crate::store::Timeouts {
            connect: cli.connect_timeout,
            statement: cli.statement_timeout,
            idle: cli.idle_timeout,
        },
        argv: std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        json_logs,
        progress: if std::io::stderr().is_terminal() && !json_logs && !cli.quiet {
            crate::progress::Reporter::new(progress::Bars::default())
        } else {
            crate::progress::Reporter::default()
        },
    };
    let mut out = Output::default();
    let outcome = match &cli.command {
        Command::Init(a) => init::run(a, &ctx, &mut out),
        Command::Validate(a) => validate::run(a, &ctx, &mut out),
        Command::Schema(a) => schema::run(a, &ctx, &mut out),
        Command::Plan(a) => reconcile::plan_cmd(a, &ctx, &mut out),
        Command::Apply(a) => reconcile::apply_cmd(a, &ctx, &mut out),
        Command::Drift(a) => reconcile::drift_cmd(a, &ctx, &mut out),
        Command::History(a) => reconcile::history_cmd(a, &ctx, &mut out),
        Command::Export(a) => export::export(a, &ctx, &mut out),
        Command::Adopt(a) => export::adopt(a, &ctx, &mut out),
        Command::Generate(a) => generate::run(a, &ctx, &mut out),
        Command::Completions(a) => shell::completions(a, &ctx, &mut out),
        Command::Man(a) => shell::man(a, &ctx, &mut out),
        Command::Noun(c) => noun::run(c, &ctx, &mut out),
        Command::Pool(c) => noun::run_pool(c, &ctx, &mut out),
        Command::Principal(c) => principal::run(c, &ctx, &mut out),
        Command::Message(c) => message::run(c, &ctx, &mut out),
        Command::Data(c) => data::run(c, &ctx, &mut out),
        Command::Live(c) => live::run(c, &ctx, &mut out),
    };
    if !secrets.is_empty() {
        out.stdout = crate::store::scrub(&out.stdout, &secrets);
        out.stderr = crate::store::scrub(&out.stderr, &secrets);
    }
    // No error or warning line carries more than a screenful of one value.
    if let std::borrow::Cow::Owned(clipped) = crate::render::clip_values(&out.stderr) {
        out.stderr = clipped;
    }
    // A closed pipe (`pchat … | head`) is not an error worth reporting.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    if json_logs {
        log_report(&out.stderr);
        tracing::info!(
            command = command_name(&matches),
            exit_code = outcome.code(),
            duration_ms = started.elapsed().as_millis() as u64,
            "pchat finished"
        );
    } else {
        let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    }
    outcome
}

/// pchat's command line, with every option described and every command's examples
/// (`help.rs`): what parses the arguments and what completions and man pages are made from.
pub fn command() -> clap::Command {
    help::describe(Cli::command())
}

/// The command as a collector groups it: `apply`, `room set`.
fn command_name(mut m: &clap::ArgMatches) -> String {
    let mut words = Vec::new();
    while let Some((name, sub)) = m.subcommand() {
        words.push(name);
        m = sub;
    }
    words.join(" ")
}

pub(crate) use crate::render::log::diagnostics as log_diagnostics;
use crate::render::log::report as log_report;

/// What every command may need from the environment, decided once.
pub struct Context {
    pub stdout_style: Style,
    pub stderr_style: Style,
    pub store: crate::store::StoreUrl,
    /// Where `store` came from (the flag, the environment, the default).
    pub store_origin: &'static str,
    /// `--new-store`: a store that does not exist is created empty.
    pub new_store: bool,
    pub lock_timeout: std::time::Duration,
    pub timeouts: crate::store::Timeouts,
    /// The command line as given (without the program), for hints that repeat it.
    pub argv: Vec<String>,
    /// Log lines are JSON: problems go to the log as events, not as text.
    pub json_logs: bool,
    /// Where long operations report progress (bars on a terminal, else nothing).
    pub progress: crate::progress::Reporter,
}

impl Context {
    /// The library's view of this command's store (`session::Session`).
    pub fn session(&self) -> crate::session::Session {
        crate::session::Session {
            store: self.store.clone(),
            origin: self.store_origin.to_string(),
            new_store: self.new_store,
            lock_timeout: self.lock_timeout,
            timeouts: self.timeouts,
            progress: self.progress.clone(),
        }
    }

    /// Reports an error and says how the command ended: a safety refusal exits 3, anything
    /// else 1.
    pub fn failed(
        &self,
        out: &mut Output,
        err: &(dyn std::error::Error + 'static),
        refusal: bool,
    ) -> Outcome {
        self.error(out, err);
        if refusal {
            Outcome::Refused
        } else {
            Outcome::Failed
        }
    }

    /// Writes a command's text to `path` (through a temporary file, never through a link:
    /// `files::write_private`), or to stdout when there is none.
    pub fn write_out(
        &self,
        out: &mut Output,
        path: Option<&std::path::Path>,
        text: String,
    ) -> Outcome {
        let Some(path) = path else {
            out.stdout.push_str(&text);
            return Outcome::Success;
        };
        match crate::files::write_private(path, text.as_bytes()) {
            Ok(()) => Outcome::Success,
            Err(source) => self.failed(
                out,
                &schema::WriteError {
                    path: path.to_path_buf(),
                    source,
                },
                false,
            ),
        }
    }

    /// `error: MESSAGE` on stderr, and the command fails (exit 1).
    pub fn fail(&self, out: &mut Output, message: impl std::fmt::Display) -> Outcome {
        out.stderr
            .push_str(&format!("{}: {message}\n", self.stderr_style.red("error")));
        Outcome::Failed
    }

    /// A configuration that could not be loaded: each problem placed in its file (as log
    /// events under `--log-format json`), or why the files could not be read.
    pub fn config_failed(&self, out: &mut Output, e: &crate::config::ConfigError) -> Outcome {
        let crate::config::ConfigError::Invalid(report) = e else {
            return self.failed(out, e, false);
        };
        if self.json_logs {
            log_diagnostics(report);
        } else {
            let text = crate::render::diagnostics::text(report, self.stderr_style);
            out.stderr.push_str(&text);
        }
        Outcome::Failed
    }

    /// `error: MESSAGE` on stderr, and the command is refused for safety (exit 3).
    pub fn refuse(&self, out: &mut Output, message: impl std::fmt::Display) -> Outcome {
        self.fail(out, message);
        Outcome::Refused
    }

    /// An error line on stderr: `error: MESSAGE`, its causes, and the command that fixes it
    /// where one exists.
    pub fn error(&self, out: &mut Output, err: &(dyn std::error::Error + 'static)) {
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
        if let Some(help) = fixes::help(err, &self.argv, &self.store.to_string()) {
            out.stderr
                .push_str(&format!("  {}: {help}\n", self.stderr_style.bold("help")));
        }
    }
}

fn init_logging(cli: &Cli, secrets: &[String]) {
    let secrets = std::sync::Arc::new(secrets.to_vec());
    let json = cli.log_format == LogFormat::Json;
    // A collector wants the record of what happened: JSON logs start at info.
    let level = if cli.quiet {
        tracing::Level::ERROR
    } else {
        match cli.verbose + u8::from(json) {
            0 => tracing::Level::WARN,
            1 => tracing::Level::INFO,
            2 => tracing::Level::DEBUG,
            _ => tracing::Level::TRACE,
        }
    };
    let fmt = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || crate::render::log::ScrubbedStderr(secrets.clone()));
    let _ = if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init()
    } else {
        fmt.without_time().try_init()
    };
}
