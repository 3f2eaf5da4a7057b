//! Baselines: the findings a tree's owners have accepted for now, so that
//! isolint can be adopted on a tree that is not clean yet.
//!
//! `check --write-baseline FILE` records each finding by its fingerprint:
//! its rule, its file (relative to the baseline's folder), its message and
//! the text it points at with secrets masked, hashed, never its line. A
//! moved line keeps its entry; a changed value does not. `--baseline FILE`
//! (or `baseline = "..."` in `isolint.toml`) reports the findings it holds
//! as known, not failing, and lists the entries that no longer match.

use crate::diag::Diagnostic;
use crate::syntax::source::SourceMap;
use std::path::{Path, PathBuf};

/// The file's format version.
const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
    /// The folder its paths are relative to (the file's own).
    #[serde(skip)]
    pub dir: PathBuf,
}

/// One accepted finding. Its message is the finding's, which never holds
/// a secret; its fingerprint is a hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub file: String,
    pub message: String,
}

/// What a baseline made of a run's findings.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Whether a baseline was in use.
    pub used: bool,
    /// Findings it holds, left out of the report.
    pub known: usize,
    /// Its entries that no finding matches any more: fixed, or changed.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("baseline {}: {e}", path.display()))?;
        let mut baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("baseline {}: {e}", path.display()))?;
        if baseline.version != VERSION {
            return Err(format!(
                "baseline {}: version {} (this isolint reads version {VERSION})",
                path.display(),
                baseline.version
            ));
        }
        baseline.dir = folder_of(path);
        Ok(baseline)
    }

    /// The baseline of `diagnostics`, to be written at `path`.
    pub fn of(sources: &SourceMap, diagnostics: &[Diagnostic], path: &Path) -> Baseline {
        let dir = folder_of(path);
        let findings = entries(sources, diagnostics, &dir);
        Baseline {
            version: VERSION,
            findings,
            dir,
        }
    }

    /// Writes it as JSON.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| format!("baseline {}: {e}", path.display()))
    }

    /// Leaves out of `diagnostics` the findings this baseline holds. An
    /// entry is stale when this run could have found it (`ran`: its rule
    /// ran on its file, said from the baseline's folder) and did not.
    pub fn apply(
        &self,
        sources: &SourceMap,
        diagnostics: &mut Vec<Diagnostic>,
        ran: &dyn Fn(&str, &Path) -> bool,
    ) -> Applied {
        let found = entries(sources, diagnostics, &self.dir);
        let held: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let seen: std::collections::HashSet<&str> =
            found.iter().map(|e| e.fingerprint.as_str()).collect();
        let mut keep = found.iter().map(|e| !held.contains(e.fingerprint.as_str()));
        let before = diagnostics.len();
        diagnostics.retain(|_| keep.next().unwrap_or(true));
        // The files this run read, said as entries say them.
        let read: std::collections::HashSet<String> = (0..sources.len())
            .filter_map(|i| u32::try_from(i).ok())
            .map(|i| shown(&self.dir, sources.path(crate::syntax::source::FileId(i))))
            .collect();
        let stale = self
            .findings
            .iter()
            .filter(|e| {
                !seen.contains(e.fingerprint.as_str())
                    && read.contains(&e.file)
                    && ran(&e.code, &self.dir.join(&e.file))
            })
            .cloned()
            .collect();
        Applied {
            used: true,
            known: before - diagnostics.len(),
            stale,
        }
    }
}

/// `path` as an entry says it: from `dir`, with `/`.
fn shown(dir: &Path, path: &Path) -> String {
    let absolute = crate::discover::absolute(path);
    pathdiff::diff_paths(&absolute, dir)
        .unwrap_or(absolute)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Each finding's entry, its file said from `dir` (once per file).
fn entries(sources: &SourceMap, diagnostics: &[Diagnostic], dir: &Path) -> Vec<Entry> {
    let fingerprints = crate::report::fingerprints(sources, diagnostics, &|p| shown(dir, p));
    let mut files: std::collections::HashMap<crate::syntax::source::FileId, String> =
        std::collections::HashMap::new();
    diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let id = d.primary.span.file;
            let file = files
                .entry(id)
                .or_insert_with(|| shown(dir, sources.path(id)))
                .clone();
            Entry {
                fingerprint,
                code: d.code.to_string(),
                file,
                message: d.message.clone(),
            }
        })
        .collect()
}

/// The folder a baseline file's paths are relative to.
fn folder_of(path: &Path) -> PathBuf {
    let absolute = crate::discover::absolute(path);
    let parent = absolute
        .parent()
        .map_or(absolute.clone(), Path::to_path_buf);
    parent.canonicalize().unwrap_or(parent)
}
