//! Plans as text, for people: terraform-like symbols (`+` create, `~` change, `-` remove,
//! `-/+` replace), each field's old and new value, lists as added and removed entries, and the
//! summary line `Plan: N to add, N to change, N to remove.`

use super::style::Style;
use crate::plan::{Action, Change, FieldDiff, Plan};

/// Text fields at least this long show a word-level diff instead of old and new in full.
const WORD_DIFF_FROM: usize = 40;

/// `old -> new`, or for long texts the words that changed: `[-gone-]{+added+}`.
fn value_change(old: &str, new: &str, style: Style) -> String {
    let (Ok(o), Ok(n)) = (
        serde_json::from_str::<String>(old),
        serde_json::from_str::<String>(new),
    ) else {
        return format!("{} -> {}", style.red(old), style.green(new));
    };
    if o.chars().count().max(n.chars().count()) < WORD_DIFF_FROM {
        return format!("{} -> {}", style.red(old), style.green(new));
    }
    let diff = similar::TextDiff::from_words(o.as_str(), n.as_str());
    // A rewrite reads better whole; an edit reads better as its changed words.
    if diff.ratio() < 0.5 {
        return format!("{} -> {}", style.red(old), style.green(new));
    }
    // Adjacent words of the same kind of change go in one bracket.
    let mut runs: Vec<(similar::ChangeTag, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        match runs.last_mut() {
            Some((tag, text)) if *tag == change.tag() => text.push_str(change.value()),
            _ => runs.push((change.tag(), change.value().to_string())),
        }
    }
    let mut out = String::from("~ \"");
    for (tag, v) in runs {
        match tag {
            similar::ChangeTag::Equal => out.push_str(&v),
            similar::ChangeTag::Delete => out.push_str(&style.red(&format!("[-{v}-]"))),
            similar::ChangeTag::Insert => out.push_str(&style.green(&format!("{{+{v}+}}"))),
        }
    }
    out.push('"');
    out.replace('\n', "\\n")
}

/// Whether a change removes an object pchat does not manage (only `--prune all` does that):
/// such removals are listed apart, so a reviewer sees what reaches beyond pchat's own objects.
pub fn removes_unmanaged(c: &Change) -> bool {
    c.action == Action::Delete && !c.managed
}

/// The cmdlets of a change, or what it is when it needs none.
pub fn cmdlets(c: &Change) -> String {
    if c.operations.is_empty() {
        return "no cmdlet: pchat's own record".to_string();
    }
    let names: Vec<&str> = c.operations.iter().map(|o| o.cmdlet()).collect();
    names.join(", ")
}

/// One change: its symbol, kind, identity and cmdlets, then each field.
fn change(out: &mut String, c: &Change, style: Style) {
    let (symbol, colour): (&str, fn(&Style, &str) -> String) = match c.action {
        Action::Create => ("+", Style::green),
        Action::Update => ("~", Style::yellow),
        Action::Replace => ("-/+", Style::yellow),
        Action::Delete => ("-", Style::red),
    };
    let identity = match &c.renamed_from {
        Some(from) => format!("{} → {} (renamed)", from, style.bold(&c.identity)),
        None => style.bold(&c.identity),
    };
    let destroys = c
        .destroys
        .map(|d| format!("  {}", style.red(&d.to_string())))
        .unwrap_or_default();
    out.push_str(&format!(
        "{} {} {identity}  ({}){destroys}\n",
        colour(&style, symbol),
        c.kind,
        cmdlets(c)
    ));
    let fields = c.fields.get();
    let width = fields.iter().map(|f| f.field().len()).max().unwrap_or(0);
    for f in fields.iter() {
        match f {
            FieldDiff::Value { field, old, new } => {
                if old.is_empty() {
                    out.push_str(&format!("    {field:<width$} = {new}\n"));
                } else {
                    out.push_str(&format!(
                        "    {field:<width$} : {}\n",
                        value_change(old, new, style)
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

/// The removals that take content with them, listed before everything else.
pub fn destructive(plan: &Plan) -> impl Iterator<Item = &Change> {
    plan.changes.iter().filter(|c| c.destroys.is_some())
}

/// What `drift` says: whether the live store moved away from the configuration, then the plan
/// that would bring it back (or, with no drift, what was kept or ignored, if anything).
pub fn drift_text(plan: &Plan, style: Style) -> String {
    if !plan.is_empty() {
        return format!(
            "Drift: the live store differs from the configuration.\n{}",
            text(plan, style)
        );
    }
    let mut s = "No drift: the live store matches the configuration.\n".to_string();
    if !(plan.kept.is_empty() && plan.ignored.is_empty()) {
        s.push_str(&text(plan, style));
    }
    s
}

/// A plan as people read it: each change with its cmdlet calls, then the summary.
pub fn text(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    if plan.changes.is_empty() {
        out.push_str("No changes: the live store matches the configuration.\n");
    }
    if destructive(plan).next().is_some() {
        out.push_str(&format!(
            "{}\n",
            style.red("Destructive (removing chat history needs `apply --allow-destroy`):")
        ));
        for c in destructive(plan) {
            let destroys = c.destroys.map(|d| d.to_string()).unwrap_or_default();
            out.push_str(&format!("    {} {}: {destroys}\n", c.kind, c.identity));
        }
        out.push('\n');
    }
    // Out-of-band drift apart from what the configuration asks for.
    let asked = |c: &&Change| !removes_unmanaged(c) && !c.drift;
    let drifted = |c: &&Change| !removes_unmanaged(c) && c.drift;
    for c in plan.changes.iter().filter(asked) {
        change(&mut out, c, style);
    }
    if plan.changes.iter().any(|c| drifted(&c)) {
        out.push_str(&format!(
            "\n{}\n",
            style.yellow(
                "Out-of-band drift (changed in the store since the last apply; the configuration \
                 asks the same as then, so apply reverts it):"
            )
        ));
        for c in plan.changes.iter().filter(drifted) {
            change(&mut out, c, style);
        }
    }
    if plan.changes.iter().any(removes_unmanaged) {
        out.push_str(&format!(
            "\n{}\n",
            style.red("Unmanaged, removed (`--prune all`: pchat did not create or adopt them):")
        ));
        for c in plan.changes.iter().filter(|c| removes_unmanaged(c)) {
            change(&mut out, c, style);
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
    if !plan.unknown.is_empty() {
        out.push_str("\nNot compared (the live side does not know them; no change planned):\n");
        for u in &plan.unknown {
            let who = u.identity.as_deref().unwrap_or("(every one)");
            out.push_str(&format!("    {} {who} {}: {}\n", u.kind, u.field, u.why));
        }
    }
    let (add, change, remove) = plan.counts();
    out.push_str(&format!(
        "\nPlan: {add} to add, {change} to change, {remove} to remove.\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_show_the_words_that_changed() {
        let old = "\"Deals, pipeline and customer chatter for the Atlanta sales team\"";
        let new = "\"Deals, pipeline and partner chatter for the Atlanta sales team\"";
        assert_eq!(
            value_change(old, new, Style::PLAIN),
            "~ \"Deals, pipeline and [-customer-]{+partner+} chatter for the Atlanta sales team\""
        );
        assert_eq!(
            value_change("\"a\"", "\"b\"", Style::PLAIN),
            "\"a\" -> \"b\""
        );
        assert_eq!(value_change("true", "false", Style::PLAIN), "true -> false");
    }
}
