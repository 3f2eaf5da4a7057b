//! ISO004 duplicate-oauth2-client: the same client id (literal, or the same
//! variable) is registered in two domains' Hydras, or an app of one domain
//! is configured with a client id registered only in another domain's
//! Hydra — outside the documented exception (the CIAM Athena signs its
//! operators in through the IAM Hydra with its own `OAUTH_CLIENT_ID`).

use super::{Context, ISO004, Rule, RuleMeta, ValueId};
use crate::diag::{Diagnostic, Label, Severity};
use crate::model::attribute::service_domain;
use crate::model::value::Value;
use crate::model::{OAuthClient, ServiceFacts};

pub struct DuplicateOAuth2Client;

/// The domain of the Hydra a registration lands in.
fn client_domain(c: &OAuthClient, ctx: &Context) -> Option<String> {
    if let Some(h) = &c.hydra
        && let Some(s) = ctx.env.services.iter().find(|s| &s.service.name == h)
    {
        return service_domain(s, ctx.domains);
    }
    c.registration
        .admin_url
        .vars()
        .iter()
        .find_map(|v| ctx.domains.of_name(v))
        .map(str::to_string)
}

fn shown(id: &ValueId) -> String {
    match id {
        ValueId::Known(t) => t.clone(),
        ValueId::Symbolic(text, _) => text.clone(),
    }
}

fn registration_labels(c: &OAuthClient, what: &str) -> Vec<Label> {
    let mut out = vec![Label::new(c.registration.span, what.to_string())];
    for v in &c.registration.via {
        out.push(Label::new(*v, "through this call"));
    }
    out
}

/// `*_CLIENT_ID` variables of an app's environment.
fn configured_ids(s: &ServiceFacts) -> Vec<(&str, &Value, crate::syntax::source::Span)> {
    s.service
        .environment
        .iter()
        .filter(|e| e.key == "OAUTH_CLIENT_ID" || e.key.ends_with("_CLIENT_ID"))
        .filter_map(|e| Some((e.key.as_str(), e.value.as_ref()?, e.key_span)))
        .collect()
}

impl Rule for DuplicateOAuth2Client {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            code: ISO004,
            name: "duplicate-oauth2-client",
            severity: Severity::Error,
            summary: "one OAuth2 client id is registered in two domains' Hydras, or an app uses the other domain's client",
            doc: include_str!("../../rules/ISO004.md"),
        }
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let registered: Vec<(ValueId, String, &OAuthClient)> = ctx
            .env
            .oauth2_clients
            .iter()
            .filter_map(|c| {
                let id = ValueId::of(c.registration.client_id.as_ref()?)?;
                Some((id, client_domain(c, ctx)?, c))
            })
            .collect();
        // One id in two domains' Hydras.
        for (i, (id, domain, c)) in registered.iter().enumerate() {
            let Some((_, other_domain, other)) = registered
                .iter()
                .take(i)
                .find(|(other_id, other_domain, _)| other_id == id && other_domain != domain)
            else {
                continue;
            };
            let mut related = registration_labels(
                other,
                &format!(
                    "registered in the {} Hydra here",
                    other_domain.to_uppercase()
                ),
            );
            related.extend(registration_labels(c, "").into_iter().skip(1));
            out.push(Diagnostic {
                code: ISO004,
                environment: None,
                severity: Severity::Error,
                message: format!(
                    "OAuth2 client {} is registered in both the {} and the {} Hydra",
                    shown(id),
                    other_domain.to_uppercase(),
                    domain.to_uppercase()
                ),
                primary: Label::new(c.registration.span, format!("registered in the {} Hydra", domain.to_uppercase())),
                related,
                help: Some("give each domain's apps client ids of their own, registered only in that domain's Hydra".into()),
            });
        }
        // An app configured with a client id that only the other domain's
        // Hydra knows.
        for s in &ctx.env.services {
            let Some(app_domain) = service_domain(s, ctx.domains) else {
                continue;
            };
            for (key, value, key_span) in configured_ids(s) {
                let Some(id) = ValueId::of(value) else {
                    continue;
                };
                let homes: Vec<&(ValueId, String, &OAuthClient)> =
                    registered.iter().filter(|(rid, _, _)| *rid == id).collect();
                let Some((_, home, reg)) = homes.first().copied() else {
                    continue;
                };
                if homes.iter().any(|(_, d, _)| *d == app_domain) {
                    continue;
                }
                // Only the app's own client: its id names the app's role
                // (`athena-ciam-client` for the CIAM Athena).
                let own_client = match &id {
                    ValueId::Known(text) => ctx.policy.exceptions.iter().any(|e| {
                        text.split(['-', '_'])
                            .any(|seg| seg.eq_ignore_ascii_case(&e.role))
                    }),
                    ValueId::Symbolic(..) => false,
                };
                let excepted =
                    own_client && ctx.policy.excepted(&s.service.name, &app_domain, key, home);
                if excepted {
                    continue;
                }
                let primary = value.span().unwrap_or(key_span);
                out.push(Diagnostic {
                    code: ISO004,
                    environment: None,
                    severity: Severity::Error,
                    message: format!(
                        "{} ({}) is configured with OAuth2 client {} ({key}), which is registered only in the {} Hydra",
                        s.service.name,
                        app_domain.to_uppercase(),
                        shown(&id),
                        home.to_uppercase()
                    ),
                    primary: Label::new(primary, format!("a {} client id", home.to_uppercase())),
                    related: registration_labels(reg, &format!("registered in the {} Hydra here", home.to_uppercase())),
                    help: Some(format!(
                        "register a client for {} in the {} Hydra and configure that id",
                        s.service.name,
                        app_domain.to_uppercase()
                    )),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::domain::Domains;
    use crate::rules::testing;

    fn findings(app: &str, key: &str) -> usize {
        findings_for(app, key, "athena-client")
    }

    fn findings_for(app: &str, key: &str, id: &str) -> usize {
        let compose = format!(
            "services:\n  iam-hydra:\n    image: oryd/hydra:v2\n  {app}:\n    image: athena:1\n    environment:\n      {key}: {id}\n"
        );
        let seed = format!("curl -X PUT http://iam-hydra:4445/admin/clients/{id} -d '{{}}'\n");
        let seed = seed.as_str();
        let (env, _) = testing::environment(&[("compose.yml", &compose), ("seed.sh", seed)]);
        let domains = Domains::default();
        DuplicateOAuth2Client
            .check(&Context {
                env: &env,
                domains: &domains,
                policy: &Default::default(),
            })
            .len()
    }
    #[test]
    fn the_documented_exception_is_narrow() {
        assert_eq!(
            findings("ciam-athena", "OAUTH_CLIENT_ID"),
            0,
            "CIAM Athena's own client in the IAM Hydra"
        );
        assert_eq!(
            findings("ciam-hera", "OAUTH_CLIENT_ID"),
            1,
            "not the CIAM Hera"
        );
        assert_eq!(
            findings("ciam-athena", "SITE_CLIENT_ID"),
            1,
            "not another key"
        );
    }
}
