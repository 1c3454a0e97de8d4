//! A serde deserializer that reads libyaml's events as they come, for files that are right.
//!
//! serde_yaml first collects every event of a document (about 240 MB for a 43 MB file, more
//! than the `Document` it becomes) and only then deserializes; this reads one event at a time,
//! with one reused buffer for the scalar in hand. It covers what pchat's model needs and answers
//! exactly as serde_yaml 0.9 would (the same scalar resolution: YAML 1.2 core schema, empty
//! plain scalars as null). Anything else, and every error, is a [`Bail`]: the caller then asks
//! serde_yaml, which reports the problem with its path and position. So this path never decides
//! what is wrong, only what is right.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

use super::events::{Parser, Raw};

/// Nesting serde_yaml accepts before its recursion limit; deeper is left to it.
const DEPTH: usize = 128;

/// "Not here": serde_yaml must answer (an error, or a construct this reader does not take).
#[derive(Debug)]
pub struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("left to serde_yaml")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Bail
    }
}

type Result<T> = std::result::Result<T, Bail>;

/// The value of a one-document YAML text, or `None` when serde_yaml must be asked: the text
/// is malformed, does not fit `T`, has tags, anchors or aliases, or holds several documents.
#[cfg(test)]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_str_placed(text).map(|(v, _)| v)
}

/// [`from_str`], with where each entry of the top-level lists starts (for placing diagnostics
/// later without another pass over the whole file).
pub fn from_str_placed<T: DeserializeOwned>(text: &str) -> Option<(T, Items)> {
    let mut de = De {
        parser: Parser::new(text)?,
        peeked: None,
        at: (0, 0),
        scalar: String::new(),
        depth: 0,
        key: String::new(),
        items: Items::default(),
    };
    let value = de.root().ok()?;
    Some((value, de.items))
}

/// Where the entries of a file's top-level lists (`rooms:`, `categories:` …) start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Items {
    pub lists: Vec<ItemList>,
}

/// One top-level list: its key, each entry's first event (byte offset, 0-based line) and where
/// the list ends (the byte offset of its end event).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemList {
    pub key: String,
    pub starts: Vec<(usize, usize)>,
    pub end: usize,
}

/// An event as the deserializer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Scalar {
        plain: bool,
    },
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
    /// A stream without a document (serde_yaml's `Void`: an empty map, list or null).
    Void,
}

/// Deserializer methods that read as another does (`u8` as `u64`).
macro_rules! forward {
    ($($($from:ident),+ => $to:ident;)+) => {
        $($(
            fn $from<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
                self.$to(visitor)
            }
        )+)+
    };
}

/// Deserializer methods that read a collection: a list, or a mapping.
macro_rules! collection {
    ($($name:ident($($arg:ident: $ty:ty),*) => $map:expr;)+) => {
        $(
            fn $name<V: Visitor<'static>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
                self.collection(visitor, $map)
            }
        )+
    };
}

/// Deserializer methods for what the model never holds: the streaming pass gives up, and
/// serde_yaml reads the file.
macro_rules! bail {
    ($($name:ident),+) => {
        $(
            fn $name<V: Visitor<'static>>(self, _: V) -> Result<V::Value> {
                Err(Bail)
            }
        )+
    };
}

struct De<'a> {
    parser: Parser<'a>,
    peeked: Option<Ev>,
    /// Where the peeked event starts (byte offset, 0-based line).
    at: (usize, usize),
    /// The text of the scalar last read (the peeked one, when a scalar is peeked).
    scalar: String,
    depth: usize,
    /// The top-level key whose value is being read.
    key: String,
    items: Items,
}

