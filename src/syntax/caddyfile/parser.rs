//! Tokens → syntax tree, following Caddy's `parse.go`.
//!
//! A directive is the tokens of one logical line; `{` opens a block only
//! as the last token of its line and never on a line of its own; at the
//! level of a site a `}` closes the block only at the start of a line.
//! Site addresses may be separated by spaces or commas, and a trailing
//! comma continues the list on the next line. The first error ends the
//! parse of a file, as in Caddy, and is reported as a CFG001 diagnostic
//! with the span of the offending token.

use super::ast::{Block, Body, CaddyFile, Directive, Entry, TopItem};
use super::token::{Part, Token};
use crate::diag::Diagnostic;
use crate::syntax::source::Span;

/// Parses a file read at the top level of a Caddyfile.
pub fn parse_file(tokens: &[Token]) -> Result<CaddyFile, Diagnostic> {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        depth: 0,
    };
    let mut items = Vec::new();
    while p.pos < tokens.len() {
        items.push(p.top_item()?);
    }
    Ok(CaddyFile { items })
}

/// Parses a file imported inside a block: a list of directives.
pub fn parse_directives(tokens: &[Token]) -> Result<Vec<Directive>, Diagnostic> {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        depth: 0,
    };
    let mut body = Vec::new();
    while let Some(t) = p.peek() {
        if t.is_close_brace() {
            return Err(unmatched_close(t));
        }
        body.push(p.directive(Level::Site)?);
    }
    Ok(body)
}

/// Whether `}` in the middle of a line closes the block (inside a
/// directive's block) or is an error (in a site block), as in Caddy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Site,
    Nested,
}

/// Blocks nested deeper than this are refused: no real Caddyfile comes
/// near it, and every later stage walks blocks recursively.
pub const MAX_NESTING: usize = 100;

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    depth: usize,
}

fn on_new_line(prev: &Token, next: &Token) -> bool {
    prev.span.file != next.span.file || prev.via != next.via || prev.end_line < next.line
}

