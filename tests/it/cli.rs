//! The command line as users and integrations meet it: exit codes and
//! snapshots of every output format on the fixture trees.

use crate::common;

use assert_cmd::Command;

fn isolint() -> Command {
    let mut cmd = Command::cargo_bin("isolint").unwrap_or_else(|e| panic!("binary: {e}"));
    cmd.env_remove("NO_COLOR");
    cmd
}

use common::run_both;

/// Runs isolint, checks the exit code, returns stdout.
fn run(args: &[&str], code: i32) -> String {
    run_both(args, code).0
}

#[test]
fn healthy_tree_passes_quietly() {
    let out = run(&["check", "fixtures/olympus", "--format", "concise"], 0);
    assert_eq!(out, "");
    let out = run(&["check", "fixtures/olympus"], 0);
    assert!(out.contains("0 finding(s)"), "{out}");
}

#[test]
fn broken_trees_fail_in_every_format() {
    let check = common::check_format_trees;
    insta::assert_snapshot!("check_concise", run(&check(&["--format", "concise"]), 1));
    insta::assert_snapshot!("check_pretty", run(&check(&["--color", "never"]), 1));
    let json = run(&check(&["--format", "json"]), 1);
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("json: {e}\n{json}"));
    insta::assert_json_snapshot!("check_json", value);
}

#[test]
fn select_and_ignore_filter_codes() {
    // Every code but the SEC ones, listed one by one.
    let not_sec: Vec<&str> = isolint::rules::Registry::default()
        .all()
        .iter()
        .map(|r| r.code)
        .filter(|c| !c.starts_with("SEC"))
        .collect();
    let out = run(
        &[
            "check",
            "tests/rules",
            "--format",
            "concise",
            "--ignore",
            &not_sec.join(","),
        ],
        1,
    );
    assert!(out.lines().all(|l| l.contains("[SEC00")), "{out}");
    // Prefixes and names select as well as codes.
    let out = run(
        &[
            "check",
            "tests/rules",
            "--format",
            "concise",
            "--ignore",
            "CFG,ISO,leak-sensitive-values,SEC002,SEC003,SEC004,SEC005",
        ],
        0,
    );
    assert_eq!(out, "");
    let out = run(
        &[
            "check",
            "tests/rules",
            "--format",
            "concise",
            "--select",
            "cfg001",
        ],
        1,
    );
    assert_eq!(out.lines().count(), 10, "{out}");
    run(&["check", "tests/rules", "--select", "NOPE999"], 2);
}

#[test]
fn dump_of_one_caddyfile() {
    let json = run(
        &[
            "dump",
            "fixtures/olympus/platform/prod/Caddyfile",
            "--var",
            "IAM_HERA_PUBLIC_URL=https://id.olympus.example",
        ],
        0,
    );
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("json: {e}\n{json}"));
    insta::assert_json_snapshot!("dump_prod_caddyfile", value);
}

#[test]
fn dump_of_a_tree_shows_services_with_effective_ory_values_redacted() {
    let json = run(&["dump", "fixtures/olympus"], 0);
    for secret in [
        "dev-only-ciam-cookie-secret-0001",
        "dev-only-ciam-hydra-system-secret",
    ] {
        assert!(!json.contains(secret), "{secret} leaked into the dump");
    }
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("json: {e}\n{json}"));
    let clients: Vec<(String, String)> = value
        .pointer("/environments/1/oauth2_clients")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c.pointer("/client_id/text")
                    .and_then(|t| t.as_str())
                    .unwrap_or("")
                    .to_string(),
                c["hydra"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        clients,
        vec![
            pair("site-ciam-client", "ciam-hydra"),
            pair("site-iam-client", "iam-hydra"),
            pair("athena-ciam-client", "iam-hydra"),
            pair("athena-iam-client", "iam-hydra"),
        ]
    );
    insta::assert_json_snapshot!("dump_tree", value);
}

#[test]
fn dump_of_a_broken_caddyfile_exits_2_with_the_diagnostic() {
    let (_, stderr) = run_both(
        &["dump", "tests/rules/CFG001/heredoc/platform/dev/Caddyfile"],
        2,
    );
    assert!(
        stderr.contains("mismatched leading whitespace in heredoc <<HTML"),
        "{stderr}"
    );
    assert!(stderr.contains("Caddyfile:7:1"), "{stderr}");
}

