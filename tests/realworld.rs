//! The ecosystem check, in the spirit of ruff's: public Ory trees
//! (`../shared/corpus/realworld/`: the Kratos and Hydra quickstarts, laid
//! out by the corpus's `arrange.sh` as compose merges them, and Ory's
//! examples), each ONE identity stack. A user expects of them no isolation
//! finding (there is no second domain to cross into) and no CFG001 on a
//! file its consumer accepts.

mod common;

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    std::env::var_os("ISOLINT_REALWORLD_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld"),
        PathBuf::from,
    )
}

/// The corpus laid out in a temporary folder by its own `arrange.sh`.
fn arranged() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let script = corpus_dir().join("arrange.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Every folder two levels down (`ory-kratos/quickstart-postgres`, ...).
fn trees(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for repo in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for tree in std::fs::read_dir(repo.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if tree.path().is_dir() {
                out.push(tree.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn public_single_stack_trees_get_no_isolation_finding_and_no_parse_error() {
    let dir = arranged();
    let trees = trees(dir.path());
    assert!(trees.len() >= 15, "corpus missing: {} trees", trees.len());
    let mut wrong = Vec::new();
    let mut services = 0;
    for tree in &trees {
        for (code, file, line) in common::findings(tree) {
            if code.starts_with("ISO") || code == "CFG001" {
                wrong.push(format!("{}: {code} {file}:{line}", tree.display()));
            }
        }
        // The trees are really read: each has a compose file isolint
        // models (a dump lists its services).
        let (dump, _) = common::run_both(&["dump", &tree.to_string_lossy()], 0);
        let model: serde_json::Value =
            serde_json::from_str(&dump).unwrap_or_else(|e| panic!("dump: {e}"));
        services += model["environments"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["services"].as_array().map_or(0, Vec::len))
            .sum::<usize>();
    }
    assert!(
        wrong.is_empty(),
        "findings a user would not agree with:\n{}",
        wrong.join("\n")
    );
    assert!(services >= 50, "only {services} services modelled");
}

#[test]
fn their_boundary_is_none_with_a_reason() {
    let dir = arranged();
    let tree = dir.path().join("ory-hydra/quickstart-postgres");
    let (dump, _) = common::run_both(&["dump", &tree.to_string_lossy()], 0);
    let model: serde_json::Value =
        serde_json::from_str(&dump).unwrap_or_else(|e| panic!("dump: {e}"));
    let env = &model["environments"][0];
    assert_eq!(env["boundary"]["state"], "none", "{}", env["boundary"]);
    assert!(
        env["boundary"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("one identity stack")),
        "{}",
        env["boundary"]
    );
}