impl De<'_> {
    fn root<T: DeserializeOwned>(&mut self) -> Result<T> {
        if self.raw()? != Raw::StreamStart {
            return Err(Bail);
        }
        let value = match self.raw()? {
            Raw::StreamEnd => {
                self.peeked = Some(Ev::Void);
                return T::deserialize(&mut *self);
            }
            Raw::DocumentStart => T::deserialize(&mut *self)?,
            _ => return Err(Bail),
        };
        // The whole value was read; one document and nothing after it, as serde_yaml requires.
        if self.peeked.is_some() || self.raw()? != Raw::DocumentEnd {
            return Err(Bail);
        }
        match self.raw()? {
            Raw::StreamEnd => Ok(value),
            _ => Err(Bail),
        }
    }

    fn raw(&mut self) -> Result<Raw> {
        self.parser.next_raw(&mut self.scalar).map_err(|()| Bail)
    }

    fn peek(&mut self) -> Result<Ev> {
        if let Some(e) = self.peeked {
            return Ok(e);
        }
        let e = match self.raw()? {
            Raw::Scalar { plain } => Ev::Scalar { plain },
            Raw::SequenceStart => Ev::SequenceStart,
            Raw::SequenceEnd => Ev::SequenceEnd,
            Raw::MappingStart => Ev::MappingStart,
            Raw::MappingEnd => Ev::MappingEnd,
            _ => return Err(Bail),
        };
        self.at = self.parser.start;
        self.peeked = Some(e);
        Ok(e)
    }

    fn next(&mut self) -> Result<Ev> {
        let e = self.peek()?;
        self.peeked = None;
        Ok(e)
    }

    /// Notes an entry of a top-level list starting at the peeked event, or (`end`) the list's end.
    fn item(&mut self, end: bool) {
        let lists = &mut self.items.lists;
        if lists.last().is_none_or(|l| l.key != self.key) {
            lists.push(ItemList {
                key: self.key.clone(),
                ..ItemList::default()
            });
        }
        let list = lists.last_mut().expect("pushed above");
        if end {
            list.end = self.at.0;
        } else {
            list.starts.push(self.at);
        }
    }

    /// A plain scalar YAML reads as null: empty, `~`, `null`.
    fn is_null(&self, plain: bool) -> bool {
        plain
            && (self.scalar.is_empty()
                || matches!(self.scalar.as_str(), "null" | "Null" | "NULL" | "~"))
    }

    /// Skips one node whose first event has been read.
    fn skip(&mut self, first: Ev) -> Result<()> {
        let mut open = match first {
            Ev::SequenceStart | Ev::MappingStart => 1usize,
            Ev::Scalar { .. } | Ev::Void => return Ok(()),
            Ev::SequenceEnd | Ev::MappingEnd => return Err(Bail),
        };
        while open > 0 {
            match self.next()? {
                Ev::SequenceStart | Ev::MappingStart => open += 1,
                Ev::SequenceEnd | Ev::MappingEnd => open -= 1,
                Ev::Scalar { .. } | Ev::Void => {}
            }
        }
        Ok(())
    }

    /// Visits a list or map whose start has been read, then requires its end: a visitor that
    /// stops early is an error to serde_yaml.
    fn nested<V: Visitor<'static>>(&mut self, visitor: V, map: bool) -> Result<V::Value> {
        if self.depth >= DEPTH {
            return Err(Bail);
        }
        self.depth += 1;
        let value = if map {
            visitor.visit_map(Access {
                de: self,
                empty: false,
            })
        } else {
            visitor.visit_seq(Access {
                de: self,
                empty: false,
            })
        }?;
        self.depth -= 1;
        let end = if map { Ev::MappingEnd } else { Ev::SequenceEnd };
        if self.next()? == end {
            Ok(value)
        } else {
            Err(Bail)
        }
    }

    /// A list or map, or what serde_yaml reads as an empty one (nothing, or an empty plain
    /// scalar: `rooms:` with its entries commented out).
    fn collection<V: Visitor<'static>>(&mut self, visitor: V, map: bool) -> Result<V::Value> {
        let start = if map {
            Ev::MappingStart
        } else {
            Ev::SequenceStart
        };
        match self.next()? {
            e if e == start => self.nested(visitor, map),
            Ev::Void => empty(visitor, self, map),
            Ev::Scalar { plain: true } if self.scalar.is_empty() => empty(visitor, self, map),
            _ => Err(Bail),
        }
    }

    /// A plain scalar as YAML 1.2's core schema types it, as serde_yaml does.
    fn untagged<V: Visitor<'static>>(&mut self, visitor: V) -> Result<V::Value> {
        let v = self.scalar.as_str();
        if self.is_null(true) {
            return visitor.visit_unit();
        }
        if let Some(b) = parse_bool(v) {
            return visitor.visit_bool(b);
        }
        if let Some(n) = parse_unsigned(v) {
            return visitor.visit_u64(n);
        }
        if let Some(n) = parse_signed(v) {
            if n < 0 {
                return visitor.visit_i64(n);
            }
        }
        // Wider integers and floats are rare here: serde_yaml reads them.
        if looks_numeric(v) {
            return Err(Bail);
        }
        visitor.visit_str(v)
    }
}