#[test]
fn rules_and_explain() {
    insta::assert_snapshot!("rules_text", run(&["rules"], 0));
    let json = run(&["rules", "--format", "json"], 0);
    let value: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("json: {e}\n{json}"));
    insta::assert_json_snapshot!("rules_json", value);
    let doc = run(&["explain", "parse-error"], 0);
    assert!(doc.starts_with("# CFG001 parse-error"), "{doc}");
    assert_eq!(run(&["explain", "CFG001"], 0), doc);
    run(&["explain", "ISO999"], 2);
}

#[test]
fn usage_errors_and_missing_input_exit_2() {
    run(&["check", "fixtures/does-not-exist"], 2);
    run(&["check", "fixtures/olympus", "--format", "yaml"], 2);
    run(&["check", "fixtures/olympus", "--var", "NOEQUALS"], 2);
    run(&["frobnicate"], 2);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.env");
    std::fs::write(&bad, "A=\"never closed\n").unwrap_or_else(|e| panic!("{e}"));
    let bad = bad.to_string_lossy();
    let (_, stderr) = run_both(&["check", "fixtures/olympus", "--env-file", &bad], 2);
    assert!(stderr.contains("unterminated quoted value"), "{stderr}");
}

#[test]
fn env_file_and_var_resolve_placeholders() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("deploy.env");
    std::fs::write(&env, "CIAM_HERA_PUBLIC_URL=https://login.shop.example\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let env_arg = env.to_string_lossy().into_owned();
    let json = run(
        &[
            "dump",
            "fixtures/olympus/platform/prod/Caddyfile",
            "--env-file",
            &env_arg,
            "--var",
            "IAM_HERA_PUBLIC_URL=https://id.olympus.example",
        ],
        0,
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let hosts: Vec<&str> = value
        .pointer("/environments/0/sites")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.pointer("/addresses/0/host").and_then(|h| h.as_str()))
        .collect();
    assert!(hosts.contains(&"login.shop.example"), "{hosts:?}");
    assert!(hosts.contains(&"id.olympus.example"), "{hosts:?}");
}

#[test]
fn seed_scripts_named_by_isolint_toml_are_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let write = |name: &str, text: &str| {
        let p = d.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "isolint.toml",
        "[seed]\nscripts = [\"platform/*/bootstrap/*.sh\"]\n",
    );
    write(
        "platform/prod/compose.yml",
        "services:\n  iam-hydra:\n    image: oryd/hydra:v2.2.0\n",
    );
    write(
        "platform/prod/bootstrap/clients.sh",
        "curl -X POST http://iam-hydra:4445/admin/clients -d '{\"client_id\": \"site-iam-client\"}'\n",
    );
    let root = d.join("platform").to_string_lossy().into_owned();
    let json = run(&["dump", &root], 0);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let client = value.pointer("/environments/0/oauth2_clients/0");
    assert_eq!(
        client
            .and_then(|c| c.pointer("/client_id/text"))
            .and_then(|t| t.as_str()),
        Some("site-iam-client"),
        "{json}"
    );
    assert_eq!(client.and_then(|c| c["hydra"].as_str()), Some("iam-hydra"));
    // Without the configuration the script is not a seed script.
    let other = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bare = other.path().join("isolint.toml");
    std::fs::write(&bare, "").unwrap_or_else(|e| panic!("{e}"));
    let bare = bare.to_string_lossy().into_owned();
    let json = run(&["dump", &root, "--config", &bare], 0);
    assert!(json.contains("\"oauth2_clients\": []"), "{json}");
    // A malformed configuration ends the run with its diagnostic.
    std::fs::write(other.path().join("isolint.toml"), "[seed\n").unwrap_or_else(|e| panic!("{e}"));
    let (_, stderr) = run_both(&["check", &root, "--config", &bare], 2);
    assert!(stderr.contains("invalid isolint.toml"), "{stderr}");
}

