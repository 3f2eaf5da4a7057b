//! Rules: the registry of codes with their metadata and documentation.
//!
//! Codes are a public interface (suppressions, SARIF, tests depend on
//! them); each rule has a document in the top-level `rules/` folder that
//! `isolint explain` prints.

mod cfg002;
pub mod declarative;
mod iso001;
pub(crate) mod iso002;
mod iso003;
mod iso004;
mod iso005;
mod iso006;
mod iso007;
mod iso008;
mod iso009;
pub mod suppress;

use crate::diag::{Diagnostic, Severity};
use crate::model::Environment;
use crate::model::domain::Domains;

pub use crate::diag::codes::*;

/// What a rule sees: one environment, the platform's domains, and what
/// the boundary allows (shared components, exceptions).
pub struct Context<'a> {
    pub env: &'a Environment,
    pub domains: &'a Domains,
    pub policy: &'a crate::model::policy::Policy,
}

impl Context<'_> {
    /// The resolved environment.
    pub fn resolved(&self) -> &crate::model::resolve::Resolution {
        self.env.resolved(self.domains)
    }

    /// The domain of one of the environment's services.
    pub fn service_domain(&self, s: &crate::model::ServiceFacts) -> Option<String> {
        let i = self.env.index_of(s)?;
        self.resolved().service_domain(i).map(str::to_string)
    }

    /// The domain of one of the environment's sites.
    pub fn site_domain(&self, site: &crate::load::caddy::sites::Site) -> Option<String> {
        let i = self.env.sites.iter().position(|x| std::ptr::eq(x, site))?;
        self.resolved().site_domain(i).map(str::to_string)
    }
}

/// A check over the model. Adding a rule is one file implementing this
/// (with its metadata), one line in [`checks`] and its document; a
/// declarative rule is one `rules/*.yml` file and its document.
pub trait Rule: Sync {
    fn meta(&self) -> RuleMeta;
    fn check(&self, ctx: &Context) -> Vec<Diagnostic>;
}

/// Every built-in rule that checks the model: the compiled ones, then
/// the declarative ones of `rules/*.yml`.
pub fn checks() -> Vec<&'static dyn Rule> {
    let compiled: Vec<&'static dyn Rule> = vec![
        &cfg002::Unresolved,
        &iso001::SharedDatabase,
        &iso002::ParentCookieDomain,
        &iso003::CrossedUpstream,
        &iso004::DuplicateOAuth2Client,
        &iso005::CrossedServiceUrl,
        &iso006::SharedSecret,
        &iso007::CrossedConfig,
        &iso008::SharedDbCredentials,
        &iso009::PortPlan,
    ];
    compiled
        .into_iter()
        .chain(declarative::builtin().iter().map(|r| r as &dyn Rule))
        .collect()
}

/// "a CIAM", "an IAM": the article for a domain name read as letters.
pub(crate) fn article(domain: &str) -> &'static str {
    match domain.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('A' | 'E' | 'F' | 'H' | 'I' | 'L' | 'M' | 'N' | 'O' | 'R' | 'S' | 'X') => "an",
        _ => "a",
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What two values are compared by: their text when known, else the
/// variables they come from (the same variable on both sides is sharing,
/// even unresolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueId {
    Known(String),
    /// The text with unknown parts as `${NAME}`, and their names.
    Symbolic(String, Vec<String>),
}

impl ValueId {
    /// `None` for an empty value.
    pub(crate) fn of(v: &crate::syntax::value::Value) -> Option<ValueId> {
        match v.text() {
            Some(t) if !t.is_empty() => Some(ValueId::Known(t)),
            Some(_) => None,
            None => {
                let vars = v.unbound();
                (!vars.is_empty()).then(|| ValueId::Symbolic(v.template_text(), vars))
            }
        }
    }
}

/// Test helpers: an environment built from files written to a folder.
#[cfg(test)]
pub(crate) mod testing {
    use crate::discover::Scope;
    use crate::model::Environment;
    use crate::syntax::source::SourceMap;

    /// Writes `files` into a fresh folder and builds its environment.
    pub fn environment(files: &[(&str, &str)]) -> (Environment, SourceMap) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
        let scope = Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let sources = SourceMap::new();
        let mut diags = Vec::new();
        let options = crate::load::environment::Options::default();
        let loaded = crate::load::environment::environment(
            &sources,
            &scope,
            &options,
            &crate::load::project::Stack::of_folder(dir.path()),
            &Default::default(),
            &mut diags,
        );
        let env = crate::model::build::environment(loaded, None, None);
        (env, sources)
    }
}

