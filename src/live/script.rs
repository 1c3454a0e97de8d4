//! `collect.ps1`: the script an administrator runs in the Lync Server Management Shell to
//! collect a snapshot (`live::Snapshot`) of a real server. Written for Windows PowerShell 3.0
//! (and 4.0, 5.1, 7):
//!
//! - It calls only Get- cmdlets.
//! - Each object is an `[ordered]` dictionary filled property by property, each list a
//!   `[string[]]` assigned directly: never a `Select-Object` calculated property, whose array
//!   Windows PowerShell's `ConvertTo-Json` writes as `{"value":[…],"Count":n}` and whose errors
//!   it swallows (a misspelt property became `$null`, read as "empty").
//! - Every property is read through `Read-Property`, which stops, naming the cmdlet and the
//!   property, when the object lacks it. Enums are written by name (`[string]`), dates as
//!   ISO 8601 text, TimeSpans as `[d.]hh:mm:ss`.
//! - What the service does not report is said so, never guessed: a pool's `ActiveServers` is
//!   `null` when `Get-CsService` has no such property; principals `Get-CsAdPrincipal` does
//!   not find are listed in `unresolved` (looked up a batch at a time, by one LDAP filter).
//! - Rooms with chat content (`Get-CsPersistentChatRoom -ChatContentExceedsMB 0`) are marked.
//! - `-Out` is resolved against PowerShell's location (a .NET file call would resolve it
//!   against the process's directory), and the file is UTF-8 without a byte-order mark.
//! - The script is ASCII after a UTF-8 byte-order mark (`render::powershell::quote`).

use crate::model::{Field, Kind, Naming, Ty};
use crate::render::powershell::{quote, BOM};

/// How collect.ps1 reads a property into the snapshot.
#[derive(Clone, Copy)]
enum As {
    /// A string that may be `$null`.
    Text,
    /// A string (an identity or a name).
    Name,
    Bool,
    Int,
    /// A `[string[]]`.
    List,
    /// A TimeSpan as `[d.]hh:mm:ss`.
    Span,
}

impl As {
    /// How a field of a kind's description is read.
    fn of(f: &Field) -> As {
        match f.ty {
            Ty::List(_) => As::List,
            Ty::Bool => As::Bool,
            Ty::Number => As::Int,
            Ty::TimeSpan => As::Span,
            Ty::Choice(_) => As::Name,
            Ty::Text | Ty::Clearable if f.never_null => As::Name,
            Ty::Text | Ty::Clearable => As::Text,
        }
    }
}

/// A kind's snapshot key, its Get- cmdlet, and its properties (name, how it is read).
type Projection = (&'static str, &'static str, Vec<(&'static str, As)>);

/// What collect.ps1 reads of each kind, from the kind's description: `Identity` (an endpoint is
/// named by its SIP address, a field), then each field a parameter sets, under the name the
/// Get- output gives it. Grants and active servers are read otherwise (`Get-CsUser`,
/// `Get-CsService`); pools and principals have no Get- of the service's own.
fn projections() -> Vec<Projection> {
    Kind::ALL
        .iter()
        .filter(|k| !matches!(k, Kind::PolicyGrant | Kind::ActiveServers))
        .filter_map(|k| {
            let d = k.desc();
            let identity = (d.naming != Naming::Sip).then_some(("Identity", As::Name));
            let fields = d
                .fields
                .iter()
                .filter_map(|f| Some((f.output_property()?, As::of(f))));
            Some((
                d.key,
                d.cmdlets.get?,
                identity.into_iter().chain(fields).collect(),
            ))
        })
        .collect()
}

/// Commands `collect.ps1` calls beside the Get- cmdlets (for the tests that hold it to them).
pub const HELPERS: &[&str] = &[
    "Get-CsService",
    "Get-CsPool",
    "Get-CsUser",
    "Get-CsAdPrincipal",
    "ConvertTo-Json",
    "New-Object",
    "Set-StrictMode",
    "Write-Progress",
    "Write-Verbose",
    "Write-Warning",
    "Read-Property",
    "Set-Text",
    "Set-List",
    "Add-Principal",
    "ConvertTo-LdapValue",
];

/// The properties collect.ps1 reads of each kind's Get- output (for the tests).
pub fn properties() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    projections()
        .into_iter()
        .map(|(key, cmdlet, props)| (key, cmdlet, props.iter().map(|(n, _)| *n).collect()))
        .collect()
}

const FUNCTIONS: &str = r#"$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# The file lands where PowerShell is (Set-Location), not where the process started.
$OutPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Out)

