//! Finding and reading the files of a platform tree.
//!
//! Every read goes through a [`Scope`]: isolint never reads outside the
//! roots it was given, so an import or mount that points elsewhere is
//! reported, not followed.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, SourceMap, Span};

/// Files larger than this are refused rather than read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The tree being checked.
#[derive(Debug, Clone)]
pub struct Scope {
    root: PathBuf,
    /// Folders made canonical so far: a run asks about many files of few
    /// folders, and resolving a folder costs a `readlink` per component.
    folders: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>>,
}

impl Scope {
    /// A scope rooted at `path` (a directory, or the folder of a file).
    pub fn for_path(path: &Path) -> std::io::Result<Scope> {
        let canonical = path.canonicalize()?;
        let root = if canonical.is_dir() {
            canonical
        } else {
            canonical
                .parent()
                .map_or_else(|| canonical.clone(), Path::to_path_buf)
        };
        Ok(Scope {
            root,
            folders: Default::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` with every link resolved, as `Path::canonicalize` gives it:
    /// a file that is no link is its canonical folder's child, and folders
    /// are resolved once.
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return path.canonicalize();
        };
        if folder.as_os_str().is_empty() || std::fs::symlink_metadata(path)?.is_symlink() {
            return path.canonicalize();
        }
        let known = {
            let folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
            folders.get(folder).cloned()
        };
        let resolved = match known {
            Some(resolved) => resolved,
            None => {
                let resolved = folder.canonicalize().ok();
                let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
                folders.insert(folder.to_path_buf(), resolved.clone());
                resolved
            }
        };
        resolved
            .map(|f| f.join(name))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    /// Whether `path` (after resolving links) lies inside the root.
    pub fn contains(&self, path: &Path) -> bool {
        match self.canonical(path) {
            Ok(p) => p.starts_with(&self.root),
            Err(_) => {
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                lexically_inside(&self.root, &absolute)
            }
        }
    }
}

/// Containment for a path that does not exist (yet): judged on its
/// components, `..` included.
fn lexically_inside(root: &Path, path: &Path) -> bool {
    normalize(path).starts_with(root)
}

/// Drops `.` components and resolves `..` on the text of a path (without
/// following links), so `prod/./a/../b` shows as `prod/b`.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            // `..` removes a name, never another `..` (`../../x` stays).
            std::path::Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(std::path::Component::Normal(_))) {
                    out.pop();
                } else if !matches!(last, Some(std::path::Component::RootDir)) {
                    out.push("..");
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A file the run could not read, and why.
#[derive(Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    pub error: ReadError,
}

impl Unreadable {
    /// CFG001 at the file itself (entered empty in the source map).
    pub fn at_file(&self, sources: &SourceMap) -> Diagnostic {
        let id = sources.add(&self.path, "");
        Diagnostic::parse_error(Span::new(id, 0, 0), self.to_string())
    }

    /// CFG001 at `span`, the line that names the file, after `context`
    /// (`Could not import `).
    pub fn at(&self, span: Span, context: &str) -> Diagnostic {
        Diagnostic::parse_error(span, format!("{context}{self}"))
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            crate::syntax::source::display_path(&self.path),
            self.error
        )
    }
}

/// Reads a file into the run's source map: the one way loaders read a
/// file, an unreadable one coming back with what its CFG001 needs.
pub fn read_source(sources: &SourceMap, path: &Path) -> Result<(FileId, String), Unreadable> {
    match read_text(sources, path) {
        Ok(text) => Ok((sources.add(path, text.as_str()), text)),
        Err(error) => Err(Unreadable {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("file is {0} bytes, over the {MAX_FILE_BYTES}-byte limit")]
    TooLarge(u64),
    #[error("not valid UTF-8 (first bad byte at offset {0})")]
    NotUtf8(usize),
    #[error("is a directory")]
    Directory,
    #[error("is not a regular file")]
    NotAFile,
}

/// A source map for a run that sees editors' buffers (`--stdin-filename`,
/// the language server's open documents) instead of their files.
pub fn sources_with_buffers<'a>(
    buffers: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> SourceMap {
    SourceMap::with_buffers(
        buffers
            .into_iter()
            .map(|(path, text)| (absolute(path), std::sync::Arc::from(text))),
    )
}

/// A path made absolute and canonical where it exists.
pub fn absolute(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// Reads a config file as UTF-8 text within the size limit (an editor's
/// buffer of it, when the run has one).
pub fn read_text(sources: &SourceMap, path: &Path) -> Result<String, ReadError> {
    if sources.has_buffers()
        && let Some(text) = sources.buffer(&absolute(path))
    {
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(text.len() as u64));
        }
        return Ok(text.to_string());
    }
    read_disk(path)
}

/// Reads a file on disk as UTF-8 text within the size limit. Discovery
/// (which files are compose files, what a project includes) decides from
/// the files on disk; what is checked is read with [`read_text`].
pub fn read_disk(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    // A device or a pipe could be read forever (`/dev/zero`) or block.
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// A set of file-name globs. Built once per process: compiling one costs
/// more than matching every name of a large tree.
fn name_set(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for pattern in patterns {
        if let Ok(g) = Glob::new(pattern) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

static CADDYFILE_NAMES: LazyLock<GlobSet> =
    LazyLock::new(|| name_set(&["Caddyfile", "Caddyfile.*", "*.Caddyfile", "*.caddyfile"]));

static COMPOSE_NAMES: LazyLock<GlobSet> = LazyLock::new(|| {
    name_set(&[
        "compose*.yml",
        "compose*.yaml",
        "docker-compose*.yml",
        "docker-compose*.yaml",
    ])
});

/// Whether a file name is one of a Caddyfile's conventional names.
pub fn is_caddyfile_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| CADDYFILE_NAMES.is_match(Path::new(n)))
}

/// Whether a file name is one of a compose file's conventional names.
pub fn is_compose_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| COMPOSE_NAMES.is_match(Path::new(n)))
}

/// Whether `path` is a compose file: a conventional name, or a YAML file
/// shaped like one (`quickstart.yml`, passed with `-f`).
pub fn is_compose_file(path: &Path) -> bool {
    is_compose_name(path)
        || (path.extension().is_some_and(|e| e == "yml" || e == "yaml")
            && read_disk(path).is_ok_and(|t| looks_like_compose(&t)))
}

/// The Caddyfiles directly in `dir`, in name order.
pub fn caddyfiles_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .filter(|p| is_caddyfile_name(p))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// How a walk treats ignore files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// Respect `.gitignore`, `.ignore` and git's excludes (`--no-ignore`
    /// turns this off): what they exclude (`node_modules/`, `target/`,
    /// vendored copies) is not a platform tree.
    pub ignore_files: bool,
}

impl Default for Walk {
    fn default() -> Walk {
        Walk { ignore_files: true }
    }
}

/// Version-control folders: never a platform tree, whatever ignore files
/// say. Other hidden folders (`.deploy/`) are walked.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj", ".bzr"];

/// A walker over `root` (ripgrep's, from the `ignore` crate): links not
/// followed, hidden folders walked but version control's, entries in
/// name order. Ignore files (the tree's and its parents') apply inside
/// and outside a git repository.
pub fn walker(root: &Path, walk: Walk) -> ignore::Walk {
    build_walker(root, walk)
}

fn build_walker(root: &Path, walk: Walk) -> ignore::Walk {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(false)
        .follow_links(false)
        .require_git(false)
        .parents(walk.ignore_files)
        .ignore(walk.ignore_files)
        .git_ignore(walk.ignore_files)
        .git_exclude(walk.ignore_files)
        // The user's global excludes would make a check differ between
        // machines (and read outside the tree).
        .git_global(false)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_some_and(|t| t.is_dir())
                || !VCS_DIRS.iter().any(|v| e.file_name() == *v)
        });
    b.build()
}

/// The path and reason of a walk error, unless the entry simply went
/// away while the walk ran.
fn walk_error(e: &ignore::Error) -> Option<(PathBuf, String)> {
    match e {
        ignore::Error::WithPath { path, err } => {
            if let ignore::Error::Io(io) = err.as_ref()
                && io.kind() == std::io::ErrorKind::NotFound
            {
                return None;
            }
            let why = match err.as_ref() {
                ignore::Error::Io(io) => io.to_string(),
                other => other.to_string(),
            };
            Some((path.clone(), why))
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        // A malformed ignore file (a bad glob): its other lines still apply.
        _ => None,
    }
}

/// Whether a YAML text is shaped like a compose file: a top-level
/// `services:` mapping (not a list, as a CI file's `services:` is).
pub fn looks_like_compose(text: &str) -> bool {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("services:") else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with('{') {
            return true;
        }
        if !(rest.is_empty() || rest.starts_with('#')) {
            continue;
        }
        let next = lines
            .by_ref()
            .map(str::trim_end)
            .find(|l| !l.trim_start().is_empty() && !l.trim_start().starts_with('#'));
        return next
            .is_some_and(|l| l.starts_with([' ', '\t']) && !l.trim_start().starts_with('-'));
    }
    false
}

/// What one walk of a checked tree finds.
#[derive(Debug, Default)]
pub struct Listing {
    /// Compose files: conventional names, and YAML files shaped like
    /// one (`quickstart.yml`), in path order.
    pub compose: Vec<PathBuf>,
    /// Folders that `is_environment` names, in path order.
    pub configured: Vec<PathBuf>,
    /// Every Caddyfile, in path order.
    pub caddyfiles: Vec<PathBuf>,
    /// Files that may be seed scripts run on their own (`*seed*.sh`, or
    /// named by `is_script`), in path order.
    pub scripts: Vec<PathBuf>,
    /// Folders the walk could not list (permission denied), with why:
    /// what they hold is unchecked, so a run must say so.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Whether a file's name makes it a seed script: `*seed*.sh`.
fn is_seed_name(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        let n = n.to_string_lossy();
        n.contains("seed") && n.ends_with(".sh")
    })
}

/// Walks `root` once for its compose files, configured folders,
/// Caddyfiles and seed scripts (by name, or as `is_script` names them).
pub fn list_tree(
    root: &Path,
    walk: Walk,
    is_environment: impl Fn(&Path) -> bool,
    is_script: impl Fn(&Path) -> bool,
) -> Listing {
    let mut listing = Listing::default();
    for entry in walker(root, walk) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                listing.unreadable.extend(walk_error(&e));
                continue;
            }
        };
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if is_environment(path) {
                listing.configured.push(path.to_path_buf());
            }
            continue;
        }
        // A linked file counts when it leads to a file.
        if !(kind.is_file() || path.is_file()) {
            continue;
        }
        if kind.is_file() && is_caddyfile_name(path) {
            listing.caddyfiles.push(path.to_path_buf());
        } else if is_seed_name(path) || is_script(path) {
            listing.scripts.push(path.to_path_buf());
        } else if is_compose_file(path) {
            listing.compose.push(path.to_path_buf());
        }
    }
    listing.compose.sort();
    listing.configured.sort();
    listing.caddyfiles.sort();
    listing.scripts.sort();
    listing.unreadable.sort();
    listing
}

#[cfg(test)]
mod tests;
