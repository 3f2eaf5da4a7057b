//! The pre-commit hooks (`.pre-commit-hooks.yaml`): pre-commit, from
//! PyPI, runs them with `try-repo` in a scratch git repository holding a
//! platform tree. `isolint` from the hook repository (`pre-commit/`)
//! installs the wheel (here the one the tests build, served to pip with
//! no index); from this repository it builds isolint with maturin;
//! `isolint-system` runs the isolint on PATH. Each fails on a broken tree;
//! the hook repository's and the system hook pass on a healthy one.

use crate::common::copy_tree;
use crate::wheel;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::repo;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "isolint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@isolint.invalid")
        .env("GIT_COMMITTER_NAME", "isolint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@isolint.invalid")
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "git {args:?}");
}

/// The hook repository as it is published: `pre-commit/`'s files in a
/// git repository of their own.
fn hook_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&repo().join("pre-commit"), dir.path());
    git(dir.path(), &["init", "--quiet"]);
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "-m", "hooks"]);
    dir
}

/// What one `pre-commit try-repo` did.
struct Run {
    code: i32,
    output: String,
    took: Duration,
}

/// Runs `hook` of `hooks` (a repository) with `try-repo` on a git
/// repository holding `tree`, with its own pre-commit cache (so a hook
/// environment is installed, as on a first run), PATH before the
/// machine's PATH, and pip served `wheel::links()` only.
fn run_hook(hooks: &Path, hook: &str, tree: &str, path: &[&Path]) -> Run {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let work = dir.path().join("work");
    copy_tree(&repo().join(tree), &work.join("platform"));
    git(&work, &["init", "--quiet"]);
    git(&work, &["add", "--all"]);
    // The machine's PATH, less any isolint installed on it.
    let machine = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        path.iter()
            .map(|p| p.to_path_buf())
            .chain(std::env::split_paths(&machine).filter(|dir| !dir.join("isolint").exists())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (pre_commit, links) = (
        wheel::python_tool("pre-commit", "pre-commit==4.7.0"),
        wheel::links(),
    );
    let started = Instant::now();
    let out = wheel::quick_build(&mut Command::new(pre_commit))
        .args(["try-repo"])
        .arg(hooks)
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(&work)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", dir.path().join("cache"))
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", links)
        .env("GIT_AUTHOR_NAME", "isolint tests")
        .env("GIT_AUTHOR_EMAIL", "tests@isolint.invalid")
        .env("GIT_COMMITTER_NAME", "isolint tests")
        .env("GIT_COMMITTER_EMAIL", "tests@isolint.invalid")
        .output()
        .unwrap_or_else(|e| panic!("pre-commit: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        took: started.elapsed(),
    }
}

#[test]
fn the_python_hook_installs_the_wheel_and_checks_the_tree() {
    let hooks = hook_repository();
    let bad = run_hook(
        hooks.path(),
        "isolint",
        "tests/rules/ISO003/literal/platform",
        &[],
    );
    assert_eq!(bad.code, 1, "{}", bad.output);
    assert!(bad.output.contains("ISO003"), "{}", bad.output);
    let good = run_hook(hooks.path(), "isolint", "fixtures/olympus/platform", &[]);
    assert_eq!(good.code, 0, "{}", good.output);
    assert!(good.output.contains("Passed"), "{}", good.output);
    eprintln!(
        "first pre-commit run with the wheel (hook environment installed, then the check): {} ms and {} ms",
        bad.took.as_millis(),
        good.took.as_millis()
    );
}

#[test]
fn from_this_repository_the_python_hook_builds_isolint() {
    let bad = run_hook(
        &repo(),
        "isolint",
        "tests/rules/ISO003/literal/platform",
        &[],
    );
    // (Once: each run builds isolint again; the healthy tree passing is
    // the hook repository's test above.)
    assert_eq!(bad.code, 1, "{}", bad.output);
    assert!(bad.output.contains("ISO003"), "{}", bad.output);
}

#[test]
fn the_system_hook_runs_the_isolint_on_path() {
    let (_venv, bin) = wheel::installed();
    let bad = run_hook(
        &repo(),
        "isolint-system",
        "tests/rules/ISO003/literal/platform",
        &[&bin],
    );
    assert_eq!(bad.code, 1, "{}", bad.output);
    assert!(bad.output.contains("ISO003"), "{}", bad.output);
    let good = run_hook(
        &repo(),
        "isolint-system",
        "fixtures/olympus/platform",
        &[&bin],
    );
    assert_eq!(good.code, 0, "{}", good.output);
    // With no isolint on PATH the hook fails.
    let none = run_hook(&repo(), "isolint-system", "fixtures/olympus/platform", &[]);
    assert_eq!(none.code, 1, "{}", none.output);
    assert!(
        none.output.contains("Executable `isolint` not found"),
        "{}",
        none.output
    );
}
