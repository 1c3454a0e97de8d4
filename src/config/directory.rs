//! Directory files for `pchat principal import`: CSV (a header row of field names), LDIF (as
//! exported from Active Directory) and YAML (a `principals:` list, as in configurations).

use std::path::Path;

use crate::model::{Principal, PrincipalType};
use crate::suggest::nearest;

/// Why a directory file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct DirectoryError {
    pub file: std::path::PathBuf,
    pub line: usize,
    pub message: String,
}

/// Reads the principals of a file; the format follows the extension (`.csv`, `.ldif`,
/// `.yaml`/`.yml`).
pub fn read(path: &Path) -> Result<Vec<Principal>, DirectoryError> {
    let err = |line, message: String| DirectoryError {
        file: path.to_path_buf(),
        line,
        message,
    };
    let text = crate::files::read(path, crate::files::max_file_size())
        .map_err(|e| err(0, format!("cannot read it: {e}")))?;
    use crate::model::storable;
    if let Some(n) = text.lines().position(storable::has_nul) {
        return Err(err(n + 1, format!("this line {}", storable::WHY)));
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => csv(&text).map_err(|(l, m)| err(l, m)),
        Some("ldif") | Some("ldf") => ldif(&text).map_err(|(l, m)| err(l, m)),
        Some("yaml") | Some("yml") => match super::yaml::parse_document(&text) {
            Ok(doc) => match storable::nul_paths(&doc).first() {
                // The escape's line is found as the configuration's errors find theirs.
                Some(at) => {
                    let line = super::yaml::locate(&text, &[at.clone()].into())
                        .get(at)
                        .and_then(|l| l.value.or(l.key))
                        .map_or(0, |m| m.line);
                    Err(err(line, format!("{at}: this value {}", storable::WHY)))
                }
                None => Ok(doc.principals),
            },
            Err(errors) => {
                let first = &errors[0];
                Err(err(
                    first.mark.map_or(0, |m| m.line),
                    format!("{}: {}", first.path, first.message),
                ))
            }
        },
        _ => Err(err(
            0,
            "unknown format: use a .csv, .ldif or .yaml file".into(),
        )),
    }
}

const CSV_FIELDS: &[&str] = &[
    "type",
    "sipAddress",
    "distinguishedName",
    "displayName",
    "site",
    "enabled",
    "members",
];

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn parse_type(s: &str) -> Option<PrincipalType> {
    match s.trim().to_ascii_lowercase().as_str() {
        "user" | "person" | "inetorgperson" => Some(PrincipalType::User),
        "group" => Some(PrincipalType::Group),
        "organizationalunit" | "ou" => Some(PrincipalType::OrganizationalUnit),
        _ => None,
    }
}

/// Splits one CSV record (RFC 4180 quoting: `"a, b"`, `""` for a quote).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    out.push(cur);
    Ok(out)
}

fn csv(text: &str) -> Result<Vec<Principal>, (usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(vec![]);
    };
    let header: Vec<String> =
        csv_fields(header.trim_start_matches('\u{feff}')).map_err(|e| (1, e))?;
    let mut columns = Vec::new();
    for h in &header {
        let h = h.trim();
        match CSV_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(h)) {
            Some(f) => columns.push(*f),
            None => {
                let hint = nearest(h, CSV_FIELDS.iter().copied())
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_else(|| format!(" (the columns are {})", CSV_FIELDS.join(", ")));
                return Err((1, format!("unknown column `{h}`{hint}")));
            }
        }
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let values = csv_fields(line).map_err(|e| (n, e))?;
        if values.len() != columns.len() {
            return Err((
                n,
                format!(
                    "{} fields, but the header has {}",
                    values.len(),
                    columns.len()
                ),
            ));
        }
        let mut p = blank_user();
        let mut typed = false;
        for (col, v) in columns.iter().zip(values) {
            let v = v.trim().to_string();
            if v.is_empty() {
                continue;
            }
            match *col {
                "type" => {
                    p.principal_type = parse_type(&v).ok_or((
                        n,
                        format!("`{v}` is not a type: User, Group or OrganizationalUnit"),
                    ))?;
                    typed = true;
                }
                "sipAddress" => p.sip_address = Some(v),
                "distinguishedName" => p.distinguished_name = Some(v),
                "displayName" => p.display_name = Some(v),
                "site" => p.site = Some(v),
                "enabled" => {
                    p.enabled = parse_bool(&v).ok_or((n, format!("`{v}` is not true or false")))?
                }
                _ => {
                    p.members = v
                        .split(';')
                        .map(|m| m.trim().to_string())
                        .filter(|m| !m.is_empty())
                        .collect()
                }
            }
        }
        if !typed && p.sip_address.is_none() {
            return Err((
                n,
                "a row needs a `type`, or a `sipAddress` for a user".into(),
            ));
        }
        out.push(p);
    }
    Ok(out)
}

/// Decodes standard base64 (for LDIF's `attr:: value`).
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

