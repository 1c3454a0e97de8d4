//! Principals: what membership lists hold (users by SIP URI, groups and OUs by distinguished
//! name), and the directory of them that stands in for Active Directory.

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::format::{check_dn, check_sip_uri, split_dn};
use super::yes;

/// What kind of directory object a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PrincipalType {
    /// A user, named by SIP URI.
    User,
    /// A security group or distribution list, named by DN; has members.
    Group,
    /// An organisational unit, named by DN; stands for every user under it.
    OrganizationalUnit,
}

/// A directory principal (the stand-in for an Active Directory object).
#[derive(Debug, Clone, PartialEq, Hash, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Principal {
    /// `User`, `Group` or `OrganizationalUnit`.
    #[serde(rename = "type")]
    pub principal_type: PrincipalType,
    /// A user's SIP URI (required for users).
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub sip_address: Option<String>,
    /// The distinguished name (required for groups and OUs; lets a user be found under an OU).
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub distinguished_name: Option<String>,
    /// The name shown for the principal.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub display_name: Option<String>,
    /// The site a user is homed in: its `site:` policy applies unless a tag policy is granted.
    #[serde(default, skip_serializing_if = "crate::model::skip::none")]
    pub site: Option<String>,
    /// Whether the account is enabled.
    #[serde(default = "yes", skip_serializing_if = "super::is_true")]
    pub enabled: bool,
    /// A group's members: SIP URIs of users, DNs of users or nested groups.
    #[serde(default, skip_serializing_if = "crate::model::skip::no_entries")]
    pub members: Vec<String>,
}

impl Principal {
    /// The principal's identity as text: the SIP URI of a user, the DN of a group or OU.
    pub fn identity(&self) -> &str {
        match self.principal_type {
            PrincipalType::User => self.sip_address.as_deref(),
            PrincipalType::Group | PrincipalType::OrganizationalUnit => {
                self.distinguished_name.as_deref()
            }
        }
        .unwrap_or_default()
    }
}

/// The form of a principal reference as written in a list.
#[derive(Debug, Clone, Copy, PartialEq, Hash, Eq)]
pub enum RefKind {
    Sip,
    Dn,
}

/// Normalizes a principal reference for comparison: lower-cased (Active Directory compares
/// SIP addresses and distinguished names without regard to case; ASCII letters are folded, as
/// the store's `lower()` folds them) with the spaces around a DN's separators dropped.
/// Returns why the text is neither a SIP URI nor a DN.
pub fn principal_key(s: &str) -> Result<(RefKind, String), String> {
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sip:")) {
        check_sip_uri(s)?;
        return Ok((RefKind::Sip, s.to_ascii_lowercase()));
    }
    if s.contains('=') {
        check_dn(s)?;
        return Ok((RefKind::Dn, dn_key(s).to_ascii_lowercase()));
    }
    Err(
        "a principal is a SIP URI (`sip:user@domain`) or a distinguished name \
         (`CN=…,OU=…,DC=…`)"
            .into(),
    )
}

/// The comparison key of a principal reference, or the text itself when it is malformed (the
/// rules report that; keying by the raw text keeps distinct mistakes distinct).
pub fn key_or_text(s: &str) -> String {
    principal_key(s).map_or_else(|_| s.to_string(), |(_, k)| k)
}

/// Finds the user a cmdlet's user identity names (a `UserIdParameter`): a SIP URI as it is,
/// else, through the directory, a UPN (`kenmyer@litwareinc.com`, matched with the SIP
/// address, which a UPN usually equals), `DOMAIN\\logon` (the logon name is the SIP address's
/// user part, the domain its domain's first label), a distinguished name, or a display name
/// (`*` wildcards allowed). Every match ignores case. Returns the user's SIP URI; none or
/// several matches are an error that lists what was found.
pub fn resolve_user<'a>(
    principals: impl IntoIterator<Item = &'a Principal>,
    text: &str,
) -> Result<String, String> {
    if principal_key(text).is_ok_and(|(k, _)| k == RefKind::Sip) {
        return Ok(text.to_string());
    }
    let text = text.trim();
    let users = principals
        .into_iter()
        .filter(|p| p.principal_type == PrincipalType::User && p.sip_address.is_some());
    let sip = |p: &Principal| p.sip_address.clone().unwrap_or_default();
    let (form, found): (&str, Vec<&Principal>) = if text.contains('=') {
        let want = principal_key(text).map(|(_, k)| k.to_lowercase());
        (
            "distinguished name",
            users
                .filter(|p| {
                    let dn = p.distinguished_name.as_deref().map(key_or_text);
                    want.as_ref()
                        .is_ok_and(|w| dn.is_some_and(|d| d.to_lowercase() == *w))
                })
                .collect(),
        )
    } else if let Some((domain, logon)) = text.split_once('\\') {
        (
            "logon name",
            users
                .filter(|p| {
                    let s = sip(p);
                    let (user, host) = s[4.min(s.len())..].rsplit_once('@').unwrap_or_default();
                    let label = host.split('.').next().unwrap_or_default();
                    user.eq_ignore_ascii_case(logon) && label.eq_ignore_ascii_case(domain)
                })
                .collect(),
        )
    } else if text.contains('@') && !text.contains(' ') {
        let want = format!("sip:{text}");
        (
            "user principal name",
            users
                .filter(|p| sip(p).eq_ignore_ascii_case(&want))
                .collect(),
        )
    } else {
        (
            "display name",
            users
                .filter(|p| {
                    p.display_name
                        .as_deref()
                        .is_some_and(|d| super::opath::wildcard(text, d))
                })
                .collect(),
        )
    };
    match found[..] {
        [one] => Ok(sip(one)),
        [] => Err(format!(
            "no user in the directory has the {form} `{text}`: name the user by SIP URI \
             (`sip:user@domain`) or import the directory (`principals:`)"
        )),
        ref many => {
            let mut names: Vec<String> = many
                .iter()
                .map(|p| match &p.display_name {
                    Some(d) => format!("{} ({d})", sip(p)),
                    None => sip(p),
                })
                .collect();
            names.sort();
            let shown = names.len().min(10);
            let more = names.len() - shown;
            Err(format!(
                "`{text}` names {} users: {}{}; name one by SIP URI",
                many.len(),
                names[..shown].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ))
        }
    }
}