/// Runs every built-in rule and the user's declarative ones over one
/// environment.
pub fn run(
    env: &Environment,
    policy: &crate::model::policy::Policy,
    user: &[declarative::Declarative],
) -> Vec<Diagnostic> {
    let ctx = Context {
        env,
        domains: &policy.domains,
        policy,
    };
    let mut out: Vec<Diagnostic> = checks()
        .into_iter()
        .chain(user.iter().map(|r| r as &dyn Rule))
        .flat_map(|r| r.check(&ctx))
        .collect();
    // No second stack, nothing to cross: isolation findings need a
    // boundary (`dump` says why there is none).
    // So does CFG002, which says what an isolation rule would need.
    if !env.resolved(&policy.domains).boundary.exists() {
        out.retain(|d| !d.code.starts_with("ISO") && d.code != CFG002);
    }
    merge_same_fact(&mut out);
    for d in &mut out {
        d.environment = env.name.clone();
        // Each location once (two registrations through one wrapper
        // function share its body), never the primary again.
        let mut seen = vec![d.primary.span];
        d.related.retain(|l| {
            let new = !seen.contains(&l.span);
            seen.push(l.span);
            new
        });
    }
    out
}

/// The verb of a message for several subjects (`is` → `are`,
/// `connects` → `connect`); other words stay.
fn plural(verb: &str) -> String {
    let lower = verb.chars().all(|c| c.is_ascii_lowercase());
    let cut = |n: usize| verb.get(..verb.len() - n).unwrap_or(verb).to_string();
    match verb {
        "is" => "are".into(),
        "has" => "have".into(),
        v if lower && v.len() > 3 && v.ends_with("ies") => format!("{}y", cut(3)),
        v if lower
            && v.len() > 3
            && ["ses", "xes", "ches", "shes"]
                .iter()
                .any(|e| v.ends_with(e)) =>
        {
            cut(2)
        }
        v if lower && v.len() > 2 && v.ends_with('s') && !v.ends_with("ss") => cut(1),
        v => v.to_string(),
    }
}

/// Nouns that stand before a merged name (`the CIAM site a and b`,
/// `OAuth2 client a and b`), and their plurals.
fn plural_noun(word: &str) -> Option<String> {
    matches!(word, "site" | "client" | "service" | "database" | "user").then(|| format!("{word}s"))
}

/// A word split into its leading punctuation, its core and its trailing
/// punctuation: `(SITE_CLIENT_ID),` → `(`, `SITE_CLIENT_ID`, `),`.
fn split_punctuation(word: &str) -> (&str, &str, &str) {
    let punct = |c: char| "()[]{},;:'\"`".contains(c);
    let core = word.trim_start_matches(punct);
    let lead = word.get(..word.len() - core.len()).unwrap_or("");
    let core2 = core.trim_end_matches(punct);
    let trail = core.get(core2.len()..).unwrap_or("");
    (lead, core2, trail)
}

