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

/// The shown (masked) files, each made once per report.
struct Files<'a> {
    sources: &'a SourceMap,
    shown: std::cell::RefCell<Vec<(crate::syntax::source::FileId, Arc<super::MaskedFile>)>>,
    /// A parse error's own token, shown unmasked in its file.
    keep: Option<Span>,
}

impl Files<'_> {
    fn get(&self, span: Span) -> Arc<super::MaskedFile> {
        if let Some(k) = self.keep.filter(|k| k.file == span.file) {
            return Arc::new(super::masked_file_keeping(self.sources, span.file, &[k]));
        }
        if let Some((_, m)) = self.shown.borrow().iter().find(|(f, _)| *f == span.file) {
            return m.clone();
        }
        let m = Arc::new(super::masked_file(self.sources, span.file));
        self.shown.borrow_mut().push((span.file, m.clone()));
        m
    }

    fn span(&self, span: Span) -> SourceSpan {
        let (start, len) = self.get(span).span(span);
        SourceSpan::new(start.into(), len)
    }

    /// The file as the report shows it.
    fn named(&self, span: Span) -> NamedSource<Arc<str>> {
        let text: Arc<str> = Arc::from(self.get(span).text.as_str());
        NamedSource::new(self.sources.display_path(span.file), text)
    }
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// Columns that messages and help are wrapped to.
const WIDTH: usize = 100;

/// A message wrapped for a line that starts `indent` columns in.
fn wrapped(text: &str, indent: usize) -> String {
    textwrap::fill(text, WIDTH.saturating_sub(indent).max(40))
}

/// Labels whose lines are at most this far apart share one window.
const NEAR_LINES: usize = 3;

/// Whether two spans are close enough to show in one window.
fn near(files: &Files, a: Span, b: Span) -> bool {
    let sources = files.sources;
    a.file == b.file && sources.position(a).line.abs_diff(sources.position(b).line) <= NEAR_LINES
}

/// One window: the locations near each other in one file.
fn window(files: &Files, group: &[&Label]) -> Option<Rendered> {
    let (first, rest) = group.split_first()?;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        None,
        files.span(first.span),
    )];
    labels.extend(
        rest.iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), files.span(l.span))),
    );
    Some(Rendered {
        message: wrapped(&first.message, 10),
        code: None,
        severity: miette::Severity::Advice,
        source: files.named(first.span),
        labels,
        help: None,
        related: Vec::new(),
    })
}

fn build(files: &Files, d: &Diagnostic) -> Rendered {
    // The primary's window holds the related locations a few lines from
    // it; every other location gets a short window of its own (never
    // every line between two far-apart labels).
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.message.clone()),
        files.span(d.primary.span),
    )];
    let mut groups: Vec<Vec<&Label>> = Vec::new();
    for r in &d.related {
        if near(files, r.span, d.primary.span) {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                files.span(r.span),
            ));
        } else if let Some(g) = groups
            .iter_mut()
            .find(|g| g.first().is_some_and(|f| near(files, f.span, r.span)))
        {
            g.push(r);
        } else {
            groups.push(vec![r]);
        }
    }
    Rendered {
        message: wrapped(&d.message, 4),
        code: Some(format!("{}[{}]: {}", d.severity.as_str(), d.code, d.name)),
        severity: severity(d.severity),
        source: files.named(d.primary.span),
        labels,
        help: d.help.as_deref().map(|h| wrapped(h, 8)),
        related: groups.iter().filter_map(|g| window(files, g)).collect(),
    }
}

/// A parse error's primary token when it is syntax (`${`, `{$X`, a brace
/// or a quote, nothing a secret is made of): it is shown as written even
/// inside a masked value, so the reader sees what is wrong.
fn syntax_token(sources: &SourceMap, d: &Diagnostic) -> Option<Span> {
    if d.code != crate::diag::PARSE_ERROR.code {
        return None;
    }
    let span = d.primary.span;
    let text = sources
        .text(span.file)
        .get(span.start as usize..span.end as usize)?;
    if text.chars().all(|c| !c.is_alphanumeric()) && text.len() <= 8 {
        return Some(span);
    }
    // `${NAME` or `{$NAME`: the reference and its name, not what follows
    // (a default may be a secret).
    let rest = text
        .strip_prefix("${")
        .or_else(|| text.strip_prefix("{$"))?;
    let name = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(Span::new(
        span.file,
        span.start as usize,
        span.start as usize + 2 + name,
    ))
}

/// Renders every diagnostic; `color` picks miette's colour theme.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Related locations nest under their finding; miette's wrapping would
    // break their source lines, so messages are wrapped here instead.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_wrap_lines(false)
        .with_show_related_as_nested(true);
    let mut files = Files {
        sources,
        shown: Default::default(),
        keep: None,
    };
    let mut out = String::new();
    for d in diagnostics {
        files.keep = syntax_token(sources, d);
        let rendered = build(&files, d);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&d.message);
        }
        out.push('\n');
    }
    out
}
