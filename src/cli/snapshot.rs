//! A server's snapshot file, read and judged for the commands that take one (`live load`,
//! `plan --snapshot`): a leaf both use, so neither imports the other.

use std::path::Path;

use super::{Context, Outcome, Output};
use crate::live;
use crate::model::DesiredState;

/// Reads and judges a snapshot file; every problem is reported with its JSON path.
pub fn read_snapshot(
    ctx: &Context,
    out: &mut Output,
    path: &Path,
) -> Result<(DesiredState, String), Outcome> {
    let bytes = match crate::files::read_bytes(path, crate::files::max_file_size()) {
        Ok(b) => b,
        Err(e) => {
            out.stderr.push_str(&format!(
                "{}: cannot read {}: {e}\n",
                ctx.stderr_style.red("error"),
                path.display()
            ));
            return Err(Outcome::Failed);
        }
    };
    match live::read(&bytes[..]) {
        Ok((snapshot, state)) => {
            if !snapshot.unresolved.is_empty() {
                out.stderr.push_str(&format!(
                    "{}: {}: Get-CsAdPrincipal did not find {}; lists that name them are read \
                     as the server has them\n",
                    ctx.stderr_style.yellow("warning"),
                    path.display(),
                    crate::counted(&snapshot.unresolved, "principal", 10),
                ));
            }
            Ok((state, format!("live:{}", digest(&bytes))))
        }
        Err(problems) => {
            for p in &problems {
                out.stderr.push_str(&format!(
                    "{}: {}: {}: {}\n",
                    ctx.stderr_style.red("error"),
                    path.display(),
                    p.path,
                    p.message
                ));
            }
            out.stderr.push_str(&format!(
                "{}: {} in {}; nothing of it was used\n",
                ctx.stderr_style.red("error"),
                crate::plural(problems.len(), "problem"),
                path.display()
            ));
            Err(Outcome::Failed)
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    let mut d = crate::config::Digest::default();
    d.feed(bytes);
    d.finish()
}
