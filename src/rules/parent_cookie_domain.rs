//! ISO002 parent-cookie-domain: a domain's cookie domain (Kratos
//! `cookies.domain`, `session.cookie.domain`; Hydra `serve.cookies.domain`;
//! or their environment forms) equals or is a parent of another domain's
//! public host, or both domains set the same cookie domain (literal or the
//! same variable). The browser then sends one domain's session to the
//! other.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::load::ory::{Setting, Source};
use crate::syntax::source::Span;

/// ISO002's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO002",
    name: "parent-cookie-domain",
    severity: Severity::Error,
    profiles: &[],
    summary: "a domain's cookie domain equals or is a parent of another domain's host, or both domains set the same one",
    doc: Doc::Body(include_str!("../../rules/ISO002.md")),
};

pub struct ParentCookieDomain;

const COOKIE_KEYS: &[&str] = &[
    "cookies.domain",
    "session.cookie.domain",
    "serve.cookies.domain",
];
/// Kratos' session cookie name when none is set.
const DEFAULT_SESSION_COOKIE: &str = "ory_kratos_session";

/// `.Example.COM.` → `example.com`.
pub(crate) fn normalise(host: &str) -> String {
    host.trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// `a` equals `b` or is a parent of it (`example.com` of `ciam.example.com`).
pub(crate) fn covers(cookie: &str, host: &str) -> bool {
    host == cookie || host.ends_with(&format!(".{cookie}"))
}

/// A public host, and where it was seen.
pub(crate) struct PublicHost {
    pub host: String,
    pub span: Span,
}

fn host_of_url(text: &str) -> Option<String> {
    url::Url::parse(text).ok()?.host_str().map(normalise)
}

/// The public hosts of `domain`: its Caddy sites' hosts and its Ory
/// services' public URLs.
pub(crate) fn public_hosts(ctx: &Context, domain: &str) -> Vec<PublicHost> {
    let mut out = Vec::new();
    for site in &ctx.env.sites {
        if ctx.site_domain(site).as_deref() != Some(domain) {
            continue;
        }
        for a in &site.addresses {
            if let Some(p) = &a.parsed
                && !p.host.is_empty()
                && !p.host.contains(['*', '{'])
            {
                out.push(PublicHost {
                    host: normalise(&p.host),
                    span: a.span,
                });
            }
        }
    }
    for s in &ctx.env.services {
        if ctx.service_domain(s).as_deref() != Some(domain) {
            continue;
        }
        let Some(ory) = &s.ory else { continue };
        for key in [
            "serve.public.base_url",
            "urls.self.issuer",
            "urls.self.public",
        ] {
            if let Some(setting) = ory.get(key)
                && let Some(host) = setting.value.text().as_deref().and_then(host_of_url)
                && let Some(span) = setting.value.span()
            {
                out.push(PublicHost { host, span });
            }
        }
    }
    out
}

struct Cookie {
    domain: String,
    service: String,
    setting: Setting,
    session_name: String,
    /// Whether the service reads a YAML file (which the env form overrides).
    has_yaml: bool,
}

/// Where a cookie domain is written: its `.env` line when it came
/// through a variable.
fn setting_span(s: &Setting) -> Option<Span> {
    s.value
        .written_at()
        .map(|(span, _)| span)
        .or(match &s.source {
            Source::Env { key_span, .. } | Source::Yaml { key_span } => Some(*key_span),
        })
}

impl Rule for ParentCookieDomain {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut cookies: Vec<Cookie> = Vec::new();
        for s in &ctx.env.services {
            let (Some(ory), Some(domain)) = (&s.ory, ctx.service_domain(s)) else {
                continue;
            };
            let session_name = ory
                .get("session.cookie.name")
                .and_then(|n| n.value.text())
                .unwrap_or_else(|| DEFAULT_SESSION_COOKIE.to_string());
            for key in COOKIE_KEYS {
                if let Some(setting) = ory.get(key) {
                    cookies.push(Cookie {
                        domain: domain.clone(),
                        service: s.service.name.clone(),
                        setting,
                        session_name: session_name.clone(),
                        has_yaml: ory.file.is_some(),
                    });
                }
            }
        }
        let mut out = Vec::new();
        for (i, c) in cookies.iter().enumerate() {
            let Some(primary) = setting_span(&c.setting) else {
                continue;
            };
            // The same cookie domain set by two domains (literal or the
            // same variable).
            if let Some(other) = cookies
                .iter()
                .take(i)
                .find(|o| o.domain != c.domain && same_value(o, c))
            {
                // Cookies of a local host reach every port of it whatever
                // the domain says: only a shared session cookie name breaks.
                let local = c
                    .setting
                    .value
                    .text()
                    .is_some_and(|t| crate::model::resolve::is_local_host(&normalise(&t)));
                if local && c.session_name != other.session_name {
                    continue;
                }
                let overwrite = (c.session_name == other.session_name).then(|| {
                    format!("; both use the session cookie name {}, so their sessions overwrite each other", c.session_name)
                });
                out.push(finding(
                    primary,
                    format!(
                        "{} ({}) and {} ({}) set the same cookie domain{}",
                        c.service,
                        c.domain.to_uppercase(),
                        other.service,
                        other.domain.to_uppercase(),
                        overwrite.unwrap_or_default()
                    ),
                    setting_span(&other.setting)
                        .map(|s| Label::new(s, format!("{}'s cookie domain", other.service))),
                    c,
                ));
                continue;
            }
            let Some(text) = c.setting.value.text() else {
                continue;
            };
            let cookie = normalise(&text);
            // A public suffix is refused by browsers as a cookie domain; a
            // local host (dev) is shared by every port of the machine.
            if cookie.is_empty()
                || psl::suffix_str(&cookie) == Some(cookie.as_str())
                || crate::model::resolve::is_local_host(&cookie)
            {
                continue;
            }
            for other_domain in ctx.domains.list.iter().filter(|d| d.name != c.domain) {
                let Some(host) = public_hosts(ctx, &other_domain.name)
                    .into_iter()
                    .find(|h| covers(&cookie, &h.host))
                else {
                    continue;
                };
                out.push(finding(
                    primary,
                    format!(
                        "{}'s cookie domain {cookie} ({}) covers {}, a host of {}: the browser sends this domain's cookies there",
                        c.service,
                        c.domain.to_uppercase(),
                        host.host,
                        other_domain.name.to_uppercase()
                    ),
                    Some(Label::new(host.span, format!("{} host", other_domain.name.to_uppercase()))),
                    c,
                ));
                break;
            }
        }
        out
    }
}

