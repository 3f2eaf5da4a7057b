//! Which domain a service, a Caddy site and an upstream belong to.
//!
//! - A service: by its name, else the folders it mounts its config from,
//!   else the host ports it publishes (the port plan), else the database
//!   its DSN names. None of these: neutral (a brochure site, pgAdmin).
//! - A site: by its hosts, else the variables its address comes from
//!   (`{$CIAM_HERA_PUBLIC_URL}`), else its port (`:3000` in dev).
//! - An upstream: by the service it dials (`ciam-hera:3000`), else its
//!   host's name, else the host port it dials on the port plan.
//! - A configured URL: by the service or site it names (ISO005 and the
//!   graph's edges both follow it).

use super::domain::Domains;
use super::value::Value;
use super::{Environment, OAuthClient, ServiceFacts};
use crate::load::caddy::sites::{Site, Upstream};
use crate::load::compose::VolumeKind;
use crate::load::dsn::{Dsn, Part};
use crate::syntax::source::Span;

/// The domain of a compose service.
pub fn service_domain(s: &ServiceFacts, domains: &Domains) -> Option<String> {
    // The proxy and the database server are shared by design (§1).
    if matches!(
        s.kind,
        super::ServiceKind::Proxy | super::ServiceKind::Postgres
    ) {
        return None;
    }
    if let Some(d) = domains.of_name(&s.service.name) {
        return Some(d.to_string());
    }
    for v in &s.service.volumes {
        if v.kind == VolumeKind::Bind
            && let Some(d) = v.source.as_deref().and_then(|src| domains.of_name(src))
        {
            return Some(d.to_string());
        }
    }
    for p in &s.service.ports {
        if let Some(d) = p
            .published
            .as_deref()
            .and_then(|p| p.split('-').next()?.parse::<u16>().ok())
            .and_then(|port| domains.of_port(port))
        {
            return Some(d.to_string());
        }
    }
    let dsn = s.dsn()?;
    match Dsn::parse(&dsn)?.database? {
        Part::Known(db) => domains.of_name(&db).map(str::to_string),
        Part::Symbolic(vars) => vars
            .iter()
            .find_map(|v| domains.of_name(v))
            .map(str::to_string),
    }
}

/// The domain of a Caddy site.
pub fn site_domain(site: &Site, domains: &Domains) -> Option<String> {
    for a in &site.addresses {
        if let Some(d) = a.parsed.as_ref().and_then(|p| domains.of_host(&p.host)) {
            return Some(d.to_string());
        }
    }
    for a in &site.addresses {
        if let Some(d) = a.vars.iter().find_map(|v| domains.of_name(v)) {
            return Some(d.to_string());
        }
    }
    for a in &site.addresses {
        if let Some(d) = a
            .parsed
            .as_ref()
            .filter(|p| p.host.is_empty())
            .and_then(|p| p.port.parse::<u16>().ok())
            .and_then(|port| domains.of_port(port))
        {
            return Some(d.to_string());
        }
    }
    None
}

/// The domain of an OAuth2 client: that of the Hydra it is registered in.
pub fn client_domain(c: &OAuthClient, env: &Environment, domains: &Domains) -> Option<String> {
    let hydra = c.hydra.as_ref()?;
    let s = env.services.iter().find(|s| &s.service.name == hydra)?;
    service_domain(s, domains)
}

/// The host part of a dial address (`ciam-hera:3000` → `ciam-hera`).
pub fn dial_host(dial: &str) -> &str {
    if let Some(rest) = dial.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    dial.rsplit_once(':').map_or(dial, |(h, _)| h)
}

/// The domain of an upstream, and the service it dials when there is one.
pub fn upstream_domain<'a>(
    u: &Upstream,
    services: &'a [ServiceFacts],
    domains: &Domains,
) -> (Option<String>, Option<&'a ServiceFacts>) {
    let Some(dial) = u.dial.as_deref() else {
        let by_var = u
            .vars
            .iter()
            .find_map(|v| domains.of_name(v))
            .map(str::to_string);
        return (by_var, None);
    };
    let host = dial_host(dial);
    if let Some(s) = services
        .iter()
        .find(|s| s.service.name.eq_ignore_ascii_case(host))
    {
        return (service_domain(s, domains), Some(s));
    }
    if let Some(d) = domains.of_name(host).or_else(|| domains.of_host(host)) {
        return (Some(d.to_string()), None);
    }
    let port = dial
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok());
    let local = matches!(
        host,
        "localhost" | "127.0.0.1" | "::1" | "host.docker.internal"
    );
    if let (true, Some(port)) = (local, port) {
        let publisher = services.iter().find(|s| {
            s.service
                .ports
                .iter()
                .any(|p| p.published.as_deref() == Some(port.to_string().as_str()))
        });
        if let Some(s) = publisher {
            return (service_domain(s, domains), Some(s));
        }
        return (domains.of_port(port).map(str::to_string), None);
    }
    (None, None)
}

