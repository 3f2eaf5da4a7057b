//! `import`: snippets, files and globs, arguments and block arguments.
//!
//! Caddy splices imported tokens into the token stream; isolint splices
//! parsed directives into the tree, which gives the same result for every
//! well-formed Caddyfile while keeping each token's own span. Tokens brought
//! in by an import remember the chain of `import` lines they came through.

use super::super::caddy::Loader;
use crate::diag::Diagnostic;
use crate::syntax::caddyfile::ast::{Block, Directive};
use crate::syntax::caddyfile::token::{Part, Token, merge_literals};
use crate::syntax::source::Span;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What an `import` line asks for, once its pattern is known.
pub(super) enum Target {
    Snippet(String),
    Files(Vec<PathBuf>),
}

/// The pieces of an `import` line.
pub(super) struct ImportLine<'a> {
    pub directive: &'a Directive,
    pub pattern: String,
    pub args: &'a [Token],
    pub span: Span,
}

impl<'a> ImportLine<'a> {
    pub fn read(loader: &Loader, d: &'a Directive) -> Result<ImportLine<'a>, Diagnostic> {
        let span = d
            .line_span()
            .unwrap_or(Span::new(crate::syntax::source::FileId(0), 0, 0));
        let Some(pattern_token) = d.tokens.get(1) else {
            return Err(Diagnostic::parse_error(
                span,
                "import requires a snippet name or file path",
            )
            .with_label("nothing to import"));
        };
        let resolved = pattern_token.resolve(loader.env());
        let Some(pattern) = resolved.text else {
            return Err(Diagnostic::parse_error(
                pattern_token.span,
                format!(
                    "import path depends on {} which is not set; pass it with --var or --env-file",
                    resolved.vars.join(", ")
                ),
            ));
        };
        if pattern.is_empty() {
            return Err(Diagnostic::parse_error(
                pattern_token.span,
                "Import requires a non-empty filepath",
            ));
        }
        Ok(ImportLine {
            directive: d,
            pattern,
            args: d.tokens.get(2..).unwrap_or(&[]),
            span,
        })
    }

    /// The via-chain for tokens this line brings in.
    pub fn chain(&self) -> Arc<[Span]> {
        let mut chain: Vec<Span> = self
            .directive
            .tokens
            .first()
            .map(|t| t.via.to_vec())
            .unwrap_or_default();
        chain.push(self.span);
        Arc::from(chain)
    }
}

/// Expands a file-import pattern relative to `dir` into the files it names,
/// as Caddy does: at most one wildcard, hidden files skipped when the last
/// component starts with `*`, a missing plain file is an error and a glob
/// that matches nothing is not.
pub(super) fn glob_files(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        dir.join(pattern)
    };
    let shown = full.to_string_lossy().to_string();
    let has_class = shown.contains('[') && shown.contains(']');
    if shown.matches('*').count() > 1 || shown.matches('?').count() > 1 || has_class {
        return Err(format!(
            "Glob pattern may only contain one wildcard (*), but has others: {pattern}"
        ));
    }
    if !shown.contains(['*', '?']) {
        return if full.exists() {
            Ok(vec![full])
        } else {
            Err(format!("File to import not found: {pattern}"))
        };
    }
    let mut found = vec![PathBuf::new()];
    let components: Vec<_> = full.components().collect();
    let last = components.len().saturating_sub(1);
    for (i, comp) in components.iter().enumerate() {
        let text = comp.as_os_str().to_string_lossy();
        if !text.contains(['*', '?']) {
            for p in &mut found {
                p.push(comp.as_os_str());
            }
            continue;
        }
        let matcher = globset::GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("Failed to use import pattern {pattern}: {e}"))?
            .compile_matcher();
        let skip_hidden = i == last && text.starts_with('*');
        let mut next = Vec::new();
        for base in &found {
            let Ok(entries) = std::fs::read_dir(base) else {
                continue;
            };
            let mut names: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect();
            names.sort();
            for name in names {
                let name_text = name.to_string_lossy();
                if skip_hidden && name_text.starts_with('.') {
                    continue;
                }
                if matcher.is_match(Path::new(&name)) {
                    next.push(base.join(&name));
                }
            }
        }
        found = next;
    }
    // Like Caddy (whose glob does not follow links), every entry matched
    // is imported: a link that loops or dangles is then reported when it
    // cannot be read, not skipped in silence.
    found.retain(|p| p.symlink_metadata().is_ok());
    Ok(found)
}

