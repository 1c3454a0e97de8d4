//! The only module that knows the YAML library. It parses a file into a [`Document`] fast when
//! the file is right, and, when it is not, finds every error with its path; it also finds the
//! line and column of any path (`rooms[3].category`) in one pass over a file.
//!
//! serde_yaml is unmaintained: keeping every call to it here makes a later swap local.

use std::collections::{HashMap, HashSet};

use crate::model::{Document, Kind};
use crate::suggest::nearest;

mod stream;

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

pub use stream::Items;

/// Parses one file. On failure, reports every error it can find (one per broken object, not
/// only the first), each with its path.
pub fn parse_document(text: &str) -> Result<Document, Vec<RawError>> {
    parse_placed(text).map(|(doc, _)| doc)
}

/// [`parse_document`], with where the entries of its top-level lists start when the file was
/// read as it streams (for [`locate_with`]).
pub fn parse_placed(text: &str) -> Result<(Document, Option<Items>), Vec<RawError>> {
    if let Some(too_deep) = too_deep(text) {
        return Err(vec![too_deep]);
    }
    if may_have_tags_or_anchors(text) {
        let refused = screen(text);
        if !refused.is_empty() {
            return Err(refused);
        }
    } else if let Some((doc, items)) = stream::from_str_placed::<Document>(text) {
        // A right file without tags or anchors: read as it streams, in a fraction of the
        // memory. Anything else (and every error) is serde_yaml's to answer.
        return Ok((doc, Some(items)));
    }
    match serde_yaml::from_str::<Document>(text) {
        Ok(doc) => Ok((doc, None)),
        Err(first) => Err(collect_errors(text, &first)),
    }
}

/// Writes a document as YAML.
pub fn to_string(doc: &Document) -> String {
    // Serializing plain data with string keys cannot fail.
    quote_for_yaml11(serde_yaml::to_string(doc).expect("a Document always serializes"))
}

/// Whether a YAML 1.1 reader (PyYAML, many CI tools) would read this plain scalar as something
/// other than a string: `yes`/`no`/`on`/`off`/`y`/`n`, sexagesimal and octal numbers, dates,
/// `<<`, `=`. Errs towards yes: quoting a string is always safe.
fn yaml11_non_string(s: &str) -> bool {
    const WORDS: [&str; 28] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~",
        "<<", "=",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let numeric_start = body.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let numeric_chars = body
        .chars()
        .all(|c| c.is_ascii_hexdigit() || "xXoO_.:+-".contains(c));
    let date =
        s.len() >= 6 && s[..4].bytes().all(|b| b.is_ascii_digit()) && s.as_bytes()[4] == b'-';
    (numeric_start && numeric_chars)
        || date
        || matches!(body, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
}

/// Whether a plain scalar is one serde_yaml writes for a real boolean, number or null (it
/// quotes strings that a YAML 1.2 reader would take for those).
fn yaml12_typed(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let body = s.strip_prefix('-').unwrap_or(s);
    let int = digits(body) && (body == "0" || !body.starts_with('0'));
    let float = match body.split_once('.') {
        Some((i, f)) => {
            let (f, exp) = f.split_once(['e', 'E']).unwrap_or((f, "0"));
            digits(i) && digits(f) && digits(exp.strip_prefix(['-', '+']).unwrap_or(exp))
        }
        None => false,
    };
    matches!(
        s,
        "true" | "false" | "null" | "~" | ".inf" | "-.inf" | ".nan"
    ) || int
        || float
}

/// Single-quotes every plain scalar of serde_yaml's output that a YAML 1.1 reader would not
/// read as the string it is (serde_yaml writes YAML 1.2, where `yes` is a string).
fn quote_for_yaml11(text: String) -> String {
    let Some(mut parser) = events::Parser::new(&text) else {
        return text;
    };
    let mut spans = Vec::new();
    while let Ok(Some(e)) = parser.next() {
        if let events::Kind::Scalar(v) = &e.kind {
            if e.plain && yaml11_non_string(v) && !yaml12_typed(v) {
                spans.push((e.start, e.end));
            }
        }
    }
    drop(parser);
    if spans.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 2 * spans.len());
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&text[at..start]);
        // Plain scalars that look like these hold no quote character.
        out.push('\'');
        out.push_str(&text[start..end]);
        out.push('\'');
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The tags a plain data file may carry: YAML's own core types. Any other (`!!binary`, `!Ref`)
/// would be dropped silently by the deserializer, turning `!!binary aGVsbG8=` into a name.
const CORE_TAGS: [&str; 7] = ["str", "int", "bool", "float", "null", "seq", "map"];

/// How many nodes a file may expand to through aliases: a floor for small files, then in
/// proportion to the input. Nested aliases ("billion laughs") grow exponentially otherwise.
pub fn node_budget(len: usize) -> u64 {
    1_000_000 + len as u64
}