fn empty<V: Visitor<'static>>(visitor: V, de: &mut De<'_>, map: bool) -> Result<V::Value> {
    if map {
        visitor.visit_map(Access { de, empty: true })
    } else {
        visitor.visit_seq(Access { de, empty: true })
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros before digits make a string in YAML 1.2 (`0123`), not a number.
fn digits_but_not_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The digits after a `0x`, `0o` or `0b` prefix and the radix it names; `Some(None)` without
/// one, `None` when a sign follows the prefix (no number at all).
fn radixed(u: &str) -> Option<Option<(&str, u32)>> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = u.strip_prefix(prefix) {
            return (!rest.starts_with(['+', '-'])).then_some(Some((rest, radix)));
        }
    }
    Some(None)
}

/// A non-negative integer as serde_yaml reads one: decimal, `0x`, `0o`, `0b`, a leading `+`.
fn parse_unsigned(v: &str) -> Option<u64> {
    let u = v.strip_prefix('+').unwrap_or(v);
    if let Some((rest, radix)) = radixed(u)? {
        if let Ok(n) = u64::from_str_radix(rest, radix) {
            return Some(n);
        }
    }
    if u.starts_with(['+', '-']) || digits_but_not_number(v) {
        return None;
    }
    u.parse().ok()
}

/// A signed integer as serde_yaml reads one (`-0x10` included).
fn parse_signed(v: &str) -> Option<i64> {
    let u = match v.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => v,
    };
    if let Some((rest, radix)) = radixed(u)? {
        if let Ok(n) = i64::from_str_radix(rest, radix) {
            return Some(n);
        }
    }
    // `-0x10`: the sign stands before the prefix.
    if let Some(Some((rest, radix))) = v.strip_prefix('-').and_then(radixed) {
        if let Ok(n) = i64::from_str_radix(&format!("-{rest}"), radix) {
            return Some(n);
        }
    }
    if digits_but_not_number(v) {
        return None;
    }
    u.parse().ok()
}

/// Whether serde_yaml might read a plain scalar as a number this reader does not type: an
/// integer past 64 bits, or a float (`1.5`, `1e3`, `.inf`, `.nan`). Errs towards yes: a plain
/// scalar that starts with a digit or a dot after its sign.
fn looks_numeric(v: &str) -> bool {
    let u = v.strip_prefix(['+', '-']).unwrap_or(v);
    u.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
}

impl<'de> de::Deserializer<'static> for &mut De<'de> {
    type Error = Bail;

    fn deserialize_any<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match self.next()? {
            Ev::Scalar { plain: true } => self.untagged(visitor),
            Ev::Scalar { plain: false } => visitor.visit_str(&self.scalar),
            Ev::SequenceStart => self.nested(visitor, false),
            Ev::MappingStart => self.nested(visitor, true),
            Ev::Void => visitor.visit_none(),
            Ev::SequenceEnd | Ev::MappingEnd => Err(Bail),
        }
    }

    fn deserialize_bool<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match (self.next()?, parse_bool(&self.scalar)) {
            (Ev::Scalar { plain: true }, Some(b)) => visitor.visit_bool(b),
            _ => Err(Bail),
        }
    }

    fn deserialize_u64<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match (self.next()?, parse_unsigned(&self.scalar)) {
            (Ev::Scalar { plain: true }, Some(n)) => visitor.visit_u64(n),
            _ => Err(Bail),
        }
    }

    fn deserialize_i64<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match (self.next()?, parse_signed(&self.scalar)) {
            (Ev::Scalar { plain: true }, Some(n)) => visitor.visit_i64(n),
            _ => Err(Bail),
        }
    }

    forward! {
        deserialize_u8, deserialize_u16, deserialize_u32 => deserialize_u64;
        deserialize_i8, deserialize_i16, deserialize_i32 => deserialize_i64;
        deserialize_string, deserialize_identifier => deserialize_str;
    }

    // Not in pchat's model: serde_yaml reads them.
    bail! { deserialize_f32, deserialize_f64, deserialize_char, deserialize_bytes, deserialize_byte_buf }

    /// Any scalar is a string to serde_yaml, whatever its style (`name: 123` is "123").
    fn deserialize_str<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match self.next()? {
            Ev::Scalar { .. } => visitor.visit_str(&self.scalar),
            _ => Err(Bail),
        }
    }

    fn deserialize_option<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Ev::Scalar { plain } if self.is_null(plain) => {
                self.peeked = None;
                visitor.visit_none()
            }
            Ev::Void => {
                self.peeked = None;
                visitor.visit_none()
            }
            Ev::Scalar { .. } | Ev::SequenceStart | Ev::MappingStart => visitor.visit_some(self),
            Ev::SequenceEnd | Ev::MappingEnd => Err(Bail),
        }
    }

    fn deserialize_unit<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        match self.next()? {
            Ev::Scalar { plain } if self.is_null(plain) => visitor.visit_unit(),
            Ev::Void => visitor.visit_unit(),
            _ => Err(Bail),
        }
    }
    fn deserialize_unit_struct<V: Visitor<'static>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'static>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if self.depth >= DEPTH {
            return Err(Bail);
        }
        self.depth += 1;
        let v = visitor.visit_newtype_struct(&mut *self);
        self.depth -= 1;
        v
    }

    // A list, or a mapping (`true`): the arguments beyond the visitor say nothing more.
    collection! {
        deserialize_seq() => false;
        deserialize_tuple(_len: usize) => false;
        deserialize_tuple_struct(_name: &'static str, _len: usize) => false;
        deserialize_map() => true;
        deserialize_struct(_name: &'static str, _fields: &'static [&'static str]) => true;
    }

    /// Unit variants only, written as a scalar (serde_yaml needs a tag for any other).
    fn deserialize_enum<V: Visitor<'static>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.peek()? {
            Ev::Scalar { .. } => visitor.visit_enum(self),
            _ => Err(Bail),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'static>>(self, visitor: V) -> Result<V::Value> {
        let first = self.next()?;
        self.skip(first)?;
        visitor.visit_unit()
    }
}

impl<'a, 'de> de::EnumAccess<'static> for &'a mut De<'de> {
    type Error = Bail;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'static>>(self, seed: S) -> Result<(S::Value, Self)> {
        Ok((seed.deserialize(&mut *self)?, self))
    }
}