/// The block given to an import, split for `{block}` and `{blocks.NAME}`.
pub(super) struct BlockArgs {
    pub whole: Vec<Directive>,
    pub named: BTreeMap<String, Vec<Directive>>,
}

impl BlockArgs {
    pub fn from_block(block: Option<&Block>) -> Result<BlockArgs, Diagnostic> {
        let whole = block.map(|b| b.body.clone()).unwrap_or_default();
        let mut named = BTreeMap::new();
        for d in &whole {
            let Some(first) = d.tokens.first() else {
                continue;
            };
            if first.is_open_brace() {
                return Err(Diagnostic::parse_error(
                    first.span,
                    "anonymous blocks are not supported",
                )
                .with_label(
                    "a block inside an import's block needs a name, as in `name { ... }`",
                ));
            }
            let mut content: Vec<Directive> = Vec::new();
            if d.tokens.len() > 1 {
                content.push(Directive {
                    tokens: d.args().to_vec(),
                    block: None,
                });
            }
            if let Some(b) = &d.block {
                content.extend(b.body.iter().cloned());
            }
            named.insert(first.text().into_owned(), content);
        }
        Ok(BlockArgs { whole, named })
    }
}

/// The budget of directives an expansion may still produce ran out.
pub(super) struct OverBudget;

/// Replaces `{args[N]}`, `{args.N}`, variadic `{args[a:b]}`, `{block}` and
/// `{blocks.NAME}` in imported directives. Every directive produced costs
/// one unit of `budget`, so nested and repeated imports stay bounded.
/// Snippet definitions inside the imported text are left alone, as Caddy
/// does: their placeholders belong to their own imports.
pub(super) fn substitute(
    dirs: Vec<Directive>,
    args: &[Token],
    blocks: &BlockArgs,
    budget: &mut usize,
) -> Result<Vec<Directive>, OverBudget> {
    let mut out = Vec::with_capacity(dirs.len());
    for mut d in dirs {
        if is_snippet_definition(&d) {
            spend(budget, 1)?;
            out.push(d);
            continue;
        }
        if let [only] = d.tokens.as_slice()
            && let Some(spliced) = block_placeholder(only, blocks)
        {
            spend(budget, spliced.len())?;
            out.extend(spliced.iter().cloned());
            continue;
        }
        // Caddy splices a block's tokens with their own lines, so a block
        // spliced after other tokens starts new lines: the line so far
        // ends there, the block's lines are directives of their own, and
        // the rest of the line joins the block's last line.
        let mut before: Vec<Directive> = Vec::new();
        let mut tokens = Vec::with_capacity(d.tokens.len());
        for t in d.tokens {
            if let Some(spliced) = block_placeholder(&t, blocks) {
                if let Some((last, init)) = spliced.split_last() {
                    if !tokens.is_empty() {
                        before.push(Directive {
                            tokens: std::mem::take(&mut tokens),
                            block: None,
                        });
                    }
                    before.extend(init.iter().cloned());
                    if last.block.is_some() {
                        before.push(last.clone());
                    } else {
                        tokens.clone_from(&last.tokens);
                    }
                }
                continue;
            }
            if let Some((start, end)) = variadic(&t, args.len()) {
                for a in args.get(start..end).unwrap_or(&[]) {
                    let mut a = a.clone();
                    a.line = t.line;
                    a.end_line = t.end_line;
                    a.via = t.via.clone();
                    tokens.push(a);
                }
                continue;
            }
            tokens.push(substitute_token(t, args));
        }
        spend(budget, before.len())?;
        out.append(&mut before);
        d.tokens = tokens;
        if let Some(b) = d.block.as_mut() {
            b.body = substitute(std::mem::take(&mut b.body), args, blocks, budget)?;
        }
        if !d.tokens.is_empty() {
            spend(budget, 1)?;
            out.push(d);
        }
    }
    Ok(out)
}

