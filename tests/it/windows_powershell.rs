//! The real server through Windows PowerShell 3.0–5.1 (`shared/spec/windows-powershell.md`),
//! checked without PowerShell: the snapshot shapes 5.1 writes plan as plain JSON does; every
//! script pchat writes is ASCII after a UTF-8 byte-order mark and parses the same in UTF-8,
//! cp1252 and cp1251; a compatibility check over each script's syntax tree holds (each of its
//! rules shown failing on a bad script); and the apply script's journal, before- and
//! after-images and `-WhatIf` follow the plan they belong to.

use tree_sitter::Node;

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{pchat_in, root};
use crate::reconcile::{code, run};
use crate::scripts::{nodes, parse};

const SNAPSHOT: &str = "examples/live/litware-snapshot.json";
const FIXTURES: &[&str] = &[
    "tests/fixtures/live/ps51-wrappers.json",
    "tests/fixtures/live/ps51-utf8-bom.json",
    "examples/live/litware-snapshot-ps51.json",
];

fn at_root(p: &str) -> String {
    root().join(p).display().to_string()
}

fn read(path: &str) -> (pchat::live::Snapshot, pchat::model::DesiredState) {
    let bytes = std::fs::read(root().join(path)).unwrap();
    pchat::live::read(&bytes).unwrap_or_else(|p| panic!("{path}: {p:?}"))
}

/// Every shape Windows PowerShell 5.1 writes reads as the state of the plain file, and plans
/// alike: against no store, and loaded into either backend.
#[test]
fn a_snapshot_in_windows_powershell_shapes_plans_as_the_plain_one() {
    let (plain_snapshot, plain) = read(SNAPSHOT);
    assert!(!plain.rooms.is_empty() && !plain.categories.is_empty());
    for f in FIXTURES {
        let (snapshot, state) = read(f);
        assert_eq!(state, plain, "{f} reads as another state");
        assert_eq!(snapshot.rooms, plain_snapshot.rooms, "{f}");
        let at = &snapshot.collected_at;
        assert!(at.starts_with("2026-11-30T09:00:00"), "{f}: {at}");
    }
    let wrapped = std::fs::read_to_string(root().join(FIXTURES[0])).unwrap();
    assert!(wrapped.contains("\"Count\": 2") && wrapped.contains("\\/Date("));
    // A plan with changes in it: the topology and directory alone prune every room.
    let prune = |live: Option<&str>, t: Option<&TestStore>| -> serde_json::Value {
        let mut args = vec![];
        if let Some(l) = live {
            args.extend(["--live".to_string(), l.to_string()]);
        }
        args.extend([
            at_root("examples/litware/topology.yaml"),
            at_root("examples/litware/directory.yaml"),
            "--prune".into(),
            "all".into(),
            "--format".into(),
            "json".into(),
        ]);
        let mut all = vec!["plan".to_string()];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = match t {
            Some(t) => run(t, &all),
            None => pchat_in(&root(), &all),
        };
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["inputs"] = serde_json::Value::Null;
        v["configDigest"] = serde_json::Value::Null;
        v
    };
    let expected = prune(Some(&at_root(SNAPSHOT)), None);
    assert!(expected["changes"].as_array().unwrap().len() > 20);
    for f in FIXTURES {
        assert_eq!(prune(Some(&at_root(f)), None), expected, "{f}");
    }
    for b in BACKENDS {
        let plain_store = TestStore::new(b);
        code(&plain_store, &["live", "load", &at_root(SNAPSHOT)], 0);
        let from_plain = prune(None, Some(&plain_store));
        assert!(!from_plain["changes"].as_array().unwrap().is_empty());
        for f in FIXTURES {
            let t = TestStore::new(b);
            code(&t, &["live", "load", &at_root(f)], 0);
            let mut got = prune(None, Some(&t));
            got["storeRevision"] = from_plain["storeRevision"].clone();
            assert_eq!(got, from_plain, "{f} on {b:?}");
        }
    }
}

