//! Helpers shared by the integration tests.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

/// `isolint check --format json ROOT` as (code, file inside ROOT, line).
pub fn findings(root: &Path) -> Vec<(String, String, u64)> {
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .args(["check", "--format", "json"])
        .arg(root)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: bad json ({e})", root.display()));
    parse_findings(&report, root)
        .into_iter()
        .map(|(code, file, line, _)| (code, file, line))
        .collect()
}

/// The findings of a JSON report as (code, file inside ROOT, line,
/// message).
pub fn parse_findings(
    report: &serde_json::Value,
    root: &Path,
) -> Vec<(String, String, u64, String)> {
    let prefix = format!("{}/", root.to_string_lossy().trim_end_matches('/'));
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let file = f["primary"]["file"].as_str().unwrap_or("");
            (
                f["code"].as_str().unwrap_or("").to_string(),
                file.strip_prefix(&prefix).unwrap_or(file).to_string(),
                f["primary"]["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// A fresh folder holding `files` (path inside it, text).
pub fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (path, text) in files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Copies a folder's files, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry
            .path()
            .strip_prefix(from)
            .unwrap_or_else(|e| panic!("{e}"));
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(entry.path(), &dest).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
