//! `pchat validate` end to end.

use std::path::Path;

use crate::common::{assert_snapshot, pchat, pchat_in, root};

#[test]
fn litware_is_valid() {
    let run = pchat(&["validate", "--color", "never", "examples/litware"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("ok: 9 files valid"));
    // What was understood: counts per kind, then per pool.
    let declared = lines.next().unwrap();
    assert!(
        declared.starts_with("declared: 2 pools, 28 principals, 9 categories"),
        "{declared}"
    );
    assert!(declared.contains(", 37 rooms,"), "{declared}");
    assert!(declared.ends_with("2 active-server lists"), "{declared}");
    assert_eq!(
        lines.next(),
        Some("  atl-pchat-001.litwareinc.com: 6 categories, 2 add-ins, 28 rooms")
    );
    assert_eq!(
        lines.next(),
        Some("  dub-pchat-001.litwareinc.com: 3 categories, 1 add-in, 9 rooms")
    );
}

/// Every broken example fails with exit 1 and exactly its recorded output, which names
/// file:line:column and the path of the mistake.
#[test]
fn every_invalid_example_fails_with_its_expected_report() {
    let dir = root().join("examples/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "only {} invalid examples", files.len());
    for file in files {
        let rel = format!(
            "examples/invalid/{}",
            file.file_name().unwrap().to_string_lossy()
        );
        let run = pchat(&["validate", "--color", "never", &rel]);
        assert_eq!(run.code, 1, "{rel} should be invalid:\n{}", run.stdout);
        let located = format!("--> {rel}:");
        assert!(
            run.stdout.contains(&located),
            "{rel}: no file:line:column in\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(" ("),
            "{rel}: no path in\n{}",
            run.stdout
        );
        assert_snapshot(&file.with_extension("expected"), &run.stdout);
    }
}

#[test]
fn unknown_names_get_the_nearest_suggestion() {
    let cases = [
        ("unknown-field.yaml", "did you mean `privacy`?"),
        ("unknown-kind.yaml", "did you mean `rooms`?"),
        ("bad-privacy.yaml", "did you mean `Closed`?"),
        ("bad-room-type.yaml", "did you mean `Auditorium`?"),
        ("dangling-category.yaml", "did you mean `Sales`?"),
        (
            "ignore-changes-unknown-field.yaml",
            "did you mean `description`?",
        ),
    ];
    for (file, hint) in cases {
        let run = pchat(&["validate", &format!("examples/invalid/{file}")]);
        assert!(
            run.stdout.contains(hint),
            "{file}: expected `{hint}` in\n{}",
            run.stdout
        );
    }
    // Enum errors list every allowed value.
    let run = pchat(&["validate", "examples/invalid/bad-privacy.yaml"]);
    assert!(run
        .stdout
        .contains("expected one of `Open`, `Closed`, `Secret`"));
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const POOL: &str = "pools:\n  - fqdn: p.example.com\n";

#[test]
fn all_errors_are_reported_sorted_across_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "cfg/a.yaml",
        &format!("{POOL}categories:\n  - name: C\n"),
    );
    // Two type errors in one file, and a rule error in another: all three are reported.
    write(
        tmp.path(),
        "cfg/b.yaml",
        "rooms:\n  - name: R1\n    category: C\n    privacy: Opn\n  - name: R2\n    category: C\n    typ: Normal\n",
    );
    write(
        tmp.path(),
        "cfg/sub/c.yaml",
        "rooms:\n  - name: R3\n    category: Nope\n",
    );
    let run = pchat_in(tmp.path(), &["validate", "--color", "never", "cfg"]);
    assert_eq!(run.code, 1);
    // Type errors in one file stop the cross-file checks (the file cannot be read whole).
    let b1 = run
        .stdout
        .find("cfg/b.yaml:4:14 (rooms[0].privacy)")
        .expect("first error");
    let b2 = run
        .stdout
        .find("cfg/b.yaml:7:5 (rooms[1].typ)")
        .expect("second error");
    assert!(b1 < b2, "errors are sorted by position:\n{}", run.stdout);
    assert!(
        run.stdout.ends_with("error: 2 errors in 3 files\n"),
        "{}",
        run.stdout
    );

    // Fix the type errors: now the rule error of the third file is reported.
    write(
        tmp.path(),
        "cfg/b.yaml",
        "rooms:\n  - name: R1\n    category: C\n",
    );
    let run = pchat_in(tmp.path(), &["validate", "--color", "never", "cfg"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("cfg/sub/c.yaml:3:15 (rooms[0].category)"),
        "{}",
        run.stdout
    );
}

#[test]
fn duplicates_across_files_name_both_places() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.yaml",
        &format!("{POOL}categories:\n  - name: C\n"),
    );
    write(
        tmp.path(),
        "b.yaml",
        "categories:\n  - name: X\n  - name: C\n",
    );
    let run = pchat_in(tmp.path(), &["validate", "--color", "never", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("category `p.example.com\\C` is declared more than once"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--> ./b.yaml:3:5 (categories[1])"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("first declared at ./a.yaml:4:5"),
        "{}",
        run.stdout
    );
}

#[test]
fn warnings_are_shown_but_do_not_fail() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.yaml",
        &format!("{POOL}categories:\n  - name: C\nrooms:\n  - name: Stage\n    category: C\n    type: Auditorium\n"),
    );
    let run = pchat_in(tmp.path(), &["validate", "--color", "never", "a.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("warning: an Auditorium room without presenters"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--> a.yaml:6:5 (rooms[0].presenters)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ok: 1 file valid, 1 warning\ndeclared: 1 pool, 1 category, 1 room\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_format_for_machines() {
    let run = pchat(&[
        "validate",
        "--format",
        "json",
        "examples/invalid/dangling-category.yaml",
    ]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "examples/invalid/dangling-category.yaml");
    assert_eq!(d["line"], 14);
    assert_eq!(d["column"], 15);
    assert_eq!(d["path"], "rooms[0].category");
    assert_eq!(d["help"], "did you mean `Sales`?");

    let run = pchat(&["validate", "--format", "json", "examples/litware"]);
    assert_eq!(run.code, 0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["valid"], true);
    assert_eq!(v["files"].as_array().unwrap().len(), 9);
}

#[test]
fn missing_paths_and_empty_directories_are_clear_errors() {
    let run = pchat(&["validate", "no/such/dir"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot read no/such/dir"),
        "{}",
        run.stderr
    );
    let tmp = tempfile::tempdir().unwrap();
    let run = pchat_in(tmp.path(), &["validate", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no .yaml or .yml files under ."),
        "{}",
        run.stderr
    );
    let run = pchat(&["validate"]);
    assert_eq!(run.code, 1, "a usage error exits 1");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let always = pchat(&[
        "validate",
        "--color",
        "always",
        "examples/invalid/dangling-category.yaml",
    ]);
    assert!(
        always.stdout.contains("\x1b[1;31merror\x1b[0m"),
        "{:?}",
        always.stdout
    );
    // Not a terminal under test: `auto` is plain.
    let auto = pchat(&["validate", "examples/invalid/dangling-category.yaml"]);
    assert!(!auto.stdout.contains('\x1b'));
}

/// Every problem of one object comes out in one run: two misspelt fields and a bad value of
/// one room are three errors, each at its line, not one per run.
#[test]
fn every_problem_of_one_object_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\n    persistentChatPoolFqdn: p.litwareinc.com\nrooms:\n  - name: R1\n    category: C\n    privasy: Open\n    typ: Normal\n    disabled: maybe\n",
    );
    let run = pchat_in(dir.path(), &["validate", "--color", "never", "a.yaml"]);
    assert_eq!(run.code, 1);
    let out = format!("{}{}", run.stdout, run.stderr);
    for (at, what) in [
        ("a.yaml:9:5 (rooms[0].privasy)", "did you mean `privacy`?"),
        ("a.yaml:10:5 (rooms[0].typ)", "did you mean `type`?"),
        (
            "a.yaml:11:15 (rooms[0].disabled)",
            "expected `true` or `false`",
        ),
    ] {
        assert!(out.contains(at) && out.contains(what), "{at}: {out}");
    }
    assert!(out.contains("3 errors in 1 file"), "{out}");
}

/// Membership is judged through the directory: with lists of principals but no `principals:`,
/// one warning says it cannot be, instead of silence; declaring them ends it.
#[test]
fn lists_without_a_directory_get_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let head = "pools:\n  - fqdn: p.litwareinc.com\ncategories:\n  - name: C\n    persistentChatPoolFqdn: p.litwareinc.com\n    allowedMembers: [sip:kim@litwareinc.com]\n  - name: D\n    persistentChatPoolFqdn: p.litwareinc.com\nrooms:\n  - name: R1\n    category: C\n    members: [sip:ken@litwareinc.com]\n";
    write(dir.path(), "a.yaml", head);
    let run = pchat_in(dir.path(), &["validate", "--color", "never", "a.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(
        out.matches("no `principals:` are declared").count(),
        1,
        "{out}"
    );
    let with = format!(
        "{head}principals:\n  - type: User\n    sipAddress: sip:kim@litwareinc.com\n  - type: User\n    sipAddress: sip:ken@litwareinc.com\n"
    );
    write(dir.path(), "a.yaml", &with);
    let run = pchat_in(dir.path(), &["validate", "--color", "never", "a.yaml"]);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(!out.contains("no `principals:`"), "{out}");
    // With the directory, the member the category does not allow is found.
    assert!(
        out.contains("`sip:ken@litwareinc.com` is not allowed"),
        "{out}"
    );
}

/// Every command that reads a configuration places its problems in their file, as `validate`
/// does, instead of only counting them.
#[test]
fn every_command_that_reads_a_configuration_says_where_it_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = root().join("examples/invalid/bad-privacy.yaml");
    let bad = bad.to_str().unwrap();
    let store = format!("sqlite://{}", tmp.path().join("s.db").display());
    for args in [
        &["plan", bad][..],
        &["apply", bad, "--yes"],
        &["drift", bad],
        &["adopt", bad],
        &["live", "script", bad],
        &["live", "snapshot", bad],
    ] {
        let mut all = vec!["--store", &store, "--new-store"];
        all.extend(args);
        let run = pchat_in(tmp.path(), &all);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("bad-privacy.yaml:")
                && run.stderr.contains("did you mean `Closed`?"),
            "{args:?} did not place the problem:\n{}",
            run.stderr
        );
    }
}
