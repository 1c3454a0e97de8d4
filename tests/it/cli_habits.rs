//! The habits administrators and CI bring (issue 11): every listed object carries its identity
//! first, completions and man pages generate, the CI templates and the pre-commit hook call
//! commands that exist, logs can be JSON lines, and long operations show progress on a
//! terminal only.

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{assert_snapshot, root};
use crate::reconcile::{code, run};

fn litware() -> String {
    root().join("examples/litware").display().to_string()
}

/// Every command that lists objects, one per kind (and the lists that are not kinds).
const LISTS: &[&[&str]] = &[
    &["pool", "get"],
    &["principal", "get"],
    &["category", "get"],
    &["addin", "get"],
    &["room", "get"],
    &["policy", "get"],
    &["principal", "policy"],
    &["compliance", "get"],
    &["configuration", "get"],
    &["endpoint", "get"],
    &["state", "get"],
    &["active-server", "get"],
    &[
        "principal",
        "eligible",
        "--category",
        "atl-pchat-001.litwareinc.com\\Sales",
    ],
    &[
        "message",
        "get",
        "--room",
        "atl-pchat-001.litwareinc.com\\Board Briefings",
    ],
    &["history"],
];

#[test]
fn every_listed_object_carries_its_identity_first() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        code(&t, &["apply", &litware(), "--yes"], 0);
        code(
            &t,
            &[
                "message",
                "post",
                "--room",
                "atl-pchat-001.litwareinc.com\\Board Briefings",
                "--from",
                "sip:ken@litwareinc.com",
                "Q3 numbers are in",
            ],
            0,
        );
        let mut tables = String::new();
        for list in LISTS {
            let table = code(&t, list, 0);
            let header = table.lines().next().unwrap_or_default();
            assert!(header.starts_with("Identity "), "{list:?}:\n{table}");
            if !matches!(list[0], "history" | "message") {
                // The history and messages hold times and revisions of this run.
                tables.push_str(&format!("$ pchat {}\n{table}\n", list.join(" ")));
            }
            for format in ["json", "yaml"] {
                let mut args = list.to_vec();
                args.extend(["--format", format]);
                let text = code(&t, &args, 0);
                // The first key of every object, read from the text: a parsed map would not
                // keep the order.
                let first_keys: Vec<&str> = text
                    .lines()
                    .filter_map(|l| match format {
                        "json" => l.strip_prefix("  {").map(|_| ""),
                        _ => l.strip_prefix("- "),
                    })
                    .collect();
                assert!(!first_keys.is_empty(), "{args:?}:\n{text}");
                if format == "yaml" {
                    for k in &first_keys {
                        assert!(k.starts_with("identity: "), "{args:?}:\n{text}");
                    }
                } else {
                    let objects: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
                    let lines: Vec<&str> = text.lines().collect();
                    for (i, l) in lines.iter().enumerate() {
                        if *l == "  {" {
                            assert!(
                                lines[i + 1].starts_with("    \"identity\": "),
                                "{args:?}:\n{text}"
                            );
                        }
                    }
                    assert!(
                        objects.iter().all(|o| o["identity"].is_string()),
                        "{args:?}:\n{text}"
                    );
                }
            }
        }
        if b == BACKENDS[0] {
            assert_snapshot(&root().join("tests/it/snapshots/litware.get.txt"), &tables);
        }
    }
}

#[test]
fn bash_completes_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let script = crate::common::pchat_in(dir.path(), &["completions", "bash"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    let file = dir.path().join("pchat.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // Bash itself loads the script and answers two completions, as it would at a prompt.
    let probe = format!(
        r#"source '{}'
COMP_WORDS=(pchat room s); COMP_CWORD=2; _pchat pchat s room; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(pchat room set --pri); COMP_CWORD=3; _pchat pchat --pri set; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(pchat compl); COMP_CWORD=1; _pchat pchat compl pchat; echo "${{COMPREPLY[*]}}""#,
        file.display()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "set\n--privacy\ncompletions compliance\n"
    );
}

#[test]
fn every_shell_gets_a_completion_script() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("zsh", "#compdef pchat"),
        ("fish", "complete -c pchat"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[pchat]"),
    ] {
        let r = crate::common::pchat_in(dir.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}:\n{}", r.stdout);
        // Deep commands and their flags are in every script.
        assert!(r.stdout.contains("allow-destroy"), "{shell}");
    }
    let r = crate::common::pchat_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("possible values: bash"), "{}", r.stderr);
}

