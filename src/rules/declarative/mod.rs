//! Declarative rules: a rule file (YAML or TOML) selects values from the
//! model and states when they are a finding, with the rule's code,
//! severity, message and help. The SEC rules are built in this way (the
//! `rules/SEC*.yml` files, embedded); users add their own from a folder
//! that `isolint.toml` names, without recompiling.
//!
//! ```yaml
//! code: SEC001
//! name: leak-sensitive-values
//! severity: error
//! profiles: [prod]
//! summary: Kratos or Hydra logs secrets and personal data
//! select:
//!   kind: [kratos, hydra]
//!   config: log.leak_sensitive_values
//! when:
//!   equals: true          # a real boolean: YAML `true` or the env form
//! message: "{service} logs sensitive values: `{key}` is {value}"
//! help: Remove the key, or set it to false.
//! ```

pub mod condition;
mod read;
pub mod select;

use crate::diag::{Diagnostic, Label};
use crate::rules::{Context, Rule, RuleMeta};
use crate::syntax::source::{SourceMap, Span};
use crate::syntax::value::Text;
use crate::syntax::value::{Op, Piece, Value};
use condition::{Condition, Scope};
use select::{Item, Selector};
use std::path::Path;
use std::sync::OnceLock;

/// One rule read from a file.
#[derive(Debug, Clone)]
pub struct Declarative {
    pub meta: RuleMeta,
    selectors: Vec<Selector>,
    condition: Option<Condition>,
    /// Fire only for values that two domains share (literal, or the same
    /// variable): the "must be distinct across domains" check.
    shared: bool,
    message: Template,
    help: Option<String>,
    /// Where its code and name are written, for clashes.
    code_span: Span,
    name_span: Span,
}

/// The built-in declarative rules: (file name, rule file, document).
const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "SEC001.yml",
        include_str!("../../../rules/SEC001.yml"),
        include_str!("../../../rules/SEC001.md"),
    ),
    (
        "SEC002.yml",
        include_str!("../../../rules/SEC002.yml"),
        include_str!("../../../rules/SEC002.md"),
    ),
    (
        "SEC003.yml",
        include_str!("../../../rules/SEC003.yml"),
        include_str!("../../../rules/SEC003.md"),
    ),
    (
        "SEC004.yml",
        include_str!("../../../rules/SEC004.yml"),
        include_str!("../../../rules/SEC004.md"),
    ),
    (
        "SEC005.yml",
        include_str!("../../../rules/SEC005.yml"),
        include_str!("../../../rules/SEC005.md"),
    ),
];

/// The built-in declarative rules, read once. A test makes sure every
/// one of them reads.
pub fn builtin() -> &'static [Declarative] {
    static RULES: OnceLock<Vec<Declarative>> = OnceLock::new();
    RULES.get_or_init(|| {
        let sources = SourceMap::new();
        BUILTIN
            .iter()
            .filter_map(|(name, text, doc)| {
                let id = sources.add(*name, *text);
                read_file(name, text, id, Some(crate::rules::Doc::Body(doc)))
                    .ok()
                    .and_then(|mut v| v.pop())
            })
            .collect()
    })
}

/// Reads the rules of one file: a YAML file may hold several documents,
/// one rule each; a TOML file holds one.
fn read_file(
    name: &str,
    text: &str,
    id: crate::syntax::source::FileId,
    doc: Option<crate::rules::Doc>,
) -> Result<Vec<Declarative>, Diagnostic> {
    let (roots, lang) = if name.ends_with(".toml") {
        (vec![crate::syntax::toml::parse(id, text)?], "toml")
    } else {
        (crate::syntax::yaml::parse(id, text)?, "yaml")
    };
    roots
        .iter()
        .filter(|r| !r.is_null())
        .map(|r| read::rule(r, doc, text, lang))
        .collect()
}

/// The rules of every folder `isolint.toml` names (each with where it is
/// named, for a folder that does not exist), in order; a code or name
/// taken twice is a diagnostic at the second.
pub fn load_folders(
    sources: &SourceMap,
    folders: &[(std::path::PathBuf, Span)],
) -> Result<Vec<Declarative>, Diagnostic> {
    let mut rules = Vec::new();
    for (path, named) in folders {
        if !path.is_dir() {
            return Err(Diagnostic::parse_error(
                *named,
                format!("rule folder {} does not exist", path.display()),
            ));
        }
        let mut more = load_folder(sources, path, &rules)?;
        rules.append(&mut more);
    }
    Ok(rules)
}

