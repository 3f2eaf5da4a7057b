//! Shell words as values: quotes removed, escapes applied, parameter
//! expansions (`${X:-default}`, `$1`) as variable pieces bound to what is
//! known, and the small operations the recognisers need on them.

use super::*;
use crate::syntax::source::Span;
use crate::syntax::value::{Op, Piece, Value, Var};
use brush_parser::ast::{self};
use brush_parser::word::{Parameter, ParameterExpr, ParameterTestType, WordPiece};
use std::sync::Arc;

impl Flow<'_> {
    /// A shell word as a value: quotes removed, escapes applied, every
    /// parameter expansion a variable piece bound to what is known.
    pub(super) fn word(&self, word: &ast::Word) -> Value {
        self.text_value(&word.value, self.span(word.loc.as_ref()))
    }

    /// Raw shell word text (also a `${X:-default}`'s default) as a value.
    pub(super) fn text_value(&self, raw: &str, span: Span) -> Value {
        let options = brush_parser::ParserOptions::default();
        let mut out = Vec::new();
        // Guarded like every call into brush-parser.
        match crate::syntax::shell::guarded(raw, || brush_parser::word::parse(raw, &options)) {
            Ok(Ok(pieces)) => {
                for p in pieces {
                    self.piece(&p.piece, span, &mut out);
                }
            }
            _ => out.push(Piece::Lit {
                text: raw.to_string(),
                span,
            }),
        }
        Value { pieces: merge(out) }
    }

    pub(super) fn piece(&self, piece: &WordPiece, span: Span, out: &mut Vec<Piece>) {
        match piece {
            WordPiece::Text(t) => out.push(Piece::Lit {
                text: unescape_unquoted(t),
                span,
            }),
            WordPiece::SingleQuotedText(t) | WordPiece::AnsiCQuotedText(t) => {
                out.push(Piece::Lit {
                    text: t.clone(),
                    span,
                });
            }
            WordPiece::EscapeSequence(t) => {
                out.push(Piece::Lit {
                    text: t.strip_prefix('\\').unwrap_or(t).to_string(),
                    span,
                });
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                for p in inner {
                    self.piece(&p.piece, span, out);
                }
            }
            WordPiece::TildeExpansion(_) => out.push(Piece::Lit {
                text: "~".into(),
                span,
            }),
            WordPiece::ParameterExpansion(expr) => out.push(Piece::Var(self.expansion(expr, span))),
            WordPiece::CommandSubstitution(command)
                if let Some(json) = self.jq_payload(command, span) =>
            {
                out.extend(json.pieces);
            }
            // The command itself is not shown: it may hold a secret.
            WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_) => {
                out.push(Piece::Var(Var {
                    name: "$(...)".into(),
                    span,
                    op: None,
                    bound: None,
                    local: false,
                }));
            }
            WordPiece::ArithmeticExpression(_) => {
                out.push(Piece::Var(Var {
                    name: "$((...))".into(),
                    span,
                    op: None,
                    bound: None,
                    local: false,
                }));
            }
        }
    }

    pub(super) fn expansion(&self, expr: &ParameterExpr, span: Span) -> Var {
        let (parameter, op) = match expr {
            ParameterExpr::Parameter { parameter, .. } => (parameter, None),
            ParameterExpr::UseDefaultValues {
                parameter,
                test_type,
                default_value,
                ..
            }
            | ParameterExpr::AssignDefaultValues {
                parameter,
                test_type,
                default_value,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::DefaultUnsetOrEmpty,
                    ParameterTestType::Unset => Op::DefaultUnset,
                };
                (
                    parameter,
                    Some((
                        op,
                        self.text_value(default_value.as_deref().unwrap_or(""), span),
                    )),
                )
            }
            ParameterExpr::IndicateErrorIfNullOrUnset {
                parameter,
                test_type,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::RequiredNonEmpty,
                    ParameterTestType::Unset => Op::Required,
                };
                (parameter, Some((op, Value::default())))
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                test_type,
                alternative_value,
                ..
            } => {
                let op = match test_type {
                    ParameterTestType::UnsetOrNull => Op::AltNonEmpty,
                    ParameterTestType::Unset => Op::Alt,
                };
                (
                    parameter,
                    Some((
                        op,
                        self.text_value(alternative_value.as_deref().unwrap_or(""), span),
                    )),
                )
            }
            _ => {
                return Var {
                    name: "${...}".into(),
                    span,
                    op: None,
                    bound: None,
                    local: false,
                };
            }
        };
        let (name, bound) = match parameter {
            Parameter::Named(n) => (n.clone(), self.lookup(n)),
            Parameter::Positional(i) => {
                let idx = usize::try_from(*i).unwrap_or(usize::MAX);
                let bound = idx.checked_sub(1).and_then(|k| {
                    self.scopes
                        .last()
                        .and_then(|s| s.positional.get(k))
                        .cloned()
                        .map(Arc::new)
                });
                (format!("{i}"), bound)
            }
            _ => ("${...}".into(), None),
        };
        Var {
            // The script's own variables are followed like any other, but
            // are not variables the deploy supplies.
            local: self.is_internal(&name),
            name,
            span,
            op,
            bound,
        }
    }
}

