//! `pchat init [DIR] [--ci github|gitlab|azure]`: a starter configuration that validates and
//! plans at once, its schema for editors, a pre-commit hook, the CI pipeline of the user's
//! choice, and the store (the one `--store` / `PCHAT_STORE` names), so the first `plan` and
//! `apply` need no `--new-store`.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::starter::Ci;

use super::{store_cmd, Context, Outcome, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  pchat init chat-config --ci github\n  \
                        pchat --store postgres://pchat@db.example.com/pchat init .")]
pub struct Args {
    /// The directory to start in (made if missing); nothing in it is overwritten
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also write the CI pipeline for this service (a template from examples/ci/)
    #[arg(long, value_parser = PossibleValuesParser::new(Ci::names())
          .map(|s| s.parse::<Ci>().expect("one of its names")))]
    pub ci: Option<Ci>,
}

pub fn run(args: &Args, ctx: &Context, out: &mut Output) -> Outcome {
    let files = crate::starter::files(args.ci);
    match crate::starter::write(&args.dir, &files) {
        Ok(paths) => {
            for p in paths {
                out.stdout.push_str(&format!("wrote {}\n", p.display()));
            }
        }
        Err(why) => return ctx.fail(out, why),
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