#[test]
fn man_pages_cover_every_command() {
    use clap::CommandFactory;
    fn names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let name = format!("{prefix}{}", cmd.get_name());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            names(sub, &format!("{name}-"), out);
        }
        out.push(name);
    }
    let mut expected = Vec::new();
    names(&pchat::cli::Cli::command(), "", &mut expected);
    expected.sort();
    let dir = tempfile::tempdir().unwrap();
    let r = crate::common::pchat_in(dir.path(), &["man", "--out", "share/man/man1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(&format!(
            "wrote {} man pages to share/man/man1",
            expected.len()
        )),
        "{}",
        r.stdout
    );
    let pages = dir.path().join("share/man/man1");
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".1").unwrap().to_string()
        })
        .collect();
    written.sort();
    assert_eq!(written, expected);
    let room_set = std::fs::read_to_string(pages.join("pchat-room-set.1")).unwrap();
    assert!(room_set.starts_with(".ie"), "{room_set}");
    assert!(
        room_set.contains(&format!(
            ".TH pchat-room-set 1  \"pchat {}\" \"pchat Manual\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{room_set}"
    );
    assert!(
        room_set.contains("Set\\-CsPersistentChatRoom"),
        "{room_set}"
    );
    assert!(room_set.contains("\\-\\-privacy"), "{room_set}");
    // A path that cannot be a directory is a clear error.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let r = crate::common::pchat_in(dir.path(), &["man", "--out", "file/man1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("error: cannot write file/man1"),
        "{}",
        r.stderr
    );
}

/// Refusals end with the command that fixes them, where one exists.
#[test]
fn refusals_end_with_the_command_that_fixes_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = "pools:\n  - fqdn: p1.example.com\ncategories:\n  - name: Eng\n    \
                  allowedMembers: [sip:kim@example.com]\nprincipals:\n  - type: User\n    \
                  sipAddress: sip:kim@example.com\nrooms:\n  - name: Build Breakers\n    \
                  category: Eng\n    members: [sip:kim@example.com]\n";
    std::fs::write(dir.path().join("with-room.yaml"), config).unwrap();
    let without = &config[..config.find("rooms:").unwrap()];
    std::fs::write(dir.path().join("without-room.yaml"), without).unwrap();
    let steps: &[(&[&str], i32)] = &[
        (
            &[
                "--new-store",
                "category",
                "new",
                "--name",
                "Eng",
                "--persistent-chat-pool-fqdn",
                "p0.example.com",
            ],
            1,
        ),
        (&["apply", "with-room.yaml", "--yes"], 0),
        (
            &[
                "category",
                "new",
                "--name",
                "Eng",
                "--persistent-chat-pool-fqdn",
                "p1.example.com",
            ],
            1,
        ),
        (
            &[
                "room",
                "set",
                "--identity",
                "p1.example.com\\Sales Leads",
                "--description",
                "x",
            ],
            1,
        ),
        (
            &["addin", "remove", "--identity", "p1.example.com\\Ticker"],
            1,
        ),
        (
            &[
                "policy",
                "set",
                "--identity",
                "tag:Traders",
                "--enable-persistent-chat",
                "true",
            ],
            1,
        ),
        (
            &[
                "compliance",
                "set",
                "--identity",
                "site:Dublin",
                "--add-user-details",
                "true",
            ],
            1,
        ),
        (
            &["endpoint", "new", "--sip-address", "sip:chat@example.com"],
            0,
        ),
        (
            &["endpoint", "new", "--sip-address", "sip:chat@example.com"],
            1,
        ),
        (
            &[
                "message",
                "post",
                "--room",
                "p1.example.com\\Sales",
                "--from",
                "sip:kim@example.com",
                "hi",
            ],
            1,
        ),
        (
            &[
                "message",
                "post",
                "--room",
                "p1.example.com\\Build Breakers",
                "--from",
                "sip:kim@example.com",
                "hi",
            ],
            0,
        ),
        (&["apply", "without-room.yaml", "--yes"], 3),
    ];
    let mut transcript = String::new();
    for (args, expected) in steps {
        let r = crate::common::pchat_in(dir.path(), args);
        assert_eq!(r.code, *expected, "{args:?}: {}{}", r.stdout, r.stderr);
        if *expected != 0 {
            let shown: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
            transcript.push_str(&format!("$ pchat {}\n{}\n", shown.join(" "), r.stderr));
            let last = r.stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("  help: ") && last.ends_with('`'),
                "{last}"
            );
        }
    }
    assert_snapshot(&root().join("tests/it/snapshots/refusals.txt"), &transcript);
}

fn shell_word(a: &str) -> String {
    if a.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c))
    {
        a.to_string()
    } else {
        format!("'{a}'")
    }
}

