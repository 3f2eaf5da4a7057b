use super::*;

fn texts(src: &str) -> Vec<(String, u32)> {
    match lex(FileId(0), src) {
        Ok(tokens) => tokens
            .iter()
            .map(|t| (t.text().into_owned(), t.line))
            .collect(),
        Err(d) => panic!("unexpected error: {}", d.message),
    }
}

fn error(src: &str) -> Diagnostic {
    match lex(FileId(0), src) {
        Ok(tokens) => panic!("expected an error, got {} tokens", tokens.len()),
        Err(d) => d,
    }
}

fn t(s: &str, line: u32) -> (String, u32) {
    (s.to_string(), line)
}

#[test]
fn whitespace_separates_and_lines_count() {
    assert_eq!(
        texts("a b\n\tc  d\r\n"),
        vec![t("a", 1), t("b", 1), t("c", 2), t("d", 2)]
    );
}

#[test]
fn quotes_keep_spaces_and_only_escape_quotes() {
    assert_eq!(
        texts(r#"respond "a \"b\" \d" `x "y" \z`"#),
        vec![t("respond", 1), t(r#"a "b" \d"#, 1), t(r#"x "y" \z"#, 1)]
    );
}

#[test]
fn comments_start_only_at_token_start() {
    assert_eq!(texts("a#b # comment\nc"), vec![t("a#b", 1), t("c", 2)]);
}

#[test]
fn backslash_newline_continues_the_line() {
    assert_eq!(texts("a \\\n  b\nc"), vec![t("a", 1), t("b", 1), t("c", 3)]);
}

#[test]
fn braces_are_structural_only_as_whole_tokens() {
    let tokens = lex(FileId(0), "{host} { {$VAR} }").unwrap_or_default();
    let kinds: Vec<bool> = tokens.iter().map(Token::is_open_brace).collect();
    assert_eq!(kinds, vec![false, true, false, false]);
    assert_eq!(
        tokens.get(2).map(Token::vars),
        Some(vec!["VAR".to_string()])
    );
}

#[test]
fn heredoc_strips_the_closing_marker_indentation() {
    assert_eq!(
        texts("respond <<END\n    line1\n      line2\n    END\nnext"),
        vec![t("respond", 1), t("line1\n  line2", 1), t("next", 5)]
    );
}

#[test]
fn heredoc_keeps_env_placeholders_symbolic() {
    let tokens = lex(FileId(0), "respond <<END\n  hi {$WHO}\n  END\n").unwrap_or_default();
    assert_eq!(
        tokens.get(1).map(Token::vars),
        Some(vec!["WHO".to_string()])
    );
}

#[test]
fn heredoc_errors_match_caddy() {
    assert!(error("a <<<END\nx\nEND\n").message.contains("too many '<'"));
    assert!(error("a <<END!\nx\nEND!\n").message.contains("got 'END!'"));
    assert!(
        error("a <<\nx\n")
            .message
            .contains("missing opening heredoc marker")
    );
    assert!(error("a <<END\nx\n").message.contains("incomplete heredoc"));
    let e = error("a <<END\n\tx\n  END\n");
    assert!(e.message.contains("mismatched leading whitespace"));
    assert_eq!((e.primary.span.start, e.primary.span.end), (8, 10));
}

#[test]
fn escaped_angle_bracket_is_not_a_heredoc() {
    assert_eq!(texts("a \\<<END\n"), vec![t("a", 1), t("<<END", 1)]);
}

#[test]
fn unclosed_quote_is_an_error_at_the_quote() {
    let e = error("a \"b c\n");
    assert_eq!((e.primary.span.start, e.primary.span.end), (2, 3));
}

#[test]
fn byte_order_mark_is_skipped_and_offsets_stay_true() {
    let tokens = lex(FileId(0), "\u{feff}abc").unwrap_or_default();
    assert_eq!(
        tokens.first().map(|t| (t.span.start, t.span.end)),
        Some((3, 6))
    );
}

#[test]
fn known_env_values_are_lexed_again_with_spans_at_their_placeholder() {
    let text = "a.example.com {\n\treverse_proxy {$UP} c:3\n}\n";
    let env: super::super::token::Env =
        [("UP".to_string(), "\"x y:1\" b:2 # gone".to_string())].into();
    let tokens = lex_with_env(FileId(0), text, &env).unwrap_or_else(|d| panic!("{}", d.message));
    let words: Vec<String> = tokens
        .iter()
        .map(|t| t.resolve(&env).text.unwrap_or_default())
        .collect();
    // The `#` in the value starts a comment, as in Caddy: `c:3` is in it.
    assert_eq!(
        words,
        ["a.example.com", "{", "reverse_proxy", "x y:1", "b:2", "}"]
    );
    let at = text.find("{$UP}").unwrap_or(0);
    for t in &tokens[3..5] {
        assert_eq!((t.span.start as usize, t.span.end as usize), (at, at + 5));
        assert_eq!(t.vars(), ["UP"]);
        assert_eq!(t.text(), "{$UP}");
    }
    let close = text.rfind('}').unwrap_or(0);
    assert_eq!(
        tokens[5].span.start as usize, close,
        "offsets after the value shift back"
    );
}
