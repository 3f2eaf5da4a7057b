//! Reading a rule file (YAML or TOML, one spanned tree) into a
//! [`Declarative`] rule. Every mistake is a CFG001 diagnostic at the key or
//! value at fault, with the closest valid key for a misspelt one.

use super::condition::{Condition, Expected, Hosts};
use super::select::{Selector, Target};
use super::{Declarative, Template};
use crate::diag::{Diagnostic, Severity};
use crate::model::ServiceKind;
use crate::rules::{Doc, RuleMeta};
use crate::syntax::source::Span;
use crate::syntax::yaml::{Entry, Kind, Node};
use globset::{Glob, GlobSet, GlobSetBuilder};

const RULE_KEYS: &[&str] = &[
    "code", "name", "severity", "profiles", "summary", "select", "when", "message", "help",
];
const SELECT_KEYS: &[&str] = &[
    "kind", "domain", "service", "secret", "scheme", "config", "env", "dsn", "image", "args",
    "caddy",
];
const TARGETS: &[&str] = &["config", "env", "dsn", "image", "args", "caddy"];
const CONDITION_KEYS: &[&str] = &[
    "equals",
    "one-of",
    "matches",
    "contains",
    "missing",
    "parent-domain-of",
    "not",
    "all",
    "any",
    "shared-across-domains",
];

type Result<T> = std::result::Result<T, Diagnostic>;

fn error(span: Span, message: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::parse_error(span, format!("invalid rule: {message}"))
}

/// The entries of a mapping, each key checked against `allowed`.
fn entries<'n>(node: &'n Node, allowed: &[&str], what: &str) -> Result<&'n [Entry]> {
    let Kind::Map(entries) = &node.kind else {
        return Err(error(node.span, format!("{what} must be a mapping")));
    };
    for e in entries {
        let key = e.key.as_str().unwrap_or_default();
        if !allowed.contains(&key) {
            let mut d = error(e.key.span, format!("unknown key `{key}` in {what}"));
            if let Some(near) = crate::diag::closest(key, allowed) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
            return Err(d);
        }
    }
    Ok(entries)
}

fn text(node: &Node, what: &str) -> Result<String> {
    match &node.kind {
        Kind::Scalar(s) if !node.is_null() => Ok(s.value.clone()),
        _ => Err(error(node.span, format!("{what} must be a string"))),
    }
}

/// A string or a list of strings.
fn texts(node: &Node, what: &str) -> Result<Vec<String>> {
    match &node.kind {
        Kind::Seq(items) => items.iter().map(|i| text(i, what)).collect(),
        _ => Ok(vec![text(node, what)?]),
    }
}

fn boolean(node: &Node, what: &str) -> Result<bool> {
    node.as_bool()
        .ok_or_else(|| error(node.span, format!("{what} must be true or false")))
}

fn globs(node: &Node, what: &str) -> Result<(GlobSet, Vec<String>)> {
    let patterns = texts(node, what)?;
    let mut b = GlobSetBuilder::new();
    let mut plain = Vec::new();
    for p in &patterns {
        b.add(Glob::new(p).map_err(|e| error(node.span, format!("{what}: {e}")))?);
        if !p.contains(['*', '?', '[', '{']) {
            plain.push(p.clone());
        }
    }
    let set = b
        .build()
        .map_err(|e| error(node.span, format!("{what}: {e}")))?;
    Ok((set, plain))
}

