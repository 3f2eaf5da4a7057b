//! ISO006 shared-secret: cookie, cipher and system secrets, pairwise salts
//! or session signing keys that are the same literal or the same variable
//! in two domains. `ENCRYPTION_KEY` is shared by design.

use super::{Context, ISO006, Rule, RuleMeta, ValueId};
use crate::diag::{Diagnostic, Label, Severity};
use crate::syntax::source::Span;

pub struct SharedSecret;

const ORY_SECRETS: &[&str] = &[
    "secrets.cookie",
    "secrets.cipher",
    "secrets.default",
    "secrets.system",
    "oidc.subject_identifiers.pairwise.salt",
];

struct Secret {
    domain: String,
    service: String,
    what: String,
    id: ValueId,
    span: Span,
}

/// App environment variables that hold session or signing secrets.
fn is_app_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    (upper.contains("SECRET") || upper.contains("SIGNING") || upper.ends_with("_SALT"))
        && !upper.starts_with("SECRETS_")
        && !upper.contains("CLIENT_SECRET")
}

impl Rule for SharedSecret {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            code: ISO006,
            name: "shared-secret",
            severity: Severity::Error,
            summary: "cookie, cipher or system secrets, pairwise salts or session keys are the same in two domains",
            doc: include_str!("../../rules/ISO006.md"),
        }
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut secrets: Vec<Secret> = Vec::new();
        for s in &ctx.env.services {
            let Some(domain) = ctx.service_domain(s) else {
                continue;
            };
            if let Some(ory) = &s.ory {
                for key in ORY_SECRETS {
                    for setting in ory.list(key) {
                        let (Some(id), Some(span)) =
                            (ValueId::of(&setting.value), setting.value.span())
                        else {
                            continue;
                        };
                        secrets.push(Secret {
                            domain: domain.clone(),
                            service: s.service.name.clone(),
                            what: setting.path,
                            id,
                            span,
                        });
                    }
                }
            }
            for e in &s.service.environment {
                if !is_app_secret(&e.key) || ctx.policy.is_shared_secret(&e.key) {
                    continue;
                }
                let Some(value) = &e.value else { continue };
                let (Some(id), Some(span)) = (ValueId::of(value), value.span()) else {
                    continue;
                };
                secrets.push(Secret {
                    domain: domain.clone(),
                    service: s.service.name.clone(),
                    what: e.key.clone(),
                    id,
                    span,
                });
            }
        }
        let mut out = Vec::new();
        for (i, s) in secrets.iter().enumerate() {
            let Some(other) = secrets
                .iter()
                .take(i)
                .find(|o| o.domain != s.domain && o.id == s.id)
            else {
                continue;
            };
            // Never the secret itself: only where it is and how it is named.
            let how = match &s.id {
                ValueId::Known(_) => "the same literal value".to_string(),
                ValueId::Symbolic(_, vars) => {
                    format!("the same variable ${{{}}}", vars.join("}, ${"))
                }
            };
            out.push(Diagnostic {
                code: ISO006,
                environment: None,
                severity: Severity::Error,
                message: format!(
                    "{} of {} ({}) and {} of {} ({}) are {how}",
                    s.what,
                    s.service,
                    s.domain.to_uppercase(),
                    other.what,
                    other.service,
                    other.domain.to_uppercase()
                ),
                primary: Label::new(s.span, format!("{} secret", s.domain.to_uppercase())),
                related: vec![Label::new(other.span, format!("the same {} secret", other.domain.to_uppercase()))],
                help: Some("generate separate secrets for each domain (only ENCRYPTION_KEY is shared by design)".into()),
            });
        }
        out
    }
}