# A property of a cmdlet's output; stops, naming both, when the object lacks it (never $null
# for a property that is not there: pchat would read that as empty). The comma keeps a list
# whole.
function Read-Property($Object, [string]$Cmdlet, [string]$Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) {
        throw "pchat: $Cmdlet returned an object without the property '$Name'; nothing was written"
    }
    , $p.Value
}
# A text property ($null stays $null; an enum by its name).
function Set-Text($Into, [string]$Key, $Object, [string]$Cmdlet) {
    $v = Read-Property $Object $Cmdlet $Key
    if ($null -eq $v) { $Into[$Key] = $null } else { $Into[$Key] = [string]$v }
}
# A list property as a plain [string[]] assigned directly, which ConvertTo-Json writes as an
# array in every version (a list that came through a pipeline into a property would be written
# as {"value":[...],"Count":n} by Windows PowerShell).
function Set-List($Into, [string]$Key, $Object, [string]$Cmdlet) {
    $v = Read-Property $Object $Cmdlet $Key
    [string[]]$list = @(foreach ($item in $v) { if ($null -ne $item) { [string]$item } })
    $Into[$Key] = $list
}
# A value in an LDAP filter (RFC 4515).
function ConvertTo-LdapValue([string]$Value) {
    $Value.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29').Replace([string][char]0, '\00')
}
"#;

/// The pools, each with its servers and, when the service reports them, its active servers.
const POOLS: &str = "\nWrite-Progress -Activity 'pchat collect' -Status 'pools'\n\
         $rows = New-Object 'System.Collections.Generic.List[object]'\n\
         $seen = @{}\n\
         foreach ($o in @(Get-CsService -PersistentChatServer)) {\n\
         \x20   $pool = [string](Read-Property $o 'Get-CsService' 'PoolFqdn')\n\
         \x20   if ($seen.ContainsKey($pool)) { continue }\n\
         \x20   $seen[$pool] = $true\n\
         \x20   $h = [ordered]@{}\n\
         \x20   $h['PoolFqdn'] = $pool\n\
         \x20   $h['Site'] = ([string](Read-Property $o 'Get-CsService' 'SiteId')) -replace '^Site:', ''\n\
         \x20   Set-List $h 'Computers' (Get-CsPool -Identity $pool) 'Get-CsPool'\n\
         \x20   $h['Servers'] = $h['Computers']\n\
         \x20   $h.Remove('Computers')\n\
         \x20   if ($o.PSObject.Properties['ActiveServers']) {\n\
         \x20       Set-List $h 'ActiveServers' $o 'Get-CsService'\n\
         \x20   } else {\n\
         \x20       # Not reported: unknown, and pchat plans no change of them.\n\
         \x20       $h['ActiveServers'] = $null\n\
         \x20       Write-Warning \"pchat: Get-CsService does not report the active servers of $pool; pchat will plan no change of them\"\n\
         \x20   }\n\
         \x20   $rows.Add($h)\n\
         }\n\
         $snapshot['pools'] = $rows.ToArray()\n";

