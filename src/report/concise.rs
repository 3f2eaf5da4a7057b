//! `file:line:col: severity[CODE] message`, one line per finding, for
//! editors' problem matchers.

use crate::diag::Diagnostic;
use crate::syntax::source::SourceMap;
use std::fmt::Write;

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let pos = sources.position(d.primary.span);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            sources.display_path(d.primary.span.file),
            pos.line,
            pos.column,
            d.severity.as_str(),
            d.code,
            d.message
        );
    }
    out
}
