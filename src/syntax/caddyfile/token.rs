//! Caddyfile tokens and the `{$VAR}` environment placeholders inside them.
//!
//! Caddy substitutes `{$VAR}` / `{$VAR:default}` before it lexes. isolint
//! cannot know the deploy-time environment, so a token keeps its text as
//! written, split into literal parts and placeholder parts; a resolved text
//! is computed on demand from whatever environment is supplied, and a token
//! whose variables are unknown stays symbolic and remembers their names.

use crate::syntax::source::Span;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How a token was written; quoting matters because a quoted `{` is text,
/// not a brace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bare,
    Quoted,
    Backtick,
    Heredoc,
}

/// One piece of a token's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text (escapes already applied).
    Lit(String),
    /// `{$NAME}` or `{$NAME:default}`, with the span where it is written.
    Env {
        name: String,
        default: Option<String>,
        span: Span,
    },
}

/// A token with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub parts: Vec<Part>,
    /// Where the token is written.
    pub span: Span,
    /// Caddy's logical line: a `\` continuation keeps the line number, so
    /// tokens on a continued line belong to the same directive.
    pub line: u32,
    /// Logical line on which the token ends (multi-line quotes, heredocs).
    pub end_line: u32,
    /// The `import` lines this token was brought in through, innermost
    /// last. Empty for a token read where it is written.
    pub via: Arc<[Span]>,
    /// Variables whose known values were substituted into this token's
    /// text before lexing, as Caddy substitutes `{$VAR}` (see
    /// [`substitute_env`]), with the text as written.
    pub substituted: Option<Arc<Substitution>>,
}

/// What was substituted into a token before lexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    pub names: Vec<String>,
    /// The file's text at the token's span (placeholders as written).
    pub written: String,
}

impl Token {
    /// The token's text as written, placeholders included (borrowed for
    /// the common token without placeholders).
    pub fn text(&self) -> Cow<'_, str> {
        if let Some(sub) = &self.substituted {
            return Cow::Borrowed(&sub.written);
        }
        if let [Part::Lit(s)] = self.parts.as_slice() {
            return Cow::Borrowed(s);
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Env { name, default, .. } => {
                    out.push_str("{$");
                    out.push_str(name);
                    if let Some(d) = default {
                        out.push(':');
                        out.push_str(d);
                    }
                    out.push('}');
                }
            }
        }
        Cow::Owned(out)
    }

    /// True for an unquoted token whose whole text is `s`.
    pub fn is_bare(&self, s: &str) -> bool {
        self.kind == TokenKind::Bare && matches!(self.parts.as_slice(), [Part::Lit(t)] if t == s)
    }

    pub fn is_open_brace(&self) -> bool {
        self.is_bare("{")
    }

    pub fn is_close_brace(&self) -> bool {
        self.is_bare("}")
    }

    /// The literal text when the token has no placeholder.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The variable names this token depends on, in order of appearance.
    pub fn vars(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .substituted
            .as_ref()
            .map(|s| s.names.clone())
            .unwrap_or_default();
        for part in &self.parts {
            if let Part::Env { name, .. } = part
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        }
        out
    }

    /// Resolves the placeholders from `env`. A variable missing from `env`
    /// takes its default when it has one; the text is `None` only when some
    /// variable has neither.
    pub fn resolve(&self, env: &Env) -> Resolved {
        let mut text = String::new();
        let mut known = true;
        for part in &self.parts {
            match part {
                Part::Lit(s) => text.push_str(s),
                Part::Env { name, default, .. } => match (env.get(name), default) {
                    (Some(v), _) => text.push_str(v),
                    (None, Some(d)) => text.push_str(d),
                    (None, None) => known = false,
                },
            }
        }
        Resolved {
            text: known.then_some(text),
            vars: self.vars(),
        }
    }

    /// The span to show for this token: where it is written.
    pub fn origin(&self) -> Span {
        self.span
    }
}

/// A token's value under a given environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `None` when a variable without default is unknown.
    pub text: Option<String>,
    /// Every variable the value depends on.
    pub vars: Vec<String>,
}

/// Known variable values (from `--var`, `--env-file`, or the environment
/// of the compose service that runs Caddy).
pub type Env = BTreeMap<String, String>;

/// One `{$NAME}` / `{$NAME:default}` placeholder in a text.
struct Placeholder<'t> {
    /// Byte range of the whole placeholder.
    range: std::ops::Range<usize>,
    name: &'t str,
    default: Option<&'t str>,
}

/// The placeholders of `text`, as Caddy's `replaceEnvVars` finds them:
/// `{$` up to the first `}`, the name before the first `:`, the default
/// after it; an empty `{$}` is skipped.
fn placeholders(text: &str) -> impl Iterator<Item = Placeholder<'_>> {
    let mut search = 0;
    std::iter::from_fn(move || {
        loop {
            let begin = search + text.get(search..)?.find("{$")?;
            let close = text.get(begin + 2..)?.find('}')?;
            let end = begin + 2 + close + 1;
            search = end;
            let inner = text.get(begin + 2..end - 1).unwrap_or("");
            if inner.is_empty() {
                continue;
            }
            let (name, default) = match inner.split_once(':') {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            return Some(Placeholder {
                range: begin..end,
                name,
                default,
            });
        }
    })
}

