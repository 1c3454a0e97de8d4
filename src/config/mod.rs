//! Loading the desired state from YAML: files and directories, merged kind by kind, checked
//! against the model's rules, with every problem placed at its file, line, column and path.
//!
//! Invariant: only `yaml.rs` knows the YAML library. The rules themselves live in
//! `model::rules`; this module only finds where in the files they point.

pub mod directory;
pub mod yaml;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::desired::{Duplicate, Origins};
use crate::model::rules::{self, Severity};
use crate::model::DesiredState;
use crate::progress::{Reporter, Unit};

/// One problem, placed in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based; 0 when the position is unknown.
    pub line: usize,
    pub column: usize,
    /// The path of the node in the file (`rooms[3].category`); empty for the whole file.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// The text of the line the position is on, for display: the whole line when it is
    /// short, else `EXCERPT_CHARS` characters around the column with `…` where it was cut.
    pub source_line: Option<String>,
    /// The column of the position within `source_line`.
    pub source_column: usize,
}

/// Lines longer than this are kept as a window around the column: an error on a 50 MB line
/// must neither print nor hold 100 MB.
const EXCERPT_CHARS: usize = 120;

/// Characters between the checkpoints of a long line's index.
const CHECKPOINT: usize = 256;

/// A line with the byte offset of every `CHECKPOINT`th character, so that the window around a
/// column is found without counting from the start of the line: many problems on one long
/// line then cost the line once, not once each.
struct LineChars<'a> {
    line: &'a str,
    checkpoints: Vec<usize>,
    chars: usize,
}

impl<'a> LineChars<'a> {
    fn new(line: &'a str) -> LineChars<'a> {
        let mut checkpoints = Vec::new();
        let mut chars = 0;
        for (i, (byte, _)) in line.char_indices().enumerate() {
            if i % CHECKPOINT == 0 {
                checkpoints.push(byte);
            }
            chars = i + 1;
        }
        LineChars {
            line,
            checkpoints,
            chars,
        }
    }

    /// The byte offset of character `n` (the line's end past its last character).
    fn byte_of(&self, n: usize) -> usize {
        if n >= self.chars {
            return self.line.len();
        }
        let from = self.checkpoints[n / CHECKPOINT];
        self.line[from..]
            .char_indices()
            .nth(n % CHECKPOINT)
            .map_or(self.line.len(), |(b, _)| from + b)
    }

    /// The part of the line to show and the caret's column in it: the whole line when it is
    /// short, else `EXCERPT_CHARS` characters around the column with `…` where it was cut.
    fn excerpt(&self, column: usize) -> (String, usize) {
        if self.chars <= EXCERPT_CHARS {
            return (self.line.to_string(), column);
        }
        let at = column.saturating_sub(1).min(self.chars);
        let start = at
            .saturating_sub(EXCERPT_CHARS / 2)
            .min(self.chars - EXCERPT_CHARS);
        let end = start + EXCERPT_CHARS;
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        out.push_str(&self.line[self.byte_of(start)..self.byte_of(end)]);
        if end < self.chars {
            out.push('…');
        }
        (out, column - start + usize::from(start > 0))
    }
}

#[cfg(test)]
fn excerpt(line: &str, column: usize) -> (String, usize) {
    LineChars::new(line).excerpt(column)
}

/// Where each line of a text starts, built once per file when a problem is placed in it.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Long lines' character indexes, made when a problem is first placed on them.
    long: std::cell::RefCell<HashMap<usize, std::rc::Rc<LineChars<'a>>>>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            text,
            starts,
            long: Default::default(),
        }
    }

    /// The excerpt of line `n` around `column`, and the caret's column in it.
    fn excerpt(&self, n: usize, column: usize) -> Option<(String, usize)> {
        let line = self.line(n)?;
        if line.len() <= EXCERPT_CHARS {
            return Some((line.to_string(), column));
        }
        let chars = self
            .long
            .borrow_mut()
            .entry(n)
            .or_insert_with(|| std::rc::Rc::new(LineChars::new(line)))
            .clone();
        Some(chars.excerpt(column))
    }

    /// Line `n` (1-based), without its line break.
    fn line(&self, n: usize) -> Option<&'a str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        // After a final line break there is no line (as `str::lines` counts them).
        if start == self.text.len() {
            return None;
        }
        let end = self.starts.get(n).map_or(self.text.len(), |e| e - 1);
        let line = self.text.get(start..end.max(start))?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Everything a validation found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Sorted by file, line, column.
    pub diagnostics: Vec<Diagnostic>,
    /// The files that were read, in load order.
    pub files: Vec<PathBuf>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }
    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
}

