//! The synthetic monorepo of the benchmarks: healthy environments give no
//! findings, each injected break gives exactly its one finding, and the
//! same seed gives the same tree.

use crate::common;
use crate::synth;

use common::findings;
use synth::{BREAKS, Spec, generate};

fn spec(environments: usize, breaks: usize) -> Spec {
    Spec {
        environments,
        seed: 7,
        breaks,
    }
}

#[test]
fn healthy_environments_have_no_findings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let generated = generate(dir.path(), &spec(6, 0)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(generated.files.len(), 6 * 13);
    assert!(generated.expected.is_empty());
    assert_eq!(findings(dir.path()), vec![]);
}

#[test]
fn each_break_gives_exactly_its_finding() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Every break twice, among healthy environments.
    let breaks = 2 * BREAKS.len();
    let generated =
        generate(dir.path(), &spec(breaks + 8, breaks)).unwrap_or_else(|e| panic!("{e}"));
    let mut expected: Vec<(String, String, u64)> = generated
        .expected
        .iter()
        .map(|(c, f, l)| (c.clone(), f.clone(), *l as u64))
        .collect();
    expected.sort();
    let mut got = findings(dir.path());
    got.sort();
    assert_eq!(got.len(), breaks);
    assert_eq!(got, expected);
}

#[test]
fn the_seed_decides_the_tree() {
    let read = |seed: u64| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let spec = Spec {
            environments: 3,
            seed,
            breaks: 2,
        };
        let generated = generate(dir.path(), &spec).unwrap_or_else(|e| panic!("{e}"));
        let texts: Vec<(String, String)> = generated
            .files
            .iter()
            .map(|f| {
                let rel = f.strip_prefix(dir.path()).unwrap_or(f);
                let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{e}"));
                (rel.to_string_lossy().into_owned(), text)
            })
            .collect();
        (texts, generated.expected)
    };
    assert_eq!(read(1), read(1));
    assert_ne!(read(1).0, read(2).0);
}
