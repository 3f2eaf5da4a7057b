//! Output formats, one file each. A report reads diagnostics and the
//! source map; it never sees a secret (values are redacted before they
//! reach a message).

pub mod concise;
pub mod dump;
pub mod github;
pub mod graph;
pub mod json;
pub mod pretty;
pub mod sarif;

use crate::diag::Diagnostic;
use crate::syntax::source::SourceMap;

/// A file's text as reports may show it: secrets (by their names, and the
/// text the model marked as feeding one) masked byte for byte, so spans
/// still point at the same place.
pub fn masked_text(sources: &SourceMap, file: crate::syntax::source::FileId) -> String {
    let Some(f) = sources.get(file) else {
        return String::new();
    };
    let mut text = crate::model::redact::redact_source(&f.text);
    for secret in sources.secret_spans(file) {
        text = crate::model::redact::mask_range(&text, secret.start as usize, secret.end as usize);
    }
    text
}

/// Orders findings by file, then position, then code, so output is stable.
pub fn sort(sources: &SourceMap, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_cached_key(|d| {
        (
            sources.display_path(d.primary.span.file),
            d.primary.span.start,
            d.code,
            d.message.clone(),
        )
    });
}

/// Drops repeated findings from a sorted list: a file read twice (two
/// checked paths that overlap, a Caddyfile two others import) reports
/// each finding once.
pub fn dedup(sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.dedup_by(|a, b| {
        a.code == b.code
            && a.message == b.message
            && (a.primary.span.start, a.primary.span.end)
                == (b.primary.span.start, b.primary.span.end)
            && sources.display_path(a.primary.span.file)
                == sources.display_path(b.primary.span.file)
    });
}
