//! ISO010 shared-admin-network: a domain's Kratos or Hydra serves its admin
//! API on a compose network that services of the other domain join too
//! (the default network counts), so only the URLs they are configured with
//! keep them from it. A warning: nothing is crossed yet, but one wrong URL
//! would be.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Label, Severity};
use crate::model::ServiceKind;
use crate::syntax::source::Span;

/// ISO010's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO010",
    name: "shared-admin-network",
    severity: Severity::Warning,
    profiles: &[],
    summary: "a domain's Kratos or Hydra admin API is on a network that the other domain's services join",
    doc: Doc::Body(include_str!("../../rules/ISO010.md")),
};

pub struct SharedAdminNetwork;

/// The rest of the help, after the domain's network.
const HELP: &str = "that the other domain's services do not join; let only the proxy and seed jobs join both where they must";

/// Compose's name for the network of services that name none.
const DEFAULT: &str = "default";

/// A network a service joins, and where that is written (for the default
/// network, the service's name).
struct Membership {
    network: String,
    span: Span,
    implicit: bool,
}

/// The networks service `i` joins: its `networks:`, the default network
/// without one, another service's with `network_mode: service:NAME`, none
/// with `host` or `none`.
fn memberships(ctx: &Context, i: usize) -> Vec<Membership> {
    let Some(s) = ctx.env.services.get(i).map(|f| &f.service) else {
        return Vec::new();
    };
    if let Some((mode, span)) = &s.network_mode {
        let Some(shared) = mode.strip_prefix("service:") else {
            return Vec::new();
        };
        let Some(owner) = ctx
            .env
            .services
            .iter()
            .find(|o| o.service.name == shared && o.service.network_mode.is_none())
        else {
            return Vec::new();
        };
        let networks: Vec<String> = match &owner.service.networks {
            Some(list) => list.iter().map(|(n, _)| n.clone()).collect(),
            None => vec![DEFAULT.to_string()],
        };
        return networks
            .into_iter()
            .map(|network| Membership {
                network,
                span: *span,
                implicit: false,
            })
            .collect();
    }
    match &s.networks {
        Some(list) => list
            .iter()
            .map(|(network, span)| Membership {
                network: network.clone(),
                span: *span,
                implicit: false,
            })
            .collect(),
        None => vec![Membership {
            network: DEFAULT.to_string(),
            span: s.name_span,
            implicit: true,
        }],
    }
}

impl Rule for SharedAdminNetwork {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let res = ctx.resolved();
        let mut out = Vec::new();
        for (i, s) in ctx.env.services.iter().enumerate() {
            let Some(own) = res.service_domain(i) else {
                continue;
            };
            // A host only known at deploy time is not guessed at.
            if s.serves_admin() != Some(true) {
                continue;
            }
            for m in memberships(ctx, i) {
                // The other domain's services on this network, but the
                // documented exception's app, which signs in through this
                // identity provider.
                let others: Vec<(String, String, Membership)> = ctx
                    .env
                    .services
                    .iter()
                    .enumerate()
                    .filter_map(|(j, o)| {
                        let theirs = res.service_domain(j)?;
                        // A one-off job (a migration) or the database
                        // server calls no admin API.
                        if theirs == own
                            || o.is_ory_job()
                            || o.kind == ServiceKind::Postgres
                            || ctx.policy.lets_in(&o.service.name, theirs, own)
                            || !s.may_run_with(o)
                        {
                            return None;
                        }
                        let joined = memberships(ctx, j)
                            .into_iter()
                            .find(|n| n.network == m.network)?;
                        Some((o.service.name.clone(), theirs.to_uppercase(), joined))
                    })
                    .collect();
                if others.is_empty() {
                    continue;
                }
                out.push(finding(&s.service.name, own, &m, &others));
            }
        }
        out
    }
}

fn finding(
    admin: &str,
    own: &str,
    m: &Membership,
    others: &[(String, String, Membership)],
) -> Diagnostic {
    // "iam-athena and iam-hera (IAM)", per domain.
    let mut domains: Vec<&str> = Vec::new();
    for (_, d, _) in others {
        if !domains.contains(&d.as_str()) {
            domains.push(d);
        }
    }
    let who: Vec<String> = domains
        .iter()
        .map(|d| {
            let names: Vec<String> = others
                .iter()
                .filter(|(_, od, _)| od == d)
                .map(|(n, _, _)| n.clone())
                .collect();
            format!("{} ({d})", super::and_list(&names))
        })
        .collect();
    let network = if m.implicit {
        "the default network".to_string()
    } else {
        format!("the network `{}`", m.network)
    };
    let verb = if others.len() == 1 { "joins" } else { "join" };
    let related = others.iter().map(|(name, d, o)| {
        let how = if o.implicit {
            "names no network, so it joins the default one".to_string()
        } else {
            format!("joins `{}`", o.network)
        };
        Label::new(o.span, format!("{name} ({d}) {how}"))
    });
    let label = if m.implicit {
        format!("{admin} names no network, so it joins the default one")
    } else {
        format!("{admin} joins `{}`", m.network)
    };
    let message = format!(
        "{admin} ({}) serves its admin API on {network}, which {} also {verb}",
        own.to_uppercase(),
        super::and_list(&who)
    );
    RULE.finding(m.span, label, message)
        .with_related_labels(related)
        .with_help(format!(
            "put the {} Kratos and Hydra on a network of their own domain (`networks: [{}]`) {HELP}",
            own.to_uppercase(),
            own.to_lowercase()
        ))
}
