//! Rules: one file per compiled rule, named by what it checks, each with
//! its one declaration ([`RuleMeta`]: code, name, severity, profiles,
//! summary) and its document's body in the top-level `rules/` folder;
//! the [`Registry`] of one run.
//!
//! Codes are a public interface (suppressions, SARIF, tests depend on
//! them); file names are not.

mod crossed_config;
mod crossed_service_url;
mod crossed_upstream;
pub mod declarative;
mod duplicate_oauth2_client;
pub(crate) mod parent_cookie_domain;
mod port_plan;
mod shared_admin_network;
mod shared_database;
mod shared_db_credentials;
mod shared_secret;
pub mod suppress;
mod unresolved;

use crate::diag::Diagnostic;
use crate::model::Environment;
use crate::model::domain::Domains;

pub use crate::diag::{Doc, RuleMeta};

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
/// (with its declaration), one line in [`COMPILED`] and its document; a
/// declarative rule is one `rules/*.yml` file and its document.
pub trait Rule: Sync {
    fn meta(&self) -> RuleMeta;
    fn check(&self, ctx: &Context) -> Vec<Diagnostic>;
}

/// The compiled rules that check the model.
const COMPILED: &[&dyn Rule] = &[
    &unresolved::Unresolved,
    &shared_database::SharedDatabase,
    &parent_cookie_domain::ParentCookieDomain,
    &crossed_upstream::CrossedUpstream,
    &duplicate_oauth2_client::DuplicateOAuth2Client,
    &crossed_service_url::CrossedServiceUrl,
    &shared_secret::SharedSecret,
    &crossed_config::CrossedConfig,
    &shared_db_credentials::SharedDbCredentials,
    &port_plan::PortPlan,
    &shared_admin_network::SharedAdminNetwork,
];

/// Codes the pipeline itself reports (parse errors, suppressions), not
/// checks over the model.
const PIPELINE: &[RuleMeta] = &[crate::diag::PARSE_ERROR, suppress::RULE];

/// The rules of one run: the built-in ones and the user's (from the
/// folders `isolint.toml` names). A value, owned by whoever runs the
/// check: the language server builds a new one whenever the
/// configuration is read again, so an edited rule is never stale.
#[derive(Debug, Clone)]
pub struct Registry {
    user: Vec<declarative::Declarative>,
    /// Every rule's declaration, in code order: worked out once, as each
    /// finding's selection and severity look rules up.
    all: Vec<RuleMeta>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new(Vec::new())
    }
}

impl Registry {
    /// The built-in rules and the user's `rules`.
    pub fn new(user: Vec<declarative::Declarative>) -> Registry {
        let mut registry = Registry {
            user,
            all: Vec::new(),
        };
        let mut all: Vec<RuleMeta> = PIPELINE.to_vec();
        all.extend(registry.checks().map(|r| r.meta()));
        all.sort_by_key(|r| r.code);
        registry.all = all;
        registry
    }

    /// Every rule that checks the model: the compiled ones, the built-in
    /// declarative ones of `rules/*.yml`, then the user's.
    pub fn checks(&self) -> impl Iterator<Item = &dyn Rule> {
        COMPILED
            .iter()
            .copied()
            .chain(declarative::builtin().iter().map(|r| r as &dyn Rule))
            .chain(self.user.iter().map(|r| r as &dyn Rule))
    }

    /// Every rule, in code order.
    pub fn all(&self) -> &[RuleMeta] {
        &self.all
    }

    /// Looks a rule up by code (`CFG001`, any case) or name (`parse-error`).
    pub fn find(&self, code_or_name: &str) -> Option<RuleMeta> {
        self.all
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
            .copied()
    }

    /// Whether `selector` picks `code`: the code itself, the rule's name, a
    /// prefix of codes (`ISO`, `SEC00`) or `ALL`, like ruff's selectors.
    pub fn selects(&self, selector: &str, code: &str) -> bool {
        let upper = selector.to_ascii_uppercase();
        if upper == "ALL" || code.starts_with(&upper) {
            return true;
        }
        // Names are lower-case words with dashes; codes never are.
        selector.contains('-') && self.find(code).is_some_and(|r| r.name == selector)
    }

    /// Whether `selector` picks at least one known rule.
    pub fn is_selector(&self, selector: &str) -> bool {
        !selector.is_empty() && self.all.iter().any(|r| self.selects(selector, r.code))
    }

    /// For a "did you mean": the known code closest to an unknown one.
    pub fn suggest_code(&self, code: &str) -> Option<&'static str> {
        let codes: Vec<&'static str> = self.all.iter().map(|r| r.code).collect();
        crate::diag::closest(code, &codes)
    }

    /// Runs every rule over one environment.
    pub fn run(&self, env: &Environment, policy: &crate::model::policy::Policy) -> Vec<Diagnostic> {
        run(self.checks(), env, policy)
    }
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
/// even unresolved) in the same places (`template`, the text with each
/// unknown part as `${NAME}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueId {
    pub text: crate::syntax::value::Text,
    pub template: String,
}

impl ValueId {
    /// `None` for an empty value, or one with no text and no variable.
    pub(crate) fn of(v: &crate::syntax::value::Value) -> Option<ValueId> {
        use crate::syntax::value::Text;
        let text = v.resolved();
        let template = match &text {
            Text::Known(t) if t.is_empty() => return None,
            Text::Known(t) => t.clone(),
            Text::Symbolic(vars) if vars.is_empty() => return None,
            Text::Symbolic(_) => v.template_text(),
        };
        Some(ValueId { text, template })
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

    /// One rule's findings in `env`, with the built-in domains and policy,
    /// as (line, message).
    pub fn check(
        rule: &dyn super::Rule,
        env: &Environment,
        sources: &SourceMap,
    ) -> Vec<(usize, String)> {
        let domains = crate::model::domain::Domains::default();
        let ctx = super::Context {
            env,
            domains: &domains,
            policy: &Default::default(),
        };
        rule.check(&ctx)
            .into_iter()
            .map(|d| (sources.position(d.primary.span).line, d.message))
            .collect()
    }
}

/// Runs `rules` over one environment: each in the profiles it declares,
/// isolation rules only where there is a boundary, one finding per fact.
fn run<'r>(
    rules: impl Iterator<Item = &'r dyn Rule>,
    env: &Environment,
    policy: &crate::model::policy::Policy,
) -> Vec<Diagnostic> {
    let ctx = Context {
        env,
        domains: &policy.domains,
        policy,
    };
    let profile = env.profile.map(crate::model::Profile::as_str);
    // No second stack, nothing to cross: isolation rules (`ISO`, a user's
    // too) need a boundary (`dump` says why there is none), and so does
    // CFG002, which says what an isolation rule would need. Without one
    // they do not run.
    let boundary = env.resolved(&policy.domains).boundary.exists();
    let needs_boundary =
        |code: &str| code.starts_with("ISO") || code == crate::diag::UNRESOLVED.code;
    let mut out: Vec<Diagnostic> = rules
        .filter(|r| r.meta().applies_to(profile))
        .filter(|r| boundary || !needs_boundary(r.meta().code))
        .flat_map(|r| r.check(&ctx))
        .collect();
    // A rule may report under another code (the pipeline's CFG002).
    if !boundary {
        out.retain(|d| !needs_boundary(d.code));
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
mod tests;
