//! The Caddyfile front end: pest lexer, Caddy-compatible parser, spanned
//! tree. It knows text, not platforms: imports, snippets and sites are
//! resolved in `crate::load::caddy`.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod token;

use crate::diag::Diagnostic;
use crate::syntax::source::FileId;

/// Lexes and parses one file read at the top level.
pub fn parse(file: FileId, text: &str) -> Result<ast::CaddyFile, Diagnostic> {
    parser::parse_file(&lexer::lex(file, text)?)
}
