//! What a compose service is — Kratos, Hydra, the proxy, the database
//! server or an app — from every signal it gives: the program it runs,
//! its image's repository path, a mounted Caddyfile, its build context or
//! Dockerfile. The signal that decided is kept, for `dump`.

use crate::load::compose::Service;
use crate::load::ory::OryKind;
use crate::syntax::value::Value;
use std::path::Path;

/// What a service is, for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Kratos,
    Hydra,
    Proxy,
    Postgres,
    App,
}

impl ServiceKind {
    /// Its name, as the dump and rule files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Kratos => "kratos",
            ServiceKind::Hydra => "hydra",
            ServiceKind::Proxy => "proxy",
            ServiceKind::Postgres => "postgres",
            ServiceKind::App => "app",
        }
    }
}

impl ServiceKind {
    /// The Ory program, for Kratos and Hydra.
    pub fn ory(self) -> Option<OryKind> {
        match self {
            ServiceKind::Kratos => Some(OryKind::Kratos),
            ServiceKind::Hydra => Some(OryKind::Hydra),
            _ => None,
        }
    }
}

/// Words of the last part of a path or image repository
/// (`ghcr.io/org/kratos-vendor:1.2` → `kratos`, `vendor`).
fn last_part_words(text: &str) -> Vec<String> {
    crate::load::compose::image_name(text.trim_end_matches('/'))
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Words that mark an Ory *UI*, example or test-harness image
/// (`kratos-selfservice-ui-node`, `hydra-login-consent-node`,
/// `hydra-oidc-httpd` of the conformance suite), not Kratos or Hydra.
const UI_WORDS: &[&str] = &[
    "oidc",
    "httpd",
    "conformance",
    "ui",
    "selfservice",
    "login",
    "consent",
    "node",
    "react",
    "nextjs",
    "example",
    "client",
];

/// Kratos, Hydra or Caddy named by the words of an image or build path.
fn kind_in_words(words: &[String]) -> Option<ServiceKind> {
    if words.iter().any(|w| w == "caddy") {
        return Some(ServiceKind::Proxy);
    }
    // `kratos`, `ciam-kratos`, `kratos-vendor`: Kratos, unless a word says
    // it is a UI, an example or a seed runner beside it.
    let ui = words.iter().any(|w| UI_WORDS.contains(&w.as_str()));
    let has = |w: &str| words.iter().any(|x| x == w);
    if !ui && has("kratos") {
        return Some(ServiceKind::Kratos);
    }
    if !ui && has("hydra") {
        return Some(ServiceKind::Hydra);
    }
    let first = words.first()?;
    match first.as_str() {
        "postgres" | "postgresql" | "postgis" | "timescaledb" if words.len() == 1 => {
            Some(ServiceKind::Postgres)
        }
        "nginx" | "traefik" | "haproxy" | "envoy" | "oathkeeper" if words.len() == 1 => {
            Some(ServiceKind::Proxy)
        }
        _ => None,
    }
}

/// What a service is, and the signal that decided it: the program it
/// runs, its image, a mounted Caddyfile, its build context or Dockerfile.
pub fn kind_of(service: &Service) -> (ServiceKind, String) {
    let program = service
        .entrypoint
        .first()
        .or(service.command.first())
        .and_then(Value::text)
        .unwrap_or_default();
    let program = program.rsplit('/').next().unwrap_or("").to_string();
    match program.as_str() {
        "kratos" => return (ServiceKind::Kratos, "runs kratos".into()),
        "hydra" => return (ServiceKind::Hydra, "runs hydra".into()),
        "caddy" => return (ServiceKind::Proxy, "runs caddy".into()),
        "postgres" => return (ServiceKind::Postgres, "runs postgres".into()),
        _ => {}
    }
    if let Some(image) = &service.image {
        let text = image.text().unwrap_or_else(|| image.template_text());
        if let Some(kind) = kind_in_words(&last_part_words(&text)) {
            return (kind, format!("image {text}"));
        }
    }
    if let Some(from) = service.build.as_ref().and_then(|b| b.from.as_deref())
        && let Some(kind) = kind_in_words(&last_part_words(from))
    {
        return (kind, format!("built FROM {from}"));
    }
    // The Ory config chain: `serve -c /etc/config/kratos.yml`.
    let words: Vec<String> = service
        .entrypoint
        .iter()
        .chain(&service.command)
        .filter_map(Value::text)
        .collect();
    for (i, w) in words.iter().enumerate() {
        let path = match w.as_str() {
            "-c" | "--config" => words.get(i + 1).map(String::as_str),
            _ => w
                .strip_prefix("--config=")
                .or_else(|| w.strip_prefix("-c=")),
        };
        let stem = path
            .and_then(|p| Path::new(p).file_stem())
            .map(|s| s.to_string_lossy().to_ascii_lowercase());
        match stem.as_deref() {
            Some("kratos") => {
                return (ServiceKind::Kratos, format!("loads {}", path.unwrap_or("")));
            }
            Some("hydra") => return (ServiceKind::Hydra, format!("loads {}", path.unwrap_or(""))),
            _ => {}
        }
    }
    if let Some(v) = service.volumes.iter().find(|v| {
        v.target.starts_with("/etc/caddy")
            || v.source
                .as_deref()
                .is_some_and(|s| crate::discover::is_caddyfile_name(Path::new(s)))
    }) {
        return (
            ServiceKind::Proxy,
            format!(
                "mounts {} at {}",
                v.source.as_deref().unwrap_or(""),
                v.target
            ),
        );
    }
    if let Some(build) = &service.build {
        for path in [&build.dockerfile, &build.context].into_iter().flatten() {
            if let Some(kind) = kind_in_words(&last_part_words(path)) {
                return (kind, format!("built from {path}"));
            }
        }
    }
    (
        ServiceKind::App,
        "none of the signals of Kratos, Hydra, a proxy or Postgres".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(image: &str, command: &[&str]) -> ServiceKind {
        let v = |t: &str| {
            Value::literal(
                t,
                crate::syntax::source::Span::new(crate::syntax::source::FileId(0), 0, 0),
            )
        };
        let service = Service {
            name: "x".into(),
            name_span: crate::syntax::source::Span::new(crate::syntax::source::FileId(0), 0, 0),
            image: (!image.is_empty()).then(|| v(image)),
            environment: Vec::new(),
            ports: Vec::new(),
            volumes: Vec::new(),
            command: command.iter().map(|c| v(c)).collect(),
            entrypoint: Vec::new(),
            depends_on: Vec::new(),
            profiles: Vec::new(),
            build: None,
            aliases: Vec::new(),
            networks: None,
            network_mode: None,
            replaced: Vec::new(),
        };
        kind_of(&service).0
    }

    #[test]
    fn kinds_from_every_signal() {
        assert_eq!(kind("oryd/kratos:v1.3.1", &[]), ServiceKind::Kratos);
        assert_eq!(kind("ghcr.io/org/ciam-kratos:2", &[]), ServiceKind::Kratos);
        assert_eq!(
            kind("ghcr.io/org/kratos-vendor:1", &[]),
            ServiceKind::Kratos
        );
        assert_eq!(
            kind("oryd/kratos-selfservice-ui-node:v1", &[]),
            ServiceKind::App
        );
        assert_eq!(
            kind("oryd/hydra-login-consent-node:v2", &[]),
            ServiceKind::App
        );
        assert_eq!(
            kind(
                "registry.local/platform:1",
                &["serve", "-c", "/etc/config/hydra.yml"]
            ),
            ServiceKind::Hydra
        );
        assert_eq!(kind("dev-caddy", &[]), ServiceKind::Proxy);
        assert_eq!(kind("bitnami/postgresql:16", &[]), ServiceKind::Postgres);
        assert_eq!(kind("curlimages/curl:8", &[]), ServiceKind::App);
    }
}
