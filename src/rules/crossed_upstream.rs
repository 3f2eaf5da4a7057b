//! ISO003 crossed-upstream: a Caddy site that belongs to one domain proxies
//! (through any route, matcher, snippet or import) to an upstream of
//! another domain.

use super::{Context, Rule, RuleMeta, article};
use crate::diag::{Diagnostic, Doc, Label, Severity};

/// ISO003's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "ISO003",
    name: "crossed-upstream",
    severity: Severity::Error,
    profiles: &[],
    summary: "a Caddy site of one domain proxies to an upstream of another domain",
    doc: Doc::Body(include_str!("../../rules/ISO003.md")),
};

pub struct CrossedUpstream;

impl Rule for CrossedUpstream {
    fn meta(&self) -> RuleMeta {
        RULE
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let res = ctx.resolved();
        for (si, site) in ctx.env.sites.iter().enumerate() {
            // A site with no evidence of its own is judged by what it
            // proxies to: when that is two domains, the port plan (else
            // the first) names the site's own, and the others cross.
            let site_dom = res.site_domain(si).map(str::to_string);
            for (ui, u) in site.upstreams.iter().enumerate() {
                // A host matcher scoping the route names its own domain.
                let scoped = u
                    .hosts
                    .as_ref()
                    .and_then(|hosts| hosts.iter().find_map(|h| ctx.domains.of_host(h)))
                    .map(str::to_string);
                let Some(from) = scoped.or_else(|| site_dom.clone()) else {
                    continue;
                };
                let Some(t) = res.upstream(si, ui) else {
                    continue;
                };
                let Some(to) = t.domain.clone() else { continue };
                let target = match t.services.as_slice() {
                    [i] => ctx.env.services.get(*i),
                    _ => None,
                };
                if to == from {
                    continue;
                }
                let shown = u.dial.clone().unwrap_or_else(|| u.raw.clone());
                let address = site.addresses.first();
                let site_text = address.map_or_else(String::new, |a| a.raw.clone());
                let mut related = Vec::new();
                if let Some(a) = address {
                    related.push(Label::new(
                        a.span,
                        format!("this site is {}", from.to_uppercase()),
                    ));
                }
                if u.directive_span != u.span {
                    related.push(Label::new(u.directive_span, "proxied by this directive"));
                }
                for via in u.via.iter() {
                    if *via != u.span {
                        related.push(Label::new(*via, "brought in by this import"));
                    }
                }
                if let Some(t) = target {
                    related.push(Label::new(
                        t.service.name_span,
                        format!(
                            "{} is {} {} service",
                            t.service.name,
                            article(&to),
                            to.to_uppercase()
                        ),
                    ));
                }
                out.push(
                    RULE.finding(
                        u.span,
                        format!("{} upstream", to.to_uppercase()),
                        format!(
                            "the {} site {site_text} proxies to {shown}, {} {} upstream",
                            from.to_uppercase(),
                            article(&to),
                            to.to_uppercase()
                        ),
                    )
                    .with_related_labels(related)
                    .with_help(format!(
                        "proxy this {} site to {} {} service, or serve {shown} from {} {} site",
                        from.to_uppercase(),
                        article(&from),
                        from.to_uppercase(),
                        article(&to),
                        to.to_uppercase()
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
    use crate::discover::Scope;
    use crate::load::caddy::{load_text, sites::sites};
    use crate::model::Environment;

    use crate::syntax::caddyfile::token::Env;
    use crate::syntax::source::SourceMap;

    fn findings(src: &str) -> Vec<(usize, String)> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let scope = Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let sources = SourceMap::new();
        let config = load_text(
            &sources,
            &scope,
            &dir.path().join("Caddyfile"),
            src,
            &Env::new(),
        );
        let (site_list, _) = sites(&config, &Env::new());
        let env = Environment {
            sites: site_list,
            ..Environment::default()
        };
        crate::rules::testing::check(&CrossedUpstream, &env, &sources)
    }

    #[test]
    fn a_ciam_site_proxying_to_iam_is_reported_at_the_upstream() {
        let f = findings(
            "{$CIAM_HERA_PUBLIC_URL} {\n\treverse_proxy ciam-hera:3000\n\treverse_proxy /x iam-hera:4000\n}\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, 3);
        assert!(f[0].1.contains("an IAM upstream"), "{}", f[0].1);
    }

    #[test]
    fn prefixes_are_whole_segments_and_neutral_sites_pass() {
        assert!(
            findings("{$CIAM_HERA_PUBLIC_URL} {\n\treverse_proxy ciam-hera:3000\n}\n").is_empty()
        );
        assert!(findings("www.example.com {\n\treverse_proxy iam-hera:4000\n}\n").is_empty());
    }

    #[test]
    fn a_literal_host_site_mixing_domains_crosses() {
        let f = findings(
            "login.example.com {\n\treverse_proxy ciam-hera:3000\n\treverse_proxy /staff/* iam-hera:4000\n}\n",
        );
        assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), vec![3], "{f:?}");
        assert!(findings("login.example.com {\n\treverse_proxy iam-hera:4000\n}\n").is_empty());
    }

    #[test]
    fn host_matchers_scope_the_domain_of_a_wildcard_site() {
        let src = "*.example.com {\n\t@iam host iam.example.com\n\thandle @iam {\n\t\treverse_proxy iam-hera:4000\n\t}\n\t@ciam host ciam.example.com\n\treverse_proxy @ciam iam-athena:4001\n}\n";
        let f = findings(src);
        assert_eq!(f.iter().map(|x| x.0).collect::<Vec<_>>(), vec![7], "{f:?}");
    }
}
