//! The only module that knows the YAML library. It parses a file into a [`Document`] fast when
//! the file is right, and, when it is not, finds every error with its path; it also finds the
//! line and column of any path (`rooms[3].category`) in one pass over a file.
//!
//! serde_yaml is unmaintained: keeping every call to it here makes a later swap local.

use std::collections::{HashMap, HashSet};

use crate::model::{Document, Kind};
use crate::suggest::nearest;

/// A position in a file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark {
    pub line: usize,
    pub column: usize,
}

/// A syntax or type error of one file, before it is placed in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawError {
    /// The path of the offending node (`rooms[3].privacy`), empty for the whole document.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// Where the parser itself saw the problem, when it could say.
    pub mark: Option<Mark>,
    /// Whether the error is about a key (an unknown field) rather than a value.
    pub at_key: bool,
}

/// Parses one file. On failure, reports every error it can find (one per broken object, not
/// only the first), each with its path.
pub fn parse_document(text: &str) -> Result<Document, Vec<RawError>> {
    match serde_yaml::from_str::<Document>(text) {
        Ok(doc) => Ok(doc),
        Err(first) => Err(collect_errors(text, &first)),
    }
}

/// Writes a document as YAML.
pub fn to_string(doc: &Document) -> String {
    // Serializing plain data with string keys cannot fail.
    serde_yaml::to_string(doc).expect("a Document always serializes")
}

/// Slow path: re-reads a broken file object by object so that each broken object is reported.
fn collect_errors(text: &str, first: &serde_yaml::Error) -> Vec<RawError> {
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        // Not even well-formed YAML: the parser's own error is all there is.
        Err(e) => {
            let mut raw = from_error(&e, "");
            raw.path = path_at_syntax_error(text);
            return vec![raw];
        }
    };
    let mut errors = Vec::new();
    match &value {
        serde_yaml::Value::Null => {}
        serde_yaml::Value::Mapping(map) => {
            for (key, list) in map {
                let Some(key) = key.as_str() else {
                    errors.push(RawError {
                        path: String::new(),
                        message: format!(
                            "a top-level key must be a kind name, not {}",
                            describe(key)
                        ),
                        help: None,
                        mark: None,
                        at_key: false,
                    });
                    continue;
                };
                let Some(kind) = Kind::from_key(key) else {
                    let kinds = Kind::ALL.map(Kind::key);
                    errors.push(RawError {
                        path: key.to_string(),
                        message: format!("unknown kind `{key}`"),
                        help: Some(match nearest(key, kinds) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => format!("the kinds are: {}", kinds.join(", ")),
                        }),
                        mark: None,
                        at_key: true,
                    });
                    continue;
                };
                match list {
                    serde_yaml::Value::Null => {}
                    serde_yaml::Value::Sequence(items) => {
                        for (i, item) in items.iter().enumerate() {
                            if let Some(e) = check_item(kind, item, &format!("{key}[{i}]")) {
                                errors.push(e);
                            }
                        }
                    }
                    other => errors.push(RawError {
                        path: key.to_string(),
                        message: format!(
                            "`{key}` must be a list of {}s, not {}",
                            kind.noun(),
                            describe(other)
                        ),
                        help: None,
                        mark: None,
                        at_key: false,
                    }),
                }
            }
        }
        other => errors.push(RawError {
            path: String::new(),
            message: format!(
                "a configuration file is a map of kinds (`rooms:`, `categories:` …), not {}",
                describe(other)
            ),
            help: None,
            mark: None,
            at_key: false,
        }),
    }
    if errors.is_empty() {
        // The object-by-object reading found nothing; the first error stands on its own.
        errors.push(from_error(first, ""));
    }
    errors
}

