//! The probes over HTTP beyond the admin APIs: each site the proxy
//! serves answers as its own domain's upstream, each Kratos's login flow
//! sets no cookie for a parent of the other domain's hosts, and each
//! OAuth2 client exists only in the Hydra it is registered in.

use super::plan::running;
use super::{Action, Expect, Prediction, Probe};
use crate::model::resolve::Resolution;
use crate::model::{Environment, ServiceKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use std::collections::BTreeMap;

/// What a client id keeps unencoded in a URL path: RFC 3986's unreserved.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Hosts and upstream dials per domain, from the proxy's sites.
struct Sites {
    hosts: BTreeMap<String, Vec<String>>,
    dials: BTreeMap<String, Vec<String>>,
}

fn sites(env: &Environment, res: &Resolution) -> Sites {
    let mut out = Sites {
        hosts: BTreeMap::new(),
        dials: BTreeMap::new(),
    };
    for (si, site) in env.sites.iter().enumerate() {
        if let Some(domain) = res.site_domain(si) {
            let hosts = out.hosts.entry(domain.to_string()).or_default();
            for a in site.addresses.iter().filter_map(|a| a.parsed.as_ref()) {
                if is_name(&a.host) && !hosts.contains(&a.host) {
                    hosts.push(a.host.clone());
                }
            }
        }
        for (ui, upstream) in site.upstreams.iter().enumerate() {
            let (Some(dial), Some(domain)) = (
                &upstream.dial,
                res.upstream(si, ui).and_then(|t| t.domain.as_deref()),
            ) else {
                continue;
            };
            let dials = out.dials.entry(domain.to_string()).or_default();
            if !dials.contains(dial) {
                dials.push(dial.clone());
            }
        }
    }
    out
}

/// A host name a request can be made to (not empty, no wildcard, no
/// placeholder).
fn is_name(host: &str) -> bool {
    !host.is_empty() && !host.contains(['*', '{', '}'])
}

/// The others' entries of a per-domain map, in order, once each.
fn of_others(map: &BTreeMap<String, Vec<String>>, own: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (domain, list) in map {
        if domain != own {
            for item in list {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
        }
    }
    out
}

/// A path whose answer tells one domain's upstream from the other's: the
/// OpenID configuration names Hydra's issuer, Kratos's identity schemas
/// are the domain's own; an app's front page.
fn health_path(kind: Option<ServiceKind>) -> &'static str {
    match kind {
        Some(ServiceKind::Hydra) => "/.well-known/openid-configuration",
        Some(ServiceKind::Kratos) => "/schemas",
        _ => "/",
    }
}

/// Per site of a domain: a request through the proxy with its host
/// answers as one of its own upstreams, not as the other domain's.
pub fn proxy(env: &Environment, res: &Resolution) -> Vec<Probe> {
    let Some(proxy) = env.services.iter().find(|s| s.kind == ServiceKind::Proxy) else {
        return Vec::new();
    };
    let all = sites(env, res);
    let mut out = Vec::new();
    for (si, site) in env.sites.iter().enumerate() {
        let Some(domain) = res.site_domain(si) else {
            continue;
        };
        // Its upstreams of its own domain, and those of another (a
        // crossed site, whose probe is expected to breach).
        let (mut own, mut crossed): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        // The first own upstream's kind (else the first upstream's) picks
        // the health path.
        let (mut kind, mut kind_is_own) = (None, false);
        for (ui, upstream) in site.upstreams.iter().enumerate() {
            let (Some(target), Some(dial)) = (res.upstream(si, ui), &upstream.dial) else {
                continue;
            };
            let Some(theirs) = target.domain.as_deref() else {
                continue;
            };
            let list = if theirs == domain {
                &mut own
            } else {
                &mut crossed
            };
            if !list.contains(dial) {
                list.push(dial.clone());
            }
            let is_own = theirs == domain;
            if kind.is_none() || (is_own && !kind_is_own) {
                let this = target
                    .services
                    .first()
                    .and_then(|&i| env.services.get(i))
                    .map(|s| s.kind);
                if this.is_some() {
                    kind = this;
                    kind_is_own = is_own;
                }
            }
        }
        let others = of_others(&all.dials, domain);
        if (own.is_empty() && crossed.is_empty()) || others.is_empty() {
            continue;
        }

        // Each name the site answers to: a request with that host.
        for (address, a) in site
            .addresses
            .iter()
            .filter_map(|address| Some((address, address.parsed.as_ref()?)))
            .filter(|(_, a)| is_name(&a.host))
        {
            let scheme = match (a.scheme.as_str(), a.port.as_str()) {
                ("", "80") | ("http", _) => "http",
                _ => "https",
            };
            let port = match (a.port.as_str(), scheme) {
                ("", "http") => "80".to_string(),
                ("", _) => "443".to_string(),
                (p, _) => p.to_string(),
            };
            if !port.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let host = a.host.clone();
            let own_domain = domain.to_uppercase();
            out.push(Probe {
                name: format!(
                    "{host} ({own_domain}) is answered by its own upstream through {}",
                    proxy.service.name
                ),
                expect: Expect::Reached,
                relation: if own.is_empty() {
                    format!(
                        "the site {host} ({own_domain}) proxies to {}, of another domain",
                        crossed.join(", ")
                    )
                } else {
                    format!(
                        "the site {host} proxies to {} ({own_domain})",
                        own.join(", ")
                    )
                },
                sources: std::iter::once(address.span)
                    .chain(site.upstreams.iter().map(|u| u.span))
                    .collect(),
                predicted_by: None,
                prediction: Some(Prediction {
                    code: "ISO003",
                    at_source: true,
                    ..Prediction::default()
                }),
                action: Action::Proxy {
                    proxy: proxy.service.name.clone(),
                    url: format!("{scheme}://{host}:{port}{}", health_path(kind)),
                    host,
                    port,
                    path: health_path(kind).to_string(),
                    own: own.clone(),
                    others: others.clone(),
                },
            });
        }
    }
    out
}

/// Per running Kratos: its login flow sets no cookie whose `Domain`
/// covers a host of the other domain.
pub fn cookies(env: &Environment, res: &Resolution) -> Vec<Probe> {
    let all = sites(env, res);
    let mut out = Vec::new();
    for (_, kratos, domain) in running(env, res) {
        if kratos.kind != ServiceKind::Kratos {
            continue;
        }
        let other_hosts = of_others(&all.hosts, domain);
        if other_hosts.is_empty() {
            continue;
        }
        let setting = |path: &str| kratos.ory.as_ref().and_then(|o| o.get(path));
        // A port set but known only at deploy time is not guessed at.
        let port = match setting("serve.public.port") {
            Some(p) => p.value.text(),
            None => Some("4433".to_string()),
        };
        let Some(port) = port.filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        else {
            continue;
        };
        let name = &kratos.service.name;
        let own = domain.to_uppercase();
        // The login flow sets the CSRF cookie (`cookies.domain`); a
        // session cookie of its own domain shows only after a sign-in,
        // which ISO002 reads statically.
        let (csrf, session) = (setting("cookies.domain"), setting("session.cookie.domain"));
        let apart = session
            .as_ref()
            .is_some_and(|s| csrf.as_ref().and_then(|c| c.value.text()) != s.value.text());
        let mut relation = format!(
            "{name}'s cookies are its own; the other domain serves {}",
            other_hosts.join(", ")
        );
        if apart {
            relation.push_str(
                " (its session.cookie.domain, set apart, is seen only after a sign-in: ISO002 checks it)",
            );
        }
        let sources = std::iter::once(kratos.service.name_span)
            .chain(
                [csrf, session]
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.value.span()),
            )
            .collect();
        out.push(Probe {
            name: format!("{name} ({own}) sets no cookie for the other domain's hosts"),
            expect: Expect::Refused,
            relation,
            sources,
            predicted_by: None,
            prediction: Some(Prediction {
                code: "ISO002",
                prefix: format!("{name}'s cookie domain"),
                ..Prediction::default()
            }),
            action: Action::Cookie {
                service: name.clone(),
                url: format!("http://{name}:{port}/self-service/login/browser"),
                other_hosts,
            },
        });
    }
    out
}

