//! Fixture trees with their expected findings: every `fixtures/broken/*`
//! folder holds an `expected.txt` of `CODE path/inside/the/fixture LINE`
//! lines, and the healthy `fixtures/olympus` and `fixtures/healthy/*`
//! trees have none.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

type Findings = BTreeSet<(String, String, u64)>;

fn findings(root: &Path) -> Findings {
    common::findings(root).into_iter().collect()
}

fn expected(dir: &Path) -> Findings {
    let text = std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let code = parts.next().unwrap_or("").to_string();
            let file = parts.next().unwrap_or("").to_string();
            let line = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            (code, file, line)
        })
        .collect()
}

#[test]
fn broken_fixtures_give_exactly_their_expected_findings() {
    let mut dirs: Vec<_> = std::fs::read_dir("fixtures/broken")
        .unwrap_or_else(|e| panic!("fixtures/broken: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "fixtures missing");
    for dir in dirs {
        let want = expected(&dir);
        assert!(!want.is_empty(), "{}: expected.txt is empty", dir.display());
        assert_eq!(findings(&dir), want, "{}", dir.display());
    }
}

#[test]
fn healthy_trees_have_no_findings() {
    assert_eq!(findings(Path::new("fixtures/olympus")), Findings::new());
    // A dev tree routed through a locally built proxy's published ports,
    // with both legs of the CIAM Athena's login flow; single-stack trees
    // on Ory's default ports, with and without a proxy.
    let mut dirs: Vec<_> = std::fs::read_dir("fixtures/healthy")
        .unwrap_or_else(|e| panic!("fixtures/healthy: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "fixtures missing");
    for dir in dirs {
        assert_eq!(findings(&dir), Findings::new(), "{}", dir.display());
    }
}
