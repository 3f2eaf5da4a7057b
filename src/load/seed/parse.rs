//! Parsing a script: a guard on its nesting (brush-parser recurses), then
//! brush-parser's AST, or a CFG001 at the line it stops at.

use super::*;
use crate::diag::Diagnostic;
use crate::syntax::source::{CharOffsets, FileId, Span};
use brush_parser::ast::{self};

/// The deepest nesting of `(` and `{` (a rough, quote-blind count: it
/// only bounds the parser's recursion).
pub(super) fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

pub(super) fn parse(
    file: FileId,
    text: &str,
    offsets: &CharOffsets,
) -> Result<ast::Program, Diagnostic> {
    if nesting(text) > MAX_NESTING {
        return Err(Diagnostic::parse_error(
            Span::new(file, 0, 0),
            format!(
                "this shell script nests brackets more than {MAX_NESTING} deep; isolint does not read it"
            ),
        ));
    }
    let options = brush_parser::ParserOptions::default();
    // The parser is third-party code on untrusted input: a panic inside it
    // becomes a diagnostic, never a crash.
    let result = std::panic::catch_unwind(|| {
        brush_parser::Parser::new(std::io::Cursor::new(text), &options).parse_program()
    });
    let err_at = |pos: Option<&brush_parser::SourcePosition>| {
        let at = pos.map_or(text.trim_end().len(), |p| offsets.byte(p.index));
        Span::new(file, at, at)
    };
    match result {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => {
            let pos = match &e {
                brush_parser::ParseError::ParsingNear(p) => Some(p),
                brush_parser::ParseError::Tokenizing { position, .. } => position.as_ref(),
                brush_parser::ParseError::ParsingAtEndOfInput => None,
            };
            Err(Diagnostic::parse_error(
                err_at(pos),
                format!("this shell script does not parse: {e}"),
            )
            .with_label("here"))
        }
        Err(_) => Err(Diagnostic::parse_error(
            err_at(None),
            "this shell script could not be parsed (the shell parser failed on it)",
        )),
    }
}
