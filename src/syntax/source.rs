//! Source files and spans.
//!
//! Every node the front ends build carries a [`Span`]: a file id and a byte
//! range into that file's text. The [`SourceMap`] owns the texts, so spans
//! stay small and `Copy`, and turns them into 1-based lines and columns only
//! when a report is written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both (they must be in the same file;
    /// otherwise `self` is returned unchanged).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A 1-based position range, as reports print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The byte offset where each line of a text starts: one index for a
/// loaded file, and for the readers that need lines of a text they hold.
#[derive(Debug, Clone)]
pub struct LineStarts(Vec<usize>);

impl LineStarts {
    pub fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    /// The 0-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Where the 0-based `line` starts (`None` past the last line).
    pub fn start(&self, line: usize) -> Option<usize> {
        self.0.get(line).copied()
    }
}

/// One loaded file: the path as it should be shown, and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: LineStarts,
}

impl SourceFile {
    fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        let line_starts = LineStarts::new(&text);
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.line(offset) + 1;
        let start = self.line_starts.start(line - 1).unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// Byte range of a 1-based line, without its newline.
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self
            .line_starts
            .start(line.saturating_sub(1))
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .start(line)
            .map_or(self.text.len(), |next| next.saturating_sub(1));
        (start, end.max(start))
    }
}

/// All files read in one run. Files are only ever added, through a shared
/// reference, so environments can be loaded in parallel into one map.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: boxcar::Vec<SourceFile>,
    /// The first file added under each path, for [`SourceMap::find`] (a
    /// scan of every file per lookup is quadratic in a large tree).
    by_path: std::sync::Mutex<std::collections::HashMap<PathBuf, FileId>>,
    /// Spans whose text is a secret: reports never show it.
    /// By file, so that a report's lookups stay cheap in a large tree.
    secrets: std::sync::Mutex<std::collections::HashMap<FileId, Vec<Span>>>,
    /// Editors' unsaved texts for this run (`--stdin-filename`, the
    /// language server's open documents), by absolute path: reading one
    /// of these paths gives the buffer, not the file on disk.
    buffers: std::collections::HashMap<PathBuf, Arc<str>>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// A source map whose reads of `buffers`' paths (absolute) see their
    /// text instead of the files on disk.
    pub fn with_buffers(buffers: impl IntoIterator<Item = (PathBuf, Arc<str>)>) -> SourceMap {
        SourceMap {
            buffers: buffers.into_iter().collect(),
            ..SourceMap::default()
        }
    }

    /// The unsaved text of `path` (absolute), if an editor gave one.
    pub fn buffer(&self, path: &Path) -> Option<Arc<str>> {
        self.buffers.get(path).cloned()
    }

    /// Whether any buffer was given (most runs: none).
    pub fn has_buffers(&self) -> bool {
        !self.buffers.is_empty()
    }

    /// Adds a file; a leading UTF-8 byte order mark is kept in the text (so
    /// offsets match the bytes on disk) and skipped by the lexers.
    pub fn add(&self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let path = path.into();
        let index = self.files.push(SourceFile::new(path.clone(), text.into()));
        let id = FileId(clamp_u32(index));
        let mut by_path = self.by_path.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the lowest id when two threads add the same path.
        let first = by_path.entry(path).or_insert(id);
        *first = (*first).min(id);
        id
    }

    /// [`SourceMap::add`], or the id of the same file already read with
    /// the same text: two services that load one config share its spans,
    /// so what they share is one fact.
    pub fn add_once(&self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let path = path.into();
        let text = text.into();
        if let Some(id) = self.find(&path)
            && self.get(id).is_some_and(|f| f.text == text)
        {
            return id;
        }
        self.add(path, text)
    }

    /// Marks text that holds a secret, so that reports mask it.
    pub fn mark_secret(&self, span: Span) {
        let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        secrets.entry(span.file).or_default().push(span);
    }

    /// The secret spans of one file.
    pub fn secret_spans(&self, id: FileId) -> Vec<Span> {
        let secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        secrets.get(&id).cloned().unwrap_or_default()
    }

    /// How many files have been read.
    pub fn len(&self) -> usize {
        self.files.count()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The id of a file already loaded under this path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let by_path = self.by_path.lock().unwrap_or_else(|e| e.into_inner());
        by_path.get(path).copied()
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| &f.text)
    }

    pub fn path(&self, id: FileId) -> &Path {
        self.get(id).map_or(Path::new(""), |f| &f.path)
    }

    /// The source text a span covers ("" for a span that does not fit).
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file)
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    pub fn position(&self, span: Span) -> Position {
        match self.get(span.file) {
            Some(f) => {
                let (line, column) = f.line_col(span.start as usize);
                let (end_line, end_column) = f.line_col(span.end as usize);
                Position {
                    line,
                    column,
                    end_line,
                    end_column,
                }
            }
            None => Position {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
        }
    }

    /// Shows a path as reports do: relative to the current directory when
    /// it lies below it, always with `/`.
    pub fn display_path(&self, id: FileId) -> String {
        display_path(self.path(id))
    }
}

/// A path relative to the current directory (when below it), with `/`.
pub fn display_path(path: &Path) -> String {
    // Imported files are known by their canonical path; the current
    // directory may be spelt through a link, so both forms are tried.
    // Asked once: reports sort by this, thousands of times in a large tree.
    static CWD: std::sync::LazyLock<Option<(PathBuf, PathBuf)>> = std::sync::LazyLock::new(|| {
        let cwd = std::env::current_dir().ok()?;
        let canonical = cwd.canonicalize().unwrap_or_else(|_| cwd.clone());
        Some((cwd, canonical))
    });
    let rel = CWD
        .as_ref()
        .and_then(|(cwd, canonical)| {
            path.strip_prefix(cwd)
                .or_else(|_| path.strip_prefix(canonical))
                .ok()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let shown = rel.to_string_lossy().replace('\\', "/");
    shown
        .strip_prefix("./")
        .map_or(shown.clone(), str::to_string)
}

/// Character index → byte offset, for parsers that count characters
/// (saphyr, brush) while spans count bytes. Free for ASCII text.
pub struct CharOffsets {
    bytes: Option<Vec<u32>>,
    len: usize,
    content_end: usize,
}

impl CharOffsets {
    pub fn new(text: &str) -> CharOffsets {
        let bytes = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(b, _)| u32::try_from(b).unwrap_or(u32::MAX))
                .collect()
        });
        CharOffsets {
            bytes,
            len: text.len(),
            content_end: text.trim_end().len(),
        }
    }

    /// The byte offset of a character index (the end for one past it).
    pub fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            None => char_index.min(self.len),
            Some(v) => v.get(char_index).map_or(self.len, |&b| b as usize),
        }
    }

    /// The text's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The end of the text without trailing white space: where an error
    /// found "at the end of the input" is best shown.
    pub fn content_end(&self) -> usize {
        self.content_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let map = SourceMap::new();
        let id = map.add("a", "ab\nçd e\n");
        let span = Span::new(id, 7, 8); // byte offsets: "ç" takes two
        assert_eq!(map.slice(span), "e");
        let pos = map.position(span);
        assert_eq!((pos.line, pos.column), (2, 4));
        assert_eq!(map.get(id).map(|f| f.line_range(2)), Some((3, 8)));
    }
}