/// One finding per fact: findings of one rule at one token (two services
/// that read one YAML line, a `-migrate` twin, every service a `.env`
/// line reaches) become one, naming every service where their messages
/// differ in one word, with every location.
fn merge_same_fact(out: &mut Vec<Diagnostic>) {
    struct Merged {
        d: Diagnostic,
        /// The first message's words, and the one that varies.
        base: Vec<String>,
        slot: Option<usize>,
        names: Vec<String>,
    }
    let mut merged: Vec<Merged> = Vec::with_capacity(out.len());
    for d in out.drain(..) {
        let words: Vec<String> = d.message.split(' ').map(str::to_string).collect();
        let Some(into) = merged
            .iter_mut()
            .find(|m| m.d.code == d.code && m.d.primary.span == d.primary.span)
        else {
            merged.push(Merged {
                d,
                base: words,
                slot: None,
                names: Vec::new(),
            });
            continue;
        };
        if words != into.base {
            let differ: Vec<usize> = (0..words.len().max(into.base.len()))
                .filter(|&i| words.get(i) != into.base.get(i))
                .collect();
            let same_slot = |i: usize| into.slot.is_none_or(|s| s == i);
            match differ.as_slice() {
                [i] if words.len() == into.base.len() && same_slot(*i) => {
                    if into.names.is_empty() {
                        into.names.extend(into.base.get(*i).cloned());
                    }
                    if let Some(w) = words.get(*i)
                        && !into.names.contains(w)
                    {
                        into.names.push(w.clone());
                    }
                    into.slot = Some(*i);
                    let mut shown = into.base.clone();
                    // The names without the punctuation around them:
                    // `(A),` and `(B),` are `(A and B),`.
                    let (lead, _, trail) =
                        split_punctuation(into.names.first().map_or("", String::as_str));
                    let cores: Vec<String> = into
                        .names
                        .iter()
                        .map(|n| split_punctuation(n).1.to_string())
                        .collect();
                    if let Some(w) = shown.get_mut(*i) {
                        *w = format!("{lead}{}{trail}", and_list(&cores));
                    }
                    // Several subjects: "a and b connect", "a and b (CIAM)
                    // are configured", "the CIAM sites a and b proxy".
                    let subject = *i == 0
                        || i.checked_sub(1)
                            .and_then(|p| shown.get(p))
                            .is_some_and(|w| plural_noun(w).is_some());
                    if subject && lead.is_empty() {
                        if let Some(noun) = i.checked_sub(1).and_then(|p| shown.get_mut(p))
                            && let Some(nouns) = plural_noun(noun)
                        {
                            *noun = nouns;
                        }
                        if let Some(verb) =
                            shown.iter_mut().skip(i + 1).find(|w| !w.starts_with('('))
                        {
                            *verb = plural(verb);
                        }
                    }
                    into.d.message = shown.join(" ");
                }
                // Another fact at the same token: its own finding.
                _ => {
                    merged.push(Merged {
                        d,
                        base: words,
                        slot: None,
                        names: Vec::new(),
                    });
                    continue;
                }
            }
        }
        for l in d.related {
            if l.span != into.d.primary.span && !into.d.related.iter().any(|r| r.span == l.span) {
                into.d.related.push(l);
            }
        }
    }
    *out = merged.into_iter().map(|m| m.d).collect();
}

/// What `isolint rules` and `explain` show for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    #[serde(skip)]
    pub doc: &'static str,
}

/// Codes the pipeline itself reports (parse errors, suppressions), not
/// checks over the model; those carry their metadata (see [`all`]).
pub const PIPELINE_RULES: &[RuleMeta] = &[
    RuleMeta {
        code: CFG001,
        name: "parse-error",
        severity: Severity::Error,
        summary: "a file cannot be parsed, or an import cannot be followed",
        doc: include_str!("../../rules/CFG001.md"),
    },
    RuleMeta {
        code: CFG003,
        name: "unused-suppression",
        severity: Severity::Warning,
        summary: "an `# isolint: ignore[...]` comment matches no finding, or gives no reason",
        doc: include_str!("../../rules/CFG003.md"),
    },
];

/// The user's declarative rules loaded in this run, so that reports and
/// lookups know their names like any other rule's.
static USER_RULES: std::sync::RwLock<Vec<RuleMeta>> = std::sync::RwLock::new(Vec::new());

/// Makes the user's rules known to [`find`], [`all`] and the reports.
pub fn register(rules: &[declarative::Declarative]) {
    let mut known = USER_RULES.write().unwrap_or_else(|e| e.into_inner());
    for r in rules {
        if !known.iter().any(|k| k.code == r.meta.code) {
            known.push(r.meta);
        }
    }
}

/// Every rule: compiled, built-in declarative and the user's, in code
/// order.
pub fn all() -> Vec<RuleMeta> {
    let mut out: Vec<RuleMeta> = PIPELINE_RULES.to_vec();
    out.extend(checks().iter().map(|r| r.meta()));
    out.extend(USER_RULES.read().unwrap_or_else(|e| e.into_inner()).iter());
    out.sort_by_key(|r| r.code);
    out
}

/// Looks a rule up by code (`CFG001`, any case) or name (`parse-error`).
pub fn find(code_or_name: &str) -> Option<RuleMeta> {
    all()
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// Whether `selector` picks `code`: the code itself, the rule's name, a
/// prefix of codes (`ISO`, `SEC00`) or `ALL`, like ruff's selectors.
pub fn selects(selector: &str, code: &str) -> bool {
    let upper = selector.to_ascii_uppercase();
    if upper == "ALL" || code.starts_with(&upper) {
        return true;
    }
    // Names are lower-case words with dashes; codes never are.
    selector.contains('-') && find(code).is_some_and(|r| r.name == selector)
}

/// Whether `selector` picks at least one known rule.
pub fn is_selector(selector: &str) -> bool {
    !selector.is_empty() && all().iter().any(|r| selects(selector, r.code))
}

/// For a "did you mean": the known code closest to an unknown one.
pub fn suggest_code(code: &str) -> Option<&'static str> {
    let all = all();
    let codes: Vec<&'static str> = all.iter().map(|r| r.code).collect();
    crate::diag::closest(code, &codes)
}

