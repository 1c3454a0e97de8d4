//! Validation reports: a compiler-like text form and a versioned JSON form.

use serde::Serialize;

use super::style::Style;
use crate::config::{Diagnostic, Report};
use crate::model::Severity;
use crate::plural;

/// The version of the JSON report format; bump it when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

/// The report as text, one block per diagnostic and a closing summary line:
///
/// ```text
/// error: category `Salse` does not exist in pool `atl-pchat-001.litwareinc.com`
///   --> rooms.yaml:12:15 (rooms[0].category)
///    |
/// 12 |     category: Salse
///    |               ^
///    = help: did you mean `Sales`?
/// ```
pub fn text(report: &Report, style: Style) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        block(&mut out, d, style);
        out.push('\n');
    }
    out.push_str(&summary(report, style));
    out.push('\n');
    out
}

fn block(out: &mut String, d: &Diagnostic, style: Style) {
    let label = match d.severity {
        Severity::Error => style.red("error"),
        Severity::Warning => style.yellow("warning"),
    };
    out.push_str(&format!("{label}: {}\n", style.bold(&d.message)));
    let at = if d.line > 0 {
        format!("{}:{}:{}", d.file.display(), d.line, d.column)
    } else {
        d.file.display().to_string()
    };
    let path = if d.path.is_empty() {
        String::new()
    } else {
        format!(" ({})", d.path)
    };
    let gutter = d.line.to_string().len().max(1);
    let pad = " ".repeat(gutter);
    out.push_str(&format!("{pad}{} {at}{path}\n", style.blue("-->")));
    if let Some(src) = &d.source_line {
        let column = d.source_column;
        let bar = style.blue("|");
        out.push_str(&format!("{pad} {bar}\n"));
        out.push_str(&format!(
            "{} {bar} {src}\n",
            style.blue(&d.line.to_string())
        ));
        // Columns count characters, as the parser does.
        let caret_pad: String = src
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let caret = match d.severity {
            Severity::Error => style.red("^"),
            Severity::Warning => style.yellow("^"),
        };
        out.push_str(&format!("{pad} {bar} {caret_pad}{caret}\n"));
    }
    if let Some(help) = &d.help {
        out.push_str(&format!("{pad} {} help: {help}\n", style.blue("=")));
    }
}

/// `error: 2 errors and 1 warning in 3 files` or `ok: 3 files valid, 1 warning`.
pub fn summary(report: &Report, style: Style) -> String {
    let files = plural(report.files.len(), "file");
    let (e, w) = (report.errors(), report.warnings());
    if e > 0 {
        let warnings = if w > 0 {
            format!(" and {}", plural(w, "warning"))
        } else {
            String::new()
        };
        format!(
            "{}: {}{warnings} in {files}",
            style.red("error"),
            plural(e, "error")
        )
    } else if w > 0 {
        format!(
            "{}: {files} valid, {}",
            style.green("ok"),
            plural(w, "warning")
        )
    } else {
        format!("{}: {files} valid", style.green("ok"))
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    valid: bool,
    errors: usize,
    warnings: usize,
    files: Vec<String>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    file: String,
    line: usize,
    column: usize,
    path: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// The report as JSON (`version` says which format).
pub fn json(report: &Report) -> String {
    let r = JsonReport {
        version: JSON_VERSION,
        valid: report.errors() == 0,
        errors: report.errors(),
        warnings: report.warnings(),
        files: report
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                file: d.file.display().to_string(),
                line: d.line,
                column: d.column,
                path: &d.path,
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&r).expect("a report serializes");
    s.push('\n');
    s
}

/// What a valid configuration declares: counts per kind, then per pool.
pub fn declared(state: &crate::model::DesiredState) -> String {
    use crate::model::{Kind, ObjectId};
    let counts = |of: &dyn Fn(Kind) -> usize| -> String {
        Kind::ALL
            .into_iter()
            .filter(|k| of(*k) > 0)
            .map(|k| k.count_of(of(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!("declared: {}\n", counts(&|k| state.count(k)));
    for pool in state.pools.values() {
        let in_pool = |k: Kind| -> usize {
            let here = |id: &ObjectId| id.pool.eq_ignore_ascii_case(&pool.fqdn);
            match k {
                Kind::Category => state.categories.keys().filter(|id| here(id)).count(),
                Kind::Addin => state.addins.keys().filter(|id| here(id)).count(),
                Kind::Room => state.rooms.keys().filter(|id| here(id)).count(),
                _ => 0,
            }
        };
        let here = counts(&in_pool);
        if !here.is_empty() {
            out.push_str(&format!("  {}: {here}\n", pool.fqdn));
        }
    }
    out
}
