//! Output formats, one file each. A report reads diagnostics and the
//! source map; it never sees a secret (values are redacted before they
//! reach a message).

pub mod concise;
pub mod dump;
pub mod json;
pub mod pretty;

use crate::diag::Diagnostic;
use crate::syntax::source::SourceMap;

/// Orders findings by file, then position, then code, so output is stable.
pub fn sort(sources: &SourceMap, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_cached_key(|d| {
        (
            sources.display_path(d.primary.span.file),
            d.primary.span.start,
            d.code,
        )
    });
}
