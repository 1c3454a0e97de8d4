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
        Err(e) => return Err(ctx.fail(out, format_args!("cannot read {}: {e}", path.display()))),
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
            let file = path.display();
            for p in &problems {
                ctx.fail(out, format_args!("{file}: {}: {}", p.path, p.message));
            }
            let count = crate::plural(problems.len(), "problem");
            Err(ctx.fail(
                out,
                format_args!("{count} in {file}; nothing of it was used"),
            ))
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    let mut d = crate::config::Digest::default();
    d.feed(bytes);
    d.finish()
}
