//! `.env` files with compose's semantics (compose-go's dotenv parser):
//! `KEY=value` or `KEY: value`, `export KEY=...`, single quotes (literal),
//! double quotes (escapes, interpolation, several lines), ` #` comments
//! after unquoted values, empty values, a bare `KEY` taken from the outer
//! environment, and `${VAR}` interpolation of earlier keys.

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, Span};
use crate::syntax::value::{Origin, Value, parse_template};
use std::sync::Arc;

/// One `KEY=value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    pub key_span: Span,
    /// `None` for a bare `KEY`, whose value comes from the outer
    /// environment and is not known here.
    pub value: Option<Value>,
}

/// A parsed `.env` file; later entries win.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DotEnv {
    pub entries: Vec<EnvEntry>,
}

/// Looks a variable up in some outer environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<Arc<Value>>;

impl DotEnv {
    /// The value of `key` (the last definition).
    /// A bare `KEY` whose outer value is unknown does not hide an earlier
    /// `KEY=...`, as in compose.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key == key && e.value.is_some())
            .and_then(|e| e.value.as_ref())
    }
}

/// Parses `text`; `outer` supplies variables not defined earlier in the
/// file (and the values of bare `KEY` lines).
pub fn parse(file: FileId, text: &str, outer: Lookup) -> Result<DotEnv, Diagnostic> {
    // A UTF-8 byte order mark is skipped, as compose does.
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = DotEnvParser {
        file,
        text,
        pos: start,
        env: DotEnv::default(),
        known: std::collections::HashMap::new(),
    };
    p.run(outer)?;
    Ok(p.env)
}

struct DotEnvParser<'a> {
    file: FileId,
    text: &'a str,
    pos: usize,
    env: DotEnv,
    /// Values defined so far, for interpolation of later lines.
    known: std::collections::HashMap<String, Arc<Value>>,
}

/// compose-go's `isSpace`: white space other than a newline.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