/// A configuration that loaded and passed every rule (it may carry warnings).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: DesiredState,
    pub report: Report,
    /// Where each object was declared (file index, item index).
    pub origins: crate::model::desired::Origins<usize>,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: crate::files::TextError,
    },
    #[error("symlink loop at {}: it leads back to {}", path.display(), target.display())]
    SymlinkLoop { path: PathBuf, target: PathBuf },
    #[error("no .yaml or .yml files under {}", path.display())]
    NoFiles { path: PathBuf },
    /// One file reached twice through the paths given (a file and its directory, a path named
    /// twice, two spellings or links of one file): it would declare everything in it twice.
    #[error(
        "{} is named twice: as {} and as {}; name each file once",
        first.display(),
        first.display(),
        second.display()
    )]
    NamedTwice { first: PathBuf, second: PathBuf },
    #[error("the configuration is not valid: {} found", count_text(.0))]
    Invalid(Report),
}

fn count_text(r: &Report) -> String {
    crate::plural(r.errors(), "error")
}

/// Loads and validates the configuration at these paths (files, or directories read
/// recursively in sorted order).
///
/// # Errors
/// `Io`/`NoFiles` when the files cannot be read; `Invalid` with every problem found, sorted,
/// when anything is wrong.
pub fn load(inputs: &[PathBuf]) -> Result<Loaded, ConfigError> {
    load_with(inputs, &Reporter::default())
}

/// [`load`], reporting how many bytes are read and parsed, then the checks.
pub fn load_with(inputs: &[PathBuf], progress: &Reporter) -> Result<Loaded, ConfigError> {
    let files = collect_files(inputs)?;
    let texts = read_files(&files)?;
    load_texts_with(files, texts, progress)
}

/// Reads configuration files: regular files only, each of bounded size, UTF-8 (a BOM is dropped).
pub fn read_files(files: &[PathBuf]) -> Result<Vec<String>, ConfigError> {
    files
        .iter()
        .map(|f| {
            crate::files::read(f, crate::files::max_file_size()).map_err(|source| {
                ConfigError::Read {
                    path: f.clone(),
                    source,
                }
            })
        })
        .collect()
}

/// Loads and validates configuration texts already in memory (`files` name them in messages).
pub fn load_texts(files: Vec<PathBuf>, texts: Vec<String>) -> Result<Loaded, ConfigError> {
    load_texts_with(files, texts, &Reporter::default())
}

/// [`load_texts`], reporting how many bytes are parsed, then the checks.
pub fn load_texts_with(
    files: Vec<PathBuf>,
    texts: Vec<String>,
    progress: &Reporter,
) -> Result<Loaded, ConfigError> {
    let loaded = load_checked(files, texts, progress);
    progress.finish();
    loaded
}

fn load_checked(
    files: Vec<PathBuf>,
    texts: Vec<String>,
    progress: &Reporter,
) -> Result<Loaded, ConfigError> {
    let mut docs = Vec::with_capacity(texts.len());
    let mut items = Vec::with_capacity(texts.len());
    let mut diagnostics = Vec::new();
    let bytes: usize = texts.iter().map(String::len).sum();
    progress.begin("parsing", bytes as u64, Unit::Bytes);
    for (i, text) in texts.iter().enumerate() {
        progress.advance(text.len() as u64);
        match yaml::parse_placed(text) {
            Ok((doc, placed)) => {
                // Only an escape (or a raw NUL) can put one in: most files are not walked.
                if crate::model::storable::yaml_may_hold_nul(text) {
                    let nuls = crate::model::storable::nul_paths(&doc);
                    let errors = nuls.into_iter().map(|path| yaml::RawError {
                        path,
                        message: format!("this value {}", crate::model::storable::WHY),
                        help: Some("remove the `\\0` (or `\\x00`, `\\u0000`) escape".into()),
                        mark: None,
                        at_key: false,
                    });
                    diagnostics.extend(place_raw(&files[i], text, errors.collect()));
                }
                docs.push((i, doc));
                items.push(placed);
            }
            Err(errors) => diagnostics.extend(place_raw(&files[i], text, errors)),
        }
    }
    if !diagnostics.is_empty() {
        // References across files cannot be judged while some files are unreadable.
        return Err(ConfigError::Invalid(finish(diagnostics, files)));
    }
    progress.begin("checking", 0, Unit::Unknown);
    let (state, dups, origins) = DesiredState::from_documents_placed(docs);
    let violations = rules::validate(&state);
    if violations.is_empty() && dups.is_empty() {
        return Ok(Loaded {
            state,
            report: Report { diagnostics, files },
            origins,
        });
    }
    let diagnostics = place_violations(&origins, &files, &texts, &items, violations, dups);
    let report = finish(diagnostics, files);
    if report.errors() > 0 {
        Err(ConfigError::Invalid(report))
    } else {
        Ok(Loaded {
            state,
            report,
            origins,
        })
    }
}

