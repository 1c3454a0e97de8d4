//! Plans as a PowerShell script an administrator can run as it is in the Lync Server / Skype for
//! Business Server Management Shell.
//!
//! Every string is a single-quoted literal in which each quote character PowerShell treats as a
//! single quote (`'` and U+2018 to U+201B) is doubled, so nothing in a name or description
//! (`$(…)`, backticks, `;`, newlines) is ever evaluated. Booleans are `$True`/`$False`, arrays
//! `@(…)`, list changes `@{Add=…; Remove=…}`.

use crate::ops::{ListChange, Operation, Param, Value};
use crate::plan::Plan;

/// The characters PowerShell's tokenizer takes as single quotes.
const QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// A single-quoted PowerShell literal of `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn boolean(b: bool) -> &'static str {
    // As the help pages write them.
    if b {
        "$True"
    } else {
        "$False"
    }
}

fn array(items: &[String]) -> String {
    if items.is_empty() {
        "$null".into()
    } else {
        format!(
            "@({})",
            items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
        )
    }
}

/// `-Members @{Add=…; Remove=…}`, `-Members @(…)` or `-Members $null`; nothing when unchanged.
fn list(out: &mut String, param: &str, change: &ListChange) {
    if let Some(r) = &change.replace {
        if change.add.is_empty() && change.remove.is_empty() {
            out.push_str(&format!(" -{param} {}", array(r)));
            return;
        }
    }
    let mut parts = Vec::new();
    let mut add = change.replace.clone().unwrap_or_default();
    add.extend(change.add.iter().cloned());
    if !add.is_empty() {
        parts.push(format!(
            "Add={}",
            add.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
        ));
    }
    if !change.remove.is_empty() {
        parts.push(format!(
            "Remove={}",
            change
                .remove
                .iter()
                .map(|i| quote(i))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if !parts.is_empty() {
        out.push_str(&format!(" -{param} @{{{}}}", parts.join("; ")));
    }
}

/// One operation as one line of PowerShell: the cmdlet and its parameters; a step that is no
/// cmdlet call (topology, directory) is a verbose message.
pub fn operation(op: &Operation) -> String {
    use Operation::*;
    let step = match op {
        SetPool { pool } => format!("pchat: pool {} must exist (Topology Builder)", pool.fqdn),
        SetPrincipal { principal } => {
            format!("pchat: directory principal {}", principal.identity())
        }
        RemovePrincipal { key } => format!("pchat: directory principal {key} is gone"),
        _ => {
            let mut s = String::from(op.cmdlet());
            for p in op.params() {
                param(&mut s, &p);
            }
            return s;
        }
    };
    format!("Write-Verbose -Message {}", quote(&step))
}

fn param(out: &mut String, p: &Param<'_>) {
    let name = p.name;
    let value = match &p.value {
        Value::Text(t) => quote(t),
        Value::Owned(t) => quote(t),
        Value::Bool(b) => boolean(*b).into(),
        Value::Number(n) => n.to_string(),
        Value::Enum(e) => (*e).into(),
        Value::Null => "$null".into(),
        Value::Switch => return out.push_str(&format!(" -{name}")),
        Value::NoConfirm => return out.push_str(" -Confirm:$False"),
        Value::List(change) => return list(out, name, change),
    };
    out.push_str(&format!(" -{name} {value}"));
}

/// The whole plan as a script: stop at the first error, one line per operation.
pub fn script(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "# pchat plan against store revision {}: {add} to add, {change} to change, {remove} to remove.\n\
         # Run it in the Lync Server / Skype for Business Server Management Shell.\n\
         $ErrorActionPreference = 'Stop'\n",
        plan.revision
    );
    for c in &plan.changes {
        for op in &c.operations {
            out.push_str(&operation(op));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_kind_of_single_quote() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(
            quote("\u{2018}x\u{2019}"),
            "'\u{2018}\u{2018}x\u{2019}\u{2019}'"
        );
        assert_eq!(quote("$(rm -r /)"), "'$(rm -r /)'");
        assert_eq!(array(&[]), "$null");
    }
}
