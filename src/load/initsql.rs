//! Databases, roles and grants from the Postgres init scripts.
//!
//! The script is tokenised with sqlparser (so quotes, comments and
//! dollar-quoted bodies are respected), split into statements at `;`, and
//! each statement that matters (`CREATE DATABASE`, `CREATE ROLE`/`USER`,
//! `GRANT ... ON DATABASE`) is parsed with sqlparser's PostgreSQL dialect.
//! psql meta-commands (`\c db`, `\connect db`) are read separately; other
//! statements are not isolint's business and are skipped.

use crate::diag::Diagnostic;
use crate::syntax::source::{FileId, LineStarts, Span};
use sqlparser::ast::{GrantObjects, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// What an init script sets up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitSql {
    pub databases: Vec<Named>,
    pub roles: Vec<Role>,
    pub grants: Vec<DatabaseGrant>,
    /// `\c` / `\connect` targets, in order.
    pub connects: Vec<Named>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    /// Whether a password is set (never its value).
    pub has_password: bool,
    pub span: Span,
}

/// `GRANT <privileges> ON DATABASE <db> TO <grantee>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseGrant {
    pub database: String,
    pub grantee: String,
    pub privileges: String,
    pub span: Span,
}

/// Reads an init script. A statement that matters but does not parse is a
/// CFG001 diagnostic; the rest of the script is still read.
pub fn parse(file: FileId, text: &str) -> (InitSql, Vec<Diagnostic>) {
    let mut out = InitSql::default();
    let mut diagnostics = Vec::new();
    let lines = LineStarts::new(text);
    // psql meta-commands are not SQL: record `\c`, blank them out (same
    // length, so positions stay true).
    let mut sql = String::with_capacity(text.len());
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('\\') {
            let lead = line.len() - trimmed.len();
            let mut words = trimmed.split_whitespace();
            if matches!(words.next(), Some("\\c" | "\\connect"))
                && let Some(db) = words.next()
            {
                let start = offset + lead + trimmed.find(db).unwrap_or(0);
                out.connects.push(Named {
                    name: unquote(db),
                    span: Span::new(file, start, start + db.len()),
                });
            }
            // One space per byte, so byte offsets after it stay true.
            sql.extend(line.bytes().map(|b| if b == b'\n' { '\n' } else { ' ' }));
        } else {
            sql.push_str(line);
        }
        offset += line.len();
    }
    let dialect = PostgreSqlDialect {};
    let tokens = match Tokenizer::new(&dialect, &sql).tokenize_with_location() {
        Ok(t) => t,
        Err(e) => {
            let at = byte_at(&lines, e.location.line, e.location.column, &sql);
            diagnostics.push(Diagnostic::parse_error(
                Span::new(file, at, at),
                format!("this SQL does not parse: {}", e.message),
            ));
            return (out, diagnostics);
        }
    };
    let mut statement: Vec<sqlparser::tokenizer::TokenWithSpan> = Vec::new();
    // The tokenizer ends without an EOF token: add one, so a last
    // statement without `;` is read too.
    let eof = sqlparser::tokenizer::TokenWithSpan::wrap(Token::EOF);
    for t in tokens.into_iter().chain(std::iter::once(eof)) {
        let end = matches!(t.token, Token::SemiColon | Token::EOF);
        if !end {
            statement.push(t);
            continue;
        }
        let stmt = std::mem::take(&mut statement);
        let Some(first) = stmt
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
        else {
            continue;
        };
        let last = stmt
            .iter()
            .rev()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .unwrap_or(first);
        let start = byte_at(&lines, first.span.start.line, first.span.start.column, &sql);
        let stop = byte_at(&lines, last.span.end.line, last.span.end.column, &sql);
        let span = Span::new(file, start, stop);
        let words: Vec<String> = stmt
            .iter()
            .filter_map(|t| match &t.token {
                Token::Word(w) => Some(w.value.to_ascii_uppercase()),
                _ => None,
            })
            .take(2)
            .collect();
        let matters = matches!(words.first().map(String::as_str), Some("GRANT"))
            || (words.first().map(String::as_str) == Some("CREATE")
                && matches!(
                    words.get(1).map(String::as_str),
                    Some("DATABASE" | "ROLE" | "USER")
                ));
        if !matters {
            continue;
        }
        // `CREATE USER` is `CREATE ROLE ... LOGIN` in Postgres; sqlparser
        // reads `CREATE USER` in another dialect's syntax, so read it as
        // `CREATE ROLE`.
        let mut stmt = stmt;
        if words.get(1).map(String::as_str) == Some("USER")
            && let Some(t) = stmt
                .iter_mut()
                .filter(|t| matches!(t.token, Token::Word(_)))
                .nth(1)
            && let Token::Word(w) = &mut t.token
        {
            w.value = "ROLE".into();
            w.keyword = sqlparser::keywords::Keyword::ROLE;
        }
        let mut parser = sqlparser::parser::Parser::new(&dialect).with_tokens_with_locations(stmt);
        let parsed = parser.parse_statement().and_then(|s| {
            let next = parser.peek_token();
            match next.token {
                Token::EOF => Ok(s),
                other => Err(sqlparser::parser::ParserError::ParserError(format!(
                    "unexpected {other} after the statement (a missing `;`?)"
                ))),
            }
        });
        match parsed {
            Ok(s) => read_statement(&s, span, &mut out),
            // sqlparser's message quotes tokens, which in a role statement
            // may be a password: name the statement kind instead.
            Err(e) => {
                let detail = if words.iter().any(|w| w == "ROLE" || w == "USER") {
                    String::new()
                } else {
                    format!(": {e}")
                };
                diagnostics.push(
                    Diagnostic::parse_error(
                        span,
                        format!("this SQL statement does not parse{detail}"),
                    )
                    .with_label("in this statement"),
                );
            }
        }
    }
    (out, diagnostics)
}

