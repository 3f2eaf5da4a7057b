//! Which domain a service, a Caddy site and an upstream belong to.
//!
//! - A service: by its name, else the folders it mounts its config from,
//!   else the host ports it publishes (the port plan), else the database
//!   its DSN names. None of these: neutral (a brochure site, pgAdmin).
//! - A site: by its hosts, else the variables its address comes from
//!   (`{$CIAM_HERA_PUBLIC_URL}`), else its port (`:3000` in dev).
//! - An upstream: by the service it dials (`ciam-hera:3000`), else its
//!   host's name, else the host port it dials on the port plan.

use super::ServiceFacts;
use super::domain::Domains;
use crate::load::caddy::sites::{Site, Upstream};
use crate::load::compose::VolumeKind;
use crate::load::dsn::{Dsn, Part};

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
