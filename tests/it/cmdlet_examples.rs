//! The cmdlets' own language: invocations written as the help pages write them, transcribed
//! mechanically to pchat (README, "From the Management Shell") and run on both backends, each
//! checked by the matching `get`. The transcriber below is the rule set of that section:
//! `Verb-CsPersistentChatNoun` → `pchat NOUN VERB`, `-PascalCase` → `--kebab-case`,
//! `$True`/`$False` → `true`/`false`, `-Switch:$False` → `--switch=false`,
//! `@{Add=…; Remove=…}` → `--x-add …`/`--x-remove …`, `-List $Null` → `--clear-list`, a list of
//! values → `a;b`, and `Get-… [-Filter F] | Verb-…` → `NOUN VERB --filter F|--all --yes`.

use crate::common::db::{TestStore, BACKENDS};
use crate::common::{pchat_in, Run};

const POOL: &str = "atl-cs-001.litwareinc.com";

/// The 38 cmdlets: the pchat command each one is.
const CMDLETS: &[(&str, &str)] = &[
    ("Get-CsAdPrincipal", "principal get"),
    // Not a Persistent Chat cmdlet: the Grant- help page pipes its users in.
    ("Get-CsUser", "principal get"),
    (
        "Get-CsPersistentChatEligiblePrincipal",
        "principal eligible",
    ),
    ("Set-CsPersistentChatActiveServer", "active-server set"),
    ("Get-CsPersistentChatAddin", "addin get"),
    ("New-CsPersistentChatAddin", "addin new"),
    ("Set-CsPersistentChatAddin", "addin set"),
    ("Remove-CsPersistentChatAddin", "addin remove"),
    ("Get-CsPersistentChatCategory", "category get"),
    ("New-CsPersistentChatCategory", "category new"),
    ("Set-CsPersistentChatCategory", "category set"),
    ("Remove-CsPersistentChatCategory", "category remove"),
    (
        "Get-CsPersistentChatComplianceConfiguration",
        "compliance get",
    ),
    (
        "New-CsPersistentChatComplianceConfiguration",
        "compliance new",
    ),
    (
        "Set-CsPersistentChatComplianceConfiguration",
        "compliance set",
    ),
    (
        "Remove-CsPersistentChatComplianceConfiguration",
        "compliance remove",
    ),
    ("Get-CsPersistentChatConfiguration", "configuration get"),
    ("New-CsPersistentChatConfiguration", "configuration new"),
    ("Set-CsPersistentChatConfiguration", "configuration set"),
    (
        "Remove-CsPersistentChatConfiguration",
        "configuration remove",
    ),
    ("Export-CsPersistentChatData", "data export"),
    ("Import-CsPersistentChatData", "data import"),
    ("Get-CsPersistentChatEndpoint", "endpoint get"),
    ("New-CsPersistentChatEndpoint", "endpoint new"),
    ("Remove-CsPersistentChatEndpoint", "endpoint remove"),
    ("Remove-CsPersistentChatMessage", "message remove"),
    ("Test-CsPersistentChatMessage", "message test"),
    ("Get-CsPersistentChatPolicy", "policy get"),
    ("New-CsPersistentChatPolicy", "policy new"),
    ("Set-CsPersistentChatPolicy", "policy set"),
    ("Remove-CsPersistentChatPolicy", "policy remove"),
    ("Grant-CsPersistentChatPolicy", "policy grant"),
    ("Clear-CsPersistentChatRoom", "room clear"),
    ("Get-CsPersistentChatRoom", "room get"),
    ("New-CsPersistentChatRoom", "room new"),
    ("Set-CsPersistentChatRoom", "room set"),
    ("Remove-CsPersistentChatRoom", "room remove"),
    ("Get-CsPersistentChatState", "state get"),
    ("Set-CsPersistentChatState", "state set"),
];

/// Parameters whose value is a PSListModifier (`@{Add=…}`, `$Null` empties them).
const LISTS: &[&str] = &[
    "Members",
    "Managers",
    "Presenters",
    "AllowedMembers",
    "DeniedMembers",
    "Creators",
    "ActiveServers",
];

/// `PersistentChatPoolFqdn` → `persistent-chat-pool-fqdn`, `DBInstance` → `db-instance`,
/// `MaxFileSizeKB` → `max-file-size-kb`.
fn kebab(pascal: &str) -> String {
    let c: Vec<char> = pascal.chars().collect();
    let mut out = String::new();
    for (i, &ch) in c.iter().enumerate() {
        let boundary = i > 0
            && ch.is_uppercase()
            && (c[i - 1].is_lowercase()
                || c.get(i + 1).is_some_and(|n| n.is_lowercase()) && c[i - 1].is_uppercase());
        if boundary {
            out.push('-');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// PowerShell words as written (quotes kept): split on blanks outside quotes, `{…}` script
/// blocks and `@{…}` hash tables.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut w = String::new();
    let (mut quote, mut depth) = (None, 0);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '(') => depth += 1,
            (None, '}' | ')') => depth -= 1,
            (None, c) if c.is_whitespace() && depth == 0 => {
                if !w.is_empty() {
                    out.push(std::mem::take(&mut w));
                }
                continue;
            }
            _ => {}
        }
        w.push(c);
    }
    if !w.is_empty() {
        out.push(w);
    }
    out
}

/// A value as PowerShell reads it: `"a","b"` is two strings, `'It''s'` one; quotes go.
fn values(raw: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut high: Option<u16> = None;
    let sum = raw.starts_with("('") || raw.starts_with("(''");
    let mut quote = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q && chars.peek() == Some(&q) => {
                chars.next();
                out.last_mut().unwrap().push(q);
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => out.last_mut().unwrap().push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, ',') => out.push(String::new()),
            // pchat's ASCII-only values: `('ESPA' + [char]0x00D1 + 'A')`.
            (None, '(' | ')' | '+' | ' ') if sum => {}
            (None, '[') if sum => {
                let code: String = chars.by_ref().skip(7).take(4).collect(); // `char]0x` HHHH
                let unit = u16::from_str_radix(&code, 16).unwrap();
                // A high surrogate waits for its low half.
                match (high.take(), char::from_u32(u32::from(unit))) {
                    (Some(h), _) => out
                        .last_mut()
                        .unwrap()
                        .push_str(&String::from_utf16(&[h, unit]).unwrap()),
                    (None, Some(c)) => out.last_mut().unwrap().push(c),
                    (None, None) => high = Some(unit),
                }
            }
            (None, c) => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|v| v.trim().to_string()).collect()
}

/// The entries of a hash table body (`Add="a","b"; Remove="c"`), split outside quotes.
fn entries(body: &str) -> Vec<(String, String)> {
    let mut parts = vec![String::new()];
    let mut quote = None;
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, ';') => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
    }
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("Key=value");
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

fn constant(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "$true" => "true".into(),
        "$false" => "false".into(),
        _ => v.to_string(),
    }
}

