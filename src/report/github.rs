//! The `github` format: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`),
//! which GitHub shows as annotations on the pull request's lines.
//!
//! GitHub annotates at most ten errors, ten warnings and ten notices per
//! step and drops the rest without a word, so errors come first, then
//! warnings, then notices, and a run with more ends with a notice saying
//! how many are not shown and where every finding is listed.

use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::SourceMap;
use std::fmt::Write;

/// A command's message: `%`, CR and LF escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations of one kind GitHub shows per step.
pub const SHOWN_PER_KIND: usize = 10;

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    // Stable: the report's order within each kind.
    ordered.sort_by_key(|d| std::cmp::Reverse(d.severity));
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let over = |n: usize| n.saturating_sub(SHOWN_PER_KIND);
    let overflow = over(errors) + over(warnings) + over(notes) > 0;
    // The closing notice takes one of the notices' places.
    let note_places = if overflow {
        SHOWN_PER_KIND - 1
    } else {
        SHOWN_PER_KIND
    };
    let mut out = String::new();
    let mut notes_written = 0;
    for d in ordered {
        if d.severity == Severity::Info {
            notes_written += 1;
            // Past GitHub's limit a notice would push the closing one
            // out: it stays in the log as plain text.
            if notes_written > note_places {
                out.push_str(&super::concise::line(sources, d));
                continue;
            }
        }
        out.push_str(&command(sources, d));
    }
    if overflow {
        let hidden = over(errors) + over(warnings) + notes.saturating_sub(note_places);
        let message = format!(
            "{} findings: {errors} error(s), {warnings} warning(s), {notes} notice(s). GitHub annotates {SHOWN_PER_KIND} of each kind per step, so {hidden} are not shown here; isolint's other formats list every finding (the Action's job summary and SARIF log, or `isolint check --format concise`).",
            diagnostics.len()
        );
        let _ = writeln!(out, "::notice title=isolint::{}", escape_data(&message));
    }
    out
}

/// One finding as a workflow command, with its related locations and
/// help in the message.
fn command(sources: &SourceMap, d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let pos = sources.position(d.primary.span);
    let title = format!("{} {}", d.code, d.name);
    let mut message = d.message.clone();
    for r in &d.related {
        let p = sources.position(r.span);
        let _ = write!(
            message,
            "\n  {}:{}:{}: {}",
            sources.display_path(r.span.file),
            p.line,
            p.column,
            r.message
        );
    }
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    // GitHub drops an annotation that gives columns for a span over
    // several lines, so those name their lines only.
    let place = if pos.end_line == pos.line {
        format!(
            "line={},col={},endLine={},endColumn={}",
            pos.line, pos.column, pos.end_line, pos.end_column
        )
    } else {
        format!("line={},endLine={}", pos.line, pos.end_line)
    };
    format!(
        "::{command} file={},{place},title={}::{}\n",
        escape_property(&sources.display_path(d.primary.span.file)),
        escape_property(&title),
        escape_data(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A notice past the limit stays in the log as plain text, so that
    /// the closing notice is among the ten GitHub shows.
    #[test]
    fn the_closing_notice_keeps_its_place() {
        let sources = SourceMap::new();
        let file = sources.add("platform/prod/Caddyfile", "a {\n}\n");
        let span = crate::syntax::source::Span::new(file, 0, 1);
        let notes: Vec<Diagnostic> = (0..12)
            .map(|i| Diagnostic::unresolved(span, format!("note {i}")))
            .collect();
        let out = render(&sources, &notes);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 13, "{out}");
        let commands = lines
            .iter()
            .filter(|l| l.starts_with("::notice file="))
            .count();
        assert_eq!(commands, 9, "{out}");
        assert!(
            lines.iter().any(|l| l.ends_with(": info[CFG002] note 11")),
            "{out}"
        );
        assert!(
            lines
                .last()
                .is_some_and(|l| l.starts_with("::notice title=isolint::12 findings")
                    && l.contains("so 3 are not shown")),
            "{out}"
        );
        // Within the limit: no closing notice.
        assert!(!render(&sources, &notes[..10]).contains("title=isolint"));
    }

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
