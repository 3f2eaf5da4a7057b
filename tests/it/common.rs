//! Helpers shared by the integration tests.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository (the crate's folder), where the tests run.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The trees the format snapshots check: an error with its hops and a
/// deploy-time note, a warning, and suppressions. Few, so that a new rule
/// leaves the format snapshots alone (each rule has its own, in
/// `tests/rules`).
pub const FORMAT_TREES: &[&str] = &[
    "tests/rules/ISO003/literal",
    "tests/rules/ISO008/shared-user",
    "tests/rules/CFG003/suppressions",
];

/// `check FORMAT_TREES...` followed by `args`.
pub fn check_format_trees<'a>(args: &[&'a str]) -> Vec<&'a str> {
    std::iter::once("check")
        .chain(FORMAT_TREES.iter().copied())
        .chain(args.iter().copied())
        .collect()
}

/// Runs isolint with `args` (colour left to its defaults), checks the exit
/// code, and returns stdout and stderr.
pub fn run_both(args: &[&str], code: i32) -> (String, String) {
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "isolint {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

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

/// Secret strings planted in a two-environment tree, each where one kind
/// of secret lives: a DSN password, `SECRETS_*`, `.env`, an SMTP URL's
/// password, `*_KEY`, `*_SECRET*`, a pairwise salt and an Ory YAML's
/// cookie and cipher secrets. Both environments also have findings, so
/// every report quotes the lines around them.
pub const PLANTED_SECRETS: &[&str] = &[
    "hunter2pw",
    "topsecretvalue1",
    "envsecret99",
    "smtpsecret42",
    "keysecret77",
    "tokensecret55",
    "saltsecret33",
    "yamlsecret11",
    "ciphersecret22",
    "jsonsecret44",
    "tomlsecret66",
];

/// The tree holding [`PLANTED_SECRETS`]: `platform/prod` (compose, `.env`),
/// `platform/qa` (compose, `kratos/kratos.yml`) and `platform/staging`
/// (Kratos configs in JSON and TOML, each secret beside a reported line).
pub fn planted_secrets_tree() -> (tempfile::TempDir, &'static [&'static str]) {
    let dir = write_tree(&[
        (
            "platform/prod/compose.yml",
            "services:\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      DSN: postgres://kratos:hunter2pw@postgres:5432/iam_kratos\n      SECRETS_COOKIE: topsecretvalue1\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      DSN: postgres://kratos:hunter2pw@postgres:5432/iam_kratos\n      SECRETS_COOKIE: topsecretvalue1\n",
        ),
        ("platform/prod/.env", "PG_PASSWORD=envsecret99\n"),
        (
            "platform/qa/compose.yml",
            "services:\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    command: serve -c /etc/kratos/kratos.yml\n    volumes:\n      - ./kratos:/etc/kratos\n    environment:\n      COURIER_SMTP_CONNECTION_URI: smtps://mailer:smtpsecret42@smtp.example.com:465/\n      ENCRYPTION_KEY: keysecret77\n      APP_SECRET_TOKEN: tokensecret55\n      OIDC_SUBJECT_IDENTIFIERS_PAIRWISE_SALT: saltsecret33\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SECRETS_COOKIE: yamlsecret11\n",
        ),
        (
            "platform/staging/compose.yml",
            "services:\n  kratos-json:\n    image: oryd/kratos:v1.3.1\n    command: serve -c /etc/kratos/kratos.json\n    volumes:\n      - ./kratos:/etc/kratos\n  kratos-toml:\n    image: oryd/kratos:v1.3.1\n    command: serve -c /etc/kratos/kratos.toml\n    volumes:\n      - ./kratos:/etc/kratos\n",
        ),
        (
            "platform/staging/kratos/kratos.json",
            "{\n  \"secrets\": {\"cookie\": [\n    \"jsonsecret44\"], \"cipher\": []},\n  \"log\": {\"leak_sensitive_values\": true}\n}\n",
        ),
        (
            "platform/staging/kratos/kratos.toml",
            "log.leak_sensitive_values = true\nsecrets.cookie = [\"tomlsecret66\"]\n",
        ),
        (
            "platform/qa/kratos/kratos.yml",
            "secrets:\n  cookie:\n    - yamlsecret11\n  cipher:\n    - ciphersecret22\nlog:\n  leak_sensitive_values: true\n",
        ),
    ]);
    (dir, PLANTED_SECRETS)
}
