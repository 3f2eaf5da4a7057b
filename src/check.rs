//! One run of `check`, shared by the command line and the language
//! server: load the trees (each `isolint.toml` once), run the rules, apply
//! suppressions, then each finding meets its file's configuration.

use crate::diag::{Diagnostic, Severity};
use crate::discover::Scope;
use crate::load::caddy::{self, sites::sites};
use crate::load::project::Stack;
use crate::model::Environment;
use crate::report;
use crate::syntax::caddyfile::token::Env;
use crate::syntax::source::SourceMap;
use std::path::{Path, PathBuf};

pub mod baseline;

/// A failure that ends the run with exit status 2.
pub struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Fatal {
        Fatal(e.to_string())
    }
}

/// Deploy-time values from `--env-file` (compose's `.env` syntax; later
/// files win) and `--var` (wins over files), as text for Caddy and as
/// values with provenance for compose.
#[derive(Default)]
pub struct Given {
    pub env: Env,
    pub vars: crate::load::compose::Vars,
    /// How the walk treats ignore files (`--no-ignore`).
    pub walk: crate::discover::Walk,
}

impl Given {
    /// Adds the values of an env file (compose's `.env` syntax); `what`
    /// names where it was given (`--env-file`), for the error.
    pub fn add_env_file(
        &mut self,
        sources: &SourceMap,
        file: &Path,
        what: &str,
    ) -> Result<(), Fatal> {
        let text = crate::discover::read_text(sources, file)
            .map_err(|e| Fatal(format!("{what} {}: {e}", file.display())))?;
        let id = sources.add(file, text.as_str());
        let none = |_: &str| None;
        let parsed = crate::load::dotenv::parse(id, &text, &none).map_err(|d| {
            Fatal(format!(
                "{what} {} cannot be read:\n{}",
                file.display(),
                report::pretty::render(sources, &[d], false)
            ))
        })?;
        for entry in parsed.entries {
            if let Some(value) = entry.value {
                if let Some(text) = value.text() {
                    self.env.insert(entry.key.clone(), text);
                }
                self.vars.insert(entry.key, std::sync::Arc::new(value));
            }
        }
        Ok(())
    }

    /// Adds env files' values, then single values (which win), given
    /// where `files_from` and `vars_from` say (`--env-file`, `--var`).
    pub fn add_values(
        &mut self,
        sources: &SourceMap,
        (files, files_from): (&[PathBuf], &str),
        (vars, vars_from): (&[(String, String)], &str),
    ) -> Result<(), Fatal> {
        for file in files {
            self.add_env_file(sources, file, files_from)?;
        }
        for (key, value) in vars {
            self.add_var(sources, key, value, format!("{vars_from}{key}"));
        }
        Ok(())
    }

    /// Adds one value, written in a one-line source named `origin`
    /// (`--var KEY`), so findings can point at it.
    pub fn add_var(&mut self, sources: &SourceMap, key: &str, value: &str, origin: String) {
        self.env.insert(key.to_string(), value.to_string());
        let id = sources.add(origin, value);
        let span = crate::syntax::source::Span::new(id, 0, value.len());
        self.vars.insert(
            key.to_string(),
            std::sync::Arc::new(crate::syntax::value::Value::literal(value, span)),
        );
    }

