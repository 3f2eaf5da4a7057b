//! ISO009 port-plan: host port bindings that collide, or a domain's
//! service published on another domain's port range (CIAM 3xxx, IAM 4xxx
//! by default).

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::syntax::source::Span;

/// ISO009's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO009",
    name: "port-plan",
    severity: Severity::Error,
    profiles: &[],
    summary: "host port bindings collide, or a domain's service is published on another domain's port range",
    doc: Doc::Body(include_str!("../../rules/ISO009.md")),
};

pub struct PortPlan;

/// Ranges wider than this are not expanded port by port.
const MAX_RANGE: u32 = 1024;

struct Binding {
    /// The service's index in the environment.
    index: usize,
    service: String,
    domain: Option<String>,
    port: u16,
    protocol: String,
    host_ip: Option<String>,
    span: Span,
}

fn ports(published: &str) -> Vec<u16> {
    match crate::load::compose::port_range(published) {
        Some((a, b)) if u32::from(b - a) < MAX_RANGE => (a..=b).collect(),
        Some((a, _)) => vec![a],
        // A reversed range: its first port.
        None => published
            .split('-')
            .next()
            .and_then(|a| a.trim().parse().ok())
            .into_iter()
            .collect(),
    }
}

/// Two bindings on the same port clash unless they listen on different,
/// specific addresses.
fn same_address(a: &Option<String>, b: &Option<String>) -> bool {
    let any = |ip: &Option<String>| ip.as_deref().is_none_or(|i| i == "0.0.0.0" || i == "::");
    any(a) || any(b) || a == b
}

impl Rule for PortPlan {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut bindings: Vec<Binding> = Vec::new();
        for (si, s) in ctx.env.services.iter().enumerate() {
            let domain = ctx.service_domain(s);
            for p in &s.service.ports {
                let Some(published) = &p.published else {
                    continue;
                };
                for port in ports(published) {
                    bindings.push(Binding {
                        index: si,
                        service: s.service.name.clone(),
                        domain: domain.clone(),
                        port,
                        protocol: p.protocol.clone(),
                        host_ip: p.host_ip.clone(),
                        span: p.span,
                    });
                }
            }
        }
        let mut out = Vec::new();
        for (i, b) in bindings.iter().enumerate() {
            if let Some(other) = bindings.iter().take(i).find(|o| {
                o.port == b.port
                    && o.protocol == b.protocol
                    && o.service != b.service
                    && same_address(&o.host_ip, &b.host_ip)
                    // Under compose profiles that never run together, one
                    // port serves each in turn.
                    && ctx
                        .env
                        .services
                        .get(o.index)
                        .zip(ctx.env.services.get(b.index))
                        .is_none_or(|(x, y)| x.may_run_with(y))
            }) {
                out.push(
                    RULE.finding(
                        b.span,
                        format!("{} publishes {}", b.service, b.port),
                        format!(
                            "{} and {} both publish host port {}/{}",
                            b.service, other.service, b.port, b.protocol
                        ),
                    )
                    .with_related_labels(vec![Label::new(
                        other.span,
                        format!("{} publishes it too", other.service),
                    )])
                    .with_help("give each service its own host port, on its domain's range"),
                );
                continue;
            }
            let (Some(own), Some(plan)) = (&b.domain, ctx.domains.of_port(b.port)) else {
                continue;
            };
            if own != plan && !out.iter().any(|d: &Diagnostic| d.primary.span == b.span) {
                out.push(
                    RULE.finding(
                        b.span,
                        format!("{} range", plan.to_uppercase()),
                        format!(
                            "{} ({}) is published on host port {}, in the {} port range",
                            b.service,
                            own.to_uppercase(),
                            b.port,
                            plan.to_uppercase()
                        ),
                    )
                    .with_help(format!(
                        "publish {} on a port of the {} range",
                        b.service,
                        own.to_uppercase()
                    )),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_addresses() {
        assert_eq!(ports("3000-3002"), vec![3000, 3001, 3002]);
        assert_eq!(ports("4433"), vec![4433]);
        assert!(ports("${PORT}").is_empty());
        assert!(same_address(&None, &Some("127.0.0.1".into())));
        assert!(!same_address(
            &Some("127.0.0.1".into()),
            &Some("10.0.0.1".into())
        ));
    }
}
