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
    }
}
