//! Store URLs (`sqlite://PATH`, `postgres://USER@HOST:PORT/DB`), whose `Display` and `Debug`
//! never show a password.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where the live store is.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// An SQLite file, created with its schema on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL database; the URL as given (it may hold a password).
    Postgres(String),
}

/// The store used when none is named: `pchat.db` in the current directory.
pub const DEFAULT_STORE: &str = "sqlite://pchat.db";

impl FromStr for StoreUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("an SQLite store URL names a file: `sqlite://PATH`".into());
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(s.to_string()));
        }
        // A string pchat cannot read may hold a secret anywhere: only its form is described.
        let what = match s.split_once("://") {
            Some((scheme, _)) => format!("a store URL with the scheme `{scheme}`"),
            None if s.contains('=') => {
                "a `key=value` connection string (write it as a URL)".to_string()
            }
            None => "not a store URL (the value is not shown: it may hold a password)".to_string(),
        };
        Err(format!(
            "{what}: expected `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`"
        ))
    }
}

/// Keys whose values are secrets, in URL query parameters and libpq `key=value` strings.
const SECRET_KEYS: [&str; 3] = ["password", "sslpassword", "sslkey_password"];

/// Where the secrets of a store string stand, in whatever form it was written: the password
/// of a URL's userinfo (which may itself hold `/`, `?`, `#` or `@`), `password=` and
/// `sslpassword=` query parameters, and libpq `key=value` settings. Taking too much is safe
/// (it only hides more), so a doubtful part is taken whole.
fn secret_spans(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    if let Some((scheme, rest)) = s.split_once("://") {
        let base = scheme.len() + 3;
        // The userinfo ends at the last `@`: a password may contain `@`, a host never does.
        if let Some(at) = rest.rfind('@') {
            if let Some(colon) = rest[..at].find(':') {
                spans.push(base + colon + 1..base + at);
            }
        }
    }
    // `password=VALUE` wherever it stands: after `?`/`&` in a URL, after a space in a DSN; the
    // key as the driver reads it, percent-encoding undone (`pass%77ord` is `password`).
    for (eq, _) in s.match_indices('=') {
        let key_start = s[..eq].rfind(['?', '&', ' ', '\t']).map_or(0, |i| i + 1);
        let key = percent_decoded(&s[key_start..eq]).to_ascii_lowercase();
        if !SECRET_KEYS.contains(&key.as_str()) {
            continue;
        }
        let start = eq + 1;
        let value = &s[start..];
        let span = match value.strip_prefix('\'') {
            // A quoted DSN value: up to the closing quote.
            Some(q) => start + 1..start + 1 + q.find('\'').unwrap_or(q.len()),
            None => start..start + value.find(['&', ' ', '#', '\t']).unwrap_or(value.len()),
        };
        spans.push(span);
    }
    spans.retain(|r| !r.is_empty());
    spans
}

/// `%XX` escapes undone (what is not one stays as written).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The secrets a store string holds (see `secret_spans`), longest first.
pub fn secrets(s: &str) -> Vec<String> {
    let mut found: Vec<String> = secret_spans(s)
        .into_iter()
        .map(|r| s[r].to_string())
        .collect();
    found.sort_by_key(|v| std::cmp::Reverse(v.len()));
    found.dedup();
    found
}

/// The store string with every secret in it replaced by `***`.
pub fn mask(s: &str) -> String {
    let mut spans = secret_spans(s);
    spans.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in spans {
        // Spans may overlap (a `password=` inside a userinfo): one `***` covers both.
        if r.start < at {
            at = at.max(r.end);
            continue;
        }
        out.push_str(&s[at..r.start]);
        out.push_str("***");
        at = r.end;
    }
    out.push_str(&s[at..]);
    out
}

/// The shortest secret scrubbed from free text: a shorter one would garble every word that
/// holds its letters, and is masked where the store string itself is shown.
const SCRUBBED_FROM: usize = 4;

/// `text` with each of `secrets` (of at least four characters) replaced by `***`.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets
        .iter()
        .filter(|s| s.chars().count() >= SCRUBBED_FROM)
    {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            StoreUrl::Postgres(u) => f.write_str(&mask(u)),
        }
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_backends() {
        assert_eq!(
            "sqlite://pchat.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite("pchat.db".into())
        );
        assert_eq!(
            "sqlite:///var/lib/pchat/x.db".parse::<StoreUrl>().unwrap(),
            StoreUrl::Sqlite("/var/lib/pchat/x.db".into())
        );
        assert!(matches!(
            "postgres://postgres@127.0.0.1:5432/pchat"
                .parse::<StoreUrl>()
                .unwrap(),
            StoreUrl::Postgres(_)
        ));
        assert!("mysql://x".parse::<StoreUrl>().is_err());
        assert!("sqlite://".parse::<StoreUrl>().is_err());
    }

    #[test]
    fn passwords_are_never_shown() {
        let url: StoreUrl = "postgres://admin:s3cret@db.example.com:5432/pchat"
            .parse()
            .unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(
                shown.contains("admin:***@db.example.com:5432/pchat"),
                "{shown}"
            );
        }
        let err = "mysql://u:pw@h/db".parse::<StoreUrl>().unwrap_err();
        assert!(!err.contains("pw@"), "{err}");
        assert_eq!(mask("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn every_form_of_a_password_is_masked() {
        for (given, shown) in [
            ("postgres://u:Pw0rd@h:5432/db", "postgres://u:***@h:5432/db"),
            (
                "postgres://u@h/db?password=Pw0rd",
                "postgres://u@h/db?password=***",
            ),
            (
                "postgres://u@h/db?sslmode=require&PASSWORD=Pw0rd&x=1",
                "postgres://u@h/db?sslmode=require&PASSWORD=***&x=1",
            ),
            ("postgres://u:Pw0/rd?x@h/db", "postgres://u:***@h/db"),
            ("postgres://u:Pw@0rd@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u@h/db?sslpassword=Pw0rd",
                "postgres://u@h/db?sslpassword=***",
            ),
            // A key the driver decodes: percent-encoded, in any case.
            (
                "postgres://u@h/db?pass%77ord=Pw0rd",
                "postgres://u@h/db?pass%77ord=***",
            ),
            (
                "postgres://u@h/db?x=1&%50ASSWORD=Pw0rd",
                "postgres://u@h/db?x=1&%50ASSWORD=***",
            ),
            (
                "host=h port=1 password=Pw0rd dbname=x",
                "host=h port=1 password=*** dbname=x",
            ),
            (
                "host=h password='Pw 0rd' dbname=x",
                "host=h password='***' dbname=x",
            ),
            ("mysql://root:Pw0rd@h/db", "mysql://root:***@h/db"),
            (
                "postgres://u:x@host.example.com/db",
                "postgres://u:***@host.example.com/db",
            ),
            // Doubtful: more is hidden, never less.
            ("postgres://u:a@b?password=c@h/db", "postgres://u:***"),
        ] {
            assert_eq!(mask(given), shown, "{given}");
        }
    }
}
