//! Finding and reading the files of a platform tree.
//!
//! Every read goes through a [`Scope`]: isolint never reads outside the
//! roots it was given, so an import or mount that points elsewhere is
//! reported, not followed.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

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

fn caddyfile_names() -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for pattern in ["Caddyfile", "Caddyfile.*", "*.Caddyfile", "*.caddyfile"] {
        if let Ok(g) = Glob::new(pattern) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Whether a file name is one of a Caddyfile's conventional names.
pub fn is_caddyfile_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| caddyfile_names().is_match(Path::new(n)))
}

/// Every Caddyfile under `root`, in a stable order. Links are not
/// followed and hidden folders (`.git`) are skipped.
pub fn find_caddyfiles(root: &Path) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let names = caddyfile_names();
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_name().to_string_lossy().starts_with('.')
                || e.file_type().is_file()
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && names.is_match(Path::new(e.file_name())))
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
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
    fn lexical_containment_handles_parent_components() {
        let root = Path::new("/srv/tree");
        assert!(lexically_inside(root, Path::new("/srv/tree/a/../b")));
        assert!(!lexically_inside(root, Path::new("/srv/tree/../other")));
    }
}
