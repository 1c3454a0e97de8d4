//! Plans as Markdown for a pull-request comment: the summary line, the destructive removals,
//! tables of changes by kind and pool, then each object's details folded; never more than
//! [`MAX_CHARS`] characters.
//!
//! Names and values come from other people's configuration and from the live service: every one
//! goes through [`code`], which escapes it for HTML and Markdown alike, so no name can close a
//! tag, open a comment or a link, or split a table cell and hide what follows from a reviewer.

use super::plan::{cmdlets, removes_unmanaged};
use crate::model::Kind;
use crate::plan::{Action, Change, FieldDiff, Plan};

/// Data as inline code: `<code>` with every character that HTML or Markdown gives a meaning
/// written as an entity (inside `<code>`, Markdown still reads emphasis and links).
fn code(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 13);
    out.push_str("<code>");
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' | '~' | '\'' | '!' | '#' | '$' => {
                out.push_str(&format!("&#{};", ch as u32))
            }
            c if c.is_control() => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("</code>");
    out
}

/// The most a comment may hold: GitHub refuses comments past 65,536 characters.
pub const MAX_CHARS: usize = 60_000;

/// Room kept for the closing line that says what was left out.
const FOOTER: usize = 200;

/// Rows shown per kind and pool, so that a large group leaves room for every other group.
const ROWS_PER_GROUP: usize = 100;

/// Output that stops growing at [`MAX_CHARS`]: what does not fit is counted, not written.
struct Budget {
    out: String,
    chars: usize,
    full: bool,
}

impl Budget {
    /// Adds `s` if it fits (and everything before it did); says whether it was added.
    fn push(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.full || self.chars + n + FOOTER > MAX_CHARS {
            self.full = true;
            return false;
        }
        self.out.push_str(s);
        self.chars += n;
        true
    }
}

/// The pool a change's object lives in, when it has one (categories, add-ins, rooms).
fn pool(c: &Change) -> Option<&str> {
    matches!(c.kind, Kind::Category | Kind::Addin | Kind::Room)
        .then(|| c.identity.split_once('\\').map(|(p, _)| p))
        .flatten()
}

fn row(c: &Change) -> String {
    let symbol = match c.action {
        Action::Create => "➕",
        Action::Update => "✏️",
        Action::Replace => "♻️",
        Action::Delete => "➖",
    };
    let destroys = c.destroys.map(|d| format!(" ({d})")).unwrap_or_default();
    format!(
        "| {symbol} | {}{destroys} | {} |\n",
        identity(c),
        cmdlets(c)
    )
}

/// Changes as tables, one per kind and pool in plan order; returns how many did not fit.
fn tables<'p>(b: &mut Budget, changes: impl Iterator<Item = &'p Change>) -> usize {
    let changes: Vec<&Change> = changes.collect();
    let mut left = 0;
    let mut i = 0;
    while i < changes.len() {
        let (kind, at) = (changes[i].kind, pool(changes[i]));
        let n = changes[i..]
            .iter()
            .take_while(|c| c.kind == kind && pool(c) == at)
            .count();
        let place = at.map(|p| format!(" in {}", code(p))).unwrap_or_default();
        let head = format!("**{kind}**{place} ({n})\n\n| | Identity | Cmdlets |\n|---|---|---|\n");
        if b.push(&head) {
            let shown = n.min(ROWS_PER_GROUP);
            for c in &changes[i..i + shown] {
                if !b.push(&row(c)) {
                    left += 1;
                }
            }
            if n > shown {
                b.push(&format!("| | … and {} more | |\n", n - shown));
                left += n - shown;
            }
            b.push("\n");
        } else {
            left += n;
        }
        i += n;
    }
    left
}

fn details(c: &Change) -> String {
    let mut out = format!(
        "<details><summary>{} {}</summary>\n\n| Field | Change |\n|---|---|\n",
        c.kind,
        code(&c.identity)
    );
    for f in c.fields.get().iter() {
        let what = match f {
            FieldDiff::Value { old, new, .. } if old.is_empty() => code(new),
            FieldDiff::Value { old, new, .. } => format!("{} → {}", code(old), code(new)),
            FieldDiff::List { added, removed, .. } => {
                let mut parts: Vec<String> =
                    added.iter().map(|a| format!("+ {}", code(a))).collect();
                parts.extend(removed.iter().map(|r| format!("− {}", code(r))));
                parts.join("<br>")
            }
        };
        out.push_str(&format!("| {} | {what} |\n", f.field()));
    }
    out.push_str("\n</details>\n\n");
    out
}

/// The identity, or for a rename the old and the new one.
fn identity(c: &Change) -> String {
    match &c.renamed_from {
        Some(from) => format!("{} → {} (renamed)", code(from), code(&c.identity)),
        None => code(&c.identity),
    }
}

/// The plan as a pull-request comment of at most [`MAX_CHARS`] characters: the summary line,
/// the removals that destroy content, every change in tables by kind and pool, then each
/// change's fields folded. Past the limit it ends with how much was left out.
pub fn markdown(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut b = Budget {
        out: String::new(),
        chars: 0,
        full: false,
    };
    b.push(&format!(
        "**Plan: {add} to add, {change} to change, {remove} to remove.**\n\n"
    ));
    if super::plan::destructive(plan).next().is_some() {
        b.push("**Destructive** (removing chat history needs `apply --allow-destroy`)\n\n");
        tables(&mut b, super::plan::destructive(plan));
    }
    let mut left = 0;
    if plan.changes.is_empty() {
        b.push("No changes: the live store matches the configuration.\n");
    } else {
        left += tables(
            &mut b,
            plan.changes.iter().filter(|c| !removes_unmanaged(c)),
        );
        if plan.changes.iter().any(removes_unmanaged) {
            b.push(
                "**Unmanaged, removed** (`--prune all`: pchat did not create or adopt them)\n\n",
            );
            left += tables(&mut b, plan.changes.iter().filter(|c| removes_unmanaged(c)));
        }
        for c in plan.changes.iter().filter(|c| !c.fields.is_empty()) {
            if !b.push(&details(c)) {
                break;
            }
        }
    }
    if !plan.unknown.is_empty() {
        let mut unknown = String::from("**Not compared** (the live side does not know them):\n\n");
        for u in &plan.unknown {
            let who = u
                .identity
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "(every one)".into());
            unknown.push_str(&format!("- {} {who} `{}`: {}\n", u.kind, u.field, u.why));
        }
        b.push(&unknown);
    }
    if !plan.kept.is_empty() {
        let mut kept = format!(
            "<details><summary>{} unmanaged, kept</summary>\n\n",
            plan.kept.len()
        );
        for (k, id) in &plan.kept {
            kept.push_str(&format!("- {k} {}\n", code(id)));
        }
        kept.push_str("\n</details>\n");
        b.push(&kept);
    }
    let mut out = b.out;
    if b.full || left > 0 {
        let what = match left {
            0 => "the details of more changes".to_string(),
            1 => "1 more change".to_string(),
            n => format!("{n} more changes"),
        };
        out.push_str(&format!(
            "\n… and {what} (see the JSON plan: `pchat plan --format json`)\n"
        ));
    }
    out
}
