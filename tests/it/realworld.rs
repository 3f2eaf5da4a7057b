//! The ecosystem check, in the spirit of ruff's: public Ory trees
//! (`../shared/corpus/realworld/`: the Kratos and Hydra quickstarts, laid
//! out by the corpus's `arrange.sh` as compose merges them, and Ory's
//! examples), each ONE identity stack. A user expects of them no isolation
//! finding (there is no second domain to cross into) and no CFG001 on a
//! file its consumer accepts.

use crate::common;

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    std::env::var_os("ISOLINT_REALWORLD_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld"),
        PathBuf::from,
    )
}

/// The corpus laid out in a temporary folder by its own `arrange.sh`.
fn arranged() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let script = corpus_dir().join("arrange.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// `isolint dump ARGS` as JSON. It exits 2 where the corpus leaves out a
/// file compose needs ([`missing_from_corpus`]), and still prints the model.
fn dump(args: &[&str]) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("{e}"))
        .arg("dump")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The report wraps its message at a fixed width, so where a line
    // breaks depends on how long the corpus's path is: compare the text
    // without its layout (white space and the frame's bars).
    let unwrapped: String = stderr
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect();
    assert!(
        out.status.code() == Some(0)
            || (out.status.code() == Some(2)
                && unwrapped.contains("_common/docker-compose.ymldoesnotexist")),
        "dump {args:?}: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("dump: {e}"))
}