fn spend(budget: &mut usize, n: usize) -> Result<(), OverBudget> {
    *budget = budget.checked_sub(n).ok_or(OverBudget)?;
    Ok(())
}

/// `(name) { ... }`
fn is_snippet_definition(d: &Directive) -> bool {
    d.block.is_some()
        && matches!(d.tokens.as_slice(), [t] if {
            let text = t.text();
            text.len() >= 2 && text.starts_with('(') && text.ends_with(')')
        })
}

/// What `{block}` or `{blocks.NAME}` stands for (nothing when the import
/// gave no such block); `None` for any other token.
fn block_placeholder<'b>(t: &Token, blocks: &'b BlockArgs) -> Option<&'b [Directive]> {
    if t.kind != crate::syntax::caddyfile::token::TokenKind::Bare {
        return None;
    }
    let text = t.literal()?;
    if text == "{block}" {
        return Some(&blocks.whole);
    }
    let name = text.strip_prefix("{blocks.")?.strip_suffix('}')?;
    Some(blocks.named.get(name).map_or(&[], Vec::as_slice))
}

/// `{args[a:b]}` as a whole token, with bounds Caddy accepts.
fn variadic(t: &Token, count: usize) -> Option<(usize, usize)> {
    let text = t.literal()?;
    let range = text.strip_prefix("{args[")?.strip_suffix("]}")?;
    let (start, end) = range.split_once(':')?;
    let start = if start.is_empty() {
        0
    } else {
        start.parse().ok()?
    };
    let end = if end.is_empty() {
        count
    } else {
        end.parse().ok()?
    };
    (start <= end && end <= count).then_some((start, end))
}

/// Substitutes `{args[N]}` / `{args.N}` inside a token's literal parts. A
/// token that is exactly one argument takes that argument's span, so a
/// diagnostic points where the value is written.
fn substitute_token(t: Token, args: &[Token]) -> Token {
    if let Some(text) = t.literal()
        && let Some(i) = single_arg_index(text)
        && let Some(arg) = args.get(i)
    {
        let mut a = arg.clone();
        a.line = t.line;
        a.end_line = t.end_line;
        a.via = t.via.clone();
        return a;
    }
    let mut parts = Vec::with_capacity(t.parts.len());
    let mut changed = false;
    for part in &t.parts {
        match part {
            Part::Lit(s) if s.contains("{args") => {
                changed = true;
                substitute_in_literal(s, args, &mut parts);
            }
            other => parts.push(other.clone()),
        }
    }
    if !changed {
        return t;
    }
    Token {
        parts: merge_literals(parts),
        ..t
    }
}

fn single_arg_index(text: &str) -> Option<usize> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    arg_index(inner)
}

/// `args[N]` or `args.N` → N.
fn arg_index(key: &str) -> Option<usize> {
    if let Some(n) = key.strip_prefix("args[").and_then(|r| r.strip_suffix(']')) {
        return n.parse().ok();
    }
    key.strip_prefix("args.")?.parse().ok()
}

