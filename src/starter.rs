//! What `pchat init` writes: a starter configuration that validates and plans at once, its
//! schema for editors, a pre-commit hook, and the CI pipeline of the user's choice. The files
//! themselves are real files under `examples/`, so they are read and tested as such.

use std::path::{Path, PathBuf};

/// The CI services `init` writes a pipeline for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    Github,
    Gitlab,
    Azure,
}

crate::model::value_names!(Ci { Github = "github", Gitlab = "gitlab", Azure = "azure" });

impl Ci {
    /// Where the service looks for its pipeline, and the template.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Ci::Github => (
                ".github/workflows/pchat.yml",
                include_str!("../examples/ci/github-actions.yml"),
            ),
            Ci::Gitlab => (
                ".gitlab-ci.yml",
                include_str!("../examples/ci/gitlab-ci.yml"),
            ),
            Ci::Azure => (
                "azure-pipelines.yml",
                include_str!("../examples/ci/azure-pipelines.yml"),
            ),
        }
    }
}

/// One pool, a category, a room, and the two users they name: small, and every reference
/// resolves, so `validate` and `plan` pass on it as written.
const STARTER: &str = include_str!("../examples/init/config/pchat.yaml");

/// A hook that checks the whole configuration whenever a YAML file changes.
const PRE_COMMIT: &str = include_str!("../examples/init/.pre-commit-config.yaml");

/// The files `init` writes, relative to its directory.
pub fn files(ci: Option<Ci>) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("config/pchat.yaml", STARTER.to_string()),
        ("schema/pchat.schema.json", crate::schema::generate()),
        (".pre-commit-config.yaml", PRE_COMMIT.to_string()),
        // The default store is a file beside the configuration; it is not configuration.
        (".gitignore", "pchat.db\npchat.db-*\n".to_string()),
    ];
    if let Some(ci) = ci {
        let (path, text) = ci.file();
        out.push((path, text.to_string()));
    }
    out
}

/// Writes the files into `dir`, or none when any of them is there already (nothing a user
/// wrote is overwritten).
///
/// # Errors
/// The files that exist already, or the one that could not be written and why.
pub fn write(dir: &Path, files: &[(&str, String)]) -> Result<Vec<PathBuf>, String> {
    let paths: Vec<PathBuf> = files.iter().map(|(f, _)| dir.join(f)).collect();
    let there: Vec<String> = (paths.iter().filter(|p| p.exists()))
        .map(|p| p.display().to_string())
        .collect();
    if !there.is_empty() {
        let there = there.join(", ");
        return Err(format!(
            "nothing written: these files exist already: {there}"
        ));
    }
    for (path, (_, text)) in paths.iter().zip(files) {
        let written = match path.parent() {
            Some(parent) => std::fs::create_dir_all(parent),
            None => Ok(()),
        }
        .and_then(|()| std::fs::write(path, text));
        if let Err(e) = written {
            return Err(format!("cannot write {}: {e}", path.display()));
        }
    }
    Ok(paths)
}