/// Every folder two levels down (`ory-kratos/quickstart-postgres`, ...).
fn trees(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for repo in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for tree in std::fs::read_dir(repo.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if tree.path().is_dir() {
                out.push(tree.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn public_single_stack_trees_get_no_isolation_finding_and_no_parse_error() {
    let dir = arranged();
    let trees = trees(dir.path());
    assert!(trees.len() >= 15, "corpus missing: {} trees", trees.len());
    let mut wrong = Vec::new();
    let mut services = 0;
    for tree in &trees {
        for (code, file, line) in common::findings(tree) {
            if (code.starts_with("ISO") || code == "CFG001") && !missing_from_corpus(tree, &file) {
                wrong.push(format!("{}: {code} {file}:{line}", tree.display()));
            }
        }
        // The trees are really read: each has a compose file isolint
        // models (a dump lists its services).
        let model = dump(&[&tree.to_string_lossy()]);
        services += model["environments"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["services"].as_array().map_or(0, Vec::len))
            .sum::<usize>();
    }
    assert!(
        wrong.is_empty(),
        "findings a user would not agree with:\n{}",
        wrong.join("\n")
    );
    assert!(services >= 50, "only {services} services modelled");
}

/// The two oathkeeper examples extend `../../_common/docker-compose.yml`,
/// a file the corpus leaves out: compose refuses them as they are here,
/// so a CFG001 at those lines is right.
fn missing_from_corpus(tree: &Path, file: &str) -> bool {
    tree.ends_with("ory-examples/oathkeeper")
        && (file.starts_with("11-kratos-keto/") || file.starts_with("12-multiple-authenticators/"))
}

/// An `isolint.toml` describing the stacks as the projects' docs run
/// them (`-f quickstart.yml -f quickstart-postgres.yml`, the e2e base with
/// each database file, the conformance suite's three files, the cloud
/// variant), with absolute paths.
fn documented_stacks(corpus: &Path) -> String {
    let mut out = String::new();
    let mut stack = |name: String, files: &[PathBuf]| {
        let files: Vec<String> = files
            .iter()
            .map(|f| format!("{:?}", f.to_string_lossy()))
            .collect();
        out.push_str(&format!(
            "[[environments]]\nname = {name:?}\nfiles = [{}]\n\n",
            files.join(", ")
        ));
    };
    for repo in ["ory-kratos", "ory-hydra"] {
        let dir = corpus.join(repo);
        let base = dir.join("quickstart.yml");
        stack(format!("{repo}/quickstart"), std::slice::from_ref(&base));
        let mut variants: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                name.starts_with("quickstart-")
                    && name.ends_with(".yml")
                    && !name.contains("-config")
            })
            .collect();
        variants.sort();
        for v in variants {
            let name = v
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            stack(format!("{repo}/{name}"), &[base.clone(), v]);
        }
    }
    let kratos = corpus.join("ory-kratos");
    stack(
        "ory-kratos/cloud".into(),
        &[
            kratos.join("quickstart.yml"),
            kratos.join("contrib/quickstart/kratos/cloud/quickstart.yml"),
        ],
    );
    // The conformance suite's `start.sh` runs from Hydra's root:
    // `-f quickstart.yml -f quickstart-postgres.yml -f test/conformance/docker-compose.yml`.
    let hydra = corpus.join("ory-hydra");
    stack(
        "ory-hydra/conformance".into(),
        &[
            hydra.join("quickstart.yml"),
            hydra.join("quickstart-postgres.yml"),
            hydra.join("test/conformance/docker-compose.yml"),
        ],
    );
    let e2e = corpus.join("ory-hydra/test/e2e");
    for db in ["cockroach", "jwt", "mysql", "postgres"] {
        stack(
            format!("ory-hydra/e2e-{db}"),
            &[
                e2e.join("docker-compose.yml"),
                e2e.join(format!("docker-compose.{db}.yml")),
            ],
        );
    }
    out
}

/// Read as their docs run them, every Kratos, Hydra, proxy and Postgres
/// of the corpus is modelled with its kind, and each Kratos and Hydra
/// with its Ory config; and still nothing a user would disagree with.
#[test]
fn every_ory_service_is_modelled_with_its_kind_and_config() {
    let corpus = corpus_dir()
        .canonicalize()
        .unwrap_or_else(|e| panic!("corpus: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("isolint.toml");
    std::fs::write(&config, documented_stacks(&corpus)).unwrap_or_else(|e| panic!("{e}"));
    let root = corpus.to_string_lossy().into_owned();
    let config = config.to_string_lossy().into_owned();
    let model = dump(&[&root, "--config", &config]);
    let mut wrong = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for env in model["environments"].as_array().into_iter().flatten() {
        let env_name = env["name"].as_str().unwrap_or("");
        // The extends target is not in the corpus.
        if ["11-kratos-keto", "12-multiple-authenticators"].contains(&env_name) {
            continue;
        }
        for s in env["services"].as_array().into_iter().flatten() {
            let name = s["name"].as_str().unwrap_or("");
            let kind = s["kind"].as_str().unwrap_or("");
            *counts.entry(kind.to_string()).or_default() += 1;
            let expected = match name {
                "kratos" | "kratos-migrate" => Some("kratos"),
                "hydra" | "hydra-migrate" => Some("hydra"),
                "oathkeeper" | "kratos-caddy" => Some("proxy"),
                n if n.starts_with("postgres") => Some("postgres"),
                _ => None,
            };
            if let Some(expected) = expected.filter(|e| *e != kind) {
                wrong.push(format!("{env_name}: {name} is {kind}, not {expected}"));
            }
            let configured = s["config"].as_object().is_some_and(|c| !c.is_empty());
            if matches!(kind, "kratos" | "hydra") && !configured {
                wrong.push(format!("{env_name}: {name} has no Ory config"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        counts.get("kratos").copied().unwrap_or(0) >= 20,
        "{counts:?}"
    );
    assert!(
        counts.get("hydra").copied().unwrap_or(0) >= 25,
        "{counts:?}"
    );
    let out = assert_cmd::Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["check", "--format", "json", &root, "--config", &config])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let unexpected: Vec<_> = common::parse_findings(&report, &corpus)
        .into_iter()
        .filter(|(code, file, ..)| {
            (code.starts_with("ISO") || code == "CFG001")
                && !missing_from_corpus(
                    &corpus.join("ory-examples/oathkeeper"),
                    file.trim_start_matches("ory-examples/oathkeeper/"),
                )
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

#[test]
fn their_boundary_is_none_with_a_reason() {
    let dir = arranged();
    let tree = dir.path().join("ory-hydra/quickstart-postgres");
    let (dump, _) = common::run_both(&["dump", &tree.to_string_lossy()], 0);
    let model: serde_json::Value =
        serde_json::from_str(&dump).unwrap_or_else(|e| panic!("dump: {e}"));
    let env = &model["environments"][0];
    assert_eq!(env["boundary"]["state"], "none", "{}", env["boundary"]);
    assert!(
        env["boundary"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("one identity stack")),
        "{}",
        env["boundary"]
    );
}
