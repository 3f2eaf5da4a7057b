//! The client id of a registration's JSON payload, read with a JSON
//! parser that keeps spans (`jsonc-parser`). A payload is a shell value:
//! literal text with variables in it (`'{"client_id": "'"$ID"'"}'`, a
//! `$PAYLOAD` assigned earlier, a heredoc, a file). Each variable that
//! holds JSON text is expanded into its pieces; any other stands in the
//! text as a placeholder, so an id held in a variable stays symbolic with
//! that variable, and literal text keeps its exact span.

use crate::syntax::source::Span;
use crate::syntax::value::{Piece, Value};

/// Variables holding JSON are expanded at most this deep.
const MAX_DEPTH: usize = 16;

/// Where a byte range of the parser's text came from.
enum Source {
    /// Literal text of a piece: the piece's text and span, and where in
    /// its text the range starts.
    Lit {
        text: String,
        span: Span,
        from: usize,
    },
    /// A variable piece, as a placeholder.
    Var(Piece),
}

/// A payload as one text for the parser, with the origin of each range.
#[derive(Default)]
struct Template {
    text: String,
    parts: Vec<(std::ops::Range<usize>, Source)>,
}

impl Template {
    fn add(&mut self, value: &Value, depth: usize) {
        for piece in &value.pieces {
            match piece {
                Piece::Lit { text, span } => {
                    let at = self.text.len();
                    self.text.push_str(text);
                    self.parts.push((
                        at..self.text.len(),
                        Source::Lit {
                            text: text.clone(),
                            span: *span,
                            from: 0,
                        },
                    ));
                }
                Piece::Var(v) => match v.bound.as_deref() {
                    // `-d "$PAYLOAD"`: the variable holds the JSON itself.
                    Some(b) if depth < MAX_DEPTH && holds_json(b) => self.add(b, depth + 1),
                    _ => {
                        let at = self.text.len();
                        // Private-use characters: valid inside a JSON
                        // string, and never in a real payload.
                        self.text.push('\u{E000}');
                        self.text.push_str(&self.parts.len().to_string());
                        self.text.push('\u{E001}');
                        self.parts
                            .push((at..self.text.len(), Source::Var(piece.clone())));
                    }
                },
            }
        }
    }

    /// The pieces of the template's bytes `range`: literal text with its
    /// exact span where it was written as is, variables as they are.
    fn pieces(&self, range: std::ops::Range<usize>) -> Vec<Piece> {
        let mut out = Vec::new();
        for (r, source) in &self.parts {
            let (start, end) = (r.start.max(range.start), r.end.min(range.end));
            if start >= end {
                continue;
            }
            match source {
                Source::Lit { text, span, from } => {
                    let (a, b) = (from + start - r.start, from + end - r.start);
                    out.push(Piece::Lit {
                        text: text.get(a..b).unwrap_or("").to_string(),
                        span: sub_span(*span, text, a, b - a),
                    });
                }
                Source::Var(p) => out.push(p.clone()),
            }
        }
        out
    }
}

/// Whether a variable's value is JSON structure rather than a scalar.
fn holds_json(v: &Value) -> bool {
    v.pieces
        .iter()
        .any(|p| matches!(p, Piece::Lit { text, .. } if text.contains(['{', '"'])))
}

/// The `client_id` of a JSON object payload; `None` when the payload is
/// not an object or names no id (Hydra then makes one up).
pub fn client_id(payload: &Value) -> Option<Value> {
    let mut template = Template::default();
    template.add(payload, 0);
    let options = crate::syntax::json::strict();
    let parsed =
        jsonc_parser::parse_to_ast(template.text.trim(), &Default::default(), &options).ok()?;
    // The parser saw the trimmed text: its offsets start after the lead.
    let lead = template.text.len() - template.text.trim_start().len();
    let jsonc_parser::ast::Value::Object(object) = parsed.value? else {
        return None;
    };
    let id = object.get_string("client_id")?;
    let (start, end) = (lead + id.range.start + 1, lead + id.range.end - 1);
    let raw = template.text.get(start..end)?;
    if raw != id.value {
        // Escapes in the string: its decoded text, at the string.
        let span = template.pieces(start..end).first().map(|p| match p {
            Piece::Lit { span, .. } => *span,
            Piece::Var(v) => v.span,
        })?;
        return Some(Value::literal(id.value.to_string(), span));
    }
    Some(Value {
        pieces: template.pieces(start..end),
    })
}

/// The span of `len` bytes at `from` in a literal written as is or in one
/// pair of quotes (`'{"client_id": "x"}'`); the whole literal's span when
/// its text was unescaped on the way (the offsets no longer match).
pub fn sub_span(span: Span, text: &str, from: usize, len: usize) -> Span {
    let width = (span.end - span.start) as usize;
    let lead = if width == text.len() {
        0
    } else if width == text.len() + 2 {
        1
    } else {
        return span;
    };
    let start = span.start as usize + lead + from;
    Span::new(span.file, start, start + len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::source::FileId;
    use crate::syntax::value::Var;
    use std::sync::Arc;

    fn lit(text: &str, start: usize) -> Piece {
        Piece::Lit {
            text: text.into(),
            span: Span::new(FileId(0), start, start + text.len()),
        }
    }

    fn var(name: &str, bound: Option<Value>) -> Piece {
        Piece::Var(Var {
            name: name.into(),
            span: Span::new(FileId(0), 0, 0),
            op: None,
            bound: bound.map(Arc::new),
            local: false,
        })
    }

    #[test]
    fn a_literal_id_has_its_exact_span() {
        let payload = Value {
            pieces: vec![lit(
                "{\"client_id\": \"site-iam\", \"scope\": \"openid\"}",
                10,
            )],
        };
        let id = client_id(&payload).unwrap_or_default();
        assert_eq!(id.text().as_deref(), Some("site-iam"));
        assert_eq!(id.span().map(|s| (s.start, s.end)), Some((25, 33)));
    }

    #[test]
    fn an_id_in_a_variable_stays_symbolic_and_a_payload_variable_is_walked_into() {
        let inner = Value {
            pieces: vec![
                lit("{\n  \"client_id\": \"app-", 0),
                var("SUFFIX", None),
                lit("\"\n}", 40),
            ],
        };
        let payload = Value {
            pieces: vec![var("PAYLOAD", Some(inner))],
        };
        let id = client_id(&payload).unwrap_or_default();
        assert_eq!(id.vars(), ["SUFFIX"]);
        assert_eq!(id.template_text(), "app-${SUFFIX}");
    }

    #[test]
    fn no_object_or_no_id_is_none_and_escapes_are_decoded() {
        for text in [
            "[1]",
            "{\"scope\": \"openid\"}",
            "not json",
            "{\"client_id\": 5}",
        ] {
            assert!(
                client_id(&Value {
                    pieces: vec![lit(text, 0)]
                })
                .is_none(),
                "{text}"
            );
        }
        let id = client_id(&Value {
            pieces: vec![lit("{\"client_id\": \"a\\u0062c\"}", 0)],
        });
        assert_eq!(id.and_then(|v| v.text()).as_deref(), Some("abc"));
    }
}