fn unmatched_close(t: &Token) -> Diagnostic {
    Diagnostic::parse_error(t.span, "Unexpected '}' because no matching opening brace")
        .with_label("this '}' closes nothing")
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    fn prev(&self) -> Option<&'a Token> {
        self.pos.checked_sub(1).and_then(|i| self.toks.get(i))
    }

    fn top_item(&mut self) -> Result<TopItem, Diagnostic> {
        let Some(first) = self.peek() else {
            return Ok(TopItem::Entry(Entry {
                keys: Vec::new(),
                body: Body::Unbraced(Vec::new()),
            }));
        };
        if first.is_bare("import") {
            return Ok(TopItem::Import(self.directive(Level::Site)?));
        }
        if first.is_close_brace() {
            return Err(unmatched_close(first));
        }
        let keys = self.addresses()?;
        let body = match self.peek() {
            Some(t) if t.is_open_brace() => {
                // Caddy reads a snippet's or named route's body by counting
                // braces only; a site's lines follow the directive rules.
                // Unlike a directive's block, a site block may start on the
                // line of its `{`.
                let defines = matches!(keys.as_slice(), [k] if k.text().ends_with(')'));
                let level = if defines { Level::Nested } else { Level::Site };
                Body::Braced(self.block(level)?)
            }
            Some(_) if !keys.is_empty() => {
                // Keys followed by directives without braces: Caddy reads
                // the rest of the file as this one site.
                let mut body = Vec::new();
                while let Some(t) = self.peek() {
                    if t.is_close_brace() {
                        return Err(unmatched_close(t));
                    }
                    body.push(self.directive(Level::Site)?);
                }
                Body::Unbraced(body)
            }
            _ => Body::Unbraced(Vec::new()),
        };
        Ok(TopItem::Entry(Entry { keys, body }))
    }

    /// Site addresses up to the `{` (or the end of their line).
    fn addresses(&mut self) -> Result<Vec<Token>, Diagnostic> {
        let mut keys = Vec::new();
        let mut expecting_another = false;
        while let Some(t) = self.peek() {
            let text = t.text();
            if text.starts_with('@') {
                return Err(Diagnostic::parse_error(
                    t.span,
                    format!(
                        "request matchers may not be defined globally, they must be in a site block; found {text}"
                    ),
                )
                .with_label("matcher definition outside a site block"));
            }
            if t.is_open_brace() {
                if expecting_another {
                    return Err(Diagnostic::parse_error(
                        t.span,
                        "Expected another address but had '{' - check for extra comma",
                    )
                    .with_label("an address was expected after the trailing comma"));
                }
                return Ok(keys);
            }
            if t.kind == super::token::TokenKind::Bare && text.ends_with('{') {
                return Err(Diagnostic::parse_error(
                    t.span,
                    format!(
                        "Site addresses cannot end with a curly brace: '{text}' - put a space between the token and the brace"
                    ),
                ));
            }
            if !text.is_empty() {
                let mut key = t.clone();
                // Commas inside a `{$VAR}` belong to its value, which may
                // list several addresses.
                if matches!(t.parts.last(), Some(Part::Lit(s)) if s.ends_with(',')) {
                    strip_trailing_comma(&mut key);
                    expecting_another = true;
                } else {
                    expecting_another = false;
                }
                let literal_comma = key
                    .parts
                    .iter()
                    .any(|p| matches!(p, Part::Lit(s) if s.contains(',')));
                if literal_comma {
                    return Err(Diagnostic::parse_error(
                        t.span,
                        format!(
                            "Site addresses cannot contain a comma ',': '{text}' - put a space after the comma to separate site addresses"
                        ),
                    ));
                }
                if !key.text().is_empty() {
                    keys.push(key);
                }
            }
            self.pos += 1;
            match self.peek() {
                None if expecting_another => {
                    return Err(Diagnostic::parse_error(
                        t.span,
                        "unexpected end of file: another site address was expected after the trailing comma",
                    ));
                }
                None => return Ok(keys),
                Some(next) if !expecting_another && on_new_line(t, next) => return Ok(keys),
                Some(_) => {}
            }
        }
        Ok(keys)
    }

    /// `{` ... `}`; the cursor is on the `{`.
    fn block(&mut self, level: Level) -> Result<Block, Diagnostic> {
        let open = self.peek().map(|t| t.span);
        let open = open.unwrap_or(Span::new(crate::syntax::source::FileId(0), 0, 0));
        if self.depth >= MAX_NESTING {
            return Err(Diagnostic::parse_error(
                open,
                format!("blocks nested deeper than {MAX_NESTING} levels"),
            )
            .with_label("this block is too deep"));
        }
        self.depth += 1;
        let result = self.block_body(open, level);
        self.depth -= 1;
        result
    }

    fn block_body(&mut self, open: Span, level: Level) -> Result<Block, Diagnostic> {
        self.pos += 1;
        let mut body = Vec::new();
        loop {
            let Some(t) = self.peek() else {
                return Err(Diagnostic::parse_error(
                    open,
                    "unexpected end of file: this '{' is never closed",
                )
                .with_label("block opened here"));
            };
            if t.is_close_brace() {
                self.pos += 1;
                return Ok(Block {
                    open,
                    close: t.span,
                    body,
                });
            }
            body.push(self.directive(level)?);
        }
    }

    /// One logical line and the block it opens.
    fn directive(&mut self, level: Level) -> Result<Directive, Diagnostic> {
        let mut tokens = Vec::new();
        if let Some(first) = self.peek() {
            if first.is_open_brace() {
                return Err(Diagnostic::parse_error(
                    first.span,
                    "anonymous blocks are not supported: a '{' must end the line of the directive it opens a block for",
                )
                .with_label("this '{' starts a line"));
            }
            tokens.push(first.clone());
            self.pos += 1;
        }
        while let Some(t) = self.peek() {
            let prev = self.prev();
            if t.is_open_brace() {
                if prev.is_some_and(|p| on_new_line(p, t)) {
                    return Err(Diagnostic::parse_error(
                        t.span,
                        "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?",
                    )
                    .with_label("this '{' opens a block for the line above"));
                }
                if let Some(next) = self.toks.get(self.pos + 1)
                    && !on_new_line(t, next)
                {
                    return Err(same_line_after_brace(next));
                }
                let block = self.block(Level::Nested)?;
                return Ok(Directive {
                    tokens,
                    block: Some(block),
                });
            }
            if prev.is_some_and(|p| on_new_line(p, t)) {
                break;
            }
            if t.is_bare("{}") {
                let at_end = self
                    .toks
                    .get(self.pos + 1)
                    .is_none_or(|n| on_new_line(t, n));
                if at_end {
                    return Err(
                        Diagnostic::parse_error(t.span, "Unexpected '{}' at end of line")
                            .with_help(
                                "put a space between the braces to open and close an empty block",
                            ),
                    );
                }
            }
            if t.is_close_brace() {
                match level {
                    Level::Site => return Err(unmatched_close(t)),
                    Level::Nested => break,
                }
            }
            tokens.push(t.clone());
            self.pos += 1;
        }
        Ok(Directive {
            tokens,
            block: None,
        })
    }
}

fn same_line_after_brace(next: &Token) -> Diagnostic {
    Diagnostic::parse_error(next.span, "Unexpected next token after '{' on same line")
        .with_label("a block's first line must start on the line after its '{'")
}

