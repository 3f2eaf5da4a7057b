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
use crate::syntax::redact::MASK;
use crate::syntax::source::SourceMap;

/// A file's text as reports show it: every secret value replaced by one
/// fixed-width mask (`"client_secret": "****"`), whatever its length,
/// with the variable references in it kept (`${PG_PASSWORD:-****}`), and
/// the map from the file's offsets to the shown text's.
pub struct MaskedFile {
    pub text: String,
    /// (start, end) in the file and in the shown text of each mask.
    runs: Vec<(usize, usize, usize, usize)>,
}

impl MaskedFile {
    /// Where a file offset lands in the shown text (inside a mask: its
    /// start, or its end for an offset at the mask's end).
    pub fn offset(&self, o: usize) -> usize {
        let mut delta: isize = 0;
        for &(a, b, na, nb) in &self.runs {
            if o < a {
                break;
            }
            if o < b {
                return na;
            }
            if o == b {
                return nb;
            }
            delta = nb as isize - b as isize;
        }
        o.saturating_add_signed(delta)
    }

    /// A span of the file as (start, length) in the shown text.
    pub fn span(&self, span: crate::syntax::source::Span) -> (usize, usize) {
        let start = self.offset(span.start as usize);
        let end = self.offset(span.end as usize).max(start);
        (start, end - start)
    }
}

/// The masked runs of `masked` (the file masked byte for byte): bytes
/// turned to `*`, joined across the blanks between them on one line.
fn masked_runs(orig: &[u8], masked: &[u8]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < masked.len() {
        let hidden = |j: usize| masked.get(j) == Some(&b'*') && orig.get(j) != Some(&b'*');
        if !hidden(i) {
            i += 1;
            continue;
        }
        let start = i;
        while hidden(i) {
            i += 1;
        }
        match runs.last_mut() {
            Some(last)
                if orig
                    .get(last.1..start)
                    .is_some_and(|gap| gap.iter().all(|c| *c == b' ' || *c == b'\t')) =>
            {
                last.1 = i
            }
            _ => runs.push((start, i)),
        }
    }
    runs
}

/// A secret's text as shown: one mask for each literal part, variable
/// references kept with their defaults masked.
fn shown_secret(text: &str) -> String {
    let mut out = String::new();
    let mut literal = false;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix("${")
            && let Some(close) = body.find('}')
        {
            let inner = body.get(..close).unwrap_or("");
            let name_end = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_end);
            let op_len = ["}", ":-", ":?", ":+", "-", "?", "+"]
                .iter()
                .find(|o| op.starts_with(**o))
                .map_or(0, |o| o.len());
            out.push_str("${");
            out.push_str(name);
            if !op.is_empty() {
                out.push_str(op.get(..op_len).unwrap_or(""));
                if op.len() > op_len {
                    out.push_str(MASK);
                }
            }
            out.push('}');
            rest = body.get(close + 1..).unwrap_or("");
            literal = false;
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            if c.is_whitespace() {
                out.push(c);
                literal = false;
            } else if !literal {
                out.push_str(MASK);
                literal = true;
            }
        }
        rest = chars.as_str();
    }
    out
}

/// The file as reports show it (see [`MaskedFile`]).
pub fn masked_file(sources: &SourceMap, file: crate::syntax::source::FileId) -> MaskedFile {
    masked_file_keeping(sources, file, &[])
}