/// Every rule file (`*.yml`, `*.yaml`, `*.toml`) in `dir`, in name order;
/// a `NAME.md` next to `NAME.yml` is its document. A malformed file, or a
/// code or name that a built-in rule or one of `taken` already has, is a
/// diagnostic at the fault.
pub fn load_folder(
    sources: &SourceMap,
    dir: &Path,
    taken: &[Declarative],
) -> Result<Vec<Declarative>, Diagnostic> {
    if !dir.is_dir() {
        let id = sources.add(dir, "");
        return Err(Diagnostic::parse_error(
            Span::new(id, 0, 0),
            format!("rule folder {} does not exist", dir.display()),
        ));
    }
    let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .max_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e == "yml" || e == "yaml" || e == "toml")
        })
        .collect();
    files.sort();
    let mut out: Vec<Declarative> = Vec::new();
    let builtin = crate::rules::Registry::default();
    for path in files {
        let (id, text) =
            crate::discover::read_source(sources, &path).map_err(|u| u.at_file(sources))?;
        let doc = crate::discover::read_text(sources, &path.with_extension("md"))
            .ok()
            .map(|d| crate::rules::Doc::Whole(crate::rules::intern(&d)));
        let name = path.to_string_lossy();
        for rule in read_file(&name, &text, id, doc)? {
            let metas: Vec<RuleMeta> = builtin
                .all()
                .iter()
                .copied()
                .chain(taken.iter().chain(&out).map(|r| r.meta))
                .collect();
            if metas.iter().any(|m| m.code == rule.meta.code) {
                return Err(Diagnostic::parse_error(
                    rule.code_span,
                    format!("invalid rule: code {} is already taken", rule.meta.code),
                ));
            }
            if metas.iter().any(|m| m.name == rule.meta.name) {
                return Err(Diagnostic::parse_error(
                    rule.name_span,
                    format!("invalid rule: name {} is already taken", rule.meta.name),
                ));
            }
            out.push(rule);
        }
    }
    Ok(out)
}

impl Rule for Declarative {
    fn meta(&self) -> RuleMeta {
        self.meta
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let hosts: Vec<(String, String)> = ctx
            .domains
            .list
            .iter()
            .flat_map(|d| {
                crate::rules::parent_cookie_domain::public_hosts(ctx, &d.name)
                    .into_iter()
                    .map(|h| (d.name.clone(), h.host))
            })
            .collect();
        let scope = Scope { hosts: &hosts };
        // A value two selectors both pick (Ory's `secrets.cookie` and its
        // env form `SECRETS_COOKIE`) is one item.
        let mut seen = std::collections::HashSet::new();
        let items: Vec<Item> = self
            .selectors
            .iter()
            .flat_map(|s| s.items(ctx))
            .filter(|i| {
                let key = match &i.text {
                    None => Some(i.key.clone()),
                    Some(_) => None,
                };
                seen.insert((i.span, key, i.text.clone()))
            })
            .filter(|i| {
                self.condition
                    .as_ref()
                    .is_none_or(|c| c.eval(i, &scope) == Some(true))
            })
            .collect();
        if !self.shared {
            return items.iter().map(|i| self.finding(i, &[], ctx)).collect();
        }
        // Values two domains share: group by value, keep groups that span
        // domains; one finding per group, at its first item.
        let ids: Vec<Option<crate::rules::ValueId>> = items.iter().map(value_id).collect();
        let mut out = Vec::new();
        let mut done = vec![false; items.len()];
        for (n, item) in items.iter().enumerate() {
            let (Some(Some(id)), Some(domain)) = (ids.get(n), &item.domain) else {
                continue;
            };
            if done.get(n).copied().unwrap_or(true) {
                continue;
            }
            let mut others = Vec::new();
            for (m, other) in items.iter().enumerate().skip(n + 1) {
                if ids.get(m).and_then(Option::as_ref) == Some(id) && other.domain.is_some() {
                    if let Some(d) = done.get_mut(m) {
                        *d = true;
                    }
                    others.push(other);
                }
            }
            if others.iter().any(|o| o.domain.as_ref() != Some(domain)) {
                out.push(self.finding(item, &others, ctx));
            }
        }
        out
    }
}

/// What shared values are compared by: the known text, or the template
/// with its unknown variables (the same variable is the same value).
fn value_id(item: &Item) -> Option<crate::rules::ValueId> {
    match &item.text {
        Some(Text::Known(t)) if !t.is_empty() => Some(crate::rules::ValueId {
            text: Text::Known(t.clone()),
            template: t.clone(),
        }),
        Some(Text::Symbolic(_)) => item.origin.as_ref().and_then(crate::rules::ValueId::of),
        _ => None,
    }
}

