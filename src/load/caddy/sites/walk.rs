//! Walking a site's directives for its upstreams, as Caddy evaluates them:
//! `reverse_proxy` wherever it is reachable (through `handle`, `route`,
//! `handle_path`, matchers, named routes and `invoke`), with the named
//! matchers and the host restriction in force at each point, and the
//! structural errors Caddy refuses.

use super::*;
use crate::diag::Diagnostic;
use crate::load::caddy::shorthand;
use crate::load::caddy::upstream::dial_addresses;
use crate::syntax::caddyfile::ast::{Directive, Entry};
use crate::syntax::caddyfile::token::{Env, Token};
use crate::syntax::source::Span;
use std::collections::BTreeMap;

/// Named matchers visible at a point, and the host restriction in force.
#[derive(Clone, Default)]
pub(super) struct Scope {
    pub(super) matchers: BTreeMap<String, Vec<String>>,
    pub(super) hosts: Option<Vec<String>>,
}

pub(super) struct Walker<'a> {
    pub(super) env: &'a Env,
    pub(super) named_routes: &'a BTreeMap<String, Entry>,
    pub(super) upstreams: Vec<Upstream>,
    pub(super) diagnostics: &'a mut Vec<Diagnostic>,
    /// Named routes already walked in this site, with the host scope they
    /// were walked under: Caddy compiles a named route once, so a route
    /// invoked again (or by itself) adds nothing new.
    pub(super) invoked: std::collections::HashSet<(String, Option<Vec<String>>)>,
    /// Current depth of nested `invoke`s.
    pub(super) depth: usize,
}

/// `invoke` chains deeper than this are not followed.
pub(super) const MAX_INVOKE_DEPTH: usize = 64;

/// Directives whose block holds routes, and whether their first argument
/// may be a matcher.
pub(super) fn container(name: &str) -> Option<bool> {
    match name {
        "handle" | "handle_path" | "route" => Some(true),
        "handle_errors" | "handle_response" => Some(false),
        _ => None,
    }
}

pub(super) fn is_proxy(name: &str) -> bool {
    matches!(name, "reverse_proxy" | "php_fastcgi" | "forward_auth")
}

/// Every `@name` matcher defined in `dirs`, at any depth.
pub(super) fn matcher_names(dirs: &[Directive], out: &mut Vec<String>) {
    for d in dirs {
        let name = d.name();
        if name.starts_with('@') && !out.iter().any(|n| *n == name) {
            out.push(name.into_owned());
        }
        if let Some(b) = &d.block {
            matcher_names(&b.body, out);
        }
    }
}

/// Whether stock Caddy registers `name` as a site directive (the others a
/// Caddyfile uses are plugins', which isolint reads generically).
pub fn is_standard_directive(name: &str) -> bool {
    (takes_matcher(name) && name != "handle_response")
        || matches!(
            name,
            "acme_server" | "bind" | "fs" | "log" | "log_append" | "log_name" | "tls"
        )
}

/// Directives whose first argument, when it starts with `@`, names a
/// matcher.
pub(super) fn takes_matcher(name: &str) -> bool {
    is_proxy(name)
        || container(name).is_some()
        || matches!(
            name,
            "respond"
                | "redir"
                | "rewrite"
                | "uri"
                | "header"
                | "request_header"
                | "file_server"
                | "encode"
                | "basic_auth"
                | "basicauth"
                | "templates"
                | "invoke"
                | "abort"
                | "error"
                | "request_body"
                | "root"
                | "try_files"
                | "vars"
                | "map"
                | "push"
                | "log_skip"
                | "skip_log"
                | "tracing"
                | "metrics"
                | "copy_response"
                | "copy_response_headers"
                | "method"
                | "intercept"
        )
}