/// Type-checks one object by itself. Re-serializing it keeps plain scalars plain, so the object
/// is read exactly as the whole file would read it.
fn check_item(kind: Kind, item: &serde_yaml::Value, prefix: &str) -> Option<RawError> {
    let text = serde_yaml::to_string(item).ok()?;
    fn check<T: serde::de::DeserializeOwned>(text: &str, prefix: &str) -> Option<RawError> {
        let de = serde_yaml::Deserializer::from_str(text);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(_) => None,
            Err(e) => {
                let rel = e.path().to_string();
                let path = if rel == "." || rel.is_empty() {
                    prefix.to_string()
                } else if rel.starts_with('[') {
                    format!("{prefix}{rel}")
                } else {
                    format!("{prefix}.{rel}")
                };
                let mut raw = from_error(e.inner(), &rel);
                raw.path = path;
                // Positions in the re-serialized text mean nothing in the file.
                raw.mark = None;
                Some(raw)
            }
        }
    }
    use crate::model::*;
    match kind {
        Kind::Pool => check::<Pool>(&text, prefix),
        Kind::Principal => check::<Principal>(&text, prefix),
        Kind::Category => check::<Category>(&text, prefix),
        Kind::Addin => check::<Addin>(&text, prefix),
        Kind::Room => check::<Room>(&text, prefix),
        Kind::Policy => check::<PersistentChatPolicy>(&text, prefix),
        Kind::PolicyGrant => check::<PolicyGrant>(&text, prefix),
        Kind::ComplianceConfiguration => check::<ComplianceConfiguration>(&text, prefix),
        Kind::Configuration => check::<PersistentChatConfiguration>(&text, prefix),
        Kind::Endpoint => check::<Endpoint>(&text, prefix),
        Kind::State => check::<PersistentChatState>(&text, prefix),
        Kind::ActiveServers => check::<ActiveServers>(&text, prefix),
    }
}

fn describe(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "nothing",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "a string",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a map",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

/// Turns a serde_yaml error into our parts: its bare message (without the path and position
/// serde_yaml adds), a suggestion for unknown names, and the position if it has one.
fn from_error(e: &serde_yaml::Error, path: &str) -> RawError {
    let mark = e.location().map(|l| Mark {
        line: l.line(),
        column: l.column(),
    });
    let mut message = strip_positions(&e.to_string());
    for prefix in [path.to_string(), e_path_prefix(&message)] {
        if !prefix.is_empty() && prefix != "." {
            if let Some(rest) = message.strip_prefix(&format!("{prefix}: ")) {
                message = rest.to_string();
            }
        }
    }
    let (message, help, at_key) = explain(message);
    RawError {
        path: path.to_string(),
        message,
        help,
        mark,
        at_key,
    }
}

/// serde_yaml writes `path: message`; the path has no spaces, the message does.
fn e_path_prefix(message: &str) -> String {
    match message.split_once(": ") {
        Some((p, _)) if !p.contains(' ') && !p.is_empty() => p.to_string(),
        _ => String::new(),
    }
}

/// Removes `at line N column M` and `at position N` from a message.
fn strip_positions(s: &str) -> String {
    let mut out = s.to_string();
    for marker in [" at line ", " at position "] {
        while let Some(start) = out.find(marker) {
            let rest = &out[start + marker.len()..];
            let mut end = start + marker.len();
            let mut chars = rest.char_indices().peekable();
            // `N` or `N column M`.
            let digits = |it: &mut std::iter::Peekable<std::str::CharIndices>| {
                let mut last = None;
                while let Some(&(i, c)) = it.peek() {
                    if c.is_ascii_digit() {
                        last = Some(i + 1);
                        it.next();
                    } else {
                        break;
                    }
                }
                last
            };
            if let Some(e) = digits(&mut chars) {
                end += e;
                if rest[e..].starts_with(" column ") {
                    let after = &rest[e + 8..];
                    let n = after.chars().take_while(char::is_ascii_digit).count();
                    end += 8 + n;
                }
            }
            out.replace_range(start..end, "");
        }
    }
    out
}

/// Rewrites serde's messages about unknown names into ours, with a suggestion.
fn explain(message: String) -> (String, Option<String>, bool) {
    for (lead, what) in [("unknown field `", "field"), ("unknown variant `", "value")] {
        let Some(rest) = message.strip_prefix(lead) else {
            continue;
        };
        let Some((word, tail)) = rest.split_once('`') else {
            continue;
        };
        let expected = backticked(tail);
        let hint = nearest(word, expected.iter().map(String::as_str));
        let list = expected
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return if what == "field" {
            let help = match hint {
                Some(h) => format!("did you mean `{h}`?"),
                None if expected.is_empty() => "this object has no fields".to_string(),
                None => format!("the known fields are {list}"),
            };
            (format!("unknown field `{word}`"), Some(help), true)
        } else {
            let help = hint.map(|h| format!("did you mean `{h}`?"));
            (
                format!("unknown value `{word}`: expected one of {list}"),
                help,
                false,
            )
        };
    }
    // Rust type names mean nothing to someone writing YAML.
    let message = message
        .replace("expected u32", "expected a whole number of 0 or more")
        .replace("expected a boolean", "expected `true` or `false`");
    (message, None, false)
}

/// The `quoted` words of a serde "expected …" tail.
fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, w)| w.to_string())
        .collect()
}

