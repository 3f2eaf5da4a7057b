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
use crate::syntax::source::{FileId, SourceMap, Span};
use crate::syntax::value::{Origin, Value, parse_template};
use crate::syntax::yaml::{self, Kind, Node};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a service's variable was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    Environment,
    EnvFile(FileId),
}

/// One variable of a service's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub key: String,
    pub key_span: Span,
    /// `None` when the value is absent (an unknown outer variable).
    pub value: Option<Value>,
    pub source: EnvSource,
}

/// A port binding, short (`"127.0.0.1:3000:3000/tcp"`) or long syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub host_ip: Option<String>,
    /// Published host port or range (`3000`, `3000-3005`); `None` when
    /// only the container port is given.
    pub published: Option<String>,
    pub target: String,
    pub protocol: String,
    pub span: Span,
}

impl Port {
    /// The published host ports, `3000` or `3000-3005`, as a range.
    pub fn published_range(&self) -> Option<(u16, u16)> {
        port_range(self.published.as_deref()?)
    }

    /// The container ports (without the protocol), as a range.
    pub fn target_range(&self) -> Option<(u16, u16)> {
        port_range(self.target.split('/').next().unwrap_or(""))
    }
}

/// `3000` → (3000, 3000); `3000-3005` → (3000, 3005); anything else (a
/// reversed range, a placeholder) → `None`.
pub fn port_range(text: &str) -> Option<(u16, u16)> {
    let (lo, hi) = text.split_once('-').unwrap_or((text, text));
    let (lo, hi) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
    (lo <= hi).then_some((lo, hi))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeKind {
    Bind,
    Volume,
    Tmpfs,
}

/// A mount, short (`./ciam-kratos:/etc/config/kratos:ro`) or long syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub kind: VolumeKind,
    /// Host path (bind) or volume name; resolved text.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// The mount as written; in the long form, its `source:`.
    pub span: Span,
}

/// One compose service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    pub image: Option<Value>,
    /// Env files first, then `environment`; the last definition of a key
    /// wins (see [`Service::env`]).
    pub environment: Vec<EnvVar>,
    pub ports: Vec<Port>,
    pub volumes: Vec<Volume>,
    /// Words of `command` (a string is split like a shell would, simply).
    pub command: Vec<Value>,
    pub entrypoint: Vec<Value>,
    pub depends_on: Vec<String>,
    pub profiles: Vec<String>,
    /// `build:` (a context string, or `context` and `dockerfile`): a
    /// locally built image, as written.
    pub build: Option<Build>,
    /// Other names the service answers to on its networks:
    /// `container_name`, `hostname` and `networks.*.aliases`.
    pub aliases: Vec<String>,
    /// The networks it joins, each where it is named; `None`: no
    /// `networks:` key, so the project's `default` network.
    pub networks: Option<Vec<(String, Span)>>,
    /// `network_mode` as written (`host`, `none`, `service:NAME`).
    pub network_mode: Option<(String, Span)>,
    /// Keys written with compose's `!reset` or `!override` tag: in an
    /// override file they replace the earlier value instead of merging.
    pub replaced: Vec<String>,
}

/// A service's `build:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    pub span: Span,
    /// The image its Dockerfile's final stage is built `FROM`, once read.
    pub from: Option<String>,
}

/// The last path segment of an image's repository: `oryd/kratos:v1.3`,
/// `localhost:5000/oryd/kratos@sha256:...` → `kratos`.
pub fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or("");
    let last = without_digest.rsplit('/').next().unwrap_or("");
    last.split(':').next().unwrap_or("")
}

impl Service {
    /// The image's name (see [`image_name`]); with unknown parts written
    /// as `${NAME}`, so `${REGISTRY}/oryd/kratos:${TAG}` is still `kratos`.
    pub fn image_name(&self) -> Option<String> {
        let image = self.image.as_ref()?;
        let text = image.text().unwrap_or_else(|| image.template_text());
        Some(image_name(&text).to_string())
    }

    /// Applies a later compose file's definition of the same service, as
    /// compose merges override files: single values are replaced when the
    /// override sets them, environment entries added (the later wins),
    /// ports added, volumes replaced by mount target, dependencies joined.
    pub fn overlay(&mut self, later: Service) {
        for key in &later.replaced {
            match key.as_str() {
                "image" => self.image = None,
                "environment" => self
                    .environment
                    .retain(|e| e.source != EnvSource::Environment),
                "env_file" => self
                    .environment
                    .retain(|e| e.source == EnvSource::Environment),
                "ports" => self.ports.clear(),
                "volumes" => self.volumes.clear(),
                "command" => self.command.clear(),
                "entrypoint" => self.entrypoint.clear(),
                "depends_on" => self.depends_on.clear(),
                "profiles" => self.profiles.clear(),
                "networks" => self.networks = None,
                _ => {}
            }
        }
        if later.image.is_some() {
            self.image = later.image;
        }
        self.environment.extend(later.environment);
        for p in later.ports {
            if !self.ports.iter().any(|q| {
                q.published == p.published && q.target == p.target && q.protocol == p.protocol
            }) {
                self.ports.push(p);
            }
        }
        for v in later.volumes {
            self.volumes.retain(|w| w.target != v.target);
            self.volumes.push(v);
        }
        if !later.command.is_empty() {
            self.command = later.command;
        }
        if !later.entrypoint.is_empty() {
            self.entrypoint = later.entrypoint;
        }
        for d in later.depends_on {
            if !self.depends_on.contains(&d) {
                self.depends_on.push(d);
            }
        }
        if !later.profiles.is_empty() {
            self.profiles = later.profiles;
        }
        if later.build.is_some() {
            self.build = later.build;
        }
        for a in later.aliases {
            if !self.aliases.contains(&a) {
                self.aliases.push(a);
            }
        }
        if let Some(more) = later.networks {
            let networks = self.networks.get_or_insert_with(Vec::new);
            for (name, span) in more {
                if !networks.iter().any(|(n, _)| *n == name) {
                    networks.push((name, span));
                }
            }
        }
        if later.network_mode.is_some() {
            self.network_mode = later.network_mode;
        }
    }

