//! Plans as Markdown for a pull-request comment: a summary table, then each object's details
//! folded.

use crate::plan::{Action, FieldDiff, Plan};

/// Escapes text for a Markdown table cell or inline code.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('`', "'")
}

pub fn markdown(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "### pchat plan\n\n**Plan: {add} to add, {change} to change, {remove} to remove.**\n\n"
    );
    if plan.changes.is_empty() {
        out.push_str("No changes: the live store matches the configuration.\n");
    } else {
        out.push_str("| | Kind | Identity | Cmdlets |\n|---|---|---|---|\n");
        for c in &plan.changes {
            let symbol = match c.action {
                Action::Create => "➕",
                Action::Update => "✏️",
                Action::Replace => "♻️",
                Action::Delete => "➖",
            };
            let cmdlets: Vec<&str> = c.operations.iter().map(|o| o.cmdlet()).collect();
            out.push_str(&format!(
                "| {symbol} | {} | `{}` | {} |\n",
                c.kind,
                cell(&c.identity),
                cmdlets.join(", ")
            ));
        }
        out.push('\n');
        for c in plan.changes.iter().filter(|c| !c.fields.is_empty()) {
            out.push_str(&format!(
                "<details><summary>{} <code>{}</code></summary>\n\n",
                c.kind,
                cell(&c.identity)
            ));
            out.push_str("| Field | Change |\n|---|---|\n");
            for f in &c.fields {
                let what = match f {
                    FieldDiff::Value { old, new, .. } if old.is_empty() => {
                        format!("`{}`", cell(new))
                    }
                    FieldDiff::Value { old, new, .. } => {
                        format!("`{}` → `{}`", cell(old), cell(new))
                    }
                    FieldDiff::List { added, removed, .. } => {
                        let mut parts: Vec<String> =
                            added.iter().map(|a| format!("+ `{}`", cell(a))).collect();
                        parts.extend(removed.iter().map(|r| format!("− `{}`", cell(r))));
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
            out.push_str(&format!("- {k} `{}`\n", cell(id)));
        }
        out.push_str("\n</details>\n");
    }
    out
}
