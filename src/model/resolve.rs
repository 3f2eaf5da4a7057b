//! The resolved model: every service's and site's domain with the evidence
//! that decided it, every reference (a configured URL, a proxy upstream, a
//! client registration's admin URL) followed to what it reaches, hop by
//! hop, and whether the environment has a boundary at all.
//!
//! Computed once per environment (see [`super::Environment::resolved`]);
//! rules, `dump` and `graph` read it and never derive a domain again.
//!
//! - **Evidence, not guesses.** A service belongs to a domain by its name
//!   segments, its aliases, the folders it mounts, its `-c` config path,
//!   its database's name or the site that serves it. The port plan only
//!   confirms. The proxy, the database server and infrastructure (mail
//!   catchers, caches, tracing) are neutral.
//! - **URLs are followed.** `http://localhost:4000/login` reaches host
//!   port 4000, so the service publishing it; when that is the proxy, the
//!   Caddy site listening on the container port decides, and the URL
//!   belongs to the domain of that site's upstreams. A URL whose target
//!   cannot be decided stays unknown.
//! - **A boundary needs two stacks.** Only when two domains each have
//!   their own Kratos or Hydra is there anything to cross.

use super::domain::{Domains, host_matches};
use super::{Environment, ServiceFacts, ServiceKind};
use crate::load::caddy::sites::{Site, Upstream};
use crate::load::compose::{Port, VolumeKind};
use crate::load::dsn::{Dsn, Part};
use crate::syntax::source::Span;
use crate::syntax::value::Value;

/// One reason a domain was decided (or confirmed), and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub reason: String,
    pub span: Option<Span>,
}

impl Evidence {
    fn new(reason: impl Into<String>, span: Option<Span>) -> Evidence {
        Evidence {
            reason: reason.into(),
            span,
        }
    }
}

/// The domain of a service or a site, with what decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub domain: Option<String>,
    /// Shared by design (the proxy, the database server, infrastructure).
    pub neutral: bool,
    /// What decided, first; confirmations after.
    pub evidence: Vec<Evidence>,
}

impl Attribution {
    fn decided(domain: &str, evidence: Evidence) -> Attribution {
        Attribution {
            domain: Some(domain.to_string()),
            neutral: false,
            evidence: vec![evidence],
        }
    }

    fn neutral(evidence: Evidence) -> Attribution {
        Attribution {
            domain: None,
            neutral: true,
            evidence: vec![evidence],
        }
    }
}

/// One step of a reference: where it is written and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub span: Span,
    pub note: String,
}

/// What a reference reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// `None`: unknown, or neutral.
    pub domain: Option<String>,
    /// The services it reaches (indices into the environment's services):
    /// one, or those behind a site.
    pub services: Vec<usize>,
    /// The Caddy site it goes through.
    pub site: Option<usize>,
    /// The steps from the reference to its end, each with its span.
    pub hops: Vec<Hop>,
    /// Why the domain, in words (`served by the Caddy site :4000`).
    pub reason: Option<String>,
}

/// A URL a service is configured with, and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRelation {
    /// Index of the configured service.
    pub service: usize,
    /// The environment variable or Ory setting path.
    pub key: String,
    pub value: Value,
    pub key_span: Span,
    pub target: Target,
}

/// The database a service connects to: the key its DSN is read from
/// (`dsn`, `DSN`, `DATABASE_URL`), the value, and the DSN parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub key: &'static str,
    pub value: Value,
    /// `None` when the value is not a DSN that can be read (or is one
    /// variable: then only its name is known).
    pub dsn: Option<Dsn>,
}

/// Whether the environment has two stacks to keep apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boundary {
    /// The domains that each have identity services of their own.
    Present(Vec<String>),
    /// No boundary, and why.
    None(String),
}

impl Boundary {
    pub fn exists(&self) -> bool {
        matches!(self, Boundary::Present(_))
    }
}

/// Everything resolved about one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Parallel to the environment's services.
    pub services: Vec<Attribution>,
    /// Parallel to its sites.
    pub sites: Vec<Attribution>,
    /// Per site, per upstream (parallel to `Site::upstreams`).
    pub upstreams: Vec<Vec<Target>>,
    /// Every configured URL of every service.
    pub urls: Vec<UrlRelation>,
    /// Per OAuth2 client: what its admin URL reaches.
    pub clients: Vec<Target>,
    /// Parallel to the services: the database each connects to.
    pub databases: Vec<Option<Database>>,
    pub boundary: Boundary,
}

