//! `isolint.toml`: found upward from the checked path, or given with
//! `--config`.
//!
//! For now it holds where seed scripts are besides the conventions, and the
//! identity domains when they are not the default CIAM and IAM:
//!
//! ```toml
//! [seed]
//! scripts = ["platform/*/bootstrap/*.sh"]   # globs, relative to this file
//!
//! [environments]
//! globs = ["deploy/*"]              # more environment folders
//!
//! [[domains]]
//! name = "ciam"
//! names = ["ciam", "shop"]          # name segments that mark it
//! hosts = ["*.shop.example.com"]    # hosts (or *.suffix) of its sites
//! ports = ["3000-3999"]             # its host port range(s)
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
    #[serde(default)]
    environments: RawEnvironments,
    #[serde(default)]
    domains: Vec<RawDomain>,
    #[serde(default)]
    shared: Vec<RawShared>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

/// `[[shared]]`: `database = "..."` or `secret = "..."`, with a reason.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShared {
    database: Option<String>,
    secret: Option<String>,
    reason: String,
}

/// `[[exceptions]]`: an app role of one domain reaching the other's
/// identity provider through the keys listed, with a reason.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    from: String,
    role: String,
    keys: Vec<String>,
    to: String,
    reason: String,
}

#[derive(Debug, serde::Deserialize)]
struct RawDomain {
    name: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    ports: Vec<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct RawEnvironments {
    #[serde(default)]
    globs: Vec<String>,
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
    environments: Option<GlobSet>,
    /// Domains, shared components and exceptions (design.md's unless
    /// configured).
    pub policy: crate::model::policy::Policy,
}

impl Config {
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
    let seed_scripts = glob_set(&raw.seed.scripts, &text, id, "[seed] scripts")?;
    let environments = glob_set(&raw.environments.globs, &text, id, "[environments] globs")?;
    let domains = if raw.domains.is_empty() {
        crate::model::domain::Domains::default()
    } else {
        let mut list = Vec::new();
        for d in raw.domains {
            let mut ports = Vec::new();
            for range in &d.ports {
                let parsed = range
                    .split_once('-')
                    .map_or((range.as_str(), range.as_str()), |(a, b)| (a, b));
                match (
                    parsed.0.trim().parse::<u16>(),
                    parsed.1.trim().parse::<u16>(),
                ) {
                    (Ok(a), Ok(b)) if a <= b => ports.push((a, b)),
                    _ => {
                        let at = text.find(range.as_str()).unwrap_or(0);
                        return Err(Diagnostic::parse_error(
                            Span::new(id, at, at + range.len()),
                            format!(
                                "invalid port range '{range}' for domain {}: use \"3000-3999\"",
                                d.name
                            ),
                        ));
                    }
                }
            }
            let mut names: Vec<String> = d.names.iter().map(|n| n.to_ascii_lowercase()).collect();
            if names.is_empty() {
                names.push(d.name.to_ascii_lowercase());
            }
            list.push(crate::model::domain::Domain {
                name: d.name.to_ascii_lowercase(),
                names,
                hosts: d.hosts,
                ports,
            });
        }
        crate::model::domain::Domains { list }
    };
    let mut policy = crate::model::policy::Policy {
        domains,
        ..Default::default()
    };
    // A configured list replaces the built-in one, so a default can be
    // removed as well as added to.
    if !raw.shared.is_empty() {
        policy.shared_databases.clear();
        policy.shared_secrets.clear();
        for s in raw.shared {
            let shared = |name: String| crate::model::policy::Shared {
                name,
                reason: s.reason.clone(),
            };
            if let Some(db) = s.database.clone() {
                policy.shared_databases.push(shared(db));
            }
            if let Some(secret) = s.secret.clone() {
                policy.shared_secrets.push(shared(secret));
            }
        }
    }
    if !raw.exceptions.is_empty() {
        policy.exceptions = raw
            .exceptions
            .into_iter()
            .map(|e| crate::model::policy::Exception {
                from: e.from.to_ascii_lowercase(),
                role: e.role,
                keys: e.keys,
                to: e.to.to_ascii_lowercase(),
                reason: e.reason,
            })
            .collect();
    }
    Ok(Config {
        dir,
        seed_scripts,
        environments,
        policy,
    })
}

/// Globs relative to the configuration file; `*` does not cross `/`.
fn glob_set(
    patterns: &[String],
    text: &str,
    id: crate::syntax::source::FileId,
    what: &str,
) -> Result<Option<GlobSet>, Diagnostic> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                let at = text.find(pattern.as_str()).unwrap_or(0);
                Diagnostic::parse_error(
                    Span::new(id, at, at + pattern.len()),
                    format!("invalid glob in {what}: {e}"),
                )
            })?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| Diagnostic::parse_error(Span::new(id, 0, 0), format!("invalid {what}: {e}")))
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

        std::fs::write(
            &path,
            "[[domains]]\nname = \"shop\"\nhosts = [\"*.shop.example\"]\nports = [\"5000-5999\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
        let domains = &config.policy.domains;
        assert_eq!(domains.of_name("shop-hera"), Some("shop"));
        assert_eq!(domains.of_host("login.shop.example"), Some("shop"));
        assert_eq!(domains.of_port(5001), Some("shop"));
        assert_eq!(domains.of_name("ciam-hera"), None);

        std::fs::write(
            &path,
            "[[shared]]\ndatabase = \"settings\"\nreason = \"one settings DB\"\n[[exceptions]]\nfrom = \"ciam\"\nrole = \"console\"\nkeys = [\"IAM_\"]\nto = \"iam\"\nreason = \"operators\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
        assert!(config.policy.is_shared_database("settings"));
        assert!(!config.policy.is_shared_database("olympus"));
        assert!(
            config
                .policy
                .excepted("ciam-console", "ciam", "IAM_KRATOS_URL", "iam")
        );
        assert!(
            !config
                .policy
                .excepted("ciam-athena", "ciam", "IAM_KRATOS_URL", "iam")
        );
        std::fs::write(&path, "[[shared]]\ndatabase = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
        let d = load(&sources, &path)
            .err()
            .map(|d| d.message)
            .unwrap_or_default();
        assert!(
            d.contains("reason"),
            "a shared component needs its reason: {d}"
        );
    }
}
