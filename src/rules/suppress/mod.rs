//! Inline suppressions: `# isolint: ignore[ISO003] reason` at the end of
//! the offending line, or alone on the line above it, in any file kind
//! that has `#` comments (Caddyfile, YAML, `.env`, shell). Above a
//! statement written over several lines (a continued command, a heredoc,
//! a block scalar) it covers the whole statement. A reason is required; a
//! suppression without one (or with the editor's placeholder) does not
//! apply, and one that matches nothing is reported (CFG003), so stale
//! ones do not pile up.

use crate::diag::{Diagnostic, Doc, RuleMeta, Severity};
use crate::syntax::source::{FileId, SourceMap, Span};

/// CFG003's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "CFG003",
    name: "unused-suppression",
    severity: Severity::Warning,
    profiles: &[],
    summary: "an `# isolint: ignore[...]` comment matches no finding, or gives no reason",
    doc: Doc::Body(include_str!("../../../rules/CFG003.md")),
};

mod statements;

const MARKER: &str = "isolint: ignore[";

/// The reason an editor's quick fix writes for the user to replace; it
/// counts as no reason.
pub const PLACEHOLDER: &str = "<reason>";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Suppression {
    codes: Vec<String>,
    reason: String,
    span: Span,
    /// The lines it covers (1-based, inclusive).
    lines: (usize, usize),
}

/// The lines a suppression on line `at` (0-based) covers, 1-based: the
/// statement that starts there, or that line alone.
fn covered(statements: &[statements::Lines], at: usize) -> (usize, usize) {
    let last = statements
        .iter()
        .find(|(first, _)| *first == at)
        .map_or(at, |(_, last)| *last);
    (at + 1, last + 1)
}

/// Where a new suppression for a finding on `line` (0-based) goes, and
/// its indentation: alone on the line above the statement that holds the
/// finding. `None` where the file's statements cannot be told (it does
/// not lex, or it is of a kind not read here, such as a Dockerfile), so
/// that no edit can break it.
pub fn placement<'t>(
    path: &std::path::Path,
    text: &'t str,
    line: usize,
) -> Option<(usize, &'t str)> {
    if !has_hash_comments(path) {
        return None;
    }
    let statements = statements::multi_line(path, text)?;
    let first = statements
        .iter()
        .find(|(first, last)| (*first..=*last).contains(&line))
        .map_or(line, |(first, _)| *first);
    let written = text.lines().nth(first)?;
    let indent = written.get(..written.len() - written.trim_start().len())?;
    Some((first, indent))
}

fn parse_file(sources: &SourceMap, id: FileId) -> Vec<Suppression> {
    let Some(file) = sources.get(id) else {
        return Vec::new();
    };
    if !file.text.contains(MARKER) {
        return Vec::new();
    }
    let statements = statements::multi_line(&file.path, &file.text).unwrap_or_default();
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in file.text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(hash) = line.find('#') else { continue };
        let comment = line.get(hash..).unwrap_or("");
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let after = comment.get(at + MARKER.len()..).unwrap_or("");
        let Some(close) = after.find(']') else {
            continue;
        };
        let codes = after
            .get(..close)
            .unwrap_or("")
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        let mut reason = after.get(close + 1..).unwrap_or("").trim().to_string();
        if reason == PLACEHOLDER {
            reason.clear();
        }
        // Alone on its line: it covers the next statement.
        let alone = line.get(..hash).unwrap_or("").trim().is_empty();
        let span_start = start + hash;
        let span_end = start + line.trim_end().len();
        out.push(Suppression {
            codes,
            reason,
            span: Span::new(id, span_start, span_end.max(span_start)),
            lines: covered(&statements, if alone { n + 1 } else { n }),
        });
    }
    out
}

/// Whether a file kind has `#` comments, where a suppression can sit
/// (Caddyfiles, YAML, `.env`, shell, TOML; not SQL or JSON).
pub fn has_hash_comments(path: &std::path::Path) -> bool {
    !path.extension().is_some_and(|e| e == "sql" || e == "json")
}

/// Removes the diagnostics that a suppression with a reason covers, and
/// adds a CFG003 for every suppression that is unused or has no reason.
pub fn apply(sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    // Each finding's line, worked out once.
    let mut lines: Vec<usize> = diagnostics
        .iter()
        .map(|d| sources.position(d.primary.span).line)
        .collect();
    let mut extra = Vec::new();
    for id in (0..sources.len()).filter_map(|i| u32::try_from(i).ok().map(FileId)) {
        for s in parse_file(sources, id) {
            if s.reason.is_empty() {
                extra.push(report(s.span, "this suppression has no reason: write why after the codes, e.g. `# isolint: ignore[ISO003] staging proxy, removed in Q3`"));
                continue;
            }
            let before = diagnostics.len();
            let mut line = lines.iter();
            let mut kept = Vec::with_capacity(before);
            diagnostics.retain(|d| {
                let at = line.next().copied().unwrap_or(0);
                let covered = d.primary.span.file == id
                    && (s.lines.0..=s.lines.1).contains(&at)
                    && s.codes.iter().any(|c| c == d.code);
                if !covered {
                    kept.push(at);
                }
                !covered
            });
            lines = kept;
            if diagnostics.len() == before {
                extra.push(report(
                    s.span,
                    &format!(
                        "unused suppression: no {} finding on this line",
                        s.codes.join("/")
                    ),
                ));
            }
        }
    }
    diagnostics.append(&mut extra);
}

fn report(span: Span, message: &str) -> Diagnostic {
    RULE.finding(span, "suppression", message)
        .with_help("remove the comment, or fix its codes and reason")
}

#[cfg(test)]
mod tests;