/// One cmdlet call as pchat arguments.
fn one(call: &[String]) -> Vec<String> {
    let cmdlet = &call[0];
    let command = CMDLETS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(cmdlet))
        .unwrap_or_else(|| panic!("{cmdlet} is not one of the 38 cmdlets"))
        .1;
    let mut args: Vec<String> = command.split(' ').map(String::from).collect();
    let mut i = 1;
    while i < call.len() {
        let word = &call[i];
        assert!(
            word.starts_with('-'),
            "{cmdlet}: `{word}` is not a parameter"
        );
        let (name, inline) = match word[1..].split_once(':') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (word[1..].to_string(), None),
        };
        let flag = format!("--{}", kebab(&name));
        if let Some(v) = inline {
            // `-Confirm:$False` answers PowerShell's prompt; a pipeline's --yes is that answer.
            if !name.eq_ignore_ascii_case("Confirm") {
                args.push(format!("{flag}={}", constant(&v)));
            }
            i += 1;
            continue;
        }
        let value = call
            .get(i + 1)
            .filter(|w| !w.starts_with('-') || w.parse::<f64>().is_ok());
        let Some(value) = value else {
            args.push(flag); // a switch
            i += 1;
            continue;
        };
        let list = LISTS.iter().any(|l| l.eq_ignore_ascii_case(&name));
        if list && value.eq_ignore_ascii_case("$null") {
            args.push(format!("--clear-{}", kebab(&name)));
        } else if let Some(table) = value.strip_prefix("@{").and_then(|t| t.strip_suffix('}')) {
            for (verb, vals) in entries(table) {
                let suffix = verb.to_ascii_lowercase();
                for v in values(&vals) {
                    args.push(format!("{flag}-{suffix}"));
                    args.push(v);
                }
            }
        } else {
            args.push(flag);
            let vals = values(value);
            args.push(match &vals[..] {
                [one] => constant(one),
                many => many.join(";"),
            });
        }
        i += 2;
    }
    args
}

/// A help-page line as pchat arguments (a pipeline `Get-… | Verb-…` acts on the selection).
fn transcribe(line: &str) -> Vec<String> {
    let w = words(line);
    let stages: Vec<&[String]> = w.split(|t| t == "|").collect();
    match stages[..] {
        [call] => one(call),
        [get, act] => {
            let got = one(get);
            let acted = one(act);
            let mut args = acted[..2].to_vec();
            // The selection: the get's -Identity or -Filter, else every object.
            match got
                .iter()
                .position(|a| a == "--filter" || a == "--identity")
            {
                Some(at) => args.extend_from_slice(&got[at..at + 2]),
                None => args.push("--all".into()),
            }
            args.extend_from_slice(&acted[2..]);
            args.push("--yes".into());
            args
        }
        _ => panic!("one pipe at most: {line}"),
    }
}

struct Shell {
    t: TestStore,
}

