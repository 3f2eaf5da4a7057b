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
/// present), then `extra` (from `--env-file`/`--var`), which wins.
pub fn project_vars(
    sources: &SourceMap,
    dir: &std::path::Path,
    extra: &Vars,
) -> (Vars, Vec<Diagnostic>) {
    let mut vars = Vars::new();
    let mut diagnostics = Vec::new();
    let path = dir.join(".env");
    if path.is_file() {
        match crate::discover::read_text(&path) {
            Ok(text) => {
                let id = sources.add(&path, text.as_str());
                match crate::load::dotenv::parse(id, &text, &|name| extra.get(name).cloned()) {
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
            Err(e) => {
                let id = sources.add(&path, "");
                diagnostics.push(Diagnostic::parse_error(
                    Span::new(id, 0, 0),
                    format!(".env: {e}"),
                ));
            }
        }
    }
    for (k, v) in extra {
        vars.insert(k.clone(), v.clone());
    }
    (vars, diagnostics)
}

/// Loads the compose file `path`; env files are read only inside `scope`. `vars` holds the values of the project
/// `.env`, `--env-file` and `--var`, already combined.
pub fn load(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    path: &std::path::Path,
    vars: &Vars,
) -> Compose {
    let mut out = Compose::default();
    let text = match crate::discover::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            let id = sources.add(path, "");
            out.diagnostics.push(Diagnostic::parse_error(
                Span::new(id, 0, 0),
                format!("{}: {e}", path.display()),
            ));
            return out;
        }
    };
    let file = sources.add(path, text.as_str());
    out.file = Some(file);
    out.files.push(file);
    let docs = match yaml::parse(file, &text) {
        Ok(d) => d,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let dir = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut ctx = Ctx {
        text: &text,
        vars,
        scope,
        diagnostics: Vec::new(),
    };
    let Some(root) = docs.first() else {
        return out;
    };
    for entry in root.get("services").map(Node::entries).unwrap_or(&[]) {
        let Some(name) = entry.key.as_str() else {
            continue;
        };
        let node = resolve_extends(root, &entry.value);
        let service = ctx.service(name, entry.key.span, &node, sources, &dir, &mut out.files);
        out.services.push(service);
    }
    out.diagnostics.append(&mut ctx.diagnostics);
    out
}

/// `extends: { service: base }` (or `extends: base`) within the same file:
/// the base's keys, overridden by the service's own, one level deep per
/// key (environment lists are concatenated, maps merged).
fn resolve_extends(root: &Node, service: &Node) -> Node {
    let mut seen = Vec::new();
    resolve_extends_inner(root, service, &mut seen)
}

fn resolve_extends_inner(root: &Node, service: &Node, seen: &mut Vec<String>) -> Node {
    let Some(ext) = service.get("extends") else {
        return service.clone();
    };
    if ext.get("file").is_some() {
        return service.clone();
    }
    let Some(base_name) = ext
        .as_str()
        .or_else(|| ext.get("service").and_then(Node::as_str))
    else {
        return service.clone();
    };
    // A cycle, or a chain deeper than compose would sensibly go.
    if seen.iter().any(|s| s == base_name) || seen.len() >= 16 {
        return service.clone();
    }
    seen.push(base_name.to_string());
    let Some(base) = root.get("services").and_then(|s| s.entry(base_name)) else {
        return service.clone();
    };
    let base = resolve_extends_inner(root, &base.value, seen);
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
    text: &'a str,
    vars: &'a Vars,
    scope: &'a crate::discover::Scope,
    diagnostics: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// Interpolates a scalar; spans are exact when the scalar is written
    /// as is (plain, on one line), else every piece points at the scalar.
    fn value(&mut self, node: &Node) -> Option<Value> {
        let text = match &node.kind {
            Kind::Scalar(s) => s.value.as_str(),
            _ => return None,
        };
        let source = self
            .text
            .get(node.span.start as usize..node.span.end as usize)
            .unwrap_or("");
        let origin = Origin {
            whole: node.span,
            offset: (source == text && node.alias.is_none()).then_some(node.span.start as usize),
        };
        match parse_template(text, origin) {
            Ok(mut v) => {
                v.bind(&|name| self.vars.get(name).cloned());
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
        sources: &SourceMap,
        dir: &std::path::Path,
        files: &mut Vec<FileId>,
    ) -> Service {
        let mut environment = self.env_files(node.get("env_file"), sources, dir, files);
        environment.extend(self.environment(node.get("environment")));
        Service {
            name: name.to_string(),
            name_span,
            image: node.get("image").and_then(|n| self.value(n)),
            environment,
            ports: node.get("ports").map(|p| self.ports(p)).unwrap_or_default(),
            volumes: node
                .get("volumes")
                .map(|v| self.volumes(v))
                .unwrap_or_default(),
            command: self.words(node.get("command")),
            entrypoint: self.words(node.get("entrypoint")),
            depends_on: self.strings(node.get("depends_on")),
            profiles: self.strings(node.get("profiles")),
            build: node.get("build").map(|b| self.build(b)),
            aliases: self.aliases(node),
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

    fn env_files(
        &mut self,
        node: Option<&Node>,
        sources: &SourceMap,
        dir: &std::path::Path,
        files: &mut Vec<FileId>,
    ) -> Vec<EnvVar> {
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
            let text = match crate::discover::read_text(&path) {
                Ok(t) => t,
                Err(_) if !required => continue,
                Err(e) => {
                    self.diagnostics.push(
                        Diagnostic::parse_error(path_node.span, format!("env_file {rel}: {e}"))
                            .with_label("this env file cannot be read"),
                    );
                    continue;
                }
            };
            let id = sources.add(&path, text.as_str());
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
            },
            _ => Build {
                context: self.text(node),
                dockerfile: None,
                span: node.span,
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
                    .text
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
                            v.bind(&|name| self.vars.get(name).cloned());
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
