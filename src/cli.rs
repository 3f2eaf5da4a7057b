//! The command line (design.md §3): `check`, `explain`, `rules`, `dump`.
//!
//! Exit status: 0 no error-severity finding, 1 at least one, 2 usage
//! error, unreadable input or internal error.

use crate::diag::{Diagnostic, Severity};
use crate::discover::{Scope, find_caddyfiles};
use crate::load::caddy::{self, sites::sites};
use crate::model::Environment;
use crate::report;
use crate::syntax::caddyfile::token::Env;
use crate::syntax::source::SourceMap;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "isolint",
    version,
    about = "Proves CIAM/IAM isolation from deployment configs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint platform trees (or single files).
    Check(CheckArgs),
    /// Print a rule's documentation.
    Explain {
        /// A rule code (ISO003) or name (crossed-upstream).
        rule: String,
        /// Configuration naming the user's rule folders (default:
        /// isolint.toml found upward from here).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List every rule (with the user's, from isolint.toml).
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the cross-file model as JSON.
    Dump(DumpArgs),
    /// Print the JSON Schema of isolint.toml (shipped as isolint.schema.json).
    ConfigSchema,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Trees or files to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Configuration file (default: isolint.toml found upward from PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Only these codes (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never these codes (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// The content of this path comes from standard input (editors).
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    /// A platform tree, or one Caddyfile.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Configuration file (default: isolint.toml found upward from PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Where `${VAR}` / `{$VAR}` values come from.
#[derive(Debug, clap::Args)]
pub struct ValueArgs {
    /// A file of KEY=VALUE lines with deploy-time values (repeatable).
    #[arg(long = "env-file")]
    pub env_files: Vec<PathBuf>,
    /// One deploy-time value, KEY=VALUE (repeatable).
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got '{s}'")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Pretty,
    Concise,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A failure that ends the run with exit status 2.
struct Fatal(String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Fatal {
        Fatal(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Explain { rule, config } => {
            user_rules(config.as_deref()).and_then(|()| explain(&rule))
        }
        Command::Rules { format, config } => {
            user_rules(config.as_deref()).and_then(|()| rules(format))
        }
        Command::Dump(args) => dump(&args),
        Command::ConfigSchema => write_stdout(&crate::config::schema()).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(message)) => {
            let _ = writeln!(std::io::stderr(), "isolint: {message}");
            ExitCode::from(2)
        }
    }
}

fn write_stdout(text: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`isolint ... | head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Deploy-time values from `--env-file` (compose's `.env` syntax; later
/// files win) and `--var` (wins over files), as text for Caddy and as
/// values with provenance for compose.
struct Given {
    env: Env,
    vars: crate::load::compose::Vars,
}

fn env_from(values: &ValueArgs, sources: &SourceMap) -> Result<Given, Fatal> {
    use crate::model::value::Value;
    use std::sync::Arc;
    let mut given = Given {
        env: Env::new(),
        vars: crate::load::compose::Vars::new(),
    };
    for file in &values.env_files {
        let text = crate::discover::read_text(file)
            .map_err(|e| Fatal(format!("--env-file {}: {e}", file.display())))?;
        let id = sources.add(file, text.as_str());
        let none = |_: &str| None;
        let parsed = crate::load::dotenv::parse(id, &text, &none).map_err(|d| {
            Fatal(format!(
                "--env-file {} cannot be read:\n{}",
                file.display(),
                report::pretty::render(sources, &[d], false)
            ))
        })?;
        for entry in parsed.entries {
            if let Some(value) = entry.value {
                if let Some(text) = value.text() {
                    given.env.insert(entry.key.clone(), text);
                }
                given.vars.insert(entry.key, Arc::new(value));
            }
        }
    }
    for (k, v) in &values.vars {
        given.env.insert(k.clone(), v.clone());
        // A one-line source, so findings can point at the flag.
        let id = sources.add(format!("--var {k}"), v.as_str());
        let span = crate::syntax::source::Span::new(id, 0, v.len());
        given
            .vars
            .insert(k.clone(), Arc::new(Value::literal(v.clone(), span)));
    }
    Ok(given)
}

/// Loads every top-level Caddyfile under `path` but those directly in
/// `skip` (environment folders, which load their own): a Caddyfile
/// imported by another is checked as part of it, not on its own.
fn load_caddyfiles(
    sources: &SourceMap,
    path: &Path,
    env: &Env,
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
    let already: std::collections::HashSet<PathBuf> = (0..sources.len())
        .filter_map(|i| {
            let p = sources.path(crate::syntax::source::FileId(u32::try_from(i).ok()?));
            p.canonicalize().ok()
        })
        .collect();
    for file in find_caddyfiles(path) {
        let read = file.canonicalize().is_ok_and(|c| already.contains(&c));
        if read || file.parent().is_some_and(|d| skip.iter().any(|s| s == d)) {
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

fn check(args: &CheckArgs) -> Result<ExitCode, Fatal> {
    let sources = SourceMap::new();
    let given = env_from(&args.values, &sources)?;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut configs = Configs::default();
    // An editor's buffer: the file's text comes from stdin, and the whole
    // environment it belongs to is checked (the paths given are not).
    let paths = match &args.stdin_filename {
        Some(file) => {
            let mut text = String::new();
            std::io::stdin()
                .take(crate::discover::MAX_FILE_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| Fatal(format!("standard input: {e}")))?;
            crate::discover::set_buffer(file, text);
            let config = configs.for_path(&sources, file, args.config.as_deref())?;
            vec![crate::model::build::environment_of(file, &config).unwrap_or_else(|| file.clone())]
        }
        None => args.paths.clone(),
    };
    for path in &paths {
        let config = configs.for_path(&sources, path, args.config.as_deref())?;
        let mut loaded = load_tree(&sources, path, &given, config.clone())?;
        diagnostics.append(&mut loaded.diagnostics);
        for env in &loaded.environments {
            diagnostics.extend(crate::rules::run(env, &config.policy, &config.rules));
        }
    }
    // The command line's codes are checked once the files' rules are known.
    for code in args.select.iter().chain(&args.ignore) {
        if !crate::rules::is_selector(code) {
            let hint = crate::rules::suggest_code(code)
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
    crate::rules::suppress::apply(&sources, &mut diagnostics);
    diagnostics.retain_mut(|d| {
        let file = sources.path(d.primary.span.file);
        let config = configs.owner(file);
        if config.ignored_in(d.code, file) || !config.selected(d.code, &args.select, &args.ignore) {
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
    report::sort(&sources, &mut diagnostics);
    report::dedup(&sources, &mut diagnostics);
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let text = match args.format {
        Format::Pretty => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let mut text = report::pretty::render(&sources, &diagnostics, color);
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            text.push_str(&format!(
                "{} finding(s), {} error(s), in {} file(s) read\n",
                diagnostics.len(),
                errors,
                sources.len()
            ));
            text
        }
        Format::Concise => report::concise::render(&sources, &diagnostics),
        Format::Json => report::json::render(&sources, &diagnostics),
        Format::Sarif => report::sarif::render(&sources, &diagnostics, i32::from(failed)),
        Format::Github => report::github::render(&sources, &diagnostics),
    };
    write_stdout(&text)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Loads the configuration found from here (or given), which makes the
/// user's rules known to `rules` and `explain`.
fn user_rules(config: Option<&Path>) -> Result<(), Fatal> {
    let sources = SourceMap::new();
    Configs::default()
        .for_path(&sources, Path::new("."), config)
        .map(|_| ())
}

fn explain(rule: &str) -> Result<ExitCode, Fatal> {
    let meta = crate::rules::find(rule)
        .ok_or_else(|| Fatal(format!("unknown rule '{rule}' (see `isolint rules`)")))?;
    write_stdout(meta.doc)?;
    Ok(ExitCode::SUCCESS)
}

fn rules(format: ListFormat) -> Result<ExitCode, Fatal> {
    let text = match format {
        ListFormat::Json => {
            let mut t = serde_json::to_string_pretty(&crate::rules::all())?;
            t.push('\n');
            t
        }
        ListFormat::Text => crate::rules::all()
            .iter()
            .map(|r| {
                format!(
                    "{}  {:<24} {:<8} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.summary
                )
            })
            .collect(),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The configurations of a run: each `isolint.toml` is read once, however
/// many checked paths share it.
#[derive(Default)]
struct Configs {
    loaded: Vec<(PathBuf, crate::config::Config)>,
    default: crate::config::Config,
}

impl Configs {
    /// The configuration for `path`: `--config`, else `isolint.toml`
    /// found upward; a malformed file ends the run (exit 2) with its
    /// diagnostic.
    fn for_path(
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

/// What `load_tree` reads: the environments, the diagnostics of reading
/// them, and the domains to check them against.
struct Loaded {
    environments: Vec<Environment>,
    diagnostics: Vec<Diagnostic>,
    config: crate::config::Config,
}

/// Loads every environment under `path`, and every Caddyfile outside
/// them (or the one file `path` names).
fn load_tree(
    sources: &SourceMap,
    path: &Path,
    given: &Given,
    config: crate::config::Config,
) -> Result<Loaded, Fatal> {
    let mut environments = Vec::new();
    let mut diagnostics = Vec::new();
    let env_dirs = if path.is_dir() {
        crate::model::build::environment_dirs(path, &config)
    } else {
        Vec::new()
    };
    if !env_dirs.is_empty() {
        let scope = Scope::for_path(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        // Environments load in parallel into the shared source map; the
        // results keep the folders' order.
        use rayon::prelude::*;
        let loaded: Vec<(Environment, Vec<Diagnostic>)> = env_dirs
            .par_iter()
            .map(|dir| {
                let mut diags = Vec::new();
                let env = crate::model::build::environment(
                    sources,
                    &scope,
                    &config,
                    dir,
                    &given.vars,
                    &mut diags,
                );
                (env, diags)
            })
            .collect();
        for (env, mut diags) in loaded {
            environments.push(env);
            diagnostics.append(&mut diags);
        }
    }
    for (caddy, site_list) in load_caddyfiles(sources, path, &given.env, &env_dirs)? {
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
        environments.push(Environment {
            profile: name.as_deref().and_then(|n| config.profile(n)),
            name,
            sites: site_list,
            ..Environment::default()
        });
    }
    Ok(Loaded {
        environments,
        diagnostics,
        config,
    })
}

fn dump(args: &DumpArgs) -> Result<ExitCode, Fatal> {
    let sources = SourceMap::new();
    let given = env_from(&args.values, &sources)?;
    let Loaded {
        environments,
        mut diagnostics,
        config,
    } = load_tree(
        &sources,
        &args.path,
        &given,
        Configs::default().for_path(&sources, &args.path, args.config.as_deref())?,
    )?;
    write_stdout(&report::dump::render(
        &sources,
        &environments,
        &config.policy.domains,
    ))?;
    if diagnostics.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    report::sort(&sources, &mut diagnostics);
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = write!(
        std::io::stderr(),
        "{}",
        report::pretty::render(&sources, &diagnostics, color)
    );
    Ok(ExitCode::from(2))
}
