//! The probes of one environment, read off its resolved model: nothing is
//! derived again (domains, databases, URLs and the login exception are
//! the model's), only turned into claims that can be observed.

use super::{Action, Expect, Plan, Prediction, Probe, Runner};
use crate::diag::Diagnostic;
use crate::model::policy::Policy;
use crate::model::resolve::Resolution;
use crate::model::{Environment, ServiceFacts, ServiceKind};
use crate::syntax::value::{Piece, Text, Value};

/// The plan for `env`, run by `runner`.
pub fn plan(env: &Environment, policy: &Policy, runner: Runner) -> Plan {
    let res = env.resolved(&policy.domains);
    let image = |kind: ServiceKind| {
        env.services
            .iter()
            .find(|s| s.kind == kind)
            .and_then(|s| s.service.image.as_ref()?.text())
    };
    let mut probes = databases(env, policy, res);
    probes.extend(admin_apis(env, policy, res));
    probes.extend(exception_urls(env, policy, res));
    probes.extend(super::web::proxy(env, res));
    probes.extend(super::web::cookies(env, res));
    probes.extend(super::web::clients(env, res));
    Plan {
        environment: env.name.clone().unwrap_or_default(),
        runner,
        postgres_image: image(ServiceKind::Postgres),
        addresses: Vec::new(),
        probes,
    }
}

/// Marks the probes whose breach a finding already predicts: a shared
/// database (ISO001), a parent cookie domain (ISO002), a crossed
/// upstream (ISO003), a client in both Hydras (ISO004), an admin API on a
/// shared network (ISO010). A finding matched by its words only counts in
/// the plan's environment (the same service names recur in the others);
/// one at the probe's own line counts wherever it was reported (a shared
/// file's finding is reported once, under the first environment).
pub fn predict(plan: &mut Plan, findings: &[Diagnostic]) {
    let here = Some(plan.environment.as_str());
    for probe in &mut plan.probes {
        let Some(p) = &probe.prediction else {
            continue;
        };
        probe.predicted_by = findings
            .iter()
            .find(|d| {
                p.matches(d.code, &d.message)
                    && if p.at_source {
                        probe.sources.contains(&d.primary.span)
                    } else {
                        d.environment.as_deref() == here
                    }
            })
            .map(|d| format!("{} {}: {}", d.code, d.name, d.message));
    }
}

/// A service the audit probes from: one of a domain, running (not a
/// migration or another one-off Ory job).
pub(super) fn running<'e>(
    env: &'e Environment,
    res: &'e Resolution,
) -> impl Iterator<Item = (usize, &'e ServiceFacts, &'e str)> {
    env.services.iter().enumerate().filter_map(|(i, s)| {
        let domain = res.service_domain(i)?;
        (!s.is_ory_job()).then_some((i, s, domain))
    })
}

/// One database a service connects to.
struct Connection<'e> {
    service: &'e ServiceFacts,
    domain: &'e str,
    database: String,
    user: Option<String>,
    /// Host and port of its server, when known.
    server: Option<(String, String)>,
    key: &'static str,
    value: &'e Value,
}