/// The online document of a built-in rule (users' rules have none).
pub fn doc_url(code: &str) -> Option<String> {
    let builtin = PIPELINE_RULES.iter().any(|r| r.code == code)
        || checks().iter().any(|r| r.meta().code == code);
    builtin.then(|| format!("{}/blob/main/rules/{code}.md", env!("CARGO_PKG_REPOSITORY")))
}

/// The rule's name for a code (`""` for an unknown code).
pub fn name_of(code: &str) -> &'static str {
    find(code).map_or("", |r| r.name)
}

/// Rule codes and texts read from rule files live as long as the process
/// (a finding's code is `&'static str`): each distinct text is stored once.
pub(crate) fn intern(text: &str) -> &'static str {
    static TEXTS: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut texts = TEXTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = texts.get(text) {
        return t;
    }
    let stored: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(stored);
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_document_that_names_it() {
        for rule in all() {
            assert!(
                rule.doc.contains(rule.code),
                "{} doc lacks its code",
                rule.code
            );
            assert!(
                rule.doc.contains(rule.name),
                "{} doc lacks its name",
                rule.code
            );
        }
        assert_eq!(find("parse-error").map(|r| r.code), Some(CFG001));
        assert_eq!(find("cfg001").map(|r| r.name), Some("parse-error"));
        assert_eq!(find("dev-mode").map(|r| r.code), Some("SEC004"));
        for check in checks() {
            assert!(
                find(check.meta().code).is_some(),
                "{} has no metadata",
                check.meta().code
            );
        }
    }

    fn merged(messages: &[&str]) -> Vec<String> {
        let span = crate::syntax::source::Span::new(crate::syntax::source::FileId(0), 3, 9);
        let mut out: Vec<Diagnostic> = messages
            .iter()
            .map(|m| Diagnostic {
                code: ISO005,
                severity: Severity::Error,
                message: m.to_string(),
                primary: crate::diag::Label::new(span, "here"),
                related: Vec::new(),
                help: None,
                environment: None,
            })
            .collect();
        merge_same_fact(&mut out);
        out.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn one_token_one_finding_in_plain_words() {
        assert_eq!(
            merged(&[
                "ciam-kratos (CIAM) is configured with X pointing at iam-hydra (IAM)",
                "ciam-kratos-migrate (CIAM) is configured with X pointing at iam-hydra (IAM)",
                "ciam-courier (CIAM) is configured with X pointing at iam-hydra (IAM)",
            ]),
            [
                "ciam-kratos, ciam-kratos-migrate and ciam-courier (CIAM) are configured with X pointing at iam-hydra (IAM)"
            ]
        );
        assert_eq!(
            merged(&[
                "the CIAM site a proxies to x, an IAM upstream",
                "the CIAM site b proxies to x, an IAM upstream",
            ]),
            ["the CIAM sites a and b proxy to x, an IAM upstream"]
        );
        assert_eq!(
            merged(&[
                "app (CIAM) is configured with OAuth2 client x (SITE_CLIENT_ID), which is registered",
                "app (CIAM) is configured with OAuth2 client x (NEXT_PUBLIC_CLIENT_ID), which is registered",
            ]),
            [
                "app (CIAM) is configured with OAuth2 client x (SITE_CLIENT_ID and NEXT_PUBLIC_CLIENT_ID), which is registered"
            ]
        );
        // Two facts at one token stay two.
        assert_eq!(
            merged(&["a points at b (IAM)", "a points at c (CIAM) too"]).len(),
            2
        );
    }

    #[test]
    fn selectors_are_codes_names_prefixes_or_all() {
        assert!(selects("ISO003", "ISO003"));
        assert!(selects("iso", "ISO003"));
        assert!(selects("crossed-upstream", "ISO003"));
        assert!(selects("ALL", "SEC001"));
        assert!(!selects("ISO0031", "ISO003"));
        assert!(!selects("SEC", "ISO003"));
        assert!(is_selector("SEC00") && is_selector("dev-mode"));
        assert!(!is_selector("ISO010") && !is_selector("XYZ") && !is_selector(""));
    }
}
