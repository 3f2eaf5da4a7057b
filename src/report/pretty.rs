//! The `pretty` format: miette's graphical reports, with the source line,
//! a label on the offending span and every related location.

use crate::diag::{Diagnostic, Label, Severity};
use crate::syntax::source::{SourceMap, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::sync::Arc;

/// One miette diagnostic: a message with labels in a single file, and
/// related diagnostics for locations in other files.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// The file as the report shows it (see [`super::masked_text`]).
fn named_source(sources: &SourceMap, span: Span) -> NamedSource<Arc<str>> {
    let text: Arc<str> = Arc::from(super::masked_text(sources, span.file));
    NamedSource::new(sources.display_path(span.file), text)
}

fn build(sources: &SourceMap, d: &Diagnostic) -> Rendered {
    let file = d.primary.span.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.message.clone()),
        source_span(d.primary.span),
    )];
    let mut elsewhere: Vec<&Label> = Vec::new();
    for r in &d.related {
        if r.span.file == file {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                source_span(r.span),
            ));
        } else {
            elsewhere.push(r);
        }
    }
    let related = elsewhere
        .into_iter()
        .map(|r| Rendered {
            message: r.message.clone(),
            code: None,
            severity: miette::Severity::Advice,
            source: named_source(sources, r.span),
            labels: vec![LabeledSpan::new_primary_with_span(
                None,
                source_span(r.span),
            )],
            help: None,
            related: Vec::new(),
        })
        .collect();
    Rendered {
        message: d.message.clone(),
        code: Some(format!("{}({})", d.code, crate::rules::name_of(d.code))),
        severity: severity(d.severity),
        source: named_source(sources, d.primary.span),
        labels,
        help: d.help.clone(),
        related,
    }
}

/// Renders every diagnostic; `color` picks miette's colour theme.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for d in diagnostics {
        let rendered = build(sources, d);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&d.message);
        }
        out.push('\n');
    }
    out
}
