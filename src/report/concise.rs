//! `file:line:col: severity[CODE] message`, one line per finding, for
//! editors' problem matchers.

use crate::diag::Diagnostic;
use crate::syntax::source::SourceMap;

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| line(sources, d)).collect()
}

/// One finding's line, with its newline.
pub fn line(sources: &SourceMap, d: &Diagnostic) -> String {
    let pos = sources.position(d.primary.span);
    format!(
        "{}:{}:{}: {}[{}] {}\n",
        sources.display_path(d.primary.span.file),
        pos.line,
        pos.column,
        d.severity.as_str(),
        d.code,
        d.message
    )
}