impl Shell {
    fn run(&self, args: &[String]) -> Run {
        let mut all = vec![
            "--store".to_string(),
            self.t.url.clone(),
            "--color".into(),
            "never".into(),
        ];
        all.extend_from_slice(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        pchat_in(self.t.dir.path(), &all)
    }

    /// Runs a help-page line; it must succeed.
    #[track_caller]
    fn ps(&self, line: &str) -> String {
        let args = transcribe(line);
        let run = self.run(&args);
        assert_eq!(
            run.code, 0,
            "{line}\n  as pchat {args:?}\nfailed:\n{}{}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Runs a help-page line that the service refuses; the message says why.
    #[track_caller]
    fn refused(&self, line: &str, says: &str) -> Run {
        let args = transcribe(line);
        let run = self.run(&args);
        assert_ne!(run.code, 0, "{line} should be refused:\n{}", run.stdout);
        assert!(
            run.stderr.contains(says) || run.stdout.contains(says),
            "{line}: expected `{says}` in\n{}{}",
            run.stdout,
            run.stderr
        );
        run
    }

    /// A `Get-…` line's objects, as JSON.
    #[track_caller]
    fn get(&self, line: &str) -> Vec<serde_json::Value> {
        let mut args = transcribe(line);
        args.extend(["--format".into(), "json".into()]);
        let run = self.run(&args);
        assert_eq!(run.code, 0, "{line} failed:\n{}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{line}: {e}\n{}", run.stdout))
    }

    /// The one object a `Get-… -Identity` line finds.
    #[track_caller]
    fn one(&self, line: &str) -> serde_json::Value {
        let got = self.get(line);
        assert_eq!(got.len(), 1, "{line} found {got:?}");
        got.into_iter().next().unwrap()
    }

    fn names(&self, line: &str) -> Vec<String> {
        self.get(line)
            .iter()
            .map(|o| o["identity"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

const DIRECTORY: &str = "principals:
  - type: User
    sipAddress: sip:kenmyer@litwareinc.com
    distinguishedName: CN=Ken Myer,OU=Sales,DC=litwareinc,DC=com
    displayName: Ken Myer
    site: Redmond
  - type: User
    sipAddress: sip:pilar@litwareinc.com
    distinguishedName: CN=Pilar Ackerman,OU=Sales,DC=litwareinc,DC=com
    displayName: Pilar Ackerman
    site: Redmond
  - type: User
    sipAddress: sip:kim@litwareinc.com
    distinguishedName: CN=Kim Akers,OU=IT,DC=litwareinc,DC=com
    displayName: Kim Akers
  - type: User
    sipAddress: sip:kima@litwareinc.com
    distinguishedName: CN=Kim Abercrombie,OU=IT,DC=litwareinc,DC=com
    displayName: Kim Abercrombie
  - type: OrganizationalUnit
    distinguishedName: OU=Sales,DC=litwareinc,DC=com
  - type: OrganizationalUnit
    distinguishedName: OU=IT,DC=litwareinc,DC=com
";

fn shell(b: crate::common::db::Backend) -> Shell {
    let sh = Shell {
        t: TestStore::new(b),
    };
    let pool = [
        "pool",
        "add",
        "--fqdn",
        POOL,
        "--site",
        "Redmond",
        "--servers",
        "atl-gc-001.litwareinc.com,atl-gc-002.litwareinc.com",
    ];
    let run = sh.run(&pool.map(String::from));
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(sh.t.dir.path().join("directory.yaml"), DIRECTORY).unwrap();
    let run = sh.run(&["principal", "import", "directory.yaml"].map(String::from));
    assert_eq!(run.code, 0, "{}", run.stderr);
    sh
}

/// A filter judges each object as `get --format json` lists it: every field with its value,
/// defaults included, under the cmdlets' own property names (`Invites`), with `-contains`, and a
/// user's `PersistentChatPolicy`; selections built on them act, and an unknown name is refused.
#[test]
fn filters_see_defaults_and_the_cmdlets_property_names() {
    for b in BACKENDS {
        let sh = shell(b);
        sh.ps(&format!(
            r#"New-CsPersistentChatCategory -Name "HelpDesk" -PersistentChatPoolFqdn "{POOL}""#
        ));
        sh.ps(&format!(
            r#"Set-CsPersistentChatCategory -Identity "{POOL}\HelpDesk" -AllowedMembers @{{Add="OU=Sales,DC=litwareinc,DC=com","OU=IT,DC=litwareinc,DC=com"}}"#
        ));
        for room in ["Open Room", "Closed One", "Closed Two"] {
            sh.ps(&format!(r#"New-CsPersistentChatRoom -Name "{room}" -PersistentChatPoolFqdn "{POOL}" -Category "HelpDesk""#));
        }
        sh.ps(&format!(
            r#"Set-CsPersistentChatRoom -Identity "{POOL}\Open Room" -Privacy Open -Members @{{Add="sip:kim@litwareinc.com"}}"#
        ));
        // What scripts read holds the defaults: `select(.privacy == "Closed")` finds them.
        let rooms = sh.get("Get-CsPersistentChatRoom");
        let closed = rooms.iter().filter(|r| r["privacy"] == "Closed").count();
        assert_eq!(closed, 2, "{rooms:?}");
        assert!(rooms
            .iter()
            .all(|r| r["type"] == "Normal" && r["disabled"] == false && r["members"].is_array()));
        let c = sh.one(&format!(
            r"Get-CsPersistentChatCategory -Identity '{POOL}\HelpDesk'"
        ));
        assert_eq!(
            (c["fileUpload"].as_bool(), c["invitations"].as_bool()),
            (Some(false), Some(false))
        );
        let names = |line: &str| sh.names(line).len();
        assert_eq!(
            names(r#"Get-CsPersistentChatRoom -Filter {Privacy -eq "Closed"}"#),
            2
        );
        assert_eq!(
            names(r#"Get-CsPersistentChatRoom -Filter {Type -eq "Normal"}"#),
            3
        );
        assert_eq!(
            names("Get-CsPersistentChatRoom -Filter {Disabled -eq $False}"),
            3
        );
        assert_eq!(
            names("Get-CsPersistentChatRoom -Filter {Invitations -eq \"Inherit\"}"),
            3
        );
        assert_eq!(
            names("Get-CsPersistentChatCategory -Filter {Invites -eq $False}"),
            1
        );
        assert_eq!(
            names("Get-CsPersistentChatConfiguration -Filter {DefaultChatHistory -eq 30}"),
            1
        );
        assert_eq!(
            names("Get-CsPersistentChatPolicy -Filter {EnablePersistentChat -eq $False}"),
            1
        );
        assert_eq!(
            names(r#"Get-CsPersistentChatState -Filter {PoolState -eq "Normal"}"#),
            1
        );
        assert_eq!(
            names(
                r#"Get-CsPersistentChatRoom -Filter {Members -contains "sip:kim@litwareinc.com"}"#
            ),
            1
        );
        assert_eq!(
            names(
                r#"Get-CsPersistentChatRoom -Filter {Members -notcontains "sip:kim@litwareinc.com"}"#
            ),
            2
        );
        // A pipeline on a default value selects what it names.
        let out = sh.ps(r#"Get-CsPersistentChatRoom -Filter {Privacy -eq "Closed"} | Set-CsPersistentChatRoom -Disabled $True"#);
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatRoom -Filter {Disabled -eq $True}"),
            2
        );
        let out = sh.ps(r#"Get-CsPersistentChatRoom -Filter {Privacy -eq "Closed"} | Remove-CsPersistentChatRoom"#);
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(names("Get-CsPersistentChatRoom"), 1);
        // Users by the policy granted to them, as the Grant- help page selects them.
        sh.ps("New-CsPersistentChatPolicy -Identity RedmondPersistentChatPolicy -EnablePersistentChat $True");
        sh.ps("New-CsPersistentChatPolicy -Identity NewPolicy -EnablePersistentChat $True");
        sh.ps("Grant-CsPersistentChatPolicy -Identity \"Ken Myer\" -PolicyName RedmondPersistentChatPolicy");
        assert_eq!(
            sh.names(
                r#"Get-CsUser -Filter {PersistentChatPolicy -eq "RedmondPersistentChatPolicy"}"#
            ),
            ["sip:kenmyer@litwareinc.com"]
        );
        let out = sh.ps(r#"Get-CsUser -Filter {PersistentChatPolicy -eq "RedmondPersistentChatPolicy"} | Grant-CsPersistentChatPolicy -PolicyName NewPolicy"#);
        assert!(out.contains("1 object selected"), "{out}");
        assert_eq!(
            sh.names(r#"Get-CsUser -Filter {PersistentChatPolicy -eq "NewPolicy"}"#),
            ["sip:kenmyer@litwareinc.com"]
        );
        assert_eq!(
            names("Get-CsUser -Filter {PersistentChatPolicy -eq $Null}"),
            5
        );
        // A property no object has stays an error, with the nearest name.
        sh.refused(
            "Get-CsPersistentChatRoom -Filter {Privasy -eq \"Closed\"}",
            "Privacy",
        );

        // Set- and Remove- take a selection on every noun that has them, as the help pages
        // pipe them.
        let out = sh.ps("Get-CsPersistentChatRoom | Set-CsPersistentChatRoom -Disabled $True");
        assert!(out.contains("1 object selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatRoom -Filter {Disabled -eq $True}"),
            1
        );
        let out =
            sh.ps("Get-CsPersistentChatCategory | Set-CsPersistentChatCategory -FileUpload $True");
        assert!(out.contains("1 object selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatCategory -Filter {FileUpload -eq $True}"),
            1
        );
        sh.ps("New-CsPersistentChatPolicy -Identity site:Redmond");
        let out = sh.ps("Get-CsPersistentChatPolicy -Filter {EnablePersistentChat -eq $False} | Set-CsPersistentChatPolicy -EnablePersistentChat $True");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatPolicy -Filter {EnablePersistentChat -eq $False}"),
            0
        );
        sh.ps("New-CsPersistentChatComplianceConfiguration -Identity site:Redmond");
        let out = sh.ps("Get-CsPersistentChatComplianceConfiguration | Set-CsPersistentChatComplianceConfiguration -AddUserDetails $True");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatComplianceConfiguration -Filter {AddUserDetails -eq $True}"),
            2
        );
        sh.ps("New-CsPersistentChatConfiguration -Identity site:Redmond -DefaultChatHistory 50");
        let out = sh.ps("Get-CsPersistentChatConfiguration | Set-CsPersistentChatConfiguration -ParticipantUpdateLimit 100");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(
            names("Get-CsPersistentChatConfiguration -Filter {ParticipantUpdateLimit -eq 100}"),
            2
        );
        // Removing the global one resets it; the site one goes.
        let out = sh.ps("Get-CsPersistentChatConfiguration | Remove-CsPersistentChatConfiguration");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(sh.names("Get-CsPersistentChatConfiguration"), ["global"]);
        assert_eq!(
            names("Get-CsPersistentChatConfiguration -Filter {ParticipantUpdateLimit -eq 100}"),
            0
        );
        let out = sh.ps("Get-CsPersistentChatComplianceConfiguration -Filter {Identity -like \"site:*\"} | Remove-CsPersistentChatComplianceConfiguration");
        assert!(out.contains("1 object selected"), "{out}");
        sh.ps(&format!(r#"New-CsPersistentChatEndpoint -SipAddress "sip:helpdesk@litwareinc.com" -PersistentChatPoolFqdn "{POOL}" -DisplayName "Help Desk""#));
        sh.ps(&format!(r#"New-CsPersistentChatEndpoint -SipAddress "sip:sales@litwareinc.com" -PersistentChatPoolFqdn "{POOL}""#));
        let out = sh.ps(r#"Get-CsPersistentChatEndpoint -Filter {DisplayName -like "Help*"} | Remove-CsPersistentChatEndpoint"#);
        assert!(out.contains("1 object selected"), "{out}");
        assert_eq!(
            sh.names("Get-CsPersistentChatEndpoint"),
            ["sip:sales@litwareinc.com"]
        );
        // A new name for many objects at once is refused before anything runs.
        sh.refused(
            "Get-CsPersistentChatRoom | Set-CsPersistentChatRoom -Name \"Same\"",
            "--name",
        );
    }
}

/// A bare name (`-Identity testCat`) names the one object of that name in any pool; in two
/// pools it is refused with both candidates.
#[test]
fn a_bare_name_names_the_one_object_of_that_name() {
    for b in BACKENDS {
        let sh = shell(b);
        sh.ps(&format!(
            r#"New-CsPersistentChatCategory -Name "testCat" -PersistentChatPoolFqdn "{POOL}""#
        ));
        sh.ps("Set-CsPersistentChatCategory -Identity testCat -FileUpload $True");
        assert_eq!(
            sh.one("Get-CsPersistentChatCategory -Identity TESTCAT")["fileUpload"],
            true
        );
        sh.ps(&format!(r#"New-CsPersistentChatRoom -Name "Lobby" -PersistentChatPoolFqdn "{POOL}" -Category "testCat""#));
        sh.ps("Set-CsPersistentChatRoom -Identity Lobby -Privacy Open");
        assert_eq!(
            sh.one("Get-CsPersistentChatRoom -Identity lobby")["privacy"],
            "Open"
        );
        sh.refused(
            "Set-CsPersistentChatRoom -Identity Nowhere -Privacy Open",
            "cannot find",
        );
        // Every command that names a room takes the bare name alike.
        let post = [
            "message",
            "post",
            "--room",
            "lobby",
            "--from",
            "sip:kim@litwareinc.com",
            "hello",
        ];
        let posted = sh.run(&post.map(String::from));
        assert_eq!(posted.code, 0, "{}", posted.stderr);
        let listed =
            sh.run(&["message", "get", "--room", "LOBBY", "--format", "json"].map(String::from));
        assert!(
            listed.stdout.contains("hello"),
            "{}{}",
            listed.stdout,
            listed.stderr
        );
        sh.ps("Remove-CsPersistentChatMessage -Identity Lobby -Confirm:$False");
        sh.ps("Clear-CsPersistentChatRoom -Identity Lobby -EndDate 1/1/2100");
        // A second pool with a room of the same name: the bare name is ambiguous.
        let other = "atl-cs-002.litwareinc.com";
        let run = sh.run(
            &[
                "pool",
                "add",
                "--fqdn",
                other,
                "--servers",
                "atl-gc-003.litwareinc.com",
            ]
            .map(String::from),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        sh.ps(&format!(
            r#"New-CsPersistentChatCategory -Name "Other" -PersistentChatPoolFqdn "{other}""#
        ));
        sh.ps(&format!(r#"New-CsPersistentChatRoom -Name "Lobby" -PersistentChatPoolFqdn "{other}" -Category "Other""#));
        let r = sh.refused(
            "Remove-CsPersistentChatRoom -Identity Lobby",
            "names 2 rooms",
        );
        assert!(
            r.stderr.contains(&format!("{other}\\Lobby")),
            "{}",
            r.stderr
        );
        assert_eq!(sh.get("Get-CsPersistentChatRoom -Identity Lobby").len(), 2);
        sh.ps(&format!(
            r"Remove-CsPersistentChatRoom -Identity {other}\Lobby"
        ));
        sh.ps("Remove-CsPersistentChatRoom -Identity Lobby");
        assert!(sh.get("Get-CsPersistentChatRoom").is_empty());
    }
}

#[test]
fn the_transcription_rules_read_the_help_pages_forms() {
    assert_eq!(kebab("PersistentChatPoolFqdn"), "persistent-chat-pool-fqdn");
    assert_eq!(kebab("DBInstance"), "db-instance");
    assert_eq!(kebab("MaxFileSizeKB"), "max-file-size-kb");
    assert_eq!(
        transcribe(
            r#"Set-CsPersistentChatRoom -Identity "p\Room" -Members @{Add="sip:a@x.com","sip:b@x.com"; Remove="sip:c@x.com"} -Disabled $True"#
        ),
        [
            "room",
            "set",
            "--identity",
            r"p\Room",
            "--members-add",
            "sip:a@x.com",
            "--members-add",
            "sip:b@x.com",
            "--members-remove",
            "sip:c@x.com",
            "--disabled",
            "true"
        ]
    );
    assert_eq!(
        transcribe("Set-CsPersistentChatCategory -Identity p\\C -AllowedMembers $Null"),
        [
            "category",
            "set",
            "--identity",
            "p\\C",
            "--clear-allowed-members"
        ]
    );
    assert_eq!(
        transcribe(
            r#"Get-CsPersistentChatRoom -Filter "Sales*" | Remove-CsPersistentChatRoom -Confirm:$False"#
        ),
        ["room", "remove", "--filter", "Sales*", "--yes"]
    );
    assert_eq!(
        transcribe("New-CsPersistentChatCategory -Name X -EnableFileUpload"),
        ["category", "new", "--name", "X", "--enable-file-upload"]
    );
}

#[test]
fn documented_invocations_work_when_transcribed() {
    for b in BACKENDS {
        let sh = shell(b);
        let id = |name: &str| format!("{POOL}\\{name}");

        // Categories: names compare without regard to case, as on the service.
        sh.ps(&format!(
            r#"New-CsPersistentChatCategory -Name "HelpDesk" -PersistentChatPoolFqdn "{POOL}""#
        ));
        assert_eq!(
            sh.one(r"Get-CsPersistentChatCategory -Identity 'atl-cs-001.litwareinc.com\helpdesk'")
                ["name"],
            "HelpDesk"
        );
        sh.ps(r"Set-CsPersistentChatCategory -Identity 'atl-cs-001.litwareinc.com\helpdesk' -FileUpload $False -Invitations $True");
        let c = sh.one(&format!(
            "Get-CsPersistentChatCategory -Identity '{}'",
            id("HelpDesk")
        ));
        assert_eq!(
            (c["fileUpload"].as_bool(), c["invitations"].as_bool()),
            (Some(false), Some(true))
        );
        sh.ps(&format!(r#"Set-CsPersistentChatCategory -Identity "{}" -AllowedMembers @{{Add="OU=Sales,DC=litwareinc,DC=com","OU=IT,DC=litwareinc,DC=com"}}"#, id("HelpDesk")));
        sh.ps(&format!(r#"Set-CsPersistentChatCategory -Identity "{}" -DeniedMembers @{{Add="sip:kima@litwareinc.com"}} -Creators @{{Add="sip:kim@litwareinc.com"}}"#, id("helpDESK")));
        let c = sh.one(&format!(
            "Get-CsPersistentChatCategory -Identity '{}'",
            id("HelpDesk")
        ));
        assert_eq!(c["allowedMembers"].as_array().map(Vec::len), Some(2));
        assert_eq!(c["deniedMembers"][0], "sip:kima@litwareinc.com");
        sh.ps(&format!(
            r#"Set-CsPersistentChatCategory -Identity "{}" -DeniedMembers $Null"#,
            id("HelpDesk")
        ));
        assert!(sh.one(&format!(
            "Get-CsPersistentChatCategory -Identity '{}'",
            id("HelpDesk")
        ))["deniedMembers"]
            .as_array()
            .unwrap()
            .is_empty());
        sh.ps("New-CsPersistentChatCategory -Name \"Announcements\" -RemoveChatHistory -EnableFileUpload");
        let c = sh.one(&format!(
            "Get-CsPersistentChatCategory -Identity '{}'",
            id("announcements")
        ));
        assert_eq!(
            (c["chatHistory"].as_bool(), c["fileUpload"].as_bool()),
            (Some(false), Some(true))
        );
        sh.ps(&format!(
            "Set-CsPersistentChatCategory -Identity '{}' -ChatHistory $True",
            id("Announcements")
        ));
        assert!(sh.one(&format!(
            "Get-CsPersistentChatCategory -Identity '{}'",
            id("Announcements")
        ))["chatHistory"]
            .as_bool()
            .unwrap());
        sh.refused(
            "New-CsPersistentChatCategory -Name \"HELPDESK\"",
            "already exists",
        );
        assert_eq!(
            sh.get(&format!(
                "Get-CsPersistentChatCategory -PersistentChatPoolFqdn {POOL}"
            ))
            .len(),
            2
        );

        // Add-ins.
        sh.ps(r#"New-CsPersistentChatAddin -Name "ITPersistentChatAddin" -PersistentChatPoolFqdn "atl-cs-001.litwareinc.com" -Url "http://atl-cs-001.litwareinc.com/itchat""#);
        sh.ps(r#"Set-CsPersistentChatAddin -Identity "atl-cs-001.litwareinc.com\itpersistentchataddin" -Url "https://atl-cs-001.litwareinc.com/itchat""#);
        assert_eq!(sh.one(r"Get-CsPersistentChatAddin -Identity 'atl-cs-001.litwareinc.com\ITPersistentChatAddin'")["url"], "https://atl-cs-001.litwareinc.com/itchat");
        assert_eq!(
            sh.get(&format!(
                "Get-CsPersistentChatAddin -PersistentChatPoolFqdn {POOL}"
            ))
            .len(),
            1
        );

        // Rooms: the category is named in any case; Booleans take values.
        sh.ps(r#"New-CsPersistentChatRoom -Name "ITChatRoom" -PersistentChatPoolFqdn "atl-cs-001.litwareinc.com" -Category "helpdesk" -Disabled $False -Privacy Open"#);
        let r = sh.one(&format!(
            "Get-CsPersistentChatRoom -Identity '{}'",
            id("itchatroom")
        ));
        assert_eq!(
            (r["category"].as_str(), r["privacy"].as_str()),
            (Some("HelpDesk"), Some("Open"))
        );
        sh.ps(r#"New-CsPersistentChatRoom -Name "Sales Leads" -Category "HelpDesk" -Type Auditorium -Addin "ITPersistentChatAddin""#);
        sh.ps(r#"New-CsPersistentChatRoom -Name "Sales Archive" -Category "HelpDesk" -Disabled $True"#);
        sh.ps(&format!(r#"Set-CsPersistentChatRoom -Identity "{}" -Members @{{Add="sip:kenmyer@litwareinc.com","sip:pilar@litwareinc.com"}} -Managers @{{Add="sip:kim@litwareinc.com"}}"#, id("ITChatRoom")));
        sh.ps(&format!(r#"Set-CsPersistentChatRoom -Identity "{}" -Members @{{Remove="SIP:Pilar@LitwareInc.com"}}"#, id("itchatroom")));
        let r = sh.one(&format!(
            "Get-CsPersistentChatRoom -Identity '{}'",
            id("ITChatRoom")
        ));
        assert_eq!(
            r["members"],
            serde_json::json!(["sip:kenmyer@litwareinc.com"])
        );
        assert_eq!(r["managers"], serde_json::json!(["sip:kim@litwareinc.com"]));
        sh.ps(&format!(r#"Set-CsPersistentChatRoom -Identity "{}" -Presenters @{{Add="sip:kenmyer@litwareinc.com"}}"#, id("Sales Leads")));
        assert_eq!(
            sh.one(&format!(
                "Get-CsPersistentChatRoom -Identity '{}'",
                id("Sales Leads")
            ))["presenters"][0],
            "sip:kenmyer@litwareinc.com"
        );
        sh.refused(&format!(r#"Set-CsPersistentChatRoom -Identity "{}" -Presenters @{{Add="sip:kim@litwareinc.com"}}"#, id("ITChatRoom")), "presenters");
        sh.ps(&format!(r#"Set-CsPersistentChatRoom -Identity "{}" -Description "Help desk chat" -Invitations False -Privacy Secret"#, id("ITChatRoom")));
        let r = sh.one(&format!(
            "Get-CsPersistentChatRoom -Identity '{}'",
            id("ITChatRoom")
        ));
        assert_eq!(
            (r["invitations"].as_str(), r["privacy"].as_str()),
            (Some("False"), Some("Secret"))
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Filter \"sales*\"")
                .len(),
            2
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Filter \"*help desk*\" -SearchDescription")
                .len(),
            1
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Category \"helpdesk\"")
                .len(),
            3
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Disabled $True"),
            [id("Sales Archive")]
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Member \"sip:kenmyer@litwareinc.com\""),
            [id("ITChatRoom")]
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Manager \"sip:KIM@litwareinc.com\""),
            [id("ITChatRoom")]
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Addin \"itpersistentchataddin\""),
            [id("Sales Leads")]
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Type Auditorium"),
            [id("Sales Leads")]
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Privacy Secret"),
            [id("ITChatRoom")]
        );
        assert_eq!(sh.names("Get-CsPersistentChatRoom -ResultSize 1").len(), 1);
        assert_eq!(
            sh.names("Get-CsPersistentChatRoom -Filter 'Disabled -eq $True'"),
            [id("Sales Archive")]
        );
        // A room renamed keeps its members; a move to another category follows its rules.
        sh.ps(&format!(
            r#"Set-CsPersistentChatRoom -Identity "{}" -Name "IT Chat Room""#,
            id("itchatroom")
        ));
        assert_eq!(
            sh.one(&format!(
                "Get-CsPersistentChatRoom -Identity '{}'",
                id("IT Chat Room")
            ))["members"][0],
            "sip:kenmyer@litwareinc.com"
        );
        sh.ps(&format!(
            r#"Set-CsPersistentChatRoom -Identity "{}" -Category "announcements""#,
            id("Sales Archive")
        ));
        assert_eq!(
            sh.one(&format!(
                "Get-CsPersistentChatRoom -Identity '{}'",
                id("Sales Archive")
            ))["category"],
            "Announcements"
        );
        // Eligible principals: by category or room name, as the cmdlet takes them.
        let eligible = sh.get("Get-CsPersistentChatEligiblePrincipal -Category \"HelpDesk\" -PersistentChatPoolFqdn \"atl-cs-001.litwareinc.com\"");
        assert_eq!(eligible.len(), 4, "{eligible:?}");
        assert_eq!(
            sh.get(
                "Get-CsPersistentChatEligiblePrincipal -Room \"IT Chat Room\" -Filter \"*kim*\""
            )
            .len(),
            2
        );

        // -Presenters: who may present in an auditorium room; a normal room has none.
        let presenters = sh.get("Get-CsPersistentChatEligiblePrincipal -Room \"Sales Leads\" -PersistentChatPoolFqdn \"atl-cs-001.litwareinc.com\" -Presenters");
        assert!(!presenters.is_empty());
        sh.refused(
            "Get-CsPersistentChatEligiblePrincipal -Room \"IT Chat Room\" -Presenters",
            "not an Auditorium room",
        );

        // Policies: a bare name is a per-user (tag) policy.
        sh.ps("New-CsPersistentChatPolicy -Identity \"RedmondPersistentChatPolicy\" -EnablePersistentChat $True");
        let p = sh.one("Get-CsPersistentChatPolicy -Identity \"RedmondPersistentChatPolicy\"");
        assert_eq!(
            (p["identity"].as_str(), p["enablePersistentChat"].as_bool()),
            (Some("tag:RedmondPersistentChatPolicy"), Some(true))
        );
        sh.ps("New-CsPersistentChatPolicy -Identity site:Redmond -EnablePersistentChat $True");
        sh.ps("Set-CsPersistentChatPolicy -Identity site:Redmond -EnablePersistentChat $False -Description \"Redmond users\"");
        assert_eq!(
            sh.one("Get-CsPersistentChatPolicy -Identity site:redmond")["description"],
            "Redmond users"
        );
        sh.ps("Set-CsPersistentChatPolicy -EnablePersistentChat $True");
        assert_eq!(
            sh.one("Get-CsPersistentChatPolicy -Identity Global")["enablePersistentChat"],
            true
        );
        assert_eq!(
            sh.get("Get-CsPersistentChatPolicy -Filter \"site:*\"")
                .len(),
            1
        );
        assert_eq!(
            sh.names("Get-CsPersistentChatPolicy -Filter 'EnablePersistentChat -eq $True'"),
            ["global", "tag:RedmondPersistentChatPolicy"]
        );
        // Grant: the user by display name, UPN, DOMAIN\logon or DN; $Null takes the grant away.
        sh.ps("Grant-CsPersistentChatPolicy -Identity \"Ken Myer\" -PolicyName \"RedmondPersistentChatPolicy\"");
        sh.ps("Grant-CsPersistentChatPolicy -Identity \"pilar@litwareinc.com\" -PolicyName \"redmondpersistentchatpolicy\"");
        sh.ps(r"Grant-CsPersistentChatPolicy -Identity 'LITWAREINC\kim' -PolicyName RedmondPersistentChatPolicy");
        sh.ps("Grant-CsPersistentChatPolicy -Identity \"CN=Kim Abercrombie,OU=IT,DC=litwareinc,DC=com\" -PolicyName RedmondPersistentChatPolicy");
        let granted = |sh: &Shell| sh.get("Get-CsAdPrincipal").len();
        assert_eq!(granted(&sh), 6);
        let policy_of = |sh: &Shell, who: &str| {
            let run = sh.run(
                &["principal", "policy", "--identity", who, "--format", "json"].map(String::from),
            );
            let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            v[0]["policy"].as_str().unwrap_or_default().to_string()
        };
        for who in [
            "sip:kenmyer@litwareinc.com",
            "sip:pilar@litwareinc.com",
            "sip:kim@litwareinc.com",
            "sip:kima@litwareinc.com",
        ] {
            assert_eq!(
                policy_of(&sh, who),
                "tag:RedmondPersistentChatPolicy",
                "{who}"
            );
        }
        sh.refused("Grant-CsPersistentChatPolicy -Identity \"Kim*\" -PolicyName RedmondPersistentChatPolicy", "names 2 users");
        sh.ps("Grant-CsPersistentChatPolicy -Identity \"Ken Myer\" -PolicyName $Null");
        assert_eq!(policy_of(&sh, "sip:kenmyer@litwareinc.com"), "site:Redmond");
        sh.refused(
            "Remove-CsPersistentChatPolicy -Identity RedmondPersistentChatPolicy",
            "--force",
        );
        // A pipeline: every user of the directory that a filter selects, in one transaction.
        let out = sh.ps("Get-CsAdPrincipal -Filter {DisplayName -like \"Kim*\"} | Grant-CsPersistentChatPolicy -PolicyName $Null");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(policy_of(&sh, "sip:kim@litwareinc.com"), "global");

        // The directory: Get-CsAdPrincipal's filters never answer empty by mistake.
        assert_eq!(
            sh.names(r#"Get-CsAdPrincipal -Filter {SipAddress -eq "sip:kenmyer@litwareinc.com"}"#),
            ["sip:kenmyer@litwareinc.com"]
        );
        assert_eq!(
            sh.names(
                "Get-CsAdPrincipal -Filter 'Site -eq \"Redmond\" -and DisplayName -like \"P*\"'"
            ),
            ["sip:pilar@litwareinc.com"]
        );
        assert_eq!(
            sh.get("Get-CsAdPrincipal -OU \"OU=IT,DC=litwareinc,DC=com\"")
                .len(),
            2
        );
        assert_eq!(
            sh.get("Get-CsAdPrincipal -Identity \"sip:kim@litwareinc.com\"")
                .len(),
            1
        );
        sh.refused(
            r#"Get-CsAdPrincipal -Filter {SipAdress -eq "sip:kenmyer@litwareinc.com"}"#,
            "did you mean `SipAddress`",
        );
        sh.refused(
            r#"Get-CsAdPrincipal -Filter {SipAddress -match "ken"}"#,
            "not a comparison",
        );

        // Compliance and configuration: Set- without -Identity is the global one.
        sh.ps(r#"New-CsPersistentChatComplianceConfiguration -Identity "site:Redmond" -AdapterType "Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance" -AdapterOutputDirectory "C:\Compliance" -RunInterval "00:30:00" -AddUserDetails $True"#);
        let c = sh.one("Get-CsPersistentChatComplianceConfiguration -Identity site:Redmond");
        assert_eq!(
            (c["runInterval"].as_str(), c["addUserDetails"].as_bool()),
            (Some("00:30:00"), Some(true))
        );
        sh.ps("Set-CsPersistentChatComplianceConfiguration -Identity site:redmond -OneChatRoomPerOutputFile $True -AddChatRoomDetails $True -CreateFileAttachmentsManifest $False");
        assert_eq!(
            sh.one("Get-CsPersistentChatComplianceConfiguration -Identity site:Redmond")
                ["oneChatRoomPerOutputFile"],
            true
        );
        sh.ps("Set-CsPersistentChatComplianceConfiguration -RunInterval 01:00:00");
        assert_eq!(
            sh.one("Get-CsPersistentChatComplianceConfiguration -Identity global")["runInterval"],
            "01:00:00"
        );
        assert_eq!(
            sh.get("Get-CsPersistentChatComplianceConfiguration -Filter \"site:*\"")
                .len(),
            1
        );
        sh.ps("Remove-CsPersistentChatComplianceConfiguration -Identity \"site:Redmond\"");
        assert!(sh
            .get("Get-CsPersistentChatComplianceConfiguration -Filter \"site:*\"")
            .is_empty());
        sh.ps(&format!("New-CsPersistentChatConfiguration -Identity \"service:PersistentChatServer:{POOL}\" -DefaultChatHistory 25"));
        sh.ps(&format!("Set-CsPersistentChatConfiguration -Identity \"service:PersistentChatServer:{POOL}\" -MaxFileSizeKB 10000 -ParticipantUpdateLimit 100"));
        let c = sh.one(&format!(
            "Get-CsPersistentChatConfiguration -Identity \"service:PersistentChatServer:{POOL}\""
        ));
        assert_eq!(
            (
                c["defaultChatHistory"].as_u64(),
                c["maxFileSizeKB"].as_u64()
            ),
            (Some(25), Some(10000))
        );
        sh.ps("Set-CsPersistentChatConfiguration -DefaultChatHistory 50");
        assert_eq!(
            sh.one("Get-CsPersistentChatConfiguration -Identity global")["defaultChatHistory"],
            50
        );
        sh.ps(&format!("Remove-CsPersistentChatConfiguration -Identity \"service:PersistentChatServer:{POOL}\""));
        assert_eq!(sh.get("Get-CsPersistentChatConfiguration").len(), 1);

        // Endpoints.
        sh.ps(&format!(r#"New-CsPersistentChatEndpoint -SipAddress "sip:ITChatEndpoint@litwareinc.com" -PersistentChatPoolFqdn "{POOL}" -DisplayName "IT Chat Endpoint""#));
        assert_eq!(
            sh.one("Get-CsPersistentChatEndpoint -Identity \"sip:ITChatEndpoint@litwareinc.com\"")
                ["displayName"],
            "IT Chat Endpoint"
        );
        assert_eq!(
            sh.get(&format!(
                "Get-CsPersistentChatEndpoint -PersistentChatPoolFqdn {POOL}"
            ))
            .len(),
            1
        );
        assert_eq!(
            sh.get("Get-CsPersistentChatEndpoint -Filter {DisplayName -like \"IT*\"}")
                .len(),
            1
        );
        sh.ps("Remove-CsPersistentChatEndpoint -Identity \"sip:ITChatEndpoint@litwareinc.com\"");
        assert!(sh.get("Get-CsPersistentChatEndpoint").is_empty());

        // State and active servers: the help's identities.
        sh.ps(&format!("Set-CsPersistentChatState -Identity \"PersistentChatServer:{POOL}\" -PoolState FailedOver"));
        assert_eq!(
            sh.one(&format!(
                "Get-CsPersistentChatState -Identity \"PersistentChatServer:{POOL}\""
            ))["poolState"],
            "FailedOver"
        );
        sh.ps(&format!("Set-CsPersistentChatState -Identity \"service:PersistentChatServer:{POOL}\" -PoolState Normal"));
        // Normal is the default, which JSON lists like any other value.
        assert_eq!(
            sh.one("Get-CsPersistentChatState -Filter \"*litwareinc.com\"")["poolState"],
            "Normal"
        );
        sh.ps("Set-CsPersistentChatActiveServer -Identity \"global\" -ActiveServers $Null");
        sh.ps("Set-CsPersistentChatActiveServer -Identity \"global\" -ActiveServers @{Add=\"atl-gc-001.litwareinc.com\"}");
        let active = |sh: &Shell| {
            let run = sh.run(&["active-server", "get", "--format", "json"].map(String::from));
            let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            v[0]["activeServers"].clone()
        };
        assert_eq!(
            active(&sh),
            serde_json::json!(["atl-gc-001.litwareinc.com"])
        );
        sh.ps("Set-CsPersistentChatActiveServer -Identity \"PChatServerCollection\" -Swap");
        assert_eq!(
            active(&sh),
            serde_json::json!(["atl-gc-002.litwareinc.com"])
        );
        sh.ps(
            "Set-CsPersistentChatActiveServer -ActiveServers @{Add=\"atl-gc-001.litwareinc.com\"}",
        );
        assert_eq!(active(&sh).as_array().map(Vec::len), Some(2));

        // Messages: dates as the help writes them (month/day/year), said back in ISO form.
        let post = |room: &str, at: &str, text: &str| {
            let args = [
                "message",
                "post",
                "--room",
                &id(room),
                "--from",
                "sip:kenmyer@litwareinc.com",
                "--at",
                at,
                text,
            ];
            let run = sh.run(&args.map(String::from));
            assert_eq!(run.code, 0, "{}", run.stderr);
        };
        post("IT Chat Room", "2012-03-20T10:00:00Z", "printer on fire");
        post("IT Chat Room", "2012-04-02T10:00:00Z", "printer fixed");
        post("IT Chat Room", "2018-02-28T10:00:00Z", "new printer");
        post("Sales Leads", "2018-02-01T10:00:00Z", "a lead");
        post("Sales Archive", "2018-02-01T10:00:00Z", "an old lead");
        let out = sh.ps(&format!("Remove-CsPersistentChatMessage -Identity \"{}\" -EndDate 4/1/2012 -Filter \"printer\" -Remove", id("it chat room")));
        assert!(
            out.contains("removed 1 message") && out.contains("on or before 2012-04-01"),
            "{out}"
        );
        let out = sh.ps(&format!("Remove-CsPersistentChatMessage -Identity \"{}\" -UserUri \"sip:kenmyer@litwareinc.com\" -Filter \"PRINTER\" -CaseSensitive $True", id("IT Chat Room")));
        assert!(out.contains("replaced 0 messages"), "{out}");
        let out = sh.ps(&format!("Remove-CsPersistentChatMessage -Identity \"{}\" -StartDate \"4/1/2012\" -Filter \"printer\" -ReplaceMessage \"[removed]\"", id("IT Chat Room")));
        assert!(
            out.contains("replaced 2 messages") && out.contains("on or after 2012-04-01"),
            "{out}"
        );
        let out = sh.ps(&format!(
            "Clear-CsPersistentChatRoom -Identity \"{}\" -EndDate \"3/1/2018\"",
            id("IT Chat Room")
        ));
        assert!(
            out.contains("removed 2 messages") && out.contains("on or before 2018-03-01"),
            "{out}"
        );
        let out = sh.ps("Get-CsPersistentChatRoom -Filter \"Sales*\" | Clear-CsPersistentChatRoom -EndDate \"3/1/2018\" -Confirm:$False");
        assert!(out.contains("removed 2 messages from 2 rooms"), "{out}");
        sh.refused(
            "Clear-CsPersistentChatRoom -Identity atl-cs-001.litwareinc.com\\x -EndDate 13/1/2018",
            "is not a date",
        );
        sh.ps("Set-CsPersistentChatPolicy -Identity site:Redmond -EnablePersistentChat $True");
        let out = sh.ps(&format!("Test-CsPersistentChatMessage -TargetFqdn \"{POOL}\" -SenderSipAddress \"sip:kenmyer@litwareinc.com\" -SenderCredential cred1 -ReceiverSipAddress \"sip:pilar@litwareinc.com\" -ReceiverCredential cred2"));
        assert!(out.contains("Success"), "{out}");

        // Data: the cmdlets' parameter names; -DBInstance says what it is.
        let run = sh.run(&transcribe(r#"Export-CsPersistentChatData -DBInstance "atl-sql-001.litwareinc.com\rtc" -FileName "C_PChatExport.zip" -Level Content"#));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("names a SQL Server instance"),
            "{}",
            run.stderr
        );
        assert!(sh.t.dir.path().join("C_PChatExport.zip").is_file());
        let out = sh.ps(&format!("Export-CsPersistentChatData -DBInstance \"{}\" -FileName \"Sales.zip\" -Scope \"HelpDesk\",\"Announcements\" -StartDate 1/3/2018", sh.t.url));
        assert!(out.contains("on or after 2018-01-03"), "{out}");

        // Pipelines of removal: shown first, done with consent, in one transaction.
        let run = sh.run(&["room", "remove", "--filter", "Sales*"].map(String::from));
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(
            run.stderr.contains("would act on 2 objects"),
            "{}",
            run.stderr
        );
        // The preview says what history a removal would take with it.
        assert!(!run.stderr.contains("would be deleted"), "{}", run.stderr);
        post("IT Chat Room", "2019-01-01T10:00:00Z", "still here");
        let with_history = sh.run(&["room", "remove", "--filter", "IT*"].map(String::from));
        assert_eq!(with_history.code, 3, "{}", with_history.stderr);
        assert!(
            with_history
                .stderr
                .contains("their 1 message would be deleted with them"),
            "{}",
            with_history.stderr
        );
        assert_eq!(sh.names("Get-CsPersistentChatRoom").len(), 3);
        let out =
            sh.ps("Get-CsPersistentChatRoom -Filter \"Sales*\" | Remove-CsPersistentChatRoom");
        assert!(out.contains("2 objects selected"), "{out}");
        assert_eq!(sh.names("Get-CsPersistentChatRoom"), [id("IT Chat Room")]);
        sh.refused(
            "Remove-CsPersistentChatCategory -Identity 'atl-cs-001.litwareinc.com\\HELPDESK'",
            "still has 1 room",
        );
        // The room holds a message: as the cmdlet asks to confirm, pchat wants `--yes`.
        sh.refused(
            &format!(
                "Remove-CsPersistentChatRoom -Identity \"{}\"",
                id("it chat room")
            ),
            "holds 1 message",
        );
        let gone = sh
            .run(&["room", "remove", "--identity", &id("it chat room"), "--yes"].map(String::from));
        assert_eq!(gone.code, 0, "{}", gone.stderr);
        sh.ps("Remove-CsPersistentChatAddin -Identity \"atl-cs-001.litwareinc.com\\ITPersistentChatAddin\"");
        assert!(sh.get("Get-CsPersistentChatAddin").is_empty());
        sh.ps("Get-CsPersistentChatCategory | Remove-CsPersistentChatCategory");
        assert!(sh.get("Get-CsPersistentChatCategory").is_empty());
        sh.ps(
            "Get-CsPersistentChatPolicy -Filter \"tag:*\" | Remove-CsPersistentChatPolicy -Force",
        );
        assert!(sh
            .get("Get-CsPersistentChatPolicy -Filter \"tag:*\"")
            .is_empty());
        sh.ps("Remove-CsPersistentChatPolicy -Identity site:Redmond");
        sh.ps("Import-CsPersistentChatData -DBInstance \"atl-sql-001.litwareinc.com\\rtc\" -FileName \"C_PChatExport.zip\"");
        assert_eq!(sh.names("Get-CsPersistentChatRoom").len(), 3);
        assert_eq!(sh.get("Get-CsPersistentChatCategory").len(), 2);
    }
}

/// Every cmdlet is transcribed at least once above, and every pchat command in the table
/// exists (clap parses its `--help`-free form up to the missing arguments).
#[test]
fn every_cmdlet_has_a_command() {
    let source = include_str!("cmdlet_examples.rs");
    // Past the table itself: the tests that run help-page lines.
    let body = &source[source.find("fn kebab").unwrap()..];
    for (cmdlet, command) in CMDLETS {
        assert!(body.contains(cmdlet), "no example of {cmdlet}");
        let mut argv = vec!["pchat"];
        argv.extend(command.split(' '));
        argv.push("--help");
        let err = <pchat::cli::Cli as clap::Parser>::try_parse_from(&argv).unwrap_err();
        assert_eq!(
            err.kind(),
            clap::error::ErrorKind::DisplayHelp,
            "{command}: {err}"
        );
    }
    // The 38 cmdlets, and Get-CsUser, which the Grant- help page pipes users from.
    assert_eq!(CMDLETS.len(), 39);
}

/// Splits a script into statements: lines, except inside a single-quoted string (which may
/// hold newlines; `''` is a quote inside one).
fn statements(script: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in script.chars() {
        match c {
            '\'' => quoted = !quoted,
            '\n' if !quoted => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// A rendered plan reads like the help pages: each cmdlet line, transcribed back by the same
/// rules, is a pchat command, and identities and Booleans take the documented forms.
#[test]
fn rendered_scripts_speak_the_help_pages_forms() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::common::root().join("examples/litware");
    let config = config.to_str().unwrap();
    let run = pchat_in(
        dir.path(),
        &["--new-store", "plan", config, "--format", "powershell"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut script = run.stdout.clone();
    // And the removals and resets: everything but the topology and directory pruned.
    let applied = pchat_in(dir.path(), &["apply", config, "--yes"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let topology = crate::common::root().join("examples/litware/topology.yaml");
    let directory = crate::common::root().join("examples/litware/directory.yaml");
    let (topology, directory) = (topology.to_str().unwrap(), directory.to_str().unwrap());
    let prune = [
        "plan",
        topology,
        directory,
        "--prune",
        "all",
        "--format",
        "powershell",
    ];
    let pruned = pchat_in(dir.path(), &prune);
    assert_eq!(pruned.code, 0, "{}", pruned.stderr);
    script.push_str(&pruned.stdout);
    let mut seen = std::collections::BTreeSet::new();
    for st in statements(&script) {
        // Each call sits in its journal guard; `-WhatIf:$WhatIf` is the script's passthrough.
        let mut st = st.trim().replace(" -WhatIf:$WhatIf", "");
        // A cmdlet without -WhatIf runs in the else branch of `if ($WhatIf) { … } else { … }`.
        if let Some((_, call)) = st.split_once("} else { ") {
            st = call.trim_end_matches(" }").to_string();
        }
        let Some(cmdlet) = st
            .split(' ')
            .next()
            .filter(|c| CMDLETS.iter().any(|(n, _)| n == c))
        else {
            continue;
        };
        seen.insert(cmdlet.to_string());
        let mut argv = vec!["pchat".to_string()];
        argv.extend(transcribe(&st));
        if let Err(e) = <pchat::cli::Cli as clap::Parser>::try_parse_from(&argv) {
            panic!("{st}\n  as {argv:?}\nis not a pchat command: {e}");
        }
        if cmdlet.ends_with("-CsPersistentChatPolicy") {
            assert!(
                !st.contains("-Identity 'tag:"),
                "a per-user policy by its bare name: {st}"
            );
        }
        if cmdlet.contains("State") || cmdlet.contains("ActiveServer") {
            assert!(st.contains("-Identity 'PersistentChatServer:"), "{st}");
        }
        assert!(!st.contains("$true") && !st.contains("$false"), "{st}");
    }
    assert!(seen.len() >= 15, "{seen:?}");
    assert!(run
        .stdout
        .contains("-Identity 'ChatEnabled' -EnablePersistentChat $True"));
}