impl Default for Resolution {
    fn default() -> Resolution {
        Resolution {
            services: Vec::new(),
            sites: Vec::new(),
            upstreams: Vec::new(),
            urls: Vec::new(),
            clients: Vec::new(),
            databases: Vec::new(),
            boundary: Boundary::None("nothing was read".into()),
        }
    }
}

impl Resolution {
    /// The domain of the service at `i`.
    pub fn service_domain(&self, i: usize) -> Option<&str> {
        self.services.get(i)?.domain.as_deref()
    }

    /// The database the service at `i` connects to.
    pub fn database(&self, i: usize) -> Option<&Database> {
        self.databases.get(i)?.as_ref()
    }

    /// The domain of the site at `i`.
    pub fn site_domain(&self, i: usize) -> Option<&str> {
        self.sites.get(i)?.domain.as_deref()
    }

    /// What upstream `u` of site `site` reaches.
    pub fn upstream(&self, site: usize, u: usize) -> Option<&Target> {
        self.upstreams.get(site)?.get(u)
    }

    /// The Hydra service a client is registered in, when it can be told.
    pub fn client_hydra<'a>(&self, env: &'a Environment, i: usize) -> Option<&'a ServiceFacts> {
        let t = self.clients.get(i)?;
        t.services
            .iter()
            .filter_map(|&s| env.services.get(s))
            .find(|s| s.kind == ServiceKind::Hydra)
    }

    /// The domain of the Hydra a client is registered in.
    pub fn client_domain(&self, i: usize) -> Option<&str> {
        self.clients.get(i)?.domain.as_deref()
    }
}

/// Host names that reach the host's own ports.
pub fn is_local_host(host: &str) -> bool {
    matches!(
        host.trim_matches(['[', ']']),
        "localhost"
            | "127.0.0.1"
            | "::1"
            | "0.0.0.0"
            | "host.docker.internal"
            | "host.containers.internal"
    )
}

/// Images of infrastructure that belongs to no domain unless its name
/// says so: mail catchers, caches, tracing and metrics, database admin UIs.
const INFRASTRUCTURE: &[&str] = &[
    "mailslurper",
    "mailhog",
    "mailpit",
    "mailcrab",
    "maildev",
    "smtp4dev",
    "redis",
    "valkey",
    "memcached",
    "jaeger",
    "all-in-one",
    "zipkin",
    "prometheus",
    "grafana",
    "loki",
    "otel",
    "opentelemetry-collector",
    "opentelemetry-collector-contrib",
    "pgadmin4",
    "pgadmin",
    "adminer",
    "mysql",
    "mariadb",
    "cockroach",
    "minio",
];

/// The domain named by a bind mount's host path (`./ciam-kratos`).
fn mount_domain(s: &ServiceFacts, domains: &Domains) -> Option<(String, Evidence)> {
    s.service.volumes.iter().find_map(|v| {
        let source = v.source.as_deref()?;
        let d = (v.kind == VolumeKind::Bind)
            .then(|| domains.of_name(source))
            .flatten()?;
        Some((
            d.to_string(),
            Evidence::new(format!("mounts {source}"), Some(v.span)),
        ))
    })
}