impl de::VariantAccess<'static> for &mut De<'_> {
    type Error = Bail;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<S: DeserializeSeed<'static>>(self, _: S) -> Result<S::Value> {
        Err(Bail)
    }
    fn tuple_variant<V: Visitor<'static>>(self, _: usize, _: V) -> Result<V::Value> {
        Err(Bail)
    }
    fn struct_variant<V: Visitor<'static>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value> {
        Err(Bail)
    }
}

/// The entries of a list or a map; `empty` for what serde_yaml reads as an empty one.
struct Access<'a, 'de> {
    de: &'a mut De<'de>,
    empty: bool,
}

impl de::SeqAccess<'static> for Access<'_, '_> {
    type Error = Bail;

    fn next_element_seed<S: DeserializeSeed<'static>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>> {
        if self.empty {
            return Ok(None);
        }
        let end = self.de.peek()? == Ev::SequenceEnd;
        if self.de.depth == 2 {
            self.de.item(end);
        }
        if end {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl de::MapAccess<'static> for Access<'_, '_> {
    type Error = Bail;

    fn next_key_seed<S: DeserializeSeed<'static>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.empty || self.de.peek()? == Ev::MappingEnd {
            return Ok(None);
        }
        if self.de.depth == 1 {
            self.de.key.clone_from(&self.de.scalar);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'static>>(&mut self, seed: S) -> Result<S::Value> {
        seed.deserialize(&mut *self.de)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;

    /// The streaming reader answers as serde_yaml does, or leaves the text to it; returns
    /// whether it answered.
    fn agrees(text: &str) -> bool {
        let streamed = from_str::<Document>(text);
        let serde = serde_yaml::from_str::<Document>(text);
        match (&streamed, &serde) {
            (Some(a), Ok(b)) => assert_eq!(a, b, "different values for:\n{text}"),
            (Some(a), Err(e)) => panic!("accepted what serde_yaml refuses ({e}): {a:?}\n{text}"),
            (None, _) => {}
        }
        streamed.is_some()
    }

    const ROOM: &str = "pools:\n- fqdn: p.example.com\ncategories:\n- name: C\n  persistentChatPoolFqdn: p.example.com\nrooms:\n";

    #[test]
    fn reads_what_serde_yaml_reads() {
        let answered = [
            "",
            "# only a comment\n",
            "---\n",
            "rooms:\n",
            "rooms: []\ncategories: ~\n",
            "rooms:\n# - name: commented out\n",
            "---\nrooms: []\n...\n",
        ];
        for t in answered {
            assert!(agrees(t), "not read:\n{t}");
        }
        let rooms = [
            "- name: R\n  category: C\n",
            "- name: 123\n  category: 'C'\n  description: \"two\\nlines\"\n",
            "- name: 'null'\n  category: C\n  description: null\n",
            "- name: R\n  category: C\n  description:\n  addin: ~\n",
            "- name: R\n  category: C\n  invitations: false\n",
            "- name: R\n  category: C\n  invitations: False\n",
            "- name: R\n  category: C\n  invitations: Inherit\n  disabled: true\n",
            "- {name: R, category: C, members: [sip:a@example.com, sip:b@example.com]}\n",
            "- name: R\n  category: C\n  description: |\n    block\n    text\n  privacy: Open\n  type: Auditorium\n",
            "- name: R\n  category: C\n  description: >-\n    folded\n    text\n",
            "- name: yes\n  category: on\n  description: 0777\n",
            "- name: R\n  category: C\n  members:\n",
            "- name: R\n  category: C\n  members: []\n",
            "- name: Café\n  category: C\n  description: \"naïve — \\u00e9\"\n",
        ];
        for r in rooms {
            let t = format!("{ROOM}{r}");
            assert!(agrees(&t), "not read:\n{t}");
        }
    }

    #[test]
    fn leaves_errors_and_the_unusual_to_serde_yaml() {
        let refused = [
            "rooms: [\n",
            "rooms:\n- name: R\n  catgory: C\n",
            "rooms: 5\n",
            "rooms:\n- name: R\n  category: C\n  disabled: yes\n",
            "rooms:\n- name: R\n  category: C\n  invitations: true\n",
            "rooms:\n- name: R\n  category: C\n  invitations: 1.5\n",
            "rooms:\n- name: R\n  category: C\n  privacy: Public\n",
            "rooms:\n- name: R\n  category: C\n  name: S\n",
            "rooms:\n- name: R\n  category: C\n  members: sip:a@example.com\n",
            "rooms:\n- name: [R]\n  category: C\n",
            "rooms: []\n---\nrooms: []\n",
            "rooms:\n- name: R\n  category: C\n  managers: ~\n",
            "rooms: &a []\ncategories: *a\n",
            "rooms: !!seq []\n",
            "? [a]\n: b\n",
            "- a\n",
            "just text\n",
            "configurations:\n- identity: Global\n  defaultChatHistory: -1\n",
            "configurations:\n- identity: Global\n  defaultChatHistory: 99999999999\n",
        ];
        for t in refused {
            assert!(!agrees(t), "read what it should leave:\n{t}");
        }
        // Numbers it types as serde_yaml does.
        for n in ["30", "0x1e", "0o36", "+30", "030"] {
            let t = format!("configurations:\n- identity: Global\n  defaultChatHistory: {n}\n");
            agrees(&t);
        }
    }

    /// Every YAML file of the project (examples, fixtures, broken ones included).
    #[test]
    fn every_yaml_file_of_the_project() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() && !p.ends_with("target") && !p.ends_with(".git") {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        walk(&root.join("examples"), &mut files);
        walk(&root.join("tests"), &mut files);
        assert!(files.len() > 20, "the project's YAML files are found");
        let mut answered = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            answered += usize::from(agrees(&text));
        }
        assert!(answered > 5, "the streaming reader reads the right files");
    }

    #[test]
    fn a_synthetic_configuration() {
        let doc = crate::synth::document(crate::synth::SynthOptions {
            rooms: 300,
            ..Default::default()
        });
        let text = super::super::to_string(&doc);
        assert_eq!(from_str::<Document>(&text), Some(doc));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Broken and odd variants of a real configuration (a line dropped, doubled, shifted,
        /// or a value swapped for a tricky scalar): answered as serde_yaml does, or left to it.
        #[test]
        fn edits_of_a_real_configuration(line in 0usize..400, how in 0u8..4, token in 0usize..12) {
            const TOKENS: [&str; 12] = [
                "~", "", "yes", "0x10", "-1", "1.5", "'q'", "[a, b]", "{a: 1}", "&x a", "*x", "|\n  t",
            ];
            let text = include_str!("../../../examples/litware/atlanta/rooms.yaml");
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let i = line % lines.len();
            match how {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, lines[i].clone()),
                2 => lines[i].insert(0, ' '),
                _ => {
                    if let Some(colon) = lines[i].find(": ") {
                        lines[i].truncate(colon + 2);
                        lines[i].push_str(TOKENS[token]);
                    }
                }
            }
            agrees(&(lines.join("\n") + "\n"));
        }
    }
}
