//! The directory end to end on both backends: import (CSV, LDIF, YAML), eligibility with groups
//! and OUs expanded and denied members subtracted, effective policy precedence, and the
//! membership rules of rooms once principals are known.

use crate::cli_store::{id, Env};
use crate::common::db::BACKENDS;

const CSV: &str = "type,sipAddress,distinguishedName,displayName,site,enabled,members
User,sip:kim@litwareinc.com,\"CN=Kim Akers,OU=Sales,OU=Staff,DC=litwareinc,DC=com\",Kim Akers,Atlanta,true,
User,sip:david@litwareinc.com,\"CN=David,OU=Sales,OU=Staff,DC=litwareinc,DC=com\",David,Atlanta,true,
User,sip:former@litwareinc.com,\"CN=Former,OU=Sales,OU=Staff,DC=litwareinc,DC=com\",Former,Atlanta,false,
User,sip:rachel@litwareinc.com,\"CN=Rachel,OU=Legal,OU=Staff,DC=litwareinc,DC=com\",Rachel,Dublin,true,
OrganizationalUnit,,\"OU=Sales,OU=Staff,DC=litwareinc,DC=com\",,,,
";

const LDIF: &str = "version: 1

dn: CN=Ken Myer,OU=Finance,OU=Staff,DC=litwareinc,DC=com
objectClass: top
objectClass: person
objectClass: user
msRTCSIP-PrimaryUserAddress: sip:ken@litwareinc.com
displayName: Ken Myer
site: Atlanta

dn: CN=Executives,OU=Groups,DC=litwareinc,DC=com
objectClass: group
member: CN=Ken Myer,OU=Finance,OU=Staff,DC=litwareinc,DC=com
member: CN=Inner,OU=Groups,DC=litwareinc,DC=com

dn: CN=Inner,OU=Groups,DC=litwareinc,DC=com
objectClass: group
member: CN=Rachel,OU=Legal,OU=Staff,DC=litwareinc,DC=com
";

const YAML: &str = "principals:
  - type: User
    sipAddress: sip:ana@litwareinc.com
    distinguishedName: CN=Ana,OU=Engineering,OU=Staff,DC=litwareinc,DC=com
";

fn sips(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["sipAddress"].as_str().unwrap().to_string())
        .collect()
}

fn import_all(e: &Env) {
    for (name, text) in [("d.csv", CSV), ("d.ldif", LDIF), ("d.yaml", YAML)] {
        std::fs::write(e.t.dir.path().join(name), text).unwrap();
        let out = e.ok(&["principal", "import", name]);
        assert!(out.starts_with("imported "), "{out}");
    }
}

#[test]
fn import_and_find_principals() {
    for b in BACKENDS {
        let e = Env::new(b);
        import_all(&e);
        let all = e.json(&["principal", "get"]);
        assert_eq!(all.as_array().unwrap().len(), 9);
        let sales = e.json(&[
            "principal",
            "get",
            "--ou",
            "OU=Sales,OU=Staff,DC=litwareinc,DC=com",
        ]);
        assert_eq!(sales.as_array().unwrap().len(), 3, "{sales}");
        let kim = e.json(&["principal", "get", "--identity", "SIP:kim@LitwareInc.com"]);
        assert_eq!(kim[0]["displayName"], "Kim Akers");
        assert_eq!(
            e.json(&["principal", "get", "--filter", "*Myer"])[0]["sipAddress"],
            "sip:ken@litwareinc.com"
        );
        assert_eq!(
            e.json(&["principal", "get", "--result-size", "2"])
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // A broken file names its line, and nothing is imported.
        std::fs::write(
            e.t.dir.path().join("bad.csv"),
            "type,sipAdress\nUser,sip:x@l.com\n",
        )
        .unwrap();
        let before = e.dump();
        let run = e.run(&["principal", "import", "bad.csv"]);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr
                .contains("bad.csv:1: unknown column `sipAdress` (did you mean `sipAddress`?)"),
            "{}",
            run.stderr
        );
        std::fs::write(
            e.t.dir.path().join("bad.yaml"),
            "principals:\n  - type: User\n    sipAddress: kim\n",
        )
        .unwrap();
        let run = e.run(&["principal", "import", "bad.yaml"]);
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains("is not a SIP URI"), "{}", run.stderr);
        assert_eq!(e.dump(), before);
    }
}

