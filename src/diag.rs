//! Diagnostics: what every stage reports, with spans into the source map.
//!
//! Front ends and rules produce [`Diagnostic`]s; the report formats in
//! `src/report/` turn them into text. A diagnostic never holds a secret:
//! whoever builds one quotes only redacted values.

use crate::syntax::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with a short message saying what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One finding: a rule code, a message, the primary location and every
/// other location that makes it true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// The environment it was found in (`None` outside any).
    pub environment: Option<String>,
}

impl Diagnostic {
    /// A CFG001 finding: the file cannot be parsed (or an import cannot be
    /// followed) at `span`.
    pub fn parse_error(span: Span, message: impl Into<String>) -> Diagnostic {
        let message = message.into();
        Diagnostic {
            code: crate::rules::CFG001,
            severity: Severity::Error,
            primary: Label::new(span, "here"),
            message,
            related: Vec::new(),
            help: None,
            environment: None,
        }
    }

    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// For a "did you mean" help: the allowed word closest to a misspelt one,
/// when one is close enough.
pub fn closest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