/// The principals the lists name, looked up a batch at a time; those not found are listed.
const PRINCIPALS: &str = "\nWrite-Progress -Activity 'pchat collect' -Status 'principals'\n\
         # Every principal a list names, and those asked for, once each.\n\
         $wanted = New-Object 'System.Collections.Generic.List[string]'\n\
         $asked = New-Object 'System.Collections.Generic.HashSet[string]' ([System.StringComparer]::OrdinalIgnoreCase)\n\
         function Add-Principal($Names) { foreach ($Name in $Names) { if ($Name -and $asked.Add([string]$Name)) { $wanted.Add([string]$Name) } } }\n\
         Add-Principal $Principal\n\
         foreach ($c in $snapshot['categories']) { Add-Principal $c['AllowedMembers']; Add-Principal $c['DeniedMembers']; Add-Principal $c['Creators'] }\n\
         foreach ($r in $snapshot['rooms']) { Add-Principal $r['Members']; Add-Principal $r['Managers']; Add-Principal $r['Presenters'] }\n\
         foreach ($g in $snapshot['policyGrants']) { Add-Principal $g['SipAddress'] }\n\
         $found = New-Object 'System.Collections.Generic.List[object]'\n\
         if ($AllPrincipals) {\n\
         \x20   foreach ($o in @(Get-CsAdPrincipal -ResultSize Unlimited)) { $found.Add($o) }\n\
         } else {\n\
         \x20   # A batch of names a query: one LDAP filter that matches each by DN or SIP address.\n\
         \x20   [string[]]$names = $wanted.ToArray()\n\
         \x20   for ($i = 0; $i -lt $names.Count; $i += $BatchSize) {\n\
         \x20       $last = [Math]::Min($i + $BatchSize, $names.Count) - 1\n\
         \x20       $clauses = foreach ($Name in $names[$i..$last]) {\n\
         \x20           $v = ConvertTo-LdapValue $Name\n\
         \x20           if ($Name -like 'sip:*') { \"(msRTCSIP-PrimaryUserAddress=$v)\" } else { \"(distinguishedName=$v)(msRTCSIP-PrimaryUserAddress=$v)\" }\n\
         \x20       }\n\
         \x20       $filter = '(|' + ($clauses -join '') + ')'\n\
         \x20       foreach ($o in @(Get-CsAdPrincipal -LDAPFilter $filter -ResultSize Unlimited)) { $found.Add($o) }\n\
         \x20   }\n\
         }\n\
         $rows = New-Object 'System.Collections.Generic.List[object]'\n\
         $known = New-Object 'System.Collections.Generic.HashSet[string]' ([System.StringComparer]::OrdinalIgnoreCase)\n\
         foreach ($o in $found) {\n\
         \x20   $dn = [string](Read-Property $o 'Get-CsAdPrincipal' 'DistinguishedName')\n\
         \x20   if (-not $known.Add($dn)) { continue }\n\
         \x20   $h = [ordered]@{}\n\
         \x20   $h['Identity'] = $dn\n\
         \x20   $h['ObjectClass'] = [string](@(Read-Property $o 'Get-CsAdPrincipal' 'ObjectClass')[-1])\n\
         \x20   Set-Text $h 'SipAddress' $o 'Get-CsAdPrincipal'\n\
         \x20   Set-Text $h 'DisplayName' $o 'Get-CsAdPrincipal'\n\
         \x20   if ($h['SipAddress']) { [void]$known.Add([string]$h['SipAddress']) }\n\
         \x20   $rows.Add($h)\n\
         }\n\
         $snapshot['principals'] = $rows.ToArray()\n\
         # Asked for and not found: listed, and the collection goes on.\n\
         [string[]]$unresolved = @(foreach ($Name in $wanted) { if (-not $known.Contains($Name)) { $Name } })\n\
         $snapshot['unresolved'] = $unresolved\n\
         if ($unresolved.Count -gt 0) {\n\
         \x20   Write-Warning (\"pchat: Get-CsAdPrincipal did not find \" + $unresolved.Count + \" principal(s): \" + ($unresolved -join ', '))\n\
         }\n";

/// The parameters that make a Get- cmdlet return every object, not a first page of them.
fn all(cmdlet: &str) -> &'static str {
    match cmdlet {
        "Get-CsPersistentChatRoom" => " -ResultSize 2147483647",
        "Get-CsPersistentChatEndpoint" => " -ResultSize Unlimited",
        _ => "",
    }
}