/// Whether the text may hold a tag (`!`) or an anchor (`&`) where a node starts. Cheap (two
/// memchr scans), so a plain file pays nothing for the screening below.
fn may_have_tags_or_anchors(text: &str) -> bool {
    let b = text.as_bytes();
    let starts_node =
        |i: usize| i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',');
    ['!', '&'].iter().any(|&c| {
        let mut from = 0;
        while let Some(i) = text[from..].find(c) {
            if starts_node(from + i) {
                return true;
            }
            from += i + 1;
        }
        false
    })
}

/// One event pass over a file that uses tags or anchors: refuses tags pchat does not define
/// and alias expansion past [`node_budget`], each at its place, before anything is built.
fn screen(text: &str) -> Vec<RawError> {
    let Some(mut parser) = events::Parser::new(text) else {
        return Vec::new();
    };
    let budget = node_budget(text.len());
    let mut errors = Vec::new();
    // Expanded size of each anchored node and the alias jumps its expansion makes; the running
    // totals; open collections with the totals when they started and their anchor.
    let mut anchors: HashMap<String, (u64, u64)> = HashMap::new();
    let mut expanded: u64 = 0;
    let mut jumps: u64 = 0;
    let mut events: u64 = 0;
    // Where the jumps stood at each alias, to place the one that crosses the deserializer's
    // limit (which counts the whole document's events, known only at the end).
    let mut alias_marks: Vec<(u64, Mark)> = Vec::new();
    let mut open: Vec<(u64, u64, Option<String>)> = Vec::new();
    // Syntax errors are the deserializer's to report, with its own words.
    while let Ok(Some(event)) = parser.next() {
        events += 1;
        let mark = Mark {
            line: event.line + 1,
            column: event.column + 1,
        };
        if let Some(tag) = &event.tag {
            let core = tag
                .strip_prefix("tag:yaml.org,2002:")
                .is_some_and(|t| CORE_TAGS.contains(&t));
            if !core {
                let shown = match tag.strip_prefix("tag:yaml.org,2002:") {
                    Some(t) => format!("!!{t}"),
                    None => tag.clone(),
                };
                errors.push(RawError {
                    path: String::new(),
                    message: format!("YAML tag `{shown}` is not part of a pchat configuration"),
                    help: Some("remove the tag and write the value itself".into()),
                    mark: Some(mark),
                    at_key: false,
                });
            }
        }
        match event.kind {
            events::Kind::Scalar(_) => {
                expanded += 1;
                if let Some(a) = event.anchor {
                    anchors.insert(a, (1, 0));
                }
            }
            events::Kind::Alias(name) => {
                let (nodes, inner) = anchors.get(&name).copied().unwrap_or((1, 0));
                expanded += nodes;
                jumps += 1 + inner;
                alias_marks.push((jumps, mark));
            }
            events::Kind::SequenceStart | events::Kind::MappingStart => {
                expanded += 1;
                open.push((expanded - 1, jumps, event.anchor));
            }
            events::Kind::SequenceEnd | events::Kind::MappingEnd => {
                if let Some((start, jumps_at_start, Some(a))) = open.pop() {
                    anchors.insert(a, (expanded - start, jumps - jumps_at_start));
                }
            }
            events::Kind::DocumentEnd => break,
            events::Kind::Other => {}
        }
        if expanded > budget {
            errors.push(RawError {
                path: String::new(),
                message: format!(
                    "YAML aliases expand this file to more than {budget} nodes (a \"billion \
                     laughs\" document?)"
                ),
                help: Some(ALIAS_HELP.into()),
                mark: Some(mark),
                at_key: false,
            });
            return errors;
        }
    }
    // serde_yaml follows at most 100 aliases per event of the document.
    let limit = events.saturating_mul(100);
    if let Some((_, mark)) = alias_marks.iter().find(|(j, _)| *j > limit) {
        errors.push(RawError {
            path: String::new(),
            message: "YAML aliases are followed more than 100 times per node of this file (a \
                      \"billion laughs\" document?)"
                .into(),
            help: Some(ALIAS_HELP.into()),
            mark: Some(*mark),
            at_key: false,
        });
    }
    errors
}

const ALIAS_HELP: &str = "an alias (`*name`) repeats its anchor's whole content; write shared \
                          lists once per object, or split the file";

/// How deeply lists and maps may nest: the deserializer's own limit (serde_yaml refuses deeper
/// documents), so a refusal here refuses nothing it would have read.
pub const MAX_DEPTH: usize = 128;

fn nesting_error(mark: Option<Mark>) -> RawError {
    RawError {
        path: String::new(),
        message: format!("lists and maps are nested deeper than {MAX_DEPTH} levels"),
        help: Some(
            "a configuration never nests this deep: look for a `[` or `{` never closed, or a \
             run of `- - -`"
                .into(),
        ),
        mark,
        at_key: false,
    }
}

