//! When a declarative rule fires for an item. Conditions are three-valued:
//! a value only known at deploy time makes most of them unknown (`None`),
//! and a rule fires only on a definite `Some(true)`, so a symbolic value is
//! never guessed at.

use super::select::Item;
use crate::syntax::value::Text;
use regex::Regex;

#[derive(Debug, Clone)]
pub enum Condition {
    /// The value equals this (a boolean compares with real booleans only).
    Equals(Expected),
    OneOf(Vec<Expected>),
    /// The known text matches this regular expression.
    Matches(Regex),
    /// The known text contains this.
    Contains(String),
    /// `true`: the key is not set; `false`: it is.
    Missing(bool),
    /// The known value (a host or cookie domain) equals or is a parent of
    /// one of these hosts.
    ParentDomainOf(Hosts),
    Not(Box<Condition>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone)]
pub enum Hosts {
    /// The public hosts of every domain but the item's own.
    OtherDomains,
    List(Vec<String>),
}

/// What conditions may look at besides the item.
pub struct Scope<'a> {
    /// Public hosts by domain.
    pub hosts: &'a [(String, String)],
}

impl Condition {
    pub fn eval(&self, item: &Item, scope: &Scope) -> Option<bool> {
        let known = || match &item.text {
            None => Some(None),
            Some(Text::Known(t)) => Some(Some(t.as_str())),
            Some(Text::Symbolic(_)) => None,
        };
        match self {
            Condition::Missing(want) => Some(item.text.is_none() == *want),
            Condition::Equals(e) => equals(e, item),
            Condition::OneOf(list) => any(list.iter().map(|e| equals(e, item))),
            Condition::Matches(re) => Some(known()?.is_some_and(|t| re.is_match(t))),
            Condition::Contains(s) => Some(known()?.is_some_and(|t| t.contains(s.as_str()))),
            Condition::ParentDomainOf(hosts) => {
                let Some(value) = known()? else {
                    return Some(false);
                };
                let value = crate::rules::parent_cookie_domain::normalise(value);
                if value.is_empty() {
                    return Some(false);
                }
                let covers = |h: &str| crate::rules::parent_cookie_domain::covers(&value, h);
                Some(match hosts {
                    Hosts::List(list) => list.iter().any(|h| covers(h)),
                    Hosts::OtherDomains => scope
                        .hosts
                        .iter()
                        .any(|(d, h)| Some(d) != item.domain.as_ref() && covers(h)),
                })
            }
            Condition::Not(c) => c.eval(item, scope).map(|b| !b),
            Condition::All(cs) => all(cs.iter().map(|c| c.eval(item, scope))),
            Condition::Any(cs) => any(cs.iter().map(|c| c.eval(item, scope))),
        }
    }
}

fn equals(e: &Expected, item: &Item) -> Option<bool> {
    match (e, &item.text) {
        (_, None) => Some(false),
        (Expected::Bool(b), Some(_)) if item.boolean.is_some() => Some(item.boolean == Some(*b)),
        (_, Some(Text::Symbolic(_))) => None,
        // A string `"true"` is not the boolean `true`.
        (Expected::Bool(_), Some(Text::Known(_))) => Some(false),
        (Expected::Text(want), Some(Text::Known(t))) => Some(t == want),
    }
}

/// Three-valued AND: false wins, then unknown.
fn all(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut result = Some(true);
    for v in values {
        match v {
            Some(false) => return Some(false),
            None => result = None,
            Some(true) => {}
        }
    }
    result
}

/// Three-valued OR: true wins, then unknown.
fn any(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut result = Some(false);
    for v in values {
        match v {
            Some(true) => return Some(true),
            None => result = None,
            Some(false) => {}
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::source::{FileId, Span};

    fn item(text: Option<Text>, boolean: Option<bool>) -> Item<'static> {
        Item {
            service: None,
            site: None,
            domain: Some("ciam".into()),
            key: "k".into(),
            text,
            boolean,
            span: Span::new(FileId(0), 0, 0),
            origin: None,
            vars: Vec::new(),
        }
    }

    #[test]
    fn booleans_strings_unknowns_and_missing() {
        let scope = Scope { hosts: &[] };
        let yes = Condition::Equals(Expected::Bool(true));
        let t = |s: &str| Some(Text::Known(s.into()));
        assert_eq!(yes.eval(&item(t("true"), Some(true)), &scope), Some(true));
        assert_eq!(yes.eval(&item(t("true"), None), &scope), Some(false));
        let unknown = item(Some(Text::Symbolic(vec!["X".into()])), None);
        assert_eq!(yes.eval(&unknown, &scope), None);
        assert_eq!(yes.eval(&item(None, None), &scope), Some(false));
        let not_full = Condition::Not(Box::new(Condition::Equals(Expected::Text(
            "verify-full".into(),
        ))));
        assert_eq!(not_full.eval(&item(None, None), &scope), Some(true));
        assert_eq!(not_full.eval(&unknown, &scope), None);
        assert_eq!(
            not_full.eval(&item(t("verify-full"), None), &scope),
            Some(false)
        );
        let either = Condition::Any(vec![Condition::Missing(true), yes.clone()]);
        assert_eq!(either.eval(&unknown, &scope), None);
        assert_eq!(either.eval(&item(None, None), &scope), Some(true));
    }

    #[test]
    fn parent_domains_of_other_domains_hosts() {
        let hosts = [
            ("ciam".to_string(), "shop.example.com".to_string()),
            ("iam".to_string(), "staff.example.com".to_string()),
        ];
        let scope = Scope { hosts: &hosts };
        let c = Condition::ParentDomainOf(Hosts::OtherDomains);
        let t = |s: &str| Some(Text::Known(s.into()));
        assert_eq!(c.eval(&item(t(".Example.com"), None), &scope), Some(true));
        assert_eq!(
            c.eval(&item(t("shop.example.com"), None), &scope),
            Some(false)
        );
        assert_eq!(
            c.eval(&item(t("staff.example.com"), None), &scope),
            Some(true)
        );
        assert_eq!(c.eval(&item(t("xample.com"), None), &scope), Some(false));
    }
}
