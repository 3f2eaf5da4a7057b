//! The Caddyfile syntax tree: lines of tokens with optional blocks.
//!
//! Caddy's syntax is uniform: a *directive* is the tokens of one logical
//! line, optionally ending in `{` that opens a block of more directives.
//! Site blocks, snippets, named routes and the global options block are
//! the same shape at the top level, with their keys in place of a
//! directive name. Nothing here knows what a directive means, so plugin
//! directives parse like built-in ones.

use super::token::Token;
use crate::syntax::source::Span;

/// One logical line: a name and its arguments, and the block it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Never empty: the first token is the directive (or subdirective)
    /// name, or a matcher definition like `@api`.
    pub tokens: Vec<Token>,
    pub block: Option<Block>,
}

impl Directive {
    /// The directive's name as written (`""` never happens for a parsed
    /// directive, but expansion code may build one).
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        self.tokens.first().map(Token::text).unwrap_or_default()
    }

    pub fn args(&self) -> &[Token] {
        self.tokens.get(1..).unwrap_or(&[])
    }

    /// The span of the whole line, block included.
    pub fn span(&self) -> Option<Span> {
        let first = self.tokens.first()?.span;
        let last = match &self.block {
            Some(b) => b.close,
            None => self.tokens.last()?.span,
        };
        Some(first.to(last))
    }

    /// The span of the line's tokens only (without a block).
    pub fn line_span(&self) -> Option<Span> {
        let first = self.tokens.first()?.span;
        let last = self.tokens.last()?.span;
        Some(first.to(last))
    }
}

/// `{ ... }` and the directives inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub open: Span,
    pub close: Span,
    pub body: Vec<Directive>,
}

/// What a top-level entry is, decided by its keys as Caddy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `{ ... }` with no keys, first in the file.
    GlobalOptions,
    /// `(name) { ... }`
    Snippet,
    /// `&(name) { ... }`
    NamedRoute,
    /// One or more site addresses.
    Site,
}

/// A top-level item of one file, before imports are expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopItem {
    /// `import pattern-or-snippet args... [{ block }]` at the top level.
    Import(Directive),
    Entry(Entry),
}

/// A server block (or snippet, named route, global options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub keys: Vec<Token>,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The usual `{ ... }`.
    Braced(Block),
    /// A Caddyfile with one site and no braces: every line to the end of
    /// the file belongs to it.
    Unbraced(Vec<Directive>),
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        match self.keys.as_slice() {
            [] => EntryKind::GlobalOptions,
            [one] => {
                let text = one.text();
                if text.starts_with("&(") && text.ends_with(')') {
                    EntryKind::NamedRoute
                } else if text.len() >= 2 && text.starts_with('(') && text.ends_with(')') {
                    EntryKind::Snippet
                } else {
                    EntryKind::Site
                }
            }
            _ => EntryKind::Site,
        }
    }

    /// For a snippet or named route, its name without the parentheses.
    pub fn defined_name(&self) -> Option<String> {
        let text = self.keys.first()?.text();
        match self.kind() {
            EntryKind::Snippet => text.get(1..text.len() - 1).map(str::to_string),
            EntryKind::NamedRoute => text.get(2..text.len() - 1).map(str::to_string),
            _ => None,
        }
    }

    pub fn directives(&self) -> &[Directive] {
        match &self.body {
            Body::Braced(b) => &b.body,
            Body::Unbraced(d) => d,
        }
    }

    pub fn directives_mut(&mut self) -> &mut Vec<Directive> {
        match &mut self.body {
            Body::Braced(b) => &mut b.body,
            Body::Unbraced(d) => d,
        }
    }

    /// Span of the keys (or of the opening brace for global options).
    pub fn head_span(&self) -> Option<Span> {
        match (self.keys.first(), self.keys.last(), &self.body) {
            (Some(f), Some(l), _) => Some(f.span.to(l.span)),
            (_, _, Body::Braced(b)) => Some(b.open),
            _ => None,
        }
    }
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaddyFile {
    pub items: Vec<TopItem>,
}