impl Declarative {
    fn finding(&self, item: &Item, others: &[&Item], ctx: &Context) -> Diagnostic {
        let primary = match &item.text {
            None => format!("`{}` is not set here", item.key),
            Some(_) => match item.origin.as_ref().map(defaults_taken) {
                Some(names) if !names.is_empty() => {
                    let list: Vec<String> = names.iter().map(|n| format!("${{{n}}}")).collect();
                    if list.len() == 1 {
                        format!(
                            "{} is not set here, so its default applies unless it is set at deploy time",
                            list.join("")
                        )
                    } else {
                        format!(
                            "{} are not set here, so their defaults apply unless they are set at deploy time",
                            list.join(", ")
                        )
                    }
                }
                _ => "here".to_string(),
            },
        };
        let mut related = Vec::new();
        // A whole value that came through a variable is written where the
        // variable got it (the `.env` line): that is the primary, and the
        // reference is related.
        let mut at = item.span;
        if let Some(origin) = &item.origin
            && origin.span() == Some(item.span)
            && let Some((written, through)) = origin.written_at()
            && written != item.span
        {
            at = written;
            for t in through {
                related.push(Label::new(t, "the value comes through here"));
            }
        }
        let add_provenance = |i: &Item, related: &mut Vec<Label>| {
            // Where parts of the value come from, outside the value itself
            // (the `.env` line of a variable).
            let within = |outer: Option<Span>, p: Span| {
                outer.is_some_and(|o| o.file == p.file && o.start <= p.start && p.end <= o.end)
            };
            let whole = i.origin.as_ref().and_then(Value::span);
            for p in i.origin.iter().flat_map(Value::provenance) {
                let inside = within(Some(i.span), p) || within(whole, p);
                if !inside && !related.iter().any(|l: &Label| l.span == p) {
                    related.push(Label::new(p, "the value comes from here"));
                }
            }
        };
        add_provenance(item, &mut related);
        // A value in a file the service loads: which service.
        if let Some(s) = item.service
            && s.service.name_span.file != item.span.file
        {
            related.push(Label::new(
                s.service.name_span,
                format!("{} reads it", s.service.name),
            ));
        }
        for o in others {
            related.push(Label::new(
                o.span,
                format!("{} ({}) has the same value", who(o), domain_name(o)),
            ));
            add_provenance(o, &mut related);
        }
        Diagnostic {
            help: self.help.clone(),
            ..self
                .meta
                .finding(at, primary, self.message.render(item, ctx))
                .with_related_labels(related)
        }
    }
}

/// The service or site an item belongs to.
fn who(i: &Item) -> String {
    match (i.service, &i.site) {
        (Some(s), _) => s.service.name.clone(),
        (None, Some(site)) => format!("site {site}"),
        (None, None) => "?".to_string(),
    }
}

fn domain_name(i: &Item) -> String {
    i.domain
        .as_deref()
        .map_or_else(|| "no domain".to_string(), str::to_uppercase)
}

/// Variables that are not set and whose `${VAR:-default}` default the
/// value takes.
fn defaults_taken(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for piece in &v.pieces {
        if let Piece::Var(var) = piece {
            match &var.bound {
                Some(b) => out.extend(defaults_taken(b)),
                None => {
                    if matches!(
                        var.op,
                        Some((Op::DefaultUnset | Op::DefaultUnsetOrEmpty, _))
                    ) {
                        out.push(var.name.clone());
                    }
                }
            }
        }
    }
    out
}

/// A message with `{service}`, `{site}`, `{key}`, `{value}`, `{domain}`
/// and `{env}` placeholders.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<(String, Option<Field>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Service,
    Site,
    Key,
    Value,
    Domain,
    Env,
}

const FIELDS: &[(&str, Field)] = &[
    ("service", Field::Service),
    ("site", Field::Site),
    ("key", Field::Key),
    ("value", Field::Value),
    ("domain", Field::Domain),
    ("env", Field::Env),
];

impl Template {
    /// Splits a message at its placeholders; an unknown one is an error.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut lit = String::new();
        while let Some(open) = rest.find('{') {
            lit.push_str(rest.get(..open).unwrap_or(""));
            let after = rest.get(open + 1..).unwrap_or("");
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(after.len());
            let name = after.get(..name_len).unwrap_or("");
            if name.is_empty() || !after.get(name_len..).unwrap_or("").starts_with('}') {
                lit.push('{');
                rest = after;
                continue;
            }
            let field = FIELDS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                    let mut m = format!(
                        "unknown placeholder {{{name}}} in the message; use {}",
                        names
                            .iter()
                            .map(|n| format!("{{{n}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if let Some(near) = crate::diag::closest(name, &names) {
                        m.push_str(&format!(" (did you mean {{{near}}}?)"));
                    }
                    m
                })?;
            pieces.push((std::mem::take(&mut lit), Some(field)));
            rest = after.get(name_len + 1..).unwrap_or("");
        }
        lit.push_str(rest);
        pieces.push((lit, None));
        Ok(Template { pieces })
    }

    fn render(&self, item: &Item, ctx: &Context) -> String {
        let mut out = String::new();
        for (lit, field) in &self.pieces {
            out.push_str(lit);
            let Some(field) = field else { continue };
            match field {
                Field::Service => out.push_str(&who(item)),
                Field::Site => out.push_str(item.site.as_deref().unwrap_or("")),
                Field::Key => out.push_str(&item.key),
                Field::Domain => out.push_str(&domain_name(item)),
                Field::Env => out.push_str(ctx.env.name.as_deref().unwrap_or("")),
                Field::Value => out.push_str(&match &item.text {
                    None => "not set".to_string(),
                    Some(Text::Known(_))
                        if item
                            .vars
                            .iter()
                            .any(|v| crate::syntax::redact::is_secret_name(v)) =>
                    {
                        format!("`{}`", crate::syntax::redact::MASK)
                    }
                    Some(Text::Known(t)) => {
                        format!("`{}`", crate::syntax::redact::redact(&item.key, t))
                    }
                    Some(Text::Symbolic(vars)) => vars
                        .iter()
                        .map(|v| format!("`${{{v}}}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
