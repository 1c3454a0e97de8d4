//! Plans as a PowerShell script an administrator can run as it is in the Lync Server / Skype for
//! Business Server Management Shell.
//!
//! Every string is a single-quoted literal in which each quote character PowerShell treats as a
//! single quote (`'` and U+2018 to U+201B) is doubled, so nothing in a name or description
//! (`$(…)`, backticks, `;`, newlines) is ever evaluated. Booleans are `$True`/`$False`, arrays
//! `@(…)`, list changes `@{Add=…; Remove=…}`.

use crate::model::Kind;
use crate::ops::{ListChange, Operation, Param, Value};
use crate::plan::{Action, Change, FieldDiff, Plan};

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

/// The cmdlets whose syntax has no `-WhatIf` (the help lists none): under `-WhatIf` the script
/// says what it would run instead of running them.
const NO_WHATIF: &[&str] = &[
    "New-CsPersistentChatRoom",
    "New-CsPersistentChatCategory",
    "New-CsPersistentChatAddin",
];

/// Commands the apply script calls beside the cmdlets (for the tests that hold it to them).
pub const HELPERS: &[&str] = &[
    "Get-CsUser",
    "Get-Content",
    "Add-Content",
    "Test-Path",
    "Join-Path",
    "ConvertFrom-Json",
    "ConvertTo-Json",
    "New-Object",
    "Set-StrictMode",
    "Write-Progress",
    "Write-Verbose",
    "Write-Host",
    "Find-Object",
    "Get-Property",
    "Test-Same",
    "Test-List",
    "Add-Journal",
];

const PRELUDE: &str = r#"[CmdletBinding()]
param(
    # Where each completed operation is recorded; a second run skips what it shows done.
    [string]$Journal = (Join-Path -Path $PSScriptRoot -ChildPath 'apply.journal'),
    [switch]$WhatIf
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The object a Get- finds, or $null.
function Find-Object([scriptblock]$Get) { try { & $Get } catch { $null } }
function Get-Property($Object, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { $p.Value } else { $null }
}
function Test-Same($Actual, $Expected) {
    if ($null -eq $Expected) { return [string]::IsNullOrEmpty([string]$Actual) }
    return ([string]$Actual) -eq ([string]$Expected)
}
# Whether a list still holds every entry the plan removes and none it adds.
function Test-List($Actual, [string[]]$Present, [string[]]$Absent) {
    $have = @(foreach ($x in $Actual) { ([string]$x).ToLowerInvariant() })
    foreach ($x in $Present) { if ($have -notcontains $x.ToLowerInvariant()) { return $false } }
    foreach ($x in $Absent) { if ($have -contains $x.ToLowerInvariant()) { return $false } }
    return $true
}
$done = New-Object -TypeName 'System.Collections.Generic.HashSet[int]'
if (Test-Path -LiteralPath $Journal) {
    foreach ($line in Get-Content -LiteralPath $Journal) {
        if ($line) { [void]$done.Add([int](ConvertFrom-Json -InputObject $line).index) }
    }
}
function Add-Journal([int]$Index, [string]$Cmdlet, [string]$Identity) {
    if ($WhatIf) { return }
    $entry = [ordered]@{ index = $Index; cmdlet = $Cmdlet; identity = $Identity }
    Add-Content -LiteralPath $Journal -Value (ConvertTo-Json -InputObject $entry -Compress)
}
"#;

/// A JSON value of a plan's field diff (`"Sales"`, `true`, `30`, `null`) as PowerShell.
fn literal(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::String(s)) => quote(&s),
        Ok(serde_json::Value::Bool(b)) => boolean(b).into(),
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        Ok(serde_json::Value::Null) | Err(_) => "$null".into(),
        Ok(other) => quote(&other.to_string()),
    }
}

/// An identity as the Get- cmdlets take it (a per-user policy by its bare name).
fn get_identity(kind: Kind, identity: &str) -> String {
    match (kind, identity.strip_prefix("tag:")) {
        (Kind::Policy, Some(bare)) => bare.to_string(),
        _ => identity.to_string(),
    }
}

/// The property of the Get- output that holds a field.
fn property(kind: Kind, field: &str) -> Option<String> {
    if field.starts_with("lifecycle") || field == "name" {
        return None;
    }
    Some(match (kind, field) {
        (Kind::Category, "invitations") => "Invites".into(),
        (Kind::PolicyGrant, "policyName") => "PersistentChatPolicy".into(),
        _ => match kind.desc().fields.iter().find(|f| f.yaml == field)?.param {
            Some(p) => p.to_string(),
            None => return None,
        },
    })
}