    /// These values under `over`'s, which win; `over`'s walk setting.
    pub fn under(mut self, over: &Given) -> Given {
        self.env
            .extend(over.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.vars
            .extend(over.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.walk = over.walk;
        self
    }
}

/// What to check and how to select findings.
pub struct Request<'a> {
    pub paths: Vec<PathBuf>,
    pub given: &'a Given,
    /// `--config`: one configuration for every path.
    pub config: Option<&'a Path>,
    pub select: &'a [String],
    pub ignore: &'a [String],
    /// Which baseline leaves known findings out.
    pub baseline: BaselineChoice<'a>,
    /// `--no-suppressions`: inline suppressions do not apply (and no
    /// baseline), for centrally governed repositories.
    pub no_suppressions: bool,
}

impl<'a> Request<'a> {
    /// Every rule the configuration selects, with its suppressions and
    /// `isolint.toml`'s baseline: what the editor asks (the graph and the
    /// audit turn the baseline off: a known finding is still true).
    pub fn every_rule(paths: Vec<PathBuf>, given: &'a Given, config: Option<&'a Path>) -> Self {
        Request {
            paths,
            given,
            config,
            select: &[],
            ignore: &[],
            baseline: BaselineChoice::Configured,
            no_suppressions: false,
        }
    }
}

/// Which baseline a run uses.
#[derive(Debug, Clone, Copy, Default)]
pub enum BaselineChoice<'a> {
    /// The one `isolint.toml` names, if any.
    #[default]
    Configured,
    /// `--baseline FILE`.
    File(&'a Path),
    /// None (`--write-baseline`, `--no-suppressions`).
    Off,
}

/// What a run found.
pub struct Checked<T = ()> {
    /// The findings, sorted and without repeats.
    pub diagnostics: Vec<Diagnostic>,
    /// What the caller kept of each environment ([`findings_and`]).
    pub kept: Vec<T>,
    /// Every rule the run knew, built-in and the users', in code order
    /// (a report that lists rules, SARIF, lists these).
    pub rules: Vec<crate::rules::RuleMeta>,
    /// What the baseline left out, and its entries that match nothing.
    pub baseline: baseline::Applied,
}

/// The findings of a run.
pub fn findings(sources: &SourceMap, request: &Request) -> Result<Checked, Fatal> {
    findings_and(sources, request, |_, _| ())
}

/// Checks one tree as `isolint check ROOT --select ...` does, with no
/// deploy-time values and its own `isolint.toml` (the rule cases check
/// their trees with it).
pub fn tree(root: &Path, select: &[String]) -> Result<(SourceMap, Checked), Fatal> {
    let sources = SourceMap::new();
    let given = Given::default();
    let request = Request {
        select,
        ..Request::every_rule(vec![root.to_path_buf()], &given, None)
    };
    let checked = findings(&sources, &request)?;
    Ok((sources, checked))
}

/// [`findings`], and what `keep` takes of each environment (with its
/// configuration) while the environment is at hand: the models are not
/// held until the end.
pub fn findings_and<T: Send>(
    sources: &SourceMap,
    request: &Request,
    keep: impl Fn(&Environment, &crate::config::Config) -> T + Sync,
) -> Result<Checked<T>, Fatal> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut kept = Vec::new();
    let mut configs = Configs::default();
    for path in &request.paths {
        let config = configs.for_path(sources, path, request.config)?;
        // The configuration's deploy-time values (`[check]`), under the
        // command line's.
        let given = config.given(sources)?.under(request.given);
        // Each environment is checked as soon as it is built, in
        // parallel, and only its findings are kept.
        let loaded = load_tree_with(sources, path, &given, config.clone(), |env| {
            (config.rules.run(&env, &config.policy), keep(&env, &config))
        })?;
        diagnostics.extend(loaded.diagnostics);
        for (found, k) in loaded.environments {
            diagnostics.extend(found);
            kept.push(k);
        }
    }
    // The command line's codes are checked once the files' rules are known.
    let registries = configs.registries();
    for code in request.select.iter().chain(request.ignore) {
        if !registries.iter().any(|r| r.is_selector(code)) {
            let hint = registries
                .iter()
                .find_map(|r| r.suggest_code(code))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(Fatal(format!(
                "unknown rule code '{code}' (see `isolint rules`){hint}"
            )));
        }
    }
    // Suppressions first (so a per-path ignore does not make one look
    // unused), then each finding meets the configuration of its file:
    // per-path ignores, severities, and the selection.
    if !request.no_suppressions {
        crate::rules::suppress::apply(sources, &mut diagnostics);
    }
    // Each file's configuration found once (it canonicalizes the path).
    let mut owners = std::collections::HashMap::new();
    diagnostics.retain_mut(|d| {
        let file = sources.path(d.primary.span.file);
        let config = *owners
            .entry(d.primary.span.file)
            .or_insert_with(|| configs.owner(file));
        if config.ignored_in(d.code, file)
            || !config.selected(d.code, request.select, request.ignore)
        {
            return false;
        }
        let profile = d
            .environment
            .as_deref()
            .and_then(|n| config.profile(n))
            .map(crate::model::Profile::as_str);
        if let Some(severity) = config.severity(d.code, profile) {
            d.severity = severity;
        }
        true
    });
    report::sort(sources, &mut diagnostics);
    report::dedup(sources, &mut diagnostics);
    let file = match request.baseline {
        _ if request.no_suppressions => None,
        BaselineChoice::Off => None,
        BaselineChoice::File(path) => Some(path.to_path_buf()),
        BaselineChoice::Configured => {
            // One baseline for the run: configurations that name different
            // ones cannot both be applied to one list of findings.
            let mut named: Vec<&PathBuf> = configs
                .loaded
                .iter()
                .filter_map(|(_, c)| c.baseline.as_ref())
                .collect();
            named.sort();
            named.dedup();
            if let [first, second, ..] = named.as_slice() {
                return Err(Fatal(format!(
                    "the configurations of these paths name different baselines ({} and {}): check the paths apart, or give one with --baseline",
                    first.display(),
                    second.display()
                )));
            }
            named.first().map(|p| p.to_path_buf())
        }
    };
    // An entry of a rule this run left out is not stale: not looked for.
    let ran = |code: &str, file: &Path| {
        let config = configs.owner(file);
        registries.iter().any(|r| r.is_selector(code))
            && config.selected(code, request.select, request.ignore)
            && !config.ignored_in(code, file)
    };
    let baseline = match file {
        Some(path) => {
            baseline::Baseline::read(&path)
                .map_err(Fatal)?
                .apply(sources, &mut diagnostics, &ran)
        }
        None => baseline::Applied::default(),
    };
    let mut rules: Vec<crate::rules::RuleMeta> = registries
        .iter()
        .flat_map(|r| r.all().iter().copied())
        .collect();
    rules.sort_by_key(|r| r.code);
    rules.dedup_by_key(|r| r.code);
    Ok(Checked {
        diagnostics,
        kept,
        rules,
        baseline,
    })
}

