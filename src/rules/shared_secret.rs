//! ISO006 shared-secret: cookie, cipher and system secrets, pairwise salts
//! or session signing keys that are the same literal or the same variable
//! in two domains. `ENCRYPTION_KEY` is shared by design.

use super::{Context, Rule, RuleMeta, ValueId};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::syntax::source::Span;
use crate::syntax::value::Text;

/// ISO006's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO006",
    name: "shared-secret",
    severity: Severity::Error,
    profiles: &[],
    summary: "cookie, cipher or system secrets, pairwise salts or session keys are the same in two domains",
    doc: Doc::Body(include_str!("../../rules/ISO006.md")),
};

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
    /// Where the secret is written (its `.env` line, when it came through
    /// a variable), and the references it came through.
    span: Span,
    through: Vec<Span>,
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
        RULE
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
                        let (Some(id), Some((span, through))) =
                            (ValueId::of(&setting.value), setting.value.written_at())
                        else {
                            continue;
                        };
                        secrets.push(Secret {
                            domain: domain.clone(),
                            service: s.service.name.clone(),
                            what: setting.path,
                            id,
                            span,
                            through,
                        });
                    }
                }
            }
            for e in &s.service.environment {
                if !is_app_secret(&e.key) || ctx.policy.is_shared_secret(&e.key) {
                    continue;
                }
                let Some(value) = &e.value else { continue };
                let (Some(id), Some((span, through))) = (ValueId::of(value), value.written_at())
                else {
                    continue;
                };
                secrets.push(Secret {
                    domain: domain.clone(),
                    service: s.service.name.clone(),
                    what: e.key.clone(),
                    id,
                    span,
                    through,
                });
            }
        }
        // One finding per shared value, every use of it a location.
        let mut out = Vec::new();
        let mut done: Vec<&ValueId> = Vec::new();
        for first in &secrets {
            if done.contains(&&first.id) {
                continue;
            }
            done.push(&first.id);
            let group: Vec<&Secret> = secrets.iter().filter(|o| o.id == first.id).collect();
            let Some(s) = group.iter().find(|o| o.domain != first.domain) else {
                continue;
            };
            // Never the secret itself: only where it is and how it is named.
            let how = match &s.id.text {
                Text::Known(_) => "the same literal value".to_string(),
                Text::Symbolic(vars) => {
                    format!("the same variable ${{{}}}", vars.join("}, ${"))
                }
            };
            let uses: Vec<String> = group
                .iter()
                .map(|o| format!("{} of {} ({})", o.what, o.service, o.domain.to_uppercase()))
                .collect();
            let mut related: Vec<Label> = s
                .through
                .iter()
                .map(|t| Label::new(*t, "it comes through here"))
                .collect();
            for o in group.iter().filter(|o| !std::ptr::eq(**o, *s)) {
                related.push(Label::new(
                    o.span,
                    format!(
                        "the same secret in {} ({})",
                        o.service,
                        o.domain.to_uppercase()
                    ),
                ));
                related.extend(
                    o.through
                        .iter()
                        .map(|t| Label::new(*t, "it comes through here")),
                );
            }
            out.push(RULE.finding(s.span, format!("{} secret", s.domain.to_uppercase()), format!("{} are {how}", super::and_list(&uses))).with_related_labels(related).with_help("generate separate secrets for each domain (only ENCRYPTION_KEY is shared by design)"));
        }
        out
    }
}
