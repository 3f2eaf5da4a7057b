//! The statements of a file that span several lines — a shell command
//! continued with `\`, with a heredoc or a quoted string over several
//! lines; a YAML block scalar; a Caddy directive with a heredoc or a
//! multi-line quote; a `.env` value quoted over several lines — read with
//! the parsers that read the file for the model. A suppression alone on
//! the line above such a statement covers all of it, and a new
//! suppression goes above its first line: a comment line inside would
//! end the command, or become part of the string.

use crate::syntax::source::{FileId, LineStarts};
use crate::syntax::value::Piece;
use std::path::Path;

/// First and last line (0-based, inclusive) of one statement.
pub type Lines = (usize, usize);

/// The file's statements that span more than one line, by first line;
/// `None` where the file does not lex, so that where a comment may go
/// cannot be told.
pub fn multi_line(path: &Path, text: &str) -> Option<Vec<Lines>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut found = match ext.as_str() {
        "yml" | "yaml" => yaml(text)?,
        "env" => dotenv(text)?,
        "sh" | "bash" => shell(text)?,
        // TOML's multi-line strings are not read here: no placement is
        // offered in a file that has one.
        "toml" if text.contains("\"\"\"") || text.contains("'''") => return None,
        "toml" | "json" | "sql" => Vec::new(),
        _ if name.starts_with(".env") => dotenv(text)?,
        _ if name.starts_with("caddyfile") => caddyfile(text)?,
        // Dockerfiles (by any name a build gives them) are not lexed here.
        _ if name.contains("dockerfile") || name.contains("containerfile") => return None,
        _ if text.starts_with("#!") => shell(text)?,
        // Caddyfiles by other names, and the files they import.
        _ => caddyfile(text)?,
    };
    found.retain(|(first, last)| last > first);
    found.sort_unstable();
    found.dedup();
    Some(found)
}

/// The line of the last character of `text[start..end]` that is not
/// white space (a block scalar's span runs on to the next token).
fn last_line(index: &LineStarts, text: &str, start: usize, end: usize) -> usize {
    let written = text.get(start..end).map_or(0, |t| t.trim_end().len());
    index.line(start + written.saturating_sub(1))
}

/// Shell: the tokens between two newline operators are one command line;
/// brush-parser's tokenizer reads continuations, quotes and heredoc
/// bodies as the shell does.
fn shell(text: &str) -> Option<Vec<Lines>> {
    // Guarded as in the seed loader: the tokenizer recurses too.
    let tokens = crate::syntax::shell::tokens(text)?;
    let mut out = Vec::new();
    let mut current: Option<Lines> = None;
    for token in tokens {
        let (brush_parser::Token::Operator(s, span) | brush_parser::Token::Word(s, span)) = &token;
        if s == "\n" && matches!(token, brush_parser::Token::Operator(..)) {
            out.extend(current.take());
            continue;
        }
        // A heredoc's closing word is placed, empty, after its line; the
        // body before it ends on that line.
        if span.start.index == span.end.index {
            continue;
        }
        let first = span.start.line.saturating_sub(1);
        // The end is exclusive: a token that ends with its line's newline
        // ends on that line.
        let end = if span.end.column <= 1 && span.end.line > span.start.line {
            span.end.line - 1
        } else {
            span.end.line
        };
        let last = end.saturating_sub(1).max(first);
        current = Some(match current {
            Some((f, l)) => (f, l.max(last)),
            None => (first, last),
        });
    }
    out.extend(current);
    Some(out)
}

/// `.env`: each entry, from its key to the end of its value (a quoted
/// value may run over several lines), as compose's reader reads it.
fn dotenv(text: &str) -> Option<Vec<Lines>> {
    let env = crate::load::dotenv::parse(FileId(0), text, &|_| None).ok()?;
    let index = LineStarts::new(text);
    Some(
        env.entries
            .iter()
            .filter_map(|e| {
                let end = match e.value.as_ref()?.pieces.last()? {
                    Piece::Lit { span, .. } => span.end,
                    Piece::Var(v) => v.span.end,
                } as usize;
                // The closing quote, when there is one, ends it.
                let end = end + usize::from(text.get(end..)?.starts_with(['"', '\'']));
                let first = index.line(e.key_span.start as usize);
                Some((first, index.line(end.saturating_sub(1)).max(first)))
            })
            .collect(),
    )
}

/// Caddyfile: the tokens of one directive, as the parser groups them (a
/// token that starts on the logical line where the previous one ends,
/// `\` continuations included), from the first to the end of the last.
fn caddyfile(text: &str) -> Option<Vec<Lines>> {
    let tokens = crate::syntax::caddyfile::lexer::lex(FileId(0), text).ok()?;
    let index = LineStarts::new(text);
    let mut out: Vec<Lines> = Vec::new();
    let mut previous_end = None;
    for token in &tokens {
        let first = index.line(token.span.start as usize);
        let last = last_line(
            &index,
            text,
            token.span.start as usize,
            token.span.end as usize,
        );
        match out.last_mut() {
            Some(lines) if previous_end.is_some_and(|end| token.line <= end) => {
                lines.1 = lines.1.max(last);
            }
            _ => out.push((first, last.max(first))),
        }
        previous_end = Some(token.end_line);
    }
    Some(out)
}

/// YAML: a scalar written over several lines (block, quoted or folded
/// plain), from its key's line to its last line.
fn yaml(text: &str) -> Option<Vec<Lines>> {
    use crate::syntax::yaml::{self, Kind, Node};
    let docs = yaml::parse(FileId(0), text).ok()?;
    let index = LineStarts::new(text);
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = docs.iter().collect();
    let scalar_lines = |node: &Node, from: usize| -> Option<Lines> {
        let (Kind::Scalar(_), None) = (&node.kind, &node.alias) else {
            return None;
        };
        let last = last_line(
            &index,
            text,
            node.span.start as usize,
            node.span.end as usize,
        );
        Some((from, last))
    };
    while let Some(node) = stack.pop() {
        // Copies (aliases, merge keys) are written elsewhere.
        if node.alias.is_some() {
            continue;
        }
        match &node.kind {
            Kind::Scalar(_) => {}
            Kind::Seq(items) => {
                for item in items {
                    let from = index.line(item.span.start as usize);
                    out.extend(scalar_lines(item, from));
                    stack.push(item);
                }
            }
            Kind::Map(entries) => {
                for entry in entries.iter().filter(|e| e.merged.is_none()) {
                    let from = index.line(entry.key.span.start as usize);
                    out.extend(scalar_lines(&entry.value, from));
                    stack.push(&entry.value);
                }
            }
        }
    }
    Some(out)
}
