//! Following a reference hop by hop: a host to the service or container
//! that answers to it, a host port to the service publishing it, the
//! proxy's site listening there, an upstream's dial address, a URL held
//! in a value (known or by its variables).

use super::*;
use crate::load::caddy::sites::Upstream;
use crate::load::compose::Port;
use crate::model::domain::{Domains, host_matches};
use crate::model::{Environment, ServiceKind};
use crate::syntax::value::Value;

pub(super) struct Resolver<'a> {
    pub(super) env: &'a Environment,
    pub(super) domains: &'a Domains,
    pub(super) services: Vec<Attribution>,
    pub(super) sites: Vec<Attribution>,
}

impl<'a> Resolver<'a> {
    /// The service a host name reaches: by its name, else by an alias
    /// only one service has (two stacks may each call their Kratos
    /// `kratos` on their own network: then it is not known which).
    pub(super) fn service_index(&self, host: &str) -> Option<usize> {
        let host = host.trim_end_matches('.');
        let svcs = &self.env.services;
        let by = |name: &str| {
            if let Some(i) = svcs
                .iter()
                .position(|s| s.service.name.eq_ignore_ascii_case(name))
            {
                return Some(i);
            }
            let mut answering = svcs
                .iter()
                .enumerate()
                .filter(|(_, s)| s.service.answers_to(name))
                .map(|(i, _)| i);
            match (answering.next(), answering.next()) {
                (Some(i), None) => Some(i),
                _ => None,
            }
        };
        by(host).or_else(|| {
            // `iam-kratos.internal`, `iam-kratos.svc.cluster.local`: the
            // first label, unless the name is a public one
            // (`kratos.iam.example.com` is no service called `kratos`).
            let (first, rest) = host.split_once('.')?;
            let public = psl::suffix(rest.as_bytes()).is_some_and(|s| s.is_known());
            (!public).then(|| by(first)).flatten()
        })
    }

