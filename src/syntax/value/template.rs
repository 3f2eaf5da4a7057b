//! Compose's interpolation syntax parsed into a [`Value`]: `$$`, `$NAME`,
//! `${NAME}` and `${NAME<op>arg}` (the argument may hold further
//! references), each piece with its span.

use super::*;
use crate::syntax::source::Span;

/// Where template text sits in its file: precise when the text is the
/// source bytes at `offset`, otherwise every piece takes `whole`.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub whole: Span,
    /// Byte offset of the text in the file, when text and source match.
    pub offset: Option<usize>,
}

impl Origin {
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        match self.offset {
            Some(base) => Span::new(self.whole.file, base + start, base + end),
            None => self.whole,
        }
    }
}

/// Parses compose interpolation: `$$`, `$NAME`, `${NAME}`, and
/// `${NAME<op>arg}` with `:-`, `-`, `:?`, `?`, `:+`, `+` (the argument may
/// hold further references).
pub fn parse_template(text: &str, origin: Origin) -> Result<Value, TemplateError> {
    let mut p = TemplateParser {
        text,
        pos: 0,
        origin,
        depth: 0,
    };
    let value = p.sequence(false)?;
    Ok(value)
}

pub(super) struct TemplateParser<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    pub(super) origin: Origin,
    pub(super) depth: usize,
}

pub(super) fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

pub(super) fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

impl TemplateParser<'_> {
    pub(super) fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// Pieces up to the end (or, inside `${...}`, up to its `}`).
    pub(super) fn sequence(&mut self, nested: bool) -> Result<Value, TemplateError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut lit_start = self.pos;
        while let Some(c) = self.rest().chars().next() {
            if nested && c == '}' {
                break;
            }
            if c != '$' {
                lit.push(c);
                self.pos += c.len_utf8();
                continue;
            }
            let rest = self.rest();
            if rest.starts_with("$$") {
                lit.push('$');
                self.pos += 2;
                continue;
            }
            let next = rest.get(1..).and_then(|r| r.chars().next());
            match next {
                Some('{') => {}
                Some(n) if is_name_start(n) => {}
                _ => {
                    // A lone `$` is literal text, as compose reads it.
                    lit.push('$');
                    self.pos += 1;
                    continue;
                }
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit {
                    text: std::mem::take(&mut lit),
                    span: self.origin.span(lit_start, self.pos),
                });
            }
            pieces.push(Piece::Var(self.reference()?));
            lit_start = self.pos;
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit {
                text: lit,
                span: self.origin.span(lit_start, self.pos),
            });
        }
        Ok(Value { pieces })
    }

    /// A reference starting at `$`.
    pub(super) fn reference(&mut self) -> Result<Var, TemplateError> {
        let start = self.pos;
        self.pos += 1;
        let braced = self.rest().starts_with('{');
        if braced {
            self.pos += 1;
        }
        let name_len = self
            .rest()
            .find(|c: char| !is_name_char(c))
            .unwrap_or(self.rest().len());
        let name = self.rest().get(..name_len).unwrap_or("").to_string();
        self.pos += name_len;
        if !braced {
            return Ok(Var {
                name,
                span: self.origin.span(start, self.pos),
                op: None,
                bound: None,
                local: false,
            });
        }
        // The message never quotes the value: it may be a secret.
        let invalid = |p: &Self, what: &str| TemplateError {
            span: p.origin.span(start, p.text.len()),
            message: format!("invalid interpolation {what}"),
        };
        if name.is_empty() || !name.starts_with(is_name_start) {
            return Err(invalid(self, "(a variable name must follow `${`)"));
        }
        let op = [
            (":-", Op::DefaultUnsetOrEmpty),
            (":?", Op::RequiredNonEmpty),
            (":+", Op::AltNonEmpty),
            ("-", Op::DefaultUnset),
            ("?", Op::Required),
            ("+", Op::Alt),
        ]
        .into_iter()
        .find(|(s, _)| self.rest().starts_with(s));
        let op = match op {
            Some((s, op)) => {
                self.pos += s.len();
                if self.depth >= MAX_TEMPLATE_DEPTH {
                    return Err(invalid(self, "(defaults nested too deeply)"));
                }
                self.depth += 1;
                let arg = self.sequence(true);
                self.depth -= 1;
                Some((op, arg?))
            }
            None => None,
        };
        if !self.rest().starts_with('}') {
            return Err(invalid(self, "(missing `}`)"));
        }
        self.pos += 1;
        Ok(Var {
            name,
            span: self.origin.span(start, self.pos),
            op,
            bound: None,
            local: false,
        })
    }
}
