//! ISO007 crossed-config: a domain's service mounts or loads another
//! domain's config folder, config file, identity schema or email templates.

use super::{Context, Rule, RuleMeta};
use crate::diag::{Diagnostic, Doc, Severity};
use crate::load::compose::VolumeKind;

/// ISO007's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO007",
    name: "crossed-config",
    severity: Severity::Error,
    profiles: &[],
    summary: "a domain's service mounts or loads another domain's config, schemas or templates",
    doc: Doc::Body(include_str!("../../rules/ISO007.md")),
};

pub struct CrossedConfig;

/// Ory keys that name files a service loads.
const LOADED: &[&str] = &["identity.schemas", "courier.templates"];

impl Rule for CrossedConfig {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in &ctx.env.services {
            // The service's own name decides its domain here: its mounts
            // are what is being checked.
            let Some(own) = ctx.domains.of_name(&s.service.name) else {
                continue;
            };
            let crossed = |path: &str| ctx.domains.of_name(path).filter(|d| *d != own);
            for v in &s.service.volumes {
                let Some(source) = v.source.as_deref() else {
                    continue;
                };
                if v.kind != VolumeKind::Bind {
                    continue;
                }
                if let Some(other) = crossed(source) {
                    out.push(finding(
                        v.span,
                        format!(
                            "{} ({}) mounts {source}, {} config",
                            s.service.name,
                            own.to_uppercase(),
                            other.to_uppercase()
                        ),
                        own,
                    ));
                }
            }
            let Some(ory) = &s.ory else { continue };
            for prefix in LOADED {
                for setting in ory.leaves(prefix) {
                    let Some(text) = setting.value.text() else {
                        continue;
                    };
                    let Some(other) = crossed(&text) else {
                        continue;
                    };
                    let Some(span) = setting.value.span() else {
                        continue;
                    };
                    out.push(finding(
                        span,
                        format!(
                            "{} ({}) loads {} from {text}, {} config",
                            s.service.name,
                            own.to_uppercase(),
                            setting.path,
                            other.to_uppercase()
                        ),
                        own,
                    ));
                }
            }
        }
        out
    }
}

fn finding(span: crate::syntax::source::Span, message: String, own: &str) -> Diagnostic {
    RULE.finding(span, "another domain's config", message)
        .with_help(format!(
            "mount and load the {} service's own config folder, schemas and templates",
            own.to_uppercase()
        ))
}
