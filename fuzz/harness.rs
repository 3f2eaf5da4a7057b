//! The fuzz targets' bodies, one function per target. Each target in
//! `fuzz_targets/` calls its function; `tests/it/fuzz_regressions.rs` calls
//! the same functions on every input kept under `fuzz/regressions/`, so a
//! finding stays fixed once it is filed there.

#[path = "../benches/synth/mod.rs"]
mod synth;

use isolint::check::{Given, Request};
use isolint::discover::Scope;
use isolint::load::caddy::{load_text, sites::sites};
use isolint::load::compose::Vars;
use isolint::load::dsn::Dsn;
use isolint::report::graph;
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::{FileId, SourceMap, Span};
use isolint::syntax::value::{Origin, Value, parse_template};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A target's body: it takes the fuzzer's bytes.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/regressions/<name>/` is laid out.
pub const TARGETS: &[(&str, Target)] = &[
    ("caddyfile", caddyfile),
    ("dotenv", dotenv),
    ("dsn", dsn),
    ("pipeline", pipeline),
    ("seed", seed),
    ("yaml", yaml),
];

/// The Caddyfile front end end to end: lexer, parser, import expansion
/// (with real files to import, one of them cyclic) and the site/upstream
/// extraction.
pub fn caddyfile(data: &[u8]) {
    static TREE: OnceLock<(tempfile::TempDir, Scope, PathBuf)> = OnceLock::new();
    let (_, scope, path) = TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text);
        write("a.caddy", "import b.caddy\nreverse_proxy {args[0]}\n").expect("write");
        write("b.caddy", "(s) {\n\tto {args[:]}\n}\nimport a.caddy\n").expect("write");
        let scope = Scope::for_path(dir.path()).expect("scope");
        let path = dir.path().join("Caddyfile");
        (dir, scope, path)
    });
    let text = String::from_utf8_lossy(data);
    let mut env = Env::new();
    env.insert("V".into(), "v:1".into());
    let sources = SourceMap::new();
    let config = load_text(&sources, scope, path, &text, &env);
    let _ = sites(&config, &env);
}

/// The `.env` reader (compose's rules: quotes, escapes, `export`,
/// interpolation of earlier keys and of the outer environment).
pub fn dotenv(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let outer = |name: &str| -> Option<Arc<Value>> {
        if name != "OUTER" {
            return None;
        }
        let origin = Origin {
            whole: Span::new(FileId(1), 0, 0),
            offset: None,
        };
        parse_template("o${X:-1}", origin).ok().map(Arc::new)
    };
    if let Ok(env) = isolint::load::dotenv::parse(FileId(0), &text, &outer) {
        let _ = env.get("A").map(|v| v.text());
    }
}

/// Compose interpolation templates and the DSN reader over them (known,
/// symbolic and mixed parts; MySQL's `tcp()`; redaction).
pub fn dsn(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let origin = Origin {
        whole: Span::new(FileId(0), 0, text.len()),
        offset: Some(0),
    };
    let Ok(mut value) = parse_template(&text, origin) else {
        return;
    };
    let bound = parse_template("db:5432", origin).ok().map(Arc::new);
    value.bind(&|name| (name == "HOST").then(|| bound.clone()).flatten());
    let _ = value.text();
    let _ = value.template_text();
    let _ = value.failed_requirements();
    if let Some(dsn) = Dsn::parse(&value) {
        let _ = format!("{dsn:?}");
    }
}

/// The seed-script reader: brush-parser's shell AST and the data flow
/// that finds OAuth2 client registrations (curl, the hydra CLI, wrapper
/// functions, held payloads, defaults).
pub fn seed(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = isolint::load::seed::registrations(
        FileId(0),
        &text,
        &isolint::load::seed::Context::with_vars(&Vars::new()),
    );
}

/// The spanned YAML reader (anchors, aliases, merge keys, tags, duplicate
/// keys, the alias budget and the depth limit) and its path API.
pub fn yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(docs) = isolint::syntax::yaml::parse(FileId(0), &text) {
        for doc in &docs {
            let _ = doc.get("services.app.environment");
            let _ = doc.get("serve.public.base_url");
            for e in doc.entries() {
                let _ = e.value.as_bool();
            }
        }
    }
}

/// The files of a synthetic environment the pipeline target replaces; the
/// input's first byte picks one.
const PIPELINE_FILES: &[&str] = &[
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

/// The whole pipeline on a generated tree: one synthetic environment with
/// the input as one of its files — compose (interpolation, mounts), the
/// Ory YAML overlaid by the environment, `.env`, the Caddyfile, the seed
/// script or the init SQL — then the rules, suppressions, the JSON and
/// SARIF reports, and the graphs as Mermaid, DOT and a job summary.
pub fn pipeline(data: &[u8]) {
    type Tree = (tempfile::TempDir, Vec<(PathBuf, String)>);
    static TREE: OnceLock<Tree> = OnceLock::new();
    let (dir, pristine) = TREE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = synth::Spec {
            environments: 1,
            seed: 1,
            breaks: 0,
        };
        let generated = synth::generate(&dir.path().join("t"), &spec).expect("generate");
        let env = generated
            .files
            .first()
            .and_then(|f| f.parent())
            .expect("env");
        let pristine = PIPELINE_FILES
            .iter()
            .map(|f| {
                let path = env.join(f);
                let text = std::fs::read_to_string(&path).expect("read");
                (path, text)
            })
            .collect();
        (dir, pristine)
    });
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
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
        baseline: Default::default(),
        no_suppressions: false,
    };
    let sources = SourceMap::new();
    let drawn = isolint::check::findings_and(&sources, &request, |env, config| {
        graph::build(env, &config.policy.domains)
    });
    if let Ok(isolint::check::Checked {
        diagnostics: found,
        kept: mut graphs,
        rules,
        ..
    }) = drawn
    {
        let _ = isolint::report::json::render(&sources, &found);
        let _ = isolint::report::sarif::render(&sources, &found, &rules, 1);
        // The SVG's layout (dagre) costs most of a run here; the unit
        // tests' property test lays out random graphs instead.
        for g in &mut graphs {
            g.mark(&found, &sources);
        }
        let _ = graph::mermaid::render(&graphs);
        let _ = graph::dot::render(&graphs);
        let _ = graph::summary::render(&sources, &found, &graphs);
    }
}