    /// Says the service's relative paths (bind mounts, build context) from
    /// a folder `base` above the one they were written for.
    pub fn rebase(&mut self, base: &Path) {
        for v in &mut self.volumes {
            if v.kind == VolumeKind::Bind
                && let Some(source) = v.source.take()
            {
                v.source = Some(rebase_path(base, source));
            }
        }
        if let Some(b) = self.build.as_mut()
            && let Some(context) = b.context.take()
        {
            b.context = Some(rebase_path(base, context));
        }
    }

    /// Maps a container path to the host through the service's bind mounts
    /// (the longest mount target that holds it); `dir` is the project folder.
    pub fn host_path(&self, dir: &Path, inside: &str) -> Option<PathBuf> {
        self.volumes
            .iter()
            .filter(|v| v.kind == VolumeKind::Bind)
            .filter_map(|v| {
                let target = v.target.trim_end_matches('/');
                let rest = inside.strip_prefix(target)?;
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return None;
                }
                let host = dir
                    .join(v.source.as_deref()?)
                    .join(rest.trim_start_matches('/'));
                Some((target.len(), crate::discover::normalize(&host)))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, p)| p)
    }

    /// Whether the service answers to `host` on its networks: its name or
    /// one of its aliases, without regard to case.
    pub fn answers_to(&self, host: &str) -> bool {
        self.name.eq_ignore_ascii_case(host)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(host))
    }

    /// The effective value of an environment variable.
    /// `environment` always wins over `env_file`, whichever compose file
    /// set them.
    pub fn env(&self, key: &str) -> Option<&EnvVar> {
        let mut matching = self.environment.iter().rev().filter(|e| e.key == key);
        let first = matching.clone().next();
        matching
            .find(|e| e.source == EnvSource::Environment)
            .or(first)
    }
}

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

