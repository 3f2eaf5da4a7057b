//! The command line (design.md §3): `check`, `explain`, `rules`, `dump`,
//! and `graph`.
//!
//! Exit status: 0 no error-severity finding, 1 at least one, 2 usage
//! error, unreadable input or internal error.

use crate::check::{Configs, Fatal, Given, Loaded, load_tree};
use crate::diag::Severity;
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
    /// Draw each environment's isolation boundary (Mermaid, DOT or SVG),
    /// with what findings point at in red.
    Graph(GraphArgs),
    /// Print the runtime probes of one environment's boundary: a POSIX
    /// script that prints TAP, or the plan as JSON.
    Audit(AuditArgs),
    /// Print the JSON Schema of isolint.toml (shipped as isolint.schema.json).
    ConfigSchema,
    /// Run the language server over stdio (for editors).
    Lsp,
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
    /// Findings this baseline holds are known: reported, not failing
    /// (default: `baseline` in isolint.toml).
    #[arg(long, conflicts_with_all = ["write_baseline", "no_suppressions"])]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file, and exit 0.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Inline suppressions and baselines do not apply.
    #[arg(long)]
    pub no_suppressions: bool,
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

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Trees (or a Caddyfile) to draw.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Only the environment of this name (its folder's name).
    #[arg(long)]
    pub environment: Option<String>,
    /// Only what the findings are about: the nodes they mark and one hop
    /// around them (the job summary always draws this view).
    #[arg(long)]
    pub focus: bool,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Configuration file (default: isolint.toml found upward from PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The platform tree.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The environment to probe (its folder's name).
    #[arg(long)]
    pub environment: String,
    /// Where the probes run: in the services' containers (podman,
    /// docker), or from this host (local).
    #[arg(long, value_enum, default_value_t = crate::audit::Runner::Podman)]
    pub runner: crate::audit::Runner,
    /// Run the script on this host over ssh.
    #[arg(long, value_parser = ssh_host)]
    pub ssh: Option<String>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Sh)]
    pub format: AuditFormat,
    #[command(flatten)]
    pub values: ValueArgs,
    /// Configuration file (default: isolint.toml found upward from PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// A POSIX sh script that prints TAP.
    Sh,
    /// The plan: every probe, what it expects, and where that comes from.
    Json,
}