/// Per service with a Postgres DSN: its own database (expected to open:
/// the control) and every database of the other domains (expected
/// refused). A database the policy shares is nobody's to refuse.
fn databases(env: &Environment, policy: &Policy, res: &Resolution) -> Vec<Probe> {
    let connections: Vec<Connection> = running(env, res)
        .filter_map(|(i, service, domain)| {
            let db = res.database(i)?;
            let dsn = db.dsn.as_ref()?;
            let Text::Known(scheme) = &dsn.scheme else {
                return None;
            };
            let Some(Text::Known(database)) = &dsn.database else {
                return None;
            };
            if !scheme.starts_with("postgres") {
                return None;
            }
            let known = |t: &Option<Text>| match t {
                Some(Text::Known(v)) => Some(v.clone()),
                _ => None,
            };
            let user = known(&dsn.user);
            // A server whose address is not a port number is not probed
            // elsewhere than the service's own.
            let server = known(&dsn.host).map(|host| {
                let port = known(&dsn.port).unwrap_or_else(|| "5432".to_string());
                (host, port)
            });
            let server = server.filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()));
            Some(Connection {
                service,
                domain,
                database: database.clone(),
                user,
                server,
                key: db.key,
                value: &db.value,
            })
        })
        .collect();
    let mut out = Vec::new();
    for c in &connections {
        let name = &c.service.service.name;
        let own = c.domain.to_uppercase();
        let who = c
            .user
            .as_deref()
            .map_or(String::new(), |u| format!(" as {u}"));
        // Ory reads its `dsn` setting from `DSN` too.
        let key = if c.key == "dsn" { "DSN" } else { c.key };
        // The other's database on the other's server, when it differs.
        let action = |database: &str, on: &Connection| Action::Database {
            service: name.clone(),
            key: key.to_string(),
            template: template(c.value),
            database: database.to_string(),
            server: on.server.clone().filter(|s| Some(s) != c.server.as_ref()),
        };
        // A database the other domain uses too is not this service's own:
        // ISO001 already says so, and the probe expects the refusal.
        let named = policy.domains.of_name(&c.database);
        let crossed = connections
            .iter()
            .find(|o| o.domain != c.domain && o.database == c.database)
            .filter(|o| {
                !policy.is_shared_database(&c.database) && named.is_none_or(|n| n == o.domain)
            });
        if let Some(other) = crossed {
            let theirs = other.domain.to_uppercase();
            out.push(Probe {
                name: format!(
                    "{name} ({own}) cannot open {} ({theirs}) with its credentials",
                    c.database
                ),
                expect: Expect::Refused,
                relation: format!(
                    "{} is also {}'s database ({theirs}); {name} connects{who} to it",
                    c.database, other.service.service.name
                ),
                sources: [span_of(c.value), span_of(other.value)]
                    .into_iter()
                    .flatten()
                    .collect(),
                predicted_by: None,
                prediction: Some(shared_database(name, &c.database)),
                action: action(&c.database, c),
            });
            continue;
        }
        out.push(Probe {
            name: format!(
                "{name} ({own}) opens its own database {} with its credentials",
                c.database
            ),
            expect: Expect::Reached,
            relation: format!("{name} connects{who} to {} (its {key})", c.database),
            sources: vec![span_of(c.value)].into_iter().flatten().collect(),
            predicted_by: None,
            prediction: None,
            action: action(&c.database, c),
        });
        let mut seen: Vec<&str> = Vec::new();
        for other in connections.iter().filter(|o| o.domain != c.domain) {
            if seen.contains(&other.database.as_str())
                || other.database == c.database
                || policy.is_shared_database(&other.database)
            {
                continue;
            }
            seen.push(&other.database);
            let theirs = other.domain.to_uppercase();
            out.push(Probe {
                name: format!(
                    "{name} ({own}) cannot open {} ({theirs}) with its credentials",
                    other.database
                ),
                expect: Expect::Refused,
                relation: format!(
                    "{} is {}'s database ({theirs}); {name} connects{who} to {} ({own})",
                    other.database, other.service.service.name, c.database
                ),
                sources: [span_of(c.value), span_of(other.value)]
                    .into_iter()
                    .flatten()
                    .collect(),
                predicted_by: None,
                prediction: Some(shared_database(name, &other.database)),
                action: action(&other.database, other),
            });
        }
    }
    out
}

/// ISO001's finding that `service` shares `database` with the other
/// domain.
fn shared_database(service: &str, database: &str) -> Prediction {
    Prediction {
        code: "ISO001",
        needles: vec![service.to_string(), format!("share database {database} ")],
        ..Prediction::default()
    }
}

/// From every running service of a domain, each admin API of the other
/// domains: not reachable, or refusing. The sign-in exception's app is
/// let into the other domain's network (as ISO010 allows): what it may
/// reach there is probed by [`exception_urls`] instead.
fn admin_apis(env: &Environment, policy: &Policy, res: &Resolution) -> Vec<Probe> {
    let mut out = Vec::new();
    for (t, target, theirs) in running(env, res) {
        // A host known only at deploy time may be on the network: probed.
        if target.serves_admin() == Some(false) {
            continue;
        }
        let Some(port) = target.admin_port() else {
            continue;
        };
        let path = match target.kind {
            ServiceKind::Hydra => "/admin/clients?page_size=1",
            _ => "/admin/identities?page_size=1",
        };
        let tname = &target.service.name;
        let url = format!("http://{tname}:{port}{path}");
        for (f, from, own) in running(env, res) {
            // A database server calls no admin API (as ISO010 counts).
            if own == theirs
                || f == t
                || from.kind == ServiceKind::Postgres
                || policy.lets_in(&from.service.name, own, theirs)
                || !from.may_run_with(target)
            {
                continue;
            }
            let fname = &from.service.name;
            out.push(Probe {
                name: format!(
                    "{fname} ({}) cannot use the admin API of {tname} ({})",
                    own.to_uppercase(),
                    theirs.to_uppercase()
                ),
                expect: Expect::Refused,
                relation: format!(
                    "{tname} serves its admin API on port {port}; {fname} is of the other domain"
                ),
                sources: vec![target.service.name_span, from.service.name_span],
                predicted_by: None,
                // ISO010 names the admin service first, the others after.
                prediction: Some(Prediction {
                    code: "ISO010",
                    prefix: format!("{tname} ("),
                    needles: vec![fname.clone()],
                    ..Prediction::default()
                }),
                action: Action::Http {
                    service: fname.clone(),
                    url: url.clone(),
                },
            });
        }
    }
    out
}

