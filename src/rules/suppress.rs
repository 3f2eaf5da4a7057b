//! Inline suppressions: `# isolint: ignore[ISO003] reason` at the end of
//! the offending line, or alone on the line above it, in any file kind
//! that has `#` comments (Caddyfile, YAML, `.env`, shell). A reason is
//! required; a suppression without one does not apply, and one that
//! matches nothing is reported (CFG003), so stale ones do not pile up.

use crate::diag::{Diagnostic, Doc, RuleMeta, Severity};
use crate::syntax::source::{FileId, SourceMap, Span};

/// CFG003's declaration.
pub const RULE: RuleMeta = RuleMeta {
    code: "CFG003",
    name: "unused-suppression",
    severity: Severity::Warning,
    profiles: &[],
    summary: "an `# isolint: ignore[...]` comment matches no finding, or gives no reason",
    doc: Doc::Body(include_str!("../../rules/CFG003.md")),
};

const MARKER: &str = "isolint: ignore[";

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Suppression {
    codes: Vec<String>,
    reason: String,
    span: Span,
    /// The line it covers (1-based).
    line: usize,
}

fn parse_file(sources: &SourceMap, id: FileId) -> Vec<Suppression> {
    let Some(file) = sources.get(id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in file.text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(hash) = line.find('#') else { continue };
        let comment = line.get(hash..).unwrap_or("");
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        let after = comment.get(at + MARKER.len()..).unwrap_or("");
        let Some(close) = after.find(']') else {
            continue;
        };
        let codes = after
            .get(..close)
            .unwrap_or("")
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        let reason = after.get(close + 1..).unwrap_or("").trim().to_string();
        // Alone on its line: it covers the next line.
        let alone = line.get(..hash).unwrap_or("").trim().is_empty();
        let span_start = start + hash;
        let span_end = start + line.trim_end().len();
        out.push(Suppression {
            codes,
            reason,
            span: Span::new(id, span_start, span_end.max(span_start)),
            line: if alone { n + 2 } else { n + 1 },
        });
    }
    out
}

/// Whether a file kind has `#` comments, where a suppression can sit
/// (Caddyfiles, YAML, `.env`, shell, TOML; not SQL or JSON).
pub fn has_hash_comments(path: &std::path::Path) -> bool {
    !path.extension().is_some_and(|e| e == "sql" || e == "json")
}

/// Removes the diagnostics that a suppression with a reason covers, and
/// adds a CFG003 for every suppression that is unused or has no reason.
pub fn apply(sources: &SourceMap, diagnostics: &mut Vec<Diagnostic>) {
    let mut files: Vec<FileId> = diagnostics.iter().map(|d| d.primary.span.file).collect();
    files.extend((0..sources.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX))));
    files.sort();
    files.dedup();
    let mut extra = Vec::new();
    for id in files {
        for s in parse_file(sources, id) {
            if s.reason.is_empty() {
                extra.push(report(s.span, "this suppression has no reason: write why after the codes, e.g. `# isolint: ignore[ISO003] staging proxy, removed in Q3`"));
                continue;
            }
            let before = diagnostics.len();
            diagnostics.retain(|d| {
                let here =
                    d.primary.span.file == id && sources.position(d.primary.span).line == s.line;
                !(here && s.codes.iter().any(|c| c == d.code))
            });
            if diagnostics.len() == before {
                extra.push(report(
                    s.span,
                    &format!(
                        "unused suppression: no {} finding on this line",
                        s.codes.join("/")
                    ),
                ));
            }
        }
    }
    diagnostics.append(&mut extra);
}

fn report(span: Span, message: &str) -> Diagnostic {
    RULE.finding(span, "suppression", message)
        .with_help("remove the comment, or fix its codes and reason")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::diag::Label;

    fn diag(span: Span, code: &'static str) -> Diagnostic {
        Diagnostic {
            code,
            name: "",
            environment: None,
            severity: Severity::Error,
            message: String::new(),
            primary: Label::new(span, ""),
            related: Vec::new(),
            help: None,
        }
    }

    #[test]
    fn same_line_and_line_above_with_reasons_unused_and_reasonless() {
        let text = "a {\n\treverse_proxy iam-hera:4000 # isolint: ignore[ISO003] migration, until May\n\t# isolint: ignore[iso003] shared status page\n\treverse_proxy iam-status:80\n\treverse_proxy x:1 # isolint: ignore[ISO001] stale\n\treverse_proxy y:1 # isolint: ignore[ISO003]\n}\n";
        let sources = SourceMap::new();
        let id = sources.add("Caddyfile", text);
        let at = |needle: &str| {
            let i = text.find(needle).unwrap_or(0);
            Span::new(id, i, i + needle.len())
        };
        let mut diags = vec![
            diag(at("iam-hera:4000"), "ISO003"),
            diag(at("iam-status:80"), "ISO003"),
            diag(at("y:1"), "ISO003"),
        ];
        apply(&sources, &mut diags);
        let left: Vec<(&str, usize)> = diags
            .iter()
            .map(|d| (d.code, sources.position(d.primary.span).line))
            .collect();
        assert_eq!(left, vec![("ISO003", 6), ("CFG003", 5), ("CFG003", 6)]);
    }
}
