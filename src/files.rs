//! The files pchat reads and writes for people. Inputs (configuration YAML, directory CSV/LDIF,
//! saved plans, data archives): regular files only, of bounded size, UTF-8 with or without a
//! byte-order mark. Outputs that hold chat content or its configuration (plans, archives) are
//! created readable by their owner only.
//!
//! Windows PowerShell 5.1 writes a BOM with `-Encoding UTF8`, and this project's users are Windows
//! administrators, so a leading BOM is dropped wherever text comes in. Anything that is not a
//! regular file (`/dev/zero`, a FIFO) is refused before it is opened for reading: reading one can
//! block forever or never end.

use std::io::Read;
use std::path::Path;

/// The largest file read unless told otherwise: generous (a 100,000-room configuration is about
/// 40 MB), but a bound.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 512 * 1024 * 1024;

static MAX_FILE_SIZE: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_MAX_FILE_SIZE);

/// Sets the largest file pchat reads (`--max-file-size`), for every reader in this process.
pub fn set_max_file_size(bytes: u64) {
    MAX_FILE_SIZE.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The largest file pchat reads.
pub fn max_file_size() -> u64 {
    MAX_FILE_SIZE.load(std::sync::atomic::Ordering::Relaxed)
}

/// A size as people read it: `512 MiB`, `10 KiB`, `300 bytes`.
pub fn human_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes % size == 0 {
            return format!("{} {unit}", bytes / size);
        }
    }
    crate::plural(bytes as usize, "byte")
}

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {what}, not a regular file")]
    NotRegular { what: &'static str },
    #[error(
        "it is larger than {}, the most pchat reads from one file (see --max-file-size)",
        human_size(*limit)
    )]
    TooLarge { limit: u64 },
    #[error(
        "it is not valid UTF-8: {detail} at line {line}, column {column} (byte {offset}); {hint}"
    )]
    Encoding {
        detail: &'static str,
        offset: usize,
        line: usize,
        column: usize,
        hint: &'static str,
    },
}

/// What a path is, when it is not a regular file.
fn non_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// Reads a regular file of at most `limit` bytes as UTF-8, dropping a leading BOM.
pub fn read(path: &Path, limit: u64) -> Result<String, TextError> {
    let bytes = read_bytes(path, limit)?;
    decode(bytes)
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, TextError> {
    // Follows symlinks: what matters is what would be read.
    let meta = std::fs::metadata(path)?;
    if let Some(what) = non_regular(&meta) {
        return Err(TextError::NotRegular { what });
    }
    if meta.len() > limit {
        return Err(TextError::TooLarge { limit });
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the look and the read: never take more than the limit.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(TextError::TooLarge { limit });
    }
    Ok(bytes)
}

/// What [`read_pieces`] hands over: the length of the file's text, then the text.
pub enum Piece<'a> {
    Length(u64),
    Text(&'a [u8]),
}

/// Reads a regular file of at most `limit` bytes a buffer at a time without keeping it, as
/// [`read`] would read it (less a byte-order mark): first the text's length, then the text,
/// each piece but the last a whole `buf`. `Ok(false)` when the file changed size meanwhile.
/// The text is not checked to be UTF-8.
pub fn read_pieces(
    path: &Path,
    limit: u64,
    buf: &mut [u8],
    mut take: impl FnMut(Piece),
) -> Result<bool, TextError> {
    let meta = std::fs::metadata(path)?;
    if let Some(what) = non_regular(&meta) {
        return Err(TextError::NotRegular { what });
    }
    if meta.len() > limit {
        return Err(TextError::TooLarge { limit });
    }
    let mut file = std::fs::File::open(path)?;
    let mut head = [0u8; 3];
    let got = fill(&mut file, &mut head)?;
    let bom = strip_bom(&head[..got]).len() != got;
    take(Piece::Length(meta.len().saturating_sub(if bom {
        3
    } else {
        0
    })));
    let mut n = if bom { 0 } else { got };
    buf[..n].copy_from_slice(&head[..n]);
    let mut total = got as u64;
    loop {
        let more = fill(&mut file, &mut buf[n..])?;
        total += more as u64;
        n += more;
        if total > limit {
            return Err(TextError::TooLarge { limit });
        }
        if n > 0 {
            take(Piece::Text(&buf[..n]));
        }
        if n < buf.len() {
            return Ok(total == meta.len());
        }
        n = 0;
    }
}

/// Reads until `buf` is full or the file ends.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Drops a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes)
}

