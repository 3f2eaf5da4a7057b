//! Finding and reading the files of a platform tree.
//!
//! Every read goes through a [`Scope`]: isolint never reads outside the
//! roots it was given, so an import or mount that points elsewhere is
//! reported, not followed.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Files larger than this are refused rather than read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The tree being checked.
#[derive(Debug, Clone)]
pub struct Scope {
    root: PathBuf,
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
        Ok(Scope { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` (after resolving links) lies inside the root.
    pub fn contains(&self, path: &Path) -> bool {
        match path.canonicalize() {
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
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
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

/// Editors' buffers (`--stdin-filename`, the language server's open
/// documents): reads of these paths return the buffer, not the file.
static BUFFERS: std::sync::RwLock<Vec<(PathBuf, String)>> = std::sync::RwLock::new(Vec::new());

/// Makes reads of `path` return `text`, until [`clear_buffer`].
pub fn set_buffer(path: &Path, text: String) {
    let key = absolute(path);
    let mut buffers = BUFFERS.write().unwrap_or_else(|e| e.into_inner());
    buffers.retain(|(p, _)| *p != key);
    buffers.push((key, text));
}

/// Reads of `path` see the file again.
pub fn clear_buffer(path: &Path) {
    let key = absolute(path);
    let mut buffers = BUFFERS.write().unwrap_or_else(|e| e.into_inner());
    buffers.retain(|(p, _)| *p != key);
}

fn buffer(path: &Path) -> Option<String> {
    let buffers = BUFFERS.read().unwrap_or_else(|e| e.into_inner());
    if buffers.is_empty() {
        return None;
    }
    let key = absolute(path);
    buffers
        .iter()
        .find(|(p, _)| *p == key)
        .map(|(_, t)| t.clone())
}

/// A path made absolute and canonical where it exists.
pub fn absolute(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// Reads a config file as UTF-8 text within the size limit.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    if let Some(text) = buffer(path) {
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(text.len() as u64));
        }
        return Ok(text);
    }
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

/// What one walk of a checked tree finds.
#[derive(Debug, Default)]
pub struct Listing {
    /// Folders holding compose files, or that `is_environment` names, in
    /// path order.
    pub environments: Vec<PathBuf>,
    /// Every Caddyfile, in path order.
    pub caddyfiles: Vec<PathBuf>,
    /// Folders the walk could not list (permission denied), with why:
    /// what they hold is unchecked, so a run must say so.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Walks `root` once for its environments and Caddyfiles. Links are not
/// followed and hidden folders (`.git`) are skipped.
pub fn list_tree(root: &Path, is_environment: impl Fn(&Path) -> bool) -> Listing {
    let mut environments = std::collections::BTreeSet::new();
    let mut caddyfiles = Vec::new();
    let mut unreadable = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !e.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                // An entry deleted while the walk ran is simply not there.
                let gone = e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
                if let Some(path) = e.path().filter(|_| !gone) {
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    unreadable.push((path.to_path_buf(), why));
                }
                continue;
            }
        };
        let kind = entry.file_type();
        let path = entry.path();
        if kind.is_dir() {
            if is_environment(path) {
                environments.insert(path.to_path_buf());
            }
        } else if is_compose_name(path) {
            // A linked compose file counts when it leads to a file.
            if (kind.is_file() || path.is_file())
                && let Some(dir) = path.parent()
            {
                environments.insert(dir.to_path_buf());
            }
        } else if kind.is_file() && is_caddyfile_name(path) {
            caddyfiles.push(entry.into_path());
        }
    }
    caddyfiles.sort();
    unreadable.sort();
    Listing {
        environments: environments.into_iter().collect(),
        caddyfiles,
        unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caddyfile_names_are_recognised() {
        for name in [
            "Caddyfile",
            "Caddyfile.prod",
            "site.caddyfile",
            "x/Caddyfile",
        ] {
            assert!(is_caddyfile_name(Path::new(name)), "{name}");
        }
        for name in ["caddy.json", "Caddyfilex", "compose.yml"] {
            assert!(!is_caddyfile_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn one_walk_lists_environments_and_caddyfiles() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        for file in [
            "platform/prod/compose.prod.yml",
            "platform/prod/Caddyfile",
            "platform/prod/caddy/iam.Caddyfile",
            "platform/dev/docker-compose.yaml",
            "platform/dev/nested/compose.yml",
            "edge/Caddyfile",
            ".git/compose.yml",
            "notes/compose.txt",
            "qa/readme.md",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap_or(root))
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, "").unwrap_or_else(|e| panic!("{e}"));
        }
        // A folder named like a compose file is no compose file.
        std::fs::create_dir_all(root.join("odd/compose.yml")).unwrap_or_else(|e| panic!("{e}"));
        let listing = list_tree(root, |d| d.ends_with("qa"));
        let rel = |v: &[PathBuf]| -> Vec<String> {
            v.iter()
                .map(|p| {
                    p.strip_prefix(root)
                        .unwrap_or(p)
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        };
        assert_eq!(
            rel(&listing.environments),
            ["platform/dev", "platform/dev/nested", "platform/prod", "qa"]
        );
        assert_eq!(
            rel(&listing.caddyfiles),
            [
                "edge/Caddyfile",
                "platform/prod/Caddyfile",
                "platform/prod/caddy/iam.Caddyfile"
            ]
        );
    }

    #[test]
    fn lexical_containment_handles_parent_components() {
        let root = Path::new("/srv/tree");
        assert!(lexically_inside(root, Path::new("/srv/tree/a/../b")));
        assert!(!lexically_inside(root, Path::new("/srv/tree/../other")));
    }
}
