//! Text the stores cannot hold. PostgreSQL's `text` refuses U+0000 (`invalid byte sequence for
//! encoding "UTF8": 0x00`) where SQLite would keep it, so a NUL is refused on every input path,
//! with its place, before either store sees it: the same answer on both.

use serde::Serialize;
use serde_json::Value;

/// Why a NUL cannot be stored, as each refusal says it.
pub const WHY: &str = "holds a NUL character (U+0000), which the store cannot hold";

/// Whether a text holds a NUL.
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Whether YAML text may decode to a NUL: raw, or escaped in a double-quoted scalar (`\0`,
/// `\x00`, `\u0000`, `\U00000000`). Most files hold none of these, so most are not walked.
pub fn yaml_may_hold_nul(text: &str) -> bool {
    has_nul(text)
        || text
            .match_indices('\\')
            .any(|(i, _)| matches!(text.as_bytes().get(i + 1), Some(b'0' | b'x' | b'u' | b'U')))
}

/// Whether any string of a serialized value holds a NUL, found without building the value:
/// the serialization is scanned as it is written, for the `\u0000` escape JSON writes for one
/// (a backslash written as text comes out doubled, and so is told apart).
pub fn holds_nul<T: Serialize + ?Sized>(value: &T) -> bool {
    /// Counts the backslashes in a row; an odd run followed by `u0000` is the escape.
    struct Scan {
        run: usize,
        tail: Option<usize>,
        found: bool,
    }
    impl std::io::Write for Scan {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                if let Some(n) = self.tail {
                    let want = b"u0000"[n];
                    self.tail = (b == want).then_some(n + 1).filter(|&k| k < 5);
                    if b == want && n == 4 {
                        self.found = true;
                    }
                    if b != want {
                        self.run = usize::from(b == b'\\');
                    }
                    continue;
                }
                if b == b'\\' {
                    self.run += 1;
                } else {
                    if b == b'u' && self.run % 2 == 1 {
                        self.tail = Some(1);
                    }
                    self.run = 0;
                }
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut scan = Scan {
        run: 0,
        tail: None,
        found: false,
    };
    let _ = serde_json::to_writer(&mut scan, value);
    scan.found
}

/// The paths (`rooms[3].members[0]`, as the configuration's errors name them) of every string,
/// or map key, in a serialized value that holds a NUL.
pub fn nul_paths<T: Serialize + ?Sized>(value: &T) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(v) = serde_json::to_value(value) {
        walk(&v, String::new(), &mut found);
    }
    found
}

fn walk(v: &Value, path: String, found: &mut Vec<String>) {
    match v {
        Value::String(s) if has_nul(s) => found.push(path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if has_nul(k) {
                    found.push(at.clone());
                }
                walk(item, at, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuls_are_found_with_their_paths() {
        let v = serde_json::json!({"rooms": [{"name": "a"}, {"name": "b", "members": ["x", "y\u{0}"]}]});
        assert_eq!(nul_paths(&v), ["rooms[1].members[1]"]);
        assert!(nul_paths(&serde_json::json!({"a": "plain"})).is_empty());
        assert!(yaml_may_hold_nul("name: \"a\\0b\""));
        assert!(yaml_may_hold_nul("name: \"a\\u0000b\""));
        assert!(!yaml_may_hold_nul("name: a\\nb and C:\\Logs"));
        for (text, nul) in [
            ("a\u{0}b", true),
            ("\u{0}", true),
            ("\\u0000", false),
            ("\\\u{0}", true),
            ("u0000", false),
            ("\\\\u0000", false),
        ] {
            assert_eq!(
                holds_nul(&serde_json::json!({"x": [text]})),
                nul,
                "{text:?}"
            );
        }
    }
}
