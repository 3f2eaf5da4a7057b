//! What a declarative rule looks at: the items a selector picks out of the
//! model, each with its domain, its key, its value and where it is written.

use crate::model::ServiceKind;
use crate::model::{Environment, ServiceFacts};
use crate::rules::Context;
use crate::syntax::source::Span;
use crate::syntax::value::Text;
use crate::syntax::value::{Piece, Value};
use globset::GlobSet;

/// Which values of which services (or sites) a rule reads.
#[derive(Debug, Clone)]
pub struct Selector {
    /// Service kinds (`kratos`, `hydra`, `app`, ...); empty: every kind.
    pub kinds: Vec<ServiceKind>,
    /// Domains; `neutral` names services and sites of no domain; empty:
    /// all.
    pub domains: Vec<String>,
    /// Service names (globs); empty: every service.
    pub services: Option<GlobSet>,
    /// Keep only keys whose value is a secret (`SESSION_SECRET`,
    /// `DB_PASSWORD`, `API_KEY`; not `PASSWORD_MAX_BREACHES`).
    pub secret: bool,
    pub target: Target,
}

#[derive(Debug, Clone)]
pub enum Target {
    /// Kratos/Hydra effective config keys (YAML or their env form; `.*`
    /// and `.**` wildcards).
    Config(Vec<String>),
    /// Environment variables by name (globs), and whether the names are
    /// plain (an absent one is then "not set").
    Env(GlobSet, Vec<String>),
    /// One part of the service's DSN (`scheme`, `user`, `host`, `port`,
    /// `database`, or a query parameter), for these schemes (all if empty).
    Dsn { part: String, schemes: Vec<String> },
    /// `reference`, `name` or `tag` of the service's image.
    Image(String),
    /// Each word of the service's entrypoint and command.
    Args,
    /// Caddy directives by path (`header`, `reverse_proxy.transport`).
    Caddy(String),
}

/// One selected value.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub service: Option<&'a ServiceFacts>,
    /// The site's first address, for Caddy items.
    pub site: Option<String>,
    pub domain: Option<String>,
    pub key: String,
    /// `None`: the key is not set.
    pub text: Option<Text>,
    /// A real boolean reading: a plain YAML `true`/`false`, or the env
    /// form's `true`/`false`/`1`/`0`. A quoted `"true"` has none.
    pub boolean: Option<bool>,
    /// Where the value is written (where it would be, when not set).
    pub span: Span,
    /// The value as written, for where its parts come from.
    pub origin: Option<Value>,
    /// The variables the value comes through (a secret-named one means
    /// the value is never shown).
    pub vars: Vec<String>,
}

/// The env form's booleans, as Ory reads them.
fn env_bool(text: &Option<Text>) -> Option<bool> {
    match text {
        Some(Text::Known(t)) => crate::load::ory::parse_env_bool(t),
        _ => None,
    }
}

