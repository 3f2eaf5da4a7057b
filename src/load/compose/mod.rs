//! Compose files: services with their image, environment, env files,
//! ports, volumes, command and entrypoint, every string interpolated and
//! every value carrying its provenance.
//!
//! Variables for interpolation come from the project's `.env` (beside the
//! compose file), then `--env-file`, then `--var`; the process environment
//! is never read, so a variable known only at deploy time stays symbolic.
//! A service's own environment is its `env_file`s, overridden by its
//! `environment` entries; a bare `KEY` there takes the variable `KEY`.

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, SourceMap};
use crate::syntax::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod env;
mod fields;
mod files;
mod read;
mod service;
pub use fields::*;
use files::*;
use read::*;
pub use service::*;

/// A loaded compose file.
#[derive(Debug, Clone, Default)]
pub struct Compose {
    pub file: Option<FileId>,
    pub services: Vec<Service>,
    /// Files read for it (the compose file, `.env`, env files).
    pub files: Vec<FileId>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Variables known for interpolation, by name.
pub type Vars = BTreeMap<String, Arc<Value>>;

/// The project variables of a compose file's folder: its `.env` (when
/// present), then the stack's configured env files, then `extra` (from
/// `--env-file`/`--var`), which wins.
pub fn project_vars(
    sources: &SourceMap,
    dir: &std::path::Path,
    env_files: &[std::path::PathBuf],
    extra: &Vars,
) -> (Vars, Vec<Diagnostic>) {
    let dot_env = dir.join(".env");
    let files: Vec<PathBuf> = dot_env
        .is_file()
        .then_some(dot_env)
        .into_iter()
        .chain(env_files.iter().cloned())
        .collect();
    env_file_vars(sources, &files, extra)
}

/// How a compose file is read into its project: the project folder
/// (relative paths of every file of a `-f` set resolve against the first
/// file's folder), the variables (`.env`, `--env-file`, `--var`, already
/// combined), and which missing `env_file`s are errors.
pub struct Project<'a> {
    pub dir: &'a Path,
    pub vars: &'a Vars,
    /// Whether a missing `env_file` at this path stops compose (CFG001);
    /// otherwise it is a secret kept out of the tree (CFG002).
    pub required_env_file: &'a (dyn Fn(&Path) -> bool + Sync),
}

/// Loads the compose file `path` on its own (its folder is the project);
/// env files are read only inside `scope`.
pub fn load(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    path: &Path,
    vars: &Vars,
) -> Compose {
    let dir = path.parent().unwrap_or(Path::new(""));
    let project = Project {
        dir,
        vars,
        required_env_file: &|_| false,
    };
    load_in(sources, scope, path, &project)
}

/// Loads the compose file `path` into `project`, following its
/// `include:` entries and `extends: {file}` references.
pub fn load_in(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    path: &Path,
    project: &Project,
) -> Compose {
    let mut chain = Vec::new();
    load_chain(sources, scope, path, None, project, &mut chain)
}

#[cfg(test)]
mod tests;
