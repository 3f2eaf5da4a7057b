//! Property test: random token soup never makes the Caddyfile front end
//! panic or hang, and every span it reports lies inside the file.

use isolint::discover::Scope;
use isolint::load::caddy::{load_text, sites::sites};
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::SourceMap;
use proptest::prelude::*;

/// Pieces that matter to the lexer and parser, plus imports that exist.
const VOCABULARY: &[&str] = &[
    "{",
    "}",
    "{}",
    "\"",
    "`",
    "<<",
    "<<END",
    "END",
    "<<<X",
    "\\",
    "#",
    "\n",
    "\n",
    "\n",
    " ",
    " ",
    "\t",
    "\r\n",
    ",",
    "import",
    "a.caddy",
    "*.caddy",
    "../out",
    "(s)",
    "&(r)",
    "s",
    "r",
    "invoke",
    "reverse_proxy",
    "to",
    "handle",
    "route",
    "handle_path",
    "php_fastcgi",
    "forward_auth",
    "@m",
    "host",
    "a.com",
    ":8080",
    "http://",
    "x:1-3",
    "unix//s",
    "https://y",
    "{$V}",
    "{$V:d:1}",
    "{args[0]}",
    "{args[:]}",
    "{args.1}",
    "{block}",
    "{blocks.k}",
    "{host}",
    "ç",
    "\u{feff}",
    "\\<",
    "\\\n",
    "\"a b\"",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(VOCABULARY).prop_map(str::to_string),
            1 => "[ -~]{0,6}",
        ],
        0..80,
    )
    .prop_map(|pieces| pieces.concat())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    std::fs::write(
        dir.path().join("a.caddy"),
        "import b.caddy\nreverse_proxy {args[0]}\n",
    )
    .map_err(|e| TestCaseError::fail(e.to_string()))?;
    std::fs::write(dir.path().join("b.caddy"), "import a.caddy\n")
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let scope = Scope::for_path(dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let sources = SourceMap::new();
    let mut env = Env::new();
    env.insert("V".into(), "v:2".into());
    let config = load_text(&sources, &scope, &dir.path().join("Caddyfile"), text, &env);
    let (sites, diags) = sites(&config, &env);
    let in_file = |span: isolint::syntax::source::Span| {
        span.start <= span.end && span.end as usize <= sources.text(span.file).len()
    };
    for d in config.diagnostics.iter().chain(&diags) {
        prop_assert!(in_file(d.primary.span), "{:?}", d);
        for r in &d.related {
            prop_assert!(in_file(r.span), "{:?}", r);
        }
    }
    for site in &sites {
        for u in &site.upstreams {
            prop_assert!(in_file(u.span));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(text in soup()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text)?;
    }
}