/// A pool whose active servers the service does not report: no active-server change is
/// planned, and the plan says why; on both backends too.
#[test]
fn unknown_active_servers_are_never_planned() {
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut v2 = v.clone();
    // Known but different from git: a change is planned.
    v2["pools"][0]["ActiveServers"] = serde_json::json!(["atl-pchat-001c.litwareinc.com"]);
    let mut unknown = v.clone();
    unknown["pools"][0]["ActiveServers"] = serde_json::Value::Null;
    let dir = tempfile::tempdir().unwrap();
    let (known_file, unknown_file) = (dir.path().join("k.json"), dir.path().join("u.json"));
    std::fs::write(&known_file, v2.to_string()).unwrap();
    std::fs::write(&unknown_file, unknown.to_string()).unwrap();
    let litware = at_root("examples/litware");
    let plan = |file: &std::path::Path| {
        let r = pchat_in(
            dir.path(),
            &["plan", "--live", file.to_str().unwrap(), &litware],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    assert!(plan(&known_file).contains("Set-CsPersistentChatActiveServer"));
    let out = plan(&unknown_file);
    assert!(!out.contains("Set-CsPersistentChatActiveServer"), "{out}");
    assert!(
        out.contains("active servers PersistentChatServer:atl-pchat-001.litwareinc.com activeServers: the service did not report them"),
        "{out}"
    );
    for b in BACKENDS {
        let t = TestStore::new(b);
        code(&t, &["live", "load", unknown_file.to_str().unwrap()], 0);
        let out = code(&t, &["plan", &litware, "--detailed-exitcode"], 0);
        assert!(out.contains("did not report them"), "{out}");
        code(&t, &["drift", &litware], 0);
        // A later snapshot that reports them makes them known again.
        code(&t, &["live", "load", known_file.to_str().unwrap()], 0);
        let out = code(&t, &["plan", &litware, "--detailed-exitcode"], 2);
        assert!(out.contains("Set-CsPersistentChatActiveServer"), "{out}");
    }
}

/// A room the server reports chat content for is not removed without consent: not by a plan
/// against the snapshot, not by `apply` to a store it was loaded into, and no apply script is
/// written for it without `--allow-destroy`.
#[test]
fn rooms_with_chat_content_need_consent_on_the_real_path() {
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rooms = v["rooms"].as_array_mut().unwrap();
    let room = rooms
        .iter_mut()
        .find(|r| r["Name"] == "Help Desk")
        .expect("the example has Help Desk");
    room["ChatContent"] = serde_json::Value::Bool(true);
    let identity = room["Identity"].as_str().unwrap().to_string();
    for b in BACKENDS {
        let t = TestStore::new(b);
        let file = t.dir.path().join("snapshot.json");
        std::fs::write(&file, v.to_string()).unwrap();
        let file = file.to_str().unwrap();
        let prune = [
            at_root("examples/litware/topology.yaml"),
            at_root("examples/litware/directory.yaml"),
        ];
        let out = code(
            &t,
            &[
                "plan", "--live", file, &prune[0], &prune[1], "--prune", "all",
            ],
            0,
        );
        assert!(
            out.contains(&format!("room `{identity}`"))
                && out.contains("destroys its chat content"),
            "{out}"
        );
        code(&t, &["live", "load", file], 0);
        let plan = t.dir.path().join("plan.json");
        let plan = plan.to_str().unwrap();
        let args = [
            "plan", &prune[0], &prune[1], "--prune", "all", "--out", plan,
        ];
        let out = code(&t, &args, 0);
        assert!(out.contains("destroys its chat content"), "{out}");
        let script = t.dir.path().join("apply.ps1");
        let script = script.to_str().unwrap();
        let refused = code(
            &t,
            &[
                "live",
                "apply-script",
                "--plan",
                plan,
                "--out",
                script,
                "--force",
            ],
            3,
        );
        assert!(refused.contains("--allow-destroy"), "{refused}");
        assert!(!std::path::Path::new(script).exists());
        let args = [
            "live",
            "apply-script",
            "--plan",
            plan,
            "--out",
            script,
            "--force",
            "--allow-destroy",
        ];
        code(&t, &args, 0);
        let written = std::fs::read_to_string(script).unwrap();
        assert!(written.contains("Remove-CsPersistentChatRoom"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(script).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the script is written for its owner only");
        }
        // The store apply asks the same consent.
        let out = code(
            &t,
            &[
                "apply", &prune[0], &prune[1], "--prune", "all", "--yes", "--force",
            ],
            3,
        );
        assert!(out.contains("chat content"), "{out}");
    }
}

/// Principals collect.ps1 could not resolve are named in a warning, and the load goes on.
#[test]
fn unresolved_principals_are_warned_about_and_the_load_goes_on() {
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["unresolved"] = serde_json::json!(["sip:gone@litwareinc.com"]);
    let t = TestStore::new(BACKENDS[0]);
    let file = t.dir.path().join("s.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = code(&t, &["live", "load", file.to_str().unwrap()], 0);
    assert!(
        out.contains("Get-CsAdPrincipal did not find 1 principal: sip:gone@litwareinc.com"),
        "{out}"
    );
}

// ---- The scripts as Windows PowerShell reads them ----

/// cp1252 and cp1251 for the bytes 0x80–0xFF (U+FFFD where a code page has no character).
fn decode(bytes: &[u8], page: u16) -> String {
    const CP1252: [u16; 32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ];
    const CP1251: [u16; 64] = [
        0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409,
        0x2039, 0x040A, 0x040C, 0x040B, 0x040F, 0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F, 0x00A0,
        0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB,
        0x00AC, 0x00AD, 0x00AE, 0x0407, 0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6,
        0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    ];
    bytes
        .iter()
        .map(|&b| {
            let u = match (page, b) {
                (_, 0..=0x7F) => u16::from(b),
                (1252, 0x80..=0x9F) => CP1252[usize::from(b - 0x80)],
                (1252, _) => u16::from(b),
                (1251, 0x80..=0xBF) => CP1251[usize::from(b - 0x80)],
                (1251, _) => 0x0410 + u16::from(b - 0xC0),
                _ => unreachable!(),
            };
            char::from_u32(u32::from(u)).unwrap()
        })
        .collect()
}

/// What PowerShell would run: each command's name and its arguments' text, and the value of
/// every string the script holds (sums of literals and `[char]` codes evaluated).
fn reading(src: &str) -> (Vec<String>, Vec<String>) {
    let tree = parse(src);
    let all = nodes(&tree);
    let text = |n: &Node<'_>| n.utf8_text(src.as_bytes()).unwrap().to_string();
    let commands = all
        .iter()
        .filter(|n| n.kind() == "command")
        .map(|n| text(n).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let literals = all
        .iter()
        .filter(|n| n.kind() == "verbatim_string_characters")
        .map(text)
        .collect();
    (commands, literals)
}

/// Names a careless script would mangle in the ANSI code page: bytes 0x82, 0x91, 0x92 of their
/// UTF-8 are typographic quotes in cp1252 and cp1251.
fn names() -> Vec<String> {
    [
        "Caf\u{e9} Z\u{fc}rich",
        "ESPA\u{d1}A",
        "\u{d2}scar \u{c2}ngel \u{d3}",
        "\u{41e}\u{442}\u{434}\u{435}\u{43b} \u{43f}\u{440}\u{43e}\u{434}\u{430}\u{436}",
        "\u{451}\u{436} \u{442}",
        "quote \u{2018}a\u{2019} \u{201a}b\u{201b}'",
        "emoji \u{1F600}",
        "it's; $(Remove-Item C:/x) `x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A configuration whose rooms, categories and principals carry the hostile names.
fn hostile_config(dir: &std::path::Path) -> std::path::PathBuf {
    let mut yaml = String::from(
        "pools:\n  - fqdn: atl-pchat-001.litwareinc.com\nprincipals:\n  - type: User\n    sipAddress: sip:kim@litwareinc.com\n",
    );
    yaml.push_str("categories:\n");
    for (i, n) in names().iter().enumerate() {
        let n = n.replace('\'', "''");
        yaml.push_str(&format!(
            "  - name: 'Cat {i} {n}'\n    description: '{n}'\n    allowedMembers: [sip:kim@litwareinc.com]\n"
        ));
    }
    yaml.push_str("rooms:\n");
    for (i, n) in names().iter().enumerate() {
        let n = n.replace('\'', "''");
        yaml.push_str(&format!(
            "  - name: 'Room {i} {n}'\n    category: 'Cat {i} {n}'\n    description: '{n}'\n    members: [sip:kim@litwareinc.com]\n"
        ));
    }
    let file = dir.join("hostile.yaml");
    std::fs::write(&file, yaml).unwrap();
    file
}

/// Every script pchat writes, as bytes: collect.ps1 (with hostile principals), the apply
/// scripts of a hostile configuration (creations, then changes and removals) and of the litware
/// plans, and `plan --format powershell`.
fn scripts() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(
        "collect.ps1".to_string(),
        pchat::live::script::collect(&names()).into_bytes(),
    )];
    let t = TestStore::new(BACKENDS[0]);
    let config = hostile_config(t.dir.path());
    let config = config.to_str().unwrap();
    let plan = t.dir.path().join("plan.json");
    let plan = plan.to_str().unwrap();
    let script = |label: &str, out: &mut Vec<(String, Vec<u8>)>| {
        code(&t, &["plan", config, "--out", plan], 0);
        let file = t.dir.path().join("apply.ps1");
        let file_s = file.to_str().unwrap();
        let args = [
            "live",
            "apply-script",
            "--plan",
            plan,
            "--out",
            file_s,
            "--force",
            "--allow-destroy",
        ];
        code(&t, &args, 0);
        out.push((label.to_string(), std::fs::read(&file).unwrap()));
    };
    script("apply.ps1 (creations)", &mut out);
    code(&t, &["apply", config, "--yes"], 0);
    // Everything changed: renamed in place is not planned from here, so change descriptions and
    // drop half of the rooms.
    let text = std::fs::read_to_string(config).unwrap();
    let changed = text.replace("description: '", "description: 'new ");
    let cut = changed.find("  - name: 'Room 4").unwrap();
    std::fs::write(config, &changed[..cut]).unwrap();
    script("apply.ps1 (changes, removals)", &mut out);
    let r = run(&t, &["plan", config, "--format", "powershell"]);
    out.push(("plan --format powershell".into(), r.stdout.into_bytes()));
    out
}

#[test]
fn every_script_is_ascii_after_a_byte_order_mark_and_reads_alike_in_every_code_page() {
    for (label, bytes) in scripts() {
        let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") else {
            panic!("{label} has no UTF-8 byte-order mark");
        };
        if let Some(at) = body.iter().position(|b| !b.is_ascii()) {
            panic!("{label}: byte {:#x} at {at} is not ASCII", body[at]);
        }
        let utf8 = std::str::from_utf8(body).unwrap();
        let (commands, literals) = reading(utf8);
        assert!(commands.len() > 10 && literals.len() > 10, "{label}");
        for page in [1252, 1251] {
            let decoded = decode(body, page);
            assert_eq!(
                reading(&decoded),
                (commands.clone(), literals.clone()),
                "{label} in cp{page}"
            );
        }
        // The values are all there, whole.
        if label.contains("creations") || label == "collect.ps1" {
            let src = utf8.to_string();
            for n in names() {
                let expr = pchat::render::powershell::quote(&n);
                assert!(src.contains(&expr), "{label} lacks {expr} for {n:?}");
            }
        }
    }
}

/// The check above can fail: the UTF-8 bytes of a name in a literal read otherwise in cp1252
/// and cp1251 (`Ñ` is C3 91, and 0x91 is U+2018 there, a quote to PowerShell).
#[test]
fn a_utf8_literal_reads_otherwise_in_the_ansi_code_pages() {
    let script = "New-CsPersistentChatRoom -Name 'ESPA\u{d1}A' -Category 'Sales'\n";
    let (_, utf8) = reading(script);
    for page in [1252, 1251] {
        let decoded = decode(script.as_bytes(), page);
        assert!(decoded.contains('\u{2018}'), "cp{page}: {decoded}");
        assert_ne!(reading(&decoded).1, utf8, "cp{page}");
    }
}

// ---- Windows PowerShell 3.0 compatibility, over the syntax tree ----

/// What Windows PowerShell 3.0 cannot run, or runs otherwise, in a script.
fn compat_problems(src: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let body = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    if let Some(c) = body.chars().find(|c| !c.is_ascii()) {
        problems.push(format!(
            "non-ASCII character {c:?} (read in the ANSI code page)"
        ));
    }
    let tree = parse(body);
    let all = nodes(&tree);
    let text = |n: &Node<'_>| n.utf8_text(body.as_bytes()).unwrap().to_string();
    // The code outside strings and comments.
    let mut code = body.as_bytes().to_vec();
    for n in &all {
        if matches!(
            n.kind(),
            "comment"
                | "verbatim_string_characters"
                | "expandable_string_literal"
                | "verbatim_here_string_characters"
                | "expandable_here_string_literal"
        ) {
            for b in &mut code[n.start_byte()..n.end_byte()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
    }
    let code = String::from_utf8(code).unwrap();
    for token in ["??", "?.", "&&", "||", "::new(", ".ForEach(", ".Where("] {
        if code.contains(token) {
            problems.push(format!("`{token}` is PowerShell 4.0+ or 7 syntax"));
        }
    }
    for line in code.lines() {
        let first = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if first == "class" || first == "enum" {
            problems.push(format!("`{first}` needs PowerShell 5.0"));
        }
    }
    let lower = code.to_ascii_lowercase();
    for word in [
        "-ashashtable",
        "-asarray",
        "-enumsasstrings",
        "-nonewline",
        "-additionalchildpath",
        "-parallel",
        "utf8nobom",
        "get-filehash",
        "new-temporaryfile",
        "write-information",
        "$iswindows",
        "$islinux",
        "$ismacos",
    ] {
        if lower.contains(word) {
            problems.push(format!("`{word}` is not in Windows PowerShell 3.0"));
        }
    }
    // Windows PowerShell leaves these empty while an advanced script binds its parameters.
    for n in all.iter().filter(|n| n.kind() == "param_block") {
        let t = text(n).to_ascii_lowercase();
        for v in ["$psscriptroot", "$pscommandpath", "$myinvocation"] {
            if t.contains(v) {
                problems.push(format!(
                    "{v} in a parameter default is empty in Windows PowerShell"
                ));
            }
        }
    }
    // .NET file calls resolve a relative path against the process's directory.
    for api in [
        "io.file]::",
        "io.streamwriter",
        "io.streamreader",
        "io.directory]::",
    ] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(api) {
            let at = from + at;
            from = at + api.len();
            let rest = &code[from..];
            let arg = rest
                .split_once('(')
                .map(|(_, a)| a.trim_start())
                .unwrap_or_default();
            let var: String = arg
                .chars()
                .take_while(|c| *c == '$' || c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let resolved = var.len() > 1
                && code.contains(&format!(
                    "{var} = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath("
                ));
            if !resolved {
                problems.push(format!(
                    "a .NET file call on `{}` not made absolute from PowerShell's location",
                    arg.chars().take(30).collect::<String>()
                ));
            }
        }
    }
    // Windows PowerShell's ConvertTo-Json writes a calculated property's array as
    // {"value":[...],"Count":n} and such a property swallows errors.
    if lower.contains("convertto-json") {
        for n in all.iter().filter(|n| n.kind() == "command") {
            let t = text(n);
            let name = t
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if (name == "select-object" || name == "select")
                && (t.contains("Expression") || t.contains("@{"))
            {
                problems.push("a calculated property (Select-Object) feeds ConvertTo-Json".into());
            }
            if name == "convertto-json" && !t.contains("-InputObject") {
                problems
                    .push("ConvertTo-Json fed by the pipeline unrolls one-element lists".into());
            }
        }
    }
    problems
}

#[test]
fn every_script_pchat_writes_passes_the_windows_powershell_3_check() {
    for (label, bytes) in scripts() {
        let src = String::from_utf8(bytes).unwrap();
        let problems = compat_problems(&src);
        assert!(problems.is_empty(), "{label}: {problems:#?}");
    }
}

#[test]
fn each_compatibility_rule_fails_on_a_script_that_breaks_it() {
    let bad = [
        ("$x = $a ?? 'b'\n", "`??`"),
        ("if ($a) { 'x' } && 'y'\n", "`&&`"),
        ("$l = [System.Collections.Generic.List[string]]::new()\n", "`::new(`"),
        ("$a.ForEach({ $_ })\n", "`.ForEach(`"),
        ("class Room { [string]$Name }\n", "`class`"),
        ("$o = Get-Content x.json -Raw | ConvertFrom-Json -AsHashtable\n", "-ashashtable"),
        ("Set-Content -Path x -Value y -Encoding utf8NoBOM\n", "utf8nobom"),
        ("Write-Host 'x' -NoNewline\n", "-nonewline"),
        ("$h = Get-FileHash x\n", "get-filehash"),
        (
            "[CmdletBinding()]\nparam([string]$Journal = (Join-Path -Path $PSScriptRoot -ChildPath 'j'))\n",
            "$psscriptroot",
        ),
        (
            "param([string]$Out = 'x.json')\n[System.IO.File]::WriteAllText($Out, 'x')\n",
            "not made absolute",
        ),
        (
            "$s = Get-Thing | Select-Object -Property @{ Name = 'M'; Expression = { , @($_.M) } }\n$j = ConvertTo-Json -InputObject $s -Depth 5\n",
            "calculated property",
        ),
        ("$j = $rooms | ConvertTo-Json -Depth 5\n", "fed by the pipeline"),
        ("New-CsPersistentChatRoom -Name 'ESPA\u{d1}A'\n", "non-ASCII"),
    ];
    for (script, says) in bad {
        let problems = compat_problems(script);
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{script:?} should be refused for {says}: {problems:?}"
        );
    }
    // The same script made right passes.
    let good = "[CmdletBinding()]\nparam([string]$Out = 'x.json')\n\
                $OutPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Out)\n\
                [System.IO.File]::WriteAllText($OutPath, 'x')\n";
    assert_eq!(compat_problems(good), Vec::<String>::new());
}

// ---- collect.ps1: no property is ever guessed ----

/// collect.ps1 reads every property through `Read-Property` (which stops, naming the cmdlet
/// and the property, when it is missing), writes exactly the properties the reader requires,
/// and never builds an object with Select-Object.
#[test]
fn collect_reads_each_property_it_writes_and_stops_on_a_missing_one() {
    let script = pchat::live::script::collect(&[]);
    assert!(
        !script.contains("Select-Object"),
        "no calculated properties"
    );
    assert!(script.contains(
        "throw \"pchat: $Cmdlet returned an object without the property '$Name'; nothing was written\""
    ));
    // What the reader expects of each kind, from the snapshot types themselves.
    let example: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    for (key, cmdlet, props) in pchat::live::script::properties() {
        let object = example[key]
            .as_array()
            .and_then(|a| a.first())
            .unwrap_or_else(|| panic!("the example has no {key}"));
        let mut expected: Vec<&str> = object
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        expected.retain(|k| *k != "ChatContent");
        let mut written = props.clone();
        written.sort();
        expected.sort();
        assert_eq!(written, expected, "{key}: what collect.ps1 writes");
        for p in props {
            let read = [
                format!("(Read-Property $o '{cmdlet}' '{p}')"),
                format!("Set-Text $h '{p}' $o '{cmdlet}'"),
                format!("Set-List $h '{p}' $o '{cmdlet}'"),
            ];
            assert!(
                read.iter().any(|r| script.contains(r.as_str())),
                "{cmdlet}.{p} is not read through Read-Property"
            );
        }
    }
    // Every value in it is assigned, never piped, into its dictionary.
    for line in script.lines() {
        if line.contains("$h['") && line.contains(" = ") {
            assert!(!line.contains('|'), "{line}");
        }
    }
    // A principal the directory lacks is listed, never an error that ends the collection
    // (`Get-CsAdPrincipal -Identity` throws on one); names go a batch a query.
    assert!(!script.contains("Get-CsAdPrincipal -Identity"));
    assert!(script.contains("Get-CsAdPrincipal -LDAPFilter $filter"));
    assert!(script.contains("$snapshot['unresolved'] = $unresolved"));
    // The snapshot lands where PowerShell is.
    assert!(script.contains(
        "$OutPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Out)"
    ));
    assert!(script.contains("[System.IO.File]::WriteAllText($OutPath,"));
}

/// collect.ps1 keeps `$null` (`Set-Text`) exactly where the snapshot reader takes `null`, and
/// writes text (`[string]`, which turns `$null` into "") where it does not: the read types it
/// derives from the kind descriptions agree with the reader's own types (`live.schema.json`).
#[test]
fn collect_keeps_null_exactly_where_the_reader_takes_it() {
    let script = pchat::live::script::collect(&[]);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/live.schema.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for (key, cmdlet, props) in pchat::live::script::properties() {
        let item = schema["properties"][key]["items"]["$ref"].as_str().unwrap();
        let def = &schema["$defs"][item.trim_start_matches("#/$defs/")]["properties"];
        for p in props {
            let ty = &def[p]["type"];
            let nullable = ty.as_array().is_some_and(|t| t.iter().any(|t| t == "null"));
            let as_text = script.contains(&format!("Set-Text $h '{p}' $o '{cmdlet}'"));
            let as_string = script.contains(&format!(
                "$h['{p}'] = [string](Read-Property $o '{cmdlet}' '{p}')"
            ));
            if nullable {
                assert!(
                    as_text,
                    "{key}.{p}: the reader takes null, the script must keep it"
                );
                checked += 1;
            } else if ty == "string" {
                assert!(as_string && !as_text, "{key}.{p}: the reader takes no null");
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} text properties checked");
}

// ---- apply.ps1 ----

/// Each apply script carries its plan's digest, and a journal line of another plan stops it
/// before anything runs; operations are numbered with their own digests.
#[test]
fn a_journal_belongs_to_its_plan() {
    let all = scripts();
    let digest = |s: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix("$PlanDigest = '"))
            .map(|d| d.trim_end_matches('\'').to_string())
            .expect("a plan digest")
    };
    let first = String::from_utf8(all[1].1.clone()).unwrap();
    let second = String::from_utf8(all[2].1.clone()).unwrap();
    assert!(digest(&first).starts_with("sha256:") && digest(&first).len() == 71);
    assert_ne!(digest(&first), digest(&second), "two plans, two digests");
    for s in [&first, &second] {
        assert!(s.contains("if ($plan -cne $PlanDigest) {"));
        assert!(s.contains("-cne [string]$OpDigest[$index]"));
        assert!(s.contains(
            "$entry = [ordered]@{ plan = $PlanDigest; index = $Index; op = $OpDigest[$Index]"
        ));
        // The journal's default is filled in the body, not in the param block.
        let param = &s[s.find("param(").unwrap()..s.find(")\n$ErrorActionPreference").unwrap()];
        assert!(!param.contains("PSScriptRoot"), "{param}");
        assert!(s.contains("$here = $PSScriptRoot"));
        // Every operation has its digest and, but for resets of a global setting, an
        // after-image the resume checks.
        let ops = s.matches("Add-Journal ").count() - 1;
        let digests = s.matches("$OpDigest[").count() - 2;
        assert_eq!(ops, digests, "one digest an operation");
        assert!(s.matches("$After[").count() >= ops);
        assert!(s.contains("pchat: resuming: "));
    }
}

fn script_of(t: &TestStore, config: &str) -> String {
    let plan = t.dir.path().join("p.json");
    let plan = plan.to_str().unwrap();
    code(t, &["plan", config, "--out", plan], 0);
    code(t, &["live", "apply-script", "--plan", plan, "--force"], 0)
}

/// A grant's before-image is the user's policy, not "the user exists"; active servers are
/// checked through the pool's service before they are set.
#[test]
fn before_images_fit_each_kind() {
    let t = TestStore::new(BACKENDS[0]);
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["policyGrants"] = serde_json::json!([]);
    v["pools"][0]["ActiveServers"] = serde_json::json!(["atl-pchat-001c.litwareinc.com"]);
    let file = t.dir.path().join("s.json");
    std::fs::write(&file, v.to_string()).unwrap();
    code(&t, &["live", "load", file.to_str().unwrap()], 0);
    let script = script_of(&t, &at_root("examples/litware"));
    assert!(
        script.contains("Grant-CsPersistentChatPolicy"),
        "the example grants policies"
    );
    assert!(
        !script.contains("user sip:") || !script.contains("exists already'"),
        "{script}"
    );
    let grant = script
        .lines()
        .position(|l| {
            l.trim_start()
                .starts_with("$o = (Find-Object { Get-CsUser -Identity")
        })
        .expect("a grant's before-image");
    let lines: Vec<&str> = script.lines().collect();
    assert!(
        lines[grant + 2].contains("Test-Same (Get-Property $o 'PersistentChatPolicy') $null"),
        "{}",
        lines[grant + 2]
    );
    assert!(script.contains("$o = (Find-Pool 'atl-pchat-001.litwareinc.com')"));
    assert!(script.contains("$o.PSObject.Properties['ActiveServers']"));
    assert!(script.contains(
        "Test-List (Get-Property $o 'ActiveServers') @('atl-pchat-001c.litwareinc.com')"
    ));
}

/// A category's `-Invitations` is its output's `Invites` (as the kind description says): the
/// before- and after-images of a change of it read that property, which the object has.
#[test]
fn images_read_a_property_under_its_output_name() {
    let t = TestStore::new(BACKENDS[0]);
    let config = |invitations: bool| {
        format!(
            "pools:\n  - fqdn: chat.example.com\ncategories:\n  - name: General\n    \
             persistentChatPoolFqdn: chat.example.com\n    invitations: {invitations}\n"
        )
    };
    let file = t.dir.path().join("c.yaml");
    std::fs::write(&file, config(false)).unwrap();
    let file = file.to_str().unwrap();
    code(&t, &["apply", file, "--yes"], 0);
    std::fs::write(file, config(true)).unwrap();
    let script = script_of(&t, file);
    assert!(script.contains("Set-CsPersistentChatCategory"), "{script}");
    assert!(
        script.contains("Test-Same (Get-Property $o 'Invites') $False"),
        "before-image: {script}"
    );
    assert!(
        script.contains("Test-Same (Get-Property $o 'Invites') $True"),
        "after-image: {script}"
    );
    assert!(
        !script.contains("Get-Property $o 'Invitations'"),
        "{script}"
    );
}

/// Under `-WhatIf` nothing is created, so a call on an object whose creation was only
/// described (its own lists, a room in a new category) is described too.
#[test]
fn whatif_describes_calls_on_objects_it_did_not_create() {
    let t = TestStore::new(BACKENDS[0]);
    let script = script_of(&t, &at_root("examples/litware"));
    let statements: Vec<&str> = script.lines().map(str::trim).collect();
    let described = |call: &str| {
        statements
            .iter()
            .find(|l| l.contains(call) && !l.starts_with("$OpName"))
            .unwrap_or_else(|| panic!("no {call}"))
            .starts_with("if ($WhatIf) { Write-Host ")
    };
    // A new room's members are set on a room -WhatIf did not make.
    assert!(described("Set-CsPersistentChatRoom -Identity"));
    assert!(described("New-CsPersistentChatRoom -Name"));
    assert!(described("Set-CsPersistentChatCategory -Identity"));
    // A policy's New- has -WhatIf of its own: it passes through.
    let new_policy = statements
        .iter()
        .find(|l| l.starts_with("New-CsPersistentChatPolicy"))
        .expect("the example creates policies");
    assert!(new_policy.ends_with("-WhatIf:$WhatIf"), "{new_policy}");
    // A grant of a policy the plan creates is described too.
    assert!(described("Grant-CsPersistentChatPolicy -Identity"));
}

/// The README's loop, run line by line as printed, with a second store standing in for the
/// server: what `collect.ps1` would write is that store's snapshot, and what `apply.ps1` runs
/// is the plan's operations (the store's apply of the same configuration).
#[test]
fn the_readme_loop_runs_as_printed() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Managing a real server").unwrap()..];
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    for b in BACKENDS {
        let (t, server) = (TestStore::new(b), TestStore::new(b));
        let config = t.dir.path().join("config");
        for f in pchat::config::collect_files(&[root().join("examples/litware")]).unwrap() {
            let rel = f.strip_prefix(root().join("examples/litware")).unwrap();
            std::fs::create_dir_all(config.join(rel).parent().unwrap()).unwrap();
            std::fs::copy(&f, config.join(rel)).unwrap();
        }
        // The server drifted from git: a room opened up.
        let text = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
        let drifted = text.replacen("\"Privacy\": \"Secret\"", "\"Privacy\": \"Open\"", 1);
        let start = server.dir.path().join("start.json");
        std::fs::write(&start, drifted).unwrap();
        code(&server, &["live", "load", start.to_str().unwrap()], 0);
        let collect = |t: &TestStore| {
            let snapshot = code(&server, &["live", "snapshot", "--from-store"], 0);
            std::fs::write(t.dir.path().join("snapshot.json"), snapshot).unwrap();
        };
        let mut ran = 0;
        for line in block.lines() {
            let line = line.trim();
            if line.contains(".\\collect.ps1") || line.contains("collect again") {
                collect(&t);
                continue;
            }
            if line.contains(".\\apply.ps1") {
                let script = std::fs::read(t.dir.path().join("apply.ps1")).unwrap();
                assert!(script.starts_with(b"\xEF\xBB\xBF") && script[3..].is_ascii());
                let script = String::from_utf8(script).unwrap();
                assert!(script.contains("Set-CsPersistentChatRoom"), "{script}");
                code(&server, &["apply", config.to_str().unwrap(), "--yes"], 0);
                continue;
            }
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let command = line.split(" # ").next().unwrap();
            for part in command.split("&&") {
                let words: Vec<&str> = part.split_whitespace().collect();
                assert_eq!(words[0], "pchat", "{line}");
                code(&t, &words[1..], 0);
                ran += 1;
            }
        }
        assert_eq!(ran, 6, "the README's loop has six pchat commands");
        let collected = std::fs::read(t.dir.path().join("collect.ps1")).unwrap();
        assert!(collected.starts_with(b"\xEF\xBB\xBF"));
        #[cfg(unix)]
        for script in ["collect.ps1", "apply.ps1"] {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(t.dir.path().join(script)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{script}");
        }
        // The loop is closed: nothing left to do.
        code(&t, &["plan", "config", "--detailed-exitcode"], 0);
    }
}
