//! `isolint graph`: Mermaid and DOT snapshots of the healthy example and
//! of one broken variant per ISO rule (its red edge, with the code), the
//! Mermaid accepted by Mermaid's own parser, the SVG well-formed with
//! every service in it, the SVGs committed under `docs/` current, and the
//! job summary.

use crate::common;

use std::path::Path;

/// One test case per ISO rule (`tests/rules/<CODE>/<case>`): its
/// `literal` case, else its first that fires.
fn variants() -> Vec<(&'static str, &'static str)> {
    let cases = crate::rules::cases();
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for (code, case) in &cases {
        if !code.starts_with("ISO") || case.starts_with("ok-") {
            continue;
        }
        match out.iter_mut().find(|(c, _)| c == code) {
            Some(v) if *case == "literal" => v.1 = case,
            Some(_) => {}
            None => out.push((code, case)),
        }
    }
    out
}

/// The drawings committed under `docs/`, and the arguments that make them.
const COMMITTED: &[(&str, &[&str])] = &[
    (
        "docs/graph-olympus-prod.svg",
        &["fixtures/olympus", "--environment", "prod"],
    ),
    (
        "docs/graph-iso003-crossed-upstream.svg",
        &["tests/rules/ISO003/literal"],
    ),
];

/// `isolint graph ARGS`, with this exit code: stdout on success, else
/// stderr.
fn graph(args: &[&str], code: i32) -> String {
    let all: Vec<&str> = std::iter::once("graph")
        .chain(args.iter().copied())
        .collect();
    let (stdout, stderr) = common::run_both(&all, code);
    if code == 0 { stdout } else { stderr }
}

#[test]
fn the_healthy_example_has_no_red() {
    let mermaid = graph(&["fixtures/olympus"], 0);
    let dot = graph(&["fixtures/olympus", "--format", "dot"], 0);
    for (text, red) in [(&mermaid, "#d62728"), (&dot, "#d62728")] {
        assert!(!text.contains(red), "{text}");
        assert!(!text.contains("ISO0"), "{text}");
    }
    // Both environments, each with its two domains.
    assert_eq!(mermaid.matches("flowchart LR").count(), 2, "{mermaid}");
    assert_eq!(mermaid.matches("subgraph domain_ciam[\"CIAM\"]").count(), 2);
    assert_eq!(dot.matches("subgraph cluster_iam {").count(), 2);
    insta::assert_snapshot!("graph_olympus_mermaid", mermaid);
    insta::assert_snapshot!("graph_olympus_dot", dot);
}

/// Mermaid edges as (index, line), in order: `linkStyle` counts them so.
fn mermaid_edges(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .filter(|l| l.contains(" -->|") || l.contains(" -.->|"))
        .enumerate()
        .collect()
}

#[test]
fn each_iso_rule_draws_a_red_edge_with_its_code() {
    for (code, fixture) in variants() {
        let path = format!("tests/rules/{code}/{fixture}");
        let mermaid = graph(&[&path], 0);
        assert!(
            red_edges(&mermaid).iter().any(|l| l.contains(code)),
            "{code}: no red edge labelled with it in\n{mermaid}"
        );
        // Errors red, warnings amber.
        let warning = isolint::rules::Registry::default()
            .find(code)
            .is_some_and(|r| r.severity == isolint::diag::Severity::Warning);
        let colour = if warning { "#b7791f" } else { "#d62728" };
        let dot = graph(&[&path, "--format", "dot"], 0);
        assert!(
            dot.lines().any(|l| l.contains(" -> ")
                && l.contains(code)
                && l.contains(&format!("color=\"{colour}\""))),
            "{code}: no {colour} DOT edge in\n{dot}"
        );
        let name = format!("graph_{}-{fixture}", code.to_lowercase());
        insta::assert_snapshot!(format!("{name}_mermaid"), mermaid);
        insta::assert_snapshot!(format!("{name}_dot"), dot);
    }
}

/// Every broken case of an ISO rule, not only the one drawn above, draws
/// its finding as a labelled edge: a finding the graph cannot place
/// (anchored where no node is) is caught here.
#[test]
fn every_iso_case_draws_its_edge() {
    let mut missing = Vec::new();
    for (code, case) in crate::rules::cases() {
        if !code.starts_with("ISO") || case.starts_with("ok-") {
            continue;
        }
        let mermaid = graph(&[&format!("tests/rules/{code}/{case}")], 0);
        if !red_edges(&mermaid).iter().any(|l| l.contains(code)) {
            missing.push(format!("{code}/{case}"));
        }
    }
    assert!(missing.is_empty(), "no edge for: {missing:?}");
}