impl Selector {
    /// Every item this selector picks in the environment.
    pub fn items<'a>(&self, ctx: &Context<'a>) -> Vec<Item<'a>> {
        let env: &'a Environment = ctx.env;
        let mut out = Vec::new();
        if let Target::Caddy(path) = &self.target {
            for site in &env.sites {
                let domain = ctx.site_domain(site);
                if !self.domain_selected(domain.as_deref()) {
                    continue;
                }
                let name = site.addresses.first().map(|a| a.raw.clone());
                let mut found = false;
                for d in &site.directives {
                    if d.path == *path || d.path.ends_with(&format!(".{path}")) {
                        found = true;
                        out.push(Item {
                            service: None,
                            site: name.clone(),
                            domain: domain.clone(),
                            key: d.path.clone(),
                            text: Some(match &d.args {
                                Some(t) => Text::Known(t.clone()),
                                None => Text::Symbolic(d.vars.clone()),
                            }),
                            boolean: None,
                            span: d.span,
                            origin: None,
                            vars: d.vars.clone(),
                        });
                    }
                }
                if !found {
                    out.push(Item {
                        service: None,
                        site: name,
                        domain,
                        key: path.clone(),
                        text: None,
                        boolean: None,
                        span: site.span,
                        origin: None,
                        vars: Vec::new(),
                    });
                }
            }
            return out;
        }
        for s in &env.services {
            if !self.kinds.is_empty() && !self.kinds.contains(&s.kind) {
                continue;
            }
            if self
                .services
                .as_ref()
                .is_some_and(|g| !g.is_match(&s.service.name))
            {
                continue;
            }
            let domain = ctx.service_domain(s);
            if !self.domain_selected(domain.as_deref()) {
                continue;
            }
            let base = Item {
                service: Some(s),
                site: None,
                domain,
                key: String::new(),
                text: None,
                boolean: None,
                span: s.service.name_span,
                origin: None,
                vars: Vec::new(),
            };
            let db = ctx.env.index_of(s).and_then(|i| ctx.resolved().database(i));
            self.service_items(s, db, &base, &mut out);
        }
        if self.secret {
            out.retain(|i| crate::syntax::redact::holds_secret(&i.key));
        }
        out
    }

    fn domain_selected(&self, domain: Option<&str>) -> bool {
        self.domains.is_empty()
            || self
                .domains
                .iter()
                .any(|d| Some(d.as_str()) == domain || (d == "neutral" && domain.is_none()))
    }

    fn service_items<'a>(
        &self,
        s: &'a ServiceFacts,
        db: Option<&crate::model::resolve::Database>,
        base: &Item<'a>,
        out: &mut Vec<Item<'a>>,
    ) {
        let with = |key: &str, value: Option<&Value>| {
            let text = value.map(Value::resolved);
            Item {
                key: key.to_string(),
                boolean: env_bool(&text),
                span: value.and_then(Value::span).unwrap_or(base.span),
                text,
                origin: value.cloned(),
                vars: value.map(Value::vars).unwrap_or_default(),
                ..base.clone()
            }
        };
        match &self.target {
            Target::Config(paths) => {
                let Some(ory) = &s.ory else { return };
                for path in paths {
                    let settings = if let Some(prefix) = path.strip_suffix(".**") {
                        ory.leaves(prefix)
                    } else if path.contains('*') {
                        ory.expand(path)
                            .iter()
                            .flat_map(|p| ory.get(p).into_iter().chain(ory.list(p)))
                            .collect()
                    } else {
                        match ory.get(path) {
                            Some(one) => vec![one],
                            None => ory.list(path),
                        }
                    };
                    if settings.is_empty() && !path.contains('*') {
                        out.push(with(path, None));
                    }
                    for setting in settings {
                        let mut item = with(&setting.path, Some(&setting.value));
                        // The YAML's own type decides whether it is a boolean.
                        item.boolean = ory.bool(&setting.path).map(|(b, _)| b);
                        out.push(item);
                    }
                }
            }
            Target::Env(globs, plain) => {
                for e in &s.service.environment {
                    // (`secret: true` would drop the others at the end.)
                    let secret = || crate::syntax::redact::holds_secret(&e.key);
                    if !globs.is_match(&e.key) || (self.secret && !secret()) {
                        continue;
                    }
                    // `KEY` alone takes the value from the outer environment.
                    let value = e
                        .value
                        .clone()
                        .unwrap_or_else(|| outer_var(&e.key, e.key_span));
                    let mut item = with(&e.key, Some(&value));
                    if e.value.is_none() {
                        item.span = e.key_span;
                    }
                    out.push(item);
                }
                for name in plain {
                    if s.service.env(name).is_none() {
                        out.push(with(name, None));
                    }
                }
            }
            Target::Dsn { part, schemes } => {
                let Some(crate::model::resolve::Database {
                    value,
                    dsn: Some(dsn),
                    ..
                }) = db
                else {
                    return;
                };
                if !schemes.is_empty() {
                    match dsn.scheme.known() {
                        Some(sc) if schemes.iter().any(|x| x.eq_ignore_ascii_case(sc)) => {}
                        _ => return,
                    }
                }
                let p = match part.as_str() {
                    "scheme" => Some(dsn.scheme.clone()),
                    "user" => dsn.user.clone(),
                    "host" => dsn.host.clone(),
                    "port" => dsn.port.clone(),
                    "database" => dsn.database.clone(),
                    param => dsn.param_or_unknown(param),
                };
                // libpq reads a parameter missing from the DSN from its
                // environment variable (`PGSSLMODE`).
                let libpq_env = format!("PG{}", part.to_ascii_uppercase());
                let postgres = matches!(
                    dsn.scheme.known(),
                    Some("postgres" | "postgresql" | "cockroach")
                );
                if p.is_none()
                    && postgres
                    && let Some(e) = s.service.env(&libpq_env)
                {
                    let value = e
                        .value
                        .clone()
                        .unwrap_or_else(|| outer_var(&e.key, e.key_span));
                    let mut item = with(&libpq_env, Some(&value));
                    item.boolean = None;
                    out.push(item);
                    return;
                }
                let mut item = with(part, Some(value));
                item.text = p.clone();
                item.boolean = None;
                // The part's own variables: the DSN's password is no part.
                item.vars = match &p {
                    Some(Text::Symbolic(vars)) => vars.clone(),
                    _ => Vec::new(),
                };
                // Where the part is written, and only its own origin (not
                // the rest of the DSN, its password least of all).
                let (span, piece) = param_span(value, part).unzip();
                item.span = span.unwrap_or(item.span);
                item.origin = piece.flatten().map(|p| Value { pieces: vec![p] });
                out.push(item);
            }
            Target::Image(part) => {
                let Some(image) = &s.service.image else {
                    return;
                };
                let mut item = with(part, Some(image));
                item.boolean = None;
                if let Some(Text::Known(reference)) = &item.text {
                    let (name, tag) = split_image(reference);
                    item.text = match part.as_str() {
                        "name" => Some(Text::Known(name.to_string())),
                        "tag" => tag.map(|t| Text::Known(t.to_string())),
                        _ => item.text.clone(),
                    };
                }
                out.push(item);
            }
            Target::Args => {
                for word in s.service.entrypoint.iter().chain(&s.service.command) {
                    let mut item = with("command", Some(word));
                    item.boolean = None;
                    out.push(item);
                }
            }
            Target::Caddy(_) => {}
        }
    }
}

