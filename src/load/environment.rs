//! Reading one environment's files, as their consumers do: each folder
//! that holds compose files is an environment; its services come from
//! compose, Kratos and Hydra get their effective configuration, the
//! Caddyfile is read with the environment of the service that mounts it,
//! seed scripts with the environment of the service that runs them. This
//! is the I/O half of building the model (`crate::model::build` is the
//! pure half): what it returns is facts, with no domain decided yet.

use crate::diag::Diagnostic;
use crate::discover::Scope;
use crate::load::caddy::{
    self,
    sites::{Site, sites},
};
use crate::load::compose::{self, Service, Vars, VolumeKind};
use crate::load::kind::ServiceKind;
use crate::load::ory;
use crate::load::project::Stack;
use crate::syntax::caddyfile::token::Env;
use crate::syntax::source::{SourceMap, Span};
use crate::syntax::value::Value;
use std::path::{Path, PathBuf};

/// A compose service with what isolint knows about it.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub service: Service,
    pub kind: ServiceKind,
    /// The signal that decided the kind (`image oryd/kratos:v1.3`,
    /// `built from ../caddy`, `mounts ./Caddyfile at /etc/caddy/Caddyfile`).
    pub kind_reason: String,
    /// Effective configuration, for Kratos and Hydra.
    pub ory: Option<ory::OryConfig>,
}

impl ServiceFacts {
    /// The DSN the service connects with: its effective Ory `dsn`, else
    /// `DSN` or `DATABASE_URL` in its environment.
    pub fn dsn(&self) -> Option<Value> {
        self.dsn_with_key().map(|(_, v)| v)
    }

    /// Its command line, entrypoint first, as far as it is known.
    pub fn command_words(&self) -> Vec<String> {
        self.service
            .entrypoint
            .iter()
            .chain(&self.service.command)
            .filter_map(|w| w.text())
            .collect()
    }

    /// An Ory job that runs once and exits (`migrate`, a CLI call, the
    /// courier or janitor), not the server: its command names no `serve`.
    pub fn is_ory_job(&self) -> bool {
        let words = self.command_words();
        matches!(self.kind, ServiceKind::Kratos | ServiceKind::Hydra)
            && !words.is_empty()
            && !words.iter().any(|w| w == "serve")
    }

    /// Whether it serves an Ory admin API to its networks: a Kratos or
    /// Hydra server (Hydra's `serve public` does not) whose
    /// `serve.admin.host` is not a loopback address nor a Unix socket.
    /// `None` where that host is only known at deploy time.
    pub fn serves_admin(&self) -> Option<bool> {
        if !matches!(self.kind, ServiceKind::Kratos | ServiceKind::Hydra) || self.is_ory_job() {
            return Some(false);
        }
        let words = self.command_words();
        if let Some(at) = words.iter().position(|w| w == "serve") {
            let what = words.get(at + 1).map(String::as_str);
            if self.kind == ServiceKind::Hydra && !matches!(what, Some("all" | "admin")) {
                return Some(false);
            }
        }
        match self.ory.as_ref().and_then(|o| o.get("serve.admin.host")) {
            None => Some(true),
            Some(host) => {
                let host = host.value.text()?;
                Some(!(is_loopback(&host) || host.starts_with("unix:")))
            }
        }
    }

    /// The port its admin API listens on: `serve.admin.port`, else Ory's
    /// default (Kratos 4434, Hydra 4445); `None` where the setting is
    /// there but not a known number (a probe of the default would look
    /// in the wrong place).
    pub fn admin_port(&self) -> Option<u16> {
        if let Some(port) = self.ory.as_ref().and_then(|o| o.get("serve.admin.port")) {
            return port.value.text()?.parse().ok();
        }
        match self.kind {
            ServiceKind::Kratos => Some(4434),
            ServiceKind::Hydra => Some(4445),
            _ => None,
        }
    }

    /// Whether it may run beside `other`: not when each is started only
    /// under compose profiles the other does not share (`--profile ciam`
    /// here, `--profile iam` there).
    pub fn may_run_with(&self, other: &ServiceFacts) -> bool {
        let (mine, theirs) = (&self.service.profiles, &other.service.profiles);
        mine.is_empty() || theirs.is_empty() || mine.iter().any(|p| theirs.contains(p))
    }