fn same_value(a: &Cookie, b: &Cookie) -> bool {
    match (a.setting.value.text(), b.setting.value.text()) {
        (Some(x), Some(y)) => normalise(&x) == normalise(&y),
        _ => {
            let (x, y) = (a.setting.value.unbound(), b.setting.value.unbound());
            !x.is_empty() && x == y
        }
    }
}

fn finding(primary: Span, message: String, other: Option<Label>, cookie: &Cookie) -> Diagnostic {
    let mut related: Vec<Label> = other.into_iter().collect();
    // Written in a `.env` line: the reference it came through.
    if let Some((_, through)) = cookie.setting.value.written_at() {
        related.extend(
            through
                .into_iter()
                .map(|t| Label::new(t, "it comes through here")),
        );
    }
    if let Source::Env { key_span, var } = &cookie.setting.source
        && cookie.has_yaml
    {
        related.push(Label::new(*key_span, format!("{var} overrides the YAML")));
    }
    RULE.finding(primary, "cookie domain", message).with_related_labels(related).with_help("set each domain's cookie domain to its own host (or leave it unset so cookies stay host-only)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_public_suffixes() {
        assert!(covers("olympus.example", "login.shop.olympus.example"));
        assert!(covers(
            "login.shop.olympus.example",
            "login.shop.olympus.example"
        ));
        assert!(!covers(
            "shop.olympus.example",
            "login.staff.olympus.example"
        ));
        assert!(!covers("olympus.example", "notolympus.example"));
        assert_eq!(normalise(".Example.COM."), "example.com");
        assert_eq!(psl::suffix_str("co.uk"), Some("co.uk"));
    }
}