/// Reads one rule from the root of its file.
/// `source` and `lang` (`yaml`, `toml`) are the file's, shown in the
/// document of a rule that comes without one.
pub fn rule(root: &Node, doc: Option<Doc>, source: &str, lang: &str) -> Result<Declarative> {
    let entries = entries(root, RULE_KEYS, "a rule")?;
    let get = |key: &str| entries.iter().find(|e| e.key.as_str() == Some(key));
    let required =
        |key: &str| get(key).ok_or_else(|| error(root.span, format!("a rule needs `{key}`")));
    let code_node = &required("code")?.value;
    let code = text(code_node, "code")?;
    let well_formed = code.len() >= 4
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.ends_with(|c: char| c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !well_formed {
        return Err(error(
            code_node.span,
            format!("code `{code}` must be capital letters then digits, like `ORG001`"),
        ));
    }
    let name_node = &required("name")?.value;
    let name = text(name_node, "name")?;
    let severity_node = &required("severity")?.value;
    let severity = match text(severity_node, "severity")?.as_str() {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        other => {
            return Err(error(
                severity_node.span,
                format!("severity `{other}` must be error, warning or info"),
            ));
        }
    };
    let (mut prod, mut dev) = (false, false);
    if let Some(e) = get("profiles") {
        for p in texts(&e.value, "profiles")? {
            match p.as_str() {
                "prod" => prod = true,
                "dev" => dev = true,
                _ => {
                    return Err(error(
                        e.value.span,
                        format!("profile `{p}` must be prod or dev"),
                    ));
                }
            }
        }
    }
    let profiles: &'static [&'static str] = match (prod, dev) {
        (true, true) => &["prod", "dev"],
        (true, false) => &["prod"],
        (false, true) => &["dev"],
        (false, false) => &[],
    };
    let summary = text(&required("summary")?.value, "summary")?;
    let select_node = &required("select")?.value;
    let selectors = match &select_node.kind {
        Kind::Seq(items) => items.iter().map(selector).collect::<Result<Vec<_>>>()?,
        _ => vec![selector(select_node)?],
    };
    if selectors.is_empty() {
        return Err(error(select_node.span, "`select` names nothing"));
    }
    let when_node = &required("when")?.value;
    let (condition, shared) = when(when_node)?;
    let message_node = &required("message")?.value;
    let message = Template::parse(&text(message_node, "message")?)
        .map_err(|m| error(message_node.span, m))?;
    let help = get("help").map(|e| text(&e.value, "help")).transpose()?;
    let code = crate::rules::intern(&code);
    let name = crate::rules::intern(&name);
    let summary = crate::rules::intern(&summary);
    let mut meta = RuleMeta {
        code,
        name,
        severity,
        profiles,
        summary,
        doc: Doc::Whole(""),
    };
    meta.doc = doc.unwrap_or_else(|| {
        Doc::Generated(crate::rules::intern(&generated_doc(
            help.as_deref(),
            (source, lang),
        )))
    });
    Ok(Declarative {
        meta,
        selectors,
        condition,
        shared,
        message,
        help,
        code_span: code_node.span,
        name_span: name_node.span,
    })
}

/// The body of the document of a rule that comes without one.
fn generated_doc(help: Option<&str>, (source, lang): (&str, &str)) -> String {
    let mut doc = format!("\n## Definition\n\n```{lang}\n{}\n```\n", source.trim_end());
    if let Some(help) = help {
        doc.push_str(&format!("\n## How to fix\n\n{help}\n"));
    }
    doc
}

