//! Fuzzes the whole pipeline on a generated tree: one synthetic
//! environment with the input as one of its files (the first byte picks
//! which): compose (interpolation, mounts), the Ory YAML overlaid by the
//! environment, `.env`, the Caddyfile, the seed script or the init SQL —
//! then the rules, suppressions, and the JSON and SARIF reports.
#![no_main]

#[path = "../../benches/synth/mod.rs"]
mod synth;

use isolint::check::{Given, Request};
use isolint::syntax::source::SourceMap;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const FILES: &[&str] = &[
    "compose.prod.yml",
    "iam-kratos/kratos.yml",
    "ciam-hydra/hydra.yml",
    ".env",
    "Caddyfile",
    "caddy/iam-sites.caddy",
    "seed-prod.sh",
    "init-db.sql",
    "ciam-athena.env",
];

/// A one-environment synthetic tree, and its pristine files.
fn tree() -> &'static (tempfile::TempDir, PathBuf, Vec<(PathBuf, String)>) {
    static TREE: OnceLock<(tempfile::TempDir, PathBuf, Vec<(PathBuf, String)>)> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = synth::Spec {
            environments: 1,
            seed: 1,
            breaks: 0,
        };
        let generated = synth::generate(&dir.path().join("t"), &spec).expect("generate");
        let env = generated.files.first().and_then(|f| f.parent()).expect("env").to_path_buf();
        let pristine = FILES
            .iter()
            .map(|f| {
                let path = env.join(f);
                let text = std::fs::read_to_string(&path).expect("read");
                (path, text)
            })
            .collect();
        (dir, env, pristine)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (dir, _, pristine) = tree();
    let Some((path, _)) = pristine.get(pick as usize % pristine.len()) else {
        return;
    };
    for (p, text) in pristine {
        std::fs::write(p, text).expect("restore");
    }
    std::fs::write(path, rest).expect("write");
    let given = Given::default();
    let request = Request {
        paths: vec![dir.path().to_path_buf()],
        given: &given,
        config: None,
        select: &[],
        ignore: &[],
    };
    let sources = SourceMap::new();
    if let Ok(found) = isolint::check::findings(&sources, &request) {
        let _ = isolint::report::json::render(&sources, &found);
        let _ = isolint::report::sarif::render(&sources, &found, 1);
    }
});