/// Where each of `paths` starts in `text`: for a key path, the key and its value. Paths not
/// present are absent from the result. One pass over the file, whatever the number of paths.
pub fn locate(text: &str, paths: &HashSet<String>) -> HashMap<String, Located> {
    let mut found: HashMap<String, Located> = HashMap::new();
    // A malformed tail leaves the positions found before it useful, so the result is ignored.
    let _ = walk(text, |path, is_key, mark| {
        if paths.contains(path) {
            let l = found.entry(path.to_string()).or_default();
            if is_key {
                l.key.get_or_insert(mark);
            } else {
                l.value.get_or_insert(mark);
            }
        }
    });
    found
}

/// The path of the innermost list or map open where the YAML stops being well formed (`.` for
/// the top level), so a syntax error can say where in the structure it is.
pub fn path_at_syntax_error(text: &str) -> String {
    match walk(text, |_, _, _| {}) {
        Err(path) if !path.is_empty() => path,
        _ => ".".to_string(),
    }
}

/// Walks every node of the first document, calling `visit(path, is_key, mark)` for each key and
/// each value. Returns `Err(path of the innermost open collection)` if the YAML is malformed.
fn walk(text: &str, mut visit: impl FnMut(&str, bool, Mark)) -> Result<(), String> {
    let Some(mut parser) = events::Parser::new(text) else {
        return Err(String::new());
    };
    enum Frame {
        Seq { path: String, next: usize },
        Map { path: String, key: Option<String> },
    }
    // A key that is itself a list or map: nothing inside it is addressable.
    const COMPLEX: &str = "\u{0}complex";
    let mut stack: Vec<Frame> = Vec::new();
    // The path a node starting here has, and whether it is a key.
    fn place(stack: &mut [Frame]) -> (String, bool) {
        match stack.last_mut() {
            None => (String::new(), false),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                (p, false)
            }
            Some(Frame::Map { path, key: None }) => (path.clone(), true),
            Some(Frame::Map { path, key: Some(k) }) => {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                (p, false)
            }
        }
    }
    // After a value node ends, its map waits for the next key.
    fn value_done(stack: &mut [Frame]) {
        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
            *key = None;
        }
    }
    fn set_key(stack: &mut [Frame], k: String) {
        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
            *key = Some(k);
        }
    }
    loop {
        let event = match parser.next() {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(()),
            Err(()) => {
                return Err(match stack.last() {
                    Some(Frame::Seq { path, .. } | Frame::Map { path, .. }) => path.clone(),
                    None => String::new(),
                })
            }
        };
        let mark = Mark {
            line: event.line + 1,
            column: event.column + 1,
        };
        match event.kind {
            events::Kind::Scalar(value) => {
                let (path, is_key) = place(&mut stack);
                if is_key {
                    let p = if path.is_empty() {
                        value.clone()
                    } else {
                        format!("{path}.{value}")
                    };
                    visit(&p, true, mark);
                    set_key(&mut stack, value);
                } else {
                    visit(&path, false, mark);
                    value_done(&mut stack);
                }
            }
            events::Kind::Alias => {
                let (path, is_key) = place(&mut stack);
                if is_key {
                    set_key(&mut stack, COMPLEX.into());
                } else {
                    visit(&path, false, mark);
                    value_done(&mut stack);
                }
            }
            events::Kind::SequenceStart | events::Kind::MappingStart => {
                let (path, is_key) = place(&mut stack);
                let path = if is_key {
                    set_key(&mut stack, COMPLEX.into());
                    COMPLEX.to_string()
                } else {
                    visit(&path, false, mark);
                    path
                };
                stack.push(if matches!(event.kind, events::Kind::SequenceStart) {
                    Frame::Seq { path, next: 0 }
                } else {
                    Frame::Map { path, key: None }
                });
            }
            events::Kind::SequenceEnd | events::Kind::MappingEnd => {
                stack.pop();
                value_done(&mut stack);
            }
            events::Kind::DocumentEnd => return Ok(()),
            events::Kind::Other => {}
        }
    }
}

