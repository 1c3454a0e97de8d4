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
        Err(format!(
            "unknown store URL `{}`: expected `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`",
            mask(s)
        ))
    }
}

/// The URL with any password replaced by `***`.
pub fn mask(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
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
}
