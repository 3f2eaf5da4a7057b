//! Throughput of the Caddyfile front end: lex + parse + import expansion +
//! site/upstream extraction, over Caddy's adapter corpus and over one large
//! generated Caddyfile.

// Outside the library: a failure here is a panic, as in any test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isolint::discover::Scope;
use isolint::load::caddy::{load_text, sites::sites};
use isolint::syntax::caddyfile::lexer::lex;
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::{FileId, SourceMap};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// The binary's allocator, so that the figures are the shipped ones.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus() -> Vec<String> {
    let dir = std::env::var_os("ISOLINT_CADDY_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/caddy-adapt"),
        PathBuf::from,
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| match t.find("\n----------") {
            Some(i) => t[..=i].to_string(),
            None => t,
        })
        .collect()
}

/// A production-like Caddyfile with `n` sites using snippets and matchers.
fn large(n: usize) -> String {
    let mut s = String::from(
        "{\n\temail ops@example.com\n}\n(headers) {\n\theader {\n\t\t-Server\n\t\tX-Frame-Options DENY\n\t}\n}\n(proxy) {\n\treverse_proxy {args[0]} {\n\t\theader_up X-Forwarded-Host {host}\n\t\t{block}\n\t}\n}\n",
    );
    for i in 0..n {
        let domain = if i % 2 == 0 { "ciam" } else { "iam" };
        s.push_str(&format!(
            "{domain}-{i}.example.com, www.{domain}-{i}.example.com {{\n\timport headers\n\t@api path /api/*\n\thandle @api {{\n\t\treverse_proxy {domain}-api-{i}:8080 {domain}-api-{i}b:8080 {{\n\t\t\tlb_policy round_robin\n\t\t\thealth_uri /health\n\t\t}}\n\t}}\n\thandle {{\n\t\timport proxy {domain}-hera-{i}:3000 {{\n\t\t\ttransport http {{\n\t\t\t\tread_timeout 30s\n\t\t\t}}\n\t\t}}\n\t}}\n\trespond /robots.txt \"User-agent: *\" 200\n}}\n\n"
        ));
    }
    s
}

fn run(texts: &[String], scope: &Scope, path: &Path) -> usize {
    let env = Env::new();
    let mut upstreams = 0;
    for text in texts {
        let sources = SourceMap::new();
        let config = load_text(&sources, scope, path, text, &env);
        let (s, _) = sites(&config, &env);
        upstreams += s.iter().map(|s| s.upstreams.len()).sum::<usize>();
    }
    upstreams
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir();
    let scope = Scope::for_path(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("isolint-bench-Caddyfile");

    let corpus = corpus();
    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut group = c.benchmark_group("caddyfile");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("corpus", |b| {
        b.iter(|| black_box(run(&corpus, &scope, &path)))
    });

    let big = vec![large(2000)];
    group.throughput(Throughput::Bytes(big[0].len() as u64));
    group.bench_function("large_2000_sites", |b| {
        b.iter(|| black_box(run(&big, &scope, &path)))
    });
    group.bench_function("large_2000_sites_lex_only", |b| {
        b.iter(|| black_box(lex(FileId(0), &big[0]).map(|t| t.len()).unwrap_or(0)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