/// Refuses flow collections (`[…]`, `{…}`) nested deeper than [`MAX_DEPTH`] before any YAML
/// parser sees the file: libyaml's work per token grows with the flow depth, so a few hundred
/// KB of `[[[[` would otherwise take minutes. One linear pass over the bytes that knows just
/// enough YAML to skip quoted strings, comments and block scalars; block nesting needs no
/// screen (it costs indentation, so the file's size bounds it).
fn too_deep(text: &str) -> Option<RawError> {
    let b = text.as_bytes();
    // Fast path: no brackets, no flow collections.
    if !b.iter().any(|&c| c == b'[' || c == b'{') {
        return None;
    }
    let mut depth = 0usize;
    // The last byte on this line that was not a space; `None` at the start of a line.
    let mut prev: Option<u8> = None;
    // Indentation of the current line, and of the line that opened a block scalar.
    let mut indent = 0usize;
    let mut at_indent = true;
    let mut block_scalar: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            prev = None;
            indent = 0;
            at_indent = true;
            i += 1;
            continue;
        }
        if at_indent {
            if c == b' ' {
                indent += 1;
                i += 1;
                continue;
            }
            at_indent = false;
            if let Some(parent) = block_scalar {
                if indent > parent || c == b'\r' {
                    // A line of the block scalar's text: skip it.
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                block_scalar = None;
            }
        }
        // Where a node may begin: at the start of a line or after `:`, `-` or `?` and a space
        // (`a-'b` and `a, [b` are plain scalars); in a flow, after any flow indicator.
        let node_start = match (depth, prev) {
            (_, None) => true,
            (0, Some(b':' | b'-' | b'?')) => matches!(b[i - 1], b' ' | b'\t'),
            (0, _) => false,
            (_, Some(b'[' | b'{' | b',' | b':')) => true,
            (_, Some(b'?')) => matches!(b[i - 1], b' ' | b'\t'),
            _ => false,
        };
        match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' if node_start => {
                // A quoted scalar: skip to its end (`''` and `\"` are escapes), lines included.
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'\\' if c == b'"' => i += 1,
                        b'\'' if c == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
                        q if q == c => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'|' | b'>' if depth == 0 && node_start => block_scalar = Some(indent),
            b'[' | b'{' if node_start || depth > 0 => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(nesting_error(Some(mark_at(text, i))));
                }
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        prev = Some(c);
        i += 1;
    }
    None
}

