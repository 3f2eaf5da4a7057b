//! A GitHub job summary (`$GITHUB_STEP_SUMMARY`, Markdown): the findings
//! as a table, then the focused Mermaid graph of each environment with
//! findings (what they mark and one hop around), so the crossing shows
//! next to the list.

use super::Graph;
use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::SourceMap;
use std::fmt::Write;

pub fn render(sources: &SourceMap, findings: &[Diagnostic], graphs: &[Graph]) -> String {
    let mut out = String::from("## isolint\n\n");
    if findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
    let _ = writeln!(
        out,
        "{} finding(s): {} error(s), {} warning(s), {} info(s).\n",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    out.push_str("| severity | code | where | message |\n|---|---|---|---|\n");
    for d in findings {
        let position = sources.position(d.primary.span);
        let _ = writeln!(
            out,
            "| {} | {} | `{}:{}` | {} |",
            d.severity.as_str(),
            d.code,
            sources
                .display_path(d.primary.span.file)
                .replace('|', "\\|")
                .replace('`', "'")
                .replace(['\n', '\r'], " "),
            position.line,
            cell(&d.message)
        );
    }
    let with_findings = |g: &&Graph| {
        g.has_findings()
            || findings
                .iter()
                .any(|d| d.environment.is_some() && d.environment == g.name)
    };
    // The part of each graph the findings are about (the nodes they mark
    // and one hop around them): a job summary is read at a glance.
    for g in graphs.iter().filter(with_findings) {
        let name = g.name.as_deref().unwrap_or("(no environment)");
        let _ = writeln!(out, "\n### {}\n", cell(name));
        let focused = g.focus();
        if focused.nodes.is_empty() {
            out.push_str("(Its findings point at nothing drawn.)\n");
            continue;
        }
        out.push_str("```mermaid\n");
        out.push_str(&super::mermaid::flowchart(&focused));
        out.push_str("```\n");
    }
    out
}

/// Text for one table cell: no pipes or new lines to break the row, and
/// no markup (a message quotes text from the tree).
fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}
