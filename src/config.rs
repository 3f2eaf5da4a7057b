//! `isolint.toml`: found upward from the checked path, or given with
//! `--config`.
//!
//! For now it holds where seed scripts are besides the conventions:
//!
//! ```toml
//! [seed]
//! scripts = ["platform/*/bootstrap/*.sh"]   # globs, relative to this file
//! ```
//!
//! Unknown keys are ignored here; the configuration issue turns them into
//! diagnostics with suggestions.

use crate::diag::Diagnostic;
use crate::syntax::source::{SourceMap, Span};
use globset::{GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "isolint.toml";

#[derive(Debug, Default, serde::Deserialize)]
struct Raw {
    #[serde(default)]
    seed: RawSeed,
}

#[derive(Debug, Default, serde::Deserialize)]
struct RawSeed {
    #[serde(default)]
    scripts: Vec<String>,
}

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The folder the file is in (globs are relative to it).
    pub dir: PathBuf,
    seed_scripts: Option<GlobSet>,
}

impl Config {
    /// Whether `path` is a seed script by configuration.
    pub fn is_seed_script(&self, path: &Path) -> bool {
        let Some(set) = &self.seed_scripts else {
            return false;
        };
        let rel = path.strip_prefix(&self.dir).unwrap_or(path);
        set.is_match(rel)
    }
}

/// `isolint.toml` in `start` (a folder, or a file's folder) or the nearest
/// folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Reads a configuration file; a malformed one is a CFG001 diagnostic with
/// the span of the error.
pub fn load(sources: &SourceMap, path: &Path) -> Result<Config, Diagnostic> {
    let text = crate::discover::read_text(path).map_err(|e| {
        let id = sources.add(path, "");
        Diagnostic::parse_error(Span::new(id, 0, 0), format!("{}: {e}", path.display()))
    })?;
    let id = sources.add(path, text.as_str());
    let raw: Raw = toml::from_str(&text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        Diagnostic::parse_error(
            Span::new(id, range.start, range.end),
            format!("invalid {FILE_NAME}: {}", e.message()),
        )
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = dir.canonicalize().unwrap_or(dir);
    let seed_scripts = if raw.seed.scripts.is_empty() {
        None
    } else {
        let mut b = GlobSetBuilder::new();
        for pattern in &raw.seed.scripts {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    let at = text.find(pattern.as_str()).unwrap_or(0);
                    Diagnostic::parse_error(
                        Span::new(id, at, at + pattern.len()),
                        format!("invalid glob in [seed] scripts: {e}"),
                    )
                })?;
            b.add(glob);
        }
        Some(b.build().map_err(|e| {
            Diagnostic::parse_error(Span::new(id, 0, 0), format!("invalid [seed] scripts: {e}"))
        })?)
    };
    Ok(Config { dir, seed_scripts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_globs_are_relative_to_the_file_and_errors_have_spans() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[seed]\nscripts = [\"platform/*/boot/*.sh\"]\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let sources = SourceMap::new();
        let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
        assert!(config.is_seed_script(&config.dir.join("platform/prod/boot/clients.sh")));
        assert!(!config.is_seed_script(&config.dir.join("platform/prod/other.sh")));
        assert!(!config.is_seed_script(&config.dir.join("platform/prod/x/boot/deeper.sh")));
        let sub = dir.path().join("platform/prod");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(find(&sub), path.canonicalize().ok());

        std::fs::write(&path, "[seed]\nscripts = \"not a list\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let d = load(&sources, &path)
            .err()
            .unwrap_or_else(|| panic!("expected an error"));
        assert!(
            d.message.starts_with("invalid isolint.toml"),
            "{}",
            d.message
        );
        assert_eq!(d.primary.span.start, 17);
    }
}