#[test]
fn eligible_principals_expand_groups_and_ous_less_the_denied() {
    for b in BACKENDS {
        let e = Env::new(b);
        import_all(&e);
        e.ok(&["category", "new", "--name", "Sales"]);
        e.ok(&[
            "category",
            "set",
            "--identity",
            &id("Sales"),
            "--allowed-members",
            "OU=Sales,OU=Staff,DC=litwareinc,DC=com;CN=Executives,OU=Groups,DC=litwareinc,DC=com",
            "--denied-members",
            "sip:former@litwareinc.com",
        ]);
        let got = sips(&e.json(&["principal", "eligible", "--category", &id("Sales")]));
        // Sales OU (less the denied user), plus Executives: Ken directly, Rachel through Inner.
        assert_eq!(
            got,
            [
                "sip:david@litwareinc.com",
                "sip:ken@litwareinc.com",
                "sip:kim@litwareinc.com",
                "sip:rachel@litwareinc.com"
            ]
        );
        e.ok(&["room", "new", "--name", "Leads", "--category", "Sales"]);
        assert_eq!(
            sips(&e.json(&["principal", "eligible", "--room", &id("Leads")])),
            got
        );

        // Membership rules bite once the directory knows the principals.
        e.refused(
            &[
                "room",
                "set",
                "--identity",
                &id("Leads"),
                "--members-add",
                "sip:ana@litwareinc.com",
            ],
            "`sip:ana@litwareinc.com` is not allowed in rooms of category `Sales`",
        );
        e.refused(
            &[
                "room",
                "set",
                "--identity",
                &id("Leads"),
                "--managers-add",
                "sip:former@litwareinc.com",
            ],
            "is denied by category `Sales`",
        );
        e.ok(&[
            "room",
            "set",
            "--identity",
            &id("Leads"),
            "--members",
            "sip:kim@litwareinc.com;sip:rachel@litwareinc.com",
        ]);
        // Moving the room to a category that admits only Legal drops Kim.
        e.ok(&["category", "new", "--name", "Legal"]);
        e.ok(&[
            "category",
            "set",
            "--identity",
            &id("Legal"),
            "--allowed-members",
            "OU=Legal,OU=Staff,DC=litwareinc,DC=com",
        ]);
        e.ok(&[
            "room",
            "set",
            "--identity",
            &id("Leads"),
            "--category",
            "Legal",
        ]);
        let room = e.json(&["room", "get", "--identity", &id("Leads")]);
        assert_eq!(
            room[0]["members"],
            serde_json::json!(["sip:rachel@litwareinc.com"])
        );
    }
}

#[test]
fn effective_policy_is_grant_then_site_then_global() {
    for b in BACKENDS {
        let e = Env::new(b);
        import_all(&e);
        e.ok(&[
            "policy",
            "new",
            "--identity",
            "site:Atlanta",
            "--enable-persistent-chat",
        ]);
        e.ok(&["policy", "new", "--identity", "tag:NoChat"]);
        e.ok(&[
            "policy",
            "grant",
            "--identity",
            "sip:david@litwareinc.com",
            "--policy-name",
            "NoChat",
        ]);
        let rows = e.json(&["principal", "policy"]);
        let policy_of = |sip: &str| {
            let r = rows
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["sipAddress"] == sip)
                .unwrap();
            (
                r["policy"].as_str().unwrap().to_string(),
                r["enablePersistentChat"].as_bool().unwrap(),
            )
        };
        assert_eq!(
            policy_of("sip:kim@litwareinc.com"),
            ("site:Atlanta".into(), true)
        );
        assert_eq!(
            policy_of("sip:david@litwareinc.com"),
            ("tag:NoChat".into(), false)
        );
        assert_eq!(
            policy_of("sip:rachel@litwareinc.com"),
            ("global".into(), false)
        );
        // Taking the grant away falls back to the site.
        e.ok(&[
            "policy",
            "grant",
            "--identity",
            "sip:david@litwareinc.com",
            "--policy-name",
            "$null",
        ]);
        let one = e.json(&[
            "principal",
            "policy",
            "--identity",
            "sip:david@litwareinc.com",
        ]);
        assert_eq!(one[0]["policy"], "site:Atlanta");
    }
}