/// The line and column (1-based, in characters) of byte `offset`.
fn mark_at(text: &str, offset: usize) -> Mark {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    Mark {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Where the first character YAML does not allow in a file stands (a raw NUL, a C0 or C1
/// control): libyaml's reader reports such a character without a usable position.
fn first_unprintable(text: &str) -> Option<(Mark, char)> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || (' '..='~').contains(&c)
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    let mut line = 1;
    let mut column = 1;
    for c in text.chars() {
        if !allowed(c) {
            return Some((Mark { line, column }, c));
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    None
}

/// Slow path: re-reads a broken file object by object so that each broken object is reported.
fn collect_errors(text: &str, first: &serde_yaml::Error) -> Vec<RawError> {
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        // Not even well-formed YAML: the parser's own error is all there is.
        Err(e) => {
            let mut raw = from_error(&e, "");
            raw.path = path_at_syntax_error(text);
            if raw.message.contains("control characters are not allowed") {
                if let Some((mark, c)) = first_unprintable(text) {
                    raw.mark = Some(mark);
                    raw.message = format!(
                        "the control character U+{:04X} is not allowed in a YAML file",
                        c as u32
                    );
                    raw.help = Some(
                        "remove it; inside a double-quoted string it can be written as an \
                         escape (`\\t`, `\\x..`) if it is really meant"
                            .into(),
                    );
                }
            }
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
                            errors.extend(check_item(kind, item, &format!("{key}[{i}]")));
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

/// Type-checks one object by itself, reporting each of its problems: after one, the field at
/// fault is taken out and the object read again (a field then missing because it was taken out
/// is not reported twice). Re-serializing it keeps plain scalars plain, so the object is read
/// exactly as the whole file would read it.
fn check_item(kind: Kind, item: &serde_yaml::Value, prefix: &str) -> Vec<RawError> {
    let mut item = item.clone();
    let (mut out, mut taken) = (Vec::new(), Vec::<String>::new());
    // Each round takes a field out: an object has few, so this ends.
    for _ in 0..64 {
        let Some(text) = serde_yaml::to_string(&item).ok() else {
            break;
        };
        let Some((raw, rel)) = check_one(kind, &text, prefix) else {
            break;
        };
        let missing = taken
            .iter()
            .any(|t| raw.message.contains(&format!("missing field `{t}`")));
        if missing {
            break;
        }
        out.push(raw);
        // The field at fault: the path's first step (`members[2]` is `members`).
        let field = rel.split(['.', '[']).next().unwrap_or_default().to_string();
        let removed = match &mut item {
            serde_yaml::Value::Mapping(m) if !field.is_empty() => m.remove(field.as_str()),
            _ => None,
        };
        if removed.is_none() {
            break;
        }
        taken.push(field);
    }
    out
}

/// The first problem of one object, with its path inside the object.
fn check_one(kind: Kind, text: &str, prefix: &str) -> Option<(RawError, String)> {
    fn check<T: serde::de::DeserializeOwned>(
        text: &str,
        prefix: &str,
    ) -> Option<(RawError, String)> {
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
                let rel = if rel == "." { String::new() } else { rel };
                Some((raw, rel))
            }
        }
    }
    fn check_kind<T: crate::model::Object>(
        kind: Kind,
        text: &str,
        prefix: &str,
        out: &mut Option<(RawError, String)>,
    ) {
        if T::KIND == kind {
            *out = check::<T>(text, prefix);
        }
    }
    let mut out = None;
    crate::model::kind::each_kind!(check_kind, kind, text, prefix, &mut out);
    out
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
    // The deserializer's limits, said as what they mean for a person.
    if message.starts_with("recursion limit exceeded") {
        let e = nesting_error(None);
        return (e.message, e.help, false);
    }
    if message.starts_with("repetition limit exceeded") {
        return (
            "YAML aliases are followed more than 100 times per node of this file (a \"billion \
             laughs\" document?)"
                .into(),
            Some(ALIAS_HELP.into()),
            false,
        );
    }
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
    // The lists and maps that hold a wanted path: only inside those are paths built.
    let mut holders: HashSet<&str> = HashSet::new();
    for p in paths {
        let mut p = p.as_str();
        while holders.insert(p) {
            match p.rfind(['.', '[']) {
                Some(cut) => p = &p[..cut],
                None => break,
            }
        }
    }
    let _ = walk(
        text,
        |p| holders.contains(p),
        |path, is_key, mark| {
            if paths.contains(path) {
                let l = found.entry(path.to_string()).or_default();
                if is_key {
                    l.key.get_or_insert(mark);
                } else {
                    l.value.get_or_insert(mark);
                }
            }
        },
    );
    found
}

/// [`locate`], reading only the entries the paths are in when `items` says where entries start
/// (`rooms[3].members[1]` is looked for in the text of `rooms[3]` alone): a hundred warnings in
/// a file of 100k rooms read a hundred rooms, not the file. What is not found that way (an
/// entry not written as a block list item, a path above the entries) is located in the whole
/// file, so a diagnostic is placed where [`locate`] places it. A bare top-level key (`rooms`)
/// is only the fallback of its entries: it is left out when they were all found.
pub fn locate_with(
    text: &str,
    items: Option<&Items>,
    paths: &HashSet<String>,
) -> HashMap<String, Located> {
    let Some(items) = items else {
        return locate(text, paths);
    };
    let mut found: HashMap<String, Located> = HashMap::new();
    // The wanted paths inside each entry, by (list, index).
    let mut inside: HashMap<(usize, usize), Vec<&str>> = HashMap::new();
    let mut rest: HashSet<String> = HashSet::new();
    for p in paths {
        match entry_of(items, p) {
            Some((list, index, len)) => inside.entry((list, index)).or_default().push(&p[len..]),
            None => {
                rest.insert(p.clone());
            }
        }
    }
    // Per list: whether an entry of it was looked for, and whether one was not found.
    let mut wanted = vec![(false, false); items.lists.len()];
    for ((list, index), tails) in inside {
        wanted[list].0 = true;
        let missed = &mut wanted[list].1;
        let l = &items.lists[list];
        let prefix = format!("{}[{index}]", l.key);
        let Some((fragment, line)) = entry_text(text, l, index) else {
            *missed = true;
            rest.extend(tails.iter().map(|t| format!("{prefix}{t}")));
            continue;
        };
        let paths: HashSet<String> = tails.iter().map(|t| format!("[0]{t}")).collect();
        let here = locate(fragment, &paths);
        for t in tails {
            match here.get(&format!("[0]{t}")) {
                Some(l) => {
                    let shift = |m: Mark| Mark {
                        line: m.line + line,
                        column: m.column,
                    };
                    found.insert(
                        format!("{prefix}{t}"),
                        Located {
                            key: l.key.map(shift),
                            value: l.value.map(shift),
                        },
                    );
                }
                // Looked for in the whole file (a field left out is not there either).
                None => {
                    *missed |= t.is_empty();
                    rest.insert(format!("{prefix}{t}"));
                }
            }
        }
    }
    // A top-level key is only a fallback for its entries: not needed when all were found.
    rest.retain(|p| {
        let found_all = items
            .lists
            .iter()
            .zip(&wanted)
            .any(|(l, &(looked, missed))| l.key == *p && looked && !missed);
        !found_all
    });
    if !rest.is_empty() {
        found.extend(locate(text, &rest));
    }
    found
}

/// The top-level list and entry a path is in (`rooms[3].members` → rooms, 3) and the length of
/// the path's entry part (`rooms[3]`).
fn entry_of(items: &Items, path: &str) -> Option<(usize, usize, usize)> {
    let open = path.find('[')?;
    let close = open + path[open..].find(']')?;
    let index: usize = path[open + 1..close].parse().ok()?;
    let list = items.lists.iter().position(|l| l.key == path[..open])?;
    (index < items.lists[list].starts.len()).then_some((list, index, close + 1))
}

/// The text of one entry of a block list, from the start of its `- ` line to the start of the
/// next entry's line (or of the list's end), and the 0-based line it starts on; `None` when the
/// entry is not written as `- ` at the start of its line (a flow list, a compact form).
fn entry_text<'t>(
    text: &'t str,
    list: &stream::ItemList,
    index: usize,
) -> Option<(&'t str, usize)> {
    // Offsets are libyaml's byte offsets; `get` keeps a bad one from slicing inside a character.
    let line_start = |offset: usize| {
        let before = text.get(..offset)?;
        Some(before.rfind(['\n', '\r']).map_or(0, |i| i + 1))
    };
    let (start, line) = *list.starts.get(index)?;
    let begin = line_start(start)?;
    if text.get(begin..start)?.trim() != "-" {
        return None;
    }
    let end = match list.starts.get(index + 1) {
        Some(&(next, _)) => line_start(next)?,
        // The list ends where the next key's line starts, or inside the last line (the end
        // of a file without a final line break).
        None => {
            let end = list.end.max(start);
            let from = line_start(end)?;
            if text.get(from..end)?.trim().is_empty() {
                from
            } else {
                end
            }
        }
    };
    (end > start)
        .then(|| text.get(begin..end))
        .flatten()
        .map(|t| (t, line))
}

/// The path of the innermost list or map open where the YAML stops being well formed (`.` for
/// the top level), so a syntax error can say where in the structure it is.
pub fn path_at_syntax_error(text: &str) -> String {
    match walk(text, |_| true, |_, _, _| {}) {
        Err(path) if !path.is_empty() => path,
        _ => ".".to_string(),
    }
}

/// What a map expects next.
#[derive(Clone, Copy, PartialEq)]
enum Next {
    Key,
    Value,
    /// The value of a key that is a list or map: nothing in it is addressable.
    Hidden,
}
enum Frame {
    /// `base`: the length of the collection's path in `path`; `None` when not addressable.
    Seq {
        base: Option<usize>,
        next: usize,
    },
    Map {
        base: Option<usize>,
        next: Next,
    },
}
impl Frame {
    fn base(&self) -> Option<usize> {
        match self {
            Frame::Seq { base, .. } | Frame::Map { base, .. } => *base,
        }
    }
}

/// How deep `walk` builds paths: serde_yaml refuses documents nested deeper than this, so no
/// diagnostic can name a node below it.
const ADDRESSABLE_DEPTH: usize = 128;

/// Walks every node of the first document, calling `visit(path, is_key, mark)` for each key and
/// each value. Returns `Err(path of the innermost open collection)` if the YAML is malformed.
/// Inside a list or map whose path `enter` refuses, no path is built and nothing is visited:
/// locating a hundred objects among a hundred thousand builds the paths of those hundred.
///
/// Linear in the input: one path buffer is grown and truncated as the walk goes (a frame keeps
/// only the length of its collection's path), and below `ADDRESSABLE_DEPTH`, or inside a key
/// that is itself a list or map, no path is built at all.
fn walk(
    text: &str,
    enter: impl Fn(&str) -> bool,
    mut visit: impl FnMut(&str, bool, Mark),
) -> Result<(), String> {
    use std::fmt::Write;
    let Some(mut parser) = events::Parser::new(text) else {
        return Err(String::new());
    };
    let mut path = String::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Where a node starting here goes: `Some(is_key)` with `path` set to its path, or `None`
    // when it has no path.
    fn place(path: &mut String, stack: &mut [Frame]) -> Option<bool> {
        match stack.last_mut() {
            None => Some(false),
            Some(Frame::Seq { base, next }) => {
                let i = *next;
                *next += 1;
                let base = (*base)?;
                path.truncate(base);
                let _ = write!(path, "[{i}]");
                Some(false)
            }
            Some(Frame::Map { base, next }) => {
                let b = (*base)?;
                match *next {
                    Next::Key => {
                        path.truncate(b);
                        Some(true)
                    }
                    Next::Value => Some(false),
                    Next::Hidden => None,
                }
            }
        }
    }
    // After a node ends, its map waits for the next key or value.
    fn done(stack: &mut [Frame], was_key: bool, hide_value: bool) {
        if let Some(Frame::Map { next, .. }) = stack.last_mut() {
            *next = match (was_key, hide_value) {
                (true, false) => Next::Value,
                (true, true) => Next::Hidden,
                (false, _) => Next::Key,
            };
        }
    }
    // Whether the node about to start is a key of its map (addressable or not).
    fn is_key(stack: &[Frame]) -> bool {
        matches!(
            stack.last(),
            Some(Frame::Map {
                next: Next::Key,
                ..
            })
        )
    }
    loop {
        // A scalar's text is only needed where it becomes part of a path.
        parser.copy_scalars = stack.last().is_none_or(|f| f.base().is_some());
        let event = match parser.next() {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(()),
            Err(()) => {
                let base = stack.iter().rev().find_map(Frame::base);
                path.truncate(base.unwrap_or(0));
                return Err(path);
            }
        };
        let mark = Mark {
            line: event.line + 1,
            column: event.column + 1,
        };
        let key = is_key(&stack);
        match event.kind {
            events::Kind::Scalar(value) => {
                match place(&mut path, &mut stack) {
                    Some(true) => {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(&value);
                        visit(&path, true, mark);
                    }
                    Some(false) => visit(&path, false, mark),
                    None => {}
                }
                done(&mut stack, key, false);
            }
            events::Kind::Alias(_) => {
                if let Some(false) = place(&mut path, &mut stack) {
                    visit(&path, false, mark);
                }
                // An alias as a key stands for a list or map: its value has no path.
                done(&mut stack, key, key);
            }
            events::Kind::SequenceStart | events::Kind::MappingStart => {
                let base = match place(&mut path, &mut stack) {
                    Some(false) if stack.len() < ADDRESSABLE_DEPTH => {
                        visit(&path, false, mark);
                        (stack.is_empty() || enter(&path)).then_some(path.len())
                    }
                    Some(false) => {
                        visit(&path, false, mark);
                        None
                    }
                    // A list or map as a key: nothing inside it is addressable.
                    Some(true) | None => None,
                };
                stack.push(if matches!(event.kind, events::Kind::SequenceStart) {
                    Frame::Seq { base, next: 0 }
                } else {
                    Frame::Map {
                        base,
                        next: Next::Key,
                    }
                });
            }
            events::Kind::SequenceEnd | events::Kind::MappingEnd => {
                stack.pop();
                // A collection that was a key hides its value; one that was a value is done.
                let was_key = is_key(&stack);
                done(&mut stack, was_key, was_key);
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
        /// The anchor name an alias refers to.
        Alias(String),
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
        /// An explicit tag (`!Ref`, `tag:yaml.org,2002:binary` for `!!binary`), if the node has one.
        pub tag: Option<String>,
        /// The node's anchor (`&name`), if it has one.
        pub anchor: Option<String>,
        /// Byte offsets of the node's text.
        pub start: usize,
        pub end: usize,
        /// A scalar written plain (no quotes, not a block scalar).
        pub plain: bool,
    }

    /// A C string libyaml owns, copied out.
    ///
    /// # Safety
    /// `p` is null or points at a NUL-terminated string that lives for the call.
    unsafe fn c_string(p: *const u8) -> Option<String> {
        if p.is_null() {
            return None;
        }
        let s = std::ffi::CStr::from_ptr(p.cast());
        Some(String::from_utf8_lossy(s.to_bytes()).into_owned())
    }

    pub struct Parser<'a> {
        // Boxed so its address stays put: libyaml keeps pointers into the parser struct.
        sys: Box<MaybeUninit<unsafe_yaml::yaml_parser_t>>,
        _input: &'a [u8],
        done: bool,
        /// Whether scalars' text is copied out; a reader that ignores a stretch of the file
        /// turns it off there and gets empty scalars.
        pub copy_scalars: bool,
        /// Where the event last read by `next_raw` starts: byte offset and 0-based line.
        pub start: (usize, usize),
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
                copy_scalars: true,
                start: (0, 0),
            })
        }

        /// The next event; `Ok(None)` at the end of the stream, `Err` at a syntax error.
        pub fn next(&mut self) -> Result<Option<Event>, ()> {
            if self.done {
                return Ok(None);
            }
            let copy_scalars = self.copy_scalars;
            // SAFETY (inside): the event's pointers are valid while `with_event` lends it.
            self.with_event(|e, done| unsafe {
                let (mut tag, mut anchor, mut plain) = (None, None, false);
                let kind = match e.type_ {
                    unsafe_yaml::YAML_SCALAR_EVENT => {
                        let s = e.data.scalar;
                        let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                        (tag, anchor) = (c_string(s.tag), c_string(s.anchor));
                        plain = s.style == unsafe_yaml::YAML_PLAIN_SCALAR_STYLE;
                        Kind::Scalar(if copy_scalars {
                            String::from_utf8_lossy(bytes).into_owned()
                        } else {
                            String::new()
                        })
                    }
                    unsafe_yaml::YAML_ALIAS_EVENT => {
                        Kind::Alias(c_string(e.data.alias.anchor).unwrap_or_default())
                    }
                    unsafe_yaml::YAML_SEQUENCE_START_EVENT => {
                        let s = e.data.sequence_start;
                        (tag, anchor) = (c_string(s.tag), c_string(s.anchor));
                        Kind::SequenceStart
                    }
                    unsafe_yaml::YAML_SEQUENCE_END_EVENT => Kind::SequenceEnd,
                    unsafe_yaml::YAML_MAPPING_START_EVENT => {
                        let s = e.data.mapping_start;
                        (tag, anchor) = (c_string(s.tag), c_string(s.anchor));
                        Kind::MappingStart
                    }
                    unsafe_yaml::YAML_MAPPING_END_EVENT => Kind::MappingEnd,
                    unsafe_yaml::YAML_DOCUMENT_END_EVENT => Kind::DocumentEnd,
                    unsafe_yaml::YAML_STREAM_END_EVENT => {
                        *done = true;
                        Kind::Other
                    }
                    _ => Kind::Other,
                };
                let out = Event {
                    kind,
                    line: e.start_mark.line as usize,
                    column: e.start_mark.column as usize,
                    tag,
                    anchor,
                    start: e.start_mark.index as usize,
                    end: e.end_mark.index as usize,
                    plain,
                };
                Some(out)
            })
        }

        /// Parses the next event and lends it to `f` (with the parser's `done`, to set at the
        /// stream's end), then deletes it; `Err` at a syntax error.
        fn with_event<T>(
            &mut self,
            f: impl FnOnce(&unsafe_yaml::yaml_event_t, &mut bool) -> T,
        ) -> Result<T, ()> {
            let mut event = MaybeUninit::<unsafe_yaml::yaml_event_t>::uninit();
            // SAFETY: the parser was initialized in `new`; the event is initialized by a
            // parse that did not fail, read only inside `f`, and deleted once.
            unsafe {
                let p = self.sys.as_mut_ptr();
                if unsafe_yaml::yaml_parser_parse(p, event.as_mut_ptr()).fail {
                    self.done = true;
                    return Err(());
                }
                let out = f(&*event.as_ptr(), &mut self.done);
                unsafe_yaml::yaml_event_delete(event.as_mut_ptr());
                Ok(out)
            }
        }
    }

    /// An event as the streaming deserializer needs it: no copies but the scalar's text.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Raw {
        /// `plain`: written without quotes and not as a block scalar.
        Scalar {
            plain: bool,
        },
        SequenceStart,
        SequenceEnd,
        MappingStart,
        MappingEnd,
        DocumentStart,
        DocumentEnd,
        StreamStart,
        StreamEnd,
        /// An alias, or any node with a tag or an anchor.
        Marked,
    }

    /// `raw`, or `Marked` when the node has a tag or an anchor.
    fn unmarked<T>(tag: *const T, anchor: *const T, raw: Raw) -> Raw {
        if tag.is_null() && anchor.is_null() {
            raw
        } else {
            Raw::Marked
        }
    }

    impl Parser<'_> {
        /// The next event, a scalar's text written into `scalar` (its old text replaced);
        /// `Err` at a syntax error or past the end.
        pub fn next_raw(&mut self, scalar: &mut String) -> Result<Raw, ()> {
            if self.done {
                return Err(());
            }
            // SAFETY (inside): the event's union and a scalar's text are valid while the
            // event is lent, and the text is copied out.
            let (raw, start) = self.with_event(|e, done| unsafe {
                let start = (e.start_mark.index as usize, e.start_mark.line as usize);
                let raw = match e.type_ {
                    unsafe_yaml::YAML_SCALAR_EVENT => {
                        let s = e.data.scalar;
                        if !s.tag.is_null() || !s.anchor.is_null() {
                            Raw::Marked
                        } else {
                            let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                            scalar.clear();
                            match std::str::from_utf8(bytes) {
                                Ok(text) => {
                                    scalar.push_str(text);
                                    Raw::Scalar {
                                        plain: s.style == unsafe_yaml::YAML_PLAIN_SCALAR_STYLE,
                                    }
                                }
                                Err(_) => Raw::Marked,
                            }
                        }
                    }
                    unsafe_yaml::YAML_SEQUENCE_START_EVENT => {
                        let s = e.data.sequence_start;
                        unmarked(s.tag, s.anchor, Raw::SequenceStart)
                    }
                    unsafe_yaml::YAML_MAPPING_START_EVENT => {
                        let s = e.data.mapping_start;
                        unmarked(s.tag, s.anchor, Raw::MappingStart)
                    }
                    unsafe_yaml::YAML_SEQUENCE_END_EVENT => Raw::SequenceEnd,
                    unsafe_yaml::YAML_MAPPING_END_EVENT => Raw::MappingEnd,
                    unsafe_yaml::YAML_DOCUMENT_START_EVENT => Raw::DocumentStart,
                    unsafe_yaml::YAML_DOCUMENT_END_EVENT => Raw::DocumentEnd,
                    unsafe_yaml::YAML_STREAM_START_EVENT => Raw::StreamStart,
                    unsafe_yaml::YAML_STREAM_END_EVENT => {
                        *done = true;
                        Raw::StreamEnd
                    }
                    _ => Raw::Marked,
                };
                (raw, start)
            })?;
            self.start = start;
            Ok(raw)
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
    match serde_yaml::to_string(value) {
        Ok(text) => quote_for_yaml11(text),
        Err(e) => format!("# cannot write YAML: {e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a diagnostic at `path` is placed: the path, or the nearest one above it found.
    fn placed(
        found: &HashMap<String, Located>,
        path: &str,
    ) -> Option<(Option<Mark>, Option<Mark>)> {
        let mut p = path.to_string();
        loop {
            if let Some(l) = found.get(&p) {
                return Some((l.key, l.value));
            }
            p.truncate(p.rfind(['.', '['])?);
        }
    }

    /// Locating through the entries' starts places every path as the whole-file pass does.
    #[test]
    fn locating_in_entries_agrees_with_the_whole_file() {
        let texts = [
            "pools:\n- fqdn: p.example.com\ncategories:\n- name: C\n  persistentChatPoolFqdn: p.example.com\nrooms:\n- name: A\n  category: C\n  members:\n  - sip:a@example.com\n  - sip:a@example.com\n# between\n\n- name: B\n  category: C\n  description: |\n    two\n    lines\n  members: [sip:b@example.com, sip:c@example.com]\n",
            // Indented lists, CRLF line ends, no final line break.
            "rooms:\r\n  - name: A\r\n    category: C\r\n  - name: B\r\n    category: C\r\n    members:\r\n      - sip:x@example.com",
            // Text that is not ASCII before and inside the entries.
            "# Zürich, São Paulo\nrooms:\n- name: Café\n  category: C\n  description: naïve — ünïcödé\n  members: [sip:é@example.com, sip:é@example.com]\n- name: Ärger\n  category: C\n",
            // A flow list and an entry that starts on the line after its dash.
            "categories: [{name: C, persistentChatPoolFqdn: p.example.com}]\nrooms:\n-\n  name: A\n  category: C\n- name: B\n  category: C\n",
        ];
        for text in texts {
            let (_, items) = parse_placed(text).expect("parses");
            let items = items.expect("read as it streams");
            let mut all = HashSet::new();
            walk(
                text,
                |_| true,
                |p, _, _| {
                    all.insert(p.to_string());
                },
            )
            .expect("well formed");
            // Fields left out (defaulted) are placed at their object, as in the whole file.
            all.insert("rooms[0].privacy".to_string());
            all.insert("rooms[1].members[7]".to_string());
            let whole = locate(text, &all);
            let mut sets: Vec<HashSet<String>> =
                all.iter().map(|p| HashSet::from([p.clone()])).collect();
            sets.push(all.clone());
            for set in sets {
                let wanted: HashSet<String> = set
                    .iter()
                    .flat_map(|p| {
                        let mut out = vec![p.clone()];
                        let mut q = p.as_str();
                        while let Some(cut) = q.rfind(['.', '[']) {
                            q = &q[..cut];
                            out.push(q.to_string());
                        }
                        out
                    })
                    .collect();
                let entries = locate_with(text, Some(&items), &wanted);
                // Diagnostics name an entry (`rooms[1]…`), never a bare top-level key.
                for p in set.iter().filter(|p| p.contains('[')) {
                    assert_eq!(placed(&entries, p), placed(&whole, p), "{p} in:\n{text}");
                }
            }
        }
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing_and_only_when_real() {
        let deep = |d: usize| format!("rooms: {}{}\n", "[".repeat(d), "]".repeat(d));
        assert!(too_deep(&deep(MAX_DEPTH)).is_none());
        let e = too_deep(&deep(MAX_DEPTH + 1)).unwrap();
        assert_eq!(
            e.mark,
            Some(Mark {
                line: 1,
                column: 8 + MAX_DEPTH
            })
        );
        assert!(
            e.message.contains("deeper than 128 levels"),
            "{}",
            e.message
        );
        // Brackets that are text, not structure, never count.
        let many = MAX_DEPTH * 3;
        for text in [
            format!("rooms:\n  - name: \"{}\"\n", "[".repeat(many)),
            format!("rooms:\n  - name: '{}'\n", "{[".repeat(many)),
            format!("# {}\nrooms: []\n", "[".repeat(many)),
            format!(
                "rooms:\n  - description: |\n      {}\n    name: x\n",
                "[".repeat(many)
            ),
            format!("rooms:\n  - name: a{}\n", "[".repeat(many)),
            format!("rooms: [{{\"name\":\"{}\"}}]\n", "[".repeat(many)),
            format!("rooms:\n{}", "  - name: it's [here\n".repeat(many)),
        ] {
            assert!(too_deep(&text).is_none(), "{text}");
        }
        // Quotes that are text do not hide structure that is real.
        let hidden = format!("rooms:\n  - a-'b\n  - {}\n", "[".repeat(many));
        assert!(too_deep(&hidden).is_some());
        let json = format!("{{\"rooms\": {}", "[{\"a\": ".repeat(many));
        assert!(too_deep(&json).is_some());
    }

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
    fn quotes_what_yaml_1_1_would_not_read_as_a_string() {
        #[derive(serde::Serialize)]
        struct T {
            words: Vec<&'static str>,
            flag: bool,
            n: u32,
        }
        let words = vec![
            "Zürich café",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "N",
            "1:30",
            "0777",
            "2026-01-31",
            "1_000",
            "<<",
            "=",
            "plain",
            "00:10:00",
            "Yes please",
        ];
        let text = to_yaml(&T {
            words: words.clone(),
            flag: true,
            n: 600,
        });
        for w in &words[1..13] {
            assert!(text.contains(&format!("- '{w}'\n")), "{w} in\n{text}");
        }
        assert!(
            text.contains("- plain\n") && text.contains("- Yes please\n"),
            "{text}"
        );
        // A key too: PyYAML reads a bare `n` key as False.
        assert!(
            text.contains("flag: true\n") && text.contains("'n': 600\n"),
            "{text}"
        );
        // Read back by a YAML 1.2 reader, every value is what was written.
        let back: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let listed: Vec<&str> = back["words"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(listed, words);
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