/// The login exception's URLs (the CIAM Athena's sign-in through the IAM
/// Kratos and Hydra): reachable, as the policy allows.
fn exception_urls(env: &Environment, policy: &Policy, res: &Resolution) -> Vec<Probe> {
    let mut out = Vec::new();
    for r in &res.urls {
        let (Some(from), Some(own), Some(to)) = (
            env.services.get(r.service),
            res.service_domain(r.service),
            r.target.domain.as_deref(),
        ) else {
            continue;
        };
        if own == to || !policy.excepted(&from.service.name, own, &r.key, to) {
            continue;
        }
        let Some(url) = r.value.text().as_deref().and_then(reachability_url) else {
            continue;
        };
        let fname = &from.service.name;
        out.push(Probe {
            name: format!(
                "{fname} ({}) reaches {url} ({}) through the sign-in exception",
                own.to_uppercase(),
                to.to_uppercase()
            ),
            expect: Expect::Reached,
            relation: format!(
                "{fname} is configured with {} = {url}, which the policy's exception allows",
                r.key
            ),
            sources: std::iter::once(r.key_span)
                .chain(r.target.hops.iter().map(|h| h.span))
                .collect(),
            predicted_by: None,
            prediction: None,
            action: Action::Http {
                service: fname.clone(),
                url,
            },
        });
    }
    out
}

/// The part of `text` (a URL) that reachability needs: scheme, host, port
/// and path. Its user part and query, where a credential may be written,
/// never reach the script.
fn reachability_url(text: &str) -> Option<String> {
    let mut url = url::Url::parse(text).ok()?;
    if url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
    {
        return Some(text.to_string());
    }
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.into())
}

/// Where a value is written: its first piece.
fn span_of(value: &Value) -> Option<crate::syntax::source::Span> {
    value.pieces.first().map(|p| match p {
        Piece::Lit { span, .. } => *span,
        Piece::Var(v) => v.span,
    })
}

/// The value as a double-quoted `sh` word: its text, and its variables as
/// `${NAME}` with compose's operators (which `sh` shares), read when the
/// script runs. `None` when a secret could be written in it: a password
/// that is more than bare `${NAME}` references (a default is text), or
/// one in the query: a secret is never copied into the script.
fn template(value: &Value) -> Option<String> {
    let mut out = String::new();
    render(value, &mut out);
    let rest = out.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    if let Some((creds, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = creds.split_once(':')
        && !only_references(password)
    {
        return None;
    }
    if out.to_ascii_lowercase().contains("password=") {
        return None;
    }
    // One line of the script: a line break in it could end an `ssh`
    // heredoc and run what follows on the machine running the script.
    if out.chars().any(char::is_control) {
        return None;
    }
    Some(out)
}

fn render(value: &Value, out: &mut String) {
    for piece in &value.pieces {
        match piece {
            Piece::Lit { text, .. } => {
                for c in text.chars() {
                    if matches!(c, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Piece::Var(v) => {
                out.push_str("${");
                out.push_str(&v.name);
                if let Some((op, arg)) = &v.op {
                    out.push_str(op.as_str());
                    render(arg, out);
                }
                out.push('}');
            }
        }
    }
}

/// Whether `text` is only bare `${NAME}` references (no operator, so no
/// default text).
fn only_references(text: &str) -> bool {
    let mut rest = text;
    while let Some(after) = rest.strip_prefix("${") {
        let Some(close) = after.find('}') else {
            return false;
        };
        let name = after.get(..close).unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    rest.is_empty()
}