/// The collect script; `principals` (DNs and SIP addresses a configuration names) are its
/// `-Principal` default, beside every entry of the collected lists.
pub fn collect(principals: &[String]) -> String {
    let mut s = String::from(BOM);
    s.push_str(&format!(
        "# collect.ps1, written by pchat {}: a snapshot of this Persistent Chat service for\n\
         # `pchat live load` (format {}). Run it in the Lync Server / Skype for Business Server\n\
         # Management Shell (Windows PowerShell 3.0 to 5.1, or 7). It only reads (Get- cmdlets).\n",
        env!("CARGO_PKG_VERSION"),
        super::FORMAT
    ));
    let defaults: Vec<String> = principals.iter().map(|p| quote(p)).collect();
    s.push_str(&format!(
        "[CmdletBinding()]\n\
         param(\n\
         \x20   # The snapshot's path, relative to the current PowerShell location.\n\
         \x20   [string]$Out = 'pchat-snapshot.json',\n\
         \x20   [string[]]$Principal = @({}),\n\
         \x20   [switch]$AllPrincipals,\n\
         \x20   # How many principals one Get-CsAdPrincipal query looks up.\n\
         \x20   [int]$BatchSize = 50\n\
         )\n",
        defaults.join(", ")
    ));
    s.push_str(FUNCTIONS);
    s.push_str(&format!(
        "\n$snapshot = [ordered]@{{}}\n\
         $snapshot['format'] = {}\n\
         $snapshot['collectedAt'] = [DateTime]::UtcNow.ToString('o')\n\
         $snapshot['server'] = [string]$env:COMPUTERNAME\n",
        super::FORMAT
    ));
    s.push_str(POOLS);
    s.push_str(
        "\nWrite-Progress -Activity 'pchat collect' -Status 'rooms with chat content'\n\
         $withContent = @{}\n\
         foreach ($o in @(Get-CsPersistentChatRoom -ChatContentExceedsMB 0 -ResultSize 2147483647)) {\n\
         \x20   $withContent[[string](Read-Property $o 'Get-CsPersistentChatRoom' 'Identity')] = $true\n\
         }\n",
    );
    for (key, cmdlet, props) in projections() {
        s.push_str(&format!(
            "\nWrite-Progress -Activity 'pchat collect' -Status '{key}'\n\
             $rows = New-Object 'System.Collections.Generic.List[object]'\n\
             foreach ($o in @({cmdlet}{})) {{\n\
             \x20   $h = [ordered]@{{}}\n",
            all(cmdlet)
        ));
        for (name, how) in props {
            let read = format!("(Read-Property $o '{cmdlet}' '{name}')");
            let line = match how {
                As::Text => format!("Set-Text $h '{name}' $o '{cmdlet}'"),
                As::List => format!("Set-List $h '{name}' $o '{cmdlet}'"),
                As::Name => format!("$h['{name}'] = [string]{read}"),
                As::Bool => format!("$h['{name}'] = [bool]{read}"),
                As::Int => format!("$h['{name}'] = [int]{read}"),
                As::Span => format!("$h['{name}'] = '{{0:c}}' -f {read}"),
            };
            s.push_str(&format!("    {line}\n"));
        }
        if key == "rooms" {
            s.push_str("    $h['ChatContent'] = [bool]$withContent.ContainsKey($h['Identity'])\n");
        }
        s.push_str(&format!(
            "    $rows.Add($h)\n}}\n$snapshot['{key}'] = $rows.ToArray()\n"
        ));
    }
    s.push_str(
        "\nWrite-Progress -Activity 'pchat collect' -Status 'policyGrants'\n\
         $rows = New-Object 'System.Collections.Generic.List[object]'\n\
         foreach ($o in @(Get-CsUser -Filter 'PersistentChatPolicy -ne $null' -ResultSize Unlimited)) {\n\
         \x20   $h = [ordered]@{}\n\
         \x20   $h['SipAddress'] = [string](Read-Property $o 'Get-CsUser' 'SipAddress')\n\
         \x20   $h['PersistentChatPolicy'] = [string](Read-Property $o 'Get-CsUser' 'PersistentChatPolicy')\n\
         \x20   $rows.Add($h)\n\
         }\n\
         $snapshot['policyGrants'] = $rows.ToArray()\n",
    );
    s.push_str(PRINCIPALS);
    s.push_str(
        "\nWrite-Progress -Activity 'pchat collect' -Completed\n\
         # -Depth 10: the default (2) would write the lists of rooms and categories as type names.\n\
         $json = ConvertTo-Json -InputObject $snapshot -Depth 10\n\
         [System.IO.File]::WriteAllText($OutPath, $json, (New-Object System.Text.UTF8Encoding $false))\n\
         Write-Verbose \"pchat: wrote $OutPath\"\n",
    );
    s
}
