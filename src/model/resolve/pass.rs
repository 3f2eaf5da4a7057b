//! The resolution, in order: each service's and site's own evidence,
//! databases, then references followed until the domains settle, then
//! the boundary.

use super::*;
use crate::load::dsn::Dsn;
use crate::model::domain::Domains;
use crate::model::{Environment, ServiceKind};

/// Resolves one environment against the platform's domains.
pub fn resolve(env: &Environment, domains: &Domains) -> Resolution {
    let databases: Vec<Option<Database>> = env
        .services
        .iter()
        .map(|s| {
            let (key, value) = s.dsn_with_key()?;
            Some(Database {
                key,
                dsn: Dsn::parse(&value),
                value,
            })
        })
        .collect();
    let mut r = Resolver {
        env,
        domains,
        services: env
            .services
            .iter()
            .zip(&databases)
            .map(|(s, db)| own_attribution(s, db.as_ref(), domains))
            .collect(),
        sites: env
            .sites
            .iter()
            .map(|s| own_site_attribution(s, domains))
            .collect(),
    };
    // A service with no evidence of its own, served by a site that has.
    let mut upstreams: Vec<Vec<Target>> = env
        .sites
        .iter()
        .map(|s| s.upstreams.iter().map(|u| r.dial(u)).collect())
        .collect();
    // Only when every site serving it agrees: a service behind a CIAM and
    // an IAM site alike is shared, and stays without a domain.
    let mut served: Vec<Vec<(String, Evidence)>> = vec![Vec::new(); env.services.len()];
    for (si, targets) in upstreams.iter().enumerate() {
        let Some(site_domain) = r.sites.get(si).and_then(|a| a.domain.clone()) else {
            continue;
        };
        let addr = env
            .sites
            .get(si)
            .and_then(|s| s.addresses.first())
            .map(|a| (a.raw.clone(), a.span));
        for t in targets {
            if let [i] = t.services.as_slice()
                && let Some(list) = served.get_mut(*i)
            {
                list.push((
                    site_domain.clone(),
                    Evidence::new(
                        format!(
                            "served by the Caddy site {}",
                            addr.as_ref().map_or("", |(raw, _)| raw.as_str())
                        ),
                        addr.as_ref().map(|(_, span)| *span),
                    ),
                ));
            }
        }
    }
    for (a, list) in r.services.iter_mut().zip(served) {
        let Some((first, evidence)) = list.first() else {
            continue;
        };
        if a.domain.is_none() && !a.neutral && list.iter().all(|(d, _)| d == first) {
            *a = Attribution::decided(first, evidence.clone());
        }
    }
    // Upstreams again, now that those services have their domains.
    upstreams = env
        .sites
        .iter()
        .map(|s| s.upstreams.iter().map(|u| r.dial(u)).collect())
        .collect();
    // Which services' URLs land on each site (`http://localhost:3000/login`
    // through the proxy's published port lands on `:3000`).
    let configured: Vec<(usize, crate::model::references::ConfiguredUrl)> = env
        .services
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            crate::model::references::configured_urls(s)
                .into_iter()
                .map(move |u| (i, u))
        })
        .collect();
    let mut named_by: Vec<Vec<usize>> = vec![Vec::new(); env.sites.len()];
    for (i, u) in &configured {
        let proxy = env
            .services
            .get(*i)
            .is_some_and(|s| s.kind == ServiceKind::Proxy);
        if !proxy
            && let Some(site) = r.url(&u.value, &upstreams).site
            && let Some(list) = named_by.get_mut(site)
            && !list.contains(i)
        {
            list.push(*i);
        }
    }
    // A site with no evidence of its own (a bare port in dev): the domain
    // that what it proxies to (two votes), the services whose URLs land on
    // it (one each) and the port plan (one, never alone) agree on most. So
    // `:3000` that CIAM's URLs name and the port plan puts in CIAM stays
    // CIAM when it proxies to an IAM service: that upstream is the
    // crossing.
    for (si, site) in env.sites.iter().enumerate() {
        if r.sites.get(si).is_some_and(|a| a.domain.is_some()) {
            continue;
        }
        let targets = upstreams.get(si).map(Vec::as_slice).unwrap_or(&[]);
        let mut votes: Votes = Vec::new();
        let mut upstream_domains: Vec<&str> = Vec::new();
        for t in targets {
            let Some(d) = t.domain.as_deref() else {
                continue;
            };
            if upstream_domains.contains(&d) {
                continue;
            }
            upstream_domains.push(d);
            let what = t
                .services
                .first()
                .and_then(|i| env.services.get(*i))
                .map_or_else(|| "an upstream".to_string(), |s| s.service.name.clone());
            vote(
                &mut votes,
                d,
                2,
                Evidence::new(format!("proxies to {what}"), t.hops.first().map(|h| h.span)),
            );
        }
        for &i in named_by.get(si).map(Vec::as_slice).unwrap_or(&[]) {
            if let (Some(d), Some(s)) = (
                r.services.get(i).and_then(|a| a.domain.clone()),
                env.services.get(i),
            ) {
                vote(
                    &mut votes,
                    &d,
                    1,
                    Evidence::new(format!("{}'s URLs land on it", s.service.name), None),
                );
            }
        }
        if votes.is_empty() {
            continue;
        }
        if let Some((d, port)) = site.addresses.iter().find_map(|a| {
            let p = a.parsed.as_ref()?;
            let port = p.port.parse::<u16>().ok()?;
            Some((domains.of_port(port)?, port))
        }) {
            vote(
                &mut votes,
                d,
                1,
                Evidence::new(
                    format!("port {port} is on the {} port plan", d.to_uppercase()),
                    None,
                ),
            );
        }
        // Most votes; on a tie, the first upstream's domain, and with no
        // upstream to say, no domain.
        let best = votes.iter().map(|(_, w, _)| *w).max().unwrap_or(0);
        let leaders = votes.iter().filter(|(_, w, _)| *w == best).count();
        let chosen = upstream_domains
            .iter()
            .find_map(|u| votes.iter().find(|(d, w, _)| d == u && *w == best))
            .or_else(|| {
                (leaders == 1)
                    .then(|| votes.iter().find(|(_, w, _)| *w == best))
                    .flatten()
            });
        if let (Some((d, _, evidence)), Some(a)) = (chosen, r.sites.get_mut(si)) {
            *a = Attribution {
                domain: Some(d.clone()),
                neutral: false,
                evidence: evidence.clone(),
            };
        }
    }
    // The port plan confirms a service's domain (never decides it).
    for (i, s) in env.services.iter().enumerate() {
        let Some(a) = r.services.get_mut(i) else {
            continue;
        };
        let Some(d) = a.domain.clone() else { continue };
        if let Some((port, span)) = s.service.ports.iter().find_map(|p| {
            let (host, _) = p.published_range()?;
            (domains.of_port(host) == Some(d.as_str())).then_some((host, p.span))
        }) {
            a.evidence.push(Evidence::new(
                format!("port {port} is on the {} port plan", d.to_uppercase()),
                Some(span),
            ));
        }
    }
    // Now that the sites have their domains, where each URL leads.
    let urls = configured
        .into_iter()
        .map(|(i, u)| UrlRelation {
            service: i,
            target: r.url(&u.value, &upstreams),
            key: u.key,
            value: u.value,
            key_span: u.key_span,
        })
        .collect();
    let clients = env
        .oauth2_clients
        .iter()
        .map(|c| {
            // Run inside a container (`docker compose exec iam-hydra
            // hydra ... --endpoint http://127.0.0.1:4445`): its localhost
            // is that container.
            let local = c
                .registration
                .admin_url
                .text()
                .and_then(|t| url::Url::parse(t.trim()).ok())
                .and_then(|u| u.host_str().map(is_local_host));
            let inside = c.registration.inside.as_deref();
            if let (Some(true), Some(name)) = (local, inside) {
                // Not found among the services (a container of another
                // project): unknown, never another service's host port.
                let Some(i) = r.container(name) else {
                    return Target::default();
                };
                let hops = c
                    .registration
                    .admin_url
                    .span()
                    .map(|span| Hop {
                        span,
                        note: format!("inside {}", c.registration.inside.as_deref().unwrap_or("")),
                    })
                    .into_iter()
                    .collect();
                return r.service_target(i, hops);
            }
            let mut t = r.url(&c.registration.admin_url, &upstreams);
            // A target behind a site: the Hydra among its services.
            if let Some(h) = t.services.iter().copied().find(|&i| {
                env.services
                    .get(i)
                    .is_some_and(|s| s.kind == ServiceKind::Hydra)
            }) {
                t.domain = r.services.get(h).and_then(|a| a.domain.clone());
                t.services = vec![h];
            }
            t
        })
        .collect();
    let boundary = boundary(env, &r.services, &r.sites, &upstreams, domains);
    Resolution {
        services: r.services,
        sites: r.sites,
        upstreams,
        urls,
        clients,
        databases,
        boundary,
    }
}
