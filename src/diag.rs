//! Diagnostics: what every stage reports, with spans into the source map.
//!
//! Front ends and rules produce [`Diagnostic`]s; the report formats in
//! `src/report/` turn them into text. A diagnostic never holds a secret:
//! whoever builds one quotes only redacted values.

use crate::syntax::source::Span;
use serde::Serialize;

/// The codes every stage may report; the rules re-export them with their
/// metadata (`crate::rules`).
pub mod codes {
    /// A file cannot be parsed, or an import cannot be followed.
    pub const CFG001: &str = "CFG001";
    /// A suppression comment that matches nothing or gives no reason.
    pub const CFG003: &str = "CFG003";
    /// A value an isolation rule needs is only known at deploy time.
    pub const CFG002: &str = "CFG002";
    /// Services of two domains use the same database.
    pub const ISO001: &str = "ISO001";
    /// A domain's cookie domain covers another domain's hosts.
    pub const ISO002: &str = "ISO002";
    /// A Caddy site of one domain proxies to another domain's service.
    pub const ISO003: &str = "ISO003";
    /// One OAuth2 client id in two domains' Hydras, or an app using the other
    /// domain's client.
    pub const ISO004: &str = "ISO004";
    /// A service configured with another domain's URLs.
    pub const ISO005: &str = "ISO005";
    /// Secrets or salts shared by two domains.
    pub const ISO006: &str = "ISO006";
    /// A service mounts or loads another domain's config.
    pub const ISO007: &str = "ISO007";
    /// Two domains connect to Postgres as the same user.
    pub const ISO008: &str = "ISO008";
    /// Host ports that collide or break the port plan.
    pub const ISO009: &str = "ISO009";
}

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
            code: codes::CFG001,
            severity: Severity::Error,
            primary: Label::new(span, "here"),
            message,
            related: Vec::new(),
            help: None,
            environment: None,
        }
    }

    /// A CFG002 note: something a rule would need is not in the tree, so
    /// it is not checked.
    pub fn unresolved(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: codes::CFG002,
            severity: Severity::Info,
            primary: Label::new(span, "here"),
            message: message.into(),
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