/// Reads one stack and builds its model, with what the configuration
/// says about its files.
pub fn environment(
    sources: &SourceMap,
    scope: &Scope,
    config: &crate::config::Config,
    stack: &Stack,
    extra: &crate::load::compose::Vars,
    diagnostics: &mut Vec<Diagnostic>,
) -> Environment {
    let profile = config.stack_profile(stack);
    let loaded = with_options(config, |options| {
        crate::load::environment::environment(sources, scope, options, stack, extra, diagnostics)
    });
    crate::model::build::environment(loaded, Some(stack.name.clone()), profile)
}

/// Runs `f` with the loaders' view of a configuration.
fn with_options<T>(
    config: &crate::config::Config,
    f: impl FnOnce(&crate::load::environment::Options) -> T,
) -> T {
    let is_environment = |d: &Path| config.is_environment(d);
    let required_env_file = |p: &Path| config.env_file_required(p);
    f(&crate::load::environment::Options {
        required_env_file: &required_env_file,
        is_environment: &is_environment,
    })
}

/// Walks `root` for its compose files, configured folders and Caddyfiles.
pub fn list_tree(
    root: &Path,
    walk: crate::discover::Walk,
    config: &crate::config::Config,
) -> crate::discover::Listing {
    crate::discover::list_tree(
        root,
        walk,
        |dir| config.is_environment(dir),
        |file| {
            config.names_seed_scripts()
                && file.canonicalize().is_ok_and(|c| config.is_seed_script(&c))
        },
    )
}

/// The stacks under `root`: those the configuration describes, then
/// those compose would run from the files the walk found.
pub fn stacks(
    root: &Path,
    config: &crate::config::Config,
    listing: &crate::discover::Listing,
) -> Vec<Stack> {
    let mut out = config.stacks_under(root);
    let mut found = crate::load::project::stacks(root, &listing.compose, &listing.configured, &out);
    for stack in &mut found {
        config.describe(stack);
    }
    out.append(&mut found);
    crate::load::project::unique_names(root, &mut out);
    for stack in &mut out {
        stack.scripts = crate::load::project::scripts_in(&stack.dir, listing);
    }
    out
}

