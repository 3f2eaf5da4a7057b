//! `isolint.toml`: found upward from the checked path, or given with
//! `--config`. Every key is optional:
//!
//! ```toml
//! select = ["ISO", "CFG001"]        # only these codes (or prefixes)
//! ignore = ["ISO009"]               # never these
//!
//! [per-path-ignores]
//! "platform/dev/**" = ["ISO006"]    # globs relative to this file
//!
//! [severity]
//! ISO008 = "error"                  # everywhere
//! [severity.dev]
//! ISO003 = "warning"                # in dev-profile environments
//!
//! [environments]
//! globs = ["deploy/*"]              # more environment folders
//! profiles = { qa = "prod" }        # profile by folder name
//! # or, as entries: compose stacks as `-f` runs them
//! # [[environments]]
//! # name = "quickstart-postgres"
//! # files = ["quickstart.yml", "quickstart-postgres.yml"]
//! # profile = "dev"
//! # env-files = ["deploy.env"]
//!
//! [compose]
//! required-env-files = ["**/app.env"]  # missing: CFG001 (else CFG002)
//!
//! [seed]
//! scripts = ["platform/*/bootstrap/*.sh"]
//!
//! [[domains]]
//! name = "ciam"
//! names = ["ciam", "shop"]          # name segments that mark it
//! hosts = ["*.shop.example.com"]    # hosts (or *.suffix) of its sites
//! ports = ["3000-3999"]             # its host port range(s)
//!
//! [[shared]]                        # replaces the built-in shared list
//! database = "settings"
//! reason = "..."
//! ```
//!
//! Unknown keys and bad values are CFG001 with the span in the file and,
//! for a misspelt key, the closest valid one. `isolint config-schema`
//! prints the JSON Schema (shipped as `isolint.schema.json`).

use globset::GlobSet;
use std::path::{Path, PathBuf};

mod load;
mod raw;
pub use load::*;
pub use raw::*;

pub const FILE_NAME: &str = "isolint.toml";

/// An `[[environments]]` entry, its paths absolute.
#[derive(Debug, Clone)]
struct ConfiguredStack {
    name: Option<String>,
    files: Vec<PathBuf>,
    profile: Option<crate::model::Profile>,
    env_files: Vec<PathBuf>,
}

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The folder the file is in (globs are relative to it).
    pub dir: PathBuf,
    seed_scripts: Option<GlobSet>,
    environments: Option<GlobSet>,
    /// Rule selection from the file (see [`Config::selected`]).
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// The baseline file it names (absolute).
    pub baseline: Option<PathBuf>,
    /// `[check]` env files (absolute) and values.
    pub env_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
    per_path: Vec<(GlobSet, Vec<String>)>,
    /// Profiles by environment folder name (lower-cased).
    profiles: Vec<(String, crate::model::Profile)>,
    /// `[[environments]]` entries.
    stacks: Vec<ConfiguredStack>,
    required_env_files: Option<GlobSet>,
    /// Severity overrides: (profile or `None` for all, code, severity).
    overrides: Vec<(Option<String>, String, crate::diag::Severity)>,
    /// Domains, shared components and exceptions (design.md's unless
    /// configured).
    pub policy: crate::model::policy::Policy,
    /// The rules of a run under this file: the built-in ones and the
    /// user's.
    pub rules: crate::rules::Registry,
}

impl Config {
    /// The deploy-time values of `[check]`.
    pub fn given(
        &self,
        sources: &crate::syntax::source::SourceMap,
    ) -> Result<crate::check::Given, crate::check::Fatal> {
        let mut given = crate::check::Given::default();
        given.add_values(
            sources,
            (&self.env_files, "[check] env-files"),
            (&self.vars, "[check] vars."),
        )?;
        Ok(given)
    }