/// Where a query parameter's value is written in a DSN
/// (`?sslmode=require`, or the `${MODE}` right after `sslmode=`, then with
/// that piece), when the text is exactly as in the file.
fn param_span(value: &Value, name: &str) -> Option<(Span, Option<Piece>)> {
    let mut pieces = value.pieces.iter();
    while let Some(piece) = pieces.next() {
        let Piece::Lit { text, span } = piece else {
            continue;
        };
        if span.len() != text.len() {
            continue;
        }
        let Some(at) = ["?", "&"]
            .iter()
            .find_map(|sep| text.find(&format!("{sep}{name}=")))
        else {
            continue;
        };
        let from = at + name.len() + 2;
        let rest = text.get(from..).unwrap_or("");
        if rest.is_empty() {
            return match pieces.next() {
                Some(p @ Piece::Var(v)) => Some((v.span, Some(p.clone()))),
                _ => None,
            };
        }
        let len = rest.find('&').unwrap_or(rest.len());
        let start = span.start as usize + from;
        return Some((Span::new(span.file, start, start + len), None));
    }
    None
}

/// `KEY` listed without a value: compose takes it from the environment it
/// runs in, which isolint never reads.
fn outer_var(name: &str, span: Span) -> Value {
    Value {
        pieces: vec![Piece::Var(crate::syntax::value::Var {
            name: name.to_string(),
            span,
            op: None,
            bound: None,
            local: false,
        })],
    }
}

/// `registry:5000/oryd/kratos:v1.3@sha256:ab` → (`registry:5000/oryd/kratos`,
/// `Some("@sha256:ab")`): a digest pins the image whatever its tag; a tag
/// is what follows the last `:` after the last `/`.
pub fn split_image(reference: &str) -> (&str, Option<&str>) {
    if let Some(at) = reference.find('@') {
        let name = reference.get(..at).unwrap_or(reference);
        let name = split_image(name).0;
        return (name, reference.get(at..));
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference.rfind(':') {
        Some(colon) if colon >= last_slash => (
            reference.get(..colon).unwrap_or(reference),
            reference.get(colon + 1..),
        ),
        _ => (reference, None),
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn image_tags_and_digests() {
        assert_eq!(split_image("oryd/kratos"), ("oryd/kratos", None));
        assert_eq!(
            split_image("oryd/kratos:v1.3.1"),
            ("oryd/kratos", Some("v1.3.1"))
        );
        assert_eq!(
            split_image("registry:5000/oryd/kratos"),
            ("registry:5000/oryd/kratos", None)
        );
        assert_eq!(
            split_image("registry:5000/kratos:latest@sha256:ab"),
            ("registry:5000/kratos", Some("@sha256:ab"))
        );
    }
}
