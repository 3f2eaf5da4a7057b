//! `isolint dump`: the model as JSON (design.md §3). Domains are `null`
//! until domain attribution exists.

use crate::load::caddy::sites::{Site, SiteAddress, Upstream};
use crate::model::Environment;
use crate::syntax::source::{SourceMap, Span};
use serde_json::{Value, json};

pub fn render(sources: &SourceMap, environments: &[Environment]) -> String {
    let envs: Vec<Value> = environments
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "profile": e.profile,
                "services": [],
                "sites": e.sites.iter().map(|s| site(sources, s)).collect::<Vec<_>>(),
                "oauth2_clients": [],
                "databases": [],
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"version": 1, "environments": envs}))
        .unwrap_or_default();
    text.push('\n');
    text
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

fn site(sources: &SourceMap, s: &Site) -> Value {
    let (file, line) = location(sources, s.span);
    json!({
        "addresses": s.addresses.iter().map(|a| address(sources, a)).collect::<Vec<_>>(),
        "domain": null,
        "file": file,
        "line": line,
        "upstreams": s.upstreams.iter().map(|u| upstream(sources, u)).collect::<Vec<_>>(),
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

fn upstream(sources: &SourceMap, u: &Upstream) -> Value {
    let (file, line) = location(sources, u.span);
    let (directive_file, directive_line) = location(sources, u.directive_span);
    json!({
        "dial": u.dial,
        "raw": u.raw,
        "vars": u.vars,
        "directive": u.directive,
        "hosts": u.hosts,
        "domain": null,
        "file": file,
        "line": line,
        "directive_at": {"file": directive_file, "line": directive_line},
        "via": via(sources, &u.via),
    })
}
