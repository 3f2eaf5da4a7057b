//! The effective configuration of a Kratos or Hydra service: its YAML file
//! (found through the `-c`/`--config` path and the bind mount that serves
//! it) overlaid by the service's environment, where the environment wins.
//!
//! Ory maps every key path to an environment variable: the path upper-cased
//! with `.` → `_` (`session.cookie.domain` → `SESSION_COOKIE_DOMAIN`); list
//! items are `NAME_0`, `NAME_1`, … or one comma-separated `NAME`.

use crate::diag::Diagnostic;
use crate::load::compose::{EnvVar, Service};
use crate::syntax::source::{FileId, SourceMap, Span};
use crate::syntax::value::Value;
use crate::syntax::yaml::{self, Kind, Node};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OryKind {
    Kratos,
    Hydra,
}

/// The keys isolint reads; `*` stands for any one key, a trailing `**`
/// for every value below.
pub const KEYS: &[&str] = &[
    "dsn",
    "serve.public.base_url",
    "serve.public.port",
    "serve.public.host",
    "serve.admin.base_url",
    "serve.admin.port",
    "serve.admin.host",
    "cookies.domain",
    "cookies.path",
    "cookies.same_site",
    "session.cookie.domain",
    "session.cookie.name",
    "session.cookie.path",
    "serve.cookies.domain",
    "serve.cookies.names.*",
    "secrets.cookie",
    "secrets.cipher",
    "secrets.default",
    "secrets.system",
    "oidc.subject_identifiers.pairwise.salt",
    "identity.default_schema_id",
    "identity.schemas.*.url",
    "courier.smtp.connection_uri",
    "courier.templates.**",
    "selfservice.default_browser_return_url",
    "selfservice.allowed_return_urls",
    "selfservice.flows.*.ui_url",
    "oauth2_provider.url",
    "urls.self.issuer",
    "urls.self.public",
    "urls.login",
    "urls.consent",
    "urls.logout",
    "urls.error",
    "serve.public.cors.allowed_origins",
    "log.leak_sensitive_values",
];

/// Top-level Ory keys in their environment form: a Kratos or Hydra reads
/// these variables as its own settings.
const ENV_PREFIXES: &[&str] = &[
    "SELFSERVICE_",
    "SERVE_",
    "URLS_",
    "OAUTH2_PROVIDER_",
    "COURIER_",
    "IDENTITY_",
    "SESSION_",
    "COOKIES_",
    "OIDC_",
    "WEBFINGER_",
];

/// Whether a Kratos or Hydra reads an environment variable as one of its
/// settings (`SELFSERVICE_DEFAULT_BROWSER_RETURN_URL`), not as a URL of
/// some app.
pub fn is_ory_env(key: &str) -> bool {
    ENV_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Keys whose values are lists.
const LIST_KEYS: &[&str] = &[
    "secrets.cookie",
    "secrets.cipher",
    "secrets.default",
    "secrets.system",
    "selfservice.allowed_return_urls",
    "serve.public.cors.allowed_origins",
];

/// Where an effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The service's environment variable of that name.
    Env { var: String, key_span: Span },
    /// The YAML file, at this key.
    Yaml { key_span: Span },
}

/// One effective value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub path: String,
    pub value: Value,
    pub source: Source,
}

/// A Kratos or Hydra service's configuration.
#[derive(Debug, Clone)]
pub struct OryConfig {
    pub kind: OryKind,
    /// The YAML file, when one is mounted and named with `-c`.
    pub file: Option<FileId>,
    /// The `-c` path inside the container, and where it was found.
    pub config_path: Option<(String, Span)>,
    root: Option<Node>,
    env: Vec<EnvVar>,
}

