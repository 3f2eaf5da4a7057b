//! Sites and their upstreams: every proxy target reachable in a site.
//!
//! An upstream is reachable when a `reverse_proxy` (or `php_fastcgi`,
//! `forward_auth`, which Caddy compiles to a reverse proxy) sits in the
//! site directly, inside `handle`, `handle_path`, `route`, `handle_errors`,
//! a `handle_response` block, or a named route the site `invoke`s, at any
//! depth; snippets and imported files are already spliced in by the
//! loader. Both positional upstreams and `to` lines count. Each upstream
//! keeps the span of the token it came from and, when a named matcher with
//! a `host` condition scopes it, those hosts.

use super::CaddyConfig;
use super::address::{Address, AddressError};
use super::shorthand;
use super::upstream::dial_addresses;
use crate::diag::Diagnostic;
use crate::syntax::caddyfile::ast::{Directive, Entry};
use crate::syntax::caddyfile::token::{Env, Token};
use crate::syntax::source::Span;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A site block's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub addresses: Vec<SiteAddress>,
    pub upstreams: Vec<Upstream>,
    /// Every directive written in the site, at any depth, for declarative
    /// rules.
    pub directives: Vec<SiteDirective>,
    /// The span of the site's keys.
    pub span: Span,
}

/// One site address; the parts are `None` while a `{$VAR}` in it is
/// unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAddress {
    /// As written, placeholders included.
    pub raw: String,
    pub text: Option<String>,
    pub vars: Vec<String>,
    pub parsed: Option<Address>,
    pub span: Span,
    pub via: Arc<[Span]>,
}

/// One directive line of a site: its path of names from the site block
/// (`reverse_proxy.header_up`) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDirective {
    pub path: String,
    /// The arguments joined by spaces, placeholders resolved; `None` while
    /// a `{$VAR}` in them is unknown.
    pub args: Option<String>,
    pub vars: Vec<String>,
    pub span: Span,
}

/// One proxy target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The directive that proxies (`reverse_proxy`, `php_fastcgi`,
    /// `forward_auth`).
    pub directive: String,
    /// As written, placeholders included.
    pub raw: String,
    /// Normalised like Caddy's JSON; `None` while a `{$VAR}` is unknown.
    pub dial: Option<String>,
    pub vars: Vec<String>,
    /// Hosts of the nearest enclosing named matcher with a `host`
    /// condition, when there is one.
    pub hosts: Option<Vec<String>>,
    /// Where the value is written (an import's argument, when it came
    /// through `{args[N]}`).
    pub span: Span,
    /// The proxy directive's name token: in a snippet, the definition.
    pub directive_span: Span,
    pub via: Arc<[Span]>,
}

/// The sites of a loaded Caddyfile. Address and upstream errors that Caddy
/// would refuse to load are CFG001 diagnostics.
pub fn sites(config: &CaddyConfig, env: &Env) -> (Vec<Site>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut out = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    for entry in &config.sites {
        let mut walker = Walker {
            env,
            named_routes: &config.named_routes,
            upstreams: Vec::new(),
            diagnostics: &mut diagnostics,
            invoked: std::collections::HashSet::new(),
            depth: 0,
        };
        walker.walk(entry.directives(), &Scope::default());
        let addresses = entry
            .keys
            .iter()
            .flat_map(|k| site_addresses(k, env, walker.diagnostics))
            .collect();
        // Caddy refuses two site blocks with the same address (unless
        // `bind` puts them on different interfaces).
        let binds = entry.directives().iter().any(|d| d.name() == "bind");
        let before = seen.len();
        for key in entry.keys.iter().filter(|_| !binds) {
            let Some(text) = key.resolve(env).text else {
                continue;
            };
            // (Against earlier sites only: a block may repeat its own key.)
            match seen.get(..before).unwrap_or(&[]).iter().find(|(t, _)| *t == text) {
                Some((_, first)) => walker.diagnostics.push(
                    Diagnostic::parse_error(
                        key.span,
                        format!("ambiguous site definition: {text} is the address of an earlier site too"),
                    )
                    .with_related(*first, "the earlier site")
                    .with_label("Caddy refuses a second site with this address"),
                ),
                None => seen.push((text, key.span)),
            }
        }
        let mut defined: Vec<String> = Vec::new();
        matcher_names(entry.directives(), &mut defined);
        for route in config.named_routes.values() {
            matcher_names(route.directives(), &mut defined);
        }
        check_structure(entry.directives(), false, &defined, walker.diagnostics);
        let upstreams = walker.upstreams;
        let mut directives = Vec::new();
        collect_directives(entry.directives(), "", env, &mut directives);
        out.push(Site {
            addresses,
            upstreams,
            directives,
            span: entry
                .head_span()
                .unwrap_or(Span::new(crate::syntax::source::FileId(0), 0, 0)),
        });
    }
    (out, diagnostics)
}