/// What Caddy refuses in a site's structure: `handle_errors` below the
/// site's top level, and a matcher the site does not define (matchers
/// belong to their site: one defined in another site is not there).
pub(super) fn check_structure(
    dirs: &[Directive],
    nested: bool,
    defined: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for d in dirs {
        let name = d.name();
        if nested
            && name == "handle_errors"
            && let Some(t) = d.tokens.first()
        {
            diagnostics.push(
                Diagnostic::parse_error(
                    t.span,
                    "handle_errors is only allowed at the top level of a site",
                )
                .with_label("inside another block"),
            );
        }
        if takes_matcher(&name)
            && let Some(first) = d.args().first()
            && first.kind == crate::syntax::caddyfile::token::TokenKind::Bare
            && let Some(text) = first.literal()
            && text.starts_with('@')
            && text.len() > 1
            && !defined.iter().any(|n| n == text)
        {
            diagnostics.push(
                Diagnostic::parse_error(
                    first.span,
                    format!("matcher {text} is not defined in this site"),
                )
                .with_label("Caddy refuses an unknown matcher")
                .with_help(
                    "define it in this site block (`@name ...`); matchers do not cross sites",
                ),
            );
        }
        if let Some(b) = &d.block
            && container(&name).is_some()
        {
            check_structure(&b.body, true, defined, diagnostics);
        }
    }
}

/// `*`, `/path` or `@name` as a directive's first argument.
pub(super) fn is_matcher_token(t: &Token) -> bool {
    let text = t.text();
    text == "*" || text.starts_with('/') || text.starts_with('@')
}

