//! Mutations of the healthy tree: each small edit breaks isolation (or
//! prod hygiene) in one way, and the right rule must fire at the edited
//! line — nothing else.

mod common;

use common::{copy_tree, findings};
use std::path::{Path, PathBuf};

/// Replaces the first `old` in `file` with `new`; returns the 1-based line.
fn mutate(root: &Path, file: &str, old: &str, new: &str) -> usize {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let at = text
        .find(old)
        .unwrap_or_else(|| panic!("{old} not in {file}"));
    let line = text[..at].matches('\n').count() + 1;
    std::fs::write(&path, text.replacen(old, new, 1)).unwrap_or_else(|e| panic!("{e}"));
    line
}

fn healthy_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("olympus");
    copy_tree(Path::new("fixtures/olympus"), &root);
    (dir, root)
}

#[test]
fn each_mutation_fires_the_right_rule_at_the_edited_line() {
    // (code, file, text, replacement, lines from the edit to the finding:
    // the registration is reported at the request that sends the payload)
    let cases: &[(&str, &str, &str, &str, usize)] = &[
        (
            "ISO003",
            "platform/prod/Caddyfile",
            "import proxy ciam-hera:3000",
            "import proxy iam-hera:4000",
            0,
        ),
        (
            "ISO001",
            "platform/prod/compose.prod.yml",
            "@postgres:5432/iam_kratos?",
            "@postgres:5432/ciam_kratos?",
            0,
        ),
        (
            "ISO002",
            "platform/prod/iam-kratos/kratos.yml",
            "domain: login.staff.olympus.example\n  same_site",
            "domain: olympus.example\n  same_site",
            0,
        ),
        (
            "ISO006",
            "platform/prod/compose.prod.yml",
            "SECRETS_COOKIE: ${IAM_KRATOS_SECRET_COOKIE}",
            "SECRETS_COOKIE: ${CIAM_KRATOS_SECRET_COOKIE}",
            0,
        ),
        (
            "ISO005",
            "platform/prod/compose.prod.yml",
            "HYDRA_ADMIN_URL: http://ciam-hydra:4445",
            "HYDRA_ADMIN_URL: http://iam-hydra:4445",
            0,
        ),
        (
            "ISO004",
            "platform/prod/seed-prod.sh",
            "\"client_id\": \"site-iam-client\"",
            "\"client_id\": \"site-ciam-client\"",
            1,
        ),
        (
            "SEC001",
            "platform/prod/iam-kratos/kratos.yml",
            "leak_sensitive_values: false",
            "leak_sensitive_values: true",
            0,
        ),
        (
            "SEC002",
            "platform/prod/compose.prod.yml",
            "SECRETS_CIPHER: ${IAM_KRATOS_SECRET_CIPHER}",
            "SECRETS_CIPHER: ${IAM_KRATOS_SECRET_CIPHER:-change-me}",
            0,
        ),
        (
            "SEC003",
            "platform/prod/compose.prod.yml",
            "iam_kratos?sslmode=${POSTGRES_SSLMODE:-verify-full}",
            "iam_kratos?sslmode=require",
            0,
        ),
        (
            "SEC004",
            "platform/prod/compose.prod.yml",
            "serve all -c /etc/config/hydra/hydra.yml",
            "serve all -c /etc/config/hydra/hydra.yml --dev",
            0,
        ),
        (
            "SEC005",
            "platform/prod/compose.prod.yml",
            "image: oryd/hydra:v2.2.0",
            "image: oryd/hydra:${HYDRA_TAG:-latest}",
            0,
        ),
    ];
    let (_guard, root) = healthy_copy();
    assert_eq!(findings(&root), vec![], "the healthy copy has findings");
    for (code, file, old, new, offset) in cases {
        let (_guard, root) = healthy_copy();
        let line = (mutate(&root, file, old, new) + offset) as u64;
        let got = findings(&root);
        assert!(
            got.contains(&(code.to_string(), file.to_string(), line)),
            "{code} expected at {file}:{line}, got {got:?}"
        );
        assert!(
            got.iter().all(|(c, _, _)| c == code),
            "{code}: other findings too: {got:?}"
        );
    }
}