#[test]
fn planted_secrets_appear_in_no_output_format() {
    let (dir, secrets) = common::planted_secrets_tree();
    let root = dir.path().to_string_lossy().into_owned();
    let mut outputs = Vec::new();
    for format in ["pretty", "concise", "json", "sarif", "github"] {
        outputs.push(run(
            &["check", &root, "--format", format, "--color", "never"],
            1,
        ));
    }
    outputs.push(run(&["dump", &root], 0));
    for format in ["mermaid", "dot", "summary"] {
        outputs.push(run(&["graph", &root, "--format", format], 0));
    }
    for env in ["prod", "qa"] {
        outputs.push(run(
            &["graph", &root, "--format", "svg", "--environment", env],
            0,
        ));
    }
    // The lines that hold the JSON and TOML configs' secrets are really
    // shown (masked), beside the findings next to them.
    let pretty = outputs.first().map_or("", String::as_str);
    for shown in ["], \"cipher\"", "secrets.cookie"] {
        assert!(
            pretty
                .lines()
                .any(|l| l.contains(shown) && l.contains("****")),
            "no masked line with {shown}:\n{pretty}"
        );
    }
    for out in outputs {
        for secret in secrets {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
    }
}

#[test]
fn secrets_reached_through_variables_stay_hidden() {
    // Values of variables whose own names say nothing, feeding a secret
    // key, a URL password or a header; a user rule that prints `{value}`.
    let compose = "services:\n  ciam-hera:\n    image: ghcr.io/x/hera:1.0.0\n    environment:\n      AUTH_HEADER: Bearer ${CLIENT_SECRET}\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    environment:\n      SECRETS_COOKIE: ${CK2}\n      DSN: postgres://u:${DBP}@db:5432/iam_kratos?sslmode=require\n";
    let env = "CLIENT_SECRET=s3cr3t-value-xyz\nCK2=insecure-but-real-Zq9\nDBP=hunter2hunter2\n";
    let rule = "code: ORG001\nname: auth-header\nseverity: error\nsummary: s\nselect:\n  env: \"AUTH_*\"\nwhen:\n  contains: Bearer\nmessage: \"{service} {key} = {value}\"\n";
    let dir = common::write_tree(&[
        ("platform/prod/compose.yml", compose),
        ("platform/prod/.env", env),
        ("isolint.toml", "[rules]\nfolders = [\"lint\"]\n"),
        ("lint/a.yml", rule),
    ]);
    let root = dir.path().to_string_lossy().into_owned();
    for format in ["pretty", "concise", "json"] {
        let out = run(&["check", &root, "--format", format, "--color", "never"], 1);
        assert!(out.contains("ORG001") && out.contains("SEC002"), "{out}");
        for secret in ["s3cr3t-value-xyz", "real-Zq9", "hunter2hunter2"] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
    }
}

#[test]
fn the_shipped_config_schema_is_current() {
    let generated = run(&["config-schema"], 0);
    let shipped = std::fs::read_to_string("isolint.schema.json").unwrap_or_default();
    assert!(
        shipped == generated,
        "isolint.schema.json is stale; regenerate with: cargo run -- config-schema > isolint.schema.json"
    );
    let value: serde_json::Value = serde_json::from_str(&generated).unwrap_or_default();
    for key in [
        "seed",
        "environments",
        "domains",
        "shared",
        "exceptions",
        "select",
        "ignore",
        "per-path-ignores",
        "severity",
    ] {
        assert!(
            value.pointer(&format!("/properties/{key}")).is_some(),
            "{key} missing from the schema"
        );
    }
}

#[test]
fn config_selection_severity_and_per_path_ignores_apply() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let env = d.join("platform/dev");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        env.join("Caddyfile"),
        "{$CIAM_HERA_PUBLIC_URL} {\n\treverse_proxy iam-hera:4000\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let root = d.to_string_lossy().into_owned();
    std::fs::write(
        d.join("isolint.toml"),
        "ignore = [\"CFG002\"]\n[severity.dev]\nISO003 = \"warning\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["check", &root, "--format", "concise"], 0);
    assert!(
        out.contains("warning[ISO003]") && !out.contains("CFG002"),
        "{out}"
    );
    // Like ruff: an `--ignore` adds to the file's, a `--select` starts over.
    let out = run(
        &["check", &root, "--format", "concise", "--ignore", "ISO003"],
        0,
    );
    assert_eq!(out, "", "the file's ignore still holds");
    let out = run(
        &["check", &root, "--format", "concise", "--select", "CFG"],
        0,
    );
    assert!(
        out.contains("CFG002") && !out.contains("ISO003"),
        "the command line's selection wins: {out}"
    );
    std::fs::write(
        d.join("isolint.toml"),
        "[per-path-ignores]\n\"platform/dev/*\" = [\"ISO003\", \"CFG002\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run(&["check", &root, "--format", "concise"], 0), "");
    // A folder whose name says no profile gets one from the file.
    std::fs::rename(&env, d.join("platform/qa")).unwrap_or_else(|e| panic!("{e}"));
    let severity = "ignore = [\"CFG002\"]\n[severity.dev]\nISO003 = \"warning\"\n";
    std::fs::write(d.join("isolint.toml"), severity).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["check", &root, "--format", "concise"], 1);
    assert!(out.contains("error[ISO003]"), "{out}");
    std::fs::write(
        d.join("isolint.toml"),
        format!("{severity}[environments.profiles]\nqa = \"dev\"\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["check", &root, "--format", "concise"], 0);
    assert!(out.contains("warning[ISO003]"), "{out}");
    std::fs::write(d.join("isolint.toml"), "[severty]\nISO003 = \"warning\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, stderr) = run_both(&["check", &root], 2);
    assert!(stderr.contains("did you mean `severity`?"), "{stderr}");
}

#[test]
fn user_rules_from_a_folder_are_listed_explained_and_checked() {
    let config = "fixtures/user-rules/isolint.toml";
    let list = run(&["rules", "--config", config], 0);
    assert!(list.contains("ORG001  strict-session-cookie"), "{list}");
    assert!(list.contains("SEC005  unpinned-image"), "{list}");
    let doc = run(&["explain", "ORG001", "--config", config], 0);
    assert!(doc.contains("Our login flows never need"), "{doc}");
    insta::assert_snapshot!(
        "explain_generated",
        run(&["explain", "site-without-headers", "--config", config], 0)
    );
    insta::assert_snapshot!("explain_sec003", run(&["explain", "SEC003"], 0));
    // Selection by prefix reaches the user's codes; the command line wins.
    let out = run(
        &[
            "check",
            "fixtures/user-rules",
            "--format",
            "concise",
            "--select",
            "ORG00",
            "--ignore",
            "shared-smtp-account",
        ],
        0,
    );
    assert!(
        out.contains("[ORG001]") && out.contains("[ORG003]") && !out.contains("ORG002"),
        "{out}"
    );
}

/// Runs `check` on a tree with these files and returns its stderr,
/// expecting exit status 2.
fn check_fails(files: &[(&str, &str)]) -> String {
    let dir = common::write_tree(files);
    run_both(
        &["check", &dir.path().to_string_lossy(), "--color", "never"],
        2,
    )
    .1
}

#[test]
fn config_and_rule_file_errors_point_into_the_file() {
    let env = ("platform/prod/compose.yml", "services: {}\n");
    let rule = "code: ORG001\nname: n\nseverity: error\nsummary: s\nmessage: m\nselect:\n  image: tag\nwhen:\n  equals: latest\n";
    /// Files of a tree, and what its error output must contain.
    type Case<'a> = (Vec<(&'a str, String)>, &'a [&'a str]);
    let cases: Vec<Case> = vec![
        (
            vec![("isolint.toml", "select = [\"ISO00\", \"ISO00X\"]\n".into())],
            &["unknown rule code 'ISO00X'", "isolint.toml:1:21"],
        ),
        (
            vec![("isolint.toml", "[severity.prd]\nISO003 = \"warning\"\n".into())],
            &["unknown profile 'prd'", "isolint.toml:1:11"],
        ),
        (
            vec![("isolint.toml", "[severity.prod]\nISO003 = \"warnin\"\n".into())],
            &["unknown variant `warnin`", "isolint.toml:2:10", "did you mean `warning`?"],
        ),
        (
            vec![(
                "isolint.toml",
                "[[shared]]\ndatabase = \"x\"\nreason = \" \"\n".into(),
            )],
            &["needs a reason", "isolint.toml:3:10"],
        ),
        (
            vec![("isolint.toml", "[rules]\nfolders = [\"nope\"]\n".into())],
            &["rule folder", "isolint.toml:2:13"],
        ),
        (
            vec![
                ("isolint.toml", "[rules]\nfolders = [\"lint\"]\n".into()),
                ("lint/a.yml", rule.replace("select:", "selct:")),
            ],
            &["unknown key `selct` in a rule", "a.yml:6:1", "did you mean `select`?"],
        ),
        (
            vec![
                ("isolint.toml", "[rules]\nfolders = [\"lint\"]\n".into()),
                ("lint/a.yml", rule.replace("ORG001", "SEC001")),
            ],
            &["code SEC001 is already taken", "a.yml:1:7"],
        ),
        (
            vec![
                ("isolint.toml", "[rules]\nfolders = [\"lint\"]\n".into()),
                (
                    "lint/b.toml",
                    "code = \"ORG002\"\nname = \"n\"\nseverity = \"error\"\nsummary = \"s\"\nmessage = \"m\"\n[select]\nenv = \"*\"\n[when]\nmatches = \"(\"\n".into(),
                ),
            ],
            &["bad regular expression", "b.toml:9:11"],
        ),
        (
            vec![
                ("isolint.toml", "[rules]\nfolders = [\"lint\"]\n".into()),
                ("lint/c.yml", rule.replace("image: tag", "image: tag\n  caddy: header")),
            ],
            &["a selector names exactly one of", "c.yml:7:3"],
        ),
    ];
    for (files, wants) in cases {
        let mut all: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        all.push(env);
        let stderr = check_fails(&all);
        for want in wants {
            assert!(stderr.contains(want), "{want:?} not in:\n{stderr}");
        }
    }
}

#[test]
fn the_readme_configuration_example_loads() {
    let readme = std::fs::read_to_string("README.md").unwrap_or_else(|e| panic!("{e}"));
    let section = readme
        .split("## Configuration: `isolint.toml`")
        .nth(1)
        .unwrap_or_else(|| panic!("no configuration section"));
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap_or_else(|| panic!("no toml example"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("lint/isolint")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("platform/dev")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("platform/dev/compose.yml"),
        "services: {}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The files it names.
    std::fs::create_dir_all(dir.path().join("ci")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("ci/deploy.env"), "PG_PASSWORD=x\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("isolint-baseline.json"),
        "{\"version\": 1, \"findings\": []}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("isolint.toml"), example).unwrap_or_else(|e| panic!("{e}"));
    run(&["check", &dir.path().to_string_lossy()], 0);
}

#[test]
fn configuration_applies_to_every_finding_and_is_read_once() {
    // Two paths under one isolint.toml with a rule folder: it is read once,
    // and a finding both paths see is reported once.
    let out = run(
        &[
            "check",
            "fixtures/user-rules/platform/prod",
            "fixtures/user-rules/platform",
            "--format",
            "concise",
        ],
        1,
    );
    assert_eq!(out.matches("[ORG001]").count(), 1, "{out}");
    // Severities and per-path ignores reach CFG003 too, and a suppression
    // that a per-path ignore would also cover still counts as used.
    let caddyfile = "login.iam.example.com {\n\treverse_proxy ciam-hera:3000 # isolint: ignore[ISO003] moving in Q3\n}\n\n:9999 {\n\trespond ok # isolint: ignore[ISO001] stale\n}\n";
    let config =
        "[severity]\nCFG003 = \"error\"\n\n[per-path-ignores]\n\"platform/dev/*\" = [\"ISO003\"]\n";
    let dir = common::write_tree(&[
        ("platform/dev/Caddyfile", caddyfile),
        ("isolint.toml", config),
    ]);
    let out = run(
        &[
            "check",
            &dir.path().to_string_lossy(),
            "--format",
            "concise",
        ],
        1,
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("Caddyfile:6:") && out.contains("error[CFG003]"),
        "{out}"
    );
}

#[test]
fn stdin_filename_checks_the_buffer_within_its_environment() {
    let check = |file: &str, text: &str, code: i32| {
        let out = isolint()
            .args(["check", "--format", "concise", "--stdin-filename", file])
            .write_stdin(text)
            .output()
            .unwrap_or_else(|e| panic!("run: {e}"));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let caddyfile = "fixtures/olympus/platform/prod/Caddyfile";
    let saved = std::fs::read_to_string(caddyfile).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(check(caddyfile, &saved, 0), "");
    // The unsaved buffer crosses the boundary; the file on disk does not.
    let edited = saved.replacen(
        "import proxy ciam-hera:3000",
        "import proxy iam-hera:4000",
        1,
    );
    assert_ne!(edited, saved);
    let out = check(caddyfile, &edited, 1);
    assert!(
        out.contains("platform/prod/Caddyfile") && out.contains("[ISO003]"),
        "{out}"
    );
    // A buffer can break another file of its environment: the `.env`
    // value reaches every DSN in the compose file.
    let env_file = "fixtures/olympus/platform/prod/.env";
    let env = std::fs::read_to_string(env_file).unwrap_or_else(|e| panic!("{e}"));
    let out = check(
        env_file,
        &env.replace("POSTGRES_SSLMODE=verify-full", "POSTGRES_SSLMODE=disable"),
        1,
    );
    // The value is written in the buffer: the finding is there, one for
    // every service it reaches.
    assert!(
        out.lines().count() == 1
            && out.contains("platform/prod/.env:2:")
            && out.contains("[SEC003]")
            && out.contains("ciam-kratos, ciam-hydra"),
        "{out}"
    );
}

#[test]
fn seed_scripts_of_a_nested_environment_are_its_own() {
    let compose = "services:\n  ciam-hydra:\n    image: oryd/hydra:v2.2.0\n";
    let seed = |id: &str| {
        format!(
            "#!/bin/sh\ncurl -X POST \"http://ciam-hydra:4445/admin/clients\" -d '{{\"client_id\": \"{id}\"}}'\n"
        )
    };
    let (outer, inner) = (seed("outer-client"), seed("inner-client"));
    let dir = common::write_tree(&[
        ("platform/prod/compose.yml", compose),
        ("platform/prod/scripts/seed-prod.sh", &outer),
        ("platform/prod/sandbox/compose.yml", compose),
        ("platform/prod/sandbox/seed-sandbox.sh", &inner),
    ]);
    let dump: serde_json::Value =
        serde_json::from_str(&run(&["dump", &dir.path().to_string_lossy()], 0))
            .unwrap_or_else(|e| panic!("{e}"));
    let clients = |env: &str| -> Vec<String> {
        dump["environments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["name"] == env)
            .flat_map(|e| e["oauth2_clients"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["client_id"]["text"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(clients("prod"), ["outer-client"], "{dump}");
    assert_eq!(clients("sandbox"), ["inner-client"], "{dump}");
}

/// `[check]` in `isolint.toml` gives deploy-time values as `--env-file`
/// and `--var` do (the command line's win: `check`'s unit tests).
#[test]
fn the_configuration_gives_deploy_time_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_tree(
        std::path::Path::new("tests/rules/ISO003/literal"),
        dir.path(),
    );
    let tree = dir.path().to_string_lossy().to_string();
    let unresolved = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains("[CFG002]"))
            .map(str::to_string)
            .collect()
    };
    let before = unresolved(&run(&["check", &tree, "--format", "concise"], 1));
    assert_eq!(before.len(), 2, "{before:?}");
    std::fs::write(
        dir.path().join("ci.env"),
        "CIAM_HERA_PUBLIC_URL=https://login.ciam.example.com\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("isolint.toml"),
        "[check]\nenv-files = [\"ci.env\"]\nvars = { CIAM_ATHENA_PUBLIC_URL = \"https://admin.ciam.example.com\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run(&["check", &tree, "--format", "concise"], 1);
    assert_eq!(unresolved(&out), Vec::<String>::new(), "{out}");
    assert!(out.contains("[ISO003]"), "{out}");
    // A configured env file that is not there is a usage error.
    std::fs::write(
        dir.path().join("isolint.toml"),
        "[check]\nenv-files = [\"missing.env\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run(&["check", &tree], 2);
}
