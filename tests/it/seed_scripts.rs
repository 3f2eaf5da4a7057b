//! Seed scripts as they run: a script a service mounts (as a file, or in
//! a mounted folder its command names) is evaluated once, in that
//! service, with its environment; `-d @file` is read through the
//! service's mounts; a seed script no service runs is evaluated once on
//! its own.

use crate::common;

/// (client id, Hydra, file, line) of each registration `dump` models.
fn clients(root: &std::path::Path) -> Vec<(String, String, String, u64)> {
    let (out, _) = common::run_both(&["dump", root.to_str().unwrap_or(".")], 0);
    let model: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let prefix = format!("{}/", root.display());
    model["environments"][0]["oauth2_clients"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let file = c["client_id"]["file"].as_str().unwrap_or("");
            (
                c["client_id"]["text"].as_str().unwrap_or("?").to_string(),
                c["hydra"].as_str().unwrap_or("none").to_string(),
                file.strip_prefix(&prefix).unwrap_or(file).to_string(),
                c["client_id"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const COMPOSE: &str = "services:
  ciam-hydra:
    image: oryd/hydra:v2
  iam-hydra:
    image: oryd/hydra:v2
  hydra-seed:
    image: curlimages/curl:8
    volumes: [\"./scripts:/scripts:ro\"]
    command: [\"sh\", \"-c\", \"/scripts/seed.sh && echo done\"]
    environment:
      CIAM_HYDRA_ADMIN_URL: http://ciam-hydra:4445
      IAM_HYDRA_ADMIN_URL: http://iam-hydra:4445
";

#[test]
fn a_script_run_in_its_service_is_evaluated_once_with_its_environment() {
    let dir = common::write_tree(&[
        ("prod/compose.yml", COMPOSE),
        (
            "prod/scripts/seed.sh",
            "#!/bin/sh\ncurl -X POST \"$CIAM_HYDRA_ADMIN_URL/admin/clients\" -d @/scripts/site.json\nhydra create client --endpoint \"$IAM_HYDRA_ADMIN_URL\" --id staff\n",
        ),
        (
            "prod/scripts/site.json",
            "{\n  \"client_id\": \"site\"\n}\n",
        ),
        (
            "prod/seed-local.sh",
            "curl -X POST http://localhost:4445/admin/clients -d '{\"client_id\": \"local\"}'\n",
        ),
    ]);
    let found = clients(&dir.path().join("prod"));
    assert_eq!(
        found,
        [
            (
                "site".into(),
                "ciam-hydra".into(),
                "scripts/site.json".into(),
                2
            ),
            (
                "staff".into(),
                "iam-hydra".into(),
                "scripts/seed.sh".into(),
                3
            ),
            ("local".into(), "none".into(), "seed-local.sh".into(), 1),
        ]
    );
}

/// A seed script an ignore file leaves out (here the tree's, above the
/// environment's folder) is not read, unless `--no-ignore` asks.
#[test]
fn the_seed_walk_respects_ignore_files_and_no_ignore() {
    let dir = common::write_tree(&[
        ("prod/compose.yml", COMPOSE),
        (".gitignore", "vendor/\n"),
        (
            "prod/vendor/seed-vendor.sh",
            "curl -X POST http://ciam-hydra:4445/admin/clients -d '{\"client_id\": \"vendored\"}'\n",
        ),
    ]);
    let root = dir.path();
    let ids = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["dump", root.to_str().unwrap_or(".")];
        args.extend_from_slice(extra);
        let (out, _) = common::run_both(&args, 0);
        let model: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
        model["environments"][0]["oauth2_clients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["client_id"]["text"].as_str().map(str::to_string))
            .collect()
    };
    assert!(ids(&[]).is_empty(), "{:?}", ids(&[]));
    assert_eq!(ids(&["--no-ignore"]), ["vendored"]);
}
