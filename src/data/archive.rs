//! Reading an archive without trusting it: archives come from other people's servers. Before
//! anything is inflated, the central directory is checked — the number of entries, each
//! entry's name (a known file name, never a path, never twice), its declared size against the
//! per-entry and total limits, and its compression ratio. While an entry inflates, it may not
//! grow past the size its header declared. JSON is parsed from the inflating stream, so no
//! entry is ever held twice in memory.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use serde::de::DeserializeOwned;

use super::DataError;

/// What an archive may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the archive (a pchat export has at most 14).
    pub entries: usize,
    /// Inflated bytes of one entry.
    pub entry_size: u64,
    /// Inflated bytes of all entries.
    pub total_size: u64,
    /// Inflated bytes per compressed byte of an entry, for entries past 1 MiB; `None`: any.
    pub ratio: Option<u64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            entries: 64,
            entry_size: 2 << 30,
            total_size: 4 << 30,
            ratio: Some(100),
        }
    }
}

/// Below this, an entry's ratio says nothing (a short, repetitive JSON file compresses well).
const RATIO_FROM: u64 = 1 << 20;

/// An archive whose directory passed the checks.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    index: HashMap<String, usize>,
}

fn limit(message: String) -> DataError {
    DataError::Limit(message)
}

impl<'a> Archive<'a> {
    /// Opens `bytes` as an archive of entries named in `known`, within `limits`.
    pub fn open(bytes: &'a [u8], limits: Limits, known: &[String]) -> Result<Self, DataError> {
        if let Some((name, first, second)) = duplicate_entry(bytes) {
            return Err(limit(format!(
                "entry `{name}` appears twice in the archive (entries {first} and {second}): \
                 which one is meant cannot be told"
            )));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| DataError::Format(format!("not a zip archive ({e})")))?;
        if zip.has_duplicate_names() {
            return Err(limit("an entry appears twice in the archive".into()));
        }
        if zip.len() > limits.entries {
            return Err(limit(format!(
                "the archive has {} entries, more than the {} allowed (a pchat export has \
                 at most {})",
                zip.len(),
                limits.entries,
                known.len()
            )));
        }
        let mut index = HashMap::new();
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| DataError::Format(format!("entry {}: {e}", i + 1)))?;
            let name = match std::str::from_utf8(f.name_raw()) {
                Ok(n) => n.to_string(),
                Err(_) => {
                    return Err(DataError::Format(format!(
                        "entry {} has a name that is not UTF-8",
                        i + 1
                    )))
                }
            };
            if name.contains(['/', '\\', '\0']) || name.starts_with('.') {
                return Err(limit(format!(
                    "entry `{}` is not a plain file name (paths such as `../x` are refused)",
                    name.escape_debug()
                )));
            }
            if !known.contains(&name) {
                return Err(DataError::Format(format!(
                    "unknown entry `{}` (a pchat export holds manifest.json, messages.json and \
                     one file per kind)",
                    name.escape_debug()
                )));
            }
            let (size, packed) = (f.size(), f.compressed_size().max(1));
            if size > limits.entry_size {
                return Err(limit(format!(
                    "entry `{name}` inflates to {size} bytes, more than the {} allowed for one \
                     entry",
                    limits.entry_size
                )));
            }
            if let Some(max) = limits.ratio {
                if size >= RATIO_FROM && size / packed > max {
                    return Err(limit(format!(
                        "entry `{name}` inflates {}:1 ({packed} bytes to {size}), more than \
                         {max}:1: a zip bomb? Pass --allow-ratio if the archive is trusted",
                        size / packed
                    )));
                }
            }
            total = total.saturating_add(size);
            if total > limits.total_size {
                return Err(limit(format!(
                    "the archive inflates to more than {} bytes, the limit for a whole archive",
                    limits.total_size
                )));
            }
            index.insert(name, i);
        }
        Ok(Archive { zip, index })
    }

    /// The names of the entries, in archive order.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<(&String, &usize)> = self.index.iter().collect();
        v.sort_by_key(|(_, i)| **i);
        v.into_iter().map(|(n, _)| n.clone()).collect()
    }

    /// Reads entry `name` through `read`, stopped at the size its header declares.
    fn with_entry<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> Result<T, String>,
    ) -> Result<Option<T>, DataError> {
        let Some(&i) = self.index.get(name) else {
            return Ok(None);
        };
        let f = self
            .zip
            .by_index(i)
            .map_err(|e| DataError::Format(format!("{name}: {e}")))?;
        let declared = f.size();
        let mut bounded = Bounded {
            inner: f,
            left: declared,
            overflow: false,
        };
        let result = read(&mut bounded);
        if bounded.overflow {
            return Err(limit(format!(
                "entry `{name}` inflates past the {declared} bytes its header declares \
                 (a zip bomb?)"
            )));
        }
        result
            .map(Some)
            .map_err(|e| DataError::Format(format!("{name}: {e}")))
    }

    /// Entry `name` as JSON, parsed while it inflates (a leading BOM is skipped).
    pub fn json<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, DataError> {
        self.with_entry(name, |r| {
            let mut head = [0u8; 3];
            let n = read_up_to(r, &mut head).map_err(|e| e.to_string())?;
            let skip = if head[..n] == [0xEF, 0xBB, 0xBF] {
                3
            } else {
                0
            };
            let reader = BufReader::with_capacity(64 * 1024, Cursor::new(&head[skip..n]).chain(r));
            serde_json::from_reader(reader).map_err(|e| e.to_string())
        })
    }

    /// Entry `name`'s bytes.
    pub fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, DataError> {
        self.with_entry(name, |r| {
            let mut v = Vec::new();
            r.read_to_end(&mut v).map_err(|e| e.to_string())?;
            Ok(v)
        })
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// An entry's inflating stream, cut off one byte past its declared size.
struct Bounded<R> {
    inner: R,
    left: u64,
    overflow: bool,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One more byte tells an honest end from an entry that lied about its size.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                self.overflow = true;
                return Err(std::io::Error::other("inflates past its declared size"));
            }
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// A name the central directory lists twice, with both positions (1-based). The zip reader
/// keeps one of them silently, so the directory is walked here: the end record gives where
/// it starts and how many entries it has.
fn duplicate_entry(bytes: &[u8]) -> Option<(String, usize, usize)> {
    let u16_at = |i: usize| Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?));
    let u32_at = |i: usize| Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    // The end record is in the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
    let from = bytes.len().saturating_sub(65_557);
    let end = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let count = usize::from(u16_at(end + 10)?);
    let mut at = usize::try_from(u32_at(end + 16)?).ok()?;
    let mut seen: HashMap<&[u8], usize> = HashMap::new();
    for n in 1..=count {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_len = usize::from(u16_at(at + 28)?);
        let extra = usize::from(u16_at(at + 30)?);
        let comment = usize::from(u16_at(at + 32)?);
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if let Some(first) = seen.insert(name, n) {
            return Some((String::from_utf8_lossy(name).into_owned(), first, n));
        }
        at += 46 + name_len + extra + comment;
    }
    None
}
