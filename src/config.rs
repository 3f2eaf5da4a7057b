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

use crate::diag::Diagnostic;
use crate::syntax::source::{SourceMap, Span};
use globset::{GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "isolint.toml";

/// A string with where it is written, for diagnostics.
type Text = toml::Spanned<String>;

/// The span of a string in the file, inside its quotes.
fn span_of(id: crate::syntax::source::FileId, text: &str, s: &Text) -> Span {
    let r = s.span();
    let quoted = text
        .get(r.clone())
        .is_some_and(|t| t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'')));
    if quoted {
        Span::new(id, r.start + 1, r.end - 1)
    } else {
        Span::new(id, r.start, r.end)
    }
}

/// The file's shape; `isolint config-schema` prints its JSON Schema.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "isolint.toml")]
pub struct Raw {
    /// Seed scripts besides `*seed*.sh` and the scripts services mount.
    #[serde(default)]
    seed: RawSeed,
    /// More environment folders and profiles (`[environments]`), or
    /// compose stacks described as `-f` runs them (`[[environments]]`).
    #[serde(default)]
    environments: RawEnvironmentsAny,
    /// How compose files are read.
    #[serde(default)]
    compose: RawCompose,
    /// Only these rules: codes, names, code prefixes or `ALL` (a
    /// `--select` on the command line starts over).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    select: Vec<Text>,
    /// Never these rules (an `--ignore` on the command line adds to them).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Text>,
    /// Rules ignored in the files a glob (relative to this file) matches.
    #[serde(default, rename = "per-path-ignores")]
    #[schemars(with = "std::collections::BTreeMap<String, Vec<String>>")]
    per_path_ignores: std::collections::BTreeMap<Text, Vec<Text>>,
    /// Severity per rule (`ISO008 = "error"`), and per profile
    /// (`[severity.dev] ISO003 = "warning"`).
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, RawSeverity>")]
    severity: std::collections::BTreeMap<Text, RawSeverity>,
    /// Folders of the user's declarative rules.
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    domains: Vec<RawDomain>,
    #[serde(default)]
    shared: Vec<RawShared>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

/// `[[shared]]`: `database = "..."` or `secret = "..."`, with a reason.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawShared {
    database: Option<String>,
    secret: Option<String>,
    /// Why it is shared; required, not empty.
    #[schemars(with = "String")]
    reason: toml::Spanned<String>,
}

/// `[[exceptions]]`: an app role of one domain reaching the other's
/// identity provider through the keys listed, with a reason.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawException {
    from: String,
    role: String,
    keys: Vec<String>,
    to: String,
    /// Why it is allowed; required, not empty.
    #[schemars(with = "String")]
    reason: toml::Spanned<String>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    name: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ports: Vec<Text>,
}

/// A severity, or (under a profile name) severities per rule.
#[derive(Debug, schemars::JsonSchema)]
#[schemars(untagged)]
enum RawSeverity {
    One(Level),
    Profile(
        #[schemars(with = "std::collections::BTreeMap<String, Level>")]
        std::collections::BTreeMap<Text, Level>,
    ),
}

