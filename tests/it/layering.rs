//! Layering is a rule, not a wish: the folders read in the order data
//! flows (discover → syntax → load → model → rules → report, with spans
//! and diagnostics below them all and the commands on top), and no module
//! names a module of a later folder.

use std::path::{Path, PathBuf};

/// The rank of a module path inside the crate (`diag`, `syntax::source`,
/// `load::compose`, ...): lower ranks come earlier in the flow.
fn rank(module: &str) -> Option<u8> {
    let mut parts = module.split("::");
    let first = parts.next()?;
    Some(match (first, parts.next()) {
        ("diag", _) | ("syntax", Some("source")) => 0,
        ("discover", _) => 1,
        ("syntax", _) => 2,
        ("load", _) => 3,
        ("model", _) => 4,
        ("rules", _) => 5,
        ("report" | "audit", _) => 6,
        ("config" | "check" | "cli" | "lsp", _) => 7,
        _ => return None,
    })
}

/// The rank of a source file, by where it lies.
fn file_rank(path: &Path) -> Option<u8> {
    let inside = path.strip_prefix("src").ok()?;
    let module = inside
        .with_extension("")
        .to_string_lossy()
        .replace('/', "::")
        .trim_end_matches("::mod")
        .to_string();
    if matches!(module.as_str(), "lib" | "main") {
        return Some(7);
    }
    rank(&module)
}

/// The later-folder modules a line of code names (`crate::x::y`), with
/// comments left out.
fn upward(file: u8, line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let code = code.split(" // ").next().unwrap_or("");
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = rest.get(i + 7..).unwrap_or("");
        let module: String = after
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or("")
            .to_string();
        if let Some(r) = rank(&module)
            && r > file
        {
            out.push(module);
        }
        rest = after;
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_later_folder() {
    // Cargo runs tests from the package root.
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    files.sort();
    assert!(files.len() > 40, "sources missing: {}", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let Some(r) = file_rank(path) else {
            wrong.push(format!("{}: in no layer", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        for (n, line) in text.lines().enumerate() {
            for m in upward(r, line) {
                wrong.push(format!("{}:{}: crate::{m}", path.display(), n + 1));
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    let load = file_rank(Path::new("src/load/compose.rs")).unwrap_or(0);
    assert_eq!(load, 3);
    assert_eq!(
        upward(load, "use crate::model::value::Value;"),
        ["model::value::Value"]
    );
    assert!(upward(load, "use crate::syntax::value::Value;").is_empty());
    assert!(upward(load, "// see crate::rules").is_empty());
    assert_eq!(
        upward(0, "    code: crate::rules::CFG001,"),
        ["rules::CFG001"],
        "diag below the rules"
    );
    assert_eq!(file_rank(Path::new("src/syntax/source.rs")), Some(0));
    assert_eq!(file_rank(Path::new("src/check.rs")), Some(7));
}