/// The check that the object a change touches is as the plan found it (its before-image): the
/// fields it changes hold their old values, lists their old entries; a creation's is absent.
/// `None`: nothing to look at (topology, the directory, active servers have no Get-).
fn before_image(c: &Change, indices: &[usize]) -> Option<String> {
    let get = match c.kind {
        Kind::PolicyGrant => "Get-CsUser",
        Kind::ActiveServers | Kind::Pool | Kind::Principal => return None,
        k => k.desc().cmdlets.get?,
    };
    let identity = get_identity(c.kind, c.renamed_from.as_deref().unwrap_or(&c.identity));
    let what = format!("{} {}", c.kind.desc().noun, identity);
    let mut s = format!(
        "$o = Find-Object {{ {get} -Identity {} }}\n",
        quote(&identity)
    );
    if c.action == Action::Create {
        s.push_str(&format!(
            "if ($null -ne $o) {{ $stale.Add({}) }}\n",
            quote(&format!("{what} exists already"))
        ));
    } else {
        s.push_str(&format!(
            "if ($null -eq $o) {{ $stale.Add({}) }}\n",
            quote(&format!("{what} is gone"))
        ));
        for f in c.fields.get().iter() {
            let Some(prop) = property(c.kind, f.field()) else {
                continue;
            };
            let test = match f {
                FieldDiff::Value { old, .. } => {
                    format!(
                        "Test-Same (Get-Property $o {}) {}",
                        quote(&prop),
                        literal(old)
                    )
                }
                FieldDiff::List { added, removed, .. } => format!(
                    "Test-List (Get-Property $o {}) {} {}",
                    quote(&prop),
                    array_or_empty(removed),
                    array_or_empty(added)
                ),
            };
            s.push_str(&format!(
                "elseif (-not ({test})) {{ $stale.Add({}) }}\n",
                quote(&format!("{what}: {prop} is no longer as planned"))
            ));
        }
    }
    // A change the journal shows begun is trusted to it: its object is no longer as it was.
    let begun: Vec<String> = indices
        .iter()
        .map(|i| format!("$done.Contains({i})"))
        .collect();
    let body: String = s.lines().map(|l| format!("    {l}\n")).collect();
    Some(format!(
        "if (-not ({})) {{\n{body}}}\n",
        begun.join(" -or ")
    ))
}

fn array_or_empty(items: &[String]) -> String {
    format!(
        "@({})",
        items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(",")
    )
}

/// One operation, run unless the journal shows it done, then recorded.
fn guarded(index: usize, total: usize, c: &Change, op: &Operation) -> String {
    let call = operation(op);
    let cmdlet = op.cmdlet();
    let run = if !call.starts_with("Write-Verbose") && NO_WHATIF.contains(&cmdlet) {
        format!(
            "    if ($WhatIf) {{ Write-Host {} }} else {{ {call} }}\n",
            quote(&format!("What if: {call}"))
        )
    } else if call.starts_with("Write-Verbose") {
        format!("    {call}\n")
    } else {
        format!("    {call} -WhatIf:$WhatIf\n")
    };
    let percent = index * 100 / total.max(1);
    format!(
        "if (-not $done.Contains({index})) {{\n    Write-Progress -Activity 'pchat apply' -Status {} -PercentComplete {percent}\n{run}    Add-Journal {index} {} {}\n}}\n",
        quote(&format!("{cmdlet} {}", c.identity)),
        quote(cmdlet),
        quote(&c.identity)
    )
}

/// The whole plan as a script for a real server, which has no transactions: it stops at the
/// first error, first checks that every object it changes is as the plan found it, records
/// each operation it completes in a journal and, run again, skips those; `-WhatIf` passes
/// through.
pub fn script(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "# pchat plan against store revision {}: {add} to add, {change} to change, {remove} to remove.\n\
         # Run it in the Lync Server / Skype for Business Server Management Shell. It stops at the\n\
         # first error; run it again to go on: the journal says what is done.\n",
        plan.revision
    );
    out.push_str(PRELUDE);
    // Operation indices, 1-based, in plan order.
    let mut next = 1;
    let numbered: Vec<(&Change, Vec<usize>)> = plan
        .changes
        .iter()
        .map(|c| {
            let ids: Vec<usize> = (next..next + c.operations.len()).collect();
            next += c.operations.len();
            (c, ids)
        })
        .collect();
    let total = next - 1;
    out.push_str("\n# The service must be as the plan found it.\n");
    out.push_str("$stale = New-Object -TypeName 'System.Collections.Generic.List[string]'\n");
    for (c, ids) in &numbered {
        if let Some(check) = before_image(c, ids) {
            out.push_str(&check);
        }
    }
    out.push_str(
        "if ($stale.Count -gt 0) {\n    $lines = @('pchat: the service changed since the plan; nothing was done. Plan again.') + $stale\n    throw ($lines -join [Environment]::NewLine)\n}\n\n",
    );
    for (c, ids) in &numbered {
        for (op, i) in c.operations.iter().zip(ids) {
            out.push_str(&guarded(*i, total, c, op));
        }
    }
    out.push_str("Write-Progress -Activity 'pchat apply' -Completed\n");
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
