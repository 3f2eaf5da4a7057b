//! Fuzzes the Caddyfile front end end to end: lexer, parser, import
//! expansion (with real files to import, one of them cyclic) and the
//! site/upstream extraction.
#![no_main]

use isolint::discover::Scope;
use isolint::load::caddy::{load_text, sites::sites};
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::SourceMap;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn tree() -> &'static (tempfile::TempDir, Scope, PathBuf) {
    static TREE: OnceLock<(tempfile::TempDir, Scope, PathBuf)> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.caddy"), "import b.caddy\nreverse_proxy {args[0]}\n").expect("write");
        std::fs::write(dir.path().join("b.caddy"), "(s) {\n\tto {args[:]}\n}\nimport a.caddy\n").expect("write");
        let scope = Scope::for_path(dir.path()).expect("scope");
        let path = dir.path().join("Caddyfile");
        (dir, scope, path)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (_, scope, path) = tree();
    let mut env = Env::new();
    env.insert("V".into(), "v:1".into());
    let sources = SourceMap::new();
    let config = load_text(&sources, scope, path, &text, &env);
    let _ = sites(&config, &env);
});
