//! TOML read into the same spanned tree as YAML, so a reader written once
//! over [`Node`] (declarative rule files) takes either format.
//!
//! The `toml` crate's document parser keeps the span of every key and
//! value; strings become quoted scalars and booleans and numbers plain
//! ones, so a TOML `true` and a YAML `true` read alike, and `"true"` stays
//! a string in both.

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, Span};
use crate::syntax::yaml::{Entry, Kind, Node, Scalar};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Parses a TOML document into one mapping node.
pub fn parse(file: FileId, text: &str) -> Result<Node, Diagnostic> {
    let table = DeTable::parse(text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        Diagnostic::parse_error(
            Span::new(file, range.start, range.end),
            format!("invalid TOML: {}", e.message().trim()),
        )
    })?;
    let span = table.span();
    Ok(table_node(file, table.get_ref(), span))
}

fn table_node(file: FileId, table: &DeTable<'_>, span: std::ops::Range<usize>) -> Node {
    let entries = table
        .iter()
        .map(|(key, value)| Entry {
            key: scalar(file, key.get_ref(), false, key.span()),
            value: node(file, value),
            merged: None,
        })
        .collect();
    Node {
        kind: Kind::Map(entries),
        span: Span::new(file, span.start, span.end),
        alias: None,
        tag: None,
    }
}

fn node(file: FileId, value: &Spanned<DeValue<'_>>) -> Node {
    let span = value.span();
    match value.get_ref() {
        DeValue::String(s) => scalar(file, s, false, span),
        DeValue::Integer(i) => scalar(file, &i.to_string(), true, span),
        DeValue::Float(f) => scalar(file, &f.to_string(), true, span),
        DeValue::Boolean(b) => scalar(file, if *b { "true" } else { "false" }, true, span),
        DeValue::Datetime(d) => scalar(file, &d.to_string(), false, span),
        DeValue::Array(items) => Node {
            kind: Kind::Seq(items.iter().map(|i| node(file, i)).collect()),
            span: Span::new(file, span.start, span.end),
            alias: None,
            tag: None,
        },
        DeValue::Table(t) => table_node(file, t, span),
    }
}

fn scalar(file: FileId, text: &str, plain: bool, span: std::ops::Range<usize>) -> Node {
    Node {
        kind: Kind::Scalar(Scalar {
            value: text.to_string(),
            plain,
        }),
        span: Span::new(file, span.start, span.end),
        alias: None,
        tag: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_keep_spans_and_types() {
        let text = "code = \"X001\"\nflag = true\n[when]\nequals = \"true\"\n";
        let root = parse(FileId(0), text).unwrap_or_else(|d| panic!("{}", d.message));
        let code = root.get("code").unwrap_or_else(|| panic!("code"));
        assert_eq!(
            text.get(code.span.start as usize..code.span.end as usize),
            Some("\"X001\"")
        );
        assert_eq!(
            root.get("flag").and_then(Node::as_bool),
            Some(true),
            "a TOML boolean is a real boolean"
        );
        assert_eq!(
            root.get("when.equals").and_then(Node::as_bool),
            None,
            "the string \"true\" is not"
        );
        let err = parse(FileId(0), "a = \n")
            .err()
            .map(|d| d.primary.span.start);
        assert_eq!(err, Some(4));
    }
}