/// Every directive line below `dirs`, with its dotted path of names.
fn collect_directives(dirs: &[Directive], prefix: &str, env: &Env, out: &mut Vec<SiteDirective>) {
    for d in dirs {
        let path = if prefix.is_empty() {
            d.name().into_owned()
        } else {
            format!("{prefix}.{}", d.name())
        };
        let mut text = Some(String::new());
        let mut vars = Vec::new();
        for t in d.args() {
            let r = t.resolve(env);
            vars.extend(r.vars);
            text = match (text, r.text) {
                (Some(mut all), Some(one)) => {
                    if !all.is_empty() {
                        all.push(' ');
                    }
                    all.push_str(&one);
                    Some(all)
                }
                _ => None,
            };
        }
        if let Some(span) = d.line_span() {
            out.push(SiteDirective {
                path: path.clone(),
                args: text,
                vars,
                span,
            });
        }
        if let Some(b) = &d.block {
            collect_directives(&b.body, &path, env, out);
        }
    }
}

/// The addresses a key stands for: one, or several when a `{$VAR}` value
/// holds a list (`a.example.com, b.example.com`), since Caddy substitutes
/// before it splits tokens.
fn site_addresses(key: &Token, env: &Env, diagnostics: &mut Vec<Diagnostic>) -> Vec<SiteAddress> {
    let resolved = key.resolve(env);
    let make = |text: Option<String>, parsed: Option<Address>| SiteAddress {
        raw: key.text().into_owned(),
        text,
        vars: resolved.vars.clone(),
        parsed,
        span: key.span,
        via: key.via.clone(),
    };
    let Some(text) = resolved.text.as_deref() else {
        return vec![make(None, None)];
    };
    words(text, true)
        .into_iter()
        .map(|word| match Address::parse(word) {
            Ok(a) => make(Some(word.to_string()), Some(a)),
            Err(e) => {
                diagnostics.push(address_error(key, &e));
                make(Some(word.to_string()), None)
            }
        })
        .collect()
}

/// A token's resolved text as the values it holds: one, or, for site
/// addresses, each between commas. (Known `{$VAR}` values were lexed as
/// Caddy lexes them already, so a quoted `"a b"` stays one value.) A
/// value with no words stays one empty word.
fn words(text: &str, commas: bool) -> Vec<&str> {
    if !commas {
        return vec![text];
    }
    let split: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    if split.is_empty() { vec![text] } else { split }
}

fn address_error(key: &Token, e: &AddressError) -> Diagnostic {
    Diagnostic::parse_error(
        key.span,
        format!("invalid site address '{}': {e}", key.text()),
    )
    .with_label("Caddy refuses this address")
}

/// Named matchers visible at a point, and the host restriction in force.
#[derive(Clone, Default)]
struct Scope {
    matchers: BTreeMap<String, Vec<String>>,
    hosts: Option<Vec<String>>,
}

struct Walker<'a> {
    env: &'a Env,
    named_routes: &'a BTreeMap<String, Entry>,
    upstreams: Vec<Upstream>,
    diagnostics: &'a mut Vec<Diagnostic>,
    /// Named routes already walked in this site, with the host scope they
    /// were walked under: Caddy compiles a named route once, so a route
    /// invoked again (or by itself) adds nothing new.
    invoked: std::collections::HashSet<(String, Option<Vec<String>>)>,
    /// Current depth of nested `invoke`s.
    depth: usize,
}

/// `invoke` chains deeper than this are not followed.
const MAX_INVOKE_DEPTH: usize = 64;

/// Directives whose block holds routes, and whether their first argument
/// may be a matcher.
fn container(name: &str) -> Option<bool> {
    match name {
        "handle" | "handle_path" | "route" => Some(true),
        "handle_errors" | "handle_response" => Some(false),
        _ => None,
    }
}

fn is_proxy(name: &str) -> bool {
    matches!(name, "reverse_proxy" | "php_fastcgi" | "forward_auth")
}

/// Every `@name` matcher defined in `dirs`, at any depth.
fn matcher_names(dirs: &[Directive], out: &mut Vec<String>) {
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
fn takes_matcher(name: &str) -> bool {
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
fn check_structure(
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
fn is_matcher_token(t: &Token) -> bool {
    let text = t.text();
    text == "*" || text.starts_with('/') || text.starts_with('@')
}

impl Walker<'_> {
    fn walk(&mut self, dirs: &[Directive], outer: &Scope) {
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

    fn invoke(&mut self, d: &Directive, scope: &Scope) {
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
    fn same_scheme<'t>(&mut self, upstreams: impl Iterator<Item = &'t Token>) {
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

    fn proxy(&mut self, d: &Directive, name: &str, scope: &Scope) {
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

    fn upstream(&mut self, t: &Token, directive: &str, at: Span, scope: &Scope) {
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
fn scoped(scope: &Scope, first: Option<&Token>) -> Scope {
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
fn matcher_hosts(d: &Directive, env: &Env) -> Option<Vec<String>> {
    let mut hosts = Vec::new();
    let mut found = false;
    let mut take = |tokens: &[Token]| {
        found = true;
        for t in tokens {
            let text = t.resolve(env).text.unwrap_or_else(|| t.text().into_owned());
            hosts.push(super::address::lower_except_placeholders(
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

#[cfg(test)]
mod tests;