fn substitute_in_literal(s: &str, args: &[Token], out: &mut Vec<Part>) {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest.get(open..).and_then(|r| r.find('}')).map(|c| open + c) else {
            break;
        };
        let key = rest.get(open + 1..close).unwrap_or("");
        match arg_index(key).and_then(|i| args.get(i)) {
            Some(arg) => {
                out.push(Part::Lit(rest.get(..open).unwrap_or("").to_string()));
                out.extend(arg.parts.iter().cloned());
            }
            None => out.push(Part::Lit(rest.get(..=close).unwrap_or("").to_string())),
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push(Part::Lit(rest.to_string()));
}

/// Marks every token of `dirs` as brought in through `chain`.
pub(super) fn set_via(dirs: &mut [Directive], chain: &Arc<[Span]>) {
    for d in dirs {
        for t in &mut d.tokens {
            t.via = chain.clone();
        }
        if let Some(b) = d.block.as_mut() {
            set_via(&mut b.body, chain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::caddyfile::lexer::lex;
    use crate::syntax::caddyfile::parser::parse_directives;
    use crate::syntax::source::FileId;

    fn dirs(src: &str) -> Vec<Directive> {
        lex(FileId(0), src)
            .and_then(|t| parse_directives(&t))
            .unwrap_or_default()
    }

    fn texts(dirs: &[Directive]) -> Vec<Vec<String>> {
        dirs.iter()
            .map(|d| d.tokens.iter().map(|t| t.text().into_owned()).collect())
            .collect()
    }

    #[test]
    fn args_are_substituted_by_index_range_and_inside_tokens() {
        let args: Vec<Token> = dirs("a b c").remove(0).tokens;
        let body = dirs("x {args[0]} {args.1}-y\nz {args[1:]}\nw {args[:]} {args[7]}\n");
        let blocks = BlockArgs::from_block(None).unwrap_or_else(|_| unreachable!());
        let out = substitute(body, &args, &blocks, &mut 100).unwrap_or_default();
        assert_eq!(
            texts(&out),
            vec![
                vec!["x", "a", "b-y"],
                vec!["z", "b", "c"],
                vec!["w", "a", "b", "c", "{args[7]}"],
            ]
        );
    }

    #[test]
    fn block_and_named_blocks_are_spliced() {
        let import = dirs("import s {\n\tfoo {\n\t\tbar 1\n\t}\n\tbaz 2\n}\n").remove(0);
        let blocks =
            BlockArgs::from_block(import.block.as_ref()).unwrap_or_else(|_| unreachable!());
        let body = dirs("{block}\nhead {\n\t{blocks.foo}\n}\n{blocks.none}\n");
        let out = substitute(body, &[], &blocks, &mut 100).unwrap_or_default();
        assert_eq!(
            texts(&out),
            vec![vec!["foo"], vec!["baz", "2"], vec!["head"]]
        );
        let inner = out
            .get(2)
            .and_then(|d| d.block.as_ref())
            .map(|b| texts(&b.body));
        assert_eq!(inner, Some(vec![vec!["bar".to_string(), "1".to_string()]]));
    }

    #[test]
    fn snippet_definitions_keep_their_placeholders_and_budget_is_enforced() {
        let body = dirs("(inner) {\n\treverse_proxy {args[:]}\n\t{block}\n}\nx {args[0]}\n");
        let blocks = BlockArgs::from_block(None).unwrap_or_else(|_| unreachable!());
        let args: Vec<Token> = dirs("a").remove(0).tokens;
        let out = substitute(body.clone(), &args, &blocks, &mut 100).unwrap_or_default();
        let inner = out
            .first()
            .and_then(|d| d.block.as_ref())
            .map(|b| texts(&b.body));
        assert_eq!(
            inner,
            Some(vec![
                vec!["reverse_proxy".to_string(), "{args[:]}".to_string()],
                vec!["{block}".to_string()],
            ])
        );
        assert_eq!(texts(&out[1..]), vec![vec!["x", "a"]]);
        assert!(substitute(body, &args, &blocks, &mut 1).is_err());
    }

    #[test]
    fn globs_allow_one_wildcard() {
        assert!(glob_files(Path::new("/nonexistent"), "a/*/*.caddy").is_err());
        assert_eq!(
            glob_files(Path::new("/nonexistent"), "sites/*.caddy"),
            Ok(vec![])
        );
        assert!(glob_files(Path::new("/nonexistent"), "missing.caddy").is_err());
    }
}