fn finish(mut diagnostics: Vec<Diagnostic>, files: Vec<PathBuf>) -> Report {
    let order: HashMap<&PathBuf, usize> = files.iter().enumerate().map(|(i, f)| (f, i)).collect();
    diagnostics.sort_by(|a, b| {
        (
            order.get(&a.file),
            a.line,
            a.column,
            a.severity,
            &a.path,
            &a.message,
        )
            .cmp(&(
                order.get(&b.file),
                b.line,
                b.column,
                b.severity,
                &b.path,
                &b.message,
            ))
    });
    diagnostics.dedup();
    Report { diagnostics, files }
}

/// SHA-256 fed in pieces (`sha256:HEX`). A 64-bit mix was enough to tell an edited input from
/// the one recorded, but not an input made to digest as the recorded one: a printable 16-byte
/// YAML comment could hide a change from every plan that trusts the mark. The prefix names the
/// algorithm, so a mark recorded with another one is simply not matched.
#[derive(Clone, Default)]
pub struct Digest(sha2::Sha256);

impl Digest {
    pub fn feed(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.0.update(bytes);
    }

    pub fn finish(&self) -> String {
        use sha2::Digest as _;
        let hash = self.0.clone().finalize();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for b in hash {
            use std::fmt::Write as _;
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

/// A digest of the configuration files (names and contents), to record what an apply applied
/// and to tell a converged store's configuration: the digest of the files' digests, in order.
pub fn digest(files: &[PathBuf], texts: &[String]) -> String {
    digest_of(&file_digests(files, texts))
}

/// Each file's digest, of its name and its content. Each length is fed before what it
/// measures, so no name runs into its text.
pub fn file_digests(files: &[PathBuf], texts: &[String]) -> Vec<String> {
    files
        .iter()
        .zip(texts)
        .map(|(path, text)| {
            let mut d = digest_head(path, text.len() as u64);
            d.feed(text.as_bytes());
            d.finish()
        })
        .collect()
}

/// A file's digest up to its text: its name, and its text's length.
fn digest_head(path: &Path, text_len: u64) -> Digest {
    let mut d = Digest::default();
    let name = path.to_string_lossy();
    d.feed(&(name.len() as u64).to_le_bytes());
    d.feed(name.as_bytes());
    d.feed(&text_len.to_le_bytes());
    d
}

/// [`file_digests`] of the files as they are now, read a buffer at a time without keeping
/// their texts: a plan answered from a converged store needs none of them, a partial plan a
/// few, and holding 40 MB of text costs more than reading it.
pub fn digest_files(files: &[PathBuf]) -> Result<Vec<String>, ConfigError> {
    let mut buf = vec![0u8; 1 << 20];
    let limit = crate::files::max_file_size();
    files
        .iter()
        .map(|path| {
            let mut d = Digest::default();
            let read = crate::files::read_pieces(path, limit, &mut buf, |piece| match piece {
                crate::files::Piece::Length(n) => d = digest_head(path, n),
                crate::files::Piece::Text(t) => d.feed(t),
            });
            match read {
                Ok(true) => Ok(d.finish()),
                // It changed while it was read: as it is now, whole.
                Ok(false) => {
                    let texts = read_files(std::slice::from_ref(path))?;
                    Ok(file_digests(std::slice::from_ref(path), &texts).remove(0))
                }
                Err(source) => Err(ConfigError::Read {
                    path: path.clone(),
                    source,
                }),
            }
        })
        .collect()
}

/// The configuration's digest from its files' digests ([`file_digests`]), in order.
pub fn digest_of(file_digests: &[String]) -> String {
    let mut d = Digest::default();
    d.feed(&(file_digests.len() as u64).to_le_bytes());
    for f in file_digests {
        d.feed(f.as_bytes());
    }
    d.finish()
}

/// The files named by the inputs: files as given, directories walked for `*.yaml`/`*.yml`.
pub fn collect_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigError> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| ConfigError::Io {
            path: input.clone(),
            source,
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            let mut walker = Walker::default();
            walker.walk(input, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(ConfigError::NoFiles {
                    path: input.clone(),
                });
            }
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    // Every path to a file counts once: the full plan would refuse its objects as declared
    // twice, and a shortcut that keys files by name would miss that; refused here, on every
    // path alike.
    let mut seen: HashMap<FileId, &PathBuf> = HashMap::new();
    for f in &out {
        let id = file_id(f).map_err(|source| ConfigError::Io {
            path: f.clone(),
            source,
        })?;
        if let Some(first) = seen.insert(id, f) {
            return Err(ConfigError::NamedTwice {
                first: first.clone(),
                second: f.clone(),
            });
        }
    }
    Ok(out)
}

/// What tells one file from another: its device and inode, or (elsewhere) its canonical path.
#[derive(PartialEq, Eq, Hash)]
enum FileId {
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn file_id(path: &Path) -> std::io::Result<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok(FileId::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).map(FileId::Path)
    }
}

/// A directory walk that follows symlinks but never goes round in a loop, and never reads one
/// directory twice (two links to the same folder would declare every object in it twice).
#[derive(Default)]
struct Walker {
    /// The directories being walked, outermost first, by identity (device, inode) and path.
    ancestors: Vec<(DirId, PathBuf)>,
    seen: HashSet<DirId>,
}

type DirId = (u64, u64);

fn dir_id(meta: &std::fs::Metadata) -> Option<DirId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Walker {
    fn walk(&mut self, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ConfigError> {
        let io = |source| ConfigError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let id = dir_id(&std::fs::metadata(dir).map_err(io)?);
        if let Some(id) = id {
            if let Some((_, target)) = self.ancestors.iter().find(|(a, _)| *a == id) {
                return Err(ConfigError::SymlinkLoop {
                    path: dir.to_path_buf(),
                    target: target.clone(),
                });
            }
            if !self.seen.insert(id) {
                return Ok(());
            }
            self.ancestors.push((id, dir.to_path_buf()));
        }
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            entries.push(entry.map_err(io)?.path());
        }
        // Sorted, so which of two links to one folder is read does not depend on the file system.
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue; // Hidden files and folders (.git) are not configuration.
            }
            if path.is_dir() {
                self.walk(&path, out)?;
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                // Not-regular files are kept here so that reading them says what they are.
                out.push(path);
            }
        }
        if id.is_some() {
            self.ancestors.pop();
        }
        Ok(())
    }
}