/// Splits a shell script into simple commands the way sh would, as far as the templates need:
/// quotes and backslash continuations; newlines, `;`, `&&`, `||`, `|` and `)` end a command;
/// redirections are dropped; `$VAR` and `$(…)` stay in their word unexpanded.
fn shell_commands(script: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut skip_target = false;
    let mut chars = script.chars().peekable();
    let end_word = |word: &mut Option<String>, words: &mut Vec<String>, skip: &mut bool| {
        if let Some(w) = word.take() {
            if std::mem::take(skip) {
                return;
            }
            words.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(e) => word.get_or_insert_default().push(e),
            },
            '\'' => {
                let w = word.get_or_insert_default();
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_default();
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        _ => w.push(q),
                    }
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                let w = word.get_or_insert_default();
                w.push('$');
                let mut depth = 0;
                for q in chars.by_ref() {
                    w.push(q);
                    match q {
                        '(' => depth += 1,
                        ')' if depth == 1 => break,
                        ')' => depth -= 1,
                        _ => {}
                    }
                }
            }
            '#' if word.is_none() => {
                for q in chars.by_ref() {
                    if q == '\n' {
                        break;
                    }
                }
                end_word(&mut word, &mut words, &mut skip_target);
                commands.push(std::mem::take(&mut words));
            }
            '>' | '<' => {
                // `2>` drops the descriptor, `2>&1` has no target word.
                if word
                    .as_deref()
                    .is_some_and(|w| w.chars().all(|d| d.is_ascii_digit()))
                {
                    word = None;
                }
                end_word(&mut word, &mut words, &mut skip_target);
                if chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    skip_target = true;
                }
            }
            ' ' | '\t' => end_word(&mut word, &mut words, &mut skip_target),
            '\n' | ';' | '|' | '&' | ')' => {
                end_word(&mut word, &mut words, &mut skip_target);
                commands.push(std::mem::take(&mut words));
            }
            _ => word.get_or_insert_default().push(c),
        }
    }
    end_word(&mut word, &mut words, &mut skip_target);
    commands.push(words);
    commands
        .into_iter()
        .map(|mut c| {
            // `NAME=value cmd …` runs cmd.
            while c.first().is_some_and(|w| {
                w.split_once('=').is_some_and(|(n, _)| {
                    !n.is_empty() && n.chars().all(|x| x.is_ascii_alphanumeric() || x == '_')
                })
            }) {
                c.remove(0);
            }
            c
        })
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn the_shell_splitter_reads_what_the_templates_write() {
    let got = shell_commands(
        "set +e\npchat plan \"$CONFIG\" --out plan.json \\\n  --format markdown > plan.md 2>&1\n\
         code=$?; if [ \"$code\" -ne 0 ]; then exit 1; fi # done\n\
         X=1 pchat apply --plan \"$(Pipeline.Workspace)/p.json\" --actor 'A B'|| true",
    );
    let pchat: Vec<&Vec<String>> = got.iter().filter(|c| c[0] == "pchat").collect();
    assert_eq!(
        pchat,
        [
            &[
                "pchat",
                "plan",
                "$CONFIG",
                "--out",
                "plan.json",
                "--format",
                "markdown"
            ]
            .map(String::from)
            .to_vec(),
            &[
                "pchat",
                "apply",
                "--plan",
                "$(Pipeline.Workspace)/p.json",
                "--actor",
                "A B"
            ]
            .map(String::from)
            .to_vec(),
        ]
    );
    assert!(
        got.contains(&vec!["then".into(), "exit".into(), "1".into()]),
        "{got:?}"
    );
}

/// The shell scripts of a CI file: every string (or list of strings) under a key that holds
/// commands in GitHub Actions (`run`), GitLab CI (`script`, `before_script`, `after_script`)
/// or Azure Pipelines (`script`, `bash`).
fn scripts(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or_default();
                if [
                    "run",
                    "script",
                    "before_script",
                    "after_script",
                    "bash",
                    "powershell",
                ]
                .contains(&key)
                {
                    match v {
                        serde_yaml::Value::String(s) => out.push(s.clone()),
                        serde_yaml::Value::Sequence(items) => {
                            out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
                        }
                        _ => {}
                    }
                } else {
                    scripts(v, out);
                }
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| scripts(i, out)),
        _ => {}
    }
}