    /// [`ServiceFacts::dsn`] with the key it came from (`dsn`, `DSN`,
    /// `DATABASE_URL`): services reach the shared settings database as
    /// `DATABASE_URL`.
    pub fn dsn_with_key(&self) -> Option<(&'static str, Value)> {
        if let Some(setting) = self.ory.as_ref().and_then(|o| o.get("dsn")) {
            return Some(("dsn", setting.value));
        }
        ["DSN", "DATABASE_URL"]
            .into_iter()
            .find_map(|k| Some((k, self.service.env(k)?.value.clone()?)))
    }
}

/// An OAuth2 client registered by a seed script; the Hydra it lands in
/// is what the model resolves its admin URL to.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub registration: crate::load::seed::Registration,
}

/// What one environment folder holds.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub sites: Vec<Site>,
    pub services: Vec<ServiceFacts>,
    pub oauth2_clients: Vec<OAuthClient>,
    pub init_sql: Vec<crate::load::initsql::InitSql>,
}

/// What the configuration says about a tree's files.
pub struct Options<'a> {
    /// A folder the configuration names as an environment.
    pub is_environment: &'a (dyn Fn(&Path) -> bool + Sync),
    /// An `env_file` that must exist (a missing one is CFG001, not CFG002).
    pub required_env_file: &'a (dyn Fn(&Path) -> bool + Sync),
}

/// Nothing configured: no folder or seed script named, no `env_file`
/// required.
impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            is_environment: &|_| false,
            required_env_file: &|_| false,
        }
    }
}

/// Whether a folder holds a compose file (by name, or by shape as the
/// tree's walk finds them).
fn holds_compose_file(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .any(|e| e.path().is_file() && crate::discover::is_compose_file(&e.path()))
    })
}

/// The environment folder a file belongs to: the nearest folder above it
/// that holds compose files or that the configuration names.
pub fn environment_of(file: &Path, options: &Options) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|d| holds_compose_file(d) || (options.is_environment)(d))
        .map(Path::to_path_buf)
}

/// The Caddyfile a service mounts (a bind mount of a file named like one).
fn mounted_caddyfile(service: &Service, dir: &Path) -> Option<PathBuf> {
    service.volumes.iter().find_map(|v| {
        let source = v.source.as_deref()?;
        let path = crate::discover::normalize(&dir.join(source));
        (v.kind == VolumeKind::Bind && path.is_file() && crate::discover::is_caddyfile_name(&path))
            .then_some(path)
    })
}

/// Reads one environment: a compose stack and what its folder holds.
pub fn environment(
    sources: &SourceMap,
    scope: &Scope,
    options: &Options,
    stack: &Stack,
    extra: &Vars,
    diagnostics: &mut Vec<Diagnostic>,
) -> Loaded {
    let dir = stack.dir.as_path();
    let (vars, mut diags) = compose::project_vars(sources, dir, &stack.env_files, extra);
    diagnostics.append(&mut diags);
    // Compose files apply in order; a later definition of a service is
    // merged into the earlier one.
    let mut merged: Vec<Service> = Vec::new();
    let project = compose::Project {
        dir,
        vars: &vars,
        required_env_file: options.required_env_file,
    };
    for file in &stack.files {
        let mut c = compose::load_in(sources, scope, file, &project);
        diagnostics.append(&mut c.diagnostics);
        for service in c.services {
            match merged.iter_mut().find(|s| s.name == service.name) {
                Some(earlier) => earlier.overlay(service),
                None => merged.push(service),
            }
        }
    }
    let mut services: Vec<ServiceFacts> = Vec::new();
    for mut service in merged {
        crate::load::dockerfile::apply(sources, scope, &mut service, dir, diagnostics);
        let (kind, kind_reason) = crate::load::kind::kind_of(&service);
        let ory = kind
            .ory()
            .map(|k| ory::load(sources, scope, &service, k, dir, diagnostics));
        // Reports mask the text that secrets come from (a `.env` line
        // whose own name does not say it is secret).
        for e in &service.environment {
            if let Some(value) = &e.value {
                for span in crate::syntax::redact::secret_sources(&e.key, value) {
                    sources.mark_secret(span);
                }
            }
        }
        services.push(ServiceFacts {
            service,
            kind,
            kind_reason,
            ory,
        });
    }
    let mut site_list = Vec::new();
    let caddyfiles: Vec<(PathBuf, Env)> = services
        .iter()
        .filter_map(|s| {
            let path = mounted_caddyfile(&s.service, dir)?;
            let env: Env = s
                .service
                .environment
                .iter()
                .filter_map(|e| Some((e.key.clone(), e.value.as_ref()?.text()?)))
                .collect();
            Some((path, env))
        })
        .collect();
    let caddyfiles = if caddyfiles.is_empty() {
        crate::discover::caddyfiles_in(dir)
            .into_iter()
            .map(|p| (p, Env::new()))
            .collect()
    } else {
        caddyfiles
    };
    for (path, env) in caddyfiles {
        let config = caddy::load(sources, scope, &path, &env);
        let (s, mut diags) = sites(&config, &env);
        diagnostics.extend(config.diagnostics);
        diagnostics.append(&mut diags);
        site_list.extend(s);
    }
    let oauth2_clients = seed_clients(
        sources,
        scope,
        dir,
        &stack.scripts,
        &services,
        &vars,
        diagnostics,
    );
    let init_sql = init_scripts(sources, scope, dir, &services, diagnostics);
    Loaded {
        sites: site_list,
        services,
        oauth2_clients,
        init_sql,
    }
}