/// Places a file's syntax and type errors.
fn place_raw(file: &Path, text: &str, errors: Vec<yaml::RawError>) -> Vec<Diagnostic> {
    let lines = Lines::new(text);
    // Errors the parser placed itself need no walk over the file (which, for a file refused
    // for its nesting, would be the slow parse the refusal avoids).
    let paths: HashSet<String> = errors
        .iter()
        .filter(|e| e.mark.is_none())
        .map(|e| e.path.clone())
        .collect();
    let found = if paths.is_empty() {
        HashMap::new()
    } else {
        yaml::locate(text, &paths)
    };
    errors
        .into_iter()
        .map(|e| {
            let mark = e.mark.or_else(|| {
                let l = found.get(&e.path)?;
                if e.at_key {
                    l.key.or(l.value)
                } else {
                    l.value.or(l.key)
                }
            });
            // The whole document is `.`, as serde_path_to_error writes it.
            let path = if e.path.is_empty() {
                ".".to_string()
            } else {
                e.path
            };
            diagnostic(file, &lines, mark, Severity::Error, path, e.message, e.help)
        })
        .collect()
}

fn diagnostic(
    file: &Path,
    lines: &Lines<'_>,
    mark: Option<yaml::Mark>,
    severity: Severity,
    path: String,
    message: String,
    help: Option<String>,
) -> Diagnostic {
    let (line, column) = mark.map_or((0, 0), |m| (m.line, m.column));
    let (source_line, source_column) = match lines.excerpt(line, column) {
        Some((shown, at)) => (Some(shown), at),
        None => (None, 0),
    };
    Diagnostic {
        severity,
        file: file.to_path_buf(),
        line,
        column,
        path,
        message,
        help,
        source_line,
        source_column,
    }
}