impl<'a> DotEnvParser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// A diagnostic at `start..end`, kept inside the text.
    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> Diagnostic {
        let len = self.text.len();
        Diagnostic::parse_error(self.span(start.min(len), end.min(len)), message)
    }

    fn run(&mut self, outer: Lookup) -> Result<(), Diagnostic> {
        loop {
            // Skip white space, blank lines and comment lines.
            let skip = self
                .rest()
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(self.rest().len());
            self.pos += skip;
            if self.rest().is_empty() {
                return Ok(());
            }
            if self.rest().starts_with('#') {
                self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
                continue;
            }
            self.statement(outer)?;
        }
    }

    fn statement(&mut self, outer: Lookup) -> Result<(), Diagnostic> {
        if let Some(after) = self.rest().strip_prefix("export")
            && after.starts_with(|c: char| c.is_whitespace())
        {
            self.pos += 6;
            self.pos += self
                .rest()
                .find(|c: char| !is_space(c))
                .unwrap_or(self.rest().len());
        }
        let key_start = self.pos;
        let mut terminator = None;
        for (i, c) in self.rest().char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    terminator = Some((i, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                other => {
                    return Err(self
                        .error(
                            self.pos + i,
                            self.pos + i + other.len_utf8(),
                            // Only the name so far: the rest of the line may
                            // be a secret.
                            format!(
                                "unexpected character {other:?} in variable name {:?}",
                                self.text.get(key_start..self.pos + i).unwrap_or("")
                            ),
                        )
                        .with_label("not allowed in a variable name"));
                }
            }
        }
        let (key_len, inherited) = match terminator {
            Some((i, c)) => (i, c == '\n'),
            None => (self.rest().len(), true),
        };
        let raw_key = self.rest().get(..key_len).unwrap_or("");
        let key = raw_key.trim_end().to_string();
        let key_span = self.span(key_start, key_start + key.len());
        if key.contains(char::is_whitespace) {
            return Err(self
                .error(
                    key_start,
                    key_start + key.len(),
                    "a variable name cannot contain a space",
                )
                .with_label("this name"));
        }
        if key.is_empty() {
            return Err(self
                .error(
                    key_start,
                    key_start + 1,
                    "a line must start with a variable name",
                )
                .with_label("no name before this"));
        }
        self.pos += key_len;
        if inherited {
            let value = outer(&key).map(|v| (*v).clone());
            self.env.entries.push(EnvEntry {
                key,
                key_span,
                value,
            });
            return Ok(());
        }
        self.pos += 1; // '=' or ':'
        self.pos += self
            .rest()
            .find(|c: char| !is_space(c))
            .unwrap_or(self.rest().len());
        let value = match self.rest().chars().next() {
            Some(q @ ('"' | '\'')) => self.quoted(q)?,
            _ => self.unquoted()?,
        };
        let mut value = value;
        if !value.is_literal() {
            // compose-go looks in the outer environment first, then at
            // the earlier lines of the file.
            let known = &self.known;
            value.bind(&|name| outer(name).or_else(|| known.get(name).cloned()));
        }
        self.known.insert(key.clone(), Arc::new(value.clone()));
        self.env.entries.push(EnvEntry {
            key,
            key_span,
            value: Some(value),
        });
        Ok(())
    }

    /// To the end of the line; ` #` starts a comment; trailing space goes.
    fn unquoted(&mut self) -> Result<Value, Diagnostic> {
        let start = self.pos;
        let line = self.rest().split('\n').next().unwrap_or("");
        self.pos += line.len();
        let value = line.split(" #").next().unwrap_or("").trim_end();
        self.template(value, start, true)
    }

    /// `'...'` (literal) or `"..."` (escapes and interpolation), possibly
    /// over several lines. A backslash escapes the quote in both.
    fn quoted(&mut self, quote: char) -> Result<Value, Diagnostic> {
        let start = self.pos;
        let mut chars = String::new();
        let mut escape = false;
        for (i, c) in self.rest().char_indices().skip(1) {
            if c != quote || escape {
                if escape {
                    escape = false;
                    if c != quote {
                        chars.push('\\');
                    }
                } else if c == '\\' {
                    escape = true;
                    continue;
                }
                chars.push(c);
                continue;
            }
            let end = self.pos + i + 1;
            self.pos = end;
            let whole = self.span(start, end);
            if quote == '\'' {
                return Ok(Value::literal(chars, whole));
            }
            let expanded = expand_escapes(&chars);
            return parse_template(
                &expanded,
                Origin {
                    whole,
                    offset: None,
                },
            )
            .map_err(|e| Diagnostic::parse_error(e.span, e.message).with_label("in this value"));
        }
        let line_end = self.rest().find('\n').unwrap_or(self.rest().len());
        Err(self
            .error(
                start,
                start + 1,
                format!("unterminated quoted value: this {quote} is never closed"),
            )
            .with_related(
                self.span(start, self.pos + line_end),
                "the value starts here",
            ))
    }

    fn template(&self, text: &str, start: usize, precise: bool) -> Result<Value, Diagnostic> {
        let whole = self.span(start, start + text.len());
        let origin = Origin {
            whole,
            offset: precise.then_some(start),
        };
        parse_template(text, origin)
            .map_err(|e| Diagnostic::parse_error(e.span, e.message).with_label("in this value"))
    }
}

