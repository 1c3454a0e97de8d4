//! PostgreSQL's large reads (every room, list entry and ownership record) and its batched
//! list reads through `COPY (SELECT …) TO STDOUT`: its text lines cost the client half what
//! sqlx's rows do (no row object, no type check per column), and a cold plan reads 600k list
//! entries beside the parser on the same two cores.

use std::borrow::Cow;

use super::{Result, Tx};

impl Tx<'_> {
    /// Every row `select` returns, in order: run as `COPY (select) TO STDOUT`, each text
    /// line decoded as it arrives.
    pub(super) async fn copy_all<R: FromCopy>(&mut self, select: &str) -> Result<Vec<R>> {
        let limit = self.statement_limit();
        let super::TxInner::Postgres(c) = self.inner_mut() else {
            unreachable!("called for PostgreSQL only")
        };
        let _watch = super::watch::watch("statement", limit);
        let mut stream = c
            .copy_out_raw(&format!("COPY ({select}) TO STDOUT"))
            .await?;
        let mut rows = Vec::new();
        let mut each = |r: &mut CopyRow<'_>| {
            rows.push(R::from_copy(r)?);
            Ok(())
        };
        let mut lines = Lines::default();
        while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            lines.feed(&chunk?, &mut each)?;
        }
        lines.finish()?;
        Ok(rows)
    }
}

/// The server sends a message a row, but the protocol does not promise it: a line may span
/// chunks, so the unfinished end of one is kept for the next.
#[derive(Default)]
struct Lines {
    rest: Vec<u8>,
}

impl Lines {
    fn feed(
        &mut self,
        mut chunk: &[u8],
        each: &mut impl FnMut(&mut CopyRow<'_>) -> Result<()>,
    ) -> Result<()> {
        if !self.rest.is_empty() {
            let Some(end) = chunk.iter().position(|&b| b == b'\n') else {
                self.rest.extend_from_slice(chunk);
                return Ok(());
            };
            self.rest.extend_from_slice(&chunk[..end]);
            chunk = &chunk[end + 1..];
            let line = std::mem::take(&mut self.rest);
            row(&line, each)?;
        }
        let mut lines = chunk.split(|&b| b == b'\n');
        let last = lines.next_back().unwrap_or_default();
        for line in lines {
            row(line, each)?;
        }
        self.rest.extend_from_slice(last);
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed("a row without its end of line"))
        }
    }
}

fn row(line: &[u8], each: &mut impl FnMut(&mut CopyRow<'_>) -> Result<()>) -> Result<()> {
    let mut r = CopyRow {
        fields: line.split(is_tab as fn(&u8) -> bool),
    };
    each(&mut r)?;
    match r.fields.next() {
        None => Ok(()),
        Some(_) => Err(malformed("a row with more columns than read")),
    }
}

fn is_tab(b: &u8) -> bool {
    *b == b'\t'
}

fn malformed(what: &str) -> super::StoreError {
    sqlx::Error::Protocol(format!("COPY TO STDOUT sent {what}")).into()
}

/// One row of `COPY`'s text format: its columns, read in order.
pub(super) struct CopyRow<'a> {
    fields: std::slice::Split<'a, u8, fn(&u8) -> bool>,
}

impl<'a> CopyRow<'a> {
    fn field(&mut self) -> Result<&'a [u8]> {
        self.fields
            .next()
            .ok_or_else(|| malformed("a row with fewer columns than read"))
    }

    /// A text column; `None` for NULL.
    pub(super) fn text(&mut self) -> Result<Option<Cow<'a, str>>> {
        let field = self.field()?;
        if field == b"\\N" {
            return Ok(None);
        }
        let text = match unescape(field) {
            Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
            Cow::Owned(b) => String::from_utf8(b).ok().map(Cow::Owned),
        };
        text.map(Some)
            .ok_or_else(|| malformed("text that is not UTF-8"))
    }

    /// A text column that is never NULL.
    pub(super) fn string(&mut self) -> Result<String> {
        self.text()?
            .map(Cow::into_owned)
            .ok_or_else(|| malformed("NULL where a text was expected"))
    }

    /// An integer column that is never NULL.
    pub(super) fn int(&mut self) -> Result<i64> {
        let field = self.field()?;
        std::str::from_utf8(field)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| malformed("a column that is not an integer"))
    }
}