/// The steps of the real loop a job's scripts take, in order: each pchat command (parsed by
/// pchat's own parser; `cmd /c "…"`, which the Windows templates use to keep pchat's bytes, is
/// read inside), and collect.ps1 or apply.ps1 run on the server.
fn loop_steps(file: &std::path::Path, scripts: &[String]) -> Vec<String> {
    let mut steps = Vec::new();
    for script in scripts {
        for mut words in shell_commands(script) {
            if words.len() > 2 && words[0] == "cmd" && words[1] == "/c" {
                words = shell_commands(&words[2]).remove(0);
            }
            if words[0] == "pchat" {
                if let Err(e) = pchat::cli::command().try_get_matches_from(&words) {
                    panic!("{}: `{}`:\n{}", file.display(), words.join(" "), e.render());
                }
                steps.push(match words[1].as_str() {
                    "live" => format!("live {}", words[2]),
                    other => other.to_string(),
                });
            } else if words[0] == "powershell" {
                for (script, step) in [("collect.ps1", "collect"), ("apply.ps1", "apply.ps1")] {
                    if words.iter().any(|w| w == script) {
                        steps.push(step.to_string());
                    }
                }
            }
        }
    }
    steps
}

/// The real-loop templates (a self-hosted Windows runner with the Management Shell): on a
/// change, collect → load → plan; on a merge, behind an approval, collect → load → plan →
/// apply.ps1 → collect → load → drift; on a schedule, collect → load → plan, in a group of its
/// own, keeping one issue. pchat is installed at one version, checked by SHA-256.
#[test]
fn ci_templates_drive_the_real_server_in_loop_order() {
    let dir = root().join("examples/ci");
    let check = ["live script", "collect", "live load", "plan"];
    let mut merge: Vec<&str> = check.to_vec();
    merge.extend([
        "live apply-script",
        "apply.ps1",
        "collect",
        "live load",
        "drift",
    ]);
    for name in ["github-actions.yml", "gitlab-ci.yml", "azure-pipelines.yml"] {
        let file = dir.join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let jobs: Vec<(String, Vec<String>)> = match name {
            "github-actions.yml" => doc["jobs"]
                .as_mapping()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let mut s = Vec::new();
                    scripts(v, &mut s);
                    (k.as_str().unwrap().to_string(), s)
                })
                .collect(),
            "gitlab-ci.yml" => {
                let mut before = Vec::new();
                scripts(&doc["default"], &mut before);
                doc.as_mapping()
                    .unwrap()
                    .iter()
                    .filter(|(_, v)| v.get("script").is_some())
                    .map(|(k, v)| {
                        let mut s = before.clone();
                        scripts(v, &mut s);
                        (k.as_str().unwrap().to_string(), s)
                    })
                    .collect()
            }
            _ => doc["stages"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|stage| {
                    let mut s = Vec::new();
                    scripts(&stage["jobs"], &mut s);
                    (stage["stage"].as_str().unwrap().to_string(), s)
                })
                .collect(),
        };
        let mut seen: Vec<(String, Vec<String>)> = jobs
            .iter()
            .map(|(job, s)| (job.clone(), loop_steps(&file, s)))
            .collect();
        seen.sort();
        let names: Vec<&str> = seen.iter().map(|(j, _)| j.as_str()).collect();
        assert_eq!(names, ["apply", "drift", "plan"], "{name}");
        assert_eq!(seen[0].1, merge, "{name}: the merge job");
        assert_eq!(seen[1].1, check, "{name}: the drift job");
        assert_eq!(seen[2].1, check, "{name}: the pull-request job");
        // An approval before the apply; one issue kept for drift; the install pinned.
        assert!(text.contains("environment: production"), "{name}");
        assert!(text.contains("pchat-drift"), "{name}");
        assert!(text.contains("--detailed-exitcode"), "{name}");
        assert!(
            text.contains("PCHAT_SHA256") && text.contains("Security.Cryptography.SHA256"),
            "{name}"
        );
        // Windows PowerShell 3.0 has neither Get-FileHash (4.0) nor Expand-Archive (5.0).
        assert!(
            !text.contains("Get-FileHash") && !text.contains("Expand-Archive"),
            "{name}"
        );
        assert!(
            !text.contains("issue create --title") || text.contains("issue edit"),
            "{name}"
        );
        // Windows PowerShell reads `?` as part of a variable's name: `"$api?x"` is `${api?x}`.
        for (i, _) in text.match_indices('$') {
            let escaped = i > 0 && text.as_bytes()[i - 1] == b'`';
            let name: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let next = text[i + 1 + name.len()..].chars().next();
            assert!(
                escaped || name.is_empty() || next != Some('?'),
                "{name}: `${name}?` reads as one variable"
            );
        }
    }
    // The drift job's group is its own.
    let gh: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("github-actions.yml")).unwrap())
            .unwrap();
    assert_eq!(
        gh["jobs"]["drift"]["concurrency"]["group"].as_str(),
        Some("pchat-drift")
    );
    assert!(
        gh.get("concurrency").is_none(),
        "no workflow-wide group to share"
    );
    let gl_text = std::fs::read_to_string(dir.join("gitlab-ci.yml")).unwrap();
    let gl: serde_yaml::Value = serde_yaml::from_str(&gl_text).unwrap();
    // GitLab gives protected variables to no merge-request pipeline: the store must not be one.
    for text in [
        &gl_text,
        &std::fs::read_to_string(dir.join("simulation/gitlab-ci.yml")).unwrap(),
    ] {
        assert!(text.contains("NOT protected"), "{text}");
        assert!(!text.contains("PCHAT_STORE (masked, protected)"));
    }
    assert_eq!(gl["drift"]["resource_group"].as_str(), Some("pchat-drift"));
    // Releases: Linux and Windows, from the lock file, each with its SHA-256.
    let release = std::fs::read_to_string(dir.join("release-github-actions.yml")).unwrap();
    serde_yaml::from_str::<serde_yaml::Value>(&release).unwrap();
    for needed in [
        "x86_64-pc-windows-msvc",
        "x86_64-unknown-linux-gnu",
        "--locked",
        "sha256sum",
    ] {
        assert!(release.contains(needed), "release: {needed}");
    }
}