/// The environment folder a file belongs to.
pub fn environment_of(file: &Path, config: &crate::config::Config) -> Option<PathBuf> {
    with_options(config, |options| {
        crate::load::environment::environment_of(file, options)
    })
}

/// What an editor's buffer is checked with: the environment folder the
/// file belongs to, or the file itself when it is a Caddyfile outside any;
/// `None` for any other file outside every environment.
pub fn tree_of(
    sources: &SourceMap,
    file: &Path,
    config: Option<&Path>,
) -> Result<Option<PathBuf>, Fatal> {
    let file = crate::discover::absolute(file);
    let config = Configs::default().for_path(sources, &file, config)?;
    Ok(environment_of(&file, &config)
        .or_else(|| crate::discover::is_caddyfile_name(&file).then_some(file)))
}

/// Whether any finding fails the run.
pub fn failed(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// Loads the Caddyfiles `found` under `path` but those directly in `skip`
/// (environment folders, which load their own): a Caddyfile imported by
/// another is checked as part of it, not on its own.
fn load_caddyfiles(
    sources: &SourceMap,
    path: &Path,
    env: &Env,
    found: Vec<PathBuf>,
    skip: &[PathBuf],
) -> Result<Vec<(caddy::CaddyConfig, Vec<crate::load::caddy::sites::Site>)>, Fatal> {
    if !path.exists() {
        return Err(Fatal(format!(
            "{}: no such file or directory",
            path.display()
        )));
    }
    let scope = Scope::for_path(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    let mut configs = Vec::new();
    // Files the environments already read (a Caddyfile they import) are
    // checked as part of them, not again on their own.
    // (Only files with a Caddyfile's name can be found again below.)
    let already: std::collections::HashSet<PathBuf> = (0..sources.len())
        .filter_map(|i| {
            let p = sources.path(crate::syntax::source::FileId(u32::try_from(i).ok()?));
            crate::discover::is_caddyfile_name(p)
                .then(|| p.canonicalize().ok())
                .flatten()
        })
        .collect();
    let skip: std::collections::HashSet<&Path> = skip.iter().map(PathBuf::as_path).collect();
    for file in found {
        if file.parent().is_some_and(|d| skip.contains(d))
            || file.canonicalize().is_ok_and(|c| already.contains(&c))
        {
            continue;
        }
        let config = caddy::load(sources, &scope, &file, env);
        configs.push(config);
    }
    // The same file may be known by two spellings (`./a/x` found by the
    // walk, `/abs/a/x` reached by an import): compare canonical paths.
    let canonical = |f: crate::syntax::source::FileId| {
        let p = sources.path(f);
        p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
    };
    let imported: std::collections::HashSet<PathBuf> = configs
        .iter()
        .flat_map(|c| c.files.iter().skip(1).copied())
        .map(canonical)
        .collect();
    Ok(configs
        .into_iter()
        .filter(|c| c.file.is_none_or(|f| !imported.contains(&canonical(f))))
        .map(|c| {
            let (s, diags) = sites(&c, env);
            let mut c = c;
            c.diagnostics.extend(diags);
            (c, s)
        })
        .collect())
}

/// The configurations of a run: each `isolint.toml` is read once, however
/// many checked paths share it.
#[derive(Default)]
pub struct Configs {
    loaded: Vec<(PathBuf, crate::config::Config)>,
    default: crate::config::Config,
}

impl Configs {
    /// The configuration for `path`: `--config`, else `isolint.toml`
    /// found upward; a malformed file ends the run (exit 2) with its
    /// diagnostic.
    pub fn for_path(
        &mut self,
        sources: &SourceMap,
        path: &Path,
        explicit: Option<&Path>,
    ) -> Result<crate::config::Config, Fatal> {
        let Some(file) = explicit
            .map(Path::to_path_buf)
            .or_else(|| crate::config::find(path))
        else {
            return Ok(self.default.clone());
        };
        let key = file.canonicalize().unwrap_or_else(|_| file.clone());
        if let Some((_, c)) = self.loaded.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let config = crate::config::load(sources, &file)
            .map_err(|d| Fatal(report::pretty::render(sources, &[d], false)))?;
        self.loaded.push((key, config.clone()));
        Ok(config)
    }

    /// The rules of every configuration read (the built-in ones alone
    /// when none was).
    fn registries(&self) -> Vec<&crate::rules::Registry> {
        match self.loaded.as_slice() {
            [] => vec![&self.default.rules],
            loaded => loaded.iter().map(|(_, c)| &c.rules).collect(),
        }
    }

    /// The configuration a file's findings follow: the one whose folder
    /// holds it most closely.
    fn owner(&self, file: &Path) -> &crate::config::Config {
        let file = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        self.loaded
            .iter()
            .map(|(_, c)| c)
            .filter(|c| file.starts_with(&c.dir))
            .max_by_key(|c| c.dir.components().count())
            .or_else(|| self.loaded.first().map(|(_, c)| c))
            .unwrap_or(&self.default)
    }
}

/// What `load_tree` reads: the environments (or what was made of each),
/// the diagnostics of reading them, and the domains to check them against.
pub struct Loaded<T = Environment> {
    pub environments: Vec<T>,
    pub diagnostics: Vec<Diagnostic>,
    pub config: crate::config::Config,
}

/// Loads every environment under `path`, and every Caddyfile outside
/// them (or the one file `path` names).
pub fn load_tree(
    sources: &SourceMap,
    path: &Path,
    given: &Given,
    config: crate::config::Config,
) -> Result<Loaded, Fatal> {
    load_tree_with(sources, path, given, config, |env| env)
}

/// [`load_tree`], with `each` applied to every environment as soon as it
/// is built (on the loading thread), so that a run need not hold every
/// model at once.
pub fn load_tree_with<T: Send>(
    sources: &SourceMap,
    path: &Path,
    given: &Given,
    config: crate::config::Config,
    each: impl Fn(Environment) -> T + Sync,
) -> Result<Loaded<T>, Fatal> {
    let mut environments = Vec::new();
    let mut diagnostics = Vec::new();
    let listing = if path.is_dir() {
        list_tree(path, given.walk, &config)
    } else {
        crate::discover::Listing {
            caddyfiles: vec![path.to_path_buf()],
            ..Default::default()
        }
    };
    for (folder, why) in &listing.unreadable {
        let id = sources.add(folder, "");
        diagnostics.push(Diagnostic::parse_error(
            crate::syntax::source::Span::new(id, 0, 0),
            format!(
                "{}: cannot list this folder, so nothing in it is checked: {why}",
                folder.display()
            ),
        ));
    }
    let stacks = if path.is_dir() {
        stacks(path, &config, &listing)
    } else {
        Vec::new()
    };
    if stacks.is_empty() && listing.caddyfiles.is_empty() && listing.unreadable.is_empty() {
        return Err(Fatal(format!(
            "no platform files found under {} (no compose file, Caddyfile or configured environment)",
            crate::syntax::source::display_path(path)
        )));
    }
    let env_dirs: Vec<PathBuf> = stacks.iter().map(|s| s.dir.clone()).collect();
    if !stacks.is_empty() {
        let scope = Scope::for_path(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        // Environments load in parallel into the shared source map; the
        // results keep the folders' order.
        use rayon::prelude::*;
        let loaded: Vec<(T, Vec<Diagnostic>)> = stacks
            .par_iter()
            .map(|stack| {
                let mut diags = Vec::new();
                let env = environment(sources, &scope, &config, stack, &given.vars, &mut diags);
                (each(env), diags)
            })
            .collect();
        for (env, mut diags) in loaded {
            environments.push(env);
            diagnostics.append(&mut diags);
        }
    }
    let caddyfiles = load_caddyfiles(sources, path, &given.env, listing.caddyfiles, &env_dirs)?;
    for (caddy, site_list) in caddyfiles {
        diagnostics.extend(caddy.diagnostics);
        // A Caddyfile outside any environment folder: its folder names it.
        let name = caddy
            .file
            .and_then(|f| {
                sources
                    .path(f)
                    .parent()?
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .filter(|_| path.is_dir());
        environments.push(each(Environment {
            profile: name.as_deref().and_then(|n| config.profile(n)),
            name,
            sites: site_list,
            ..Environment::default()
        }));
    }
    Ok(Loaded {
        environments,
        diagnostics,
        config,
    })
}

#[cfg(test)]
mod tests;
