//! Tokens from the pest grammar, with Caddy's line numbering.
//!
//! The grammar (`grammar/caddyfile.pest`) recognises every token and the
//! malformed constructs; this module turns its pairs into [`Token`]s,
//! applies each kind's escapes, strips heredoc indentation, and counts
//! lines the way Caddy's lexer does so that the parser can tell which
//! tokens share a (logical) line.

use super::token::{Part, Token, TokenKind, split_env};
use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, Span};
use pest::Parser;
use pest::iterators::Pair;
use std::sync::Arc;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/caddyfile.pest"]
struct CaddyfileGrammar;

/// Lexes a whole file. `text` may start with a byte order mark, which is
/// skipped as Caddy does.
pub fn lex(file: FileId, text: &str) -> Result<Vec<Token>, Diagnostic> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(bom..).unwrap_or("");
    let pairs = CaddyfileGrammar::parse(Rule::file, body).map_err(|e| {
        // The grammar accepts every input; this is a defect, reported as a
        // parse error at the position pest gives rather than a panic.
        let at = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        Diagnostic::parse_error(
            Span::new(file, bom + at, bom + at),
            format!("cannot tokenize this Caddyfile: {}", e.variant.message()),
        )
    })?;
    let mut lx = Lexer {
        file,
        base: bom,
        line: 1,
        skipped: 0,
        tokens: Vec::new(),
        via: Arc::from(Vec::new()),
    };
    for pair in pairs.flatten() {
        lx.pair(pair)?;
    }
    Ok(lx.tokens)
}

/// Lexes a file as Caddy does once its known `{$VAR}` values are
/// substituted (see [`substitute_env`]): spans point into the file (a
/// token from a value at its placeholder), and each token names the
/// variables substituted into it.
pub fn lex_with_env(
    file: FileId,
    text: &str,
    env: &super::token::Env,
) -> Result<Vec<Token>, Diagnostic> {
    let Some(sub) = super::token::substitute_env(text, env) else {
        return lex(file, text);
    };
    let remap = |span: Span| {
        let (s, e) = (span.start as usize, span.end as usize);
        Span::new(
            file,
            sub.original(s, false),
            sub.original(e, true).max(sub.original(s, false)),
        )
    };
    let mut tokens = lex(file, &sub.text).map_err(|mut d| {
        d.primary.span = remap(d.primary.span);
        for l in &mut d.related {
            l.span = remap(l.span);
        }
        d
    })?;
    for t in &mut tokens {
        let names = sub.names(t.span.start as usize, t.span.end as usize);
        t.span = remap(t.span);
        if !names.is_empty() {
            let written = text
                .get(t.span.start as usize..t.span.end as usize)
                .unwrap_or("")
                .to_string();
            t.substituted = Some(Arc::new(super::token::Substitution { names, written }));
        }
        for part in &mut t.parts {
            if let Part::Env { span, .. } = part {
                *span = remap(*span);
            }
        }
    }
    Ok(tokens)
}

struct Lexer {
    file: FileId,
    base: usize,
    line: u32,
    skipped: u32,
    tokens: Vec<Token>,
    via: Arc<[Span]>,
}

impl Lexer {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn pair_span(&self, pair: &Pair<Rule>) -> Span {
        self.span(pair.as_span().start(), pair.as_span().end())
    }

