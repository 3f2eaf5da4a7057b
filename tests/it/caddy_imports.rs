//! Imports against real files: globs, hidden files, arguments through
//! files, self-imports, links and absolute paths out of the tree.

use isolint::diag::Diagnostic;
use isolint::discover::Scope;
use isolint::load::caddy::{load, sites::sites};
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::SourceMap;
use std::path::Path;

struct Outcome {
    dials: Vec<String>,
    errors: Vec<(String, usize, String)>,
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn check(root: &Path, caddyfile: &Path) -> Outcome {
    let scope = Scope::for_path(root).unwrap_or_else(|e| panic!("{e}"));
    let sources = SourceMap::new();
    let env = Env::new();
    let config = load(&sources, &scope, caddyfile, &env);
    let (sites, diags) = sites(&config, &env);
    let all: Vec<&Diagnostic> = config.diagnostics.iter().chain(&diags).collect();
    Outcome {
        dials: sites
            .iter()
            .flat_map(|s| &s.upstreams)
            .filter_map(|u| u.dial.clone())
            .collect(),
        errors: all
            .iter()
            .map(|d| {
                let name = sources
                    .path(d.primary.span.file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    name,
                    sources.position(d.primary.span).line,
                    d.message.clone(),
                )
            })
            .collect(),
    }
}

fn tree() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `files` into a fresh tree and loads its `Caddyfile`.
fn run_tree(files: &[(&str, &str)]) -> Outcome {
    let dir = tree();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    check(dir.path(), &dir.path().join("Caddyfile"))
}

#[test]
fn glob_imports_are_relative_skip_hidden_files_and_take_arguments() {
    let r = run_tree(&[
        ("Caddyfile", "import sites/*.caddy ciam\n"),
        (
            "sites/a.caddy",
            "a.example {\n\treverse_proxy {args[0]}-a:1\n}\n",
        ),
        (
            "sites/b.caddy",
            "b.example {\n\timport ../snippets/proxy.caddy {args[0]}-b:2\n}\n",
        ),
        (
            "sites/.hidden.caddy",
            "h.example {\n\treverse_proxy hidden:3\n}\n",
        ),
        ("snippets/proxy.caddy", "reverse_proxy {args[0]}\n"),
    ]);
    assert_eq!(r.errors, vec![]);
    assert_eq!(r.dials, vec!["ciam-a:1", "ciam-b:2"]);
}

#[test]
fn snippets_defined_in_an_imported_file_keep_their_placeholders() {
    let r = run_tree(&[
        (
            "Caddyfile",
            "import snippets.caddy\na.example {\n\timport proxy a:80 b:80 {\n\t\tlb_policy first\n\t}\n}\n",
        ),
        (
            "snippets.caddy",
            "(proxy) {\n\treverse_proxy {args[:]} {\n\t\t{block}\n\t}\n}\n",
        ),
    ]);
    assert_eq!(r.errors, vec![]);
    assert_eq!(r.dials, vec!["a:80", "b:80"]);
}

#[test]
fn a_glob_that_matches_itself_is_a_cycle_at_the_import_line() {
    let r = run_tree(&[(
        "Caddyfile",
        ":80 {\n\treverse_proxy a:1\n}\nimport Caddy*\n",
    )]);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!((r.errors[0].0.as_str(), r.errors[0].1), ("Caddyfile", 4));
    assert!(r.errors[0].2.contains("cycle"), "{:?}", r.errors);
    assert_eq!(r.dials, vec!["a:1"]);
}

#[test]
fn imports_outside_the_tree_are_refused_also_through_links_and_absolute_paths() {
    let outside = tree();
    write(outside.path(), "evil.caddy", "reverse_proxy evil:1\n");
    let dir = tree();
    let d = dir.path();
    let evil = outside.path().join("evil.caddy");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&evil, d.join("link.caddy")).unwrap_or_else(|e| panic!("{e}"));
    write(
        d,
        "Caddyfile",
        &format!(
            ":80 {{\n\timport {}\n\timport link.caddy\n\treverse_proxy ok:1\n}}\n",
            evil.display()
        ),
    );
    let r = check(d, &d.join("Caddyfile"));
    let lines: Vec<usize> = r.errors.iter().map(|e| e.1).collect();
    assert_eq!(lines, vec![2, 3], "{:?}", r.errors);
    assert!(
        r.errors
            .iter()
            .all(|e| e.2.contains("leaves the checked tree"))
    );
    assert_eq!(r.dials, vec!["ok:1"]);
}

#[test]
fn snippet_errors_do_not_hide_the_rest_of_the_file() {
    let r = run_tree(&[(
        "Caddyfile",
        "(s) {\n\treverse_proxy s:1\n}\n(s) {\n\treverse_proxy t:1\n}\n:80 {\n\timport s\n\timport missing.caddy\n\treverse_proxy after:2\n}\n",
    )]);
    let lines: Vec<usize> = r.errors.iter().map(|e| e.1).collect();
    assert_eq!(lines, vec![4, 9], "{:?}", r.errors);
    assert_eq!(r.dials, vec!["s:1", "after:2"]);
}

#[test]
fn unreadable_caddyfile_is_a_diagnostic() {
    let dir = tree();
    let d = dir.path();
    std::fs::write(d.join("Caddyfile"), [0xff, 0xfe, b'{']).unwrap_or_else(|e| panic!("{e}"));
    let r = check(d, &d.join("Caddyfile"));
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].2.contains("not valid UTF-8"), "{:?}", r.errors);
}
