//! The pre-commit hook (`.pre-commit-hooks.yaml`): pre-commit, from PyPI,
//! runs it from this checkout (`try-repo`, which builds it with cargo as
//! any user's pre-commit would) in a scratch git repository holding a
//! platform tree; it fails on a broken tree and passes on a healthy one.

use crate::common;

use common::copy_tree;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/tools/venv/bin/pre-commit`, installed on first use.
fn pre_commit() -> PathBuf {
    let venv = repo().join("target/tools/venv");
    let bin = venv.join("bin/pre-commit");
    if !bin.is_file() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "pre-commit==4.7.0"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "could not install pre-commit from PyPI");
    }
    bin
}

/// Runs the hook with `try-repo` on a git repository holding `tree`.
fn run_hook(tree: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&repo().join(tree), &dir.path().join("platform"));
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "--quiet"]);
    git(&["add", "--all"]);
    let out = Command::new(pre_commit())
        .args(["try-repo"])
        .arg(repo())
        .args(["isolint", "--all-files", "--color", "never"])
        .current_dir(dir.path())
        // Built once into the project's target folder, then reused; the
        // hook's wiring is under test, not the optimiser, so the release
        // build pre-commit asks for is made quick.
        .env("CARGO_TARGET_DIR", repo().join("target/pre-commit"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env(
            "PRE_COMMIT_HOME",
            repo().join("target/tools/pre-commit-home"),
        )
        .env("GIT_AUTHOR_NAME", "isolint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@isolint.invalid")
        .env("GIT_COMMITTER_NAME", "isolint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@isolint.invalid")
        .output()
        .unwrap_or_else(|e| panic!("pre-commit: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_hook_fails_a_broken_tree_and_passes_a_healthy_one() {
    let (code, out) = run_hook("tests/rules/ISO003/literal/platform");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[ISO003]"), "{out}");
    let (code, out) = run_hook("fixtures/olympus/platform");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Passed"), "{out}");
}
