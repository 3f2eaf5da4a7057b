//! A service's or site's own evidence of a domain (names, aliases,
//! mounts, config path, database; a site's addresses), which services are
//! neutral infrastructure, how site votes add up, and whether the
//! environment has a boundary.

use super::*;
use crate::load::caddy::sites::Site;
use crate::load::compose::{Port, VolumeKind};
use crate::model::domain::Domains;
use crate::model::{Environment, ServiceFacts, ServiceKind};
use crate::syntax::value::Text;
use crate::syntax::value::Value;

/// Images of infrastructure that belongs to no domain unless its name
/// says so: mail catchers, caches, tracing and metrics, database admin UIs.
pub(super) const INFRASTRUCTURE: &[&str] = &[
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
pub(super) fn mount_domain(s: &ServiceFacts, domains: &Domains) -> Option<(String, Evidence)> {
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

/// The domain a DSN's database names, and the name as read: a known
/// name, else its template's literal part (`${ENV}_ciam_kratos`), else a
/// variable's name.
pub fn database_domain<'d>(
    dsn: &crate::load::dsn::Dsn,
    domains: &'d Domains,
) -> Option<(&'d str, String)> {
    match &dsn.database {
        Some(Text::Known(db)) => domains.of_name(db).map(|d| (d, db.clone())),
        Some(Text::Symbolic(vars)) => dsn
            .database_template
            .as_deref()
            .and_then(|t| Some((domains.of_name(t)?, t.to_string())))
            .or_else(|| {
                vars.iter()
                    .find_map(|v| Some((domains.of_name(v)?, format!("${{{v}}}"))))
            }),
        None => None,
    }
}

/// A service's own evidence: name, aliases, mounts, config path, database.
pub(super) fn own_attribution(
    s: &ServiceFacts,
    db: Option<&Database>,
    domains: &Domains,
) -> Attribution {
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
        && let Some((d, db)) = database_domain(parsed, domains)
    {
        return Attribution::decided(
            d,
            Evidence::new(format!("uses the database {db}"), dsn.span()),
        );
    }
    Attribution::default()
}

/// A site's own evidence: its hosts, then the variables of its address.
pub(super) fn own_site_attribution(site: &Site, domains: &Domains) -> Attribution {
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
pub(super) fn container_port(p: &Port, host_port: u16) -> Option<u16> {
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
pub(super) fn listens_on(p: &crate::load::caddy::address::Address, port: u16) -> bool {
    match p.port.parse::<u16>() {
        Ok(q) => q == port,
        Err(_) => match p.scheme.as_str() {
            "http" => port == 80,
            "https" => port == 443,
            _ => port == 443 || (port == 80 && !p.host.is_empty()),
        },
    }
}

/// Each candidate domain of a site, its weight and its evidence.
pub(super) type Votes = Vec<(String, u32, Vec<Evidence>)>;

pub(super) fn vote(votes: &mut Votes, domain: &str, weight: u32, e: Evidence) {
    match votes.iter_mut().find(|(x, ..)| x == domain) {
        Some((_, w, es)) => {
            *w += weight;
            es.push(e);
        }
        None => votes.push((domain.to_string(), weight, vec![e])),
    }
}

/// Two domains with identity services of their own make a boundary. A
/// tree with no compose services (a Caddyfile alone) has one when its
/// sites and upstreams name two domains.
pub(super) fn boundary(
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

pub(super) fn describe(named: &[String]) -> String {
    match named {
        [] => "no domain".into(),
        [one] => format!("only {}", one.to_uppercase()),
        _ => named.join(", "),
    }
}
