//! ISO008 shared-db-credentials: two domains' DSNs use the same database
//! user, so role grants cannot keep them apart. A warning, for prod
//! profiles; DSNs to the shared settings database are exempt.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::syntax::value::Text;

/// ISO008's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO008",
    name: "shared-db-credentials",
    severity: Severity::Warning,
    profiles: &["prod"],
    summary: "two domains' DSNs use the same database user (prod)",
    doc: Doc::Body(include_str!("../../rules/ISO008.md")),
};

pub struct SharedDbCredentials;

impl Rule for SharedDbCredentials {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut seen: Vec<(Text, String, String, crate::syntax::source::Span)> = Vec::new();
        let mut out = Vec::new();
        let res = ctx.resolved();
        for (i, s) in ctx.env.services.iter().enumerate() {
            let Some(domain) = res.service_domain(i).map(str::to_string) else {
                continue;
            };
            let Some(crate::model::resolve::Database {
                value,
                dsn: Some(dsn),
                ..
            }) = res.database(i)
            else {
                continue;
            };
            let shared_db =
                matches!(&dsn.database, Some(Text::Known(db)) if ctx.policy.is_shared_database(db));
            let (Some(user), Some((span, through)), false) =
                (dsn.user.clone(), value.written_at(), shared_db)
            else {
                continue;
            };
            if let Some((_, other_domain, other, other_span)) =
                seen.iter().find(|(u, d, _, _)| *u == user && *d != domain)
            {
                let who = match &user {
                    Text::Known(u) => format!("user {u}"),
                    Text::Symbolic(vars) => format!("the user from ${{{}}}", vars.join("}, ${")),
                };
                out.push(
                    RULE.finding(
                        span,
                        format!("{} connects here", s.service.name),
                        format!(
                            "{} ({}) and {other} ({}) connect as the same database {who}",
                            s.service.name,
                            domain.to_uppercase(),
                            other_domain.to_uppercase()
                        ),
                    )
                    .with_related_labels(
                        std::iter::once(Label::new(
                            *other_span,
                            format!("{other} connects as the same user"),
                        ))
                        .chain(
                            through
                                .iter()
                                .map(|t| Label::new(*t, "the DSN comes through here")),
                        ),
                    )
                    .with_help("give each domain's services database roles of their own"),
                );
            }
            seen.push((user, domain, s.service.name.clone(), span));
        }
        out
    }
}
