//! Chat history is never lost by accident, on both backends: a room, a category or an add-in
//! renamed in YAML with `previousNames` is one `Set-… -Name` that keeps the object's id, lists,
//! messages and ownership; removing a room with messages needs consent (`--allow-destroy` or
//! `lifecycle.allowDestroy`); out-of-band drift is shown apart from configuration changes.

use crate::common::db::{TestStore, BACKENDS};
use crate::reconcile::{code, run};

const POOL: &str = "p.litwareinc.com";

/// A configuration of one category, one add-in and one room with members, a manager and the
/// add-in; `names` are (category, add-in, room), each `NEW` or `NEW<-OLD` (a rename).
fn config(t: &TestStore, names: [&str; 3]) -> String {
    let [category, addin, room] = names.map(|n| match n.split_once("<-") {
        Some((new, old)) => (new.to_string(), format!("\n    previousNames: ['{old}']")),
        None => (n.to_string(), String::new()),
    });
    let yaml = format!(
        "pools:\n  - fqdn: {POOL}\nprincipals:\n  - type: User\n    sipAddress: sip:kim@litwareinc.com\n  \
         - type: User\n    sipAddress: sip:ken@litwareinc.com\n\
         categories:\n  - name: {c}{cp}\n    allowedMembers: ['sip:kim@litwareinc.com', 'sip:ken@litwareinc.com']\n    \
         creators: ['sip:kim@litwareinc.com']\n\
         addins:\n  - name: {a}{ap}\n    url: https://apps.litwareinc.com/board\n\
         rooms:\n  - name: {r}{rp}\n    category: {c}\n    addin: {a}\n    \
         members: ['sip:kim@litwareinc.com', 'sip:ken@litwareinc.com']\n    managers: ['sip:kim@litwareinc.com']\n",
        c = category.0,
        cp = category.1,
        a = addin.0,
        ap = addin.1,
        r = room.0,
        rp = room.1,
    );
    let path = t.dir.path().join("chat.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

#[track_caller]
fn json(t: &TestStore, args: &[&str]) -> serde_json::Value {
    let r = run(t, args);
    assert_eq!(r.code, 0, "{args:?}:\n{}{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn renamed_objects_keep_their_history_lists_and_ownership() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let first = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &first, "--yes"], 0);
        let old_room = format!("{POOL}\\Architecture Council");
        code(
            &t,
            &[
                "message",
                "post",
                "--room",
                &old_room,
                "--from",
                "sip:kim@litwareinc.com",
                "keep me",
            ],
            0,
        );

        // Each kind alone, then all three at once: every plan is one Set- per renamed object.
        let steps = [
            (
                [
                    "Architecture",
                    "Board",
                    "Architecture Board<-Architecture Council",
                ],
                "room",
            ),
            (
                ["Design<-Architecture", "Board", "Architecture Board"],
                "category",
            ),
            (
                ["Design", "Whiteboard<-Board", "Architecture Board"],
                "add-in",
            ),
            (
                [
                    "Engineering<-Design",
                    "Canvas<-Whiteboard",
                    "Eng Board<-Architecture Board",
                ],
                "all",
            ),
        ];
        for (names, what) in steps {
            let path = config(&t, names);
            let plan = json(&t, &["plan", &path, "--format", "json"]);
            let changes = plan["changes"].as_array().unwrap();
            let expected = if what == "all" { 3 } else { 1 };
            assert_eq!(changes.len(), expected, "{what}: {plan:#}");
            for c in changes {
                assert_eq!(c["action"], "update", "{what}: {c:#}");
                assert_eq!(c["cmdlets"].as_array().unwrap().len(), 1, "{what}: {c:#}");
                assert!(
                    c["cmdlets"][0].as_str().unwrap().starts_with("Set-"),
                    "{c:#}"
                );
                assert!(c["renamedFrom"].is_string(), "{c:#}");
            }
            let text = code(&t, &["plan", &path], 0);
            assert!(text.contains("(renamed)"), "{text}");
            let ps = code(&t, &["plan", &path, "--format", "powershell"], 0);
            assert!(ps.contains(" -Name '"), "{ps}");
            assert!(!ps.contains("Remove-Cs"), "{ps}");
            code(&t, &["apply", &path, "--yes"], 0);
            code(&t, &["drift", &path], 0);
        }

        let room = format!("{POOL}\\Eng Board");
        let messages = json(&t, &["message", "get", "--room", &room, "--format", "json"]);
        assert_eq!(messages.as_array().unwrap().len(), 1, "{messages:#}");
        assert_eq!(messages[0]["body"], "keep me");
        let rooms = json(
            &t,
            &["room", "get", "--identity", &room, "--format", "json"],
        );
        assert_eq!(rooms[0]["category"], "Engineering", "{rooms:#}");
        assert_eq!(rooms[0]["addin"], "Canvas", "{rooms:#}");
        assert_eq!(
            rooms[0]["members"].as_array().unwrap().len(),
            2,
            "{rooms:#}"
        );
        assert_eq!(
            rooms[0]["managers"][0], "sip:kim@litwareinc.com",
            "{rooms:#}"
        );
        let categories = json(&t, &["category", "get", "--format", "json"]);
        assert_eq!(categories[0]["creators"][0], "sip:kim@litwareinc.com");
        // As the cmdlet: a room that is not there cannot be found.
        let gone = code(&t, &["room", "get", "--identity", &old_room], 1);
        assert!(gone.contains("cannot find room"), "{gone}");
        // Ownership moved with the names: without the room in the YAML, the plan removes it as
        // a managed object (an unmanaged one would be kept).
        let path = config(&t, ["Engineering", "Canvas", "Eng Board"]);
        let yaml = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &yaml[..yaml.find("rooms:").unwrap()]).unwrap();
        let plan = json(&t, &["plan", &path, "--format", "json"]);
        assert_eq!(plan["changes"].as_array().unwrap().len(), 1, "{plan:#}");
        assert_eq!(plan["changes"][0]["action"], "delete", "{plan:#}");
        assert_eq!(plan["changes"][0]["identity"], room.as_str(), "{plan:#}");
        assert_eq!(plan["changes"][0]["managed"], true, "{plan:#}");
    }
}

/// Names compare without regard to case, as on the service: a YAML that only changes the case
/// of names renames the objects in place (no Remove, no New), and their history stays.
#[test]
fn a_case_only_change_in_yaml_is_a_rename() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let first = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &first, "--yes"], 0);
        let old_room = format!("{POOL}\\Architecture Council");
        let post = [
            "message",
            "post",
            "--room",
            &old_room,
            "--from",
            "sip:kim@litwareinc.com",
            "keep me",
        ];
        code(&t, &post, 0);
        let path = config(&t, ["ARCHITECTURE", "board", "architecture council"]);
        let plan = json(&t, &["plan", &path, "--format", "json"]);
        let changes = plan["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 3, "{plan:#}");
        for c in changes {
            assert_eq!(c["action"], "update", "{c:#}");
            assert_eq!(c["cmdlets"].as_array().unwrap().len(), 1, "{c:#}");
            assert!(c["renamedFrom"].is_string(), "{c:#}");
        }
        let ps = code(&t, &["plan", &path, "--format", "powershell"], 0);
        assert!(!ps.contains("Remove-Cs") && !ps.contains("New-Cs"), "{ps}");
        assert!(
            ps.contains(
                "-Identity 'p.litwareinc.com\\Architecture Council' -Name 'architecture council'"
            ),
            "{ps}"
        );
        code(&t, &["apply", &path, "--yes"], 0);
        code(&t, &["drift", &path], 0);
        // Found under any case; spelt as the YAML now spells it.
        let rooms = json(
            &t,
            &["room", "get", "--identity", &old_room, "--format", "json"],
        );
        assert_eq!(
            rooms[0]["identity"],
            format!("{POOL}\\architecture council"),
            "{rooms:#}"
        );
        assert_eq!(
            (rooms[0]["category"].as_str(), rooms[0]["addin"].as_str()),
            (Some("ARCHITECTURE"), Some("board"))
        );
        assert_eq!(
            rooms[0]["members"].as_array().unwrap().len(),
            2,
            "{rooms:#}"
        );
        let messages = json(
            &t,
            &["message", "get", "--room", &old_room, "--format", "json"],
        );
        assert_eq!(messages[0]["body"], "keep me", "{messages:#}");
        // A room spelt two ways in one configuration is one room declared twice.
        let yaml = std::fs::read_to_string(&path).unwrap();
        let twice = yaml.replace(
            "rooms:\n",
            "rooms:\n  - name: Architecture COUNCIL\n    category: architecture\n",
        );
        std::fs::write(&path, twice).unwrap();
        let r = run(&t, &["validate", &path]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        let said = format!("{}{}", r.stdout, r.stderr);
        assert!(said.contains("is declared more than once"), "{said}");
    }
}

#[test]
fn imperative_set_renames_in_place() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let path = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &path, "--yes"], 0);
        let old = format!("{POOL}\\Architecture Council");
        code(
            &t,
            &[
                "message",
                "post",
                "--room",
                &old,
                "--from",
                "sip:ken@litwareinc.com",
                "still here",
            ],
            0,
        );
        let out = code(
            &t,
            &["room", "set", "--identity", &old, "--name", "Council"],
            0,
        );
        assert!(out.contains("renamed room"), "{out}");
        code(
            &t,
            &[
                "category",
                "set",
                "--identity",
                &format!("{POOL}\\Architecture"),
                "--name",
                "Arch",
            ],
            0,
        );
        code(
            &t,
            &[
                "addin",
                "set",
                "--identity",
                &format!("{POOL}\\Board"),
                "--name",
                "Panel",
            ],
            0,
        );
        let room = format!("{POOL}\\Council");
        let messages = json(&t, &["message", "get", "--room", &room, "--format", "json"]);
        assert_eq!(messages[0]["body"], "still here", "{messages:#}");
        let rooms = json(
            &t,
            &["room", "get", "--identity", &room, "--format", "json"],
        );
        assert_eq!(rooms[0]["category"], "Arch", "{rooms:#}");
        assert_eq!(rooms[0]["addin"], "Panel", "{rooms:#}");
        // A name that is taken is refused, and nothing changes.
        code(
            &t,
            &["room", "set", "--identity", &room, "--name", "Council"],
            0,
        );
        let taken = run(&t, &["category", "new", "--name", "Other"]);
        assert_eq!(taken.code, 0, "{}", taken.stderr);
        let r = run(
            &t,
            &[
                "category",
                "set",
                "--identity",
                &format!("{POOL}\\Arch"),
                "--name",
                "Other",
            ],
        );
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    }
}