fn selector(node: &Node) -> Result<Selector> {
    let entries = entries(node, SELECT_KEYS, "a selector")?;
    let get = |key: &str| entries.iter().find(|e| e.key.as_str() == Some(key));
    let targets: Vec<&Entry> = entries
        .iter()
        .filter(|e| TARGETS.contains(&e.key.as_str().unwrap_or_default()))
        .collect();
    let [target_entry] = targets.as_slice() else {
        return Err(error(
            node.span,
            format!(
                "a selector names exactly one of {}",
                TARGETS
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let value = &target_entry.value;
    let target = match target_entry.key.as_str().unwrap_or_default() {
        "config" => Target::Config(texts(value, "config")?),
        "env" => {
            let (set, plain) = globs(value, "env")?;
            Target::Env(set, plain)
        }
        "dsn" => {
            let part = text(value, "dsn")?;
            let schemes = get("scheme")
                .map(|e| texts(&e.value, "scheme"))
                .transpose()?
                .unwrap_or_default();
            Target::Dsn { part, schemes }
        }
        "image" => {
            let part = text(value, "image")?;
            if !["reference", "name", "tag"].contains(&part.as_str()) {
                return Err(error(
                    value.span,
                    format!("image part `{part}` must be reference, name or tag"),
                ));
            }
            Target::Image(part)
        }
        "args" => {
            if !boolean(value, "args")? {
                return Err(error(value.span, "`args: false` selects nothing"));
            }
            Target::Args
        }
        _ => Target::Caddy(text(value, "caddy")?),
    };
    if let Some(e) = get("scheme")
        && !matches!(target, Target::Dsn { .. })
    {
        return Err(error(e.key.span, "`scheme` filters a `dsn` selector only"));
    }
    let mut kinds = Vec::new();
    if let Some(e) = get("kind") {
        for k in texts(&e.value, "kind")? {
            kinds.push(match k.as_str() {
                "kratos" => ServiceKind::Kratos,
                "hydra" => ServiceKind::Hydra,
                "proxy" => ServiceKind::Proxy,
                "postgres" => ServiceKind::Postgres,
                "app" => ServiceKind::App,
                _ => {
                    return Err(error(
                        e.value.span,
                        format!("kind `{k}` must be kratos, hydra, proxy, postgres or app"),
                    ));
                }
            });
        }
    }
    let services = get("service")
        .map(|e| globs(&e.value, "service").map(|(set, _)| set))
        .transpose()?;
    if matches!(target, Target::Caddy(_))
        && let Some(e) = get("kind").or(get("service")).or(get("secret"))
    {
        return Err(error(
            e.key.span,
            "`kind`, `service` and `secret` filter services' values; a `caddy` selector reads sites",
        ));
    }
    let domains = get("domain")
        .map(|e| texts(&e.value, "domain"))
        .transpose()?
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();
    let secret = get("secret")
        .map(|e| boolean(&e.value, "secret"))
        .transpose()?
        .unwrap_or(false);
    Ok(Selector {
        kinds,
        domains,
        services,
        secret,
        target,
    })
}

/// The rule's `when`: a condition, and whether the values must also be
/// shared across domains.
fn when(node: &Node) -> Result<(Option<Condition>, bool)> {
    let entries = entries(node, CONDITION_KEYS, "`when`")?;
    let mut shared = false;
    let mut parts = Vec::new();
    for e in entries {
        if e.key.as_str() == Some("shared-across-domains") {
            shared = boolean(&e.value, "shared-across-domains")?;
        } else {
            parts.push(condition_entry(e)?);
        }
    }
    if parts.is_empty() && !shared {
        return Err(error(node.span, "`when` states no condition"));
    }
    let condition = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Condition::All(parts)),
    };
    Ok((condition, shared))
}

/// A condition mapping: its entries must all hold.
fn condition(node: &Node) -> Result<Condition> {
    let entries = entries(node, CONDITION_KEYS, "a condition")?;
    let mut parts = entries
        .iter()
        .map(condition_entry)
        .collect::<Result<Vec<_>>>()?;
    match parts.len() {
        0 => Err(error(node.span, "an empty condition")),
        1 => parts
            .pop()
            .ok_or_else(|| error(node.span, "an empty condition")),
        _ => Ok(Condition::All(parts)),
    }
}

fn expected(node: &Node) -> Result<Expected> {
    match node.as_bool() {
        Some(b) => Ok(Expected::Bool(b)),
        None => Ok(Expected::Text(text(node, "a compared value")?)),
    }
}

fn condition_entry(e: &Entry) -> Result<Condition> {
    let v = &e.value;
    Ok(match e.key.as_str().unwrap_or_default() {
        "equals" => Condition::Equals(expected(v)?),
        "one-of" => Condition::OneOf(v.items().iter().map(expected).collect::<Result<_>>()?),
        "matches" => {
            let pattern = text(v, "matches")?;
            let re = regex::RegexBuilder::new(&pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|err| error(v.span, format!("bad regular expression: {err}")))?;
            Condition::Matches(re)
        }
        "contains" => Condition::Contains(text(v, "contains")?),
        "missing" => Condition::Missing(boolean(v, "missing")?),
        "parent-domain-of" => match &v.kind {
            Kind::Seq(_) => Condition::ParentDomainOf(Hosts::List(
                texts(v, "parent-domain-of")?
                    .iter()
                    .map(|h| crate::rules::parent_cookie_domain::normalise(h))
                    .collect(),
            )),
            _ if v.as_str() == Some("other-domains") => {
                Condition::ParentDomainOf(Hosts::OtherDomains)
            }
            _ => {
                return Err(error(
                    v.span,
                    "parent-domain-of takes `other-domains` or a list of hosts",
                ));
            }
        },
        "not" => Condition::Not(Box::new(condition(v)?)),
        key @ ("all" | "any") => {
            let Kind::Seq(items) = &v.kind else {
                return Err(error(v.span, format!("`{key}` takes a list of conditions")));
            };
            let list = items.iter().map(condition).collect::<Result<Vec<_>>>()?;
            if key == "all" {
                Condition::All(list)
            } else {
                Condition::Any(list)
            }
        }
        _ => {
            return Err(error(
                e.key.span,
                "`shared-across-domains` belongs directly under `when`",
            ));
        }
    })
}