/// Places rule violations and duplicates: the origins say which file and list index declared
/// each object named, then one event pass over each file concerned finds where those paths are.
fn place_violations(
    origin: &Origins<usize>,
    files: &[PathBuf],
    texts: &[String],
    items: &[Option<yaml::Items>],
    violations: Vec<rules::Violation>,
    dups: Vec<Duplicate<usize>>,
) -> Vec<Diagnostic> {
    struct Pending {
        file: usize,
        path: String,
        severity: Severity,
        message: String,
        help: Option<String>,
        /// Another place the message refers to (the first declaration of a duplicate).
        also: Option<(usize, String)>,
    }
    let mut pending = Vec::new();
    for v in violations {
        let Some((file, index)) = origin.get(v.kind, &v.identity) else {
            continue;
        };
        let mut path = format!("{}[{index}]", v.kind.key());
        if let Some(f) = &v.field {
            path.push('.');
            path.push_str(f);
        }
        pending.push(Pending {
            file,
            path,
            severity: v.severity,
            message: v.message,
            help: v.help,
            also: None,
        });
    }
    for d in dups {
        let first = origin.get(d.kind, &d.identity);
        pending.push(Pending {
            file: d.origin,
            path: format!("{}[{}]", d.kind.key(), d.index),
            severity: Severity::Error,
            message: format!(
                "{} `{}` is declared more than once",
                d.kind.noun(),
                d.identity
            ),
            help: None,
            also: first.map(|(f, i)| (f, format!("{}[{i}]", d.kind.key()))),
        });
    }
    let mut per_file: HashMap<usize, HashSet<String>> = HashMap::new();
    for p in &pending {
        per_file
            .entry(p.file)
            .or_default()
            .extend(with_ancestors(&p.path));
        if let Some((f, path)) = &p.also {
            per_file.entry(*f).or_default().extend(with_ancestors(path));
        }
    }
    let located: HashMap<usize, HashMap<String, yaml::Located>> = per_file
        .into_iter()
        .map(|(f, paths)| {
            let placed = items.get(f).and_then(Option::as_ref);
            (f, yaml::locate_with(&texts[f], placed, &paths))
        })
        .collect();
    let mark_of = |file: usize, path: &str| {
        // A path that is not in the text (a defaulted field) falls back to its object.
        let mut p = path.to_string();
        loop {
            if let Some(l) = located.get(&file).and_then(|m| m.get(&p)) {
                if let Some(m) = l.value.or(l.key) {
                    return Some(m);
                }
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    };
    let mut indexed: HashMap<usize, Lines<'_>> = HashMap::new();
    pending
        .into_iter()
        .map(|p| {
            let mut help = p.help;
            if let Some((f, path)) = &p.also {
                if let Some(m) = mark_of(*f, path) {
                    help = Some(format!(
                        "first declared at {}:{}:{}",
                        files[*f].display(),
                        m.line,
                        m.column
                    ));
                }
            }
            let mark = mark_of(p.file, &p.path);
            let lines = indexed
                .entry(p.file)
                .or_insert_with(|| Lines::new(&texts[p.file]));
            diagnostic(
                &files[p.file],
                lines,
                mark,
                p.severity,
                p.path,
                p.message,
                help,
            )
        })
        .collect()
}

/// A path and every path above it (`rooms[3].members[1]`, `rooms[3].members`, `rooms[3]`,
/// `rooms`): a field left out of the file is reported at the nearest thing that is there.
fn with_ancestors(path: &str) -> Vec<String> {
    let mut out = vec![path.to_string()];
    let mut p = path;
    while let Some(cut) = p.rfind(['.', '[']) {
        p = &p[..cut];
        out.push(p.to_string());
    }
    out
}

#[cfg(test)]
mod excerpt_tests {
    use super::{excerpt, Lines};

    #[test]
    fn long_lines_are_cut_around_the_column() {
        assert_eq!(excerpt("  name: x", 9), ("  name: x".to_string(), 9));
        let line = format!("{}X{}", "a".repeat(5_000_000), "b".repeat(5_000_000));
        let (shown, col) = excerpt(&line, 5_000_001);
        assert!(shown.chars().count() <= 122, "{}", shown.len());
        assert_eq!(shown.chars().nth(col - 1), Some('X'));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        let (shown, col) = excerpt(&line, 1);
        assert_eq!((shown.chars().next(), col), (Some('a'), 1));
        assert!(!shown.starts_with('…') && shown.ends_with('…'));
        // Near the end, a full window that reaches back.
        let (shown, col) = excerpt(&line, 10_000_001);
        assert_eq!(shown.chars().count(), 121);
        assert_eq!(
            (shown.chars().nth(col - 1), shown.ends_with('b')),
            (Some('b'), true)
        );
    }

    #[test]
    fn lines_are_found_by_number_once_indexed() {
        assert_eq!(Lines::new("a\n").line(2), None);
        let lines = Lines::new("a\r\nbb\n\nccc");
        assert_eq!(
            (1..=5).map(|n| lines.line(n)).collect::<Vec<_>>(),
            [Some("a"), Some("bb"), Some(""), Some("ccc"), None]
        );
        assert_eq!(lines.line(0), None);
    }
}

#[cfg(test)]
mod digest_tests {
    use super::digest;
    use std::path::PathBuf;

    #[test]
    fn any_change_of_a_name_a_byte_or_a_boundary_changes_the_digest() {
        let d = |files: &[(&str, &str)]| {
            let (names, texts): (Vec<PathBuf>, Vec<String>) = files
                .iter()
                .map(|(n, t)| (PathBuf::from(n), t.to_string()))
                .unzip();
            digest(&names, &texts)
        };
        let text = "rooms:\n  - name: Help Desk\n    category: IT\n".repeat(5);
        let base = d(&[("a.yaml", &text)]);
        assert_eq!(base, d(&[("a.yaml", &text)]));
        for at in [0, 7, text.len() / 2, text.len() - 1] {
            let mut b = text.clone().into_bytes();
            b[at] ^= 1;
            let changed = String::from_utf8(b).unwrap();
            assert_ne!(base, d(&[("a.yaml", &changed)]), "byte {at}");
        }
        assert_ne!(base, d(&[("b.yaml", &text)]));
        assert_ne!(d(&[("a", "xy"), ("b", "z")]), d(&[("a", "x"), ("b", "yz")]));
        assert_ne!(d(&[("a", "x"), ("b", "y")]), d(&[("b", "y"), ("a", "x")]));
    }

    /// Files digested a buffer at a time digest as their texts read whole: with and without a
    /// byte-order mark, empty, shorter than a mark, and across buffers at every remainder.
    #[test]
    fn a_file_digested_in_pieces_digests_as_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let big = "- name: Room\n  members: [sip:a@x]\n".repeat(70_000);
        let mut files = vec![];
        let mut cases: Vec<Vec<u8>> = vec![vec![], b"a".to_vec(), b"ab".to_vec()];
        cases.push(b"\xef\xbb\xbf".to_vec());
        cases.push(b"\xef\xbb\xbfrooms: []\n".to_vec());
        for cut in 0..9 {
            cases.push(big.as_bytes()[..(1 << 20) + cut].to_vec());
            let mut with_mark = b"\xef\xbb\xbf".to_vec();
            with_mark.extend_from_slice(&big.as_bytes()[..(2 << 20) - cut]);
            cases.push(with_mark);
        }
        for (i, bytes) in cases.iter().enumerate() {
            let path = dir.path().join(format!("f{i}.yaml"));
            std::fs::write(&path, bytes).unwrap();
            files.push(path);
        }
        let texts = super::read_files(&files).unwrap();
        assert_eq!(
            super::digest_files(&files).unwrap(),
            super::file_digests(&files, &texts)
        );
    }
}