/// The simulation templates (pchat's store alone): every pchat line parses, and each does the
/// whole job.
#[test]
fn ci_templates_call_commands_and_flags_that_exist() {
    use clap::Parser;
    let dir = root().join("examples/ci/simulation");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["azure-pipelines.yml", "github-actions.yml", "gitlab-ci.yml"]
    );
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut found = Vec::new();
        scripts(&doc, &mut found);
        let mut used = std::collections::BTreeSet::new();
        for script in &found {
            for words in shell_commands(script) {
                if words[0] != "pchat" {
                    continue;
                }
                if let Err(e) = pchat::cli::Cli::try_parse_from(&words) {
                    panic!("{}: `{}`:\n{}", file.display(), words.join(" "), e.render());
                }
                used.insert(words[1].clone());
                for w in &words {
                    if ["--detailed-exitcode", "--plan", "--log-format"].contains(&w.as_str()) {
                        used.insert(w.clone());
                    }
                }
            }
        }
        // Each template does the whole job: validate and plan on a change, apply the saved
        // plan, plan for drift with its exit codes, and logs for collectors.
        assert_eq!(
            used.into_iter().collect::<Vec<_>>(),
            [
                "--detailed-exitcode",
                "--log-format",
                "--plan",
                "apply",
                "plan",
                "validate"
            ],
            "{}",
            file.display()
        );
        for needed in [
            "--format markdown",
            "--out plan.json",
            "--yes",
            "--tag \"v",
            "Simulation",
        ] {
            assert!(text.contains(needed), "{}: {needed}", file.display());
        }
        // The drift check keeps one issue; its group is its own.
        assert!(text.contains("pchat-drift"), "{}", file.display());
    }
}

