//! The JSON shapes Windows PowerShell 3.0–5.1 really writes, read as the plain ones.
//!
//! `ConvertTo-Json` in Windows PowerShell wraps an array held in a `[psobject]` as
//! `{"value":[…],"Count":n}` (the `Count` type data of `System.Array`, removed in PowerShell 6),
//! unrolls a one-element array piped into it to the element, writes a `[datetime]` as
//! `"\/Date(ms)\/"` and `Get-Date`'s output as `{"value":"\/Date(ms)\/","DisplayHint":…}`, and
//! a value deeper than `-Depth` as its type name (`"System.Collections.Hashtable"`). The first
//! three mean what the plain shape means and are read so; the last one lost data and is refused,
//! like `null` where a list belongs (a list is never "absent": that would read as empty).
//!
//! Files: a UTF-8 byte-order mark (`-Encoding UTF8`) and UTF-16 with its mark (`Out-File` and
//! `>` in 5.1) are decoded; UTF-16 without a mark is refused by name.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess};
use serde::Deserialize;

/// The bytes of a snapshot as UTF-8: a UTF-8 mark dropped, UTF-16 (either order, with its
/// mark) decoded.
///
/// # Errors
/// UTF-16 that does not decode, or UTF-16 without a mark (said by name, not as "not JSON").
pub fn utf8(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let utf16 = |body: &[u8], little: bool| -> Result<Cow<'_, [u8]>, String> {
        if body.len() % 2 != 0 {
            return Err("UTF-16 text with an odd number of bytes".into());
        }
        let units = body.chunks_exact(2).map(|p| {
            if little {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(|s| Cow::Owned(s.into_bytes()))
            .map_err(|e| format!("invalid UTF-16: {e}"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Ok(Cow::Borrowed(rest)),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        // `{` or whitespace then NUL: UTF-16 that lost its mark.
        [first, 0, ..] if first.is_ascii() && *first != 0 => Err(
            "UTF-16 without a byte-order mark: save it with `-Encoding UTF8` (or Unicode, \
             which writes the mark)"
                .into(),
        ),
        _ => Ok(Cow::Borrowed(bytes)),
    }
}

/// What ConvertTo-Json writes for a value deeper than `-Depth`: a type name.
fn truncated(s: &str) -> bool {
    s.starts_with("System.")
        && !s.contains(char::is_whitespace)
        && (s.ends_with("[]")
            || s.starts_with("System.Collections.")
            || s == "System.Management.Automation.PSCustomObject")
}

const TRUNCATED: &str = "is what ConvertTo-Json writes for a value deeper than its -Depth: \
                         collect again with the collect.ps1 pchat writes (-Depth 10)";

/// A list of strings: `[…]`, the `{"value":[…],"Count":n}` wrapper, or one string (a
/// one-element list unrolled).
pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    d.deserialize_any(ListVisitor::<String>(PhantomData, Unrolled::Scalar))
}

/// A list of objects: `[…]`, the wrapper, or one object (unrolled).
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(ListVisitor::<T>(PhantomData, Unrolled::Object))
}

/// A list that may be `null`: unknown (`None`), not empty.
pub fn maybe_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct Maybe;
    impl<'de> de::Visitor<'de> for Maybe {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings, or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            strings(d).map(Some)
        }
    }
    d.deserialize_option(Maybe)
}

/// A text that is present, possibly `null` (a missing property is an error, not `None`).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// A point in time: ISO 8601 text, `"\/Date(ms)\/"` (5.1's `[datetime]`), or Get-Date's
/// wrapper `{"value":"\/Date(ms)\/","DisplayHint":…,"DateTime":…}`; read as ISO 8601 (UTC).
pub fn when<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct When;
    impl<'de> de::Visitor<'de> for When {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date: ISO 8601 text or \"\\/Date(ms)\\/\"")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
            match s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
                Some(inner) => {
                    ms_date(inner).ok_or_else(|| E::custom(format!("`{s}` is not a date")))
                }
                None => Ok(s.to_string()),
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
            let mut value = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == "value" {
                    value = Some(map.next_value_seed(WhenSeed)?);
                } else {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
            value.ok_or_else(|| de::Error::custom("a date object without its `value`"))
        }
    }
    struct WhenSeed;
    impl<'de> DeserializeSeed<'de> for WhenSeed {
        type Value = String;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_any(When)
        }
    }
    d.deserialize_any(When)
}