/// The position of a node: of its key (for a map entry) and of its value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Located {
    pub key: Option<Mark>,
    pub value: Option<Mark>,
}

/// A minimal event reader over libyaml, the parser serde_yaml itself uses, so the positions
/// agree with the ones in serde_yaml's errors.
mod events {
    use std::mem::MaybeUninit;
    use unsafe_libyaml as unsafe_yaml;

    pub enum Kind {
        Scalar(String),
        Alias,
        SequenceStart,
        SequenceEnd,
        MappingStart,
        MappingEnd,
        DocumentEnd,
        Other,
    }

    pub struct Event {
        pub kind: Kind,
        /// 0-based, as libyaml counts.
        pub line: usize,
        pub column: usize,
    }

    pub struct Parser<'a> {
        // Boxed so its address stays put: libyaml keeps pointers into the parser struct.
        sys: Box<MaybeUninit<unsafe_yaml::yaml_parser_t>>,
        _input: &'a [u8],
        done: bool,
    }

    impl<'a> Parser<'a> {
        pub fn new(text: &'a str) -> Option<Self> {
            let input = text.as_bytes();
            let mut boxed = Box::new(MaybeUninit::<unsafe_yaml::yaml_parser_t>::zeroed());
            // SAFETY: the parser is initialized in place and lives in a Box that is not moved;
            // the input outlives it because the struct borrows it for 'a.
            unsafe {
                let p = boxed.as_mut_ptr();
                if unsafe_yaml::yaml_parser_initialize(p).fail {
                    return None;
                }
                unsafe_yaml::yaml_parser_set_encoding(p, unsafe_yaml::YAML_UTF8_ENCODING);
                unsafe_yaml::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
            }
            Some(Parser {
                sys: boxed,
                _input: input,
                done: false,
            })
        }

        /// The next event; `Ok(None)` at the end of the stream, `Err` at a syntax error.
        pub fn next(&mut self) -> Result<Option<Event>, ()> {
            if self.done {
                return Ok(None);
            }
            let mut event = MaybeUninit::<unsafe_yaml::yaml_event_t>::uninit();
            // SAFETY: the parser was initialized in `new`; each event is deleted after its
            // fields are copied out.
            unsafe {
                let p = self.sys.as_mut_ptr();
                if unsafe_yaml::yaml_parser_parse(p, event.as_mut_ptr()).fail {
                    self.done = true;
                    return Err(());
                }
                let e = &*event.as_ptr();
                let kind = match e.type_ {
                    unsafe_yaml::YAML_SCALAR_EVENT => {
                        let s = e.data.scalar;
                        let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                        Kind::Scalar(String::from_utf8_lossy(bytes).into_owned())
                    }
                    unsafe_yaml::YAML_ALIAS_EVENT => Kind::Alias,
                    unsafe_yaml::YAML_SEQUENCE_START_EVENT => Kind::SequenceStart,
                    unsafe_yaml::YAML_SEQUENCE_END_EVENT => Kind::SequenceEnd,
                    unsafe_yaml::YAML_MAPPING_START_EVENT => Kind::MappingStart,
                    unsafe_yaml::YAML_MAPPING_END_EVENT => Kind::MappingEnd,
                    unsafe_yaml::YAML_DOCUMENT_END_EVENT => Kind::DocumentEnd,
                    unsafe_yaml::YAML_STREAM_END_EVENT => {
                        self.done = true;
                        Kind::Other
                    }
                    _ => Kind::Other,
                };
                let out = Event {
                    kind,
                    line: e.start_mark.line as usize,
                    column: e.start_mark.column as usize,
                };
                unsafe_yaml::yaml_event_delete(event.as_mut_ptr());
                Ok(Some(out))
            }
        }
    }

    impl Drop for Parser<'_> {
        fn drop(&mut self) {
            // SAFETY: initialized in `new` (a failed initialization returns before a Parser exists).
            unsafe { unsafe_yaml::yaml_parser_delete(self.sys.as_mut_ptr()) }
        }
    }
}

