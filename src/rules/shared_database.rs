//! ISO001 shared-database: services of two domains use the same database
//! (same host, port and name once the DSN is normalised), or the same
//! unresolved variable for it. The documented settings database is exempt.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::load::dsn::Dsn;
use crate::model::ServiceFacts;
use crate::syntax::source::Span;
use crate::syntax::value::Text;
use crate::syntax::value::Value;

/// ISO001's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO001",
    name: "shared-database",
    severity: Severity::Error,
    profiles: &[],
    summary: "services of two domains use the same database (or the same variable for it)",
    doc: Doc::Body(include_str!("../../rules/ISO001.md")),
};

pub struct SharedDatabase;

/// A service using a database: its domain, the service, its DSN.
type User<'a> = (String, &'a ServiceFacts, Value);

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
        // `${ENV}_ciam_kratos` and `${ENV}_iam_kratos` are two names: the
        // literal parts count with the variables.
        Text::Symbolic(vars) => {
            let mut key = vars.clone();
            key.sort();
            if let Some(t) = dsn
                .database_template
                .as_ref()
                .filter(|t| **t != format!("${{{}}}", vars.join(",")))
            {
                key.push(t.clone());
            }
            Some((DbKey::Symbolic(key), None))
        }
        Text::Known(name) => {
            let host = dsn
                .host
                .as_ref()
                .and_then(Text::known)?
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let port = dsn
                .port
                .as_ref()
                .and_then(Text::known)
                .unwrap_or(default_port(&scheme))
                .to_string();
            Some((DbKey::Known(host, port, name.clone()), Some(name.clone())))
        }
    }
}

impl Rule for SharedDatabase {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        // Every user of each database, in service order.
        let mut users: Vec<(DbKey, Vec<User>)> = Vec::new();
        let res = ctx.resolved();
        for (i, s) in ctx.env.services.iter().enumerate() {
            let (Some(domain), Some(db)) = (res.service_domain(i), res.database(i)) else {
                continue;
            };
            let (domain, dsn_key, value) = (domain.to_string(), db.key, db.value.clone());
            let whole_variable = matches!(
                value.pieces.as_slice(),
                [crate::syntax::value::Piece::Var(_)]
            );
            let parsed = match &db.dsn {
                Some(dsn) => key(dsn),
                None if value.text().is_none() && whole_variable => {
                    Some((DbKey::Symbolic(value.unbound()), None))
                }
                None => None,
            };
            let Some((key, name)) = parsed else { continue };
            if dsn_key == "DATABASE_URL" && name.is_none() {
                continue;
            }
            if name
                .as_deref()
                .is_some_and(|n| ctx.policy.is_shared_database(n))
            {
                continue;
            }
            match users.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push((domain, s, value)),
                None => users.push((key, vec![(domain, s, value)])),
            }
        }
        // One finding per database that two domains use.
        let mut out = Vec::new();
        for (key, list) in &users {
            let Some((first_domain, ..)) = list.first() else {
                continue;
            };
            let Some((_, s, value)) = list.iter().find(|(d, ..)| d != first_domain) else {
                continue;
            };
            let Some((primary, through)) = value.written_at() else {
                continue;
            };
            let what = match key {
                DbKey::Known(host, port, db) => format!("database {db} on {host}:{port}"),
                DbKey::Symbolic(vars) => {
                    format!("the database named by ${{{}}}", vars.join("}, ${"))
                }
            };
            let mut related: Vec<Label> = Vec::new();
            let push = |related: &mut Vec<Label>, span: Span, message: String| {
                if span != primary && !related.iter().any(|l: &Label| l.span == span) {
                    related.push(Label::new(span, message));
                }
            };
            for span in through {
                push(&mut related, span, "the DSN comes through here".into());
            }
            // The others, grouped by the line they read it from.
            let mut others: Vec<(Span, Vec<String>, String)> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for (d, other, other_value) in list {
                let name = format!("{} ({})", other.service.name, d.to_uppercase());
                if !names.contains(&name) {
                    names.push(name);
                }
                if std::ptr::eq(*other, *s) {
                    continue;
                }
                let Some((span, through)) = other_value.written_at() else {
                    continue;
                };
                match others.iter_mut().find(|(sp, ..)| *sp == span) {
                    Some((_, who, _)) => who.push(other.service.name.clone()),
                    None => others.push((span, vec![other.service.name.clone()], d.clone())),
                }
                for t in through {
                    push(
                        &mut related,
                        t,
                        format!("{} reads it through here", other.service.name),
                    );
                }
            }
            for (span, who, d) in others {
                push(
                    &mut related,
                    span,
                    format!("{} ({}) uses it too", who.join(", "), d.to_uppercase()),
                );
            }
            for p in list.iter().flat_map(|(_, _, v)| v.provenance()) {
                let inside = related
                    .iter()
                    .map(|l| l.span)
                    .chain([primary])
                    .any(|o| o.file == p.file && o.start <= p.start && p.end <= o.end);
                if !inside {
                    push(&mut related, p, "part of the DSN comes from here".into());
                }
            }
            let sharing: Vec<&str> = list
                .iter()
                .filter(|(_, x, v)| {
                    v.written_at().is_some_and(|(sp, _)| sp == primary) && !std::ptr::eq(*x, *s)
                })
                .map(|(_, x, _)| x.service.name.as_str())
                .collect();
            let here = std::iter::once(s.service.name.as_str())
                .chain(sharing)
                .collect::<Vec<_>>()
                .join(", ");
            out.push(RULE.finding(primary, format!("{here} connects here"), format!("{} share {what}", super::and_list(&names))).with_related_labels(related).with_help("point each domain's services at databases of their own domain; only the settings database is shared".to_string(),));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::testing;

    fn findings(compose: &str) -> Vec<(usize, String)> {
        let (env, sources) = testing::environment(&[("compose.yml", compose)]);
        testing::check(&SharedDatabase, &env, &sources)
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
    fn symbolic_names_keep_their_literal_parts() {
        let f = findings(
            "services:\n  ciam-kratos:\n    environment:\n      DSN: postgres://a@pg/${ENV}_ciam_kratos\n  iam-kratos:\n    environment:\n      DSN: postgres://b@pg/${ENV}_iam_kratos\n",
        );
        assert!(f.is_empty(), "{f:?}");
        let f = findings(
            "services:\n  ciam-kratos:\n    environment:\n      DSN: postgres://a@pg/${ENV}_kratos\n  iam-kratos:\n    environment:\n      DSN: postgres://b@pg/${ENV}_kratos\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn the_settings_database_and_neutral_services_are_fine() {
        let f = findings(
            "services:\n  ciam-hera:\n    environment:\n      DATABASE_URL: postgres://a@pg/olympus\n  iam-hera:\n    environment:\n      DATABASE_URL: postgres://b@pg/olympus\n  pgadmin:\n    environment:\n      DATABASE_URL: postgres://c@pg/ciam_kratos\n  ciam-kratos:\n    environment:\n      DSN: postgres://d@pg/ciam_kratos\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