/// The SQL files the postgres service mounts into
/// `/docker-entrypoint-initdb.d` (a file, or every `.sql` of a folder).
fn init_scripts(
    sources: &SourceMap,
    scope: &Scope,
    dir: &Path,
    services: &[ServiceFacts],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<crate::load::initsql::InitSql> {
    let mut files: Vec<PathBuf> = Vec::new();
    for s in services.iter().filter(|s| s.kind == ServiceKind::Postgres) {
        for v in &s.service.volumes {
            let Some(source) = v.source.as_deref() else {
                continue;
            };
            if v.kind != VolumeKind::Bind || !v.target.starts_with("/docker-entrypoint-initdb.d") {
                continue;
            }
            let path = crate::discover::normalize(&dir.join(source));
            if path.is_dir() {
                let mut sql: Vec<PathBuf> = std::fs::read_dir(&path)
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                            .collect()
                    })
                    .unwrap_or_default();
                sql.sort();
                files.extend(sql);
            } else if path.extension().is_some_and(|e| e == "sql") {
                files.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for path in files {
        if !scope.contains(&path) {
            continue;
        }
        match crate::discover::read_source(sources, &path) {
            Ok((id, text)) => {
                let (sql, mut diags) = crate::load::initsql::parse(id, &text);
                diagnostics.append(&mut diags);
                out.push(sql);
            }
            Err(unreadable) => diagnostics.push(unreadable.at_file(sources)),
        }
    }
    out
}

/// A service's environment as variables a script it runs can read.
fn service_vars(service: &Service, outer: &Vars) -> Vars {
    let mut vars = outer.clone();
    for e in &service.environment {
        if let Some(v) = &e.value {
            vars.insert(e.key.clone(), std::sync::Arc::new(v.clone()));
        }
    }
    vars
}

/// A script one service runs, or one run on its own.
struct Script<'a> {
    path: PathBuf,
    vars: Vars,
    /// The bind mount that brings it into its service.
    mount: Option<Span>,
    service: Option<&'a Service>,
}

/// The shell scripts a service runs from its mounts: a mounted `.sh`
/// file; in a mounted folder, the scripts its command or entrypoint names
/// (`/scripts/seed.sh`, also inside `sh -c "..."`) and `*seed*.sh` files.
fn mounted_scripts(service: &Service, dir: &Path, scope: &Scope) -> Vec<(PathBuf, Span)> {
    let words: Vec<String> = service
        .command
        .iter()
        .chain(&service.entrypoint)
        .map(Value::template_text)
        .collect();
    let mut out: Vec<(PathBuf, Span)> = Vec::new();
    for v in &service.volumes {
        let Some(source) = v.source.as_deref().filter(|_| v.kind == VolumeKind::Bind) else {
            continue;
        };
        let path = crate::discover::normalize(&dir.join(source));
        if path.is_file() {
            if path.extension().is_some_and(|e| e == "sh") {
                out.push((path, v.span));
            }
            continue;
        }
        let target = format!("{}/", v.target.trim_end_matches('/'));
        for word in &words {
            for (i, _) in word.match_indices(&target) {
                let rest = word.get(i..).unwrap_or("");
                let end = rest
                    .find(|c: char| c.is_whitespace() || "'\";&|)".contains(c))
                    .unwrap_or(rest.len());
                let named = rest.get(..end).unwrap_or("");
                if named.ends_with(".sh")
                    && let Some(host) = service.host_path(dir, named)
                    && host.is_file()
                {
                    out.push((host, v.span));
                }
            }
        }
        // (A folder outside the tree is not listed.)
        let listed = scope.contains(&path).then(|| std::fs::read_dir(&path));
        for entry in listed.into_iter().flatten().flatten().flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.contains("seed") && name.ends_with(".sh") && p.is_file() {
                out.push((p, v.span));
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Seed scripts, each evaluated once: in every service that runs it (with
/// that service's environment), else on its own (the `found` ones: the
/// `*seed*.sh` files the tree's walk found in the folder and the files
/// `isolint.toml` names) with the project variables.
fn seed_clients(
    sources: &SourceMap,
    scope: &Scope,
    dir: &Path,
    found: &[PathBuf],
    services: &[ServiceFacts],
    vars: &Vars,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<OAuthClient> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut scripts: Vec<Script> = Vec::new();
    for s in services {
        for (path, mount) in mounted_scripts(&s.service, dir, scope) {
            scripts.push(Script {
                path,
                vars: service_vars(&s.service, vars),
                mount: Some(mount),
                service: Some(&s.service),
            });
        }
    }
    let run_in_a_service: std::collections::HashSet<PathBuf> =
        scripts.iter().map(|s| canonical(&s.path)).collect();
    for path in found {
        if run_in_a_service.is_empty() || !run_in_a_service.contains(&canonical(path)) {
            scripts.push(Script {
                path: path.clone(),
                vars: vars.clone(),
                mount: None,
                service: None,
            });
        }
    }
    let mut out = Vec::new();
    for script in scripts {
        let path = &script.path;
        if !scope.contains(path) {
            let at = script
                .mount
                .unwrap_or_else(|| Span::new(sources.add(path, ""), 0, 0));
            diagnostics.push(
                Diagnostic::parse_error(
                    at,
                    format!(
                        "seed script {} lies outside the checked tree; isolint does not read it",
                        crate::syntax::source::display_path(path)
                    ),
                )
                .with_label("leads out of the tree"),
            );
            continue;
        }
        let text = match crate::discover::read_text(sources, path) {
            Ok(t) => t,
            Err(error) => {
                let unreadable = crate::discover::Unreadable {
                    path: path.to_path_buf(),
                    error,
                };
                diagnostics.push(unreadable.at_file(sources));
                continue;
            }
        };
        // One file, however many services run it: findings share its spans.
        let id = sources.add_once(path, text.as_str());
        let script_dir = path.parent().unwrap_or(dir).to_path_buf();
        // `curl -d @client.json`: beside the script, or where the
        // service's mounts put it.
        let read_file = |named: &str| -> Option<Value> {
            let host = match script.service {
                Some(service) if named.starts_with('/') => service.host_path(dir, named)?,
                _ => crate::discover::normalize(&script_dir.join(named)),
            };
            if !scope.contains(&host) {
                return None;
            }
            let text = crate::discover::read_text(sources, &host).ok()?;
            let file = sources.add_once(&host, text.as_str());
            Some(Value::literal(
                text.as_str(),
                Span::new(file, 0, text.len()),
            ))
        };
        let context = crate::load::seed::Context {
            vars: &script.vars,
            file: &read_file,
        };
        match crate::load::seed::registrations(id, &text, &context) {
            Ok(regs) => out.extend(regs.into_iter().map(|r| OAuthClient { registration: r })),
            Err(d) => diagnostics.push(d),
        }
    }
    out
}

/// A loopback host: `localhost`, or an address in 127.0.0.0/8 or `::1`
/// (bracketed or not).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_beside_a_compose_file_of_any_name_belongs_to_its_folder() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap_or(root))
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            path
        };
        write(
            "ory/quickstart.yml",
            "services:\n  kratos:\n    image: oryd/kratos:v1\n",
        );
        let config = write("ory/contrib/kratos/kratos.yml", "dsn: memory\n");
        let found = environment_of(&config, &Options::default());
        assert_eq!(found.as_deref(), Some(root.join("ory").as_path()));
    }
}
