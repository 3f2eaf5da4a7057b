//! In-process figures for each stage after discovery, on the synthetic
//! monorepo (`benches/synth`): YAML parse throughput, one environment's
//! load and model build, the rules over built environments, and a whole
//! check of a 100-environment tree.

// Outside the library: a failure here is a panic, as in any test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "synth/mod.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isolint::check::{Given, Request};
use isolint::discover::Scope;
use isolint::load::project::Stack;
use isolint::model::Environment;
use isolint::syntax::source::{FileId, SourceMap};
use std::hint::black_box;
use std::path::Path;

/// The binary's allocator, so that the figures are the shipped ones.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn tree(environments: usize) -> (tempfile::TempDir, synth::Generated) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = synth::Spec {
        environments,
        seed: 1,
        breaks: 0,
    };
    let generated = synth::generate(dir.path(), &spec).unwrap_or_else(|e| panic!("{e}"));
    (dir, generated)
}

fn environments(root: &Path) -> Vec<Stack> {
    let config = Default::default();
    let listing = isolint::check::list_tree(root, Default::default(), &config);
    isolint::check::stacks(root, &config, &listing)
}

fn build(sources: &SourceMap, scope: &Scope, stack: &Stack) -> Environment {
    let mut diags = Vec::new();
    isolint::check::environment(
        sources,
        scope,
        &Default::default(),
        stack,
        &Default::default(),
        &mut diags,
    )
}

fn bench(c: &mut Criterion) {
    let (dir, generated) = tree(100);
    let root = dir.path();
    let scope = Scope::for_path(root).unwrap_or_else(|e| panic!("{e}"));

    // YAML: every compose and Ory file of ten environments.
    let yaml: Vec<String> = generated
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yml"))
        .take(50)
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let bytes: usize = yaml.iter().map(String::len).sum();
    let mut group = c.benchmark_group("yaml");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            yaml.iter()
                .map(|t| {
                    isolint::syntax::yaml::parse(FileId(0), t)
                        .map(|d| d.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    // The parser's events alone: the floor under the tree building.
    group.bench_function("saphyr_events_only", |b| {
        b.iter(|| {
            yaml.iter()
                .map(|t| saphyr_parser::Parser::new_from_str(t).count())
                .sum::<usize>()
        })
    });
    group.finish();

    // One environment: read, parse every front end, resolve, build.
    let dirs = environments(root);
    let Some(first) = dirs.first().cloned() else {
        return;
    };
    let env_bytes: u64 = generated
        .files
        .iter()
        .filter(|f| f.starts_with(&first.dir))
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mut group = c.benchmark_group("environment");
    group.throughput(Throughput::Bytes(env_bytes));
    group.bench_function("load_and_build", |b| {
        b.iter(|| {
            let sources = SourceMap::new();
            black_box(build(&sources, &scope, &first).services.len())
        })
    });
    let sources = SourceMap::new();
    let built: Vec<Environment> = dirs.iter().map(|d| build(&sources, &scope, d)).collect();
    let policy = isolint::model::policy::Policy::default();
    group.throughput(Throughput::Elements(1));
    group.bench_function("rules", |b| {
        b.iter(|| {
            black_box(
                isolint::rules::Registry::default()
                    .run(&built[0], &policy)
                    .len(),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(generated.bytes));
    group.bench_function("tree_100_environments", |b| {
        b.iter(|| {
            let given = Given::default();
            let request = Request {
                paths: vec![root.to_path_buf()],
                given: &given,
                config: None,
                select: &[],
                ignore: &[],
                baseline: Default::default(),
                no_suppressions: false,
            };
            let sources = SourceMap::new();
            let found = isolint::check::findings(&sources, &request);
            black_box(found.map(|f| f.diagnostics.len()).unwrap_or(usize::MAX))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