    /// Whether `code` is ignored for findings in `path` by a per-path entry.
    pub fn ignored_in(&self, code: &str, path: &Path) -> bool {
        if self.per_path.is_empty() {
            return false;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let rel = canonical.strip_prefix(&self.dir).unwrap_or(&canonical);
        self.per_path.iter().any(|(set, codes)| {
            set.is_match(rel) && codes.iter().any(|c| self.rules.selects(c, code))
        })
    }

    /// The configured severity of `code` in an environment of `profile`
    /// (a profile's own entry wins over the general one).
    pub fn severity(&self, code: &str, profile: Option<&str>) -> Option<crate::diag::Severity> {
        // The most specific selector wins: `ISO003` over `ISO` over `ALL`.
        let find = |p: Option<&str>| {
            self.overrides
                .iter()
                .filter(|(op, c, _)| op.as_deref() == p && self.rules.selects(c, code))
                .max_by_key(|(_, c, _)| {
                    if c.eq_ignore_ascii_case("ALL") {
                        0
                    } else {
                        c.len()
                    }
                })
                .map(|(_, _, s)| *s)
        };
        profile.and_then(|p| find(Some(p))).or_else(|| find(None))
    }

    /// Whether a run reports `code`: the file's `select` and `ignore`,
    /// then the command line's on top, like ruff's layers (a `--select`
    /// starts the selection over, an `--ignore` removes from it).
    pub fn selected(&self, code: &str, select: &[String], ignore: &[String]) -> bool {
        let any = |list: &[String]| list.iter().any(|s| self.rules.selects(s, code));
        let by_file = (self.select.is_empty() || any(&self.select)) && !any(&self.ignore);
        let base = if select.is_empty() {
            by_file
        } else {
            any(select)
        };
        base && !any(ignore)
    }

    /// The profile of the environment named `name`: configured, or from
    /// its name.
    pub fn profile(&self, name: &str) -> Option<crate::model::Profile> {
        self.profiles
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| *p)
            .or_else(|| crate::model::Profile::from_name(name))
    }

    /// The configured stacks (`[[environments]]` with `files`) whose first
    /// file lies under `root`.
    pub fn stacks_under(&self, root: &Path) -> Vec<crate::load::project::Stack> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        self.stacks
            .iter()
            .filter(|s| s.files.first().is_some_and(|f| f.starts_with(&root)))
            .map(|s| {
                // Unnamed: the last file's name, else its folder's.
                let name = s.name.clone().unwrap_or_else(|| {
                    let last = s.files.last();
                    last.and_then(|f| crate::load::project::file_label(f))
                        .or_else(|| {
                            last.and_then(|f| f.parent()?.file_name())
                                .map(|n| n.to_string_lossy().into_owned())
                        })
                        .unwrap_or_else(|| "compose".into())
                });
                let mut stack = crate::load::project::Stack::of_files(name, s.files.clone());
                stack.env_files.clone_from(&s.env_files);
                stack
            })
            .collect()
    }

    /// Adds what entries with only a `name` say of a discovered stack.
    pub fn describe(&self, stack: &mut crate::load::project::Stack) {
        for s in self.named(&stack.name).filter(|s| s.files.is_empty()) {
            stack.env_files.extend(s.env_files.iter().cloned());
        }
    }

    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ConfiguredStack> {
        self.stacks
            .iter()
            .filter(move |s| s.name.as_deref() == Some(name))
    }

    /// A stack's profile: its entry's, else from its folder's or its
    /// file's name.
    pub fn stack_profile(
        &self,
        stack: &crate::load::project::Stack,
    ) -> Option<crate::model::Profile> {
        // Its entry: by its files (a `-f` set), else by its name.
        self.stacks
            .iter()
            .filter(|s| !s.files.is_empty() && s.files == stack.files)
            .chain(self.named(&stack.name))
            .find_map(|s| s.profile)
            .or_else(|| stack.profile_names.iter().find_map(|n| self.profile(n)))
    }

    /// Whether a missing `env_file` at `path` is an error by configuration.
    pub fn env_file_required(&self, path: &Path) -> bool {
        self.required_env_files.as_ref().is_some_and(|set| {
            let canonical = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let rel = canonical.strip_prefix(&self.dir).unwrap_or(&canonical);
            set.is_match(rel)
        })
    }

    /// Whether a folder is an environment by configuration.
    pub fn is_environment(&self, dir: &Path) -> bool {
        let Some(set) = &self.environments else {
            return false;
        };
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let rel = canonical.strip_prefix(&self.dir).unwrap_or(&canonical);
        set.is_match(rel)
    }

    /// Whether `path` is a seed script by configuration.
    /// Whether `[seed] scripts` names any files: without it, no path
    /// need be made canonical to ask [`Config::is_seed_script`].
    pub fn names_seed_scripts(&self) -> bool {
        self.seed_scripts.is_some()
    }

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

#[cfg(test)]
mod tests;
