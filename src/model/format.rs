//! Checks of the textual formats the service uses: FQDN, SIP URI, distinguished name, absolute
//! http(s) URL. Each returns `Err(reason)` so the caller can say what is wrong, not only that.

/// A fully qualified domain name: at least two dot-separated labels of letters, digits and
/// hyphens, each 1–63 characters, not starting or ending with a hyphen, 253 characters at most.
pub fn check_fqdn(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > 253 {
        return Err("it is longer than 253 characters".into());
    }
    // Checked for every member of every room: no allocation on the way to `Ok`.
    if !s.contains('.') {
        return Err("a fully qualified name has at least two labels (host.domain)".into());
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Err("it has an empty label".into());
        }
        if label.len() > 63 {
            return Err(format!("label `{label}` is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            let c = label
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
                .unwrap_or_default();
            return Err(format!("label `{label}` contains `{c}`"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label `{label}` starts or ends with a hyphen"));
        }
    }
    Ok(())
}

/// A SIP URI of a user: `sip:user@domain` (the scheme in any case).
pub fn check_sip_uri(s: &str) -> Result<(), String> {
    let rest = match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("sip:") => &s[4..],
        _ => return Err("a SIP URI starts with `sip:`".into()),
    };
    let (user, host) = rest
        .rsplit_once('@')
        .ok_or_else(|| "a SIP URI has the form `sip:user@domain`".to_string())?;
    if user.is_empty() {
        return Err("the user part is empty".into());
    }
    if let Some(c) = user
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '@'))
    {
        return Err(format!("the user part contains {c:?}"));
    }
    check_fqdn(host).map_err(|e| format!("the domain `{host}` is not valid: {e}"))
}

/// An LDAP distinguished name: comma-separated `attribute=value` pairs (`\,` escapes a comma).
pub fn check_dn(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("it is empty".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!("it contains the control character {c:?}"));
    }
    for rdn in split_dn(s) {
        if rdn.trim().is_empty() {
            return Err("it has an empty part between two commas".into());
        }
        let (attr, value) = rdn
            .split_once('=')
            .ok_or_else(|| format!("`{}` is not of the form `attribute=value`", rdn.trim()))?;
        let attr = attr.trim();
        if attr.is_empty() || !attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("`{attr}` is not an attribute name"));
        }
        if value.trim().is_empty() {
            return Err(format!("attribute `{attr}` has an empty value"));
        }
    }
    Ok(())
}

/// Splits a DN into its relative names at unescaped commas.
pub fn split_dn(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    parts.push(&s[start..]);
    parts
}

/// An absolute `http://` or `https://` URL with a host.
pub fn check_http_url(s: &str) -> Result<(), String> {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &s[8..]
    } else if lower.starts_with("http://") {
        &s[7..]
    } else {
        return Err("an absolute URL starting with `http://` or `https://` is expected".into());
    };
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it contains {c:?}"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match hostport.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(']') || hostport.starts_with('[') => {
            if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.len() > 5 {
                return Err(format!("the port `{port}` is not a number"));
            }
            h
        }
        _ => hostport,
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if host.starts_with('[') {
        return Ok(()); // An IPv6 literal; its inside is left to the client.
    }
    if host.contains('.') {
        check_fqdn(host).map_err(|e| format!("the host `{host}` is not valid: {e}"))
    } else if host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(()) // A single-label intranet host such as `http://chatweb/` is legal.
    } else {
        Err(format!("the host `{host}` is not valid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Check = fn(&str) -> Result<(), String>;

    /// Each check with inputs it must accept (`true`) or refuse (`false`).
    #[test]
    fn checks_accept_and_refuse() {
        let long_label = format!("{}.com", "a".repeat(64));
        let cases = [
            (
                "fqdn",
                check_fqdn as Check,
                vec![
                    ("atl-pchat-001.litwareinc.com", true),
                    ("localhost", false),
                    ("a..b", false),
                    ("-a.b", false),
                    ("a_b.com", false),
                    (&long_label, false),
                ],
            ),
            (
                "sip",
                check_sip_uri,
                vec![
                    ("sip:kim@litwareinc.com", true),
                    ("SIP:kim@litwareinc.com", true),
                    ("kim@litwareinc.com", false),
                    ("sip:@litwareinc.com", false),
                    ("sip:kim", false),
                    ("sip:k m@litwareinc.com", false),
                ],
            ),
            (
                "dn",
                check_dn,
                vec![
                    ("CN=Chat Support,OU=IT,DC=litwareinc,DC=com", true),
                    (r"CN=Smith\, Kim,OU=IT,DC=litwareinc,DC=com", true),
                    ("OU=IT,,DC=com", false),
                    ("IT", false),
                ],
            ),
            (
                "url",
                check_http_url,
                vec![
                    ("https://apps.litwareinc.com/chat/addin?x=1", true),
                    ("http://chatweb:8080/", true),
                    ("ftp://x.com/", false),
                    ("/relative", false),
                    ("https:///nohost", false),
                    ("https://x.com:port/", false),
                    ("https://a b.com/", false),
                ],
            ),
        ];
        for (what, check, inputs) in cases {
            for (input, ok) in inputs {
                assert_eq!(check(input).is_ok(), ok, "{what}: {input}");
            }
        }
        assert_eq!(split_dn(r"CN=a\,b,DC=c").len(), 2);
    }
}
