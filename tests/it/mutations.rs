//! Mutations of the healthy tree (the breaks of the synthetic benchmark
//! tree, `benches/synth`): each small edit breaks isolation (or
//! prod hygiene) in one way, and the right rule must fire at the edited
//! line — nothing else.

use crate::common;
use crate::synth;

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
        assert_fires(&root, brk.code, &file, line, &[]);
    }
}

/// `code` fires at `file:line` of the tree, and nothing but `code` and
/// `also` fires.
fn assert_fires(root: &Path, code: &str, file: &str, line: u64, also: &[&str]) {
    let got = findings(root);
    assert!(
        got.contains(&(code.to_string(), file.to_string(), line)),
        "{code} expected at {file}:{line}, got {got:?}"
    );
    assert!(
        got.iter()
            .all(|(c, _, _)| c == code || also.contains(&c.as_str())),
        "{code}: other findings too: {got:?}"
    );
}

/// A break of the dev tree that routes through the proxy's published
/// ports (`fixtures/healthy/dev-proxy`): in `file`, `old` becomes `new`,
/// and `code` must fire at the edited line; `also` are the other codes
/// the same edit rightly brings.
struct DevBreak {
    code: &'static str,
    file: &'static str,
    old: &'static str,
    new: &'static str,
    also: &'static [&'static str],
}

const DEV_BREAKS: &[DevBreak] = &[
    DevBreak {
        code: "ISO001",
        file: "compose.yml",
        old: "5432/iam_kratos?",
        new: "5432/ciam_kratos?",
        also: &[],
    },
    DevBreak {
        code: "ISO003",
        file: "Caddyfile",
        old: "reverse_proxy ciam-hera:3000",
        new: "reverse_proxy iam-hera:4000",
        also: &[],
    },
    DevBreak {
        code: "ISO004",
        file: "seed-dev.sh",
        old: "\"${IAM_HYDRA_ADMIN_URL}\" site-iam-client",
        new: "\"${IAM_HYDRA_ADMIN_URL}\" site-ciam-client",
        also: &[],
    },
    DevBreak {
        code: "ISO005",
        file: "compose.yml",
        old: "KRATOS_PUBLIC_URL=http://localhost:3100",
        new: "KRATOS_PUBLIC_URL=http://localhost:4100",
        also: &[],
    },
    DevBreak {
        code: "ISO006",
        file: "iam-kratos/kratos.yml",
        old: "dev-only-iam-cookie-secret-0001",
        new: "dev-only-ciam-cookie-secret-0001",
        also: &[],
    },
    // The IAM Kratos loading the CIAM config: its URLs are CIAM's too.
    DevBreak {
        code: "ISO007",
        file: "compose.yml",
        old: "- ./iam-kratos:/etc/config/iam-kratos",
        new: "- ./ciam-kratos:/etc/config/iam-kratos",
        also: &["ISO005", "ISO006"],
    },
];

#[test]
fn each_dev_break_through_the_proxy_fires_at_the_edited_line() {
    let copy = || {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("tree");
        copy_tree(Path::new("fixtures/healthy/dev-proxy"), &root);
        (dir, root)
    };
    let (_guard, root) = copy();
    assert_eq!(findings(&root), vec![], "the healthy copy has findings");
    for brk in DEV_BREAKS {
        let (_guard, root) = copy();
        let file = format!("platform/dev/{}", brk.file);
        let path = root.join(&file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let at = text
            .find(brk.old)
            .unwrap_or_else(|| panic!("{} not in {file}", brk.old));
        let line = text.get(..at).unwrap_or("").matches('\n').count() as u64 + 1;
        std::fs::write(&path, text.replacen(brk.old, brk.new, 1)).unwrap_or_else(|e| panic!("{e}"));
        assert_fires(&root, brk.code, &file, line, brk.also);
    }
}

/// Edits of one file of a tree: each `old` becomes `new`, once.
fn edit(root: &Path, file: &str, edits: &[(&str, &str)]) {
    let path = root.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    for (old, new) in edits {
        assert!(text.contains(old), "{old} not in {file}");
        text = text.replacen(old, new, 1);
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// The example's prod environment with the CIAM Athena's client id set at
/// deploy time (`${ATHENA_CIAM_OAUTH_CLIENT_ID}`, registered in the IAM
/// Hydra through the wrapper function): the documented exception, so no
/// finding. Registered in the CIAM Hydra too, it is one ISO004, at the id
/// of the second call, with both registrations as locations.
#[test]
fn the_symbolic_athena_client_in_prod() {
    let (_guard, root) = healthy_copy();
    edit(
        &root,
        "platform/prod/ciam-athena.env",
        &[("OAUTH_CLIENT_ID=athena-ciam-client\n", "")],
    );
    edit(
        &root,
        "platform/prod/compose.prod.yml",
        &[
            (
                "      - AUTH_HYDRA_URL=http://iam-hydra:4444\n",
                "      - AUTH_HYDRA_URL=http://iam-hydra:4444\n      - OAUTH_CLIENT_ID=${ATHENA_CIAM_OAUTH_CLIENT_ID}\n",
            ),
            (
                "      SITE_CIAM_CLIENT_ID: site-ciam-client\n",
                "      SITE_CIAM_CLIENT_ID: site-ciam-client\n      ATHENA_CIAM_OAUTH_CLIENT_ID: ${ATHENA_CIAM_OAUTH_CLIENT_ID}\n",
            ),
        ],
    );
    let athena = "create_oauth2_client \"${IAM_HYDRA_ADMIN_URL}\" \"${ATHENA_CIAM_OAUTH_CLIENT_ID}\" \"https://admin.shop.olympus.example/callback\"\n";
    edit(
        &root,
        "platform/prod/seed-prod.sh",
        &[(
            "curl -sf -X PUT \"${IAM_HYDRA_ADMIN_URL}/admin/clients/athena-ciam-client\" \\\n  -d '{\"client_id\": \"athena-ciam-client\", \"redirect_uris\": [\"https://admin.shop.olympus.example/callback\"]}'\n",
            athena,
        )],
    );
    assert_eq!(findings(&root), vec![], "the symbolic Athena client");
    // Also in the CIAM Hydra.
    edit(
        &root,
        "platform/prod/seed-prod.sh",
        &[(
            athena,
            &format!(
                "{}{athena}",
                athena.replace("${IAM_HYDRA_ADMIN_URL}", "${CIAM_HYDRA_ADMIN_URL}")
            ),
        )],
    );
    let (out, _) = common::run_both(&["check", "--format", "json", &root.to_string_lossy()], 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let found = common::parse_findings(&report, &root);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, file, line, _) = &found[0];
    assert_eq!(
        (code.as_str(), file.as_str(), *line),
        ("ISO004", "platform/prod/seed-prod.sh", 28)
    );
    let related = &report["findings"][0]["related"];
    assert!(
        related.as_array().into_iter().flatten().any(|r| {
            r["line"] == 27
                && r["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("CIAM Hydra"))
        }),
        "the other registration: {related}"
    );
}
