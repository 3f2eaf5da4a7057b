use super::*;
use std::path::Path;

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

/// The findings (code, 1-based line) left once the suppressions of the
/// file `path` holding `text` apply to findings of `code` on each needle.
fn left_after(
    path: &str,
    text: &str,
    code: &'static str,
    needles: &[&str],
) -> Vec<(&'static str, usize)> {
    let sources = SourceMap::new();
    let id = sources.add(path, text);
    let mut diags: Vec<Diagnostic> = needles
        .iter()
        .map(|needle| {
            let i = text
                .find(needle)
                .unwrap_or_else(|| panic!("`{needle}` is not in the text"));
            diag(Span::new(id, i, i + needle.len()), code)
        })
        .collect();
    apply(&sources, &mut diags);
    diags
        .iter()
        .map(|d| (d.code, sources.position(d.primary.span).line))
        .collect()
}

#[test]
fn same_line_and_line_above_with_reasons_unused_and_reasonless() {
    let text = "a {\n\treverse_proxy iam-hera:4000 # isolint: ignore[ISO003] migration, until May\n\t# isolint: ignore[iso003] shared status page\n\treverse_proxy iam-status:80\n\treverse_proxy x:1 # isolint: ignore[ISO001] stale\n\treverse_proxy y:1 # isolint: ignore[ISO003]\n}\n";
    let left = left_after(
        "Caddyfile",
        text,
        "ISO003",
        &["iam-hera:4000", "iam-status:80", "y:1"],
    );
    assert_eq!(left, vec![("ISO003", 6), ("CFG003", 5), ("CFG003", 6)]);
}

const SCRIPT: &str = "#!/bin/sh
set -eu
curl -X POST \\
  -H 'Content-Type: application/json' \\
  -d '{\"client_id\": \"iam-athena\",
       \"redirect_uris\": [\"https://x\"]}' \\
  \"$HYDRA/admin/clients\"
cat <<EOF | curl -d @- \"$HYDRA/admin/clients\"
{\"client_id\": \"ciam-hera\"}
EOF
echo done
";

#[test]
fn shell_statements_are_command_lines_with_their_continuations_quotes_and_heredocs() {
    let found = statements::multi_line(Path::new("seed.sh"), SCRIPT);
    assert_eq!(found, Some(vec![(2, 6), (7, 9)]));
    // A `.env` file reads as compose reads it: a quoted value over two
    // lines, and an apostrophe in an unquoted value (not a shell quote).
    let env = "A=1\nB=\"two\nlines\"\nC=3\nGREETING=don't\nD='x\ny\nz'\n";
    assert_eq!(
        statements::multi_line(Path::new(".env"), env),
        Some(vec![(1, 2), (5, 7)])
    );
    // A Dockerfile is not read as a Caddyfile: no placement is offered.
    assert_eq!(
        statements::multi_line(Path::new("api.Dockerfile"), "RUN a \\\n  b\n"),
        None
    );
    // An unterminated quote: where a comment may go cannot be told.
    assert_eq!(
        statements::multi_line(Path::new("seed.sh"), "echo 'open\n"),
        None
    );
}

#[test]
fn yaml_and_caddyfile_statements() {
    let yaml = "services:\n  seed:\n    command: |\n      curl -d '{\"client_id\": \"x\"}'\n      echo ok\n\n    image: curl\n    entrypoint: [\"sh\"]\n";
    assert_eq!(
        statements::multi_line(Path::new("compose.yml"), yaml),
        Some(vec![(2, 4)])
    );
    let caddy = "a.example.com {\n\trespond <<HTML\n\t\t<p>hi</p>\n\t\tHTML 200\n\treverse_proxy b:1 \\\n\t\tc:2\n}\n";
    assert_eq!(
        statements::multi_line(Path::new("Caddyfile"), caddy),
        Some(vec![(1, 3), (4, 5)])
    );
    // Two quotes over lines in one directive: one statement, as the
    // parser reads it; a file a Caddyfile imports, by any name, too.
    let quotes = "x {\n\trespond \"a\nb\" \"c\nd\" 200\n}\n";
    assert_eq!(
        statements::multi_line(Path::new("snippets/respond.conf"), quotes),
        Some(vec![(1, 3)])
    );
    assert_eq!(
        statements::multi_line(Path::new("ory.toml"), "a = \"\"\"\nx\n\"\"\"\n"),
        None
    );
}

#[test]
fn a_new_suppression_goes_above_the_statement_never_inside_it() {
    let at = |line| placement(Path::new("seed.sh"), SCRIPT, line);
    // Inside the continued command, in its quoted string, in the heredoc.
    assert_eq!(at(5), Some((2, "")));
    assert_eq!(at(4), Some((2, "")));
    assert_eq!(at(8), Some((7, "")));
    assert_eq!(at(10), Some((10, "")));
    let yaml = "services:\n  seed:\n    command: |\n      curl x\n    image: curl\n";
    assert_eq!(
        placement(Path::new("compose.yml"), yaml, 3),
        Some((2, "    "))
    );
    assert_eq!(placement(Path::new("init.sql"), "SELECT 1;\n", 0), None);
    assert_eq!(placement(Path::new("seed.sh"), "echo 'open\n", 0), None);
}

#[test]
fn a_suppression_above_a_statement_covers_all_its_lines() {
    let text = SCRIPT.replace(
        "curl -X POST",
        "# isolint: ignore[ISO005] shared client, until the split\ncurl -X POST",
    );
    // On the quoted string's second line, and on the next command.
    let left = left_after("seed.sh", &text, "ISO005", &["redirect_uris", "ciam-hera"]);
    assert_eq!(left, vec![("ISO005", 10)]);
    // The editor's placeholder is no reason.
    let text = "a {\n\t# isolint: ignore[ISO003] <reason>\n\treverse_proxy x:1\n}\n";
    let left = left_after("Caddyfile", text, "ISO003", &["x:1"]);
    assert_eq!(left, vec![("ISO003", 3), ("CFG003", 2)]);
}
