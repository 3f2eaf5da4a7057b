//! Per-rule test cases, in ruff's manner: `tests/rules/<CODE>/<case>/`
//! holds a small tree, and `tests/rules/<CODE>/<case>.snap` the findings
//! of its rule (and any parse error) in checking it, concise and pretty
//! (file:line:col, message, every label, help), so a case's snapshot
//! changes with its rule only. One named test per case, so a failure
//! names its case and the others still run. A case named `ok-...` shows
//! where the rule must stay quiet; any other must give at least one
//! finding of its rule. The healthy trees and the corpus check that no
//! rule speaks where it should not.

use std::path::Path;

/// Checks one case's tree and compares its findings with its snapshot.
fn case(code: &str, case: &str) {
    let root = format!("tests/rules/{code}/{case}");
    let select = [code.to_string(), "CFG001".to_string()];
    let (sources, checked) = isolint::check::tree(Path::new(&root), &select)
        .unwrap_or_else(|e| panic!("{root}: {}", e.0));
    let found = &checked.diagnostics;
    let fires = found.iter().any(|d| d.code == code);
    if case.starts_with("ok-") {
        assert!(!fires, "{root}: {code} fires where it must not");
        // An isolation rule is quiet on a tree without two domains: its
        // quiet case must have them, or it shows nothing.
        if code.starts_with("ISO") {
            assert!(
                has_boundary(&root),
                "{root}: no boundary, so {code} cannot fire"
            );
        }
    } else {
        assert!(fires, "{root}: no {code} finding");
    }
    let concise = isolint::report::concise::render(&sources, found);
    let pretty = isolint::report::pretty::render(&sources, found, false);
    insta::with_settings!({
        snapshot_path => format!("../rules/{code}"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(case.to_string(), format!("{concise}\n{pretty}"));
    });
}

/// Whether some environment of the tree at `root` has the two domains
/// whose boundary the isolation rules check.
fn has_boundary(root: &str) -> bool {
    use isolint::check::{Request, findings_and};
    let sources = isolint::syntax::source::SourceMap::new();
    let given = Default::default();
    let request = Request::every_rule(vec![root.into()], &given, None);
    findings_and(&sources, &request, |env, config| {
        env.resolved(&config.policy.domains).boundary.exists()
    })
    .unwrap_or_else(|e| panic!("{root}: {}", e.0))
    .kept
    .contains(&true)
}

macro_rules! cases {
    ($($test:ident: $code:literal / $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                case($code, $case);
            }
        )*

        /// Every case, as (code, case folder).
        pub fn cases() -> Vec<(&'static str, &'static str)> {
            vec![$(($code, $case)),*]
        }
    };
}

cases! {
    cfg001_brace_same_line: "CFG001" / "brace-same-line",
    cfg001_compose_interpolation: "CFG001" / "compose-interpolation",
    cfg001_dotenv_quote: "CFG001" / "dotenv-quote",
    cfg001_heredoc: "CFG001" / "heredoc",
    cfg001_import_cycle: "CFG001" / "import-cycle",
    cfg001_import_outside: "CFG001" / "import-outside",
    cfg001_init_sql: "CFG001" / "init-sql",
    cfg001_kratos_duplicate_key: "CFG001" / "kratos-duplicate-key",
    cfg001_missing_import: "CFG001" / "missing-import",
    cfg001_seed_script: "CFG001" / "seed-script",
    cfg002_deploy_time_admin_host: "CFG002" / "deploy-time-admin-host",
    cfg002_deploy_time_site_address: "CFG002" / "deploy-time-site-address",
    cfg002_ok_known_addresses: "CFG002" / "ok-known-addresses",
    cfg003_suppressions: "CFG003" / "suppressions",
    iso001_dotenv: "ISO001" / "dotenv",
    iso001_literal: "ISO001" / "literal",
    iso001_symbolic: "ISO001" / "symbolic",
    iso002_env_override: "ISO002" / "env-override",
    iso002_literal: "ISO002" / "literal",
    iso002_symbolic: "ISO002" / "symbolic",
    iso003_literal: "ISO003" / "literal",
    iso003_port_plan: "ISO003" / "port-plan",
    iso003_snippet: "ISO003" / "snippet",
    iso003_symbolic: "ISO003" / "symbolic",
    iso004_app_config: "ISO004" / "app-config",
    iso004_literal: "ISO004" / "literal",
    iso004_symbolic: "ISO004" / "symbolic",
    iso004_wrapper: "ISO004" / "wrapper",
    iso005_crossed_url: "ISO005" / "crossed-url",
    iso005_dev_ports: "ISO005" / "dev-ports",
    iso006_shared_secret: "ISO006" / "shared-secret",
    iso007_crossed_config: "ISO007" / "crossed-config",
    iso007_long_form: "ISO007" / "long-form",
    iso008_shared_user: "ISO008" / "shared-user",
    iso009_ok_profiles_apart: "ISO009" / "ok-profiles-apart",
    iso009_port_plan: "ISO009" / "port-plan",
    iso010_default_network: "ISO010" / "default-network",
    iso010_ok_admin_host_at_deploy_time: "ISO010" / "ok-admin-host-at-deploy-time",
    iso010_ok_admin_on_loopback: "ISO010" / "ok-admin-on-loopback",
    iso010_ok_network_per_domain: "ISO010" / "ok-network-per-domain",
    iso010_ok_nothing_serves_admin: "ISO010" / "ok-nothing-serves-admin",
    iso010_ok_only_jobs_join: "ISO010" / "ok-only-jobs-join",
    iso010_ok_profiles_apart: "ISO010" / "ok-profiles-apart",
    iso010_ok_sign_in_exception: "ISO010" / "ok-sign-in-exception",
    iso010_shared_network: "ISO010" / "shared-network",
    sec001_leak_sensitive_values: "SEC001" / "leak-sensitive-values",
    sec002_placeholder_secret: "SEC002" / "placeholder-secret",
    sec003_weak_sslmode: "SEC003" / "weak-sslmode",
    sec004_dev_mode: "SEC004" / "dev-mode",
    sec005_unpinned_image: "SEC005" / "unpinned-image",
}

/// The case folders on disk, as (code, case).
fn folders() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for code in std::fs::read_dir("tests/rules")
        .into_iter()
        .flatten()
        .flatten()
    {
        for case in std::fs::read_dir(code.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if case.path().is_dir() {
                out.push((
                    code.file_name().to_string_lossy().into_owned(),
                    case.file_name().to_string_lossy().into_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_case_folder_has_its_test() {
    let listed: Vec<(String, String)> = cases()
        .into_iter()
        .map(|(c, k)| (c.to_string(), k.to_string()))
        .collect();
    assert_eq!(
        folders(),
        listed,
        "list each folder of tests/rules in `cases!`"
    );
}

#[test]
fn every_rule_has_its_document_examples_and_cases() {
    let folders = folders();
    for rule in isolint::rules::Registry::default().all() {
        let doc = rule.document();
        for section in ["## What it checks", "## Bad", "## Good"] {
            assert!(doc.contains(section), "{}: no `{section}`", rule.code);
        }
        assert!(
            folders
                .iter()
                .any(|(c, k)| c == rule.code && !k.starts_with("ok-")),
            "{}: no test case under tests/rules/{}/",
            rule.code,
            rule.code
        );
    }
}
