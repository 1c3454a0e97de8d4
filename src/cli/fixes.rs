//! The command that fixes a refusal, where one exists: a refusal ends with what to run next
//! (`help: add it with `pchat pool add --fqdn p1.example.com``), as administrators expect
//! from the cmdlets' error records and Terraform's hints. Only the CLI knows its own command
//! names, so the hints are made here from the library's typed errors.

use std::error::Error;

use super::args::noun_of;
use crate::apply::ApplyError;
use crate::imperative::CmdletError;
use crate::model::{Kind, ObjectId};
use crate::ops::Refusal;
use crate::plan;
use crate::store::StoreError;

/// The hint for this error, or `None` when no command fixes it.
pub fn help(err: &(dyn Error + 'static), argv: &[String], store: &str) -> Option<String> {
    if let Some(e) = err.downcast_ref::<CmdletError>() {
        return match e {
            CmdletError::Refused { refusal, .. } => refusal_help(refusal, argv, store),
            CmdletError::Store(e) => store_help(e, argv, store),
        };
    }
    if let Some(e) = err.downcast_ref::<ApplyError>() {
        return match e {
            ApplyError::Refused(refusals) => apply_help(refusals, argv, store),
            ApplyError::Store(e) => store_help(e, argv, store),
            _ => None,
        };
    }
    err.downcast_ref::<StoreError>()
        .and_then(|e| store_help(e, argv, store))
}

fn store_help(e: &StoreError, argv: &[String], store: &str) -> Option<String> {
    match e {
        StoreError::LockTimeout { .. } => Some(format!(
            "wait longer for the other writer: {}",
            rerun(argv, store, &["--lock-timeout", "5m"])
        )),
        _ => None,
    }
}

fn refusal_help(refusal: &Refusal, argv: &[String], store: &str) -> Option<String> {
    match refusal {
        Refusal::NotFound { kind, identity, .. } => create(*kind, identity),
        Refusal::Exists { kind, identity } => change(*kind, identity),
        Refusal::NeedsForce(_) => Some(format!(
            "if that is meant: {}",
            rerun(argv, store, &["--force"])
        )),
        Refusal::Rule(_) | Refusal::Violations(_) => None,
    }
}

/// The command that creates the missing object, with what it needs spelled out.
fn create(kind: Kind, identity: &str) -> Option<String> {
    let pooled = |noun: &str, rest: &str| {
        let id: ObjectId = identity.parse().ok()?;
        Some(format!(
            "create it with `pchat {noun} new --name {} --persistent-chat-pool-fqdn {}{rest}`",
            quote(&id.name),
            quote(&id.pool)
        ))
    };
    match kind {
        Kind::Pool | Kind::State | Kind::ActiveServers => {
            // The state and active servers of a pool come with the pool.
            let pool = identity.rsplit(':').next().unwrap_or(identity);
            Some(format!(
                "add the pool with `pchat pool add --fqdn {}`",
                quote(pool)
            ))
        }
        Kind::Category => pooled("category", ""),
        Kind::Addin => pooled("addin", " --url URL"),
        Kind::Room => pooled("room", " --category CATEGORY"),
        Kind::Policy | Kind::ComplianceConfiguration | Kind::Configuration | Kind::Endpoint => {
            let flag = match kind {
                Kind::Endpoint => "--sip-address",
                _ => "--identity",
            };
            Some(format!(
                "create it with `pchat {} new {flag} {}`",
                noun_of(kind)?,
                quote(identity)
            ))
        }
        Kind::Principal => Some(
            "load the directory with `pchat principal import FILE` (.csv, .ldif or .yaml)"
                .to_string(),
        ),
        Kind::PolicyGrant => None,
    }
}

/// The command that changes the object that already exists.
fn change(kind: Kind, identity: &str) -> Option<String> {
    let noun = match kind {
        Kind::Endpoint => {
            return Some(format!(
                "endpoints have no Set, so remove it before creating it again: `pchat endpoint remove --identity {}`",
                quote(identity)
            ))
        }
        Kind::Category
        | Kind::Addin
        | Kind::Room
        | Kind::Policy
        | Kind::ComplianceConfiguration
        | Kind::Configuration => noun_of(kind)?,
        _ => return None,
    };
    Some(format!(
        "change it instead with `pchat {noun} set --identity {} …`",
        quote(identity)
    ))
}

/// Destruction and the threshold are overridden by flags; protection never is.
fn apply_help(refusals: &[plan::Refusal], argv: &[String], store: &str) -> Option<String> {
    let mut flags = Vec::new();
    for r in refusals {
        match r {
            plan::Refusal::Protected { .. } | plan::Refusal::AmbiguousRename { .. } => return None,
            plan::Refusal::Destroys { .. } => flags.push("--allow-destroy"),
            plan::Refusal::Threshold { .. } => flags.push("--force"),
        }
    }
    flags.dedup();
    flags.sort_unstable();
    (!flags.is_empty()).then(|| format!("if that is meant: {}", rerun(argv, store, &flags)))
}

/// The user's own command line with `flags` added (those it lacks). A store URL that holds a
/// password in any form is shown as `STORE_URL`: a hint must never print a secret.
fn rerun(argv: &[String], store: &str, flags: &[&str]) -> String {
    let lower = store.to_ascii_lowercase();
    let store = if lower.contains("***") || lower.contains("password") {
        "STORE_URL"
    } else {
        store
    };
    let mut words = vec!["pchat".to_string()];
    let mut args = argv.iter();
    while let Some(a) = args.next() {
        if a == "--store" {
            args.next();
            words.extend(["--store".to_string(), quote(store)]);
        } else if a.starts_with("--store=") {
            words.extend(["--store".to_string(), quote(store)]);
        } else {
            words.push(quote(a));
        }
    }
    let mut i = 0;
    while i < flags.len() {
        let flag = flags[i];
        // A flag with a value (`--lock-timeout 5m`) replaces the one given.
        let value = flags.get(i + 1).filter(|v| !v.starts_with("--"));
        match value {
            Some(v) => {
                if let Some(at) = words.iter().position(|w| w == flag) {
                    words.drain(at..(at + 2).min(words.len()));
                }
                words.retain(|w| !w.starts_with(&format!("{flag}=")));
                words.extend([flag.to_string(), quote(v)]);
                i += 2;
            }
            None => {
                if !words.iter().any(|w| w == flag) {
                    words.push(flag.to_string());
                }
                i += 1;
            }
        }
    }
    format!("`{}`", words.join(" "))
}

/// A word as a POSIX shell reads it back: single-quoted when it holds anything special.
pub(super) fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | ',' | '=' | '+')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rerun_adds_flags_once_and_masks_the_store() {
        let a = argv(&[
            "--store",
            "postgres://u:secret@h/db",
            "apply",
            "my config",
            "--force",
        ]);
        assert_eq!(
            rerun(&a, "postgres://u:***@h/db", &["--allow-destroy", "--force"]),
            "`pchat --store STORE_URL apply 'my config' --force --allow-destroy`"
        );
        let a = argv(&["--store=postgres://h/db?password=x", "drift", "c"]);
        assert_eq!(
            rerun(&a, "postgres://h/db?password=x", &["--force"]),
            "`pchat --store STORE_URL drift c --force`"
        );
        let a = argv(&["room", "set", "--lock-timeout", "1s", "--identity", "p\\R"]);
        assert_eq!(
            rerun(&a, "sqlite://pchat.db", &["--lock-timeout", "5m"]),
            "`pchat room set --identity 'p\\R' --lock-timeout 5m`"
        );
    }

    #[test]
    fn quoting_survives_the_shell() {
        assert_eq!(quote("Sales Leads"), "'Sales Leads'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("p1.example.com"), "p1.example.com");
        assert_eq!(quote(""), "''");
    }
}