/// A boolean in an environment variable, as Ory (Go's `ParseBool`) reads
/// it: `1`, `t`, `true`, `0`, `f`, `false`, in those cases or capitalised.
pub fn parse_env_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The path given with `-c`/`--config` in entrypoint + command.
fn config_arg(service: &Service) -> Option<(String, Span)> {
    let words: Vec<&Value> = service.entrypoint.iter().chain(&service.command).collect();
    for (i, w) in words.iter().enumerate() {
        let Some(text) = w.text() else { continue };
        let Some(span) = w.span() else { continue };
        for flag in ["--config=", "-c="] {
            if let Some(p) = text.strip_prefix(flag) {
                return Some((p.to_string(), span));
            }
        }
        if text == "-c" || text == "--config" {
            let next = words.get(i + 1)?;
            return Some((next.text()?, next.span().unwrap_or(span)));
        }
    }
    None
}

/// Loads the configuration of an Ory service. `dir` is the compose file's
/// folder; the YAML is read only inside `scope`.
pub fn load(
    sources: &SourceMap,
    scope: &crate::discover::Scope,
    service: &Service,
    kind: OryKind,
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> OryConfig {
    let config_path = config_arg(service);
    let mut config = OryConfig {
        kind,
        file: None,
        config_path: config_path.clone(),
        root: None,
        env: service.environment.clone(),
    };
    let Some((inside, at)) = config_path else {
        return config;
    };
    let Some(path) = service.host_path(dir, &inside) else {
        return config;
    };
    if !scope.contains(&path) {
        diagnostics.push(
            Diagnostic::parse_error(
                at,
                format!(
                    "{inside} is mounted from outside the checked tree; isolint does not read it"
                ),
            )
            .with_label("this config file"),
        );
        return config;
    }
    // A mount whose source is not in the tree (a stack started from
    // another folder, a path made at deploy time): compose accepts it, so
    // this is a note that its settings go unchecked, not a parse error.
    if !path.exists() {
        diagnostics.push(
            Diagnostic::unresolved(
                at,
                format!(
                    "{inside} is mounted from {}, which is not in the tree; its settings are not checked",
                    crate::syntax::source::display_path(&path)
                ),
            )
            .with_label("the service loads this config"),
        );
        return config;
    }
    let text = match crate::discover::read_text(sources, &path) {
        Ok(t) => t,
        Err(e) => {
            diagnostics.push(
                Diagnostic::parse_error(
                    at,
                    format!(
                        "{inside} (mounted from {}): {e}",
                        crate::syntax::source::display_path(&path)
                    ),
                )
                .with_label("the service loads this config"),
            );
            return config;
        }
    };
    let id = sources.add_once(&path, text.as_str());
    config.file = Some(id);
    // Ory reads YAML, JSON or TOML by the file's extension.
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let parsed = match extension.as_deref() {
        Some("json") => crate::syntax::json::parse(id, &text),
        Some("toml") => crate::syntax::toml::parse(id, &text).map(Some),
        _ => yaml::parse(id, &text).map(|docs| docs.into_iter().next()),
    };
    match parsed {
        Ok(root) => {
            if let Some(root) = &root {
                mark_secrets(sources, root);
            }
            config.root = root;
        }
        Err(d) => diagnostics.push(d.with_related(at, "loaded by this service")),
    }
    config
}

/// Marks every scalar under a secret key (`secrets.cookie.0`, a
/// `password`) as secret, so that reports mask it in JSON and TOML
/// configs too, whose lines the YAML-minded line masking does not read.
fn mark_secrets(sources: &SourceMap, root: &Node) {
    each_leaf("", root, None, &mut |path, node, _| {
        let key = path.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        if crate::syntax::redact::holds_secret(key) {
            sources.mark_secret(node.span);
        }
    });
}

/// `session.cookie.domain` → `SESSION_COOKIE_DOMAIN`.
pub fn env_name(path: &str) -> String {
    path.replace('.', "_").to_ascii_uppercase()
}

impl OryConfig {
    fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().rev().find(|e| e.key == name)
    }

    fn env_setting(&self, path: &str, name: &str) -> Option<Setting> {
        let var = self.env_var(name)?;
        Some(Setting {
            path: path.to_string(),
            value: var.value.clone()?,
            source: Source::Env {
                var: name.to_string(),
                key_span: var.key_span,
            },
        })
    }

    fn yaml_entry(&self, path: &str) -> Option<(&Node, Span)> {
        let root = self.root.as_ref()?;
        let (parent, last) = match path.rsplit_once('.') {
            Some((p, l)) => (root.get(p)?, l),
            None => (root, path),
        };
        let entry = parent.entry(last)?;
        Some((&entry.value, entry.key.span))
    }

    fn yaml_scalar(path: &str, node: &Node, key_span: Span) -> Option<Setting> {
        let text = node.as_str()?;
        if node.is_null() {
            return None;
        }
        Some(Setting {
            path: path.to_string(),
            value: Value::literal(text, node.span),
            source: Source::Yaml { key_span },
        })
    }

    /// A single value: the environment's, else the YAML's.
    pub fn get(&self, path: &str) -> Option<Setting> {
        if let Some(s) = self.env_setting(path, &env_name(path)) {
            return Some(s);
        }
        let (node, key_span) = self.yaml_entry(path)?;
        OryConfig::yaml_scalar(path, node, key_span)
    }

    /// A list: `NAME_0`, `NAME_1`, … or a comma-separated `NAME` from the
    /// environment, else the YAML list (or a single YAML scalar).
    pub fn list(&self, path: &str) -> Vec<Setting> {
        let name = env_name(path);
        let indexed: Vec<Setting> = (0..)
            .map_while(|i| self.env_setting(&format!("{path}.{i}"), &format!("{name}_{i}")))
            .collect();
        if !indexed.is_empty() {
            return indexed;
        }
        if let Some(s) = self.env_setting(path, &name) {
            return split_commas(s);
        }
        let Some((node, key_span)) = self.yaml_entry(path) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    OryConfig::yaml_scalar(&format!("{path}.{i}"), item, key_span)
                })
                .collect(),
            _ => OryConfig::yaml_scalar(path, node, key_span)
                .into_iter()
                .collect(),
        }
    }

    /// A real boolean: a plain YAML `true`/`false`, or the env form.
    pub fn bool(&self, path: &str) -> Option<(bool, Setting)> {
        if let Some(s) = self.env_setting(path, &env_name(path)) {
            return Some((parse_env_bool(&s.value.text()?)?, s));
        }
        let (node, key_span) = self.yaml_entry(path)?;
        let b = node.as_bool()?;
        Some((
            b,
            Setting {
                path: path.to_string(),
                value: Value::literal(node.as_str().unwrap_or(""), node.span),
                source: Source::Yaml { key_span },
            },
        ))
    }

    /// Every effective value of [`KEYS`], wildcards expanded over the YAML
    /// keys and the environment's names.
    pub fn settings(&self) -> Vec<Setting> {
        let mut out = Vec::new();
        for key in KEYS {
            if let Some(prefix) = key.strip_suffix(".**") {
                out.extend(self.leaves(prefix));
            } else if key.contains('*') {
                for path in self.expand(key) {
                    out.extend(self.get(&path));
                }
            } else if LIST_KEYS.contains(key) {
                out.extend(self.list(key));
            } else if *key == "log.leak_sensitive_values" {
                out.extend(self.bool(key).map(|(_, s)| s));
            } else {
                out.extend(self.get(key));
            }
        }
        out
    }

    /// Every scalar below `prefix`, from the YAML and from environment
    /// variables whose names extend the prefix's (`COURIER_TEMPLATES_...`).
    pub fn leaves(&self, prefix: &str) -> Vec<Setting> {
        let mut out = Vec::new();
        if let Some(node) = self.root.as_ref().and_then(|r| r.get(prefix)) {
            collect_leaves(prefix, node, None, &mut out);
        }
        let env_prefix = format!("{}_", env_name(prefix));
        for e in &self.env {
            if let Some(rest) = e.key.strip_prefix(&env_prefix)
                && let Some(value) = &e.value
            {
                let path = format!("{prefix}.{}", rest.to_ascii_lowercase());
                out.retain(|s: &Setting| env_name(&s.path) != e.key);
                out.push(Setting {
                    path,
                    value: value.clone(),
                    source: Source::Env {
                        var: e.key.clone(),
                        key_span: e.key_span,
                    },
                });
            }
        }
        out
    }

    /// The concrete paths a wildcard key stands for here.
    pub fn expand(&self, pattern: &str) -> Vec<String> {
        let Some((prefix, suffix)) = pattern.split_once(".*") else {
            return vec![pattern.to_string()];
        };
        let suffix = suffix.trim_start_matches('.');
        let mut names: Vec<String> = Vec::new();
        if let Some(parent) = self.root.as_ref().and_then(|r| r.get(prefix)) {
            match &parent.kind {
                Kind::Map(entries) => names.extend(
                    entries
                        .iter()
                        .filter_map(|e| e.key.as_str().map(str::to_string)),
                ),
                Kind::Seq(items) => names.extend((0..items.len()).map(|i| i.to_string())),
                Kind::Scalar(_) => {}
            }
        }
        let env_prefix = format!("{}_", env_name(prefix));
        let env_suffix = if suffix.is_empty() {
            String::new()
        } else {
            format!("_{}", env_name(suffix))
        };
        for e in &self.env {
            if let Some(middle) = e
                .key
                .strip_prefix(&env_prefix)
                .and_then(|r| r.strip_suffix(&env_suffix))
                && !middle.is_empty()
            {
                let name = middle.to_ascii_lowercase();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
            .into_iter()
            .map(|n| {
                if suffix.is_empty() {
                    format!("{prefix}.{n}")
                } else {
                    format!("{prefix}.{n}.{suffix}")
                }
            })
            .collect()
    }
}

/// One comma-separated environment value as list items.
fn split_commas(s: Setting) -> Vec<Setting> {
    let Some(text) = s.value.text() else {
        return vec![s];
    };
    if !text.contains(',') {
        return vec![s];
    }
    let Some(span) = s.value.span() else {
        return vec![s];
    };
    text.split(',')
        .enumerate()
        .map(|(i, item)| Setting {
            path: format!("{}.{i}", s.path),
            value: Value::literal(item.trim(), span),
            source: s.source.clone(),
        })
        .collect()
}

fn collect_leaves(path: &str, node: &Node, key_span: Option<Span>, out: &mut Vec<Setting>) {
    each_leaf(path, node, key_span, &mut |path, node, key_span| {
        if let (Some(text), false) = (node.as_str(), node.is_null()) {
            out.push(Setting {
                path: path.to_string(),
                value: Value::literal(text, node.span),
                source: Source::Yaml {
                    key_span: key_span.unwrap_or(node.span),
                },
            });
        }
    });
}

/// Calls `f` with every scalar below `node`, its dotted path from `path`
/// (list items by index) and the span of the key it sits under.
fn each_leaf(
    path: &str,
    node: &Node,
    key_span: Option<Span>,
    f: &mut impl FnMut(&str, &Node, Option<Span>),
) {
    let join = |seg: &str| {
        if path.is_empty() {
            seg.to_string()
        } else {
            format!("{path}.{seg}")
        }
    };
    match &node.kind {
        Kind::Scalar(_) => f(path, node, key_span),
        Kind::Map(entries) => {
            for e in entries {
                if let Some(k) = e.key.as_str() {
                    each_leaf(&join(k), &e.value, Some(e.key.span), f);
                }
            }
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                each_leaf(&join(&i.to_string()), item, key_span, f);
            }
        }
    }
}
