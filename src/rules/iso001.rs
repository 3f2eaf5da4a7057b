//! ISO001 shared-database: services of two domains use the same database
//! (same host, port and name once the DSN is normalised), or the same
//! unresolved variable for it. The documented settings database is exempt.

use super::{Context, ISO001, Rule, RuleMeta};
use crate::diag::{Diagnostic, Label, Severity};
use crate::load::dsn::{Dsn, Part};
use crate::model::ServiceFacts;
use crate::model::attribute::service_domain;
use crate::model::value::Value;

pub struct SharedDatabase;

/// What identifies a database for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DbKey {
    /// host, port, database name: all known, normalised.
    Known(String, String, String),
    /// The variables the database name comes from.
    Symbolic(Vec<String>),
}

fn default_port(scheme: &str) -> &'static str {
    match scheme {
        "mysql" => "3306",
        "cockroach" => "26257",
        _ => "5432",
    }
}

fn key(dsn: &Dsn) -> Option<(DbKey, Option<String>)> {
    let scheme = dsn.scheme.known().unwrap_or("postgres").to_string();
    if matches!(scheme.as_str(), "sqlite" | "sqlite3" | "memory") {
        return None;
    }
    match dsn.database.as_ref()? {
        Part::Symbolic(vars) => {
            let mut vars = vars.clone();
            vars.sort();
            Some((DbKey::Symbolic(vars), None))
        }
        Part::Known(name) => {
            let host = dsn
                .host
                .as_ref()
                .and_then(Part::known)?
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let port = dsn
                .port
                .as_ref()
                .and_then(Part::known)
                .unwrap_or(default_port(&scheme))
                .to_string();
            Some((DbKey::Known(host, port, name.clone()), Some(name.clone())))
        }
    }
}

impl Rule for SharedDatabase {
    fn meta(&self) -> RuleMeta {
        RuleMeta {
            code: ISO001,
            name: "shared-database",
            severity: Severity::Error,
            summary: "services of two domains use the same database (or the same variable for it)",
            doc: include_str!("../../rules/ISO001.md"),
        }
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut seen: Vec<(DbKey, String, &ServiceFacts, Value)> = Vec::new();
        let mut out = Vec::new();
        for s in &ctx.env.services {
            let Some(domain) = service_domain(s, ctx.domains) else {
                continue;
            };
            let Some((dsn_key, value)) = s.dsn_with_key() else {
                continue;
            };
            let whole_variable = matches!(
                value.pieces.as_slice(),
                [crate::model::value::Piece::Var(_)]
            );
            let parsed = match Dsn::parse(&value) {
                Some(dsn) => key(&dsn),
                // A DSN that is one unknown variable: the same variable on
                // both sides is the same database. (A DSN that only fails
                // to parse for an unknown part is not compared.)
                None if value.text().is_none() && whole_variable => {
                    Some((DbKey::Symbolic(value.unbound()), None))
                }
                None => None,
            };
            let Some((key, name)) = parsed else { continue };
            // Services reach the shared settings database as DATABASE_URL:
            // one whose database is not known is taken to be that one.
            if dsn_key == "DATABASE_URL" && name.is_none() {
                continue;
            }
            if name
                .as_deref()
                .is_some_and(|n| ctx.policy.is_shared_database(n))
            {
                continue;
            }
            for (other_key, other_domain, other, other_value) in &seen {
                if *other_key != key || *other_domain == domain {
                    continue;
                }
                let what = match &key {
                    DbKey::Known(host, port, db) => format!("database {db} on {host}:{port}"),
                    DbKey::Symbolic(vars) => {
                        format!("the database named by ${{{}}}", vars.join("}, ${"))
                    }
                };
                let mut related = vec![];
                if let Some(span) = other_value.span() {
                    related.push(Label::new(
                        span,
                        format!(
                            "{} ({}) uses it too",
                            other.service.name,
                            other_domain.to_uppercase()
                        ),
                    ));
                }
                // Where parts of either DSN came from, outside the DSNs
                // themselves (the `.env` line of a variable).
                let within = |outer: Option<crate::syntax::source::Span>,
                              p: crate::syntax::source::Span| {
                    outer.is_some_and(|o| o.file == p.file && o.start <= p.start && p.end <= o.end)
                };
                for p in value
                    .provenance()
                    .into_iter()
                    .chain(other_value.provenance())
                {
                    if !within(value.span(), p)
                        && !within(other_value.span(), p)
                        && !related.iter().any(|l: &Label| l.span == p)
                    {
                        related.push(Label::new(p, "part of the DSN comes from here"));
                    }
                }
                let Some(primary) = value.span() else {
                    continue;
                };
                out.push(Diagnostic {
                    code: ISO001,
                    environment: None,
                    severity: Severity::Error,
                    message: format!(
                        "{} ({}) and {} ({}) share {what}",
                        s.service.name,
                        domain.to_uppercase(),
                        other.service.name,
                        other_domain.to_uppercase()
                    ),
                    primary: Label::new(primary, format!("{} connects here", s.service.name)),
                    related,
                    help: Some(format!(
                        "point {} and {} at databases of their own domains; only the settings database is shared",
                        s.service.name, other.service.name
                    )),
                });
            }
            seen.push((key, domain, s, value));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::domain::Domains;
    use crate::rules::testing;

    fn findings(compose: &str) -> Vec<(usize, String)> {
        let (env, sources) = testing::environment(&[("compose.yml", compose)]);
        let domains = Domains::default();
        SharedDatabase
            .check(&Context {
                env: &env,
                domains: &domains,
                policy: &Default::default(),
            })
            .into_iter()
            .map(|d| (sources.position(d.primary.span).line, d.message))
            .collect()
    }
    #[test]
    fn the_same_database_after_normalising_is_shared() {
        let f = findings(
            "services:\n  ciam-hera:\n    environment:\n      DATABASE_URL: postgres://a@PG:5432/hera\n  iam-hera:\n    environment:\n      DATABASE_URL: postgres://b@pg./hera\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, 7);
    }

    #[test]
    fn the_settings_database_and_neutral_services_are_fine() {
        let f = findings(
            "services:\n  ciam-hera:\n    environment:\n      DATABASE_URL: postgres://a@pg/olympus\n  iam-hera:\n    environment:\n      DATABASE_URL: postgres://b@pg/olympus\n  pgadmin:\n    environment:\n      DATABASE_URL: postgres://c@pg/ciam_kratos\n  ciam-kratos:\n    environment:\n      DSN: postgres://d@pg/ciam_kratos\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
