//! Plans as a PowerShell script an administrator can run as it is in the Lync Server / Skype for
//! Business Server Management Shell.
//!
//! Every script is pure ASCII (`BOM` goes before it where it is a file): Windows PowerShell
//! 3.0–5.1 reads a script without a byte-order mark in the ANSI code page, where the UTF-8
//! bytes of `Ñ` (C3 91) or `т` (D1 82) hold a typographic quote that would end a literal. So
//! every string is a single-quoted literal of its printable ASCII (each `'` doubled), and each
//! other character is joined in as `[char]0xHHHH` (above U+FFFF as its two UTF-16 halves):
//! `('ESPA' + [char]0x00D1 + 'A')`. Nothing in a name or description (`$(…)`, backticks, `;`,
//! newlines) is ever evaluated. Booleans are `$True`/`$False`, arrays `@(…)`, list changes
//! `@{Add=…; Remove=…}`.

use crate::model::Kind;
use crate::ops::{ListChange, Operation, Param, Value};
use crate::plan::{Action, Change, FieldDiff, Plan};

/// The UTF-8 byte-order mark every script file starts with: a script re-saved by an editor as
/// UTF-8 keeps its encoding known (the text after it is ASCII whatever happens).
pub const BOM: &str = "\u{FEFF}";

/// A PowerShell expression of `s` in ASCII only: a single-quoted literal, or a parenthesized
/// sum of literals and `[char]` codes when `s` holds anything but printable ASCII.
pub fn quote(s: &str) -> String {
    let printable = |c: char| (' '..='~').contains(&c);
    if s.chars().all(printable) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut literal = String::new();
    for c in s.chars() {
        if printable(c) {
            if c == '\'' {
                literal.push('\'');
            }
            literal.push(c);
            continue;
        }
        if !literal.is_empty() {
            parts.push(format!("'{literal}'"));
            literal.clear();
        }
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            parts.push(format!("[char]0x{u:04X}"));
        }
    }
    if !literal.is_empty() {
        parts.push(format!("'{literal}'"));
    }
    // `[char] + 'x'` would convert 'x' to a char and fail: a sum starts with a string.
    if parts[0].starts_with('[') {
        parts.insert(0, "''".into());
    }
    format!("({})", parts.join(" + "))
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

/// Commands the apply script calls beside the cmdlets (for the tests that hold it to them).
pub const HELPERS: &[&str] = &[
    "Get-CsUser",
    "Get-CsService",
    "Get-Content",
    "Add-Content",
    "Get-Location",
    "Test-Path",
    "Join-Path",
    "ConvertFrom-Json",
    "ConvertTo-Json",
    "New-Object",
    "Set-StrictMode",
    "Where-Object",
    "Write-Progress",
    "Write-Verbose",
    "Write-Host",
    "Find-Object",
    "Find-Pool",
    "Get-Property",
    "Test-Same",
    "Test-List",
    "Test-Empty",
    "Test-Policy",
    "Add-Journal",
];

const PRELUDE: &str = r#"[CmdletBinding()]
param(
    # Where each completed operation is recorded (default: apply.journal beside this script);
    # run again, this script goes on from where it stopped.
    [string]$Journal = $null,
    [switch]$WhatIf
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Filled in here, not in the param block: there Windows PowerShell leaves $PSScriptRoot empty.
if (-not $Journal) {
    $here = $PSScriptRoot
    if (-not $here) { $here = (Get-Location).ProviderPath }
    $Journal = Join-Path -Path $here -ChildPath 'apply.journal'
}
$Journal = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Journal)

# The object a Get- finds, or $null.
function Find-Object([scriptblock]$Get) { try { & $Get } catch { $null } }
# The Persistent Chat service of a pool (it carries the active servers), or $null.
function Find-Pool([string]$Pool) {
    Find-Object { @(Get-CsService -PersistentChatServer | Where-Object { [string]$_.PoolFqdn -eq $Pool })[0] }
}
function Get-Property($Object, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { , $p.Value } else { $null }
}
function Test-Same($Actual, $Expected) {
    if ($null -eq $Expected) { return [string]::IsNullOrEmpty([string]$Actual) }
    return ([string]$Actual) -ceq ([string]$Expected)
}
# Whether a list holds every entry of $Present and none of $Absent.
function Test-List($Actual, [string[]]$Present, [string[]]$Absent) {
    $have = @(foreach ($x in $Actual) { ([string]$x).ToLowerInvariant() })
    foreach ($x in $Present) { if ($have -notcontains $x.ToLowerInvariant()) { return $false } }
    foreach ($x in $Absent) { if ($have -contains $x.ToLowerInvariant()) { return $false } }
    return $true
}
function Test-Empty($Actual) { return @(foreach ($x in $Actual) { if ($x) { $x } }).Count -eq 0 }
# The per-user policy of a user, with or without its tag: prefix.
function Test-Policy($Actual, $Expected) {
    $a = ([string]$Actual) -replace '^tag:', ''
    $e = ([string]$Expected) -replace '^tag:', ''
    return $a -eq $e
}
"#;

