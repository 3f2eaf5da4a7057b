//! The same tree gives byte-identical output in every format (the
//! graphs' too), run after run and whatever the thread count:
//! environments load in parallel and files are numbered as they are
//! read, so nothing may depend on which thread finished first.

use crate::common;
use crate::synth;

use assert_cmd::Command;
use std::path::Path;

/// `check --format FORMAT`, or `graph --format KIND` for `graph-KIND`.
fn output(root: &Path, format: &str, threads: &str) -> Vec<u8> {
    let (command, format, code) = match format.strip_prefix("graph-") {
        Some(kind) => ("graph", kind, 0),
        None => ("check", format, 1),
    };
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .args([command, "--format", format])
        .arg(root)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(out.status.code(), Some(code), "{command} {format}");
    out.stdout
}

#[test]
fn output_is_the_same_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // Every kind of break twice, among healthy environments, plus the
    // broken fixture trees (parse errors, suppressions, every rule).
    let breaks = 2 * synth::BREAKS.len();
    let spec = synth::Spec {
        environments: breaks + 10,
        seed: 3,
        breaks,
    };
    synth::generate(&dir.path().join("synth"), &spec).unwrap_or_else(|e| panic!("{e}"));
    common::copy_tree(Path::new("tests/rules"), &dir.path().join("fixtures"));
    for format in [
        "pretty",
        "concise",
        "json",
        "sarif",
        "github",
        "graph-mermaid",
        "graph-dot",
        "graph-summary",
    ] {
        let first = output(dir.path(), format, "1");
        assert!(!first.is_empty(), "{format}: no output");
        for threads in ["2", "4", "2"] {
            let again = output(dir.path(), format, threads);
            assert!(
                again == first,
                "{format} with {threads} thread(s) differs from the first run:\n{}\n---\n{}",
                String::from_utf8_lossy(&first),
                String::from_utf8_lossy(&again)
            );
        }
    }
}