/// `1764493200000` or `1764493200000+0100` (milliseconds since 1970, UTC; the offset only says
/// where it was read) as `2025-11-30T09:00:00.000Z`.
fn ms_date(inner: &str) -> Option<String> {
    let digits = inner
        .find(|c: char| (c == '+' || c == '-') && !inner.starts_with(c))
        .map_or(inner, |at| &inner[..at]);
    let ms: i64 = digits.parse().ok()?;
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Days since 1970-01-01 as a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// What a lone element in place of a list is: a string or an object.
#[derive(Clone, Copy)]
enum Unrolled {
    Scalar,
    Object,
}

struct ListVisitor<T>(PhantomData<T>, Unrolled);

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<T>, E> {
        if truncated(s) {
            return Err(E::custom(format!("`{s}` {TRUNCATED}")));
        }
        match self.1 {
            Unrolled::Scalar => T::deserialize(s.into_deserializer()).map(|t| vec![t]),
            Unrolled::Object => Err(E::invalid_type(
                de::Unexpected::Str(s),
                &"a list of objects",
            )),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Err(E::custom(
            "null where a list belongs: collect.ps1 writes every list as an array ([] when \
             empty), so this file lost it",
        ))
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        self.visit_unit()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return match self.1 {
                Unrolled::Object => Err(de::Error::custom("an empty object where a list belongs")),
                Unrolled::Scalar => Err(de::Error::invalid_type(
                    de::Unexpected::Map,
                    &"a list of strings",
                )),
            };
        };
        if first == "value" || first == "Count" {
            return wrapper(first, map, self.1);
        }
        match self.1 {
            Unrolled::Object => {
                let replay = Replay {
                    first: Some(first),
                    map,
                };
                T::deserialize(de::value::MapAccessDeserializer::new(replay)).map(|t| vec![t])
            }
            Unrolled::Scalar => Err(de::Error::invalid_type(
                de::Unexpected::Map,
                &"a list of strings",
            )),
        }
    }
}

/// `{"value":[…],"Count":n}` (either key first): the list, whose length must be `Count`.
fn wrapper<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    first: String,
    mut map: A,
    unrolled: Unrolled,
) -> Result<Vec<T>, A::Error> {
    let (mut value, mut count): (Option<Vec<T>>, Option<u64>) = (None, None);
    let mut key = Some(first);
    while let Some(k) = key {
        match k.as_str() {
            "value" => {
                value = Some(map.next_value_seed(ListSeed::<T>(PhantomData, unrolled))?);
            }
            "Count" => count = Some(map.next_value()?),
            other => {
                return Err(de::Error::custom(format!(
                    "`{other}` beside `value` and `Count`: not the list wrapper of Windows \
                     PowerShell's ConvertTo-Json"
                )))
            }
        }
        key = map.next_key::<String>()?;
    }
    let value = value.ok_or_else(|| de::Error::custom("a list wrapper without its `value`"))?;
    if let Some(n) = count {
        if n != value.len() as u64 {
            return Err(de::Error::custom(format!(
                "a list wrapper whose `Count` ({n}) is not the length of its `value` ({})",
                value.len()
            )));
        }
    }
    Ok(value)
}

struct ListSeed<T>(PhantomData<T>, Unrolled);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ListSeed<T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(ListVisitor::<T>(PhantomData, self.1))
    }
}