#[test]
fn removing_chat_history_needs_consent() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let path = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &path, "--yes"], 0);
        let room = format!("{POOL}\\Architecture Council");
        for text in ["one", "two", "three"] {
            let from = "sip:kim@litwareinc.com";
            code(
                &t,
                &["message", "post", "--room", &room, "--from", from, text],
                0,
            );
        }
        // The room leaves the configuration: the plan says what goes with it.
        let yaml = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &yaml[..yaml.find("rooms:").unwrap()]).unwrap();
        let plan = code(&t, &["plan", &path], 0);
        assert!(plan.starts_with("Destructive"), "{plan}");
        assert!(plan.contains("destroys 3 messages"), "{plan}");
        assert!(plan.contains("apply would refuse"), "{plan}");
        let saved = json(&t, &["plan", &path, "--format", "json"]);
        assert_eq!(saved["changes"][0]["destroys"]["count"], 3, "{saved:#}");
        let md = code(&t, &["plan", &path, "--format", "markdown"], 0);
        assert!(md.contains("**Destructive**"), "{md}");

        // Without consent: refused (exit 3), nothing changes.
        let before = code(&t, &["history", "--format", "json"], 0);
        let refused = run(&t, &["apply", &path, "--yes"]);
        assert_eq!(refused.code, 3, "{}{}", refused.stdout, refused.stderr);
        assert!(
            refused.stderr.contains("destroys 3 messages"),
            "{}",
            refused.stderr
        );
        assert!(
            refused.stderr.contains("--allow-destroy"),
            "{}",
            refused.stderr
        );
        assert_eq!(code(&t, &["history", "--format", "json"], 0), before);
        let messages = json(&t, &["message", "get", "--room", &room, "--format", "json"]);
        assert_eq!(messages.as_array().unwrap().len(), 3);

        // With consent: removed.
        code(&t, &["apply", &path, "--yes", "--allow-destroy"], 0);
        // As the cmdlet: a room that is not there cannot be found.
        let gone = code(&t, &["room", "get", "--identity", &room], 1);
        assert!(gone.contains("cannot find room"), "{gone}");
    }
}

