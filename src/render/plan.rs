//! Plans as text, for people: terraform-like symbols (`+` create, `~` change, `-` remove,
//! `-/+` replace), each field's old and new value, lists as added and removed entries, and the
//! summary line `Plan: N to add, N to change, N to remove.`

use super::style::Style;
use crate::plan::{Action, FieldDiff, Plan};

pub fn text(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    if plan.changes.is_empty() {
        out.push_str("No changes: the live store matches the configuration.\n");
    }
    for c in &plan.changes {
        let (symbol, colour): (&str, fn(&Style, &str) -> String) = match c.action {
            Action::Create => ("+", Style::green),
            Action::Update => ("~", Style::yellow),
            Action::Replace => ("-/+", Style::yellow),
            Action::Delete => ("-", Style::red),
        };
        let cmdlets: Vec<&str> = c.operations.iter().map(|o| o.cmdlet()).collect();
        out.push_str(&format!(
            "{} {} {}  ({})\n",
            colour(&style, symbol),
            c.kind,
            style.bold(&c.identity),
            cmdlets.join(", ")
        ));
        let width = c.fields.iter().map(|f| f.field().len()).max().unwrap_or(0);
        for f in &c.fields {
            match f {
                FieldDiff::Value { field, old, new } => {
                    if old.is_empty() {
                        out.push_str(&format!("    {field:<width$} = {new}\n"));
                    } else {
                        out.push_str(&format!(
                            "    {field:<width$} : {} -> {}\n",
                            style.red(old),
                            style.green(new)
                        ));
                    }
                }
                FieldDiff::List {
                    field,
                    added,
                    removed,
                } => {
                    let mut parts: Vec<String> = added
                        .iter()
                        .map(|a| style.green(&format!("+ {a}")))
                        .collect();
                    parts.extend(removed.iter().map(|r| style.red(&format!("- {r}"))));
                    out.push_str(&format!("    {field:<width$} : {}\n", parts.join(", ")));
                }
            }
        }
    }
    if !plan.kept.is_empty() {
        out.push_str("\nUnmanaged, kept (not in the configuration; `--prune all` removes them):\n");
        for (kind, id) in &plan.kept {
            out.push_str(&format!("    {kind} {id}\n"));
        }
    }
    if !plan.ignored.is_empty() {
        out.push_str("\nIgnored drift (lifecycle.ignoreChanges):\n");
        for i in &plan.ignored {
            out.push_str(&format!(
                "    {} {} {}: live {} , configured {}\n",
                i.kind, i.identity, i.field, i.live, i.desired
            ));
        }
    }
    let (add, change, remove) = plan.counts();
    out.push_str(&format!(
        "\nPlan: {add} to add, {change} to change, {remove} to remove.\n"
    ));
    out
}
