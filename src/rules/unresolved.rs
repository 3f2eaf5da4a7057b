//! CFG002 unresolved: a value an isolation rule needs stays symbolic. It is
//! informational: it says which variable to pass (`--var`, `--env-file`)
//! so the rule can prove the boundary instead of comparing names.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, UNRESOLVED as RULE};
use crate::syntax::source::Span;
use crate::syntax::value::{Text, Value};

pub struct Unresolved;

/// Ory keys whose values ISO002 must know.
const COOKIE_KEYS: &[&str] = &[
    "cookies.domain",
    "session.cookie.domain",
    "serve.cookies.domain",
];

fn info(span: Span, what: &str, vars: &[String]) -> Diagnostic {
    let flags: Vec<String> = vars.iter().map(|v| format!("--var {v}=...")).collect();
    RULE.finding(
        span,
        "symbolic",
        format!(
            "{what} is only known at deploy time (from {})",
            vars.join(", ")
        ),
    )
    .with_help(format!(
        "pass {} or an --env-file with the deploy-time values to check it exactly",
        flags.join(" ")
    ))
}

fn symbolic(v: &Value) -> Option<Vec<String>> {
    match v.resolved() {
        Text::Symbolic(vars) if !vars.is_empty() => Some(vars),
        _ => None,
    }
}

impl Rule for Unresolved {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for site in &ctx.env.sites {
            for a in &site.addresses {
                if a.text.is_none() && !a.vars.is_empty() {
                    out.push(info(a.span, &format!("site address {}", a.raw), &a.vars));
                }
            }
        }
        for s in &ctx.env.services {
            let Some(ory) = &s.ory else { continue };
            // ISO010 needs to know whether a serving Kratos's or Hydra's
            // admin API listens beyond loopback.
            let admin = if s.serves_admin().is_none() {
                &["serve.admin.host"][..]
            } else {
                &[]
            };
            for key in COOKIE_KEYS.iter().chain(admin) {
                if let Some(setting) = ory.get(key)
                    && let (Some(vars), Some(span)) =
                        (symbolic(&setting.value), setting.value.span())
                {
                    out.push(info(span, &format!("{}'s {key}", s.service.name), &vars));
                }
            }
            let db = ctx.env.index_of(s).and_then(|i| ctx.resolved().database(i));
            if let Some(crate::model::resolve::Database {
                key: "dsn",
                value,
                dsn: Some(dsn),
            }) = db
                && let Some(span) = value.span()
            {
                for (part, what) in [(&dsn.host, "host"), (&dsn.database, "database")] {
                    if let Some(Text::Symbolic(vars)) = part {
                        out.push(info(
                            span,
                            &format!("the {what} of {}'s DSN", s.service.name),
                            vars,
                        ));
                    }
                }
            }
        }
        out
    }
}
