//! JSON read into the same spanned tree as YAML and TOML, so the Ory
//! loader reads a `kratos.json` as it reads a `kratos.yml`.
//!
//! `jsonc-parser` (strict: no comments, trailing commas or loose names)
//! keeps the byte range of every key and value; strings become quoted
//! scalars, numbers, booleans and `null` plain ones, as YAML reads them.

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, Span};
use crate::syntax::yaml::{Entry, Kind, Node, Scalar};
use jsonc_parser::ast;

/// Collections nested deeper than this are refused (the parser recurses).
const MAX_DEPTH: usize = 128;

/// Parses a JSON document into one node (`None` for an empty file).
pub fn parse(file: FileId, text: &str) -> Result<Option<Node>, Diagnostic> {
    // (Counting openers first keeps the usual file from a second scan.)
    let openers = text.bytes().filter(|b| matches!(b, b'{' | b'[')).count();
    if openers > MAX_DEPTH && nesting(text) > MAX_DEPTH {
        return Err(Diagnostic::parse_error(
            Span::new(file, 0, 0),
            format!("this JSON nests more than {MAX_DEPTH} deep; isolint does not read it"),
        ));
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &strict()).map_err(|e| {
        let range = e.range();
        Diagnostic::parse_error(
            Span::new(file, range.start, range.end),
            format!("invalid JSON: {}", e.kind()),
        )
    })?;
    Ok(parsed.value.as_ref().map(|v| node(file, v)))
}

/// jsonc-parser's options for plain JSON: no comments, trailing or
/// missing commas, loose names, single quotes or hexadecimal numbers.
pub fn strict() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        ..Default::default()
    }
}

/// The deepest nesting of `{` and `[` outside strings.
fn nesting(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'{' | b'[') => {
                depth += 1;
                max = max.max(depth);
            }
            (false, b'}' | b']') => depth = depth.saturating_sub(1),
            (false, _) => {}
        }
    }
    max
}

fn span(file: FileId, range: jsonc_parser::common::Range) -> Span {
    Span::new(file, range.start, range.end)
}

fn scalar(file: FileId, value: String, plain: bool, range: jsonc_parser::common::Range) -> Node {
    Node {
        kind: Kind::Scalar(Scalar { value, plain }),
        span: span(file, range),
        alias: None,
        tag: None,
    }
}

fn node(file: FileId, value: &ast::Value) -> Node {
    use jsonc_parser::common::Ranged;
    match value {
        ast::Value::StringLit(s) => scalar(file, s.value.to_string(), false, s.range),
        ast::Value::NumberLit(n) => scalar(file, n.value.to_string(), true, n.range),
        ast::Value::BooleanLit(b) => scalar(file, b.value.to_string(), true, b.range),
        ast::Value::NullKeyword(n) => scalar(file, "null".into(), true, n.range),
        ast::Value::Array(a) => Node {
            kind: Kind::Seq(a.elements.iter().map(|e| node(file, e)).collect()),
            span: span(file, a.range),
            alias: None,
            tag: None,
        },
        ast::Value::Object(o) => Node {
            kind: Kind::Map(
                o.properties
                    .iter()
                    .map(|p| Entry {
                        key: scalar(file, p.name.as_str().to_string(), false, p.name.range()),
                        value: node(file, &p.value),
                        merged: None,
                    })
                    .collect(),
            ),
            span: span(file, o.range),
            alias: None,
            tag: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_keep_their_spans() {
        let text = "{\n  \"session\": {\"cookie\": {\"domain\": \"shop.example.com\"}},\n  \"dev\": true\n}";
        let root = parse(FileId(0), text)
            .unwrap_or_else(|d| panic!("{}", d.message))
            .unwrap_or_else(|| panic!("empty"));
        let domain = root
            .get("session")
            .and_then(|s| s.get("cookie"))
            .and_then(|c| c.get("domain"))
            .unwrap_or_else(|| panic!("no domain"));
        assert_eq!(domain.as_str(), Some("shop.example.com"));
        let at = text.find("\"shop").unwrap_or(0);
        assert_eq!(
            (domain.span.start as usize, domain.span.end as usize),
            (at, at + 18)
        );
        assert_eq!(root.get("dev").and_then(Node::as_bool), Some(true));
    }

    #[test]
    fn invalid_json_is_a_diagnostic_at_its_place() {
        for bad in ["{\"a\": 1,}", "{a: 1}", "{\"a\": 1} // c", "[1, 2"] {
            let d = parse(FileId(0), bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} parsed"));
            assert!(
                d.message.starts_with("invalid JSON"),
                "{bad}: {}",
                d.message
            );
        }
        let deep = "[".repeat(10_000);
        assert!(parse(FileId(0), &deep).is_err());
    }
}
