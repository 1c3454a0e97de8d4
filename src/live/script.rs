//! `collect.ps1`: the script an administrator runs in the Lync Server Management Shell to
//! collect a snapshot (`live::Snapshot`) of a real server. It calls only Get- cmdlets, projects
//! every property explicitly (Windows PowerShell's `ConvertTo-Json` writes enums as integers and
//! unrolls one-element arrays), and writes one UTF-8 JSON file without a byte-order mark.

use crate::render::powershell::quote;

/// The property projections of each kind, as `Select-Object` calculated properties: a name and
/// the expression that gives its value. `$_` is the cmdlet's output object.
/// A kind's snapshot key, its Get- cmdlet, and its properties (name, expression).
type Projection = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const PROJECTIONS: &[Projection] = &[
    (
        "categories",
        "Get-CsPersistentChatCategory",
        &[
            ("Identity", "[string]$_.Identity"),
            ("Name", "[string]$_.Name"),
            ("Description", "Get-Text $_.Description"),
            ("AllowedMembers", ", @(Get-List $_.AllowedMembers)"),
            ("DeniedMembers", ", @(Get-List $_.DeniedMembers)"),
            ("Creators", ", @(Get-List $_.Creators)"),
            ("Invites", "[bool]$_.Invites"),
            ("FileUpload", "[bool]$_.FileUpload"),
            ("ChatHistory", "[bool]$_.ChatHistory"),
        ],
    ),
    (
        "addins",
        "Get-CsPersistentChatAddin",
        &[
            ("Identity", "[string]$_.Identity"),
            ("Name", "[string]$_.Name"),
            ("Url", "[string]$_.Url"),
        ],
    ),
    (
        "rooms",
        "Get-CsPersistentChatRoom",
        &[
            ("Identity", "[string]$_.Identity"),
            ("Name", "[string]$_.Name"),
            ("Category", "[string]$_.Category"),
            ("Description", "Get-Text $_.Description"),
            ("Type", "Get-Text $_.Type"),
            ("Privacy", "Get-Text $_.Privacy"),
            ("Addin", "Get-Text $_.Addin"),
            ("Invitations", "Get-Text $_.Invitations"),
            ("Disabled", "[bool]$_.Disabled"),
            ("Members", ", @(Get-List $_.Members)"),
            ("Managers", ", @(Get-List $_.Managers)"),
            ("Presenters", ", @(Get-List $_.Presenters)"),
        ],
    ),
    (
        "policies",
        "Get-CsPersistentChatPolicy",
        &[
            ("Identity", "[string]$_.Identity"),
            ("EnablePersistentChat", "[bool]$_.EnablePersistentChat"),
            ("Description", "Get-Text $_.Description"),
        ],
    ),
    (
        "complianceConfigurations",
        "Get-CsPersistentChatComplianceConfiguration",
        &[
            ("Identity", "[string]$_.Identity"),
            ("AdapterType", "Get-Text $_.AdapterType"),
            ("AdapterName", "Get-Text $_.AdapterName"),
            (
                "AdapterOutputDirectory",
                "Get-Text $_.AdapterOutputDirectory",
            ),
            ("RunInterval", "'{0:c}' -f $_.RunInterval"),
            (
                "OneChatRoomPerOutputFile",
                "[bool]$_.OneChatRoomPerOutputFile",
            ),
            ("AddChatRoomDetails", "[bool]$_.AddChatRoomDetails"),
            ("AddUserDetails", "[bool]$_.AddUserDetails"),
            (
                "CreateFileAttachmentsManifest",
                "[bool]$_.CreateFileAttachmentsManifest",
            ),
            ("CustomConfiguration", "Get-Text $_.CustomConfiguration"),
        ],
    ),
    (
        "configurations",
        "Get-CsPersistentChatConfiguration",
        &[
            ("Identity", "[string]$_.Identity"),
            ("DefaultChatHistory", "[int]$_.DefaultChatHistory"),
            ("ParticipantUpdateLimit", "[int]$_.ParticipantUpdateLimit"),
            ("MaxFileSizeKB", "[int]$_.MaxFileSizeKB"),
            ("RoomManagementUrl", "Get-Text $_.RoomManagementUrl"),
        ],
    ),
    (
        "endpoints",
        "Get-CsPersistentChatEndpoint",
        &[
            ("SipAddress", "[string]$_.SipAddress"),
            (
                "PersistentChatPoolFqdn",
                "[string]$_.PersistentChatPoolFqdn",
            ),
            ("DisplayName", "Get-Text $_.DisplayName"),
        ],
    ),
    (
        "states",
        "Get-CsPersistentChatState",
        &[
            ("Identity", "[string]$_.Identity"),
            ("PoolState", "Get-Text $_.PoolState"),
        ],
    ),
];

/// Commands `collect.ps1` calls beside the Get- cmdlets (for the tests that hold it to them).
pub const HELPERS: &[&str] = &[
    "Get-CsService",
    "Get-CsPool",
    "Get-CsUser",
    "Get-CsAdPrincipal",
    "Select-Object",
    "ForEach-Object",
    "Where-Object",
    "Sort-Object",
    "ConvertTo-Json",
    "New-Object",
    "Get-Date",
    "Set-StrictMode",
    "Write-Progress",
    "Write-Verbose",
    "Write-Warning",
    "Write-Host",
    "Get-Text",
    "Get-List",
    "Add-Principal",
];

