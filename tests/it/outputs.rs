//! The machine-readable formats: SARIF valid against the SARIF 2.1.0
//! schema, with stable fingerprints; JSON valid against its shipped
//! schema; GitHub workflow commands; snapshots of each on the fixtures.

use crate::common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn run(args: &[&str], code: i32) -> String {
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "isolint {args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// isolint's standard output, run in `dir` (so paths are relative to it).
fn run_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// `../shared/schemas/`, or `$ISOLINT_SCHEMAS`.
fn shared_schema(name: &str) -> PathBuf {
    std::env::var_os("ISOLINT_SCHEMAS")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas"),
            PathBuf::from,
        )
        .join(name)
}

/// The schema shipped as `schemas/<name>.schema.json`, asserted to be the
/// one the code generates (`ISOLINT_WRITE_SCHEMAS=1` writes it first).
pub fn shipped_schema(name: &str, generated: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{name}.schema.json"));
    if std::env::var_os("ISOLINT_WRITE_SCHEMAS").is_some() {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("{e}"));
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == generated,
        "schemas/{name}.schema.json is stale: run the tests with ISOLINT_WRITE_SCHEMAS=1"
    );
    parse(&shipped)
}

pub fn validate(schema: &serde_json::Value, instance: &serde_json::Value) {
    let validator = jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("bad schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_and_complete() {
    let schema = std::fs::read_to_string(shared_schema("sarif-schema-2.1.0.json"))
        .unwrap_or_else(|e| panic!("the SARIF schema: {e}"));
    let schema = parse(&schema);
    let sarif = parse(&run(&["check", "tests/rules", "--format", "sarif"], 1));
    validate(&schema, &sarif);
    // The validator does reject what SARIF does not allow.
    let mut wrong = sarif.clone();
    wrong["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    assert!(!validator.is_valid(&wrong));
    // Every rule is described, with help and (built-in ones) a link.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), isolint::rules::Registry::default().all().len());
    for r in &rules {
        assert!(
            r["help"]["markdown"]
                .as_str()
                .is_some_and(|h| h.contains("## ")),
            "{r}"
        );
        assert!(
            r["helpUri"].as_str().is_some_and(|u| u.ends_with(".md")),
            "{r}"
        );
    }
    // Every finding of the JSON format is a result, with its related
    // locations and a fingerprint.
    let json = parse(&run(&["check", "tests/rules", "--format", "json"], 1));
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(&findings) {
        assert_eq!(r["ruleId"], f["code"]);
        assert_eq!(
            r["relatedLocations"].as_array().map(Vec::len),
            f["related"].as_array().map(Vec::len)
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            f["primary"]["line"]
        );
        assert!(r["partialFingerprints"]["isolint/v1"].is_string());
    }
    // The snapshot is of the format trees' run; the rules' documents
    // make the log large, so it keeps the rest.
    let mut sarif = parse(&run(&common::check_format_trees(&["--format", "sarif"]), 1));
    sarif["runs"][0]["tool"]["driver"]["rules"] = serde_json::json!("(every rule, checked above)");
    sarif["runs"][0]["tool"]["driver"]["version"] = serde_json::json!("(version)");
    sarif["runs"][0]["tool"]["driver"]["semanticVersion"] = serde_json::json!("(version)");
    insta::assert_json_snapshot!("check_sarif", sarif);
}

/// The fingerprints of a tree's SARIF results.
fn fingerprints(root: &Path) -> Vec<(String, u64, String)> {
    let sarif = parse(&run(
        &["check", &root.to_string_lossy(), "--format", "sarif"],
        1,
    ));
    sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or(0),
                r["partialFingerprints"]["isolint/v1"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_moved_lines_and_tell_findings_apart() {
    let caddyfile = "login.ciam.example.com {\n\treverse_proxy iam-hera:4000\n}\n\nadmin.ciam.example.com {\n\treverse_proxy iam-hera:4000\n}\n";
    let dir = common::write_tree(&[("platform/dev/Caddyfile", caddyfile)]);
    let before = fingerprints(dir.path());
    assert_eq!(before.len(), 2, "{before:?}");
    assert_ne!(before[0].2, before[1].2, "two findings, two fingerprints");
    let moved = format!("# moved down by a comment\n\n{caddyfile}");
    std::fs::write(dir.path().join("platform/dev/Caddyfile"), moved)
        .unwrap_or_else(|e| panic!("{e}"));
    let after = fingerprints(dir.path());
    assert_eq!(after.len(), 2);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.1, b.1 + 2, "the finding moved");
        assert_eq!(a.2, b.2, "its fingerprint did not");
    }
}

#[test]
fn json_matches_its_shipped_schema() {
    let schema = shipped_schema("findings", &isolint::report::json::schema());
    for tree in ["tests/rules", "fixtures/olympus"] {
        let code = if tree == "tests/rules" { 1 } else { 0 };
        validate(
            &schema,
            &parse(&run(&["check", tree, "--format", "json"], code)),
        );
    }
}

#[test]
fn github_annotations() {
    let out = run(&["check", "tests/rules", "--format", "github"], 1);
    let kind = |l: &str| -> u8 {
        match l {
            l if l.starts_with("::error file=") => 0,
            l if l.starts_with("::warning file=") => 1,
            l if l.starts_with("::notice file=") => 2,
            // A notice past GitHub's limit, as plain text in the log.
            l if l.contains(": info[") => 3,
            l if l.starts_with("::notice title=isolint::") => 4,
            _ => panic!("{l}"),
        }
    };
    // Errors, then warnings, then notices, then the closing notice; GitHub
    // annotates ten of each kind, the closing notice among them.
    let kinds: Vec<u8> = out.lines().map(kind).collect();
    assert!(kinds.is_sorted(), "{out}");
    let of = |k: u8| kinds.iter().filter(|x| **x == k).count();
    assert!(of(0) > 10 && of(1) > 10, "{out}");
    assert_eq!(of(2), (of(2) + of(3)).min(9), "{out}");
    assert_eq!(of(4), 1, "{out}");
    let json = parse(&run(&["check", "tests/rules", "--format", "json"], 1));
    let total = json["findings"].as_array().map_or(0, Vec::len);
    assert_eq!(of(0) + of(1) + of(2) + of(3), total);
    let hidden = (of(0) - 10) + (of(1) - 10) + of(3);
    let closing = out.lines().last().unwrap_or("");
    assert!(
        closing.contains(&format!("{total} findings"))
            && closing.contains(&format!("so {hidden} are not shown here")),
        "{closing}"
    );
    for line in out.lines() {
        assert!(!line.contains('\r'));
    }
    // GitHub drops annotations with columns over several lines.
    for line in out.lines() {
        let field = |name: &str| {
            line.split([',', ' '])
                .find_map(|f| f.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        if field("line") != field("endLine") {
            assert!(
                field("col").is_none() && field("endColumn").is_none(),
                "{line}"
            );
        }
    }
    assert!(
        out.contains("ISO009/port-plan/platform/dev/compose.yml,line=13,endLine=15,"),
        "{out}"
    );
    insta::assert_snapshot!(
        "check_github",
        run(&common::check_format_trees(&["--format", "github"]), 1)
    );
    assert_eq!(
        run(&["check", "fixtures/olympus", "--format", "github"], 0),
        ""
    );
}

#[test]
fn sarif_uris_are_encoded_and_fingerprints_hide_secrets() {
    let compose = |secret: &str| {
        format!(
            "services:\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SECRETS_COOKIE: {secret}\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SECRETS_COOKIE: {secret}\n"
        )
    };
    let first = compose("first-secret-aaaa");
    let dir = common::write_tree(&[("odd dir,50%/platform/prod/compose.yml", &first)]);
    let root = dir.path().join("odd dir,50%");
    // Run from the tree's parent, so paths are relative to %SRCROOT%.
    let sarif = || {
        parse(&run_in(
            dir.path(),
            &[
                "check",
                "odd dir,50%",
                "--format",
                "sarif",
                "--select",
                "ISO006",
            ],
        ))
    };
    let before = sarif();
    let location = &before["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let uri = location["artifactLocation"]["uri"].as_str().unwrap_or("");
    assert_eq!(uri, "odd%20dir%2C50%25/platform/prod/compose.yml");
    // Outside the directory isolint runs in: a file URI.
    let elsewhere = parse(&run(
        &[
            "check",
            &root.to_string_lossy(),
            "--format",
            "sarif",
            "--select",
            "ISO006",
        ],
        1,
    ));
    let uri =
        elsewhere["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"]
            .as_str()
            .unwrap_or("");
    assert!(
        uri.starts_with("file:///") && uri.contains("odd%20dir,50%25/"),
        "{uri}"
    );
    // The same finding with another secret of the same length keeps its
    // fingerprint: the hash is taken over masked text.
    std::fs::write(
        root.join("platform/prod/compose.yml"),
        compose("other-secret-bbbb"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let after = sarif();
    let prints = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    // A shared secret (ISO006) points right at the secret's text.
    assert_eq!(before["runs"][0]["results"][0]["ruleId"], "ISO006");
    assert_eq!(prints(&before), prints(&after));
}

/// The pretty report of a finding whose locations are far apart: the
/// primary window, then one short window per hop (never every line
/// between them).
#[test]
fn pretty_windows_are_short_even_when_locations_are_far_apart() {
    let out = run(
        &[
            "check",
            "tests/rules/ISO005/dev-ports",
            "--select",
            "ISO005",
            "--color",
            "never",
        ],
        1,
    );
    // The ciam-hera finding: its URL goes through compose, the Caddyfile
    // and compose again, 60 lines apart.
    let first = out
        .split("error[ISO005]")
        .find(|f| f.contains("KRATOS_PUBLIC_URL pointing"))
        .unwrap_or("")
        .trim_end();
    insta::assert_snapshot!("pretty_far_apart", format!("error[ISO005]{first}"));
    // No window shows more than its locations and a line around each.
    let numbered = first
        .lines()
        .filter(|l| {
            l.trim_start_matches([' ', '│'])
                .split(' ')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    assert!(
        (10..=16).contains(&numbered),
        "{numbered} source lines:\n{first}"
    );
}

/// A seed script's JSON payload with a client secret: the value is one
/// mask, its quotes and the key stay readable.
#[test]
fn pretty_masks_a_payload_secret_and_keeps_the_line_readable() {
    let dir = common::write_tree(&[
        (
            "platform/prod/compose.yml",
            "services:\n  ciam-hydra:\n    image: oryd/hydra:v2.2.0\n  iam-hydra:\n    image: oryd/hydra:v2.2.0\n",
        ),
        (
            "platform/prod/seed.sh",
            "curl -X POST http://ciam-hydra:4445/admin/clients -d '{\"client_id\": \"site\", \"client_secret\": \"hunter2-a-long-secret\"}'\ncurl -X POST http://iam-hydra:4445/admin/clients -d '{\"client_id\": \"site\", \"client_secret\": \"hunter2-a-long-secret\"}'\n",
        ),
    ]);
    let text = run_in(
        dir.path(),
        &[
            "check", "--select", "ISO004", "--color", "never", "platform",
        ],
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains(r#""client_secret": "****"}'"#), "{text}");
    insta::assert_snapshot!("pretty_masked_payload", text);
}

/// A parse error inside a secret's value: its own token (`${...` left
/// open) is shown, the rest of the secret is not.
#[test]
fn pretty_shows_a_parse_errors_token_inside_a_secret() {
    let dir = common::write_tree(&[(
        "platform/prod/compose.yml",
        "services:\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SECRETS_COOKIE: ${CIAM_SECRET\n      SECRETS_CIPHER: averysecretcipher0123456789abcdef\n",
    )]);
    let text = run_in(dir.path(), &["check", "--color", "never", "platform"]);
    assert!(text.contains("SECRETS_COOKIE: ${CIAM_SECRET"), "{text}");
    assert!(!text.contains("averysecretcipher"), "{text}");
    assert!(text.contains("SECRETS_CIPHER: ****"), "{text}");
}
