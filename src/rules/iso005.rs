//! ISO005 crossed-service-url: a service of one domain is configured (env,
//! or Ory YAML) with a URL of another domain's services or hosts, outside
//! the documented exception: the CIAM Athena reaches the IAM Kratos and IAM
//! Hydra for its operators' own sign-in, through authentication keys only.

use super::{Context, ISO005, Rule, RuleMeta};
use crate::diag::{Diagnostic, Label, Severity};
use crate::model::attribute::{
    ConfiguredUrl, UrlTarget, configured_urls, service_domain, url_target,
};
use crate::model::{ServiceFacts, ServiceKind};

pub struct CrossedServiceUrl;

/// The documented exception: only toward the other domain's identity
/// provider (its Kratos or Hydra), through the keys the policy lists.
fn excepted(ctx: &Context, s: &ServiceFacts, own: &str, key: &str, t: &UrlTarget) -> bool {
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
            for ConfiguredUrl {
                key,
                value,
                key_span,
            } in configured_urls(s)
            {
                let Some(t) = url_target(&value, ctx.env, ctx.domains) else {
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