/// By hand rather than `untagged`, so a misspelt level gets serde's
/// "unknown variant" error (and a suggestion), not "did not match any
/// variant".
impl<'de> serde::Deserialize<'de> for RawSeverity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawSeverity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"error\", \"warning\" or \"info\", or a table of them per rule")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawSeverity, E> {
                use serde::Deserialize;
                use serde::de::IntoDeserializer;
                Level::deserialize(v.into_deserializer()).map(RawSeverity::One)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawSeverity, A::Error> {
                use serde::Deserialize;
                let inner = serde::de::value::MapAccessDeserializer::new(map);
                std::collections::BTreeMap::deserialize(inner).map(RawSeverity::Profile)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Copy, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
    Info,
}

impl From<Level> for crate::diag::Severity {
    fn from(l: Level) -> Self {
        match l {
            Level::Error => crate::diag::Severity::Error,
            Level::Warning => crate::diag::Severity::Warning,
            Level::Info => crate::diag::Severity::Info,
        }
    }
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawEnvironments {
    /// Folders (globs relative to this file) that are environments besides
    /// `platform/<env>/` and those holding compose files.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    globs: Vec<Text>,
    /// The profile of an environment by its folder name (`qa = "prod"`);
    /// `prod`, `production`, `staging`, `dev`, `local` and `development`
    /// need no entry.
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, RawProfile>,
}

/// `[environments]` (a table) or `[[environments]]` (entries).
#[derive(Debug, schemars::JsonSchema)]
#[serde(untagged)]
enum RawEnvironmentsAny {
    Table(RawEnvironments),
    List(Vec<RawStack>),
}

impl Default for RawEnvironmentsAny {
    fn default() -> Self {
        RawEnvironmentsAny::Table(RawEnvironments::default())
    }
}

/// Dispatches on the shape, so each form keeps its own error messages
/// (an untagged enum would only say that neither matched).
impl<'de> serde::Deserialize<'de> for RawEnvironmentsAny {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawEnvironmentsAny;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an [environments] table or [[environments]] entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawEnvironmentsAny::Table)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(RawEnvironmentsAny::List)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One `[[environments]]` entry: a stack of compose files (`files`),
/// folders that are environments (`globs`), or, with only a `name`, what
/// is known of a discovered environment of that name.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStack {
    /// The environment's name (default: the last file's, as
    /// `quickstart-postgres` for `quickstart-postgres.yml`).
    #[schemars(with = "Option<String>")]
    name: Option<Text>,
    /// Compose files (relative to this file), merged in order as
    /// `docker compose -f a -f b` merges them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    files: Vec<Text>,
    /// Folders (globs relative to this file) that are environments.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    globs: Vec<Text>,
    profile: Option<RawProfile>,
    /// Deploy-time values (`.env` syntax, relative to this file), read as
    /// `--env-file` is, after the project's `.env`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    env_files: Vec<Text>,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCompose {
    /// `env_file`s (globs relative to this file) that must be in the tree:
    /// a missing one is CFG001. Any other missing `env_file` is taken as a
    /// secret kept out of git (its values are deploy-time: CFG002).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    required_env_files: Vec<Text>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum RawProfile {
    Prod,
    Dev,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRules {
    /// Folders (relative to this file) of rule files (`*.yml`, `*.yaml`,
    /// `*.toml`), each with an optional `NAME.md` document.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    folders: Vec<Text>,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    scripts: Vec<Text>,
}

/// An `[[environments]]` entry, its paths absolute.
#[derive(Debug, Clone)]
struct ConfiguredStack {
    name: Option<String>,
    files: Vec<PathBuf>,
    profile: Option<crate::model::Profile>,
    env_files: Vec<PathBuf>,
}

impl From<RawProfile> for crate::model::Profile {
    fn from(p: RawProfile) -> Self {
        match p {
            RawProfile::Prod => crate::model::Profile::Prod,
            RawProfile::Dev => crate::model::Profile::Dev,
        }
    }
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
    /// Whether `code` is ignored for findings in `path` by a per-path entry.
    pub fn ignored_in(&self, code: &str, path: &Path) -> bool {
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

/// Reads a configuration file; a malformed one is a CFG001 diagnostic with
/// the span of the error.
pub fn load(sources: &SourceMap, path: &Path) -> Result<Config, Diagnostic> {
    let (id, text) = crate::discover::read_source(sources, path).map_err(|u| u.at_file(sources))?;
    let raw: Raw = toml::from_str(&text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        let mut d = Diagnostic::parse_error(
            Span::new(id, range.start, range.end),
            format!("invalid {FILE_NAME}: {}", e.message().trim()),
        );
        if let Some(s) = suggestion(e.message()) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        d
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = dir.canonicalize().unwrap_or(dir);
    let seed_scripts = glob_set(&raw.seed.scripts, &text, id, "[seed] scripts")?;
    let (table, entries) = match raw.environments {
        RawEnvironmentsAny::Table(t) => (t, Vec::new()),
        RawEnvironmentsAny::List(l) => (RawEnvironments::default(), l),
    };
    let folder_globs: Vec<Text> = table
        .globs
        .iter()
        .chain(entries.iter().flat_map(|e| &e.globs))
        .cloned()
        .collect();
    let environments = glob_set(&folder_globs, &text, id, "[environments] globs")?;
    let required_env_files = glob_set(
        &raw.compose.required_env_files,
        &text,
        id,
        "[compose] required-env-files",
    )?;
    let existing = |t: &Text, what: &str| -> Result<PathBuf, Diagnostic> {
        let path = crate::discover::normalize(&dir.join(t.get_ref()));
        path.canonicalize().map_err(|e| {
            Diagnostic::parse_error(
                span_of(id, &text, t),
                format!("{what} {}: {e}", t.get_ref()),
            )
        })
    };
    let mut stacks = Vec::new();
    for e in &entries {
        let files = e
            .files
            .iter()
            .map(|f| existing(f, "compose file"))
            .collect::<Result<Vec<_>, _>>()?;
        let env_files = e
            .env_files
            .iter()
            .map(|f| existing(f, "env file"))
            .collect::<Result<Vec<_>, _>>()?;
        stacks.push(ConfiguredStack {
            name: e.name.as_ref().map(|n| n.get_ref().clone()),
            files,
            profile: e.profile.map(Into::into),
            env_files,
        });
    }
    let domains = if raw.domains.is_empty() {
        crate::model::domain::Domains::default()
    } else {
        let mut list = Vec::new();
        for d in raw.domains {
            let mut ports = Vec::new();
            for range in &d.ports {
                let parsed = range.get_ref().split_once('-').map_or(
                    (range.get_ref().as_str(), range.get_ref().as_str()),
                    |(a, b)| (a, b),
                );
                match (
                    parsed.0.trim().parse::<u16>(),
                    parsed.1.trim().parse::<u16>(),
                ) {
                    (Ok(a), Ok(b)) if a <= b => ports.push((a, b)),
                    _ => {
                        return Err(Diagnostic::parse_error(
                            span_of(id, &text, range),
                            format!(
                                "invalid port range '{}' for domain {}: use \"3000-3999\"",
                                range.get_ref(),
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
    // A declaration without a reason is not one.
    for reason in raw
        .shared
        .iter()
        .map(|s| &s.reason)
        .chain(raw.exceptions.iter().map(|e| &e.reason))
    {
        if reason.get_ref().trim().is_empty() {
            let r = reason.span();
            return Err(Diagnostic::parse_error(
                Span::new(id, r.start, r.end),
                "a shared component or exception needs a reason: say why the boundary allows it",
            ));
        }
    }
    if !raw.shared.is_empty() {
        policy.shared_databases.clear();
        policy.shared_secrets.clear();
        for s in raw.shared {
            let shared = |name: String| crate::model::policy::Shared {
                name,
                reason: s.reason.get_ref().clone(),
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
                reason: e.reason.into_inner(),
            })
            .collect();
    }
    let mut per_path = Vec::new();
    for (glob, codes) in &raw.per_path_ignores {
        let set = glob_set(std::slice::from_ref(glob), &text, id, "per-path-ignores")?;
        if let Some(set) = set {
            per_path.push((set, codes.iter().map(|c| c.get_ref().clone()).collect()));
        }
    }
    let profiles = table
        .profiles
        .iter()
        .map(|(name, p)| (name.to_ascii_lowercase(), (*p).into()))
        .collect();
    let mut overrides = Vec::new();
    for (key, value) in &raw.severity {
        match value {
            RawSeverity::One(level) => {
                overrides.push((None, key.get_ref().clone(), (*level).into()))
            }
            RawSeverity::Profile(map) => {
                let profile = key.get_ref().to_ascii_lowercase();
                if !matches!(profile.as_str(), "prod" | "dev") {
                    return Err(Diagnostic::parse_error(
                        span_of(id, &text, key),
                        format!(
                            "unknown profile '{}' in [severity.{0}]: use prod or dev",
                            key.get_ref()
                        ),
                    ));
                }
                for (code, level) in map {
                    overrides.push((
                        Some(profile.clone()),
                        code.get_ref().clone(),
                        (*level).into(),
                    ));
                }
            }
        }
    }
    let mut rules = Vec::new();
    for folder in &raw.rules.folders {
        let path = dir.join(folder.get_ref());
        if !path.is_dir() {
            return Err(Diagnostic::parse_error(
                span_of(id, &text, folder),
                format!("rule folder {} does not exist", path.display()),
            ));
        }
        let mut more = crate::rules::declarative::load_folder(sources, &path, &rules)?;
        rules.append(&mut more);
    }
    let rules = crate::rules::Registry::new(rules);
    // Codes are checked once the user's rules are known.
    let per_path_codes = raw.per_path_ignores.values().flatten();
    let severity_codes = raw.severity.iter().flat_map(|(key, value)| match value {
        RawSeverity::One(_) => vec![key],
        RawSeverity::Profile(map) => map.keys().collect(),
    });
    for code in raw
        .select
        .iter()
        .chain(&raw.ignore)
        .chain(per_path_codes)
        .chain(severity_codes)
    {
        if !rules.is_selector(code.get_ref()) {
            let mut d = Diagnostic::parse_error(
                span_of(id, &text, code),
                format!(
                    "unknown rule code '{}' in {FILE_NAME} (see `isolint rules`)",
                    code.get_ref()
                ),
            );
            if let Some(near) = rules.suggest_code(code.get_ref()) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
            return Err(d);
        }
    }
    Ok(Config {
        dir,
        seed_scripts,
        environments,
        select: raw
            .select
            .into_iter()
            .map(toml::Spanned::into_inner)
            .collect(),
        ignore: raw
            .ignore
            .into_iter()
            .map(toml::Spanned::into_inner)
            .collect(),
        per_path,
        profiles,
        stacks,
        required_env_files,
        overrides,
        policy,
        rules,
    })
}

/// For "unknown field `selct`, expected one of `select`, ..." (or an
/// unknown variant): the expected name closest to the unknown one.
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    crate::diag::closest(unknown, &candidates).map(str::to_string)
}

/// The JSON Schema of `isolint.toml`, for editors.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Raw);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Globs relative to the configuration file; `*` does not cross `/`.
fn glob_set(
    patterns: &[Text],
    text: &str,
    id: crate::syntax::source::FileId,
    what: &str,
) -> Result<Option<GlobSet>, Diagnostic> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern.get_ref())
            .literal_separator(true)
            .build()
            .map_err(|e| {
                Diagnostic::parse_error(
                    span_of(id, text, pattern),
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
mod tests;