    /// The service a container name is: its name or alias, or compose's
    /// default `<project>-<service>-<n>` (`<project>_<service>_<n>`).
    pub(super) fn container(&self, name: &str) -> Option<usize> {
        self.service_index(name).or_else(|| {
            let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
            let base = base
                .strip_suffix(['-', '_'])
                .filter(|_| base.len() < name.len())?;
            let mut found = self.env.services.iter().enumerate().filter(|(_, s)| {
                let n = &s.service.name;
                base.len() > n.len()
                    && base.ends_with(n.as_str())
                    && base
                        .get(..base.len() - n.len())
                        .is_some_and(|p| p.ends_with(['-', '_']))
            });
            match (found.next(), found.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
    }

    /// The service that publishes `port` on the host, with the binding.
    pub(super) fn publisher(&self, port: u16) -> Option<(usize, &'a Port, u16)> {
        self.env.services.iter().enumerate().find_map(|(i, s)| {
            s.service
                .ports
                .iter()
                .find_map(|p| Some((i, p, container_port(p, port)?)))
        })
    }

    /// The site a request to `host:port` lands on: one listening on the
    /// port whose host is that host, else one with no host.
    pub(super) fn site_at(&self, host: &str, port: u16) -> Option<usize> {
        let sites = &self.env.sites;
        let on = |want_host: &dyn Fn(&str) -> bool| {
            sites.iter().position(|s| {
                s.addresses.iter().any(|a| {
                    a.parsed
                        .as_ref()
                        .is_some_and(|p| listens_on(p, port) && want_host(&p.host))
                })
            })
        };
        // `127.0.0.1:N` reaches a site written `localhost:N` too.
        let same =
            |h: &str| h.eq_ignore_ascii_case(host) || (is_local_host(h) && is_local_host(host));
        on(&same).or_else(|| on(&|h| h.is_empty()))
    }

    /// The site whose address names `host` (any port): exactly, or (with
    /// `wildcard`) through a `*.suffix` address, as Caddy prefers them.
    pub(super) fn site_for_host(&self, host: &str, wildcard: bool) -> Option<usize> {
        self.env.sites.iter().position(|s| {
            s.addresses.iter().any(|a| {
                a.parsed.as_ref().is_some_and(|p| {
                    (wildcard || !p.host.starts_with("*.")) && host_matches(&p.host, host)
                })
            })
        })
    }

    pub(super) fn service_target(&self, i: usize, hops: Vec<Hop>) -> Target {
        let a = self.services.get(i);
        Target {
            domain: a.and_then(|a| a.domain.clone()),
            services: vec![i],
            site: None,
            hops,
            reason: a.and_then(|a| a.evidence.first()).map(|e| e.reason.clone()),
        }
    }

    /// Where a dial address (`ciam-hera:3000`, `localhost:4001`) leads.
    pub(super) fn dial(&self, u: &Upstream) -> Target {
        let mut hops = vec![Hop {
            span: u.span,
            note: format!("{} {}", u.directive, u.raw),
        }];
        let Some(dial) = u.dial.as_deref() else {
            return self.by_vars(&u.vars, hops);
        };
        let host = crate::model::references::dial_host(dial);
        if let Some(i) = self.service_index(host) {
            return self.service_target(i, hops);
        }
        let port = dial
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        if let (true, Some(port)) = (is_local_host(host), port)
            && let Some((i, binding, _)) = self.publisher(port)
            && self
                .env
                .services
                .get(i)
                .is_some_and(|s| s.kind != ServiceKind::Proxy)
        {
            hops.push(Hop {
                span: binding.span,
                note: format!("host port {port}"),
            });
            return self.service_target(i, hops);
        }
        if let Some(d) = self
            .domains
            .of_name(host)
            .or_else(|| self.domains.of_host(host))
        {
            return Target {
                domain: Some(d.to_string()),
                hops,
                reason: Some(format!("the host {host}")),
                ..Target::default()
            };
        }
        Target {
            hops,
            ..Target::default()
        }
    }

    /// A symbolic reference: the variables it comes from name its domain
    /// (`${IAM_KRATOS_PUBLIC_URL}`), and a service whose name the
    /// variable starts with is the one meant.
    pub(super) fn by_vars(&self, vars: &[String], hops: Vec<Hop>) -> Target {
        let Some((domain, var)) = vars
            .iter()
            .find_map(|n| Some((self.domains.of_name(n)?, n)))
        else {
            return Target {
                hops,
                ..Target::default()
            };
        };
        let services = vars
            .iter()
            .find_map(|n| {
                self.env.services.iter().position(|s| {
                    let upper = s.service.name.to_ascii_uppercase().replace('-', "_");
                    n.starts_with(&format!("{upper}_"))
                })
            })
            .into_iter()
            .collect();
        Target {
            domain: Some(domain.to_string()),
            services,
            site: None,
            hops,
            reason: Some(format!("the variable {var}")),
        }
    }

    /// What a site leads to: its domain and the services behind it.
    pub(super) fn site_target(
        &self,
        i: usize,
        mut hops: Vec<Hop>,
        upstreams: &[Vec<Target>],
        host: Option<&str>,
    ) -> Target {
        let Some(site) = self.env.sites.get(i) else {
            return Target::default();
        };
        if let Some(a) = site.addresses.first() {
            hops.push(Hop {
                span: a.span,
                note: format!("the Caddy site {}", a.raw),
            });
        }
        let all = upstreams.get(i).map(Vec::as_slice).unwrap_or(&[]);
        // A site for several hosts (`*.example.com` with a host matcher per
        // domain): the upstreams of the matcher the URL's host meets.
        let matched: Vec<&Target> = all
            .iter()
            .zip(&site.upstreams)
            .filter(|(_, u)| {
                host.is_some_and(|h| {
                    u.hosts
                        .as_ref()
                        .is_some_and(|hs| hs.iter().any(|x| host_matches(x, h)))
                })
            })
            .map(|(t, _)| t)
            .collect();
        let targets: Vec<&Target> = if matched.is_empty() {
            all.iter().collect()
        } else {
            matched
        };
        let mut services: Vec<usize> = Vec::new();
        for t in &targets {
            for s in &t.services {
                if !services.contains(s) {
                    services.push(*s);
                }
            }
        }
        // One upstream: its hops too, to the service.
        if let [only] = targets.as_slice() {
            hops.extend(only.hops.iter().cloned());
        }
        if let [one] = services.as_slice()
            && let Some(s) = self.env.services.get(*one)
        {
            hops.push(Hop {
                span: s.service.name_span,
                note: s.service.name.clone(),
            });
        }
        let a = self.sites.get(i);
        // Reached through a host matcher: the domain of what it proxies to.
        let matched_domain = match targets.as_slice() {
            [t, rest @ ..]
                if targets.len() < all.len() && rest.iter().all(|x| x.domain == t.domain) =>
            {
                t.domain.clone()
            }
            _ => None,
        };
        Target {
            domain: matched_domain.or_else(|| a.and_then(|a| a.domain.clone())),
            services,
            site: Some(i),
            hops,
            reason: site
                .addresses
                .first()
                .map(|a| format!("served by the Caddy site {}", a.raw)),
        }
    }

    /// Where a URL value leads.
    pub(super) fn url(&self, v: &Value, upstreams: &[Vec<Target>]) -> Target {
        let start = v.span().map(|span| Hop {
            span,
            note: v.template_text(),
        });
        let hops: Vec<Hop> = start.into_iter().collect();
        let Some(text) = v.text() else {
            return self.by_vars(&v.vars(), hops);
        };
        let Ok(url) = url::Url::parse(text.trim()) else {
            return self.by_vars(&v.vars(), hops);
        };
        if !matches!(url.scheme(), "http" | "https" | "ws" | "wss") {
            return Target::default();
        }
        let Some(host) = url
            .host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        else {
            return Target::default();
        };
        let port = url.port_or_known_default().unwrap_or(80);
        if is_local_host(&host) {
            if let Some((i, binding, inner)) = self.publisher(port) {
                let mut hops = hops;
                let Some(s) = self.env.services.get(i) else {
                    return Target::default();
                };
                hops.push(Hop {
                    span: binding.span,
                    note: format!("host port {port}, published by {}", s.service.name),
                });
                if s.kind != ServiceKind::Proxy {
                    return self.service_target(i, hops);
                }
                return match self.site_at(&host, inner) {
                    Some(site) => self.site_target(site, hops, upstreams, None),
                    None => Target {
                        hops,
                        ..Target::default()
                    },
                };
            }
            // No service publishes it: a proxy running on the host itself.
            if let Some(site) = self.site_at(&host, port) {
                return self.site_target(site, hops, upstreams, None);
            }
            return Target {
                hops,
                ..Target::default()
            };
        }
        if let Some(i) = self.service_index(&host) {
            let proxy = self
                .env
                .services
                .get(i)
                .is_some_and(|s| s.kind == ServiceKind::Proxy);
            if proxy {
                return match self.site_at(&host, port) {
                    Some(site) => self.site_target(site, hops, upstreams, None),
                    None => Target {
                        hops,
                        ..Target::default()
                    },
                };
            }
            return self.service_target(i, hops);
        }
        if let Some(site) = self.site_for_host(&host, false) {
            return self.site_target(site, hops, upstreams, Some(&host));
        }
        if let Some(d) = self.domains.of_host(&host) {
            return Target {
                domain: Some(d.to_string()),
                hops,
                reason: Some(format!("the host {host}")),
                ..Target::default()
            };
        }
        if let Some(site) = self.site_for_host(&host, true) {
            return self.site_target(site, hops, upstreams, Some(&host));
        }
        self.by_vars(&v.vars(), hops)
    }
}
