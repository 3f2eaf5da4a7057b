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
    diagnostics.sort_by(|a, b| {
        let pa = sources.display_path(a.primary.span.file);
        let pb = sources.display_path(b.primary.span.file);
        (pa, a.primary.span.start, a.code).cmp(&(pb, b.primary.span.start, b.code))
    });
}