/// A map whose first key was already read: it is handed out again first.
struct Replay<A> {
    first: Option<String>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(k) => seed
                .deserialize(de::value::StringDeserializer::<A::Error>::new(k))
                .map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(rename = "Name")]
        name: String,
        #[serde(rename = "Members", deserialize_with = "strings")]
        members: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Doc {
        #[serde(deserialize_with = "objects")]
        rows: Vec<Row>,
    }

    fn doc(json: &str) -> Result<Doc, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    fn row(name: &str, members: &[&str]) -> Row {
        Row {
            name: name.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn every_shape_of_windows_powershell_reads_as_the_plain_one() {
        let plain =
            doc(r#"{"rows":[{"Name":"a","Members":["x","y"]},{"Name":"b","Members":["z"]}]}"#)
                .unwrap();
        for shape in [
            r#"{"rows":[{"Name":"a","Members":{"value":["x","y"],"Count":2}},{"Name":"b","Members":"z"}]}"#,
            r#"{"rows":{"value":[{"Name":"a","Members":["x","y"]},{"Name":"b","Members":{"Count":1,"value":["z"]}}],"Count":2}}"#,
        ] {
            assert_eq!(doc(shape).unwrap(), plain, "{shape}");
        }
        // One object unrolled in place of its list.
        assert_eq!(
            doc(r#"{"rows":{"Name":"a","Members":[]}}"#).unwrap().rows,
            vec![row("a", &[])]
        );
        assert_eq!(
            doc(r#"{"rows":{"value":[],"Count":0}}"#).unwrap().rows,
            vec![]
        );
    }

    #[test]
    fn lost_lists_are_refused_never_read_as_empty() {
        for (json, says) in [
            (
                r#"{"rows":[{"Name":"a","Members":null}]}"#,
                "null where a list belongs",
            ),
            (r#"{"rows":[{"Name":"a"}]}"#, "missing field `Members`"),
            (
                r#"{"rows":"System.Collections.Hashtable"}"#,
                "deeper than its -Depth",
            ),
            (
                r#"{"rows":[{"Name":"a","Members":"System.Object[]"}]}"#,
                "deeper than its -Depth",
            ),
            (
                r#"{"rows":[{"Name":"a","Members":{"value":["x"],"Count":2}}]}"#,
                "`Count` (2)",
            ),
            (
                r#"{"rows":[{"Name":"a","Members":{"value":["x"],"Length":1}}]}"#,
                "`Length` beside",
            ),
            (r#"{"rows":null}"#, "null where a list belongs"),
            (r#"{}"#, "missing field `rows`"),
        ] {
            let e = doc(json).unwrap_err();
            assert!(e.contains(says), "{json}: {e}");
        }
    }

    #[test]
    fn dates_of_every_version_read_as_iso_8601() {
        #[derive(Deserialize)]
        struct D {
            #[serde(deserialize_with = "when")]
            at: String,
        }
        let at = |j: &str| {
            serde_json::from_str::<D>(j)
                .map(|d| d.at)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            at(r#"{"at":"2026-11-30T09:00:00Z"}"#).unwrap(),
            "2026-11-30T09:00:00Z"
        );
        assert_eq!(
            at(r#"{"at":"\/Date(1796029200000)\/"}"#).unwrap(),
            "2026-11-30T09:00:00.000Z"
        );
        assert_eq!(
            at(r#"{"at":"\/Date(1796029200123+0100)\/"}"#).unwrap(),
            "2026-11-30T09:00:00.123Z"
        );
        assert_eq!(
            at(r#"{"at":{"value":"\/Date(0)\/","DisplayHint":2,"DateTime":"Thursday, January 1, 1970"}}"#)
                .unwrap(),
            "1970-01-01T00:00:00.000Z"
        );
        assert!(at(r#"{"at":"\/Date(x)\/"}"#).is_err());
    }

    #[test]
    fn byte_order_marks_and_utf16_decode_to_the_same_text() {
        let text = "{\"a\":\"Caf\u{e9} \u{1F600}\"}";
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [text.as_bytes().to_vec(), bom, le, be] {
            assert_eq!(&*utf8(&bytes).unwrap(), text.as_bytes());
        }
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(utf8(&bare)
            .unwrap_err()
            .contains("without a byte-order mark"));
        assert!(utf8(&[0xFF, 0xFE, 0x41]).unwrap_err().contains("odd"));
    }
}