impl Walker<'_> {
    pub(super) fn walk(&mut self, dirs: &[Directive], outer: &Scope) {
        let mut scope = outer.clone();
        for d in dirs {
            let name = d.name().into_owned();
            if name.starts_with('@') {
                if let Some(hosts) = matcher_hosts(d, self.env) {
                    scope.matchers.insert(name, hosts);
                } else {
                    scope.matchers.remove(&name);
                }
            }
        }
        for d in dirs {
            let name = d.name();
            if is_proxy(&name) {
                self.proxy(d, &name, &scope);
            } else if let Some(takes_matcher) = container(&name) {
                let inner = if takes_matcher {
                    scoped(&scope, d.args().first())
                } else {
                    scope.clone()
                };
                if let Some(b) = &d.block {
                    self.walk(&b.body, &inner);
                }
            } else if name == "invoke" {
                self.invoke(d, &scope);
            } else if name == "intercept"
                && let Some(b) = &d.block
            {
                let inner = scoped(&scope, d.args().first());
                let responses: Vec<Directive> = b
                    .body
                    .iter()
                    .filter(|s| s.name() == "handle_response")
                    .cloned()
                    .collect();
                self.walk(&responses, &inner);
            }
        }
    }

    pub(super) fn invoke(&mut self, d: &Directive, scope: &Scope) {
        let Some(route) = d.args().iter().find(|t| !is_matcher_token(t)) else {
            return;
        };
        let resolved = route.resolve(self.env).text;
        let name = resolved
            .clone()
            .unwrap_or_else(|| route.text().into_owned());
        let Some(entry) = self.named_routes.get(&name) else {
            // (A name only known at deploy time is left alone.)
            if resolved.is_some() {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        route.span,
                        format!("invoke of named route {name}, which is not defined"),
                    )
                    .with_label("Caddy refuses this invoke")
                    .with_help(format!("define it at the top level: `&({name}) {{ ... }}`")),
                );
            }
            return;
        };
        let inner = scoped(scope, d.args().first());
        if !self.invoked.insert((name, inner.hosts.clone())) {
            return;
        }
        if self.depth >= MAX_INVOKE_DEPTH {
            self.diagnostics.push(
                Diagnostic::parse_error(
                    route.span,
                    format!(
                        "named routes invoke each other more than {MAX_INVOKE_DEPTH} levels deep"
                    ),
                )
                .with_label("this invoke is too deep"),
            );
            return;
        }
        self.depth += 1;
        self.walk(entry.directives(), &inner);
        self.depth -= 1;
    }

    /// Caddy's rule for one proxy's upstreams: once one names a scheme,
    /// every later one must name the same (`http://a:1 b:2` is refused;
    /// `b:2 http://a:1` is not).
    pub(super) fn same_scheme<'t>(&mut self, upstreams: impl Iterator<Item = &'t Token>) {
        let mut common: Option<String> = None;
        for t in upstreams {
            let Some(text) = t.resolve(self.env).text else {
                continue;
            };
            let scheme = text.split_once("://").map_or("", |(s, _)| s).to_string();
            if let Some(c) = common.as_deref().filter(|c| !c.is_empty() && *c != scheme) {
                self.diagnostics.push(
                    Diagnostic::parse_error(
                        t.span,
                        format!("all upstreams of one proxy must use the same scheme: expecting '{c}://' but got '{scheme}://'"),
                    )
                    .with_label("Caddy refuses this upstream"),
                );
                return;
            }
            common = Some(scheme);
        }
    }

    pub(super) fn proxy(&mut self, d: &Directive, name: &str, scope: &Scope) {
        let args = d.args();
        let (scope, upstream_args) = match args.first() {
            Some(first) if is_matcher_token(first) => {
                (scoped(scope, Some(first)), args.get(1..).unwrap_or(&[]))
            }
            _ => (scope.clone(), args),
        };
        let at = d
            .tokens
            .first()
            .map_or(Span::new(crate::syntax::source::FileId(0), 0, 0), |t| {
                t.span
            });
        let to: Vec<&Token> = d
            .block
            .iter()
            .flat_map(|b| &b.body)
            .filter(|sub| sub.name() == "to")
            .flat_map(|sub| sub.args())
            .collect();
        self.same_scheme(upstream_args.iter().chain(to.iter().copied()));
        for t in upstream_args {
            self.upstream(t, name, at, &scope);
        }
        let Some(b) = &d.block else {
            return;
        };
        let mut responses = Vec::new();
        for sub in &b.body {
            match sub.name().as_ref() {
                "to" => {
                    if let (Some(t), []) = (sub.tokens.first(), sub.args()) {
                        self.diagnostics.push(
                            Diagnostic::parse_error(
                                t.span,
                                "wrong argument count or unexpected line ending after 'to'",
                            )
                            .with_label("`to` names no upstream on its line"),
                        );
                    }
                    for t in sub.args() {
                        self.upstream(t, name, at, &scope);
                    }
                }
                "handle_response" => responses.push(sub.clone()),
                _ => {}
            }
        }
        self.walk(&responses, &scope);
    }

    pub(super) fn upstream(&mut self, t: &Token, directive: &str, at: Span, scope: &Scope) {
        let resolved = t.resolve(self.env);
        let mut dials = vec![None];
        if let Some(text) = &resolved.text {
            dials.clear();
            for word in words(text, false) {
                // An `{args[N]}` the import did not give stays as written
                // (Caddy warns), and is then no address.
                if word.contains("{args[") || word.contains("{args.") {
                    self.diagnostics.push(
                        Diagnostic::parse_error(
                            t.span,
                            format!("parsing upstream '{word}': the import gives no such argument, so the placeholder stays and is no address"),
                        )
                        .with_label("Caddy refuses this upstream"),
                    );
                    continue;
                }
                match dial_addresses(&shorthand::expand(word)) {
                    Ok(d) => dials.extend(d.into_iter().map(Some)),
                    Err(e) => self.diagnostics.push(
                        Diagnostic::parse_error(t.span, format!("invalid upstream '{word}': {e}"))
                            .with_label("Caddy refuses this upstream"),
                    ),
                }
            }
        }
        for dial in dials {
            self.upstreams.push(Upstream {
                directive: directive.to_string(),
                raw: t.text().into_owned(),
                dial,
                vars: resolved.vars.clone(),
                hosts: scope.hosts.clone(),
                span: t.span,
                directive_span: at,
                via: t.via.clone(),
            });
        }
    }
}

/// The scope inside a directive whose first argument may be a matcher.
pub(super) fn scoped(scope: &Scope, first: Option<&Token>) -> Scope {
    let mut inner = scope.clone();
    if let Some(t) = first
        && let Some(hosts) = scope.matchers.get(t.text().as_ref())
    {
        inner.hosts = Some(hosts.clone());
    }
    inner
}

/// The hosts of a named matcher's `host` condition(s): `@m host a b` or
/// `@m { host a b }`. `None` when it has none.
pub(super) fn matcher_hosts(d: &Directive, env: &Env) -> Option<Vec<String>> {
    let mut hosts = Vec::new();
    let mut found = false;
    let mut take = |tokens: &[Token]| {
        found = true;
        for t in tokens {
            let text = t.resolve(env).text.unwrap_or_else(|| t.text().into_owned());
            hosts.push(crate::load::caddy::address::lower_except_placeholders(
                &shorthand::expand(&text),
            ));
        }
    };
    if d.args().first().is_some_and(|t| t.text() == "host") {
        take(d.args().get(1..).unwrap_or(&[]));
    }
    if let Some(b) = &d.block {
        for sub in &b.body {
            if sub.name() == "host" {
                take(sub.args());
            }
        }
    }
    found.then_some(hosts)
}