/// The variables of `files` read in order (a later one wins), then
/// `extra`, which wins over them all and is known while they are read.
fn env_file_vars(sources: &SourceMap, files: &[PathBuf], extra: &Vars) -> (Vars, Vec<Diagnostic>) {
    let mut vars = Vars::new();
    let mut diagnostics = Vec::new();
    for path in files {
        match crate::discover::read_source(sources, path) {
            Ok((id, text)) => {
                let known = |name: &str| extra.get(name).or_else(|| vars.get(name)).cloned();
                match crate::load::dotenv::parse(id, &text, &known) {
                    Ok(env) => {
                        for e in env.entries {
                            if let Some(v) = e.value {
                                vars.insert(e.key, Arc::new(v));
                            }
                        }
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
            Err(unreadable) => diagnostics.push(unreadable.at_file(sources)),
        }
    }
    for (k, v) in extra {
        vars.insert(k.clone(), v.clone());
    }
    (vars, diagnostics)
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

/// `include:` and `extends:` chains deeper than this are refused.
const MAX_DEPTH: usize = 16;

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

/// Reads and parses a compose-format file once per run; a failure is a
/// CFG001 at `at` (the line that names it), or at the file itself.
fn parse_file(
    sources: &SourceMap,
    path: &Path,
    at: Option<(Span, &str)>,
) -> Result<(FileId, Node), Diagnostic> {
    let text = crate::discover::read_text(sources, path).map_err(|error| {
        let unreadable = crate::discover::Unreadable {
            path: path.to_path_buf(),
            error,
        };
        match at {
            Some((span, what)) => match &unreadable.error {
                crate::discover::ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                    Diagnostic::parse_error(
                        span,
                        format!(
                            "{what} {} does not exist",
                            crate::syntax::source::display_path(path)
                        ),
                    )
                }
                _ => unreadable.at(span, &format!("{what} ")),
            }
            .with_label("compose stops here"),
            None => unreadable.at_file(sources),
        }
    })?;
    let file = sources.add_once(path, text.as_str());
    let docs = yaml::parse(file, &text)?;
    let root = docs.into_iter().next().unwrap_or(Node {
        kind: Kind::Map(Vec::new()),
        span: Span::new(file, 0, 0),
        alias: None,
        tag: None,
    });
    Ok((file, root))
}

fn load_chain(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    path: &Path,
    named_at: Option<Span>,
    project: &Project,
    chain: &mut Vec<PathBuf>,
) -> Compose {
    let mut out = Compose::default();
    let (file, root) = match parse_file(sources, path, named_at.map(|s| (s, "include"))) {
        Ok(parsed) => parsed,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    out.file = Some(file);
    out.files.push(file);
    let here = crate::discover::absolute(path);
    chain.push(here.clone());
    // Relative `include` and `extends` paths resolve against the project
    // folder, as compose-go's resource loader does (for every file of a
    // `-f` set, not only the first).
    for include in root.get("include").map(Node::items).unwrap_or(&[]) {
        let Some(c) = include_entry(sources, scope, include, project, chain, &mut out) else {
            continue;
        };
        out.files.extend(c.files);
        out.diagnostics.extend(c.diagnostics);
        for service in c.services {
            match out.services.iter().find(|s| s.name == service.name) {
                // The same definition included twice (two includes of one
                // file) is one service, as compose takes it.
                Some(earlier) if earlier.name_span == service.name_span => {}
                Some(earlier) => out.diagnostics.push(
                    Diagnostic::parse_error(
                        service.name_span,
                        format!(
                            "included files define service {} twice; compose refuses conflicting definitions",
                            service.name
                        ),
                    )
                    .with_related(earlier.name_span, "defined here")
                    .with_label("defined again"),
                ),
                None => out.services.push(service),
            }
        }
    }
    let mut ctx = Ctx {
        sources,
        vars: project.vars,
        scope,
        project: project.dir,
        // The file's own relative paths resolve against the project folder
        // (every file of a `-f` set; an include's own project folder).
        bases: vec![(file, PathBuf::new())],
        required_env_file: project.required_env_file,
        unreadable: Vec::new(),
        diagnostics: Vec::new(),
    };
    for entry in root.get("services").map(Node::entries).unwrap_or(&[]) {
        let Some(name) = entry.key.as_str() else {
            continue;
        };
        let mut seen = vec![(here.clone(), name.to_string())];
        let node = ctx.resolve_extends(&root, project.dir, &entry.value, &mut seen, &mut out.files);
        let service = ctx.service(name, entry.key.span, &node, &mut out.files);
        if let Some(earlier) = out.services.iter().find(|s| s.name == service.name) {
            ctx.diagnostics.push(
                Diagnostic::parse_error(
                    entry.key.span,
                    format!(
                        "service {name} is also defined by an included file ({}); compose refuses a redefinition",
                        sources.display_path(earlier.name_span.file)
                    ),
                )
                .with_related(earlier.name_span, "defined here")
                .with_label("defined again"),
            );
            continue;
        }
        out.services.push(service);
    }
    chain.pop();
    out.diagnostics.append(&mut ctx.diagnostics);
    out
}

/// The folder of a file's relative paths, said relative to the project
/// folder when it is another (`""` when it is the project's own).
fn project_base(project: &Path, dir: &Path) -> PathBuf {
    if project == dir {
        return PathBuf::new();
    }
    let (p, d) = (
        crate::discover::absolute(project),
        crate::discover::absolute(dir),
    );
    if p == d {
        return PathBuf::new();
    }
    pathdiff::diff_paths(&d, &p).unwrap_or(d)
}

/// A relative path written in a file whose folder is `base` (relative
/// to the project), said from the project folder: `./kratos` or `kratos`
/// in `ory/compose.yml` is `./ory/kratos`. Absolute paths, `~` and URLs
/// (a git build context) are left as written; callers pass paths only
/// (a bind mount's source, a build context), never a named volume.
fn rebase_path(base: &Path, rel: String) -> String {
    let absolute = rel.starts_with(['/', '~', '$']) || Path::new(&rel).is_absolute();
    let url = rel.contains("://") || rel.starts_with("git@");
    if base.as_os_str().is_empty() || absolute || url {
        return rel;
    }
    let joined = crate::discover::normalize(&base.join(&rel));
    let text = joined.to_string_lossy().replace('\\', "/");
    if text.starts_with("..") {
        text
    } else {
        format!("./{text}")
    }
}

/// One `include:` entry (a path, or `path` with `project_directory` and
/// `env_file`), loaded as its own project: the files `path` lists merged
/// in order like a `-f` set, relative paths resolved against its project
/// folder (`project_directory`, else the first file's folder), variables
/// from its `env_file`s (else that folder's `.env`) under the including
/// project's, which win. Paths the entry writes are the including
/// project's. A file compose cannot read stops it: CFG001, `None`.
fn include_entry(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    entry: &Node,
    project: &Project,
    chain: &mut Vec<PathBuf>,
    out: &mut Compose,
) -> Option<Compose> {
    let paths: Vec<&Node> = match entry.get("path") {
        Some(p) if matches!(p.kind, Kind::Seq(_)) => p.items().iter().collect(),
        Some(p) => vec![p],
        None if matches!(entry.kind, Kind::Scalar(_)) => vec![entry],
        None => Vec::new(),
    };
    let text_of = |n: &Node| {
        let mut v = parse_template(
            n.as_str()?,
            Origin {
                whole: n.span,
                offset: None,
            },
        )
        .ok()?;
        v.bind(&|name| project.vars.get(name).cloned());
        v.text()
    };
    let mut refuse = |span: Span, message: String, label: &str| {
        out.diagnostics
            .push(Diagnostic::parse_error(span, message).with_label(label));
        None
    };
    let mut files = Vec::new();
    for node in paths {
        let Some(rel) = text_of(node) else { continue };
        // A remote include (an OCI artifact, a git URL) is not in the tree.
        if rel.contains("://") || rel.starts_with("git@") {
            continue;
        }
        let path = crate::discover::normalize(&project.dir.join(&rel));
        if chain.contains(&crate::discover::absolute(&path)) {
            return refuse(
                node.span,
                format!("include {rel} includes itself (a cycle)"),
                "this include closes the cycle",
            );
        }
        if chain.len() >= MAX_DEPTH {
            return refuse(
                node.span,
                format!("include {rel} is nested more than {MAX_DEPTH} deep"),
                "this include",
            );
        }
        if path.exists() && !scope.contains(&path) {
            return refuse(
                node.span,
                format!("include {rel} is outside the checked tree; isolint does not read it"),
                "this include",
            );
        }
        files.push((path, node.span));
    }
    let (first, _) = files.first()?;
    let dir = entry
        .get("project_directory")
        .and_then(text_of)
        .map_or_else(
            || first.parent().map(Path::to_path_buf).unwrap_or_default(),
            |d| crate::discover::normalize(&project.dir.join(d)),
        );
    let listed: Vec<&Node> = match entry.get("env_file") {
        Some(e) if matches!(e.kind, Kind::Seq(_)) => e.items().iter().collect(),
        Some(e) => vec![e],
        None => Vec::new(),
    };
    let mut env_files = Vec::new();
    for node in listed {
        let Some(rel) = text_of(node) else { continue };
        let path = crate::discover::normalize(&project.dir.join(&rel));
        if !path.is_file() {
            return refuse(
                node.span,
                format!("include env_file {rel} does not exist"),
                "compose stops here",
            );
        }
        env_files.push(path);
    }
    if env_files.is_empty() {
        env_files.extend(Some(dir.join(".env")).filter(|p| p.is_file()));
    }
    let (vars, mut diagnostics) = env_file_vars(sources, &env_files, project.vars);
    out.diagnostics.append(&mut diagnostics);
    let included = Project {
        dir: &dir,
        vars: &vars,
        required_env_file: project.required_env_file,
    };
    let mut merged = Compose::default();
    for (path, span) in files {
        let c = load_chain(sources, scope, &path, Some(span), &included, chain);
        merged.files.extend(c.files);
        merged.diagnostics.extend(c.diagnostics);
        for service in c.services {
            match merged.services.iter_mut().find(|s| s.name == service.name) {
                Some(earlier) => earlier.overlay(service),
                None => merged.services.push(service),
            }
        }
    }
    // The included project's relative paths, said from the including one.
    let base = project_base(project.dir, &dir);
    for service in &mut merged.services {
        service.rebase(&base);
    }
    Some(merged)
}

fn merge_values(base: &Node, over: &Node) -> Node {
    // Compose's `!reset` and `!override` replace instead of merging.
    if matches!(over.tag.as_deref(), Some("!reset" | "!override")) {
        return over.clone();
    }
    match (&base.kind, &over.kind) {
        (Kind::Seq(a), Kind::Seq(b)) => Node {
            kind: Kind::Seq(a.iter().chain(b).cloned().collect()),
            span: over.span,
            alias: over.alias,
            tag: over.tag.clone(),
        },
        (Kind::Map(a), Kind::Map(b)) => {
            let mut merged = a.clone();
            for e in b {
                match merged.iter_mut().find(|m| m.key.as_str() == e.key.as_str()) {
                    Some(m) => m.value = e.value.clone(),
                    None => merged.push(e.clone()),
                }
            }
            Node {
                kind: Kind::Map(merged),
                span: over.span,
                alias: over.alias,
                tag: over.tag.clone(),
            }
        }
        _ => over.clone(),
    }
}

struct Ctx<'a> {
    sources: &'a SourceMap,
    vars: &'a Vars,
    scope: &'a crate::discover::Scope,
    /// The project folder: relative paths are said from it.
    project: &'a Path,
    /// Per file, the folder its relative paths resolve against, relative
    /// to the project folder (`""`: the project's own).
    bases: Vec<(FileId, PathBuf)>,
    required_env_file: &'a (dyn Fn(&Path) -> bool + Sync),
    /// Files `extends` names that cannot be read, with their finding.
    unreadable: Vec<(PathBuf, usize)>,
    diagnostics: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// A variable's value: the project's, and `$PWD`, the folder compose
    /// runs in (the project folder).
    fn known(&self, name: &str, at: Span) -> Option<Arc<Value>> {
        self.vars
            .get(name)
            .cloned()
            .or_else(|| (name == "PWD").then(|| Arc::new(Value::literal(".", at))))
    }

    /// The folder (relative to the project) that relative paths written in
    /// `file` resolve against.
    fn base(&mut self, file: FileId) -> PathBuf {
        if let Some((_, b)) = self.bases.iter().find(|(f, _)| *f == file) {
            return b.clone();
        }
        let dir = self
            .sources
            .path(file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let base = project_base(self.project, &dir);
        self.bases.push((file, base.clone()));
        base
    }

    /// The folder on disk that relative paths written in `file` resolve
    /// against.
    fn folder(&mut self, file: FileId) -> PathBuf {
        let base = self.base(file);
        crate::discover::normalize(&self.project.join(base))
    }

    /// A relative path written in `file`, said from the project folder.
    fn rebased(&mut self, file: FileId, rel: String) -> String {
        let base = self.base(file);
        rebase_path(&base, rel)
    }

    /// `extends: { service: base }` (or `extends: base`), in the same file
    /// or `file:` another: the base's keys, overridden by the service's
    /// own, one level deep per key (lists concatenated, maps merged). A
    /// missing file or service stops compose: CFG001 at its line.
    fn resolve_extends(
        &mut self,
        root: &Node,
        dir: &Path,
        service: &Node,
        seen: &mut Vec<(PathBuf, String)>,
        files: &mut Vec<FileId>,
    ) -> Node {
        let Some(ext) = service.get("extends") else {
            return service.clone();
        };
        let name_node = ext.get("service").unwrap_or(ext);
        let Some(base_name) = name_node.as_str() else {
            return service.clone();
        };
        let mut other: Option<(PathBuf, Node)> = None;
        if let Some(file_node) = ext.get("file") {
            let Some(rel) = self.text(file_node) else {
                return service.clone();
            };
            let path = crate::discover::normalize(&dir.join(&rel));
            // (A missing file is reported as missing, wherever it would be.)
            if path.exists() && !self.scope.contains(&path) {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        file_node.span,
                        format!(
                            "extends file {rel} is outside the checked tree; isolint does not read it"
                        ),
                    )
                    .with_label("this file"),
                );
                return service.clone();
            }
            // One finding per unreadable file, every line that names it.
            if let Some(&(_, at)) = self.unreadable.iter().find(|(p, _)| *p == path) {
                if let Some(d) = self.diagnostics.get_mut(at) {
                    d.related
                        .push(crate::diag::Label::new(file_node.span, "also named here"));
                }
                return service.clone();
            }
            match parse_file(self.sources, &path, Some((file_node.span, "extends file"))) {
                Ok((id, root)) => {
                    if !files.contains(&id) {
                        files.push(id);
                    }
                    other = Some((path, root));
                }
                Err(d) => {
                    self.unreadable.push((path, self.diagnostics.len()));
                    self.diagnostics.push(d);
                    return service.clone();
                }
            }
        }
        // The file this service is written in: the last one followed.
        let here = seen.last().map(|(p, _)| p.clone()).unwrap_or_default();
        let key = (
            other
                .as_ref()
                .map_or(here, |(p, _)| crate::discover::absolute(p)),
            base_name.to_string(),
        );
        if seen.contains(&key) || seen.len() >= MAX_DEPTH {
            self.diagnostics.push(
                Diagnostic::parse_error(
                    name_node.span,
                    format!("extends {base_name} leads back to itself (a cycle)"),
                )
                .with_label("this extends closes the cycle"),
            );
            return service.clone();
        }
        let base_root = other.as_ref().map_or(root, |(_, r)| r);
        let Some(base) = base_root.get("services").and_then(|s| s.entry(base_name)) else {
            let file = other.as_ref().map_or_else(
                || "this file".to_string(),
                |(p, _)| crate::syntax::source::display_path(p),
            );
            self.diagnostics.push(
                Diagnostic::parse_error(
                    name_node.span,
                    format!("extends {base_name}: no such service in {file}"),
                )
                .with_label("compose stops here"),
            );
            return service.clone();
        };
        let base_dir = other
            .as_ref()
            .and_then(|(p, _)| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.to_path_buf());
        seen.push(key);
        let base = self.resolve_extends(base_root, &base_dir, &base.value, seen, files);
        let mut merged = base.entries().to_vec();
        for e in service.entries() {
            if e.key.as_str() == Some("extends") {
                continue;
            }
            // Compose merges most keys; these are replaced outright.
            let replaced = matches!(e.key.as_str(), Some("command" | "entrypoint" | "profiles"));
            match merged.iter_mut().find(|m| m.key.as_str() == e.key.as_str()) {
                Some(m) if replaced => m.value = e.value.clone(),
                Some(m) => m.value = merge_values(&m.value, &e.value),
                None => merged.push(e.clone()),
            }
        }
        Node {
            kind: Kind::Map(merged),
            span: service.span,
            alias: service.alias,
            tag: service.tag.clone(),
        }
    }
    /// Interpolates a scalar; spans are exact when the scalar is written
    /// as is (plain, on one line), else every piece points at the scalar.
    fn value(&mut self, node: &Node) -> Option<Value> {
        let text = match &node.kind {
            Kind::Scalar(s) => s.value.as_str(),
            _ => return None,
        };
        let source = self
            .sources
            .text(node.span.file)
            .get(node.span.start as usize..node.span.end as usize)
            .unwrap_or("");
        let origin = Origin {
            whole: node.span,
            offset: (source == text && node.alias.is_none()).then_some(node.span.start as usize),
        };
        match parse_template(text, origin) {
            Ok(mut v) => {
                v.bind(&|name| self.known(name, node.span));
                for (var, message) in v.failed_requirements() {
                    self.diagnostics.push(
                        Diagnostic::parse_error(
                            var.span,
                            format!(
                                "{} is set but empty, and `:?` makes compose stop here: {message}",
                                var.name
                            ),
                        )
                        .with_label("required non-empty"),
                    );
                }
                Some(v)
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::parse_error(e.span, e.message).with_label("in this compose value"),
                );
                None
            }
        }
    }

    fn text(&mut self, node: &Node) -> Option<String> {
        self.value(node).and_then(|v| v.text())
    }

    fn strings(&mut self, node: Option<&Node>) -> Vec<String> {
        match node {
            Some(n) if matches!(n.kind, Kind::Seq(_)) => {
                n.items().iter().filter_map(|i| self.text(i)).collect()
            }
            Some(n) if matches!(n.kind, Kind::Map(_)) => n
                .entries()
                .iter()
                .filter_map(|e| e.key.as_str().map(str::to_string))
                .collect(),
            Some(n) => self.text(n).into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn service(
        &mut self,
        name: &str,
        name_span: Span,
        node: &Node,
        files: &mut Vec<FileId>,
    ) -> Service {
        let mut environment = self.env_files(node.get("env_file"), files);
        environment.extend(self.environment(node.get("environment")));
        let mut volumes = node
            .get("volumes")
            .map(|v| self.volumes(v))
            .unwrap_or_default();
        for v in &mut volumes {
            if v.kind == VolumeKind::Bind
                && let Some(source) = v.source.take()
            {
                v.source = Some(self.rebased(v.span.file, source));
            }
        }
        let mut build = node.get("build").map(|b| self.build(b));
        if let Some(b) = build.as_mut()
            && let Some(context) = b.context.take()
        {
            b.context = Some(self.rebased(b.span.file, context));
        }
        Service {
            name: name.to_string(),
            name_span,
            image: node.get("image").and_then(|n| self.value(n)),
            environment,
            ports: node.get("ports").map(|p| self.ports(p)).unwrap_or_default(),
            volumes,
            command: self.words(node.get("command")),
            entrypoint: self.words(node.get("entrypoint")),
            depends_on: self.strings(node.get("depends_on")),
            profiles: self.strings(node.get("profiles")),
            build,
            aliases: self.aliases(node),
            networks: node.get("networks").map(|n| self.networks(n)),
            network_mode: node
                .get("network_mode")
                .and_then(|n| Some((self.text(n)?, n.span))),
            replaced: node
                .entries()
                .iter()
                .filter(|e| matches!(e.value.tag.as_deref(), Some("!reset" | "!override")))
                .filter_map(|e| e.key.as_str().map(str::to_string))
                .collect(),
        }
    }

    /// A bare `KEY`: the variable `KEY` of the outer environment.
    fn outer(&self, key: &str, span: Span) -> Option<Value> {
        Some(Value {
            pieces: vec![crate::syntax::value::Piece::Var(
                crate::syntax::value::Var {
                    name: key.to_string(),
                    span,
                    op: None,
                    bound: self.vars.get(key).cloned(),
                    local: false,
                },
            )],
        })
    }

    fn environment(&mut self, node: Option<&Node>) -> Vec<EnvVar> {
        let Some(node) = node else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &node.kind {
            Kind::Map(entries) => {
                for e in entries {
                    let Some(key) = e.key.as_str() else { continue };
                    let value = if e.value.is_null() {
                        self.outer(key, e.key.span)
                    } else {
                        self.value(&e.value)
                    };
                    out.push(EnvVar {
                        key: key.to_string(),
                        key_span: e.key.span,
                        value,
                        source: EnvSource::Environment,
                    });
                }
            }
            Kind::Seq(items) => {
                for item in items {
                    let Some(text) = item.as_str() else { continue };
                    let (key, value) = match text.split_once('=') {
                        Some((k, _)) => {
                            // Interpolate the whole item, then drop `KEY=`:
                            // the key itself holds no variable.
                            let value = self
                                .value(item)
                                .map(|v| strip_key(v, k.len() + 1, item.span));
                            (k.to_string(), value)
                        }
                        None => (text.to_string(), self.outer(text, item.span)),
                    };
                    let key_span = Span::new(
                        item.span.file,
                        item.span.start as usize,
                        item.span.start as usize + key.len(),
                    );
                    out.push(EnvVar {
                        key,
                        key_span,
                        value,
                        source: EnvSource::Environment,
                    });
                }
            }
            Kind::Scalar(_) => {}
        }
        out
    }

    fn env_files(&mut self, node: Option<&Node>, files: &mut Vec<FileId>) -> Vec<EnvVar> {
        let Some(node) = node else {
            return Vec::new();
        };
        let items: Vec<&Node> = match &node.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for item in items {
            let (path_node, required) = match &item.kind {
                Kind::Map(_) => (
                    item.get("path"),
                    item.get("required").and_then(Node::as_bool).unwrap_or(true),
                ),
                _ => (Some(item), true),
            };
            let Some(path_node) = path_node else { continue };
            let Some(rel) = self.text(path_node) else {
                continue;
            };
            let dir = self.folder(path_node.span.file);
            let path = crate::discover::normalize(&dir.join(&rel));
            if !self.scope.contains(&path) {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        path_node.span,
                        format!(
                            "env_file {rel} is outside the checked tree; isolint does not read it"
                        ),
                    )
                    .with_label("this env file"),
                );
                continue;
            }
            let text = match crate::discover::read_text(self.sources, &path) {
                Ok(t) => t,
                Err(_) if !required => continue,
                // A secret file kept out of git: its values are given at
                // deploy time, unless the configuration says it must exist.
                Err(crate::discover::ReadError::Io(e))
                    if e.kind() == std::io::ErrorKind::NotFound
                        && !(self.required_env_file)(&path) =>
                {
                    self.diagnostics.push(
                        Diagnostic::unresolved(
                            path_node.span,
                            format!(
                                "env_file {rel} is not in the tree; its values are taken as given at deploy time"
                            ),
                        )
                        .with_label("not in the tree")
                        .with_help(
                            "pass it with --env-file to check its values, or list it in [compose] required-env-files if it must exist",
                        ),
                    );
                    continue;
                }
                Err(e) => {
                    self.diagnostics.push(
                        Diagnostic::parse_error(path_node.span, format!("env_file {rel}: {e}"))
                            .with_label("this env file cannot be read"),
                    );
                    continue;
                }
            };
            let id = self.sources.add(&path, text.as_str());
            files.push(id);
            let vars = self.vars;
            match crate::load::dotenv::parse(id, &text, &|name| vars.get(name).cloned()) {
                Ok(env) => out.extend(env.entries.into_iter().map(|e| EnvVar {
                    key: e.key,
                    key_span: e.key_span,
                    value: e.value,
                    source: EnvSource::EnvFile(id),
                })),
                Err(d) => self.diagnostics.push(d),
            }
        }
        out
    }

    fn ports(&mut self, node: &Node) -> Vec<Port> {
        let mut out = Vec::new();
        for item in node.items() {
            match &item.kind {
                Kind::Map(_) => {
                    let get = |k: &str| item.get(k);
                    let target = get("target").and_then(|n| self.text(n)).unwrap_or_default();
                    out.push(Port {
                        host_ip: get("host_ip").and_then(|n| self.text(n)),
                        published: get("published").and_then(|n| self.text(n)),
                        target,
                        protocol: get("protocol")
                            .and_then(|n| self.text(n))
                            .unwrap_or_else(|| "tcp".into()),
                        span: item.span,
                    });
                }
                _ => {
                    // A port only known at deploy time is kept as written.
                    if let Some(text) = self
                        .text(item)
                        .or_else(|| item.as_str().map(str::to_string))
                    {
                        out.push(short_port(&text, item.span));
                    }
                }
            }
        }
        out
    }

    fn volumes(&mut self, node: &Node) -> Vec<Volume> {
        let mut out = Vec::new();
        for item in node.items() {
            match &item.kind {
                Kind::Map(_) => {
                    let kind = match item.get("type").and_then(Node::as_str) {
                        Some("bind") => VolumeKind::Bind,
                        Some("tmpfs") => VolumeKind::Tmpfs,
                        _ => VolumeKind::Volume,
                    };
                    out.push(Volume {
                        kind,
                        source: item.get("source").and_then(|n| self.text(n)),
                        target: item
                            .get("target")
                            .and_then(|n| self.text(n))
                            .unwrap_or_default(),
                        read_only: item
                            .get("read_only")
                            .and_then(Node::as_bool)
                            .unwrap_or(false),
                        // Findings about a mount point at what it mounts.
                        span: item.get("source").map_or(item.span, |n| n.span),
                    });
                }
                _ => {
                    if let Some(text) = self
                        .text(item)
                        .or_else(|| item.as_str().map(str::to_string))
                    {
                        out.push(short_volume(&text, item.span));
                    }
                }
            }
        }
        out
    }

    /// `command`/`entrypoint`: a list of words, or a string split at white
    /// space outside quotes.
    fn build(&mut self, node: &Node) -> Build {
        match &node.kind {
            Kind::Map(_) => Build {
                context: node.get("context").and_then(|n| self.text(n)),
                dockerfile: node.get("dockerfile").and_then(|n| self.text(n)),
                span: node.span,
                from: None,
            },
            _ => Build {
                context: self.text(node),
                dockerfile: None,
                span: node.span,
                from: None,
            },
        }
    }

    fn aliases(&mut self, node: &Node) -> Vec<String> {
        let mut out: Vec<String> = ["container_name", "hostname"]
            .iter()
            .filter_map(|k| node.get(k))
            .filter_map(|n| self.text(n))
            .collect();
        if let Some(networks) = node.get("networks") {
            for e in networks.entries() {
                out.extend(self.strings(e.value.get("aliases")));
            }
        }
        out.retain(|a| !a.is_empty());
        out
    }

    /// `networks:` as a list of names or a mapping keyed by them.
    fn networks(&mut self, node: &Node) -> Vec<(String, Span)> {
        let named: Vec<(String, Span)> = match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|i| Some((self.text(i)?, i.span)))
                .collect(),
            _ => node
                .entries()
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.to_string(), e.key.span)))
                .collect(),
        };
        named.into_iter().filter(|(n, _)| !n.is_empty()).collect()
    }

    fn words(&mut self, node: Option<&Node>) -> Vec<Value> {
        let Some(node) = node else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(items) => items.iter().filter_map(|i| self.value(i)).collect(),
            Kind::Scalar(s) => {
                // Each word keeps its own span when the string is written
                // as is (plain or simply quoted on one line) and the word
                // had no quotes of its own.
                let source = self
                    .sources
                    .text(node.span.file)
                    .get(node.span.start as usize..node.span.end as usize)
                    .unwrap_or("");
                let base = match source.find(s.value.as_str()) {
                    Some(at) if node.alias.is_none() && !s.value.is_empty() => {
                        Some(node.span.start as usize + at)
                    }
                    _ => None,
                };
                split_words(&s.value)
                    .into_iter()
                    .filter_map(|(w, range)| {
                        let exact = base.filter(|_| s.value.get(range.clone()) == Some(w.as_str()));
                        let origin = match exact {
                            Some(b) => Origin {
                                whole: Span::new(node.span.file, b + range.start, b + range.end),
                                offset: Some(b + range.start),
                            },
                            None => Origin {
                                whole: node.span,
                                offset: None,
                            },
                        };
                        parse_template(&w, origin).ok().map(|mut v| {
                            v.bind(&|name| self.known(name, node.span));
                            v
                        })
                    })
                    .collect()
            }
            Kind::Map(_) => Vec::new(),
        }
    }
}