/// A service's own evidence: name, aliases, mounts, config path, database.
fn own_attribution(s: &ServiceFacts, db: Option<&Database>, domains: &Domains) -> Attribution {
    let svc = &s.service;
    if let Some(d) = domains.of_name(&svc.name) {
        return Attribution::decided(
            d,
            Evidence::new(format!("named {}", svc.name), Some(svc.name_span)),
        );
    }
    match s.kind {
        ServiceKind::Proxy => {
            return Attribution::neutral(Evidence::new(
                "the proxy, shared by both domains",
                Some(svc.name_span),
            ));
        }
        ServiceKind::Postgres => {
            return Attribution::neutral(Evidence::new(
                "the database server, shared by both domains",
                Some(svc.name_span),
            ));
        }
        _ => {}
    }
    for a in &svc.aliases {
        if let Some(d) = domains.of_name(a) {
            return Attribution::decided(
                d,
                Evidence::new(format!("also answers to {a}"), Some(svc.name_span)),
            );
        }
    }
    if let Some((d, e)) = mount_domain(s, domains) {
        return Attribution::decided(&d, e);
    }
    if let Some((path, span)) = s.ory.as_ref().and_then(|o| o.config_path.clone())
        && let Some(d) = domains.of_name(&path)
    {
        return Attribution::decided(d, Evidence::new(format!("loads {path}"), Some(span)));
    }
    let image = svc.image_name().unwrap_or_default().to_ascii_lowercase();
    if INFRASTRUCTURE.contains(&image.as_str()) {
        return Attribution::neutral(Evidence::new(
            format!("infrastructure ({image})"),
            svc.image.as_ref().and_then(Value::span),
        ));
    }
    if let Some(Database {
        value: dsn,
        dsn: Some(parsed),
        ..
    }) = db
    {
        let d = match &parsed.database {
            Some(Part::Known(db)) => domains.of_name(db).map(|d| (d, db.clone())),
            // `${ENV}_ciam_kratos`: its literal part names the domain too.
            Some(Part::Symbolic(vars)) => parsed
                .database_template
                .as_deref()
                .and_then(|t| Some((domains.of_name(t)?, t.to_string())))
                .or_else(|| {
                    vars.iter()
                        .find_map(|v| Some((domains.of_name(v)?, format!("${{{v}}}"))))
                }),
            None => None,
        };
        if let Some((d, db)) = d {
            return Attribution::decided(
                d,
                Evidence::new(format!("uses the database {db}"), dsn.span()),
            );
        }
    }
    Attribution::default()
}

/// A site's own evidence: its hosts, then the variables of its address.
fn own_site_attribution(site: &Site, domains: &Domains) -> Attribution {
    for a in &site.addresses {
        if let Some(p) = &a.parsed
            && let Some(d) = domains.of_host(&p.host)
        {
            return Attribution::decided(
                d,
                Evidence::new(format!("serves {}", p.host), Some(a.span)),
            );
        }
    }
    for a in &site.addresses {
        if let Some((d, v)) = a.vars.iter().find_map(|v| Some((domains.of_name(v)?, v))) {
            return Attribution::decided(
                d,
                Evidence::new(format!("its address is {{${v}}}"), Some(a.span)),
            );
        }
    }
    Attribution::default()
}

/// The container port a published host port maps to.
fn container_port(p: &Port, host_port: u16) -> Option<u16> {
    let (lo, hi) = p.published_range()?;
    if !(lo..=hi).contains(&host_port) {
        return None;
    }
    let (tlo, thi) = p.target_range()?;
    // One host port, or a host range onto one container port
    // (`8000-8010:80`).
    if lo == hi || tlo == thi {
        return Some(tlo);
    }
    tlo.checked_add(host_port - lo)
}

/// The port a site address listens on (Caddy's defaults for none).
fn listens_on(p: &crate::load::caddy::address::Address, port: u16) -> bool {
    match p.port.parse::<u16>() {
        Ok(q) => q == port,
        Err(_) => match p.scheme.as_str() {
            "http" => port == 80,
            "https" => port == 443,
            _ => port == 443 || (port == 80 && !p.host.is_empty()),
        },
    }
}

struct Resolver<'a> {
    env: &'a Environment,
    domains: &'a Domains,
    services: Vec<Attribution>,
    sites: Vec<Attribution>,
}