#[test]
fn a_rename_whose_old_and_new_names_both_exist_is_refused() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let path = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &path, "--yes"], 0);
        let category = "Architecture";
        code(
            &t,
            &[
                "room",
                "new",
                "--name",
                "Architecture Board",
                "--category",
                category,
            ],
            0,
        );
        let path = config(
            &t,
            [
                "Architecture",
                "Board",
                "Architecture Board<-Architecture Council",
            ],
        );
        let plan = run(&t, &["plan", &path]);
        assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
        assert!(plan.stderr.contains("both exist"), "{}", plan.stderr);
        let before = code(&t, &["history", "--format", "json"], 0);
        let r = run(&t, &["apply", &path, "--yes", "--allow-destroy", "--force"]);
        assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("Architecture Council"), "{}", r.stderr);
        assert_eq!(code(&t, &["history", "--format", "json"], 0), before);
    }
}

#[test]
fn out_of_band_drift_is_shown_apart_from_configuration_changes() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let path = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &path, "--yes"], 0);
        code(&t, &["plan", &path, "--detailed-exitcode"], 0);

        // A hand change in the store: drift only (exit 4).
        let room = format!("{POOL}\\Architecture Council");
        code(
            &t,
            &[
                "room",
                "set",
                "--identity",
                &room,
                "--description",
                "by hand",
            ],
            0,
        );
        let text = code(&t, &["plan", &path, "--detailed-exitcode"], 4);
        let drift_at = text.find("Out-of-band drift").expect(&text);
        assert!(text[drift_at..].contains(&room), "{text}");
        let plan = json(&t, &["plan", &path, "--format", "json"]);
        assert_eq!(plan["drift"][0]["identity"], room.as_str(), "{plan:#}");
        assert_eq!(plan["changes"][0]["drift"], true, "{plan:#}");

        // A configuration edit besides: both, apart (exit 2).
        let yaml = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            yaml.replace("apps.litwareinc.com/board", "apps.litwareinc.com/b2"),
        )
        .unwrap();
        let text = code(&t, &["plan", &path, "--detailed-exitcode"], 2);
        let drift_at = text.find("Out-of-band drift").expect(&text);
        let addin = text.find("add-in").expect(&text);
        assert!(
            addin < drift_at,
            "the configuration change comes first, apart: {text}"
        );
        assert!(text[drift_at..].contains(&room), "{text}");
        let plan = json(&t, &["plan", &path, "--format", "json"]);
        assert_eq!(plan["drift"].as_array().unwrap().len(), 1, "{plan:#}");

        // After an apply, both are gone.
        code(&t, &["apply", &path, "--yes"], 0);
        code(&t, &["plan", &path, "--detailed-exitcode"], 0);
    }
}

