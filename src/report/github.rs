//! The `github` format: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`),
//! which GitHub shows as annotations on the pull request's lines.

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

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
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
        let _ = writeln!(
            out,
            "::{command} file={},{place},title={}::{}",
            escape_property(&sources.display_path(d.primary.span.file)),
            escape_property(&title),
            escape_data(&message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
