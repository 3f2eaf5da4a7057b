//! ISO005 crossed-service-url: a service of one domain is configured (env,
//! or Ory YAML) with a URL of another domain's services or hosts, outside
//! the documented exception: the CIAM Athena reaches the IAM Kratos and IAM
//! Hydra for its operators' own sign-in, through authentication keys only.

use super::{Context, ISO005, Rule, RuleMeta};
use crate::diag::{Diagnostic, Label, Severity};
use crate::model::attribute::{service_domain, site_domain};
use crate::model::value::Value;
use crate::model::{ServiceFacts, ServiceKind};
use crate::syntax::source::Span;

pub struct CrossedServiceUrl;

/// Ory keys that hold URLs of other services.
const ORY_URL_KEYS: &[&str] = &[
    "oauth2_provider.url",
    "urls.login",
    "urls.consent",
    "urls.logout",
    "urls.error",
    "urls.self.issuer",
    "urls.self.public",
    "serve.public.base_url",
    "selfservice.default_browser_return_url",
];

fn is_url_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    ["_URL", "_URI", "_ISSUER", "_ENDPOINT", "_HOST"]
        .iter()
        .any(|s| k.ends_with(s))
}

/// Where a URL leads: the domain and, when known, the service.
struct Target<'a> {
    domain: String,
    service: Option<&'a ServiceFacts>,
}

fn target<'a>(v: &Value, ctx: &'a Context) -> Option<Target<'a>> {
    if let Some(text) = v.text() {
        let url = url::Url::parse(&text).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        // The service by name (`iam-kratos`, `iam-kratos.internal`), or the
        // one publishing a local port (`localhost:4000`).
        let first_label = host.split('.').next().unwrap_or("");
        let local = matches!(
            host.as_str(),
            "localhost" | "127.0.0.1" | "::1" | "host.docker.internal"
        );
        let port = url.port_or_known_default().map(|p| p.to_string());
        let by_name = ctx
            .env
            .services
            .iter()
            .find(|s| s.service.name.eq_ignore_ascii_case(first_label));
        let by_port = || {
            ctx.env.services.iter().find(|s| {
                local
                    && s.service
                        .ports
                        .iter()
                        .any(|p| p.published.is_some() && p.published == port)
            })
        };
        if let Some(s) = by_name.or_else(by_port)
            && let Some(domain) = service_domain(s, ctx.domains)
        {
            return Some(Target {
                domain,
                service: Some(s),
            });
        }
        for site in &ctx.env.sites {
            if site
                .addresses
                .iter()
                .any(|a| a.parsed.as_ref().is_some_and(|p| p.host == host))
            {
                let domain = site_domain(site, ctx.domains)?;
                // The service behind the site, for the exception's check.
                let service = site.upstreams.iter().find_map(|u| {
                    let dial = u.dial.as_deref()?;
                    let h = crate::model::attribute::dial_host(dial);
                    ctx.env
                        .services
                        .iter()
                        .find(|s| s.service.name.eq_ignore_ascii_case(h))
                });
                return Some(Target { domain, service });
            }
        }
        if let Some(d) = ctx.domains.of_host(&host) {
            return Some(Target {
                domain: d.to_string(),
                service: None,
            });
        }
    }
    // Symbolic (or a host nobody names): the variables it comes from.
    let domain = v.vars().iter().find_map(|n| ctx.domains.of_name(n))?;
    let service = v.vars().iter().find_map(|n| {
        ctx.env.services.iter().find(|s| {
            let upper = s.service.name.to_ascii_uppercase().replace('-', "_");
            n.starts_with(&upper)
        })
    });
    Some(Target {
        domain: domain.to_string(),
        service,
    })
}

/// The documented exception: only toward the other domain's identity
/// provider (its Kratos or Hydra), through the keys the policy lists.
fn excepted(ctx: &Context, s: &ServiceFacts, own: &str, key: &str, t: &Target) -> bool {
    let identity_provider = t
        .service
        .is_some_and(|x| matches!(x.kind, ServiceKind::Kratos | ServiceKind::Hydra));
    identity_provider && ctx.policy.excepted(&s.service.name, own, key, &t.domain)
}

impl Rule for CrossedServiceUrl {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            code: ISO005,
            name: "crossed-service-url",
            severity: Severity::Error,
            summary: "a service of one domain is configured with a URL of another domain, outside the documented exception",
            doc: include_str!("../../rules/ISO005.md"),
        }
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in &ctx.env.services {
            let Some(own) = service_domain(s, ctx.domains) else {
                continue;
            };
            let mut urls: Vec<(String, Value, Span)> = Vec::new();
            for e in &s.service.environment {
                if let (true, Some(v)) = (is_url_key(&e.key), &e.value) {
                    urls.push((e.key.clone(), v.clone(), e.key_span));
                }
            }
            if let Some(ory) = &s.ory {
                let settings = ORY_URL_KEYS
                    .iter()
                    .filter_map(|k| ory.get(k))
                    .chain(ory.list("selfservice.allowed_return_urls"))
                    .chain(
                        ory.leaves("selfservice.flows")
                            .into_iter()
                            .filter(|x| x.path.ends_with("_url")),
                    );
                for setting in settings {
                    let span = setting.value.span().unwrap_or(s.service.name_span);
                    urls.push((setting.path.clone(), setting.value, span));
                }
            }
            for (key, value, key_span) in urls {
                let Some(t) = target(&value, ctx) else {
                    continue;
                };
                if t.domain == own || excepted(ctx, s, &own, &key, &t) {
                    continue;
                }
                let primary = value.span().unwrap_or(key_span);
                let mut related = Vec::new();
                if let Some(x) = t.service {
                    related.push(Label::new(
                        x.service.name_span,
                        format!("{} is {} service", x.service.name, t.domain.to_uppercase()),
                    ));
                }
                for p in value.provenance() {
                    if p.file != primary.file {
                        related.push(Label::new(p, "the URL comes from here"));
                    }
                }
                out.push(Diagnostic {
                    code: ISO005,
                    environment: None,
                    severity: Severity::Error,
                    message: format!(
                        "{} ({}) is configured with {key} pointing at {}",
                        s.service.name,
                        own.to_uppercase(),
                        t.service.map_or_else(|| format!("a {} host", t.domain.to_uppercase()), |x| format!("{} ({})", x.service.name, t.domain.to_uppercase()))
                    ),
                    primary: Label::new(primary, format!("{} URL", t.domain.to_uppercase())),
                    related,
                    help: Some(format!(
                        "point {key} at the {} service of the same role; only the CIAM Athena's own sign-in keys may reach the IAM Kratos and Hydra",
                        own.to_uppercase()
                    )),
                });
            }
        }
        out
    }
}
