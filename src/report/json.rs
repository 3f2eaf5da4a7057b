//! The `json` format: the contract of design.md §3.

use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::SourceMap;
use serde_json::{Value, json};

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let findings: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let pos = sources.position(d.primary.span);
            let related: Vec<Value> = d
                .related
                .iter()
                .map(|r| {
                    let p = sources.position(r.span);
                    json!({
                        "file": sources.display_path(r.span.file),
                        "line": p.line,
                        "column": p.column,
                        "message": r.message,
                    })
                })
                .collect();
            json!({
                "code": d.code,
                "name": crate::rules::name_of(d.code),
                "severity": d.severity,
                "message": d.message,
                "environment": d.environment,
                "primary": {
                    "file": sources.display_path(d.primary.span.file),
                    "line": pos.line,
                    "column": pos.column,
                    "end_line": pos.end_line,
                    "end_column": pos.end_column,
                },
                "related": related,
            })
        })
        .collect();
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let doc = json!({
        "version": 1,
        "findings": findings,
        "summary": {
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "infos": count(Severity::Info),
            "files": sources.len(),
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
