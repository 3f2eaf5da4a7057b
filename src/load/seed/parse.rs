//! Parsing a script: the shared guard on its nesting (brush-parser recurses), then
//! brush-parser's AST, or a CFG001 at the line it stops at.

use crate::diag::Diagnostic;
use crate::syntax::shell::{self, MAX_NESTING, Refused};
use crate::syntax::source::{CharOffsets, FileId, Span};
use brush_parser::ast::{self};

pub(super) fn parse(
    file: FileId,
    text: &str,
    offsets: &CharOffsets,
) -> Result<ast::Program, Diagnostic> {
    let options = brush_parser::ParserOptions::default();
    // A panic inside the parser becomes a diagnostic, never a crash.
    let result = shell::guarded(text, || {
        brush_parser::Parser::new(std::io::Cursor::new(text), &options).parse_program()
    });
    let err_at = |pos: Option<&brush_parser::SourcePosition>| {
        let at = pos.map_or(text.trim_end().len(), |p| offsets.byte(p.index));
        Span::new(file, at, at)
    };
    match result {
        Ok(Ok(program)) => Ok(program),
        Err(Refused::TooDeep) => Err(Diagnostic::parse_error(
            Span::new(file, 0, 0),
            format!(
                "this shell script nests brackets more than {MAX_NESTING} deep; isolint does not read it"
            ),
        )),
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
        Err(Refused::Panicked) => Err(Diagnostic::parse_error(
            err_at(None),
            "this shell script could not be parsed (the shell parser failed on it)",
        )),
    }
}