/// Drops the first `n` bytes of literal text (a list item's `KEY=`).
fn strip_key(mut v: Value, mut n: usize, item: Span) -> Value {
    use crate::syntax::value::Piece;
    while n > 0 {
        let Some(Piece::Lit { text, span }) = v.pieces.first_mut() else {
            break;
        };
        if text.len() <= n {
            n -= text.len();
            v.pieces.remove(0);
        } else {
            let cut = text.get(n..).unwrap_or("").to_string();
            if span.len() == text.len() {
                span.start += u32::try_from(n).unwrap_or(0);
            }
            *text = cut;
            n = 0;
        }
    }
    if v.pieces.is_empty() {
        v.pieces.push(Piece::Lit {
            text: String::new(),
            span: Span::new(item.file, item.end as usize, item.end as usize),
        });
    }
    v
}

/// `[[host_ip:]published:]target[/protocol]`; IPv6 host IPs in brackets.
pub fn short_port(text: &str, span: Span) -> Port {
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((s, p)) => (s, p.to_string()),
        None => (text, "tcp".to_string()),
    };
    let (host_ip, rest) = match spec.strip_prefix('[') {
        Some(after) => match after.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, spec),
        },
        None if spec.matches(':').count() == 2 => match spec.split_once(':') {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, spec),
        },
        None => (None, spec),
    };
    let (published, target) = match rest.rsplit_once(':') {
        Some((p, t)) => ((!p.is_empty()).then(|| p.to_string()), t.to_string()),
        None => (None, rest.to_string()),
    };
    Port {
        host_ip: host_ip.filter(|s| !s.is_empty()),
        published,
        target,
        protocol,
        span,
    }
}

