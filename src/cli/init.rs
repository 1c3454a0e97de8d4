//! `pchat init [DIR] [--ci github|gitlab|azure]`: a starter configuration that validates and
//! plans at once, its schema for editors, a pre-commit hook, the CI pipeline of the user's
//! choice, and the store (the one `--store` / `PCHAT_STORE` names), so the first `plan` and
//! `apply` need no `--new-store`.

use std::path::{Path, PathBuf};

use super::{store_cmd, Context, Outcome, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  pchat init chat-config --ci github\n  \
                        pchat --store postgres://pchat@db.example.com/pchat init .")]
pub struct Args {
    /// The directory to start in (made if missing); nothing in it is overwritten
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also write the CI pipeline for this service (a template from examples/ci/)
    #[arg(long, value_enum)]
    pub ci: Option<Ci>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ci {
    Github,
    Gitlab,
    Azure,
}

/// One pool, a category, a room, and the two users they name: small, and every reference
/// resolves, so `validate` and `plan` pass on it as written (`examples/init/` holds the files).
const STARTER: &str = include_str!("../../examples/init/config/pchat.yaml");

/// A hook that checks the whole configuration whenever a YAML file changes.
const PRE_COMMIT: &str = include_str!("../../examples/init/.pre-commit-config.yaml");

impl Ci {
    /// Where the service looks for its pipeline, and the template.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Ci::Github => (
                ".github/workflows/pchat.yml",
                include_str!("../../examples/ci/github-actions.yml"),
            ),
            Ci::Gitlab => (
                ".gitlab-ci.yml",
                include_str!("../../examples/ci/gitlab-ci.yml"),
            ),
            Ci::Azure => (
                "azure-pipelines.yml",
                include_str!("../../examples/ci/azure-pipelines.yml"),
            ),
        }
    }
}

/// The files `init` writes, relative to its directory.
fn files(ci: Option<Ci>) -> Vec<(String, String)> {
    let mut out = vec![
        ("config/pchat.yaml".to_string(), STARTER.to_string()),
        (
            "schema/pchat.schema.json".to_string(),
            crate::schema::generate(),
        ),
        (
            ".pre-commit-config.yaml".to_string(),
            PRE_COMMIT.to_string(),
        ),
        // The default store is a file beside the configuration; it is not configuration.
        (
            ".gitignore".to_string(),
            "pchat.db\npchat.db-*\n".to_string(),
        ),
    ];
    if let Some(ci) = ci {
        let (path, text) = ci.file();
        out.push((path.to_string(), text.to_string()));
    }
    out
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let files = files(args.ci);
    let there: Vec<String> = files
        .iter()
        .map(|(f, _)| args.dir.join(f))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !there.is_empty() {
        return ctx.fail(
            out,
            format_args!(
                "nothing written: these files exist already: {}",
                there.join(", ")
            ),
        );
    }
    for (file, text) in &files {
        if let Err(e) = write(&args.dir.join(file), text) {
            return ctx.fail(
                out,
                format_args!("cannot write {}: {e}", args.dir.join(file).display()),
            );
        }
        out.stdout
            .push_str(&format!("wrote {}\n", args.dir.join(file).display()));
    }
    // The store the commands that follow will use; made here, so no `--new-store` later. The
    // default one goes in the directory, where those commands run.
    let default = ctx.store_origin.starts_with("the default");
    let store = match &ctx.store {
        crate::store::StoreUrl::Sqlite(p) if default && p.is_relative() => {
            crate::store::StoreUrl::Sqlite(args.dir.join(p))
        }
        url => url.clone(),
    };
    // Created when it does not exist: that is what `init` is for.
    let session = crate::session::Session {
        new_store: true,
        ..ctx.session().on(&store, ctx.store_origin)
    };
    let made = session.with(async |_| Ok::<_, crate::store::StoreError>(()));
    if let Err(e) = made {
        return store_cmd::store_failed(ctx, out, &e);
    }
    let cd = if args.dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", args.dir.display())
    };
    out.stdout.push_str(&format!(
        "store {store} is ready ({})\nnext: {cd}pchat validate config && pchat plan config\n",
        ctx.store_origin,
    ));
    Outcome::Success
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}