/// The journal, checked against this plan: a line another plan's script wrote is refused,
/// never skipped.
const JOURNAL: &str = r#"$done = New-Object -TypeName 'System.Collections.Generic.HashSet[int]'
if (Test-Path -LiteralPath $Journal) {
    foreach ($line in Get-Content -LiteralPath $Journal) {
        if (-not $line) { continue }
        $entry = ConvertFrom-Json -InputObject $line
        $plan = [string](Get-Property $entry 'plan')
        if ($plan -cne $PlanDigest) {
            throw ("pchat: the journal $Journal belongs to plan $plan, and this script carries plan $PlanDigest; nothing was done. " +
                'Run the script of that plan to its end, or move the journal away if that run is over.')
        }
        $index = [int](Get-Property $entry 'index')
        if ([string](Get-Property $entry 'op') -cne [string]$OpDigest[$index]) {
            throw "pchat: line $index of the journal $Journal is not operation $index of this plan; nothing was done."
        }
        [void]$done.Add($index)
    }
}
function Add-Journal([int]$Index) {
    if ($WhatIf) { return }
    $entry = [ordered]@{ plan = $PlanDigest; index = $Index; op = $OpDigest[$Index]; operation = $OpName[$Index] }
    Add-Content -LiteralPath $Journal -Value (ConvertTo-Json -InputObject $entry -Compress)
}
"#;

/// The cmdlets whose syntax has no `-WhatIf` (the help lists none): under `-WhatIf` the script
/// says what it would run instead of running them.
const NO_WHATIF: &[&str] = &[
    "New-CsPersistentChatRoom",
    "New-CsPersistentChatCategory",
    "New-CsPersistentChatAddin",
];

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
    let f = kind.desc().fields.iter().find(|f| f.yaml == field)?;
    f.output_property().map(str::to_string)
}

/// The Get- call that finds an object of `kind` by `identity` (`None`: the kind has none).
fn finder(kind: Kind, identity: &str) -> Option<String> {
    match kind {
        Kind::PolicyGrant => Some(format!("Get-CsUser -Identity {}", quote(identity))),
        Kind::ActiveServers => Some(format!("Find-Pool {}", quote(pool_of_service(identity)))),
        Kind::Pool | Kind::Principal => None,
        k => Some(format!(
            "{} -Identity {}",
            k.desc().cmdlets.get?,
            quote(&get_identity(k, identity))
        )),
    }
}

/// `PersistentChatServer:POOL` (or `service:…`) → `POOL`.
fn pool_of_service(identity: &str) -> &str {
    let rest = identity
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("service:"))
        .map_or(identity, |_| &identity[8..]);
    rest.split_once(':').map_or(rest, |(_, pool)| pool)
}

/// The object expression a check reads: `Find-Pool` already returns `$null` when not found.
fn found(kind: Kind, identity: &str) -> Option<String> {
    let get = finder(kind, identity)?;
    Some(if kind == Kind::ActiveServers {
        format!("({get})")
    } else {
        format!("(Find-Object {{ {get} }})")
    })
}

