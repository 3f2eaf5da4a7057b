//! Fixture trees: the healthy `fixtures/olympus` and `fixtures/healthy/*`
//! trees have no findings, and findings of one fact are one (the broken
//! trees, one per rule case, are checked in `rules.rs`).

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

type Findings = BTreeSet<(String, String, u64)>;

fn findings(root: &Path) -> Findings {
    common::findings(root).into_iter().collect()
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

/// The findings of a tree as (code, file, line, message), repeats kept.
fn all_findings(root: &Path) -> Vec<(String, String, u64, String)> {
    let (out, _) = common::run_both(&["check", "--format", "json", &root.to_string_lossy()], 1);
    let report: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("json: {e}"));
    common::parse_findings(&report, root)
}

#[test]
fn one_finding_per_fact() {
    // Two services that read one YAML line: one finding naming both.
    let dev = Path::new("tests/rules/ISO005/dev-ports");
    let at_yaml: Vec<_> = all_findings(dev)
        .into_iter()
        .filter(|(_, file, line, _)| file == "platform/dev/ciam-kratos/kratos.yml" && *line == 20)
        .collect();
    assert_eq!(at_yaml.len(), 1, "{at_yaml:?}");
    assert!(
        at_yaml[0]
            .3
            .contains("ciam-kratos and ciam-kratos-migrate (CIAM) are configured"),
        "{at_yaml:?}"
    );
    // Four services (two `-migrate` twins) on one database: one ISO001;
    // one client in both Hydras: one ISO004.
    let kratos = |name: &str| {
        format!(
            "  {name}:\n    image: oryd/kratos:v1.3.1\n    environment:\n      DSN: ${{SHARED_DSN}}\n"
        )
    };
    let compose = format!(
        "services:\n{}{}{}{}  ciam-hydra:\n    image: oryd/hydra:v2.2.0\n  iam-hydra:\n    image: oryd/hydra:v2.2.0\n",
        kratos("ciam-kratos"),
        kratos("ciam-kratos-migrate"),
        kratos("iam-kratos"),
        kratos("iam-kratos-migrate")
    );
    let seed = "curl -X POST http://ciam-hydra:4445/admin/clients -d '{\"client_id\": \"shared\"}'\ncurl -X POST http://iam-hydra:4445/admin/clients -d '{\"client_id\": \"shared\"}'\n";
    let dir = common::write_tree(&[
        ("platform/prod/compose.yml", &compose),
        ("platform/prod/seed.sh", seed),
    ]);
    let found = all_findings(dir.path());
    let codes: Vec<&str> = found
        .iter()
        .map(|(c, ..)| c.as_str())
        .filter(|c| c.starts_with("ISO00"))
        .filter(|c| *c != "ISO008")
        .collect();
    assert_eq!(codes, ["ISO001", "ISO004"], "{found:?}");
    let iso004 = found.iter().find(|f| f.0 == "ISO004");
    assert!(
        iso004.is_some_and(|f| f.1 == "platform/prod/seed.sh" && f.2 == 2),
        "the id in the second registration's payload: {found:?}"
    );
}

/// A value set in `.env` is found at its `.env` line, with the compose
/// line that reads it as a related location (ISO002 and ISO008 here).
#[test]
fn env_values_are_found_at_their_env_line() {
    let dir = common::write_tree(&[
        (
            "platform/prod/compose.yml",
            "services:\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SESSION_COOKIE_DOMAIN: ${COOKIE_DOMAIN}\n      DSN: ${CIAM_DSN}\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SESSION_COOKIE_DOMAIN: ${COOKIE_DOMAIN}\n      DSN: ${IAM_DSN}\n",
        ),
        (
            "platform/prod/.env",
            "COOKIE_DOMAIN=example.com\nCIAM_DSN=postgres://kratos@pg/ciam_kratos?sslmode=verify-full\nIAM_DSN=postgres://kratos@pg/iam_kratos?sslmode=verify-full\n",
        ),
    ]);
    let (out, _) = common::run_both(
        &["check", "--format", "json", &dir.path().to_string_lossy()],
        1,
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    for (code, env_line, compose_line) in [("ISO002", 1, 10), ("ISO008", 3, 11)] {
        let f = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {out}"));
        assert!(
            f["primary"]["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("/.env"))
                && f["primary"]["line"] == env_line,
            "{code}: {f}"
        );
        assert!(
            f["related"].as_array().into_iter().flatten().any(|r| {
                r["file"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("compose.yml"))
                    && r["line"] == compose_line
            }),
            "{code}: {f}"
        );
    }
}