    /// Handles one pair of the flattened parse; inner pairs of tokens are
    /// visited too and ignored here (their parents read them).
    fn pair(&mut self, pair: Pair<Rule>) -> Result<(), Diagnostic> {
        match pair.as_rule() {
            Rule::newline => {
                self.line += 1 + self.skipped;
                self.skipped = 0;
            }
            Rule::continuation => self.skipped += 1,
            Rule::bare => {
                let text = pair.as_str();
                let span = self.pair_span(&pair);
                if text == "<<" {
                    return Err(Diagnostic::parse_error(
                        span,
                        "heredoc marker missing: `<<` must be followed directly by a marker such as <<END and a newline",
                    )
                    .with_label("`<<` followed by a space")
                    .with_help("write `<<END`, the text on the next lines, then `END`; quote the token (\"<<\") if you meant two angle brackets"));
                }
                let parts = split_env(text, self.file, span.start as usize, unescape_bare);
                self.push(TokenKind::Bare, parts, span, 0);
            }
            Rule::open_brace | Rule::close_brace => {
                let span = self.pair_span(&pair);
                self.push(
                    TokenKind::Bare,
                    vec![Part::Lit(pair.as_str().to_string())],
                    span,
                    0,
                );
            }
            Rule::quoted => self.quoted(pair, TokenKind::Quoted, unescape_quoted),
            Rule::backtick => self.quoted(pair, TokenKind::Backtick, str::to_string),
            Rule::heredoc => self.heredoc(pair)?,
            Rule::quoted_unclosed | Rule::backtick_unclosed => {
                let span = self.pair_span(&pair);
                let quote = if pair.as_rule() == Rule::quoted_unclosed {
                    "\""
                } else {
                    "`"
                };
                return Err(Diagnostic::parse_error(
                    Span::new(self.file, span.start as usize, span.start as usize + 1),
                    format!("unclosed quote: this {quote} is never closed"),
                )
                .with_label("the quoted token starts here and runs to the end of the file"));
            }
            Rule::heredoc_unclosed => {
                let (open, marker) = self.heredoc_opening(pair, Rule::heredoc_marker);
                return Err(Diagnostic::parse_error(
                    open,
                    format!(
                        "incomplete heredoc <<{marker}: the ending marker {marker} never appears"
                    ),
                )
                .with_label("heredoc opened here"));
            }
            Rule::heredoc_bad_marker => {
                let (open, marker) = self.heredoc_opening(pair, Rule::heredoc_bad_text);
                let message = if marker.is_empty() {
                    "missing opening heredoc marker: `<<` must be followed by a marker of letters, digits, dashes and underscores".to_string()
                } else if marker.starts_with('<') {
                    "too many '<' for heredoc; only use two, for example <<END".to_string()
                } else {
                    format!(
                        "heredoc marker must contain only alphanumeric characters, dashes and underscores; got '{marker}'"
                    )
                };
                return Err(Diagnostic::parse_error(open, message).with_label("bad heredoc marker"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The span of a heredoc's `<<MARKER` and the marker's text, read from
    /// the inner pair of rule `marker`.
    fn heredoc_opening<'i>(&self, pair: Pair<'i, Rule>, marker: Rule) -> (Span, &'i str) {
        let span = self.pair_span(&pair);
        let text = pair
            .into_inner()
            .find(|p| p.as_rule() == marker)
            .map_or("", |p| p.as_str());
        let start = span.start as usize;
        (Span::new(self.file, start, start + 2 + text.len()), text)
    }

    /// A closed `"..."` or `` `...` `` token, which may span lines.
    fn quoted(&mut self, pair: Pair<Rule>, kind: TokenKind, unescape: fn(&str) -> String) {
        let span = self.pair_span(&pair);
        let inner = pair.into_inner().next();
        let (raw, at) = inner.map_or(("", span.start as usize + 1), |p| {
            (p.as_str(), self.base + p.as_span().start())
        });
        let breaks = count_newlines(raw);
        let parts = split_env(raw, self.file, at, unescape);
        self.push(kind, parts, span, breaks);
        self.advance_lines(breaks);
    }

    fn push(&mut self, kind: TokenKind, parts: Vec<Part>, span: Span, breaks: u32) {
        self.tokens.push(Token {
            substituted: None,
            kind,
            parts,
            span,
            line: self.line,
            end_line: self.line + breaks,
            via: self.via.clone(),
        });
    }

    fn advance_lines(&mut self, breaks: u32) {
        if breaks > 0 {
            self.line += breaks + self.skipped;
            self.skipped = 0;
        }
    }

    /// A closed heredoc: strips the closing marker's indentation from every
    /// line, as Caddy's `finalizeHeredoc` does, and reports a line that does
    /// not start with it.
    fn heredoc(&mut self, pair: Pair<Rule>) -> Result<(), Diagnostic> {
        let span = self.pair_span(&pair);
        let mut marker = "";
        let mut body = "";
        let mut body_start = span.start as usize;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::heredoc_marker => marker = inner.as_str(),
                Rule::heredoc_body => {
                    body = inner.as_str();
                    body_start = self.base + inner.as_span().start();
                }
                _ => {}
            }
        }
        let (content, padding) = match body.rfind('\n') {
            Some(i) => (
                body.get(..=i).unwrap_or(""),
                body.get(i + 1..).unwrap_or(""),
            ),
            None => ("", body),
        };
        let mut out = String::new();
        let mut offset = body_start;
        let mut lines: Vec<&str> = content.split('\n').collect();
        lines.pop(); // the piece after the last newline belongs to the marker line
        for (n, line) in lines.iter().enumerate() {
            let line_span = Span::new(self.file, offset, offset + line.len());
            offset += line.len() + 1;
            if line.is_empty() || *line == "\r" {
                out.push('\n');
                continue;
            }
            let Some(rest) = line.strip_prefix(padding) else {
                // The text is not quoted: `{$VAR}` values are already
                // substituted in it, and one may be a secret.
                return Err(Diagnostic::parse_error(
                    line_span,
                    format!(
                        "mismatched leading whitespace in heredoc <<{marker}: line #{} does not start with the indentation of the closing marker",
                        self.line as usize + n + 1
                    ),
                )
                .with_label("this line does not start with the closing marker's indentation")
                .with_related(
                    Span::new(self.file, offset_of_marker(body_start, body), offset_of_marker(body_start, body) + padding.len() + marker.len()),
                    "the closing marker, whose indentation every line must share",
                ));
            };
            out.push_str(&rest.replace('\r', ""));
            out.push('\n');
        }
        // A line that does not share the marker's indentation is what
        // Caddy reports first.
        if !padding.trim().is_empty() {
            let at = offset_of_marker(body_start, body) + padding.len();
            return Err(Diagnostic::parse_error(
                Span::new(self.file, at, at + marker.len()),
                format!(
                    "heredoc <<{marker} ends in the middle of a line: Caddy ends a heredoc at the first {marker}, so its end marker must stand alone on its line"
                ),
            )
            .with_label("the heredoc ends here, after text on the same line"));
        }
        if out.ends_with('\n') {
            out.pop();
        }
        // Caddy counts the newline after the marker and every newline of
        // the body; the next token's line follows the closing marker.
        let breaks = 1 + count_newlines(body);
        // Placeholders are found in the dedented text; each points at the
        // whole heredoc, since dedenting moved them from their bytes.
        let parts = split_env(&out, self.file, 0, str::to_string)
            .into_iter()
            .map(|p| match p {
                Part::Env { name, default, .. } => Part::Env {
                    name,
                    default,
                    span,
                },
                lit => lit,
            })
            .collect();
        self.push(TokenKind::Heredoc, parts, span, breaks);
        self.skipped += breaks;
        self.line += self.skipped;
        self.skipped = 0;
        Ok(())
    }
}

fn offset_of_marker(body_start: usize, body: &str) -> usize {
    body_start + body.rfind('\n').map_or(0, |i| i + 1)
}

fn count_newlines(s: &str) -> u32 {
    u32::try_from(s.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

/// Applies a backslash escape that only matters before `escaped`: `\` +
/// `escaped` becomes `escaped`, every other backslash stays, and `\\` is a
/// pair. Outside quotes that character is `<` (the escape only stops a
/// heredoc from starting); inside double quotes it is `"`.
fn unescape(raw: &str, escaped: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next) if next == escaped => out.push(next),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn unescape_bare(raw: &str) -> String {
    unescape(raw, '<')
}

fn unescape_quoted(raw: &str) -> String {
    unescape(raw, '"')
}

#[cfg(test)]
mod tests;