/// Per OAuth2 client a seed script registers: found in the Hydra it is
/// registered in, not found in the other domain's.
pub fn clients(env: &Environment, res: &Resolution) -> Vec<Probe> {
    let hydras: Vec<(&str, &str, u16)> = running(env, res)
        .filter(|(_, s, _)| s.kind == ServiceKind::Hydra && s.serves_admin() != Some(false))
        .filter_map(|(_, s, d)| Some((s.service.name.as_str(), d, s.admin_port()?)))
        .collect();
    let mut out = Vec::new();
    for (ci, client) in env.oauth2_clients.iter().enumerate() {
        let Some(id) = client
            .registration
            .client_id
            .as_ref()
            .and_then(|v| v.text())
        else {
            continue;
        };
        let (Some(home), Some(home_domain)) = (res.client_hydra(env, ci), res.client_domain(ci))
        else {
            continue;
        };
        let home = home.service.name.as_str();
        for &(hydra, domain, port) in &hydras {
            if hydra != home && domain == home_domain {
                continue;
            }
            let expect = if hydra == home {
                Expect::Reached
            } else {
                Expect::Refused
            };
            let upper = domain.to_uppercase();
            let name = match expect {
                Expect::Reached => format!("the OAuth2 client {id} exists in {hydra} ({upper})"),
                Expect::Refused => {
                    format!("the OAuth2 client {id} does not exist in {hydra} ({upper})")
                }
            };
            let encoded: String = percent_encoding::utf8_percent_encode(&id, UNRESERVED).collect();
            out.push(Probe {
                name,
                expect,
                relation: format!(
                    "{id} is registered in {home} ({})",
                    home_domain.to_uppercase()
                ),
                sources: std::iter::once(client.registration.span)
                    .chain(client.registration.via.iter().copied())
                    .collect(),
                predicted_by: None,
                prediction: (expect == Expect::Refused).then(|| Prediction {
                    code: "ISO004",
                    prefix: format!("OAuth2 client {id} is registered in"),
                    ..Prediction::default()
                }),
                action: Action::Client {
                    hydra: hydra.to_string(),
                    url: format!("http://{hydra}:{port}/admin/clients/{encoded}"),
                },
            });
        }
    }
    out
}
