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
use crate::diag::Diagnostic;
use crate::syntax::caddyfile::ast::Directive;
use crate::syntax::caddyfile::token::{Env, Token};
use crate::syntax::source::Span;
use std::sync::Arc;

mod walk;
pub use walk::*;

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

#[cfg(test)]
mod tests;