fn ldif(text: &str) -> Result<Vec<Principal>, (usize, String)> {
    // Unfold continuation lines (a leading space continues the previous line).
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if let Some(rest) = raw.strip_prefix(' ') {
            if let Some(last) = lines.last_mut() {
                last.1.push_str(rest);
                continue;
            }
        }
        lines.push((i + 1, raw.to_string()));
    }
    let mut out = Vec::new();
    let mut entry: Vec<(usize, String, String)> = Vec::new();
    let flush = |entry: &mut Vec<(usize, String, String)>,
                 out: &mut Vec<Principal>|
     -> Result<(), (usize, String)> {
        if entry.is_empty() {
            return Ok(());
        }
        let first = entry[0].0;
        let mut p = blank_user();
        let mut typed = false;
        for (n, attr, value) in entry.drain(..) {
            match attr.to_ascii_lowercase().as_str() {
                "dn" => p.distinguished_name = Some(value),
                "objectclass" => {
                    if let Some(t) = parse_type(&value) {
                        // `top`, `person`, `organizationalPerson` precede `user`: keep the most specific.
                        if !typed || t != PrincipalType::User {
                            p.principal_type = t;
                        }
                        typed = true;
                    }
                }
                "msrtcsip-primaryuseraddress" => p.sip_address = Some(value),
                "displayname" => p.display_name = Some(value),
                "site" | "msrtcsip-site" => p.site = Some(value),
                "member" => p.members.push(value),
                "msrtcsip-userenabled" => {
                    p.enabled =
                        parse_bool(&value).ok_or((n, format!("`{value}` is not TRUE or FALSE")))?
                }
                "useraccountcontrol" => {
                    let flags: u32 = value
                        .trim()
                        .parse()
                        .map_err(|_| (n, format!("`{value}` is not a number")))?;
                    if flags & 0x2 != 0 {
                        p.enabled = false; // ACCOUNTDISABLE
                    }
                }
                _ => {}
            }
        }
        if p.distinguished_name.is_none() {
            return Err((first, "an entry needs a `dn:` line".into()));
        }
        if !typed {
            return Err((
                first,
                "an entry needs an objectClass of user, group or organizationalUnit".into(),
            ));
        }
        out.push(p);
        Ok(())
    };
    for (n, line) in lines {
        if line.trim().is_empty() {
            flush(&mut entry, &mut out)?;
            continue;
        }
        if line.starts_with('#') || line.starts_with("version:") {
            continue;
        }
        let (attr, value) = if let Some((a, v)) = line.split_once("::") {
            let bytes = base64(v.trim()).ok_or((n, format!("`{}` is not base64", v.trim())))?;
            let value = String::from_utf8(bytes)
                .map_err(|_| (n, "base64 value is not UTF-8".to_string()))?;
            if crate::model::storable::has_nul(&value) {
                return Err((
                    n,
                    format!("this base64 value {}", crate::model::storable::WHY),
                ));
            }
            (a.to_string(), value)
        } else if let Some((a, v)) = line.split_once(':') {
            (a.to_string(), v.trim().to_string())
        } else {
            return Err((n, format!("`{line}` is not an `attribute: value` line")));
        };
        entry.push((n, attr.trim().to_string(), value));
    }
    flush(&mut entry, &mut out)?;
    Ok(out)
}

/// A principal with nothing known yet: a user, enabled, until its attributes say otherwise.
fn blank_user() -> Principal {
    Principal {
        principal_type: PrincipalType::User,
        sip_address: None,
        distinguished_name: None,
        display_name: None,
        site: None,
        enabled: true,
        members: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_members_and_errors() {
        let text = "type,sipAddress,distinguishedName,displayName,site,enabled,members\n\
                    User,sip:kim@l.com,\"CN=Akers\\, Kim,OU=Sales,DC=l,DC=com\",\"Kim \"\"K\"\" Akers\",Atlanta,true,\n\
                    Group,,\"CN=Team,DC=l,DC=com\",Team,,,sip:kim@l.com;sip:ana@l.com\n";
        let p = csv(text).unwrap();
        assert_eq!(
            p[0].distinguished_name.as_deref(),
            Some("CN=Akers\\, Kim,OU=Sales,DC=l,DC=com")
        );
        assert_eq!(p[0].display_name.as_deref(), Some("Kim \"K\" Akers"));
        assert_eq!(p[0].site.as_deref(), Some("Atlanta"));
        assert_eq!(p[1].principal_type, PrincipalType::Group);
        assert_eq!(p[1].members, ["sip:kim@l.com", "sip:ana@l.com"]);
        let e = csv("type,sipAdress\nUser,sip:a@l.com\n").unwrap_err();
        assert_eq!(e.0, 1);
        assert!(e.1.contains("did you mean `sipAddress`?"), "{}", e.1);
        assert_eq!(csv("type,sipAddress\nUser\n").unwrap_err().0, 2);
    }

    #[test]
    fn ldif_entries_folding_base64_and_disabled_accounts() {
        let text = "version: 1\n\
                    dn: CN=Kim Akers,OU=Sales,DC=l,DC=com\n\
                    objectClass: top\nobjectClass: person\nobjectClass: user\n\
                    msRTCSIP-PrimaryUserAddress: sip:kim@l.com\n\
                    displayName:: S2ltIEFrZXJz\n\
                    userAccountControl: 514\n\
                    \n\
                    dn: CN=Team,OU=Groups,DC=l,\n DC=com\n\
                    objectClass: group\n\
                    member: CN=Kim Akers,OU=Sales,DC=l,DC=com\n";
        let p = ldif(text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].principal_type, PrincipalType::User);
        assert_eq!(p[0].display_name.as_deref(), Some("Kim Akers"));
        assert!(!p[0].enabled);
        assert_eq!(
            p[1].distinguished_name.as_deref(),
            Some("CN=Team,OU=Groups,DC=l,DC=com")
        );
        assert_eq!(p[1].members.len(), 1);
        assert_eq!(ldif("dn: CN=x,DC=l\ndisplayName: x\n").unwrap_err().0, 1);
    }
}