/// Writes a file that only its owner can read (0600) when it is created; an existing regular
/// file keeps the mode its owner gave it. Plans and archives hold room names, members and
/// messages. The bytes go to a temporary file beside it, renamed over the path once complete:
/// a reader never sees half a file, and a symbolic link at the path is replaced, never written
/// through (its target, perhaps another user's file, is left alone).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let existing = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.file_type().is_file());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".{}.{}-{stamp}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if let Some(m) = &existing {
            std::fs::set_permissions(&tmp, m.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Bytes as UTF-8 text without a BOM, or where and why they are not.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, TextError> {
    if strip_bom(&bytes).len() != bytes.len() {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => Err(encoding_error(e.as_bytes(), e.utf8_error().valid_up_to())),
    }
}

fn encoding_error(bytes: &[u8], offset: usize) -> TextError {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Columns count characters, as the rest of pchat's positions do; the prefix is valid UTF-8.
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    let (detail, hint) = if utf16 {
        (
            "a UTF-16 byte-order mark",
            "the file is UTF-16 (PowerShell's `Out-File` default): save it as UTF-8 \
             (`Set-Content -Encoding UTF8`, or `iconv -f UTF-16 -t UTF-8`)",
        )
    } else {
        (
            "a byte sequence that is not UTF-8",
            "the file may be Latin-1 or Windows-1252: save it as UTF-8 \
             (`iconv -f WINDOWS-1252 -t UTF-8`)",
        )
    };
    TextError::Encoding {
        detail,
        offset,
        line,
        column,
        hint,
    }
}

/// A file path as this system writes it. The help pages' `C:\Logs\PersistentChatData.zip` on
/// Linux would name one file in the current directory whose name holds the backslashes, so a
/// Windows path (a drive letter, or a UNC share) is refused there, saying why.
pub fn local_path(s: &str) -> Result<std::path::PathBuf, String> {
    let b = s.as_bytes();
    let drive = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    let share = s.starts_with("\\\\");
    if cfg!(not(windows)) && (drive || share) {
        return Err(format!(
            "`{s}` is a Windows path, and this system does not read drive letters or shares: \
             name the file as a path here (`/var/backups/chat.zip`, `chat.zip`)"
        ));
    }
    Ok(std::path::PathBuf::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_a_bom_and_places_bad_bytes() {
        assert_eq!(decode(b"\xef\xbb\xbfa: b\n".to_vec()).unwrap(), "a: b\n");
        match decode(b"a: 1\nname: caf\xe9\n".to_vec()) {
            Err(TextError::Encoding {
                offset,
                line,
                column,
                hint,
                ..
            }) => {
                assert_eq!((offset, line, column), (14, 2, 10));
                assert!(hint.contains("Latin-1"), "{hint}");
            }
            other => panic!("{other:?}"),
        }
        let e = decode(b"\xff\xfea\x00".to_vec()).unwrap_err().to_string();
        assert!(
            e.contains("UTF-16") && e.contains("line 1, column 1"),
            "{e}"
        );
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile_dir("regular");
        let e = read(&dir, 1024).unwrap_err();
        assert!(
            matches!(
                e,
                TextError::NotRegular {
                    what: "a directory"
                }
            ),
            "{e}"
        );
        #[cfg(unix)]
        {
            let e = read(Path::new("/dev/zero"), 1024).unwrap_err();
            assert!(
                matches!(e, TextError::NotRegular { what: "a device" }),
                "{e}"
            );
        }
        let f = dir.join("big.yaml");
        std::fs::write(&f, "x".repeat(2048)).unwrap();
        assert!(matches!(read(&f, 1024), Err(TextError::TooLarge { .. })));
        assert_eq!(read(&f, 4096).unwrap().len(), 2048);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_created_0600_and_keep_an_existing_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile_dir("private");
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("plan.json");
        write_private(&f, b"{}").unwrap();
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&f), 0o600);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_private(&f, b"{ }").unwrap();
        assert_eq!(mode(&f), 0o640);
        assert_eq!(std::fs::read(&f).unwrap(), b"{ }");
        // A link at the path is replaced by the file; its target is left as it was.
        let target = dir.join("someone-elses.txt");
        std::fs::write(&target, b"theirs").unwrap();
        let link = dir.join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_private(&link, b"{}").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"theirs");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_file());
        assert_eq!(mode(&link), 0o600);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            3,
            "no temporary file is left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("pchat-files-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
