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

/// A rule's one declaration: its code (the public interface), name,
/// default severity, profiles and summary. Findings take their code, name
/// and severity from it; `isolint explain` writes its document's header
/// from it, so the document's file holds only the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The profiles it applies to (`prod`, `dev`); empty: every
    /// environment. The rule runner skips the others.
    #[serde(skip)]
    pub profiles: &'static [&'static str],
    pub summary: &'static str,
    #[serde(skip)]
    pub doc: Doc,
}

/// A rule's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// A built-in rule's: the body, under a header written from the
    /// declaration; it is published at `rules/CODE.md`.
    Body(&'static str),
    /// A user's rule's body, generated from its file, under the same
    /// header.
    Generated(&'static str),
    /// A user's rule's own document, shown as written.
    Whole(&'static str),
}

impl RuleMeta {
    /// The whole document: the header from the declaration, then the body.
    pub fn document(&self) -> String {
        match self.doc {
            Doc::Whole(text) => text.to_string(),
            Doc::Body(body) | Doc::Generated(body) => format!("{}{body}", self.header()),
        }
    }

    /// `# CODE name` and the declaration's facts, as every document
    /// starts.
    pub fn header(&self) -> String {
        let profiles = if self.profiles.is_empty() {
            "all".to_string()
        } else {
            self.profiles
                .iter()
                .map(|p| match *p {
                    "prod" => "prod (`prod`, `production`, `staging`)",
                    "dev" => "dev (`dev`, `local`, `development`)",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let stop = if self.summary.ends_with('.') { "" } else { "." };
        format!(
            "# {} {}\n\n- **Default severity:** {}\n- **Profiles:** {profiles}\n- **Summary:** {}{stop}\n",
            self.code,
            self.name,
            self.severity.as_str(),
            self.summary
        )
    }

    /// The online document of a built-in rule (users' rules have none).
    pub fn doc_url(&self) -> Option<String> {
        matches!(self.doc, Doc::Body(_)).then(|| {
            format!(
                "{}/blob/main/rules/{}.md",
                env!("CARGO_PKG_REPOSITORY"),
                self.code
            )
        })
    }

    /// Whether the rule runs in an environment of `profile`.
    pub fn applies_to(&self, profile: Option<&str>) -> bool {
        self.profiles.is_empty() || profile.is_some_and(|p| self.profiles.contains(&p))
    }

    /// A finding of this rule at `span` (labelled `label`).
    pub fn finding(
        &self,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code: self.code,
            name: self.name,
            severity: self.severity,
            message: message.into(),
            primary: Label::new(span, label),
            related: Vec::new(),
            help: None,
            environment: None,
        }
    }
}

/// CFG001: every stage reports it, so it is declared here, below them all.
pub const PARSE_ERROR: RuleMeta = RuleMeta {
    code: "CFG001",
    name: "parse-error",
    severity: Severity::Error,
    profiles: &[],
    summary: "a file cannot be parsed, or an import cannot be followed",
    doc: Doc::Body(include_str!("../rules/CFG001.md")),
};

/// CFG002: the loaders report values they cannot resolve, the rule
/// `rules::unresolved` the ones an isolation rule needs.
pub const UNRESOLVED: RuleMeta = RuleMeta {
    code: "CFG002",
    name: "unresolved",
    severity: Severity::Info,
    profiles: &[],
    summary: "a value an isolation rule needs stays symbolic; says which --var/--env-file would prove it",
    doc: Doc::Body(include_str!("../rules/CFG002.md")),
};

/// A span with a short message saying what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// A step on the way (a published port, the proxy's site), shown but
    /// not itself what the finding is about: the graph does not mark it.
    pub hop: bool,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
            hop: false,
        }
    }

    /// A [`Label`] for a step on the way.
    pub fn hop(span: Span, message: impl Into<String>) -> Label {
        Label {
            hop: true,
            ..Label::new(span, message)
        }
    }
}

/// One finding: a rule code, a message, the primary location and every
/// other location that makes it true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    /// The rule's name (`crossed-upstream`), from its declaration.
    pub name: &'static str,
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
        PARSE_ERROR.finding(span, "here", message)
    }

    /// A CFG002 note: something a rule would need is not in the tree, so
    /// it is not checked.
    pub fn unresolved(span: Span, message: impl Into<String>) -> Diagnostic {
        UNRESOLVED.finding(span, "here", message)
    }

    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label::new(span, message));
        self
    }

    pub fn with_related_labels(mut self, labels: impl IntoIterator<Item = Label>) -> Diagnostic {
        self.related.extend(labels);
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
