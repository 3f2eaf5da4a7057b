//! ISO004 duplicate-oauth2-client: the same client id (literal, or the same
//! variable) is registered in two domains' Hydras, or an app of one domain
//! is configured with a client id registered only in another domain's
//! Hydra — outside the documented exception (the CIAM Athena signs its
//! operators in through the IAM Hydra with its own `OAUTH_CLIENT_ID`).

use super::{Context, Rule, RuleMeta, ValueId};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::model::{OAuthClient, ServiceFacts};
use crate::syntax::source::Span;
use crate::syntax::value::Value;

/// ISO004's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO004",
    name: "duplicate-oauth2-client",
    severity: Severity::Error,
    profiles: &[],
    summary: "one OAuth2 client id is registered in two domains' Hydras, or an app uses the other domain's client",
    doc: Doc::Body(include_str!("../../rules/ISO004.md")),
};

pub struct DuplicateOAuth2Client;

fn shown(id: &ValueId) -> String {
    id.template.clone()
}

/// Where a registration names its client: the id's own token (inside
/// the JSON payload, or the call line of a wrapper function whose
/// argument it is), else the registering command.
fn registration_span(c: &OAuthClient) -> Span {
    c.registration
        .client_id
        .as_ref()
        .and_then(Value::written_at)
        .map_or(c.registration.span, |(span, _)| span)
}

/// The other places a registration came through: the command, the
/// references of the id, the calls of wrapper functions.
fn registration_context(c: &OAuthClient, primary: Span) -> Vec<Label> {
    let mut out = Vec::new();
    if c.registration.span != primary {
        out.push(Label::new(c.registration.span, "the registering request"));
    }
    if let Some((_, through)) = c
        .registration
        .client_id
        .as_ref()
        .and_then(Value::written_at)
    {
        for span in through {
            if span != primary {
                out.push(Label::new(span, "the id comes through here"));
            }
        }
    }
    for v in &c.registration.via {
        if *v != primary && !out.iter().any(|l| l.span == *v) {
            out.push(Label::new(*v, "through this call"));
        }
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
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let res = ctx.resolved();
        let mut out = Vec::new();
        let registered: Vec<(ValueId, String, &OAuthClient)> = ctx
            .env
            .oauth2_clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let id = ValueId::of(c.registration.client_id.as_ref()?)?;
                Some((id, res.client_domain(i)?.to_string(), c))
            })
            .collect();
        // One id in two domains' Hydras: one finding per id, every
        // registration of it a location.
        let mut ids: Vec<&ValueId> = Vec::new();
        for (id, _, _) in &registered {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for id in ids {
            let regs: Vec<&(ValueId, String, &OAuthClient)> =
                registered.iter().filter(|(rid, _, _)| rid == id).collect();
            let Some((_, first_domain, _)) = regs.first() else {
                continue;
            };
            let Some((_, domain, c)) = regs.iter().find(|(_, d, _)| d != first_domain) else {
                continue;
            };
            let primary = registration_span(c);
            let mut related = registration_context(c, primary);
            let mut homes: Vec<String> = Vec::new();
            for (_, d, other) in &regs {
                if !homes.contains(d) {
                    homes.push(d.clone());
                }
                if std::ptr::eq(*other, *c) {
                    continue;
                }
                let span = registration_span(other);
                related.push(Label::new(
                    span,
                    format!("registered in the {} Hydra here", d.to_uppercase()),
                ));
                related.extend(registration_context(other, span));
            }
            let homes: Vec<String> = homes.iter().map(|d| d.to_uppercase()).collect();
            out.push(RULE.finding(primary, format!("registered in the {} Hydra", domain.to_uppercase()), format!(
                    "OAuth2 client {} is registered in the {} Hydras",
                    shown(id),
                    homes.join(" and the ")
                )).with_related_labels(related).with_help("give each domain's apps client ids of their own, registered only in that domain's Hydra"));
        }
        // An app configured with a client id that only the other domain's
        // Hydra knows.
        for s in &ctx.env.services {
            let Some(app_domain) = ctx.service_domain(s) else {
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
                // The exception's app signing in with its own client, its
                // id literal or a variable alike: no app of the Hydra's
                // domain is configured with that id.
                let theirs = ctx.env.services.iter().any(|o| {
                    ctx.service_domain(o).as_deref() == Some(home.as_str())
                        && configured_ids(o)
                            .iter()
                            .any(|(_, v, _)| ValueId::of(v).as_ref() == Some(&id))
                });
                if !theirs
                    && ctx
                        .policy
                        .excepted_client(&s.service.name, &app_domain, key, home)
                {
                    continue;
                }
                let (primary, through) = value.written_at().unwrap_or((key_span, Vec::new()));
                let mut related: Vec<Label> = through
                    .into_iter()
                    .map(|span| Label::new(span, "the id comes through here"))
                    .collect();
                let at = registration_span(reg);
                related.push(Label::new(
                    at,
                    format!("registered in the {} Hydra here", home.to_uppercase()),
                ));
                related.extend(registration_context(reg, at));
                out.push(RULE.finding(primary, format!("{} {} client id", super::article(home), home.to_uppercase()), format!(
                        "{} ({}) is configured with OAuth2 client {} ({key}), which is registered only in the {} Hydra",
                        s.service.name,
                        app_domain.to_uppercase(),
                        shown(&id),
                        home.to_uppercase()
                    )).with_related_labels(related).with_help(format!(
                        "register a client for {} in the {} Hydra and configure that id",
                        s.service.name,
                        app_domain.to_uppercase()
                    )));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (env, sources) = testing::environment(&[("compose.yml", &compose), ("seed.sh", seed)]);
        testing::check(&DuplicateOAuth2Client, &env, &sources).len()
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
        assert_eq!(
            findings("ciam-athena", "IAM_HERA_CLIENT_ID"),
            1,
            "a key prefix of the URL leg covers no other client"
        );
        for key in [
            "NEXT_PUBLIC_OAUTH_CLIENT_ID",
            "AUTH_CLIENT_ID",
            "NEXT_PUBLIC_AUTH_CLIENT_ID",
        ] {
            assert_eq!(
                findings("ciam-athena", key),
                0,
                "{key}: a copy of its own client key"
            );
        }
        assert_eq!(
            findings_for(
                "ciam-athena",
                "OAUTH_CLIENT_ID",
                "${ATHENA_CIAM_OAUTH_CLIENT_ID}"
            ),
            0,
            "its id a variable"
        );
    }
}
