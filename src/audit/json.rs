//! The plan as JSON (`isolint audit --format json`): every probe, what it
//! expects, the relation it checks and the lines that relation is read
//! from. `schemas/audit.schema.json` is generated from these types.

use super::{Action, Expect, Plan, Runner};
use crate::syntax::source::SourceMap;
use serde::Serialize;

/// What `isolint audit --format json` prints.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(title = "isolint audit --format json")]
pub struct AuditPlan {
    /// The format's version; a breaking change raises it.
    pub version: u32,
    pub environment: String,
    pub runner: Runner,
    pub probes: Vec<PlannedProbe>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct PlannedProbe {
    /// Its number in the script's TAP output.
    pub number: usize,
    pub description: String,
    /// `database`, `http` (an admin API, an exception's URL), `proxy` (a
    /// site through the proxy), `cookie` (a login flow's cookies) or
    /// `client` (an OAuth2 client in a Hydra).
    pub kind: String,
    /// `reached` (a control, or an exception the policy allows) or
    /// `refused`.
    pub expect: Expect,
    /// The service whose credentials or network the probe uses (the
    /// proxy, for a site; the Hydra, for a client).
    pub from: String,
    /// The database it opens, or the URL it requests.
    pub target: String,
    /// Where the credentials are read: the service's environment variable.
    pub credentials: Option<String>,
    /// The static relation it checks.
    pub relation: String,
    /// The finding that already predicts a breach, if any.
    pub predicted_by: Option<String>,
    /// The lines the relation is read from.
    pub sources: Vec<Source>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Source {
    /// Relative to the current directory, with `/`.
    pub file: String,
    /// 1-based.
    pub line: usize,
}

/// The JSON text of a plan.
pub fn render(sources: &SourceMap, plan: &Plan) -> String {
    let probes = plan
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (kind, from, target, credentials) = match &p.action {
                Action::Database {
                    service,
                    key,
                    database,
                    ..
                } => ("database", service, database, Some(key.clone())),
                Action::Http { service, url } => ("http", service, url, None),
                Action::Proxy { proxy, url, .. } => ("proxy", proxy, url, None),
                Action::Cookie { service, url, .. } => ("cookie", service, url, None),
                Action::Client { hydra, url } => ("client", hydra, url, None),
            };
            PlannedProbe {
                number: i + 1,
                description: p.name.clone(),
                kind: kind.to_string(),
                expect: p.expect,
                from: from.clone(),
                target: target.clone(),
                credentials,
                relation: p.relation.clone(),
                predicted_by: p.predicted_by.clone(),
                sources: p
                    .sources
                    .iter()
                    .map(|s| Source {
                        file: sources.display_path(s.file),
                        line: sources.position(*s).line,
                    })
                    .collect(),
            }
        })
        .collect();
    let report = AuditPlan {
        version: 1,
        environment: plan.environment.clone(),
        runner: plan.runner,
        probes,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of the plan.
pub fn schema() -> String {
    let schema = schemars::schema_for!(AuditPlan);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
