//! Reading `isolint.toml` into a [`Config`]: each section checked where
//! it is written (globs, paths, port ranges, reasons, profiles, codes),
//! the user's rules read from their folders.

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::source::{SourceMap, Span};
use globset::{GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// Reads a configuration file; a malformed one is a CFG001 diagnostic with
/// the span of the error.
pub fn load(sources: &SourceMap, path: &Path) -> Result<Config, Diagnostic> {
    let (id, text) = crate::discover::read_source(sources, path).map_err(|u| u.at_file(sources))?;
    let mut raw: Raw = toml::from_str(&text).map_err(|e| {
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
    let file = Written { id, text: &text };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = dir.canonicalize().unwrap_or(dir);
    let seed_scripts = glob_set(&raw.seed.scripts, &text, id, "[seed] scripts")?;
    let (table, entries) = match std::mem::take(&mut raw.environments) {
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
    let stacks = configured_stacks(&file, &dir, &entries)?;
    let policy = policy(
        &file,
        std::mem::take(&mut raw.domains),
        std::mem::take(&mut raw.shared),
        std::mem::take(&mut raw.exceptions),
    )?;
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
    let overrides = overrides(&file, &raw.severity)?;
    let folders: Vec<(PathBuf, Span)> = raw
        .rules
        .folders
        .iter()
        .map(|f| (dir.join(f.get_ref()), file.span(f)))
        .collect();
    let rules =
        crate::rules::Registry::new(crate::rules::declarative::load_folders(sources, &folders)?);
    // Codes are checked once the user's rules are known.
    check_codes(&file, &rules, &raw)?;
    let baseline = raw
        .baseline
        .as_ref()
        .map(|b| crate::discover::normalize(&dir.join(b.get_ref())));
    let env_files = raw
        .check
        .env_files
        .iter()
        .map(|f| crate::discover::normalize(&dir.join(f)))
        .collect();
    let vars = raw.check.vars.clone().into_iter().collect();
    Ok(Config {
        dir,
        seed_scripts,
        environments,
        baseline,
        env_files,
        vars,
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
pub(super) fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    crate::diag::closest(unknown, &candidates).map(str::to_string)
}

/// Globs relative to the configuration file; `*` does not cross `/`.
pub(super) fn glob_set(
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

/// The file being read, to say where a value is written.
struct Written<'a> {
    id: crate::syntax::source::FileId,
    text: &'a str,
}

impl Written<'_> {
    fn span(&self, t: &Text) -> Span {
        span_of(self.id, self.text, t)
    }

    fn error(&self, t: &Text, message: impl Into<String>) -> Diagnostic {
        Diagnostic::parse_error(self.span(t), message)
    }
}

/// `[[environments]]` entries with `files`, their paths made absolute;
/// a path that does not exist is an error at it.
fn configured_stacks(
    file: &Written,
    dir: &Path,
    entries: &[RawStack],
) -> Result<Vec<ConfiguredStack>, Diagnostic> {
    let existing = |t: &Text, what: &str| -> Result<PathBuf, Diagnostic> {
        let path = crate::discover::normalize(&dir.join(t.get_ref()));
        path.canonicalize()
            .map_err(|e| file.error(t, format!("{what} {}: {e}", t.get_ref())))
    };
    let mut stacks = Vec::new();
    for e in entries {
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
    Ok(stacks)
}

/// `[[domains]]`, or the built-in CIAM and IAM when none is given.
fn domains(
    file: &Written,
    raw: Vec<RawDomain>,
) -> Result<crate::model::domain::Domains, Diagnostic> {
    if raw.is_empty() {
        return Ok(crate::model::domain::Domains::default());
    }
    let mut list = Vec::new();
    for d in raw {
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
                    return Err(file.error(
                        range,
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
    Ok(crate::model::domain::Domains { list })
}

/// The boundary's allowances: domains, shared components and exceptions;
/// a configured list replaces the built-in one, so a default can be
/// removed as well as added to.
fn policy(
    file: &Written,
    raw_domains: Vec<RawDomain>,
    shared: Vec<RawShared>,
    exceptions: Vec<RawException>,
) -> Result<crate::model::policy::Policy, Diagnostic> {
    let mut policy = crate::model::policy::Policy {
        domains: domains(file, raw_domains)?,
        ..Default::default()
    };
    // A declaration without a reason is not one.
    for reason in shared
        .iter()
        .map(|s| &s.reason)
        .chain(exceptions.iter().map(|e| &e.reason))
    {
        if reason.get_ref().trim().is_empty() {
            let r = reason.span();
            return Err(Diagnostic::parse_error(
                Span::new(file.id, r.start, r.end),
                "a shared component or exception needs a reason: say why the boundary allows it",
            ));
        }
    }
    if !shared.is_empty() {
        policy.shared_databases.clear();
        policy.shared_secrets.clear();
        for s in shared {
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
    if !exceptions.is_empty() {
        policy.exceptions = exceptions
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
    Ok(policy)
}

/// `[severity]`: for every profile (`ISO008 = "error"`) or one
/// (`[severity.dev]`).
fn overrides(
    file: &Written,
    severity: &std::collections::BTreeMap<Text, RawSeverity>,
) -> Result<Vec<(Option<String>, String, crate::diag::Severity)>, Diagnostic> {
    let mut overrides = Vec::new();
    for (key, value) in severity {
        match value {
            RawSeverity::One(level) => {
                overrides.push((None, key.get_ref().clone(), (*level).into()))
            }
            RawSeverity::Profile(map) => {
                let profile = key.get_ref().to_ascii_lowercase();
                if !matches!(profile.as_str(), "prod" | "dev") {
                    return Err(file.error(
                        key,
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
    Ok(overrides)
}

/// Every code the file names (`select`, `ignore`, per-path ignores,
/// severities) must pick a known rule, the user's included.
fn check_codes(
    file: &Written,
    rules: &crate::rules::Registry,
    raw: &Raw,
) -> Result<(), Diagnostic> {
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
            let mut d = file.error(
                code,
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
    Ok(())
}