/// The check that the object a change touches is as the plan found it (its before-image): the
/// fields it changes hold their old values, lists their old entries; a creation's is absent.
/// `None`: nothing to look at (topology, the directory have no Get-).
fn before_image(c: &Change, indices: &[usize]) -> Option<String> {
    let identity = c.renamed_from.as_deref().unwrap_or(&c.identity);
    let object = found(c.kind, identity)?;
    let what = format!("{} {}", c.kind.desc().noun, get_identity(c.kind, identity));
    let mut s = format!("$o = {object}\n");
    let stale = |why: &str| format!("$stale.Add({})", quote(&format!("{what}{why}")));
    if c.action == Action::Create && c.kind != Kind::PolicyGrant {
        s.push_str(&format!(
            "if ($null -ne $o) {{ {} }}\n",
            stale(" exists already")
        ));
    } else {
        s.push_str(&format!("if ($null -eq $o) {{ {} }}\n", stale(" is gone")));
        if c.kind == Kind::ActiveServers {
            // Set-CsPersistentChatActiveServer has no Get-: the pool's service reports them.
            s.push_str(&format!(
                "elseif ($null -eq $o.PSObject.Properties['ActiveServers']) {{ {} }}\n",
                stale(": Get-CsService does not report its active servers")
            ));
        }
        if c.kind == Kind::PolicyGrant && c.action == Action::Create {
            // A user granted nothing yet: its policy must still be none.
            s.push_str(&format!(
                "elseif (-not (Test-Same (Get-Property $o 'PersistentChatPolicy') $null)) {{ {} }}\n",
                stale(": PersistentChatPolicy is no longer as planned")
            ));
        }
        for f in c.fields.get().iter() {
            if c.action == Action::Create {
                break;
            }
            let Some(prop) = property(c.kind, f.field()) else {
                continue;
            };
            let test = match f {
                FieldDiff::Value { old, .. } if c.kind == Kind::PolicyGrant => format!(
                    "Test-Policy (Get-Property $o {}) {}",
                    quote(&prop),
                    literal(old)
                ),
                FieldDiff::Value { old, .. } => format!(
                    "Test-Same (Get-Property $o {}) {}",
                    quote(&prop),
                    literal(old)
                ),
                FieldDiff::List { added, removed, .. } => format!(
                    "Test-List (Get-Property $o {}) {} {}",
                    quote(&prop),
                    array_or_empty(removed),
                    array_or_empty(added)
                ),
            };
            s.push_str(&format!(
                "elseif (-not ({test})) {{ {} }}\n",
                stale(&format!(": {prop} is no longer as planned"))
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

/// The output property a Set- parameter changes (`None`: not a property).
fn output_property(kind: Kind, param: &str) -> Option<&str> {
    if let "Identity" | "Instance" | "Name" | "Force" | "Confirm" | "Swap" | "AsObject" = param {
        return None;
    }
    let field = kind.desc().fields.iter().find(|f| f.param == Some(param));
    Some(field.and_then(|f| f.property).unwrap_or(param))
}

/// The check that an operation is done (its after-image), as an expression; `None` when it
/// cannot be told from outside (a reset of a global setting): the operation is run again.
fn after_image(c: &Change, op: &Operation) -> Option<String> {
    if matches!(
        op,
        Operation::SetPool { .. }
            | Operation::SetPrincipal { .. }
            | Operation::RemovePrincipal { .. }
    ) {
        return Some("$true".into());
    }
    let params = op.params();
    let text = |name: &str| {
        params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| match &p.value {
                Value::Text(t) => Some(t.to_string()),
                Value::Owned(t) => Some(t.clone()),
                _ => None,
            })
    };
    let cmdlet = op.cmdlet();
    let verb = cmdlet.split('-').next().unwrap_or_default();
    let identity = text("Identity").unwrap_or_else(|| c.identity.clone());
    match verb {
        "New" => {
            let id = match c.kind {
                Kind::Endpoint => text("SipAddress").unwrap_or(identity),
                Kind::Room | Kind::Category | Kind::Addin => c.identity.clone(),
                _ => identity,
            };
            Some(format!("($null -ne {})", found(c.kind, &id)?))
        }
        "Remove" => {
            let reset = c.kind.desc().reset_not_removed && identity.eq_ignore_ascii_case("global");
            if reset {
                return None;
            }
            Some(format!("($null -eq {})", found(c.kind, &identity)?))
        }
        _ => {
            // Renamed by this call: the object answers to its new name.
            let id = match (text("Name"), identity.split_once('\\')) {
                (Some(name), Some((pool, _))) => format!("{pool}\\{name}"),
                _ => identity,
            };
            let mut tests = vec!["($null -ne $o)".to_string()];
            for p in &params {
                let Some(prop) = output_property(c.kind, p.name) else {
                    continue;
                };
                let actual = format!("(Get-Property $o {})", quote(prop));
                let test = match &p.value {
                    Value::Text(t) if c.kind == Kind::PolicyGrant => {
                        format!("Test-Policy {actual} {}", quote(t))
                    }
                    Value::Text(t) => format!("Test-Same {actual} {}", quote(t)),
                    Value::Owned(t) => format!("Test-Same {actual} {}", quote(t)),
                    Value::Bool(b) => format!("Test-Same {actual} {}", boolean(*b)),
                    Value::Number(n) => format!("Test-Same {actual} {n}"),
                    Value::Enum(e) => format!("Test-Same {actual} {}", quote(e)),
                    Value::Null => format!("Test-Same {actual} $null"),
                    // `-Members $null` (a list set to nothing) leaves it empty.
                    Value::List(change)
                        if change.replace.as_ref().is_some_and(|r| r.is_empty())
                            && change.add.is_empty() =>
                    {
                        format!("Test-Empty {actual}")
                    }
                    Value::List(change) => {
                        let mut present = change.replace.clone().unwrap_or_default();
                        present.extend(change.add.iter().cloned());
                        format!(
                            "Test-List {actual} {} {}",
                            array_or_empty(&present),
                            array_or_empty(&change.remove)
                        )
                    }
                    Value::Switch | Value::NoConfirm => continue,
                };
                tests.push(format!("({test})"));
            }
            if matches!(op, Operation::SetActiveServer { swap: true, .. }) {
                return None;
            }
            Some(format!(
                "$o = {}; {}",
                found(c.kind, &id)?,
                tests.join(" -and ")
            ))
        }
    }
}

/// The identities (kind, folded) whose creation a plan holds: under `-WhatIf` none of them is
/// made, so every later call on them is only described.
fn created(plan: &Plan) -> std::collections::HashSet<(Kind, String)> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .map(|c| (c.kind, crate::model::identity::fold(&c.identity)))
        .collect()
}

/// Whether an operation names an object whose creation `-WhatIf` only described (its own,
/// after its `New-`; a room's category or add-in; a granted policy).
fn on_described(
    c: &Change,
    op: &Operation,
    first: bool,
    created: &std::collections::HashSet<(Kind, String)>,
) -> bool {
    if !first && c.action == Action::Create {
        return true;
    }
    let pool = c.identity.split_once('\\').map(|(p, _)| p);
    op.params().iter().any(|p| {
        let t = match &p.value {
            Value::Text(t) => *t,
            Value::Owned(t) => t.as_str(),
            _ => return false,
        };
        let named = match (p.name, pool) {
            ("Category", Some(pool)) => (Kind::Category, format!("{pool}\\{t}")),
            ("Addin", Some(pool)) => (Kind::Addin, format!("{pool}\\{t}")),
            ("PolicyName", _) => (Kind::Policy, format!("tag:{t}")),
            _ => return false,
        };
        created.contains(&(named.0, crate::model::identity::fold(&named.1)))
    })
}

/// One operation, run unless the journal shows it done, then recorded.
fn guarded(index: usize, total: usize, c: &Change, op: &Operation, describe: bool) -> String {
    let call = operation(op);
    let cmdlet = op.cmdlet();
    let run = if call.starts_with("Write-Verbose") {
        format!("    {call}\n")
    } else if describe {
        format!(
            "    if ($WhatIf) {{ Write-Host {} }} else {{ {call} }}\n",
            quote(&format!("What if: {call}"))
        )
    } else {
        format!("    {call} -WhatIf:$WhatIf\n")
    };
    let percent = index * 100 / total.max(1);
    format!(
        "if (-not $done.Contains({index})) {{\n    Write-Progress -Activity 'pchat apply' -Status {} -PercentComplete {percent}\n{run}    Add-Journal {index}\n}}\n",
        quote(&format!("{cmdlet} {}", c.identity)),
    )
}

/// The SHA-256 of `text`, as the configuration's digests are made (`sha256:HEX`).
fn sha256(text: &str) -> String {
    let mut d = crate::config::Digest::default();
    d.feed(text.as_bytes());
    d.finish()
}

/// The whole plan as a script for a real server, which has no transactions: it stops at the
/// first error; first it checks that every object it changes is as the plan found it; it
/// records each operation it completes in a journal tied to this plan (the plan's digest and
/// each operation's), and run again goes on after the last one done, after checking whether
/// the one it stopped at was done already; `-WhatIf` passes through, and calls on objects whose
/// creation was only described are described too.
pub fn script(plan: &Plan) -> String {
    let (add, change, remove) = plan.counts();
    let mut out = format!(
        "{BOM}# pchat plan against store revision {}: {add} to add, {change} to change, {remove} to remove.\n\
         # Run it in the Lync Server / Skype for Business Server Management Shell (Windows\n\
         # PowerShell 3.0 to 5.1, or 7). It stops at the first error; run it again to go on:\n\
         # the journal says what is done.\n",
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
    // Each operation's digest is of its index and its call; the plan's of the revision and
    // every operation's: a journal line names both.
    let mut table = String::from("$OpDigest = @{}\n$OpName = @{}\n$After = @{}\n");
    let mut digests = format!("revision {}\n", plan.revision);
    for (c, ids) in &numbered {
        for (op, i) in c.operations.iter().zip(ids) {
            let d = sha256(&format!("{i}\n{}", operation(op)));
            digests.push_str(&format!("{i} {d}\n"));
            let name: String = format!("{} {}", op.cmdlet(), c.identity)
                .chars()
                .map(|ch| {
                    if ch.is_ascii() {
                        ch.to_string()
                    } else {
                        format!("\\u{:04x}", ch as u32)
                    }
                })
                .collect();
            table.push_str(&format!(
                "$OpDigest[{i}] = '{d}'\n$OpName[{i}] = {}\n",
                quote(&name)
            ));
            if let Some(check) = after_image(c, op) {
                table.push_str(&format!("$After[{i}] = {{ {check} }}\n"));
            }
        }
    }
    out.push_str(&format!(
        "\n# This plan and its operations; each line of the journal must name them.\n$PlanDigest = '{}'\n$Total = {total}\n{table}",
        sha256(&digests)
    ));
    out.push_str(JOURNAL);
    out.push_str(
        "\n# A run that stopped may have stopped between an operation and its journal line: the\n\
         # next operation is recorded as done when its after-image holds.\n\
         if ($done.Count -gt 0) {\n\
         \x20   $next = 1\n\
         \x20   while ($done.Contains($next)) { $next++ }\n\
         \x20   if ($next -le $Total -and $After.ContainsKey($next) -and (& $After[$next])) {\n\
         \x20       Write-Host (\"pchat: operation $next (\" + $OpName[$next] + ') was done before the journal recorded it')\n\
         \x20       Add-Journal $next\n\
         \x20       [void]$done.Add($next)\n\
         \x20       while ($done.Contains($next)) { $next++ }\n\
         \x20   }\n\
         \x20   if ($next -le $Total) {\n\
         \x20       Write-Host (\"pchat: resuming: \" + $done.Count + \" of $Total operations are done; next: operation $next (\" + $OpName[$next] + ')')\n\
         \x20   } else {\n\
         \x20       Write-Host \"pchat: all $Total operations are done (journal $Journal)\"\n\
         \x20   }\n\
         }\n",
    );
    out.push_str("\n# The service must be as the plan found it.\n");
    out.push_str("$stale = New-Object -TypeName 'System.Collections.Generic.List[string]'\n");
    for (c, ids) in &numbered {
        if let Some(check) = before_image(c, ids) {
            out.push_str(&check);
        }
    }
    out.push_str(
        "if ($stale.Count -gt 0) {\n\
         \x20   $said = 'pchat: the service changed since the plan; nothing was done. Plan again.'\n\
         \x20   if ($done.Count -gt 0) { $said = 'pchat: the service changed since the plan; ' + $done.Count + \" of $Total operations were done before (journal $Journal), nothing more was. Plan again.\" }\n\
         \x20   $lines = @($said) + $stale\n\
         \x20   throw ($lines -join [Environment]::NewLine)\n\
         }\n\n",
    );
    let created = created(plan);
    for (c, ids) in &numbered {
        for (n, (op, i)) in c.operations.iter().zip(ids).enumerate() {
            let describe =
                NO_WHATIF.contains(&op.cmdlet()) || on_described(c, op, n == 0, &created);
            out.push_str(&guarded(*i, total, c, op, describe));
        }
    }
    out.push_str("Write-Progress -Activity 'pchat apply' -Completed\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_written_in_ascii() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("$(rm -r /)"), "'$(rm -r /)'");
        assert_eq!(quote("ESPA\u{D1}A"), "('ESPA' + [char]0x00D1 + 'A')");
        assert_eq!(
            quote("\u{2019}x"),
            "('' + [char]0x2019 + 'x')",
            "a typographic quote is a character code, never a quote"
        );
        assert_eq!(quote("a\nb"), "('a' + [char]0x000A + 'b')");
        assert_eq!(quote("\u{1F600}"), "('' + [char]0xD83D + [char]0xDE00)");
        assert_eq!(quote(""), "''");
        assert_eq!(array(&[]), "$null");
        for s in [
            "Caf\u{e9} Z\u{fc}rich",
            "\u{41e}\u{442}\u{434}\u{435}\u{43b}",
            "x\u{201b}'",
        ] {
            assert!(quote(s).is_ascii(), "{s}");
        }
    }
}