fn read_statement(s: &Statement, span: Span, out: &mut InitSql) {
    match s {
        Statement::CreateDatabase { db_name, .. } => out.databases.push(Named {
            name: unquote(&db_name.to_string()),
            span,
        }),
        Statement::CreateRole(r) => {
            for name in &r.names {
                out.roles.push(Role {
                    name: unquote(&name.to_string()),
                    has_password: r.password.is_some(),
                    span,
                });
            }
        }
        Statement::Grant(g) => {
            let Some(GrantObjects::Databases(dbs)) = &g.objects else {
                return;
            };
            for db in dbs {
                for grantee in &g.grantees {
                    let Some(name) = &grantee.name else { continue };
                    out.grants.push(DatabaseGrant {
                        database: unquote(&db.to_string()),
                        grantee: unquote(&name.to_string()),
                        privileges: g.privileges.to_string(),
                        span,
                    });
                }
            }
        }
        _ => {}
    }
}

/// `"Name"` → `Name`; unquoted identifiers fold to lower case, as in
/// Postgres.
fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.trim_end_matches(';').to_ascii_lowercase(),
    }
}

/// 1-based line/column (columns in characters) → byte offsets.
/// The byte offset of a 1-based line and column (in characters).
fn byte_at(lines: &LineStarts, line: u64, column: u64, text: &str) -> usize {
    let line = usize::try_from(line.max(1)).unwrap_or(usize::MAX);
    let start = lines.start(line - 1).unwrap_or(text.len());
    let col = usize::try_from(column.max(1) - 1).unwrap_or(0);
    let rest = text.get(start..).unwrap_or("");
    start + rest.char_indices().nth(col).map_or(rest.len(), |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = r#"-- databases of both domains and the shared settings DB
CREATE DATABASE ciam_kratos;
CREATE DATABASE ciam_hydra;
CREATE DATABASE "iam_kratos";
CREATE ROLE ciam_kratos WITH LOGIN PASSWORD 'not-in-any-output';
CREATE USER iam_kratos PASSWORD 'x';
GRANT ALL PRIVILEGES ON DATABASE ciam_kratos TO ciam_kratos;
\c ciam_kratos
CREATE EXTENSION IF NOT EXISTS pgcrypto;
DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;
GRANT CONNECT ON DATABASE iam_kratos TO iam_kratos, olympus;
"#;

    #[test]
    fn databases_roles_grants_and_connects() {
        let (sql, diags) = parse(FileId(0), SQL);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = sql.databases.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["ciam_kratos", "ciam_hydra", "iam_kratos"]);
        let roles: Vec<(&str, bool)> = sql
            .roles
            .iter()
            .map(|r| (r.name.as_str(), r.has_password))
            .collect();
        assert_eq!(roles, vec![("ciam_kratos", true), ("iam_kratos", true)]);
        let grants: Vec<(&str, &str)> = sql
            .grants
            .iter()
            .map(|g| (g.database.as_str(), g.grantee.as_str()))
            .collect();
        assert_eq!(
            grants,
            vec![
                ("ciam_kratos", "ciam_kratos"),
                ("iam_kratos", "iam_kratos"),
                ("iam_kratos", "olympus")
            ]
        );
        assert_eq!(
            sql.connects.first().map(|c| c.name.as_str()),
            Some("ciam_kratos")
        );
        let first = sql.databases.first().map(|d| d.span);
        assert_eq!(
            first.and_then(|s| SQL.get(s.start as usize..s.end as usize)),
            Some("CREATE DATABASE ciam_kratos")
        );
    }

    #[test]
    fn a_broken_statement_that_matters_is_a_diagnostic() {
        let (sql, diags) = parse(FileId(0), "CREATE DATABASE ;\nCREATE DATABASE ok;\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(sql.databases.len(), 1);
        let (_, diags) = parse(
            FileId(0),
            "CREATE DATABASE a\nGRANT ALL ON DATABASE a TO b;\n",
        );
        assert!(
            diags
                .first()
                .is_some_and(|d| d.message.contains("missing `;`")),
            "{diags:?}"
        );
        let (_, diags) = parse(FileId(0), "SELECT 'unterminated;\n");
        assert_eq!(diags.len(), 1);
        let (sql, _) = parse(FileId(0), "\\c é\nCREATE DATABASE last");
        assert_eq!(sql.databases.first().map(|d| d.name.as_str()), Some("last"));
        let (_, diags) = parse(FileId(0), "CREATE ROLE r PASSWORD hunter2;\n");
        assert!(
            diags.iter().all(|d| !d.message.contains("hunter2")),
            "{diags:?}"
        );
    }
}