/// Writes any serializable value as YAML (for `get --format yaml`).
pub fn to_yaml<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# cannot write YAML: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> HashSet<String> {
        paths.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn locates_keys_values_and_list_items() {
        let text = "rooms:\n  - name: a\n    category: Sales\n  - name: b\n    members: [sip:x@y.com, sip:z@y.com]\n";
        let found = locate(
            text,
            &set(&[
                "rooms[0].category",
                "rooms[1]",
                "rooms[1].members[1]",
                "rooms",
                "rooms[9]",
            ]),
        );
        assert_eq!(
            found["rooms[0].category"].key,
            Some(Mark { line: 3, column: 5 })
        );
        assert_eq!(
            found["rooms[0].category"].value,
            Some(Mark {
                line: 3,
                column: 15
            })
        );
        assert_eq!(found["rooms[1]"].value, Some(Mark { line: 4, column: 5 }));
        assert_eq!(
            found["rooms[1].members[1]"].value,
            Some(Mark {
                line: 5,
                column: 28
            })
        );
        assert_eq!(found["rooms"].key, Some(Mark { line: 1, column: 1 }));
        assert!(!found.contains_key("rooms[9]"));
    }

    #[test]
    fn locate_survives_broken_yaml() {
        let found = locate("rooms: [\n", &set(&["rooms"]));
        assert_eq!(found["rooms"].key, Some(Mark { line: 1, column: 1 }));
        assert_eq!(
            path_at_syntax_error("rooms:\n  - name: a\n    members: [x\n"),
            "rooms[0].members"
        );
        assert_eq!(path_at_syntax_error("a: b\n c: d\n"), ".");
    }

    #[test]
    fn strips_positions_from_messages() {
        assert_eq!(
            strip_positions("rooms[0]: bad at line 3 column 5, while parsing at line 1 column 1"),
            "rooms[0]: bad, while parsing"
        );
        assert_eq!(strip_positions("x at position 12"), "x");
    }

    #[test]
    fn reports_every_broken_object() {
        let text = "rooms:\n  - name: a\n    category: c\n    privcy: Open\n  - name: b\n    category: c\n    privacy: Closd\n  - name: c\n";
        let errs = parse_document(text).unwrap_err();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["rooms[0].privcy", "rooms[1].privacy", "rooms[2]"]);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `privacy`?"));
        assert!(errs[0].at_key);
        assert_eq!(errs[1].help.as_deref(), Some("did you mean `Closed`?"));
        assert!(
            errs[1].message.contains("`Open`, `Closed`, `Secret`"),
            "{}",
            errs[1].message
        );
        assert_eq!(errs[2].message, "missing field `category`");
    }
}
