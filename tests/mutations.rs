//! Mutations of the healthy tree (the breaks of the synthetic benchmark
//! tree, `benches/synth`): each small edit breaks isolation (or
//! prod hygiene) in one way, and the right rule must fire at the edited
//! line — nothing else.

mod common;
#[path = "../benches/synth/mod.rs"]
mod synth;

use common::{copy_tree, findings};
use std::path::{Path, PathBuf};
use synth::{BREAKS, apply};

fn healthy_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("olympus");
    copy_tree(Path::new("fixtures/olympus"), &root);
    (dir, root)
}

#[test]
fn each_mutation_fires_the_right_rule_at_the_edited_line() {
    let (_guard, root) = healthy_copy();
    assert_eq!(findings(&root), vec![], "the healthy copy has findings");
    for brk in BREAKS {
        let (_guard, root) = healthy_copy();
        let file = format!("platform/prod/{}", brk.file);
        let path = root.join(&file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let line = apply(&mut text, brk).unwrap_or_else(|| panic!("{} not in {file}", brk.old));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let line = (line + brk.offset) as u64;
        let code = brk.code;
        let got = findings(&root);
        assert!(
            got.contains(&(code.to_string(), file.clone(), line)),
            "{code} expected at {file}:{line}, got {got:?}"
        );
        assert!(
            got.iter().all(|(c, _, _)| c == code),
            "{code}: other findings too: {got:?}"
        );
    }
}