/// An ssh destination: `[user@]host`, nothing ssh would read as an
/// option or the shell as more than one word.
fn ssh_host(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && !text.starts_with('-')
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | ':' | '[' | ']')
        });
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!("'{text}' is not an ssh host ([user@]host)"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid flowcharts (GitHub renders them).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// SVG, laid out in-process (one environment).
    Svg,
    /// Markdown for a GitHub job summary: the findings table, then the
    /// Mermaid graph of each environment with findings.
    Summary,
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
    /// Also read what .gitignore, .ignore and git's excludes leave out.
    #[arg(long)]
    pub no_ignore: bool,
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Explain { rule, config } => {
            registry(config.as_deref()).and_then(|r| explain(&r, &rule))
        }
        Command::Rules { format, config } => {
            registry(config.as_deref()).and_then(|r| rules(&r, format))
        }
        Command::Dump(args) => dump(&args),
        Command::Graph(args) => graph(&args),
        Command::Audit(args) => audit(&args),
        Command::ConfigSchema => write_stdout(&crate::config::schema()).map(|()| ExitCode::SUCCESS),
        Command::Lsp => crate::lsp::serve()
            .map(|()| ExitCode::SUCCESS)
            .map_err(Fatal),
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

fn env_from(values: &ValueArgs, sources: &SourceMap) -> Result<Given, Fatal> {
    let mut given = Given {
        env: Env::new(),
        vars: crate::load::compose::Vars::new(),
        walk: crate::discover::Walk {
            ignore_files: !values.no_ignore,
        },
    };
    given.add_values(
        sources,
        (&values.env_files, "--env-file"),
        (&values.vars, "--var "),
    )?;
    Ok(given)
}

fn check(args: &CheckArgs) -> Result<ExitCode, Fatal> {
    // An editor's buffer: the file's text comes from stdin, and the whole
    // environment it belongs to is checked (the paths given are not).
    let buffer = match &args.stdin_filename {
        Some(file) => {
            let mut text = String::new();
            std::io::stdin()
                .take(crate::discover::MAX_FILE_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| Fatal(format!("standard input: {e}")))?;
            Some((file.as_path(), text))
        }
        None => None,
    };
    let sources =
        crate::discover::sources_with_buffers(buffer.iter().map(|(p, t)| (*p, t.as_str())));
    let given = env_from(&args.values, &sources)?;
    let paths = match &args.stdin_filename {
        Some(file) => {
            // A file outside every environment (and no Caddyfile) has
            // nothing to check.
            crate::check::tree_of(&sources, file, args.config.as_deref())?
                .into_iter()
                .collect()
        }
        None => args.paths.clone(),
    };
    let checked = crate::check::findings(
        &sources,
        &crate::check::Request {
            paths,
            given: &given,
            config: args.config.as_deref(),
            select: &args.select,
            ignore: &args.ignore,
            baseline: match (&args.baseline, &args.write_baseline) {
                (Some(file), _) => crate::check::BaselineChoice::File(file),
                (None, Some(_)) => crate::check::BaselineChoice::Off,
                (None, None) => crate::check::BaselineChoice::Configured,
            },
            no_suppressions: args.no_suppressions,
        },
    )?;
    if let Some(path) = &args.write_baseline {
        let baseline = crate::check::baseline::Baseline::of(&sources, &checked.diagnostics, path);
        baseline.write(path).map_err(Fatal)?;
        let _ = writeln!(
            std::io::stderr(),
            "isolint: {} finding(s) recorded in {}",
            baseline.findings.len(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let diagnostics = &checked.diagnostics;
    let failed = crate::check::failed(diagnostics);
    let text = match args.format {
        Format::Pretty => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let mut text = report::pretty::render(&sources, diagnostics, color);
            text.push_str(&stale_entries(&checked.baseline));
            let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
            let known = if checked.baseline.used {
                format!("; {} known (baseline)", checked.baseline.known)
            } else {
                String::new()
            };
            text.push_str(&format!(
                "{} finding(s): {} error(s), {} warning(s), {} info(s){known}; {} file(s) read\n",
                diagnostics.len(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Info),
                sources.len()
            ));
            text
        }
        Format::Concise => report::concise::render(&sources, diagnostics),
        Format::Json => report::json::render(&sources, diagnostics),
        Format::Sarif => {
            report::sarif::render(&sources, diagnostics, &checked.rules, i32::from(failed))
        }
        Format::Github => report::github::render(&sources, diagnostics),
    };
    write_stdout(&text)?;
    // The other formats are read by tools: the baseline's account goes to
    // standard error.
    if args.format != Format::Pretty && checked.baseline.used {
        let _ = write!(
            std::io::stderr(),
            "isolint: {} known finding(s) (baseline)\n{}",
            checked.baseline.known,
            stale_entries(&checked.baseline)
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The baseline's entries that no finding matches any more.
fn stale_entries(applied: &crate::check::baseline::Applied) -> String {
    if applied.stale.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "{} baseline {} (fixed, or changed; --write-baseline records today's findings):\n",
        applied.stale.len(),
        if applied.stale.len() == 1 {
            "entry no longer matches"
        } else {
            "entries no longer match"
        }
    );
    for e in &applied.stale {
        text.push_str(&format!("  {} {}: {}\n", e.code, e.file, e.message));
    }
    text.push('\n');
    text
}

/// The rules of the configuration found from here (or given): the
/// built-in ones and the user's, for `rules` and `explain`.
fn registry(config: Option<&Path>) -> Result<crate::rules::Registry, Fatal> {
    let sources = SourceMap::new();
    Configs::default()
        .for_path(&sources, Path::new("."), config)
        .map(|c| c.rules)
}

fn explain(registry: &crate::rules::Registry, rule: &str) -> Result<ExitCode, Fatal> {
    let meta = registry
        .find(rule)
        .ok_or_else(|| Fatal(format!("unknown rule '{rule}' (see `isolint rules`)")))?;
    write_stdout(&meta.document())?;
    Ok(ExitCode::SUCCESS)
}

fn rules(registry: &crate::rules::Registry, format: ListFormat) -> Result<ExitCode, Fatal> {
    let text = match format {
        ListFormat::Json => {
            let mut t = serde_json::to_string_pretty(&registry.all())?;
            t.push('\n');
            t
        }
        ListFormat::Text => registry
            .all()
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

/// `isolint graph`: the findings are part of the picture, so they do not
/// fail the command; only bad usage or unreadable input does (exit 2).
fn graph(args: &GraphArgs) -> Result<ExitCode, Fatal> {
    use crate::report::graph;
    let sources = SourceMap::new();
    let given = env_from(&args.values, &sources)?;
    let crate::check::Checked {
        diagnostics: mut findings,
        kept: graphs,
        ..
    } = crate::check::findings_and(
        &sources,
        &crate::check::Request {
            baseline: crate::check::BaselineChoice::Off,
            ..crate::check::Request::every_rule(args.paths.clone(), &given, args.config.as_deref())
        },
        // Only the environment asked for is drawn.
        |env, config| {
            (args.environment.is_none() || env.name == args.environment)
                .then(|| graph::build(env, &config.policy.domains))
        },
    )?;
    let mut graphs: Vec<graph::Graph> = graphs.into_iter().flatten().collect();
    if let Some(name) = &args.environment {
        if graphs.is_empty() {
            return Err(Fatal(format!("no environment named '{name}'")));
        }
        // Its own findings, and those of a file it shares with another
        // environment (reported once, under the first).
        findings.retain(|d| {
            d.environment.as_ref() == Some(name) || graphs.iter().any(|g| g.touches(d, &sources))
        });
    }
    for g in &mut graphs {
        g.mark(&findings, &sources);
        if args.focus {
            *g = g.focus();
        }
    }
    let text = match args.format {
        GraphFormat::Mermaid => graph::mermaid::render(&graphs),
        GraphFormat::Dot => graph::dot::render(&graphs),
        GraphFormat::Summary => graph::summary::render(&sources, &findings, &graphs),
        GraphFormat::Svg => match graphs.as_slice() {
            [one] => graph::svg::render(one),
            _ => {
                let names: Vec<&str> = graphs.iter().filter_map(|g| g.name.as_deref()).collect();
                return Err(Fatal(format!(
                    "an SVG holds one environment; name one with --environment (found {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            }
        },
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `isolint audit`: the plan of one environment, as a script or JSON.
/// Findings do not fail it (they are what the probes may confirm).
fn audit(args: &AuditArgs) -> Result<ExitCode, Fatal> {
    use crate::audit;
    let runner = args.runner;
    let sources = SourceMap::new();
    let given = env_from(&args.values, &sources)?;
    let crate::check::Checked {
        diagnostics: findings,
        kept,
        ..
    } = crate::check::findings_and(
        &sources,
        // Every finding of the tree predicts: suppressed and known ones too.
        &crate::check::Request {
            baseline: crate::check::BaselineChoice::Off,
            no_suppressions: true,
            ..crate::check::Request::every_rule(
                vec![args.path.clone()],
                &given,
                args.config.as_deref(),
            )
        },
        |env, config| {
            (env.name.as_deref() == Some(args.environment.as_str()))
                .then(|| audit::plan(env, &config.policy, runner))
        },
    )?;
    let Some(mut plan) = kept.into_iter().flatten().next() else {
        return Err(Fatal(format!(
            "no environment named '{}'",
            args.environment
        )));
    };
    audit::predict(&mut plan, &findings);
    // Where the local runner finds each host, as given now.
    plan.addresses = given
        .vars
        .iter()
        .filter(|(name, _)| name.starts_with("ISOLINT_ADDR_"))
        .filter_map(|(name, value)| Some((name.clone(), value.text()?)))
        .collect();
    let text = match args.format {
        AuditFormat::Sh => audit::sh::render(&plan, args.ssh.as_deref()),
        AuditFormat::Json => audit::json::render(&sources, &plan),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
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
    // Notes (a config not in the tree) are shown; only errors fail.
    let failed = diagnostics
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    Ok(ExitCode::from(if failed { 2 } else { 0 }))
}