pub(super) fn unescape_unquoted(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Joins neighbouring literal pieces written at the same place (text
/// from elsewhere, such as a caller's argument, keeps its own span).
pub(super) fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (
                Some(Piece::Lit { text, span }),
                Piece::Lit {
                    text: next,
                    span: at,
                },
            ) if *span == at => {
                text.push_str(&next);
            }
            (_, p) => out.push(p),
        }
    }
    out
}

/// The literal text a value starts with (for flags and sub-commands).
pub(super) fn literal_prefix(v: &Value) -> String {
    match v.pieces.first() {
        Some(Piece::Lit { text, .. }) => text.clone(),
        _ => String::new(),
    }
}

/// `v` without a literal `prefix`.
pub(super) fn strip_literal_prefix(v: &Value, prefix: &str) -> Option<Value> {
    let Some(Piece::Lit { text, span }) = v.pieces.first() else {
        return None;
    };
    let rest = text.strip_prefix(prefix)?;
    let mut pieces = v.pieces.clone();
    if let Some(first) = pieces.first_mut() {
        *first = Piece::Lit {
            text: rest.to_string(),
            span: *span,
        };
    }
    Some(Value { pieces })
}

/// Splits a value at the first literal occurrence of `needle`: the part
/// before, and the literal text after it (within the same piece and on).
pub(super) fn split_at_literal(v: &Value, needle: &str) -> Option<(Value, Value)> {
    for (i, p) in v.pieces.iter().enumerate() {
        let Piece::Lit { text, span } = p else {
            continue;
        };
        let Some(at) = text.find(needle) else {
            continue;
        };
        let mut before: Vec<Piece> = v.pieces.get(..i).unwrap_or(&[]).to_vec();
        if at > 0 {
            before.push(Piece::Lit {
                text: text.get(..at).unwrap_or("").to_string(),
                span: *span,
            });
        }
        let mut after = vec![Piece::Lit {
            text: text.get(at + needle.len()..).unwrap_or("").to_string(),
            span: *span,
        }];
        after.extend(v.pieces.get(i + 1..).unwrap_or(&[]).iter().cloned());
        return Some((
            Value { pieces: before },
            Value {
                pieces: merge(after),
            },
        ));
    }
    None
}

/// `/<id>` → the id (up to `?`); `None` for an empty rest.
pub(super) fn trim_leading_slash(v: Value) -> Option<Value> {
    let mut v = strip_literal_prefix(&v, "/")?;
    let mut keep = Vec::new();
    for p in v.pieces.drain(..) {
        match p {
            Piece::Lit { text, span } => {
                let cut = text.split(['?', '/']).next().unwrap_or("").to_string();
                let stop = cut.len() < text.len();
                if !cut.is_empty() {
                    keep.push(Piece::Lit { text: cut, span });
                }
                if stop {
                    break;
                }
            }
            var => keep.push(var),
        }
    }
    (!keep.is_empty()).then_some(Value { pieces: keep })
}
