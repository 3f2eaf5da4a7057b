//! `isolint dump`: the model as JSON (design.md §3), resolved: each
//! domain with its evidence, the boundary, every URL with its hops.

use crate::load::caddy::sites::{Site, SiteAddress, Upstream};
use crate::load::ory::Source;
use crate::model::domain::Domains;
use crate::model::resolve::{Attribution, Boundary, Resolution, Target};
use crate::model::{Environment, ServiceFacts};
use crate::syntax::redact::redact;
use crate::syntax::source::{SourceMap, Span};
use crate::syntax::value::Text;
use crate::syntax::value::Value as ModelValue;
use serde_json::{Value, json};

pub fn render(sources: &SourceMap, environments: &[Environment], domains: &Domains) -> String {
    let envs: Vec<Value> = environments
        .iter()
        .map(|e| {
            let r = e.resolved(domains);
            json!({
                "name": e.name,
                "profile": e.profile,
                "boundary": boundary(&r.boundary),
                "services": e.services.iter().enumerate().map(|(i, s)| service(sources, s, r.services.get(i))).collect::<Vec<_>>(),
                "sites": e.sites.iter().enumerate().map(|(i, s)| site(sources, e, s, i, r)).collect::<Vec<_>>(),
                "oauth2_clients": e.oauth2_clients.iter().enumerate().map(|(i, c)| client(sources, c, e, r, i)).collect::<Vec<_>>(),
                "databases": e.services.iter().enumerate().filter_map(|(i, s)| database(sources, s, r.database(i)?, r.service_domain(i))).collect::<Vec<_>>(),
                "relations": r.urls.iter().map(|u| json!({
                    "from": e.services.get(u.service).map(|s| s.service.name.clone()),
                    "key": u.key,
                    "value": value(sources, &u.key, &u.value),
                    "to": target(sources, e, &u.target),
                })).collect::<Vec<_>>(),
                "init_sql": e.init_sql.iter().map(|s| init_sql(sources, s)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"version": 1, "environments": envs}))
        .unwrap_or_default();
    text.push('\n');
    text
}

fn boundary(b: &Boundary) -> Value {
    match b {
        Boundary::Present(domains) => json!({"state": "present", "domains": domains}),
        Boundary::None(reason) => json!({"state": "none", "reason": reason}),
    }
}

fn evidence(sources: &SourceMap, a: &Attribution) -> Value {
    a.evidence
        .iter()
        .map(|e| {
            let at = e.span.map(|s| location(sources, s));
            json!({
                "reason": e.reason,
                "file": at.as_ref().map(|(f, _)| f.clone()),
                "line": at.map(|(_, l)| l),
            })
        })
        .collect()
}

/// What a reference reaches, with each hop.
fn target(sources: &SourceMap, e: &Environment, t: &Target) -> Value {
    json!({
        "domain": t.domain,
        "services": t.services.iter().filter_map(|i| e.services.get(*i)).map(|s| s.service.name.clone()).collect::<Vec<_>>(),
        "reason": t.reason,
        "hops": t.hops.iter().map(|h| {
            let (file, line) = location(sources, h.span);
            json!({"note": redact("url", &h.note), "file": file, "line": line})
        }).collect::<Vec<_>>(),
    })
}

fn location(sources: &SourceMap, span: Span) -> (String, usize) {
    (sources.display_path(span.file), sources.position(span).line)
}

fn via(sources: &SourceMap, chain: &[Span]) -> Vec<Value> {
    chain
        .iter()
        .map(|s| {
            let (file, line) = location(sources, *s);
            json!({"file": file, "line": line})
        })
        .collect()
}

fn site(sources: &SourceMap, e: &Environment, s: &Site, i: usize, r: &Resolution) -> Value {
    let (file, line) = location(sources, s.span);
    let attribution = r.sites.get(i).cloned().unwrap_or_default();
    json!({
        "addresses": s.addresses.iter().map(|a| address(sources, a)).collect::<Vec<_>>(),
        "domain": attribution.domain,
        "evidence": evidence(sources, &attribution),
        "file": file,
        "line": line,
        "upstreams": s.upstreams.iter().enumerate().map(|(u_i, u)| upstream(sources, e, u, r.upstream(i, u_i))).collect::<Vec<_>>(),
    })
}

fn address(sources: &SourceMap, a: &SiteAddress) -> Value {
    let (file, line) = location(sources, a.span);
    let part = |f: fn(&crate::load::caddy::address::Address) -> &String| {
        a.parsed.as_ref().map(|p| f(p).clone())
    };
    json!({
        "text": a.text,
        "raw": a.raw,
        "scheme": part(|p| &p.scheme),
        "host": part(|p| &p.host),
        "port": part(|p| &p.port),
        "path": part(|p| &p.path),
        "vars": a.vars,
        "file": file,
        "line": line,
        "via": via(sources, &a.via),
    })
}

fn upstream(sources: &SourceMap, e: &Environment, u: &Upstream, to: Option<&Target>) -> Value {
    let domain = to.and_then(|t| t.domain.clone());
    let (file, line) = location(sources, u.span);
    let (directive_file, directive_line) = location(sources, u.directive_span);
    json!({
        "dial": u.dial,
        "raw": u.raw,
        "vars": u.vars,
        "directive": u.directive,
        "hosts": u.hosts,
        "domain": domain,
        "file": file,
        "line": line,
        "directive_at": {"file": directive_file, "line": directive_line},
        "via": via(sources, &u.via),
        "to": to.map(|t| target(sources, e, t)),
    })
}

/// A value as §3 shows it: text (redacted under `name`), the variables it
/// depends on, and where it is written.
fn value(sources: &SourceMap, name: &str, v: &ModelValue) -> Value {
    let (file, line) = v
        .span()
        .map_or((String::new(), 0), |s| location(sources, s));
    let from: Vec<Value> = v
        .provenance()
        .iter()
        .skip(1)
        .filter(|s| s.file != v.span().map_or(s.file, |w| w.file))
        .map(|s| {
            let (file, line) = location(sources, *s);
            json!({"file": file, "line": line})
        })
        .collect();
    json!({
        // Pieces from secret variables are masked whatever the value's name.
        "text": v
            .display_text(&crate::syntax::redact::is_secret_name, crate::syntax::redact::MASK)
            .map(|t| redact(name, &t)),
        "vars": v.vars(),
        "file": file,
        "line": line,
        "from": from,
    })
}

fn service(sources: &SourceMap, s: &ServiceFacts, a: Option<&Attribution>) -> Value {
    let a = a.cloned().unwrap_or_default();
    let mut env = serde_json::Map::new();
    for var in &s.service.environment {
        let shown = match &var.value {
            Some(v) => value(sources, &var.key, v),
            None => Value::Null,
        };
        env.insert(var.key.clone(), shown);
    }
    let mut config = serde_json::Map::new();
    if let Some(ory) = &s.ory {
        for setting in ory.settings() {
            let mut shown = value(sources, &setting.path, &setting.value);
            if let Some(obj) = shown.as_object_mut() {
                let source = match &setting.source {
                    Source::Env { var, .. } => format!("env {var}"),
                    Source::Yaml { .. } => "yaml".to_string(),
                };
                obj.insert("source".into(), json!(source));
            }
            config.insert(setting.path.clone(), shown);
        }
    }
    json!({
        "name": s.service.name,
        "domain": a.domain,
        "neutral": a.neutral,
        "evidence": evidence(sources, &a),
        "kind": s.kind,
        "kind_reason": s.kind_reason,
        "image": s.service.image.as_ref().map(|v| value(sources, "image", v)),
        "env": env,
        "config": config,
    })
}

fn part(p: &Option<Text>) -> Value {
    match p {
        Some(Text::Known(s)) => json!(s),
        Some(Text::Symbolic(vars)) => json!({"vars": vars}),
        None => Value::Null,
    }
}

/// The database a service uses: its Ory `dsn`, else `DSN` or
/// `DATABASE_URL` in its environment.
fn database(
    sources: &SourceMap,
    s: &ServiceFacts,
    db: &crate::model::resolve::Database,
    domain: Option<&str>,
) -> Option<Value> {
    let dsn = db.dsn.as_ref()?;
    let mut shown = value(sources, "dsn", &db.value);
    if let Some(obj) = shown.as_object_mut() {
        obj.insert("text".into(), json!(dsn.redacted));
    }
    Some(json!({
        "service": s.service.name,
        "domain": domain,
        "dsn": shown,
        "host": part(&dsn.host),
        "port": part(&dsn.port),
        "name": part(&dsn.database),
        "user": part(&dsn.user),
    }))
}

fn client(
    sources: &SourceMap,
    c: &crate::model::OAuthClient,
    e: &Environment,
    res: &Resolution,
    i: usize,
) -> Value {
    let r = &c.registration;
    let hydra = res.client_hydra(e, i).map(|h| h.service.name.clone());
    let (file, line) = location(sources, r.span);
    json!({
        "client_id": r.client_id.as_ref().map(|v| value(sources, "client_id", v)),
        "admin_url": value(sources, "admin_url", &r.admin_url),
        "hydra": hydra,
        "domain": res.client_domain(i),
        "to": res.clients.get(i).map(|t| target(sources, e, t)),
        "method": r.method,
        "file": file,
        "line": line,
        "via": via(sources, &r.via),
    })
}

fn init_sql(sources: &SourceMap, s: &crate::load::initsql::InitSql) -> Value {
    let at = |span: Span| {
        let (file, line) = location(sources, span);
        json!({"file": file, "line": line})
    };
    json!({
        "databases": s.databases.iter().map(|d| json!({"name": d.name, "at": at(d.span)})).collect::<Vec<_>>(),
        "roles": s.roles.iter().map(|r| json!({"name": r.name, "has_password": r.has_password, "at": at(r.span)})).collect::<Vec<_>>(),
        "grants": s.grants.iter().map(|g| json!({"database": g.database, "grantee": g.grantee, "privileges": g.privileges, "at": at(g.span)})).collect::<Vec<_>>(),
        "connects": s.connects.iter().map(|c| json!({"name": c.name, "at": at(c.span)})).collect::<Vec<_>>(),
    })
}