/// `source:target[:mode]`, or a lone target (an anonymous volume). A source
/// starting with `.`, `/` or `~` is a bind mount, else a named volume.
pub fn short_volume(text: &str, span: Span) -> Volume {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, t.to_string(), ""),
        [s, t] => (Some(s.to_string()), t.to_string(), ""),
        [s, t, m, ..] => (Some(s.to_string()), t.to_string(), *m),
        [] => (None, String::new(), ""),
    };
    let kind = match source.as_deref() {
        Some(s) if s.starts_with(['.', '/', '~']) => VolumeKind::Bind,
        _ => VolumeKind::Volume,
    };
    Volume {
        kind,
        source,
        target,
        read_only: mode.split(',').any(|m| m == "ro"),
        span,
    }
}

/// Splits a command string at white space outside single or double
/// quotes, removing the quotes (as compose does with shlex); each word
/// with the byte range it spans in `s`.
fn split_words(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(from) = start.take() {
                    out.push((std::mem::take(&mut word), from..i));
                }
            }
            (None, c) => {
                word.push(c);
                start.get_or_insert(i);
            }
        }
    }
    if let Some(from) = start {
        out.push((word, from..s.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    #[test]
    fn short_ports() {
        let p = |s: &str| {
            let p = short_port(s, span());
            (p.host_ip, p.published, p.target, p.protocol)
        };
        let o = |s: &str| Some(s.to_string());
        assert_eq!(p("3000"), (None, None, "3000".into(), "tcp".into()));
        assert_eq!(
            p("3000:3000"),
            (None, o("3000"), "3000".into(), "tcp".into())
        );
        assert_eq!(
            p("127.0.0.1:4433:4433/udp"),
            (o("127.0.0.1"), o("4433"), "4433".into(), "udp".into())
        );
        assert_eq!(
            p("3000-3005:3000-3005"),
            (None, o("3000-3005"), "3000-3005".into(), "tcp".into())
        );
        assert_eq!(
            p("[::1]:80:8080"),
            (o("::1"), o("80"), "8080".into(), "tcp".into())
        );
    }

    #[test]
    fn short_volumes() {
        let v = short_volume("./ciam-kratos:/etc/config/kratos:ro", span());
        assert_eq!(
            (v.kind, v.source.as_deref(), v.target.as_str(), v.read_only),
            (
                VolumeKind::Bind,
                Some("./ciam-kratos"),
                "/etc/config/kratos",
                true
            )
        );
        let v = short_volume("pgdata:/var/lib/postgresql/data", span());
        assert_eq!((v.kind, v.read_only), (VolumeKind::Volume, false));
        assert_eq!(short_volume("/data", span()).source, None);
    }

    #[test]
    fn command_strings_split_outside_quotes() {
        let text = "serve -c /etc/config/kratos/kratos.yml  --dev 'a b' \"c d\"";
        let words = split_words(text);
        let texts: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "serve",
                "-c",
                "/etc/config/kratos/kratos.yml",
                "--dev",
                "a b",
                "c d"
            ]
        );
        let ranges: Vec<Option<&str>> = words.iter().map(|(_, r)| text.get(r.clone())).collect();
        assert_eq!(ranges[3], Some("--dev"));
        assert_eq!(ranges[4], Some("'a b'"));
    }
}