/// A row read from `COPY`, its columns in order.
pub(super) trait FromCopy: Sized {
    fn from_copy(r: &mut CopyRow<'_>) -> Result<Self>;
}

/// A column's value in `COPY`'s text format.
pub(super) trait CopyValue: Sized {
    fn read(r: &mut CopyRow<'_>) -> Result<Self>;
}

impl CopyValue for i64 {
    fn read(r: &mut CopyRow<'_>) -> Result<Self> {
        r.int()
    }
}

impl CopyValue for String {
    fn read(r: &mut CopyRow<'_>) -> Result<Self> {
        r.string()
    }
}

impl CopyValue for Option<String> {
    fn read(r: &mut CopyRow<'_>) -> Result<Self> {
        Ok(r.text()?.map(Cow::into_owned))
    }
}

impl CopyValue for bool {
    fn read(r: &mut CopyRow<'_>) -> Result<Self> {
        match r.field()? {
            b"t" => Ok(true),
            b"f" => Ok(false),
            _ => Err(malformed("a column that is not a boolean")),
        }
    }
}

macro_rules! from_copy_tuple {
    ($($t:ident),+) => {
        impl<$($t: CopyValue),+> FromCopy for ($($t,)+) {
            fn from_copy(r: &mut CopyRow<'_>) -> Result<Self> {
                Ok(($($t::read(r)?,)+))
            }
        }
    };
}
from_copy_tuple!(A, B, C, D, E);
from_copy_tuple!(A, B, C, D, E, F, G, H, I, J);

/// Undoes the text format's escapes: `\\`, `\b \f \n \r \t \v` and, as `COPY FROM` reads them,
/// octal `\NNN`, hexadecimal `\xHH` and any other character taken as itself.
fn unescape(field: &[u8]) -> Cow<'_, [u8]> {
    if !field.contains(&b'\\') {
        return Cow::Borrowed(field);
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        i += 1;
        if b != b'\\' || i == field.len() {
            out.push(b);
            continue;
        }
        let e = field[i];
        i += 1;
        let digits = |from: usize, max: usize, radix: u32| {
            let n = field[from..]
                .iter()
                .take(max)
                .take_while(|d| (**d as char).is_digit(radix))
                .count();
            let text = std::str::from_utf8(&field[from..from + n]).unwrap_or_default();
            (u8::from_str_radix(text, radix).ok(), n)
        };
        out.push(match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'0'..=b'7' => {
                let (v, n) = digits(i - 1, 3, 8);
                i += n - 1;
                v.unwrap_or(e)
            }
            b'x' => match digits(i, 2, 16) {
                (Some(v), n) if n > 0 => {
                    i += n;
                    v
                }
                _ => e,
            },
            other => other,
        });
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(chunks: &[&[u8]]) -> Result<Vec<(i64, Option<String>)>> {
        let mut out = Vec::new();
        let mut lines = Lines::default();
        for c in chunks {
            lines.feed(c, &mut |r: &mut CopyRow<'_>| {
                out.push((r.int()?, r.text()?.map(Cow::into_owned)));
                Ok(())
            })?;
        }
        lines.finish()?;
        Ok(out)
    }

    #[test]
    fn rows_read_back_whatever_the_chunks_and_escapes() {
        let text = b"1\tplain\n-2\ta\\\\b\\tc\\nd\\re\\bf\\fg\\vh\n3\t\\N\n4\t\\101\\x42\\q\n";
        let want = vec![
            (1, Some("plain".to_string())),
            (-2, Some("a\\b\tc\nd\re\u{8}f\u{c}g\u{b}h".to_string())),
            (3, None),
            (4, Some("ABq".to_string())),
        ];
        assert_eq!(rows(&[text]).unwrap(), want);
        // Every split of the stream into two chunks reads the same rows.
        for at in 0..=text.len() {
            assert_eq!(rows(&[&text[..at], &text[at..]]).unwrap(), want, "{at}");
        }
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(rows(&bytes).unwrap(), want);
    }

    #[test]
    fn rows_read_as_tuples_of_their_columns() {
        let mut out: Vec<(String, i64, bool, Option<String>, bool)> = Vec::new();
        let mut lines = Lines::default();
        let text = b"room\\t1\t-7\tt\t\\N\tf\n";
        let mut each = |r: &mut CopyRow<'_>| {
            out.push(FromCopy::from_copy(r)?);
            Ok(())
        };
        lines.feed(text, &mut each).unwrap();
        lines.finish().unwrap();
        assert_eq!(out, [("room\t1".to_string(), -7, true, None, false)]);
        let mut bad = |r: &mut CopyRow<'_>| {
            <(String, i64, bool, Option<String>, bool)>::from_copy(r).map(drop)
        };
        for text in [&b"a\t1\tyes\t\\N\tf\n"[..], b"a\t1\tt\tx\n"] {
            assert!(Lines::default().feed(text, &mut bad).is_err());
        }
    }

    #[test]
    fn a_malformed_stream_is_an_error_not_a_guess() {
        for bad in [
            &b"1\tx"[..],
            b"1\n",
            b"1\tx\ty\n",
            b"one\tx\n",
            b"1\t\xff\n",
        ] {
            assert!(rows(&[bad]).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