/// Double-quote escapes: `\n`, `\t`, `\r`, `\a`, `\b`, `\f`, `\v`, `\\`,
/// `\"`, and `\$` for a literal dollar; anything else stays as written.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('$') => out.push_str("$$"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<Arc<Value>> {
        None
    }

    fn env(src: &str) -> DotEnv {
        parse(FileId(0), src, &none).unwrap_or_else(|d| panic!("{}", d.message))
    }

    fn text(e: &DotEnv, key: &str) -> Option<String> {
        e.get(key).and_then(Value::text)
    }

    #[test]
    fn compose_forms() {
        let e = env(concat!(
            "# comment\n",
            "PLAIN=value\n",
            "export EXPORTED=yes\n",
            "SPACED = padded   \n",
            "COLON: yaml-like\n",
            "EMPTY=\n",
            "INLINE=abc #comment\n",
            "HASH=abc#not-a-comment\n",
            "SINGLE='lit ${PLAIN} \\n'\n",
            "DOUBLE=\"a\\tb ${PLAIN} \\$HOME\"\n",
            "MULTI=\"line1\nline2\"\n",
            "REF=${PLAIN}-${MISSING:-dflt}\n",
            "BARE\n",
        ));
        assert_eq!(text(&e, "PLAIN").as_deref(), Some("value"));
        assert_eq!(text(&e, "EXPORTED").as_deref(), Some("yes"));
        assert_eq!(text(&e, "SPACED").as_deref(), Some("padded"));
        assert_eq!(text(&e, "COLON").as_deref(), Some("yaml-like"));
        assert_eq!(text(&e, "EMPTY").as_deref(), Some(""));
        assert_eq!(text(&e, "INLINE").as_deref(), Some("abc"));
        assert_eq!(text(&e, "HASH").as_deref(), Some("abc#not-a-comment"));
        assert_eq!(text(&e, "SINGLE").as_deref(), Some("lit ${PLAIN} \\n"));
        assert_eq!(text(&e, "DOUBLE").as_deref(), Some("a\tb value $HOME"));
        assert_eq!(text(&e, "MULTI").as_deref(), Some("line1\nline2"));
        assert_eq!(text(&e, "REF").as_deref(), Some("value-dflt"));
        assert!(
            e.entries
                .iter()
                .any(|x| x.key == "BARE" && x.value.is_none())
        );
    }

    #[test]
    fn interpolated_values_keep_the_earlier_line_as_provenance() {
        let src = "PG_HOST=postgres\nDSN=postgres://${PG_HOST}:5432/ciam_kratos\n";
        let e = env(src);
        let dsn = e.get("DSN").map(Value::provenance).unwrap_or_default();
        let starts: Vec<u32> = dsn.iter().map(|s| s.start).collect();
        assert!(starts.contains(&8), "{starts:?}"); // "postgres" on line 1
        assert_eq!(
            e.get("DSN").map(Value::vars),
            Some(vec!["PG_HOST".to_string()])
        );
    }

    #[test]
    fn later_keys_win_and_outer_values_fill_gaps() {
        let outer = |k: &str| {
            (k == "FROM_OUTSIDE").then(|| Arc::new(Value::literal("o", Span::new(FileId(9), 0, 1))))
        };
        let e = parse(
            FileId(0),
            "A=1\nA=2\nB=${FROM_OUTSIDE}\nFROM_OUTSIDE\n",
            &outer,
        )
        .unwrap_or_else(|d| panic!("{}", d.message));
        assert_eq!(text(&e, "A").as_deref(), Some("2"));
        assert_eq!(text(&e, "B").as_deref(), Some("o"));
        assert_eq!(text(&e, "FROM_OUTSIDE").as_deref(), Some("o"));
    }

    #[test]
    fn outer_values_come_first_and_bare_keys_do_not_hide_and_bom_is_skipped() {
        let outer = |k: &str| {
            (k == "A").then(|| Arc::new(Value::literal("outer", Span::new(FileId(9), 0, 1))))
        };
        let e = parse(FileId(0), "\u{feff}A=inner\nB=${A}\nC=1\nC\n", &outer)
            .unwrap_or_else(|d| panic!("{}", d.message));
        assert_eq!(text(&e, "B").as_deref(), Some("outer"));
        assert_eq!(text(&e, "C").as_deref(), Some("1"));
    }

    #[test]
    fn diagnostics_never_quote_the_rest_of_a_line() {
        let d = parse(FileId(0), "DB_PASSWORD+=hunter2\n", &none)
            .err()
            .map(|d| d.message)
            .unwrap_or_default();
        assert!(!d.contains("hunter2"), "{d}");
    }

    #[test]
    fn bad_lines_are_diagnostics_with_spans() {
        let bad = |src: &str| {
            parse(FileId(0), src, &none)
                .err()
                .map(|d| (d.primary.span.start, d.message))
        };
        let (at, msg) = bad("A=1\nB=\"open\nC=2\n").unwrap_or_default();
        assert_eq!(at, 6);
        assert!(msg.contains("unterminated"), "{msg}");
        let (at, msg) = bad("GOOD=1\nBAD KEY=2\n").unwrap_or_default();
        assert!(msg.contains("space"), "{msg}");
        assert_eq!(at, 7);
        assert!(bad("A=${OPEN\n").is_some());
        assert!(bad("A$B=1\n").is_some());
    }
}