/// The collect script; `principals` (DNs and SIP addresses a configuration names) are its
/// `-Principal` default, beside every entry of the collected lists.
pub fn collect(principals: &[String]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# collect.ps1, written by pchat {}: a snapshot of this Persistent Chat service for\n\
         # `pchat live load` (format {}). Run it in the Lync Server / Skype for Business Server\n\
         # Management Shell (Windows PowerShell 3.0 or later). It only reads (Get- cmdlets).\n",
        env!("CARGO_PKG_VERSION"),
        super::FORMAT
    ));
    let defaults: Vec<String> = principals.iter().map(|p| quote(p)).collect();
    s.push_str(&format!(
        "[CmdletBinding()]\n\
         param(\n\
         \x20   [string]$Out = 'pchat-snapshot.json',\n\
         \x20   [string[]]$Principal = @({}),\n\
         \x20   [switch]$AllPrincipals\n\
         )\n",
        defaults.join(", ")
    ));
    s.push_str(
        "$ErrorActionPreference = 'Stop'\n\
         Set-StrictMode -Version Latest\n\
         \n\
         # A value as text ($null stays $null); enums by name, as pchat reads them.\n\
         function Get-Text($Value) { if ($null -eq $Value) { $null } else { $Value.ToString() } }\n\
         # A list as an array of strings (foreach over $null runs no time).\n\
         function Get-List($Value) { foreach ($Item in $Value) { $Item.ToString() } }\n\
         \n",
    );
    s.push_str(&format!(
        "$snapshot = [ordered]@{{ format = {}; collectedAt = (Get-Date).ToUniversalTime().ToString('o'); server = $env:COMPUTERNAME }}\n",
        super::FORMAT
    ));
    s.push_str(
        "Write-Progress -Activity 'pchat collect' -Status 'pools'\n\
         $snapshot.pools = @(Get-CsService -PersistentChatServer | ForEach-Object {\n\
         \x20   $servers = @(Get-List (Get-CsPool -Identity $_.PoolFqdn).Computers)\n\
         \x20   $active = $servers\n\
         \x20   if ($_.PSObject.Properties['ActiveServers']) { $active = @(Get-List $_.ActiveServers) }\n\
         \x20   [ordered]@{ PoolFqdn = [string]$_.PoolFqdn; Site = ([string]$_.SiteId) -replace '^Site:', ''; Servers = $servers; ActiveServers = $active }\n\
         })\n",
    );
    for (key, cmdlet, props) in PROJECTIONS {
        s.push_str(&format!(
            "Write-Progress -Activity 'pchat collect' -Status '{key}'\n"
        ));
        let list: Vec<String> = props
            .iter()
            .map(|(name, expr)| format!("    @{{ Name = '{name}'; Expression = {{ {expr} }} }}"))
            .collect();
        s.push_str(&format!(
            "$properties = @(\n{}\n)\n$snapshot.{key} = @({cmdlet} | Select-Object -Property $properties)\n",
            list.join("\n")
        ));
    }
    s.push_str(
        "Write-Progress -Activity 'pchat collect' -Status 'policyGrants'\n\
         $snapshot.policyGrants = @(Get-CsUser -Filter 'PersistentChatPolicy -ne $null' | Select-Object -Property @(\n\
         \x20   @{ Name = 'SipAddress'; Expression = { [string]$_.SipAddress } }\n\
         \x20   @{ Name = 'PersistentChatPolicy'; Expression = { [string]$_.PersistentChatPolicy } }\n\
         ))\n",
    );
    s.push_str(
        "Write-Progress -Activity 'pchat collect' -Status 'principals'\n\
         # Every principal a list names, and those asked for, once each.\n\
         $wanted = New-Object 'System.Collections.Generic.HashSet[string]' ([System.StringComparer]::OrdinalIgnoreCase)\n\
         function Add-Principal($Names) { foreach ($Name in $Names) { if ($Name) { [void]$wanted.Add($Name) } } }\n\
         Add-Principal $Principal\n\
         foreach ($c in $snapshot.categories) { Add-Principal $c.AllowedMembers; Add-Principal $c.DeniedMembers; Add-Principal $c.Creators }\n\
         foreach ($r in $snapshot.rooms) { Add-Principal $r.Members; Add-Principal $r.Managers; Add-Principal $r.Presenters }\n\
         foreach ($g in $snapshot.policyGrants) { Add-Principal $g.SipAddress }\n\
         $found = if ($AllPrincipals) { @(Get-CsAdPrincipal -ResultSize Unlimited) } else {\n\
         \x20   @(foreach ($Name in $wanted) { Get-CsAdPrincipal -Identity $Name })\n\
         }\n\
         $snapshot.principals = @($found | Sort-Object -Property DistinguishedName -Unique | Select-Object -Property @(\n\
         \x20   @{ Name = 'Identity'; Expression = { [string]$_.DistinguishedName } }\n\
         \x20   @{ Name = 'ObjectClass'; Expression = { Get-Text @($_.ObjectClass)[-1] } }\n\
         \x20   @{ Name = 'SipAddress'; Expression = { Get-Text $_.SipAddress } }\n\
         \x20   @{ Name = 'DisplayName'; Expression = { Get-Text $_.DisplayName } }\n\
         ))\n",
    );
    s.push_str(
        "Write-Progress -Activity 'pchat collect' -Completed\n\
         # -Depth 10: the default (2) would cut the lists of rooms and categories short.\n\
         $json = ConvertTo-Json -InputObject $snapshot -Depth 10\n\
         [System.IO.File]::WriteAllText($Out, $json, (New-Object System.Text.UTF8Encoding $false))\n\
         Write-Verbose \"pchat: wrote $Out\"\n",
    );
    s
}
