//! ISO005 crossed-service-url: a service of one domain is configured (env,
//! or Ory YAML) with a URL of another domain's services or hosts, outside
//! the documented exception, a login flow with two legs: the CIAM Athena
//! reaches the IAM Kratos and IAM Hydra for its operators' own sign-in
//! (through its authentication keys only), and the IAM Kratos's return
//! URLs may send the operator back to the CIAM Athena.

use super::{Context, Rule, RuleMeta, article};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::model::ServiceKind;
use crate::model::resolve::UrlRelation;

/// ISO005's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO005",
    name: "crossed-service-url",
    severity: Severity::Error,
    profiles: &[],
    summary: "a service of one domain is configured with a URL of another domain, outside the documented exception",
    doc: Doc::Body(include_str!("../../rules/ISO005.md")),
};

pub struct CrossedServiceUrl;

/// The documented exception, both legs.
fn excepted(ctx: &Context, rel: &UrlRelation, own: &str, to: &str) -> bool {
    let Some(s) = ctx.env.services.get(rel.service) else {
        return false;
    };
    let targets: Vec<&crate::model::ServiceFacts> = rel
        .target
        .services
        .iter()
        .filter_map(|i| ctx.env.services.get(*i))
        .collect();
    let idp = |x: &&crate::model::ServiceFacts| {
        matches!(x.kind, ServiceKind::Kratos | ServiceKind::Hydra)
    };
    // A site serving both an IdP and other services, or a variable that
    // names no service: the key or the variable must say it means the
    // identity provider.
    let names_idp = std::iter::once(rel.key.clone())
        .chain(rel.value.vars())
        .any(|name| {
            name.to_ascii_uppercase().split(['_', '-', '.']).any(|seg| {
                [
                    "KRATOS", "HYDRA", "AUTH", "OAUTH", "OAUTH2", "OIDC", "ISSUER",
                ]
                .contains(&seg)
            })
        });
    let reaches_idp = match targets.as_slice() {
        [] => names_idp,
        _ => targets.iter().all(idp) || (targets.iter().any(idp) && names_idp),
    };
    let sign_in = reaches_idp && ctx.policy.excepted(&s.service.name, own, &rel.key, to);
    let back = s.kind == ServiceKind::Kratos
        && targets.iter().any(|t| {
            ctx.policy
                .exceptions
                .iter()
                .any(|e| e.returns_to(own, &rel.key, &t.service.name, to))
        });
    sign_in || back
}

impl Rule for CrossedServiceUrl {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let res = ctx.resolved();
        let mut out = Vec::new();
        for rel in &res.urls {
            let (Some(s), Some(own)) = (
                ctx.env.services.get(rel.service),
                res.service_domain(rel.service),
            ) else {
                continue;
            };
            let Some(to) = rel.target.domain.as_deref() else {
                continue;
            };
            if to == own || excepted(ctx, rel, own, to) {
                continue;
            }
            let key = &rel.key;
            let (primary, through) = rel.value.written_at().unwrap_or((rel.key_span, Vec::new()));
            let mut related: Vec<Label> = through
                .into_iter()
                .map(|span| Label::new(span, "the URL comes through here"))
                .collect();
            let target = match rel.target.services.as_slice() {
                [i] => ctx.env.services.get(*i),
                _ => None,
            };
            let upper = to.to_uppercase();
            // The hops the URL takes, in order (the last one, when it is
            // the service, says its domain below).
            for hop in rel.target.hops.iter().skip(1) {
                if hop.span != primary && target.is_none_or(|x| x.service.name_span != hop.span) {
                    related.push(Label::hop(hop.span, format!("via {}", hop.note)));
                }
            }
            if let Some(x) = target
                && !related.iter().any(|l| l.span == x.service.name_span)
            {
                related.push(Label::new(
                    x.service.name_span,
                    format!("{} is {} {upper} service", x.service.name, article(to)),
                ));
            }
            let what = match target {
                Some(x) => format!("{} ({upper})", x.service.name),
                None => match &rel.target.reason {
                    Some(r) => format!("{} {upper} target ({r})", article(to)),
                    None => format!("{} {upper} host", article(to)),
                },
            };
            out.push(RULE.finding(primary, format!("{} {upper} URL", article(to)), format!(
                    "{} ({}) is configured with {key} pointing at {what}",
                    s.service.name,
                    own.to_uppercase(),
                )).with_related_labels(related).with_help(format!(
                    "point {key} at the {} service of the same role; only the CIAM Athena's own sign-in keys may reach the IAM Kratos and Hydra, and only the IAM Kratos's return URLs may name the CIAM Athena",
                    own.to_uppercase()
                )));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::testing;

    fn findings(compose: &str) -> Vec<String> {
        let (env, sources) = testing::environment(&[("compose.yml", compose)]);
        testing::check(&CrossedServiceUrl, &env, &sources)
            .into_iter()
            .map(|(_, message)| message)
            .collect()
    }

    #[test]
    fn both_legs_of_the_login_flow_and_nothing_else() {
        let f = findings(
            "services:\n  iam-kratos:\n    image: oryd/kratos:v1\n    environment:\n      SELFSERVICE_DEFAULT_BROWSER_RETURN_URL: http://ciam-athena:3001/\n      SELFSERVICE_FLOWS_LOGIN_AFTER_DEFAULT_BROWSER_RETURN_URL: http://ciam-athena:3001/done\n      SELFSERVICE_FLOWS_LOGIN_UI_URL: http://ciam-hera:3000/login\n  iam-hydra:\n    image: oryd/hydra:v2\n  ciam-kratos:\n    image: oryd/kratos:v1\n  ciam-hera:\n    image: hera:1\n  ciam-athena:\n    image: athena:1\n    environment:\n      IAM_KRATOS_PUBLIC_URL: http://iam-kratos:4433\n      AUTH_URL: ${IAM_AUTH_URL}\n      IAM_HERA_INTERNAL_URL: http://iam-hera:4000\n  iam-hera:\n    image: hera:1\n",
        );
        // The env form of a return URL is read once, as the Ory setting,
        // and the return leg covers it; the UI URL naming the CIAM Hera
        // and the IAM Hera reached by an `IAM_` key are crossings.
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().any(|m| m.contains("ciam-hera (CIAM)")), "{f:?}");
        assert!(
            f.iter().any(|m| m.contains("IAM_HERA_INTERNAL_URL")),
            "{f:?}"
        );
    }
}