/// A file's text with the known `{$VAR}` placeholders substituted, as
/// Caddy substitutes them before it lexes (so a value holding spaces,
/// quotes, `#` or a newline is lexed as if written there), and how its
/// offsets map back to the file.
#[derive(Debug)]
pub struct Substituted {
    pub text: String,
    /// (start in `text`, end in `text`, the placeholder's span in the
    /// file, its variable), for each substituted placeholder, in order.
    pub values: Vec<(usize, usize, std::ops::Range<usize>, String)>,
}

impl Substituted {
    /// The file offset of `pos` in the substituted text: inside a value,
    /// its placeholder's start (`end`: its end).
    pub fn original(&self, pos: usize, end: bool) -> usize {
        let mut shift: isize = 0;
        for (s, e, orig, _) in &self.values {
            if pos < *s || (end && pos == *s) {
                break;
            }
            if pos < *e || (end && pos == *e) {
                return if end { orig.end } else { orig.start };
            }
            shift = orig.end as isize - *e as isize;
        }
        pos.saturating_add_signed(shift)
    }

    /// The variables whose values the text range `start..end` holds.
    pub fn names(&self, start: usize, end: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (s, e, _, name) in &self.values {
            if *s < end && start < *e && !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }
}

/// Substitutes the placeholders whose value `env` knows (or that have a
/// default), as Caddy's `replaceEnvVars` finds them: `{$` up to the first
/// `}`, the name before the first `:`. A variable with neither stays
/// written (symbolic: only known at deploy time). `None` when nothing is
/// substituted.
pub fn substitute_env(text: &str, env: &Env) -> Option<Substituted> {
    let mut out = Substituted {
        text: String::with_capacity(text.len()),
        values: Vec::new(),
    };
    let mut copied = 0;
    for p in placeholders(text) {
        let Some(value) = env.get(p.name).map(String::as_str).or(p.default) else {
            continue;
        };
        out.text
            .push_str(text.get(copied..p.range.start).unwrap_or(""));
        let at = out.text.len();
        out.text.push_str(value);
        copied = p.range.end;
        out.values
            .push((at, out.text.len(), p.range, p.name.to_string()));
    }
    if out.values.is_empty() {
        return None;
    }
    out.text.push_str(text.get(copied..).unwrap_or(""));
    Some(out)
}

/// Splits `raw` (source text of a token's content starting at byte
/// `offset` of `file`) into literal and `{$VAR}` parts, as Caddy's
/// `replaceEnvVars` finds them: `{$` up to the first `}`, the name before
/// the first `:` and the default after it. Literal pieces go through
/// `unescape`.
pub fn split_env(
    raw: &str,
    file: crate::syntax::source::FileId,
    offset: usize,
    unescape: impl Fn(&str) -> String,
) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit_start = 0;
    for p in placeholders(raw) {
        if p.range.start > lit_start {
            parts.push(Part::Lit(unescape(
                raw.get(lit_start..p.range.start).unwrap_or(""),
            )));
        }
        parts.push(Part::Env {
            name: p.name.to_string(),
            default: p.default.map(str::to_string),
            span: Span::new(file, offset + p.range.start, offset + p.range.end),
        });
        lit_start = p.range.end;
    }
    if lit_start < raw.len() || parts.is_empty() {
        parts.push(Part::Lit(unescape(raw.get(lit_start..).unwrap_or(""))));
    }
    merge_literals(parts)
}

/// Joins adjacent literal parts (after substitutions) into one.
pub fn merge_literals(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last_mut(), part) {
            (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(&next),
            (_, part) => out.push(part),
        }
    }
    if out.len() > 1 {
        out.retain(|p| !matches!(p, Part::Lit(s) if s.is_empty()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::source::FileId;

    fn tok(raw: &str) -> Token {
        Token {
            substituted: None,
            kind: TokenKind::Bare,
            parts: split_env(raw, FileId(0), 0, str::to_string),
            span: Span::new(FileId(0), 0, raw.len()),
            line: 1,
            end_line: 1,
            via: Arc::from(Vec::new()),
        }
    }

    #[test]
    fn env_placeholders_are_split_out_with_spans() {
        let t = tok("https://{$HOST}:{$PORT:8080}/x");
        assert_eq!(t.vars(), vec!["HOST", "PORT"]);
        assert_eq!(t.text(), "https://{$HOST}:{$PORT:8080}/x");
        match &t.parts[1] {
            Part::Env { span, .. } => assert_eq!((span.start, span.end), (8, 15)),
            other => panic!("unexpected part {other:?}"),
        }
    }

    #[test]
    fn resolution_uses_env_then_default_else_stays_symbolic() {
        let t = tok("{$HOST}:{$PORT:8080}");
        assert_eq!(t.resolve(&Env::new()).text, None);
        let mut env = Env::new();
        env.insert("HOST".into(), "ciam.example.com".into());
        assert_eq!(
            t.resolve(&env).text.as_deref(),
            Some("ciam.example.com:8080")
        );
        env.insert("PORT".into(), "9".into());
        assert_eq!(t.resolve(&env).text.as_deref(), Some("ciam.example.com:9"));
    }

    #[test]
    fn runtime_placeholders_and_empty_names_stay_literal() {
        let t = tok("{host}{$}{http.request.uri}");
        assert_eq!(t.literal(), Some("{host}{$}{http.request.uri}"));
        assert!(t.vars().is_empty());
    }
}