/// Every line on stderr as a JSON object.
fn events(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn json_logs_are_one_object_per_line_with_the_facts_as_fields() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let r = run(&t, &["--log-format", "json", "apply", &litware(), "--yes"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        // The human report stays on stdout; stderr is for the collector.
        assert!(
            r.stdout.contains("Apply complete: 95 objects"),
            "{}",
            r.stdout
        );
        let ev = events(&r.stderr);
        let find = |m: &str| {
            ev.iter()
                .find(|e| e["message"] == m)
                .unwrap_or_else(|| panic!("no `{m}` event in {ev:?}"))
        };
        let plan = find("plan made");
        assert_eq!(
            (plan["to_add"].as_u64(), plan["to_change"].as_u64()),
            (Some(91), Some(4))
        );
        let applied = find("apply committed");
        assert_eq!(applied["level"], "INFO");
        assert_eq!(applied["objects"], 95);
        assert_eq!(applied["cmdlet_calls"], 107);
        assert_eq!(applied["store_revision"], 1);
        let last = ev.last().unwrap();
        assert_eq!(last["message"], "pchat finished");
        assert_eq!(last["command"], "apply");
        assert_eq!(last["exit_code"], 0);
        assert!(last["timestamp"].is_string() && last["duration_ms"].is_u64());

        // A refusal is an error event, its hint included; the environment variable works too.
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pchat"));
        cmd.args(["--store", &t.url, "category", "new", "--name", "Eng"])
            .args(["--persistent-chat-pool-fqdn", "nope.example.com"])
            .env("PCHAT_LOG_FORMAT", "json")
            .env_remove("PCHAT_STORE")
            .current_dir(t.dir.path());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let ev = events(&String::from_utf8_lossy(&out.stderr));
        assert_eq!(ev[0]["level"], "ERROR");
        assert_eq!(
            ev[0]["message"],
            "New-CsPersistentChatCategory refused: pool `nope.example.com` does not exist\n  \
             help: add the pool with `pchat pool add --fqdn nope.example.com`"
        );
        assert_eq!(ev[1]["command"], "category new");
        assert_eq!(ev[1]["exit_code"], 1);
    }
}

#[test]
fn json_logs_give_each_configuration_problem_its_place() {
    let invalid = root().join("examples/invalid").display().to_string();
    let r = crate::common::pchat(&["validate", &invalid, "--log-format", "json", "-q"]);
    assert_eq!(r.code, 1);
    let ev = events(&r.stderr);
    let privacy = ev
        .iter()
        .find(|e| e["path"] == "rooms[0].privacy")
        .unwrap_or_else(|| panic!("{ev:?}"));
    assert_eq!(privacy["level"], "ERROR");
    assert!(privacy["file"]
        .as_str()
        .unwrap()
        .ends_with("bad-privacy.yaml"));
    assert_eq!(
        (privacy["line"].as_u64(), privacy["column"].as_u64()),
        (Some(15), Some(14))
    );
    assert_eq!(privacy["help"], "did you mean `Closed`?");
    // One event per problem the text report lists (`-q` keeps only the errors, and drops
    // the closing info event).
    let text = crate::common::pchat(&["validate", &invalid]);
    let summary = text.stdout.lines().last().unwrap();
    assert_eq!(summary, format!("error: {} errors in 38 files", ev.len()));
    // Text logs stay text.
    assert!(!text.stderr.contains('{'), "{}", text.stderr);
}

/// Runs pchat under `script`, so that its stdout and stderr are a terminal.
fn on_a_terminal(dir: &std::path::Path, args: &str) -> String {
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_pchat")),
            "/dev/null",
        ])
        .current_dir(dir)
        .env("TERM", "xterm")
        .env("COLUMNS", "120")
        .env_remove("NO_COLOR")
        .env_remove("PCHAT_STORE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script(1)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn long_operations_show_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let gen = crate::common::pchat_in(
        dir.path(),
        &["generate", "--rooms", "8000", "--out", "big.yaml"],
    );
    assert_eq!(gen.code, 0, "{}", gen.stderr);
    assert!(
        std::fs::metadata(dir.path().join("big.yaml"))
            .unwrap()
            .len()
            > 4 << 20
    );

    let tty = on_a_terminal(dir.path(), "--new-store apply big.yaml --yes --color never");
    assert!(
        tty.contains("parsing ["),
        "no load progress in:\n{}",
        tail(&tty)
    );
    assert!(
        tty.contains("applying ["),
        "no apply progress in:\n{}",
        tail(&tty)
    );
    assert!(tty.contains("Apply complete:"), "{}", tail(&tty));
    // A small apply draws nothing, even on a terminal.
    let small = on_a_terminal(
        dir.path(),
        &format!(
            "--new-store --store sqlite://small.db apply {} --yes",
            litware()
        ),
    );
    assert!(!small.contains("applying ["), "{}", tail(&small));

    // Not a terminal: no bar, no control characters.
    let r = crate::common::pchat_in(
        dir.path(),
        &[
            "--new-store",
            "--store",
            "sqlite://piped.db",
            "apply",
            "big.yaml",
            "--yes",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert!(!r.stdout.contains('\r') && !r.stdout.contains("applying ["));
}

#[test]
fn a_large_data_import_shows_progress_on_a_terminal() {
    use pchat::store::{Store, DEFAULT_LOCK_TIMEOUT};
    let t = TestStore::new(BACKENDS[0]);
    code(&t, &["apply", &litware(), "--yes"], 0);
    let room: pchat::model::ObjectId = "atl-pchat-001.litwareinc.com\\Board Briefings"
        .parse()
        .unwrap();
    let messages: Vec<pchat::model::message::Message> = (1..=1_500)
        .map(|id| pchat::model::message::Message {
            id,
            room: room.clone(),
            sender: "sip:ken@litwareinc.com".into(),
            posted_at: 1_700_000_000_000_000 + id,
            body: format!("update {id}"),
        })
        .collect();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open(&t.store_url(), DEFAULT_LOCK_TIMEOUT)
                .await
                .unwrap();
            let mut tx = store.write().await.unwrap();
            tx.insert_messages(&messages).await.unwrap();
            tx.commit_write().await.unwrap();
            store.close().await;
        });
    code(&t, &["data", "export", "--file", "all.zip"], 0);
    let tty = on_a_terminal(
        t.dir.path(),
        "--new-store --store sqlite://fresh.db data import --file all.zip",
    );
    assert!(tty.contains("importing messages ["), "{}", tail(&tty));
    assert!(tty.contains("1,500 messages"), "{}", tail(&tty));
    let piped = crate::common::pchat_in(
        t.dir.path(),
        &[
            "--new-store",
            "--store",
            "sqlite://piped.db",
            "data",
            "import",
            "--file",
            "all.zip",
        ],
    );
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(piped.stderr, "");
}