/// The comparison key of a DN known to be well formed.
fn dn_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, rdn) in split_dn(s).into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (attr, value) = rdn.split_once('=').unwrap_or((rdn, ""));
        out.push_str(&attr.trim().to_ascii_uppercase());
        out.push('=');
        out.push_str(value.trim());
    }
    out
}

/// The parent DNs of a DN key, nearest first (`CN=a,OU=b,DC=c` → `OU=b,DC=c`, `DC=c`).
fn dn_ancestors(key: &str) -> impl Iterator<Item = &str> {
    let mut rest = key;
    std::iter::from_fn(move || {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                ',' if !escaped => {
                    rest = &rest[i + 1..];
                    return Some(rest);
                }
                _ => escaped = false,
            }
        }
        None
    })
}

/// The declared directory, indexed for membership questions.
#[derive(Debug, Default)]
pub struct Directory {
    /// User SIP key → the user's DN key, if the user has one.
    users: HashMap<String, Option<String>>,
    /// User DN key → the user's SIP key.
    users_by_dn: HashMap<String, String>,
    /// Member key → keys of the groups that list it directly.
    member_of: HashMap<String, Vec<String>>,
    /// Keys of every declared principal.
    declared: HashSet<String>,
}

impl Directory {
    /// Indexes declared principals; malformed entries are skipped (the rules report them).
    pub fn new<'a>(principals: impl IntoIterator<Item = &'a Principal>) -> Self {
        let mut dir = Directory::default();
        for p in principals {
            let dn = p
                .distinguished_name
                .as_deref()
                .and_then(|d| principal_key(d).ok())
                .map(|(_, k)| k);
            match p.principal_type {
                PrincipalType::User => {
                    let Some(Ok((_, sip))) = p.sip_address.as_deref().map(principal_key) else {
                        continue;
                    };
                    if let Some(dn) = &dn {
                        dir.users_by_dn.insert(dn.clone(), sip.clone());
                        dir.declared.insert(dn.clone());
                    }
                    dir.declared.insert(sip.clone());
                    dir.users.insert(sip, dn);
                }
                PrincipalType::Group | PrincipalType::OrganizationalUnit => {
                    let Some(dn) = dn else { continue };
                    if p.principal_type == PrincipalType::Group {
                        for m in &p.members {
                            if let Ok((_, mk)) = principal_key(m) {
                                dir.member_of.entry(mk).or_default().push(dn.clone());
                            }
                        }
                    }
                    dir.declared.insert(dn);
                }
            }
        }
        dir
    }

    /// Whether a principal (by key) is declared in the directory.
    pub fn is_declared(&self, key: &str) -> bool {
        self.declared.contains(key)
    }

    /// Every key that stands for this principal in a list: itself, its other name (SIP ↔ DN),
    /// the groups that contain it (transitively) and the OUs above it.
    pub fn containers(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = vec![key.to_string()];
        if let Some(Some(dn)) = self.users.get(key) {
            out.push(dn.clone());
        } else if let Some(sip) = self.users_by_dn.get(key) {
            out.push(sip.clone());
        }
        // Groups, transitively; `out` doubles as the visited set so cycles end.
        let mut i = 0;
        while i < out.len() {
            if let Some(groups) = self.member_of.get(&out[i]) {
                for g in groups {
                    if !out.contains(g) {
                        out.push(g.clone());
                    }
                }
            }
            i += 1;
        }
        let dns: Vec<String> = out
            .iter()
            .filter(|k| !k.starts_with("sip:"))
            .flat_map(|k| dn_ancestors(k).map(str::to_string))
            .collect();
        for a in dns {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Expands a list entry into the user SIP keys it stands for: a user itself, a group's
    /// members (transitively), every declared user under an OU.
    pub fn expand(&self, key: &str) -> Vec<String> {
        let mut users = Vec::new();
        for (sip, dn) in &self.users {
            let containers = self.containers(sip);
            if sip == key || dn.as_deref() == Some(key) || containers.iter().any(|c| c == key) {
                users.push(sip.clone());
            }
        }
        users.sort();
        users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_found_as_the_cmdlets_name_them() {
        let user = |sip: &str, name: &str, dn: &str| Principal {
            principal_type: PrincipalType::User,
            sip_address: Some(sip.into()),
            distinguished_name: Some(dn.into()),
            display_name: Some(name.into()),
            site: None,
            enabled: true,
            members: vec![],
        };
        let dir = [
            user(
                "sip:kenmyer@litwareinc.com",
                "Ken Myer",
                "CN=Ken Myer,OU=Sales,DC=litwareinc,DC=com",
            ),
            user(
                "sip:kimakers@litwareinc.com",
                "Kim Akers",
                "CN=Kim Akers,OU=Sales,DC=litwareinc,DC=com",
            ),
        ];
        let find = |t: &str| resolve_user(&dir, t);
        let ken = Ok("sip:kenmyer@litwareinc.com".to_string());
        assert_eq!(find("Ken Myer"), ken);
        assert_eq!(find("ken myer"), ken);
        assert_eq!(find("kenmyer@litwareinc.com"), ken);
        assert_eq!(find(r"LITWAREINC\kenmyer"), ken);
        assert_eq!(find("cn=ken myer,ou=Sales,dc=litwareinc,dc=com"), ken);
        assert_eq!(
            find("sip:nobody@litwareinc.com").unwrap(),
            "sip:nobody@litwareinc.com"
        );
        let many = find("K*").unwrap_err();
        assert!(
            many.contains("names 2 users") && many.contains("Kim Akers"),
            "{many}"
        );
        assert!(find("Pilar Ackerman")
            .unwrap_err()
            .contains("display name `Pilar Ackerman`"));
    }

    fn user(sip: &str, dn: &str) -> Principal {
        Principal {
            principal_type: PrincipalType::User,
            sip_address: Some(sip.into()),
            distinguished_name: Some(dn.into()),
            display_name: None,
            site: None,
            enabled: true,
            members: vec![],
        }
    }

    fn group(dn: &str, members: &[&str]) -> Principal {
        Principal {
            principal_type: PrincipalType::Group,
            sip_address: None,
            distinguished_name: Some(dn.into()),
            display_name: None,
            site: None,
            enabled: true,
            members: members.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn keys_ignore_case() {
        let a = principal_key("SIP:Kim@LitwareInc.com").unwrap();
        let b = principal_key("sip:kim@litwareinc.com").unwrap();
        assert_eq!(a, b);
        assert_ne!(a.1, principal_key("sip:kimberly@litwareinc.com").unwrap().1);
        let c = principal_key("cn=Kim, ou=IT,dc=litwareinc,dc=com").unwrap();
        assert_eq!(
            c.1,
            principal_key("CN=KIM,OU=it,DC=LitwareInc,DC=com")
                .unwrap()
                .1
        );
        assert_eq!(c.1, "cn=kim,ou=it,dc=litwareinc,dc=com");
        assert!(principal_key("kim").is_err());
    }

    #[test]
    fn containers_include_groups_transitively_and_ous() {
        let dir = Directory::new(&[
            user("sip:kim@l.com", "CN=Kim,OU=Sales,OU=Staff,DC=l,DC=com"),
            group("CN=Inner,OU=Groups,DC=l,DC=com", &["sip:kim@l.com"]),
            group(
                "CN=Outer,OU=Groups,DC=l,DC=com",
                &["CN=Inner,OU=Groups,DC=l,DC=com"],
            ),
        ]);
        let c = dir.containers("sip:kim@l.com");
        for expected in [
            "CN=Kim,OU=Sales,OU=Staff,DC=l,DC=com",
            "CN=Inner,OU=Groups,DC=l,DC=com",
            "CN=Outer,OU=Groups,DC=l,DC=com",
            "OU=Sales,OU=Staff,DC=l,DC=com",
            "OU=Staff,DC=l,DC=com",
        ] {
            assert!(
                c.iter().any(|k| k.eq_ignore_ascii_case(expected)),
                "{expected} missing from {c:?}"
            );
        }
        assert_eq!(
            dir.expand(&key_or_text("OU=Staff,DC=l,DC=com")),
            vec!["sip:kim@l.com"]
        );
        assert_eq!(
            dir.expand(&key_or_text("CN=Outer,OU=Groups,DC=l,DC=com")),
            vec!["sip:kim@l.com"]
        );
    }

    #[test]
    fn group_cycles_end() {
        let dir = Directory::new(&[
            group("CN=A,DC=l,DC=com", &["CN=B,DC=l,DC=com"]),
            group("CN=B,DC=l,DC=com", &["CN=A,DC=l,DC=com"]),
        ]);
        assert!(dir.containers("CN=A,DC=l,DC=com").len() >= 2);
    }
}