/// Ory keys that hold URLs of other services.
const ORY_URL_KEYS: &[&str] = &[
    "oauth2_provider.url",
    "urls.login",
    "urls.consent",
    "urls.logout",
    "urls.error",
    "urls.self.issuer",
    "urls.self.public",
    "serve.public.base_url",
    "selfservice.default_browser_return_url",
];

/// Whether an environment variable's name says it holds a URL.
fn is_url_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    ["_URL", "_URI", "_ISSUER", "_ENDPOINT", "_HOST"]
        .iter()
        .any(|s| k.ends_with(s))
}

/// Where a URL leads: the domain and, when known, the service.
pub struct UrlTarget<'a> {
    pub domain: String,
    pub service: Option<&'a ServiceFacts>,
}

/// Where a URL value leads: the service by name or by a local port it
/// publishes, else a site's host, else a domain's host, else the
/// variables it comes from.
pub fn url_target<'a>(v: &Value, env: &'a Environment, domains: &Domains) -> Option<UrlTarget<'a>> {
    if let Some(text) = v.text() {
        let url = url::Url::parse(&text).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        // The service by name (`iam-kratos`, `iam-kratos.internal`), or the
        // one publishing a local port (`localhost:4000`).
        let first_label = host.split('.').next().unwrap_or("");
        let local = matches!(
            host.as_str(),
            "localhost" | "127.0.0.1" | "::1" | "host.docker.internal"
        );
        let port = url.port_or_known_default().map(|p| p.to_string());
        let by_name = env
            .services
            .iter()
            .find(|s| s.service.name.eq_ignore_ascii_case(first_label));
        let by_port = || {
            env.services.iter().find(|s| {
                local
                    && s.service
                        .ports
                        .iter()
                        .any(|p| p.published.is_some() && p.published == port)
            })
        };
        if let Some(s) = by_name.or_else(by_port)
            && let Some(domain) = service_domain(s, domains)
        {
            return Some(UrlTarget {
                domain,
                service: Some(s),
            });
        }
        for site in &env.sites {
            if site
                .addresses
                .iter()
                .any(|a| a.parsed.as_ref().is_some_and(|p| p.host == host))
            {
                let domain = site_domain(site, domains)?;
                // The service behind the site, for the exception's check.
                let service = site.upstreams.iter().find_map(|u| {
                    let dial = u.dial.as_deref()?;
                    let h = dial_host(dial);
                    env.services
                        .iter()
                        .find(|s| s.service.name.eq_ignore_ascii_case(h))
                });
                return Some(UrlTarget { domain, service });
            }
        }
        if let Some(d) = domains.of_host(&host) {
            return Some(UrlTarget {
                domain: d.to_string(),
                service: None,
            });
        }
    }
    // Symbolic (or a host nobody names): the variables it comes from.
    let domain = v.vars().iter().find_map(|n| domains.of_name(n))?;
    let service = v.vars().iter().find_map(|n| {
        env.services.iter().find(|s| {
            let upper = s.service.name.to_ascii_uppercase().replace('-', "_");
            n.starts_with(&upper)
        })
    });
    Some(UrlTarget {
        domain: domain.to_string(),
        service,
    })
}

/// A URL a service is configured with: the key (an environment variable
/// or an Ory setting's path), its value and where the key is written.
pub struct ConfiguredUrl {
    pub key: String,
    pub value: Value,
    pub key_span: Span,
}

/// Every URL a service is configured with: environment variables named
/// as URLs and the Ory settings that hold URLs of other services.
pub fn configured_urls(s: &ServiceFacts) -> Vec<ConfiguredUrl> {
    let mut urls = Vec::new();
    for e in &s.service.environment {
        if let (true, Some(v)) = (is_url_key(&e.key), &e.value) {
            urls.push(ConfiguredUrl {
                key: e.key.clone(),
                value: v.clone(),
                key_span: e.key_span,
            });
        }
    }
    if let Some(ory) = &s.ory {
        let settings = ORY_URL_KEYS
            .iter()
            .filter_map(|k| ory.get(k))
            .chain(ory.list("selfservice.allowed_return_urls"))
            .chain(
                ory.leaves("selfservice.flows")
                    .into_iter()
                    .filter(|x| x.path.ends_with("_url")),
            );
        for setting in settings {
            let key_span = setting.value.span().unwrap_or(s.service.name_span);
            urls.push(ConfiguredUrl {
                key: setting.path.clone(),
                value: setting.value,
                key_span,
            });
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_hosts() {
        assert_eq!(dial_host("ciam-hera:3000"), "ciam-hera");
        assert_eq!(dial_host("[::1]:80"), "::1");
        assert_eq!(dial_host("unix//run/x.sock"), "unix//run/x.sock");
    }
}