fn tail(s: &str) -> &str {
    &s[s.len().saturating_sub(2_000)..]
}

#[test]
fn the_pre_commit_hook_runs_pchat_validate() {
    use clap::Parser;
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_yaml::Value> = serde_yaml::from_str(&text).unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("pchat-validate"));
    // pre-commit installs a `language: rust` hook with `cargo install` from this repository.
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
    let files = hook["files"].as_str().unwrap();
    assert_eq!(files, r"\.ya?ml$");
    // What pre-commit runs: the entry, then the args a user gives (here the example's).
    let mut argv: Vec<String> = hook["entry"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(argv[0], "pchat");
    let default_args: Vec<String> = hook["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(default_args, ["config"]);
    let cli = pchat::cli::Cli::try_parse_from(argv.iter().chain(&default_args));
    assert!(cli.is_ok(), "{}", cli.unwrap_err().render());
    argv.remove(0);
    for (config, expected) in [("examples/litware", 0), ("examples/invalid", 1)] {
        let mut args: Vec<&str> = argv.iter().map(String::as_str).collect();
        args.push(config);
        let r = crate::common::pchat(&args);
        assert_eq!(r.code, expected, "{config}: {}{}", r.stdout, r.stderr);
    }
}

#[test]
fn validate_says_what_it_understood_and_apply_counts_objects_and_calls() {
    let r = crate::common::pchat(&["validate", "examples/litware"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_snapshot(
        &root().join("tests/it/snapshots/litware.validate.txt"),
        &r.stdout,
    );
    let t = TestStore::new(BACKENDS[0]);
    let applied = code(&t, &["apply", &litware(), "--yes"], 0);
    let summary: String = applied
        .lines()
        .filter(|l| l.starts_with("Plan:") || l.starts_with("Apply complete:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_snapshot(
        &root().join("tests/it/snapshots/litware.apply.txt"),
        &summary,
    );
}

/// `pchat init` in an empty directory: a starter configuration that validates and plans, the
/// schema its modeline names, a pre-commit hook, the chosen CI template, and the store, so
/// the first plan and apply need no `--new-store`. Run again, it overwrites nothing.
#[test]
fn init_starts_a_configuration_that_validates_and_plans() {
    for (ci, file) in [
        ("github", ".github/workflows/pchat.yml"),
        ("gitlab", ".gitlab-ci.yml"),
        ("azure", "azure-pipelines.yml"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let r = crate::common::pchat_in(dir.path(), &["init", "start", "--ci", ci]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("next: cd start && pchat validate config"),
            "{}",
            r.stdout
        );
        let start = dir.path().join("start");
        let config = std::fs::read_to_string(start.join("config/pchat.yaml")).unwrap();
        let modeline = config.lines().next().unwrap();
        let schema = modeline.split("$schema=").nth(1).unwrap();
        assert!(start.join("config").join(schema).exists(), "{modeline}");
        assert!(start.join(".pre-commit-config.yaml").exists());
        let template = std::fs::read_to_string(start.join(file)).unwrap();
        let example = match ci {
            "github" => "github-actions.yml",
            "gitlab" => "gitlab-ci.yml",
            _ => "azure-pipelines.yml",
        };
        let example =
            std::fs::read_to_string(crate::common::root().join("examples/ci").join(example))
                .unwrap();
        assert_eq!(template, example);
        let r = crate::common::pchat_in(&start, &["validate", "config"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        for extra in [&["--new-store"][..], &[][..]] {
            let mut args = extra.to_vec();
            args.extend(["plan", "config", "--detailed-exitcode"]);
            let r = crate::common::pchat_in(&start, &args);
            assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
            assert!(r.stdout.contains("Plan: 5 to add"), "{}", r.stdout);
        }
        let r = crate::common::pchat_in(&start, &["apply", "config", "--yes"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = crate::common::pchat_in(&start, &["plan", "config", "--detailed-exitcode"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let before = std::fs::read_to_string(start.join("config/pchat.yaml")).unwrap();
        let r = crate::common::pchat_in(dir.path(), &["init", "start"]);
        assert_eq!(r.code, 1);
        assert!(r.stderr.contains("exist already"), "{}", r.stderr);
        assert_eq!(
            std::fs::read_to_string(start.join("config/pchat.yaml")).unwrap(),
            before
        );
    }
}

/// Every option of every command says what it does, every command ends its help with an
/// example, and `pchat --help` lists the exit codes.
#[test]
fn every_option_has_a_description_and_every_command_an_example() {
    fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>, bare: &mut Vec<String>) {
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            if a.is_hide_set() || matches!(id, "help" | "version") {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path} --{}", a.get_long().unwrap_or(id)));
            }
        }
        let leaf = c.get_subcommands().next().is_none();
        if leaf && c.get_after_help().is_none() && c.get_after_long_help().is_none() {
            bare.push(path.to_string());
        }
        for s in c.get_subcommands() {
            if !s.is_hide_set() && s.get_name() != "help" {
                walk(s, &format!("{path} {}", s.get_name()), missing, bare);
            }
        }
    }
    let cli = pchat::cli::command();
    let (mut missing, mut bare) = (Vec::new(), Vec::new());
    walk(&cli, "pchat", &mut missing, &mut bare);
    assert!(
        missing.is_empty(),
        "{} options without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
    assert!(
        bare.is_empty(),
        "{} commands without an example:\n{}",
        bare.len(),
        bare.join("\n")
    );
    let r = crate::common::pchat(&["--help"]);
    assert!(r.stdout.contains("Exit codes:"), "{}", r.stdout);
    let r = crate::common::pchat(&["room", "set", "--help"]);
    assert!(r.stdout.contains("Examples:"), "{}", r.stdout);
    // Each example is a command line pchat takes, and it is shown under its own command.
    for (path, line) in pchat::cli::help::examples() {
        let words = &shell_commands(line)[0];
        assert_eq!(words[0], "pchat", "{line}");
        let shown: Vec<&str> = words[1..]
            .iter()
            .map(String::as_str)
            .take_while(|w| !w.starts_with('-'))
            .collect();
        assert!(shown.join(" ").starts_with(path), "{path}: {line}");
        if let Err(e) = pchat::cli::command().try_get_matches_from(words) {
            panic!("{path}: {line}\n{e}");
        }
    }
}

/// The README's sample configuration, with the mistake its sample error shows, gives that
/// error as printed.
#[test]
fn the_readme_sample_error_is_what_pchat_prints() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let block = |after: &str, fence: &str| -> String {
        let at = readme
            .find(after)
            .unwrap_or_else(|| panic!("README: {after}"));
        let start = readme[at..].find(fence).unwrap() + at + fence.len() + 1;
        let end = readme[start..].find("```").unwrap() + start;
        readme[start..end].to_string()
    };
    let yaml = block("lowerCamelCase:", "```yaml");
    let shown = block("A mistake is reported like a compiler would:", "```text");
    assert!(yaml.contains("category: Sales\n"), "{yaml}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rooms.yaml"),
        yaml.replace("category: Sales\n", "category: Salse\n"),
    )
    .unwrap();
    let r = crate::common::pchat_in(dir.path(), &["validate", "rooms.yaml", "--color", "never"]);
    assert_eq!(r.code, 1);
    // The report is validate's output (stdout); the count of errors ends it.
    let printed = format!("{}{}", r.stdout, r.stderr);
    assert!(
        printed.starts_with(&shown),
        "README:\n{shown}\npchat:\n{printed}"
    );
}

/// The README's completion lines work in a fresh home (they make their directories), and the
/// README points at nothing outside the repository.
#[test]
fn the_readme_install_lines_work_in_a_fresh_home() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    assert!(
        !readme.contains("../shared"),
        "the README points outside the repository"
    );
    // The test command says what it needs where it is given.
    let at = readme.find("cargo test  ").unwrap();
    assert!(
        readme[at..at + 400].contains("PostgreSQL"),
        "cargo test without its prerequisite"
    );
    let home = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_pchat"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let lines: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("mkdir -p ~/") || l.starts_with("pchat man --out ~/"))
        .collect();
    assert!(lines.len() >= 4, "{lines:?}");
    for line in lines {
        let command = line.split("   #").next().unwrap();
        let st = std::process::Command::new("sh")
            .args(["-c", command])
            .env("HOME", home.path())
            .env("PATH", &path)
            .status()
            .unwrap();
        assert!(st.success(), "{line}");
    }
    for f in [
        ".local/share/bash-completion/completions/pchat",
        ".zfunc/_pchat",
        ".config/fish/completions/pchat.fish",
        ".local/share/man/man1/pchat.1",
    ] {
        assert!(home.path().join(f).exists(), "{f}");
    }
}
