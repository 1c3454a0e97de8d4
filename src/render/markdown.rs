//! Plans as Markdown for a pull-request comment: a summary table, then each object's details
//! folded.
//!
//! Names and values come from other people's configuration and from the live service: every one
//! goes through [`code`], which escapes it for HTML and Markdown alike, so no name can close a
//! tag, open a comment or a link, or split a table cell and hide what follows from a reviewer.

use super::plan::{cmdlets, removes_unmanaged};
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

fn row(out: &mut String, c: &Change) {
    let symbol = match c.action {
        Action::Create => "➕",
        Action::Update => "✏️",
        Action::Replace => "♻️",
        Action::Delete => "➖",
    };
    out.push_str(&format!(
        "| {symbol} | {} | {} | {} |\n",
        c.kind,
        identity(c),
        cmdlets(c)
    ));
}

/// The identity, or for a rename the old and the new one.
fn identity(c: &Change) -> String {
    match &c.renamed_from {
        Some(from) => format!("{} → {} (renamed)", code(from), code(&c.identity)),
        None => code(&c.identity),
    }
}

pub fn markdown(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "### pchat plan\n\n**Plan: {add} to add, {change} to change, {remove} to remove.**\n\n"
    );
    if super::plan::destructive(plan).next().is_some() {
        out.push_str(
            "**Destructive** (removing chat history needs `apply --allow-destroy`)\n\n\
             | Kind | Identity | Destroys |\n|---|---|---|\n",
        );
        for c in super::plan::destructive(plan) {
            let destroys = c.destroys.map(|d| d.to_string()).unwrap_or_default();
            out.push_str(&format!("| {} | {} | {destroys} |\n", c.kind, identity(c)));
        }
        out.push('\n');
    }
    if plan.changes.is_empty() {
        out.push_str("No changes: the live store matches the configuration.\n");
    } else {
        out.push_str("| | Kind | Identity | Cmdlets |\n|---|---|---|---|\n");
        for c in plan.changes.iter().filter(|c| !removes_unmanaged(c)) {
            row(&mut out, c);
        }
        out.push('\n');
        if plan.changes.iter().any(removes_unmanaged) {
            out.push_str(
                "**Unmanaged, removed** (`--prune all`: pchat did not create or adopt them)\n\n\
                 | | Kind | Identity | Cmdlets |\n|---|---|---|---|\n",
            );
            for c in plan.changes.iter().filter(|c| removes_unmanaged(c)) {
                row(&mut out, c);
            }
            out.push('\n');
        }
        for c in plan.changes.iter().filter(|c| !c.fields.is_empty()) {
            out.push_str(&format!(
                "<details><summary>{} {}</summary>\n\n",
                c.kind,
                code(&c.identity)
            ));
            out.push_str("| Field | Change |\n|---|---|\n");
            for f in &c.fields {
                let what = match f {
                    FieldDiff::Value { old, new, .. } if old.is_empty() => code(new),
                    FieldDiff::Value { old, new, .. } => {
                        format!("{} → {}", code(old), code(new))
                    }
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
        }
    }
    if !plan.kept.is_empty() {
        out.push_str(&format!(
            "<details><summary>{} unmanaged, kept</summary>\n\n",
            plan.kept.len()
        ));
        for (k, id) in &plan.kept {
            out.push_str(&format!("- {k} {}\n", code(id)));
        }
        out.push_str("\n</details>\n");
    }
    out
}
