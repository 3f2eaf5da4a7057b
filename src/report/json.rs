//! The `json` format: the contract of design.md §3. The types below are
//! the contract; `schemas/findings.schema.json` is generated from them and
//! a test checks real output against it.

use crate::diag::{Diagnostic, Severity};
use crate::syntax::source::SourceMap;
use serde::Serialize;

/// What `isolint check --format json` prints.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(title = "isolint check --format json")]
pub struct Report {
    /// The format's version; a breaking change raises it.
    pub version: u32,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// The rule's code (`ISO003`).
    pub code: String,
    /// The rule's name (`crossed-upstream`).
    pub name: String,
    pub severity: Level,
    pub message: String,
    /// The environment it was found in (`prod`), or null outside any.
    pub environment: Option<String>,
    pub primary: Primary,
    /// Every other location that makes the finding true.
    pub related: Vec<Related>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// Paths are relative to the current directory, with `/`; lines and
/// columns are 1-based, columns in characters.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Primary {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Related {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// How many files were read.
    pub files: usize,
}

impl From<Severity> for Level {
    fn from(s: Severity) -> Level {
        match s {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Info,
        }
    }
}

/// The report as a value.
pub fn report(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Report {
    let findings = diagnostics
        .iter()
        .map(|d| {
            let pos = sources.position(d.primary.span);
            Finding {
                code: d.code.to_string(),
                name: d.name.to_string(),
                severity: d.severity.into(),
                message: d.message.clone(),
                environment: d.environment.clone(),
                primary: Primary {
                    file: sources.display_path(d.primary.span.file),
                    line: pos.line,
                    column: pos.column,
                    end_line: pos.end_line,
                    end_column: pos.end_column,
                },
                related: d
                    .related
                    .iter()
                    .map(|r| {
                        let p = sources.position(r.span);
                        Related {
                            file: sources.display_path(r.span.file),
                            line: p.line,
                            column: p.column,
                            message: r.message.clone(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    Report {
        version: 1,
        findings,
        summary: Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            files: sources.len(),
        },
    }
}

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut text = serde_json::to_string_pretty(&report(sources, diagnostics)).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of [`Report`].
pub fn schema() -> String {
    let mut text = serde_json::to_string_pretty(&schemars::schema_for!(Report)).unwrap_or_default();
    text.push('\n');
    text
}
