//! A compose service as isolint keeps it: image, environment with
//! provenance, ports, mounts, command, build, networks; how an override
//! file's definition overlays it.

use super::*;
use crate::syntax::source::{FileId, Span};
use crate::syntax::value::Value;
use std::path::{Path, PathBuf};

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
    /// ports added, volumes replaced by mount target, dependencies,
    /// aliases and networks joined (`network_mode` replaced).
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
                "network_mode" => self.network_mode = None,
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