#[test]
fn consent_given_ahead_in_lifecycle_allows_destroying_history() {
    for b in BACKENDS {
        let t = TestStore::new(b);
        let path = config(&t, ["Architecture", "Board", "Architecture Council"]);
        code(&t, &["apply", &path, "--yes"], 0);
        let room = format!("{POOL}\\Architecture Council");
        let from = "sip:kim@litwareinc.com";
        code(
            &t,
            &["message", "post", "--room", &room, "--from", from, "bye"],
            0,
        );
        // Consent first: a change of pchat's own record, shown and applied.
        let yaml = std::fs::read_to_string(&path).unwrap();
        let consent = yaml.trim_end().to_string() + "\n    lifecycle:\n      allowDestroy: true\n";
        std::fs::write(&path, &consent).unwrap();
        let plan = code(&t, &["plan", &path], 0);
        assert!(plan.contains("lifecycle.allowDestroy"), "{plan}");
        code(&t, &["apply", &path, "--yes"], 0);
        // Then the removal: no --allow-destroy needed.
        std::fs::write(&path, &consent[..consent.find("rooms:").unwrap()]).unwrap();
        let plan = run(&t, &["plan", &path]);
        assert!(
            plan.stdout.contains("destroys 1 message"),
            "{}",
            plan.stdout
        );
        assert!(
            !plan.stderr.contains("apply would refuse"),
            "{}",
            plan.stderr
        );
        code(&t, &["apply", &path, "--yes"], 0);
        // As the cmdlet: a room that is not there cannot be found.
        let gone = code(&t, &["room", "get", "--identity", &room], 1);
        assert!(gone.contains("cannot find room"), "{gone}");
    }
}