/// Drops a site address's trailing comma (it separates addresses).
pub(crate) fn strip_trailing_comma(token: &mut Token) {
    if let Some(Part::Lit(s)) = token.parts.last_mut() {
        s.pop();
    }
    if token.span.end > token.span.start {
        token.span.end -= 1;
    }
    token.parts = super::token::merge_literals(std::mem::take(&mut token.parts));
}

#[cfg(test)]
mod tests {
    use super::super::ast::EntryKind;
    use super::super::lexer::lex;
    use super::*;
    use crate::syntax::source::FileId;

    fn parse(src: &str) -> Result<CaddyFile, Diagnostic> {
        parse_file(&lex(FileId(0), src)?)
    }

    fn entries(src: &str) -> Vec<(EntryKind, Vec<String>, usize)> {
        let file = parse(src).unwrap_or_default();
        file.items
            .iter()
            .filter_map(|i| match i {
                TopItem::Entry(e) => Some((
                    e.kind(),
                    e.keys.iter().map(|t| t.text().into_owned()).collect(),
                    e.directives().len(),
                )),
                TopItem::Import(_) => None,
            })
            .collect()
    }

    fn error_line(src: &str) -> (String, u32) {
        match parse(src) {
            Ok(_) => panic!("expected a parse error"),
            Err(d) => {
                let line = src
                    .get(..d.primary.span.start as usize)
                    .map_or(0, |s| s.matches('\n').count() as u32 + 1);
                (d.message, line)
            }
        }
    }

    #[test]
    fn top_level_kinds() {
        let src = "{\n\tdebug\n}\n(snip) {\n\trespond hi\n}\n&(route) {\n\treverse_proxy a\n}\na.com, b.com {\n\timport snip\n}\n";
        assert_eq!(
            entries(src),
            vec![
                (EntryKind::GlobalOptions, vec![], 1),
                (EntryKind::Snippet, vec!["(snip)".into()], 1),
                (EntryKind::NamedRoute, vec!["&(route)".into()], 1),
                (EntryKind::Site, vec!["a.com".into(), "b.com".into()], 1),
            ]
        );
    }

    #[test]
    fn trailing_comma_continues_addresses_on_next_line() {
        assert_eq!(
            entries("a.com,\n  b.com {\n}\n"),
            vec![(EntryKind::Site, vec!["a.com".into(), "b.com".into()], 0)]
        );
    }

    #[test]
    fn unbraced_single_site_takes_the_rest_of_the_file() {
        assert_eq!(
            entries(":8080\n\nreverse_proxy a\nrespond b\n"),
            vec![(EntryKind::Site, vec![":8080".into()], 2)]
        );
    }

    #[test]
    fn nested_blocks_to_any_depth_and_plugin_directives() {
        let src = "a.com {\n\trate_limit {\n\t\tzone login {\n\t\t\tmatch {\n\t\t\t\tmethod POST\n\t\t\t}\n\t\t\tkey {remote_host}\n\t\t}\n\t}\n}\n";
        let file = parse(src).unwrap_or_default();
        let Some(TopItem::Entry(site)) = file.items.first() else {
            panic!("no site");
        };
        let rl = &site.directives()[0];
        let zone = &rl
            .block
            .as_ref()
            .map(|b| b.body.clone())
            .unwrap_or_default()[0];
        assert_eq!(zone.name(), "zone");
        let inner = zone.block.as_ref().map(|b| b.body.len());
        assert_eq!(inner, Some(2));
    }

    #[test]
    fn brace_errors_carry_the_right_line() {
        assert_eq!(
            error_line("a.com {\n\thandle\n\t{\n\t\trespond x\n\t}\n}\n").1,
            3
        );
        assert_eq!(error_line("a.com {\n\thandle { respond x }\n}\n").1, 2);
        assert_eq!(error_line("a.com {\n\trespond x }\n").1, 2);
        assert_eq!(error_line("a.com {\n\trespond x\n").1, 1);
        assert_eq!(error_line("@m {\n\tpath /x\n}\n").1, 1);
        assert!(error_line("a.com, {\n}\n").0.contains("extra comma"));
    }

    #[test]
    fn very_deep_nesting_is_an_error_not_a_crash() {
        let src = "a {\n".repeat(10_000) + &"}\n".repeat(10_000);
        let (message, line) = error_line(&src);
        assert!(message.contains("nested deeper"), "{message}");
        assert_eq!(line as usize, MAX_NESTING + 1);
    }

    #[test]
    fn top_level_blocks_may_start_on_the_brace_line() {
        assert!(parse("a.com { reverse_proxy b:80\n}\n").is_ok());
        assert!(parse("(cors) { header X y }\n").is_ok());
        assert!(parse("a.com { respond x }\n").is_err());
    }

    #[test]
    fn close_brace_mid_line_closes_nested_blocks() {
        let file = parse("a {\n\tb {\n\t\tc d }\n}\n");
        assert!(file.is_ok());
    }
}