impl<'a> Resolver<'a> {
    /// The service a host name reaches: by its name, else by an alias
    /// only one service has (two stacks may each call their Kratos
    /// `kratos` on their own network: then it is not known which).
    fn service_index(&self, host: &str) -> Option<usize> {
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
    fn container(&self, name: &str) -> Option<usize> {
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
    fn publisher(&self, port: u16) -> Option<(usize, &'a Port, u16)> {
        self.env.services.iter().enumerate().find_map(|(i, s)| {
            s.service
                .ports
                .iter()
                .find_map(|p| Some((i, p, container_port(p, port)?)))
        })
    }

    /// The site a request to `host:port` lands on: one listening on the
    /// port whose host is that host, else one with no host.
    fn site_at(&self, host: &str, port: u16) -> Option<usize> {
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
    fn site_for_host(&self, host: &str, wildcard: bool) -> Option<usize> {
        self.env.sites.iter().position(|s| {
            s.addresses.iter().any(|a| {
                a.parsed.as_ref().is_some_and(|p| {
                    (wildcard || !p.host.starts_with("*.")) && host_matches(&p.host, host)
                })
            })
        })
    }

    fn service_target(&self, i: usize, hops: Vec<Hop>) -> Target {
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
    fn dial(&self, u: &Upstream) -> Target {
        let mut hops = vec![Hop {
            span: u.span,
            note: format!("{} {}", u.directive, u.raw),
        }];
        let Some(dial) = u.dial.as_deref() else {
            return self.by_vars(&u.vars, hops);
        };
        let host = super::references::dial_host(dial);
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
    fn by_vars(&self, vars: &[String], hops: Vec<Hop>) -> Target {
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
    fn site_target(
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
    fn url(&self, v: &Value, upstreams: &[Vec<Target>]) -> Target {
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

/// Each candidate domain of a site, its weight and its evidence.
type Votes = Vec<(String, u32, Vec<Evidence>)>;

fn vote(votes: &mut Votes, domain: &str, weight: u32, e: Evidence) {
    match votes.iter_mut().find(|(x, ..)| x == domain) {
        Some((_, w, es)) => {
            *w += weight;
            es.push(e);
        }
        None => votes.push((domain.to_string(), weight, vec![e])),
    }
}

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
    let configured: Vec<(usize, super::references::ConfiguredUrl)> = env
        .services
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            super::references::configured_urls(s)
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

/// Two domains with identity services of their own make a boundary. A
/// tree with no compose services (a Caddyfile alone) has one when its
/// sites and upstreams name two domains.
fn boundary(
    env: &Environment,
    services: &[Attribution],
    sites: &[Attribution],
    upstreams: &[Vec<Target>],
    domains: &Domains,
) -> Boundary {
    let mut with_idp: Vec<String> = Vec::new();
    for (s, a) in env.services.iter().zip(services) {
        if matches!(s.kind, ServiceKind::Kratos | ServiceKind::Hydra)
            && let Some(d) = &a.domain
            && !with_idp.contains(d)
        {
            with_idp.push(d.clone());
        }
    }
    let order = |list: &mut Vec<String>| {
        list.sort_by_key(|d| domains.list.iter().position(|x| &x.name == d));
    };
    if env.services.is_empty() {
        let mut named: Vec<String> = Vec::new();
        let upstream_names = upstreams
            .iter()
            .flatten()
            .filter_map(|t| t.domain.as_deref());
        let site_names = sites.iter().filter_map(|a| a.domain.as_deref());
        for d in site_names.chain(upstream_names) {
            if !named.iter().any(|x| x == d) {
                named.push(d.to_string());
            }
        }
        order(&mut named);
        return if named.len() >= 2 {
            Boundary::Present(named)
        } else if env.sites.is_empty() {
            Boundary::None("no services and no Caddy sites".into())
        } else {
            Boundary::None(format!(
                "no compose services, and the Caddy sites name {}",
                describe(&named)
            ))
        };
    }
    order(&mut with_idp);
    if with_idp.len() >= 2 {
        return Boundary::Present(with_idp);
    }
    let idps: Vec<&str> = env
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Kratos | ServiceKind::Hydra))
        .map(|s| s.service.name.as_str())
        .collect();
    Boundary::None(match (with_idp.as_slice(), idps.as_slice()) {
        (_, []) => "no service runs Kratos or Hydra".to_string(),
        ([], _) => format!(
            "one identity stack ({}) and no domain it belongs to",
            idps.join(", ")
        ),
        ([d], _) => format!(
            "only {} has identity services of its own ({})",
            d.to_uppercase(),
            idps.join(", ")
        ),
        _ => "fewer than two domains have identity services".to_string(),
    })
}

fn describe(named: &[String]) -> String {
    match named {
        [] => "no domain".into(),
        [one] => format!("only {}", one.to_uppercase()),
        _ => named.join(", "),
    }
}

#[cfg(test)]
mod tests;
