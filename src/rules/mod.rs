//! Rules: the registry of codes with their metadata and documentation.
//!
//! Codes are a public interface (suppressions, SARIF, tests depend on
//! them); each rule has a document in the top-level `rules/` folder that
//! `isolint explain` prints.

use crate::diag::Severity;

/// A file cannot be parsed, or an import cannot be followed.
pub const CFG001: &str = "CFG001";

/// What `isolint rules` and `explain` show for a rule.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    #[serde(skip)]
    pub doc: &'static str,
}

/// Every registered rule, in code order.
pub const RULES: &[RuleMeta] = &[RuleMeta {
    code: CFG001,
    name: "parse-error",
    severity: Severity::Error,
    summary: "a file cannot be parsed, or an import cannot be followed",
    doc: include_str!("../../rules/CFG001.md"),
}];

/// Looks a rule up by code (`CFG001`, any case) or name (`parse-error`).
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The rule's name for a code (`""` for an unknown code).
pub fn name_of(code: &str) -> &'static str {
    find(code).map_or("", |r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_document_that_names_it() {
        for rule in RULES {
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
    }
}