/// The services of a tree, as `isolint dump` lists them.
fn service_names(path: &str) -> Vec<String> {
    let (out, _) = common::run_both(&["dump", path], 0);
    let dump: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    dump["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["services"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn the_svg_is_well_formed_and_names_every_service() {
    for (path, args) in [
        (
            "fixtures/olympus/platform/prod",
            vec!["fixtures/olympus/platform/prod"],
        ),
        (
            "tests/rules/ISO005/crossed-url",
            vec!["tests/rules/ISO005/crossed-url"],
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--format", "svg"]);
        let svg = graph(&args, 0);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        let names = service_names(path);
        assert!(names.len() >= 5, "{path}: {names:?}");
        for name in names {
            assert!(
                texts.contains(&name.as_str()),
                "{path}: no {name} in the SVG"
            );
        }
    }
}

#[test]
fn the_committed_svgs_are_current() {
    for (file, args) in COMMITTED {
        let mut all = args.to_vec();
        all.extend(["--format", "svg"]);
        let fresh = graph(&all, 0);
        let committed = std::fs::read_to_string(Path::new(file)).unwrap_or_default();
        assert!(
            fresh == committed,
            "{file} is stale; regenerate it with\n  cargo run --release -- graph {} --format svg > {file}",
            args.join(" ")
        );
    }
}

#[test]
fn an_svg_draws_one_environment() {
    let stderr = graph(&["fixtures/olympus", "--format", "svg"], 2);
    assert!(
        stderr.contains("name one with --environment (found dev, prod)"),
        "{stderr}"
    );
    let stderr = graph(&["fixtures/olympus", "--environment", "qa"], 2);
    assert!(stderr.contains("no environment named 'qa'"), "{stderr}");
}

#[test]
fn the_job_summary_lists_findings_then_graphs_of_their_environments() {
    let summary = graph(&["tests/rules/ISO003/literal", "--format", "summary"], 0);
    let table = summary
        .find("| severity | code | where | message |")
        .unwrap_or_else(|| panic!("{summary}"));
    let row = summary
        .find("| error | ISO003 | `tests/rules/ISO003/literal/platform/prod/Caddyfile:")
        .unwrap_or_else(|| panic!("{summary}"));
    let graph_at = summary
        .find("```mermaid\n")
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(table < row && row < graph_at, "{summary}");
    assert!(summary.contains("\n### prod\n"), "{summary}");
    assert!(summary.contains("ISO003: reverse_proxy"), "{summary}");
    // One environment's summary lists its findings alone.
    let tree = "tests/rules";
    let all = graph(&[tree, "--format", "summary"], 0);
    let prod = graph(&[tree, "--format", "summary", "--environment", "prod"], 0);
    assert!(
        all.contains("CFG001/heredoc/platform/dev/Caddyfile"),
        "{all}"
    );
    assert!(!prod.contains("platform/dev/"), "{prod}");
    assert!(prod.contains("platform/prod/"), "{prod}");
    // A healthy tree: no table, no graph.
    let healthy = graph(&["fixtures/olympus", "--format", "summary"], 0);
    assert_eq!(healthy, "## isolint\n\nNo findings.\n");
}

/// `target/tools/mermaid`: Mermaid's parser and jsdom, from the npm
/// registry, installed on first use.
fn mermaid_modules() -> std::path::PathBuf {
    let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/mermaid");
    let modules = prefix.join("node_modules");
    if !modules.join("mermaid/dist/mermaid.core.mjs").is_file() || !modules.join("jsdom").is_dir() {
        std::fs::create_dir_all(&prefix).unwrap_or_else(|e| panic!("{e}"));
        let status = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&prefix)
            .args(["mermaid@11.17.2", "jsdom@25.0.1"])
            .status()
            .unwrap_or_else(|e| panic!("npm: {e}"));
        assert!(status.success(), "npm install mermaid failed");
    }
    modules
}

/// Every Mermaid text isolint writes parses with Mermaid's own parser:
/// the example's environments, each broken fixture's, and the graphs in
/// a job summary.
#[test]
fn mermaid_parses_every_graph() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut files = Vec::new();
    let mut write = |name: String, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        files.push(path);
    };
    write("olympus.mmd".into(), &graph(&["fixtures/olympus"], 0));
    for (code, case) in crate::rules::cases() {
        let path = format!("tests/rules/{code}/{case}");
        write(format!("{code}-{case}.mmd"), &graph(&[&path], 0));
    }
    // Names Mermaid would read as syntax: a directive, a Markdown string,
    // a direction statement, quotes and markup.
    let hostile = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = hostile.path().join("platform/prod");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        env.join("compose.yml"),
        "services:\n  ciam-hydra:\n    image: oryd/hydra:v2.2.0\n  iam-hydra:\n    image: oryd/hydra:v2.2.0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ids = [
        "%%{init: {'theme':'dark'}}%%",
        "%%{x",
        "`web",
        "direction LR",
        "a\\\"b<i>&#35;",
    ];
    let seed: String = ids
        .iter()
        .map(|id| {
            format!("curl -X POST \"http://ciam-hydra:4445/admin/clients\" -d '{{\"client_id\": \"{id}\"}}'\n")
        })
        .collect();
    std::fs::write(env.join("seed-prod.sh"), format!("#!/bin/sh\n{seed}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let drawn = graph(&[&hostile.path().to_string_lossy()], 0);
    assert_eq!(drawn.matches("oauth2 client").count(), ids.len(), "{drawn}");
    write("hostile.mmd".into(), &drawn);
    let summary = graph(&["tests/rules", "--format", "summary"], 0);
    for (i, block) in summary.split("```mermaid\n").skip(1).enumerate() {
        let diagram = block.split("```").next().unwrap_or("");
        write(format!("summary-{i}.mmd"), diagram);
    }
    let out = std::process::Command::new("node")
        .arg("tests/mermaid-parse.mjs")
        .arg(mermaid_modules())
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("node: {e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every file was parsed (the summary's graphs among them).
    assert!(
        report.lines().count() >= files.len() && files.len() > crate::rules::cases().len() + 5,
        "{report}"
    );
}

/// The red edges of a Mermaid text, as their lines.
fn red_edges(mermaid: &str) -> Vec<String> {
    let red: Vec<usize> = mermaid
        .lines()
        .find_map(|l| l.trim().strip_prefix("linkStyle "))
        .and_then(|l| l.split_whitespace().next())
        .map(|list| list.split(',').filter_map(|i| i.parse().ok()).collect())
        .unwrap_or_default();
    mermaid_edges(mermaid)
        .into_iter()
        .filter(|(i, _)| red.contains(i))
        .map(|(_, l)| l.trim().to_string())
        .collect()
}

/// A snippet token two sites import, or a `.env` line two services read,
/// is one place in the files: only the use that crosses turns red.
#[test]
fn only_the_crossing_use_of_a_shared_line_is_red() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("platform/prod");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    let files = [
        (
            "Caddyfile",
            "(hera) {\n\treverse_proxy ciam-hera:3000\n}\n\nlogin.ciam.example.com {\n\timport hera\n}\n\nlogin.iam.example.com {\n\timport hera\n}\n",
        ),
        (
            "compose.yml",
            "services:\n  ciam-hera:\n    image: ghcr.io/x/hera:1.0.0\n    environment:\n      KRATOS_PUBLIC_URL: ${KRATOS_URL}\n  iam-hera:\n    image: ghcr.io/x/hera:1.0.0\n    environment:\n      KRATOS_PUBLIC_URL: ${KRATOS_URL}\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n",
        ),
        (".env", "KRATOS_URL=http://iam-kratos:4433\n"),
    ];
    for (name, text) in files {
        std::fs::write(env.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let mermaid = graph(&[&dir.path().to_string_lossy()], 0);
    let red = red_edges(&mermaid);
    assert_eq!(red.len(), 2, "{mermaid}");
    assert!(
        red.iter()
            .any(|l| l.starts_with("site_1 ") && l.contains("ISO003")),
        "the IAM site's use of the snippet: {mermaid}"
    );
    assert!(
        red.iter()
            .any(|l| l.starts_with("svc_ciam_hera ") && l.contains("ISO005")),
        "the CIAM app's URL of the IAM Kratos: {mermaid}"
    );
}

/// `--focus`: what the findings mark and one hop around it, nothing
/// else; infos colour nothing; a DSN that is one variable still draws
/// its database, by the variable.
#[test]
fn focus_severities_and_symbolic_databases() {
    let full = graph(&["tests/rules/ISO003/literal"], 0);
    let focused = graph(&["tests/rules/ISO003/literal", "--focus"], 0);
    let edges = |t: &str| mermaid_edges(t).len();
    assert!(edges(&focused) < edges(&full), "{focused}");
    assert!(
        red_edges(&focused).iter().any(|l| l.contains("ISO003")),
        "{focused}"
    );
    // Nothing marked: nothing drawn but the title.
    let healthy = graph(&["fixtures/olympus", "--environment", "prod", "--focus"], 0);
    assert_eq!(edges(&healthy), 0, "{healthy}");
    // A CFG002 info (the tree has two) marks no node.
    let (check, _) = common::run_both(
        &["check", "tests/rules/ISO003/literal", "--format", "concise"],
        1,
    );
    assert!(check.contains("info[CFG002]"), "{check}");
    assert!(!full.contains("CFG002"), "{full}");
    // ${HYDRA_DSN}: the database node, named by the variable.
    let symbolic = graph(&["tests/rules/ISO001/symbolic"], 0);
    assert!(
        symbolic.contains("[(\"${HYDRA_DSN}<br/>database\")]"),
        "{symbolic}"
    );
    let amber = graph(&["tests/rules/ISO008/shared-user"], 0);
    assert!(amber.contains("stroke:#b7791f"), "{amber}");
}