/// [`masked_file`], with the bytes of `keep` shown as written: the token a
/// parse error is about (an unclosed `${`), which is syntax, not a secret.
pub fn masked_file_keeping(
    sources: &SourceMap,
    file: crate::syntax::source::FileId,
    keep: &[crate::syntax::source::Span],
) -> MaskedFile {
    let Some(f) = sources.get(file) else {
        return MaskedFile {
            text: String::new(),
            runs: Vec::new(),
        };
    };
    let mut bytes = crate::syntax::redact::redact_source(&f.text);
    for secret in sources.secret_spans(file) {
        bytes =
            crate::syntax::redact::mask_range(&bytes, secret.start as usize, secret.end as usize);
    }
    let orig = f.text.as_bytes();
    let mut text = String::with_capacity(orig.len());
    let mut runs = Vec::new();
    let mut at = 0;
    let mut runs_found = masked_runs(orig, bytes.as_bytes());
    for k in keep.iter().filter(|k| k.file == file) {
        let (ks, ke) = (k.start as usize, k.end as usize);
        runs_found = runs_found
            .into_iter()
            .flat_map(|(a, b)| {
                if ke <= a || b <= ks {
                    return vec![(a, b)];
                }
                [(a, ks.max(a)), (ke.min(b), b)]
                    .into_iter()
                    .filter(|(x, y)| x < y)
                    .collect()
            })
            .collect();
    }
    for (a, b) in runs_found {
        text.push_str(f.text.get(at..a).unwrap_or(""));
        let na = text.len();
        text.push_str(&shown_secret(f.text.get(a..b).unwrap_or("")));
        runs.push((a, b, na, text.len()));
        at = b;
    }
    text.push_str(f.text.get(at..).unwrap_or(""));
    MaskedFile { text, runs }
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

/// What identifies each finding across runs: its rule, its file (as
/// `path` shows it), its message and the text it points at (secrets
/// masked, so the hash gives nothing away), not its line. Identical
/// findings in one file are told apart by their order. SARIF's
/// fingerprints and baselines use it.
pub fn fingerprints(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    path: &dyn Fn(&std::path::Path) -> String,
) -> Vec<String> {
    use sha2::{Digest, Sha256};
    use std::collections::{BTreeMap, HashMap};
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    // Each file masked and named once, however many findings it holds.
    let mut files: HashMap<crate::syntax::source::FileId, (MaskedFile, String)> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.span;
            let (file, shown) = files.entry(span.file).or_insert_with(|| {
                (
                    masked_file(sources, span.file),
                    path(sources.path(span.file)),
                )
            });
            let (start, len) = file.span(span);
            let masked = file.text.get(start..start + len).unwrap_or("").to_string();
            let key = format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                d.code,
                shown,
                d.message,
                masked.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let digest = Sha256::digest(format!("{key}\u{0}{n}").as_bytes());
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::source::Span;

    fn shown(text: &str) -> (MaskedFile, crate::syntax::source::FileId) {
        let sources = SourceMap::new();
        let id = sources.add(std::path::Path::new("compose.yml"), text);
        (masked_file(&sources, id), id)
    }

    #[test]
    fn one_mask_per_secret_with_references_kept_and_offsets_mapped() {
        let text = "a:\n  SECRETS_COOKIE: averylongsecretvalue0123456789\n  DSN: postgres://u:${PG_PASSWORD:-postgres}@db/x?sslmode=disable\n  B: ${SECRET_COOKIE}\n";
        let (m, id) = shown(text);
        assert!(m.text.contains("SECRETS_COOKIE: ****\n"), "{}", m.text);
        assert!(
            m.text.contains("postgres://u:${PG_PASSWORD:-****}@db/x"),
            "{}",
            m.text
        );
        assert!(!m.text.contains("averylong") && !m.text.contains(":-postgres"));
        // A span over the DSN value still covers exactly the shown value.
        let start = text.find("postgres://").unwrap_or(0);
        let end = text.find("disable").unwrap_or(0) + "disable".len();
        let (s, len) = m.span(Span::new(id, start, end));
        assert_eq!(
            m.text.get(s..s + len),
            Some("postgres://u:${PG_PASSWORD:-****}@db/x?sslmode=disable")
        );
        // Text after the masks is where it was, shifted.
        let b = text.find("B:").unwrap_or(0);
        let (s, _) = m.span(Span::new(id, b, b + 2));
        assert_eq!(m.text.get(s..s + 2), Some("B:"));
    }
}
