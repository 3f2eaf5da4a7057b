//! The quick fix: a suppression comment alone on the line above the
//! statement that holds the finding — above a continued command, a
//! heredoc, a quoted string or a block scalar, never inside one, where it
//! would end the command or become text — indented like that line. Its
//! reason is a placeholder (a snippet tab stop where the client takes
//! snippets) that counts as no reason, so the suppression applies only
//! once the user writes why.

use crate::rules::suppress;
use lsp_types as lsp;
use std::path::Path;

/// One quick fix per isolint diagnostic of `params` that a suppression
/// can cover, as JSON (a snippet edit is LSP 3.18, newer than
/// lsp-types).
pub(super) fn suppressions(
    params: &lsp::CodeActionParams,
    path: &Path,
    text: &str,
    snippets: bool,
) -> Vec<serde_json::Value> {
    let uri = &params.text_document.uri;
    params
        .context
        .diagnostics
        .iter()
        .filter(|d| d.source.as_deref() == Some("isolint"))
        .filter_map(|d| {
            let Some(lsp::NumberOrString::String(code)) = &d.code else {
                return None;
            };
            // CFG003 is about suppressions: it cannot be suppressed inline.
            if code == suppress::RULE.code {
                return None;
            }
            let (line, indent) =
                suppress::placement(path, text, usize::try_from(d.range.start.line).ok()?)?;
            let at = lsp::Position::new(u32::try_from(line).ok()?, 0);
            let range = lsp::Range::new(at, at);
            let comment = format!("{indent}# isolint: ignore[{code}] ");
            let edit = if snippets {
                serde_json::json!({
                    "documentChanges": [{
                        "textDocument": {"uri": uri, "version": null},
                        "edits": [{
                            "range": range,
                            "snippet": {
                                "kind": "snippet",
                                "value": format!("{comment}${{1:{}}}\n", suppress::PLACEHOLDER),
                            },
                        }],
                    }],
                })
            } else {
                serde_json::json!({
                    "changes": {
                        uri.as_str(): [{
                            "range": range,
                            "newText": format!("{comment}{}\n", suppress::PLACEHOLDER),
                        }],
                    },
                })
            };
            Some(serde_json::json!({
                "title": format!("Suppress {code} with a comment above (then write why)"),
                "kind": lsp::CodeActionKind::QUICKFIX,
                "diagnostics": [d],
                "edit": edit,
            }))
        })
        .collect()
}
