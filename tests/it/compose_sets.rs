//! Compose as compose reads it: which files form a stack, `include:` and
//! `extends: {file}` followed (paths said from the project folder),
//! `$PWD`, missing files at the line that names them, stacks described in
//! `isolint.toml`, and the walk (ignore files, unique names, nothing
//! found).

use crate::common;

use isolint::load::compose::{Compose, Service, Vars};
use isolint::syntax::source::SourceMap;
use std::path::Path;

/// Loads `file` of the tree as its own project.
fn load(root: &Path, file: &str) -> (Compose, SourceMap) {
    let sources = SourceMap::new();
    let scope = isolint::discover::Scope::for_path(root).unwrap_or_else(|e| panic!("{e}"));
    let c = isolint::load::compose::load(&sources, &scope, &root.join(file), &Vars::new());
    (c, sources)
}

fn service<'a>(c: &'a Compose, name: &str) -> &'a Service {
    c.services
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no service {name}: {:?}", c.services))
}

fn sources_of(s: &Service) -> Vec<String> {
    s.volumes.iter().filter_map(|v| v.source.clone()).collect()
}

fn env_text(s: &Service, key: &str) -> Option<String> {
    s.env(key)
        .and_then(|e| e.value.as_ref())
        .and_then(isolint::syntax::value::Value::text)
}

/// (file relative to the tree, line, message) of each diagnostic.
fn diagnostics(c: &Compose, sources: &SourceMap, root: &Path) -> Vec<(String, usize, String)> {
    c.diagnostics
        .iter()
        .map(|d| {
            let path = sources.path(d.primary.span.file);
            let rel = path
                .strip_prefix(root.canonicalize().unwrap_or_default())
                .or_else(|_| path.strip_prefix(root))
                .unwrap_or(path);
            (
                rel.to_string_lossy().into_owned(),
                sources.position(d.primary.span).line,
                d.message.clone(),
            )
        })
        .collect()
}

#[test]
fn include_adds_the_included_services_with_their_own_paths_and_env() {
    let dir = common::write_tree(&[
        (
            "app/compose.yml",
            "include:\n  - ory/compose.ory.yml\n  - path: ../shared/db.yml\n    project_directory: ../shared\n    env_file: ../shared/db.env\nservices:\n  web:\n    image: web:1\n",
        ),
        (
            "app/ory/compose.ory.yml",
            "services:\n  kratos:\n    image: oryd/kratos:v1\n    volumes: [\"./kratos:/etc/config/kratos\"]\n    env_file: kratos.env\n",
        ),
        ("app/ory/kratos.env", "LOG_LEVEL=debug\n"),
        (
            "shared/db.yml",
            "services:\n  postgres:\n    image: postgres:${PG_TAG}\n    volumes: [\"./init:/docker-entrypoint-initdb.d\"]\n",
        ),
        ("shared/db.env", "PG_TAG=16\n"),
    ]);
    let (c, sources) = load(dir.path(), "app/compose.yml");
    assert!(
        c.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&c, &sources, dir.path())
    );
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["kratos", "postgres", "web"]);
    let kratos = service(&c, "kratos");
    assert_eq!(sources_of(kratos), ["./ory/kratos"]);
    assert_eq!(env_text(kratos, "LOG_LEVEL").as_deref(), Some("debug"));
    let postgres = service(&c, "postgres");
    assert_eq!(sources_of(postgres), ["../shared/init"]);
    let image = postgres
        .image
        .as_ref()
        .and_then(isolint::syntax::value::Value::text);
    assert_eq!(image.as_deref(), Some("postgres:16"));
}

#[test]
fn include_cycles_missing_files_and_redefinitions_are_errors_at_their_line() {
    let dir = common::write_tree(&[
        (
            "a/compose.yml",
            "include:\n  - b.yml\n  - gone.yml\nservices:\n  web:\n    image: web:1\n",
        ),
        (
            "a/b.yml",
            "include:\n  - compose.yml\nservices:\n  web:\n    image: other:1\n",
        ),
    ]);
    let (c, sources) = load(dir.path(), "a/compose.yml");
    let found = diagnostics(&c, &sources, dir.path());
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|(f, l, m)| f == "a/b.yml" && *l == 2 && m.contains("cycle")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(f, l, m)| f == "a/compose.yml"
            && *l == 3
            && m.contains("gone.yml does not exist")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(f, l, m)| f == "a/compose.yml"
            && *l == 5
            && m.contains("also defined by an included file")),
        "{found:#?}"
    );
}

/// Loads `file` as compose runs it in its folder: that folder's `.env`
/// gives the project's variables.
fn load_project(root: &Path, file: &str) -> (Compose, SourceMap) {
    let sources = SourceMap::new();
    let scope = isolint::discover::Scope::for_path(root).unwrap_or_else(|e| panic!("{e}"));
    let path = root.join(file);
    let dir = path.parent().unwrap_or(root);
    let (vars, _) = isolint::load::compose::project_vars(&sources, dir, &[], &Vars::new());
    let c = isolint::load::compose::load(&sources, &scope, &path, &vars);
    (c, sources)
}

#[test]
fn an_include_path_list_is_one_project_merged_in_order() {
    let dir = common::write_tree(&[
        (
            "app/compose.yml",
            "include:\n  - path: [ory/base.yml, ory/override.yml]\n",
        ),
        (
            "app/ory/base.yml",
            "services:\n  kratos:\n    image: oryd/kratos:v1\n    volumes: [\"./kratos:/etc/config/kratos\"]\n    environment:\n      LOG_LEVEL: info\n",
        ),
        (
            "app/ory/override.yml",
            "services:\n  kratos:\n    environment:\n      LOG_LEVEL: debug\n",
        ),
    ]);
    let (c, sources) = load(dir.path(), "app/compose.yml");
    assert!(
        c.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&c, &sources, dir.path())
    );
    assert_eq!(c.services.len(), 1, "{:?}", c.services);
    let kratos = service(&c, "kratos");
    assert_eq!(env_text(kratos, "LOG_LEVEL").as_deref(), Some("debug"));
    assert_eq!(sources_of(kratos), ["./ory/kratos"]);
}

#[test]
fn an_include_reads_its_env_files_under_the_including_projects_values() {
    let dir = common::write_tree(&[
        ("app/.env", "TAG=outer\n"),
        (
            "app/compose.yml",
            "include:\n  - ory/compose.yml\n  - path: db/compose.yml\n    env_file: db/db.env\n  - path: db/other.yml\n    env_file: db/missing.env\n",
        ),
        ("app/ory/.env", "TAG=inner\nOTHER=inner\n"),
        (
            "app/ory/compose.yml",
            "services:\n  kratos:\n    image: oryd/kratos:${TAG}\n    environment:\n      X: ${OTHER}\n",
        ),
        ("app/db/.env", "ONLY_DOTENV=x\n"),
        ("app/db/db.env", "PG=16\n"),
        (
            "app/db/compose.yml",
            "services:\n  postgres:\n    image: postgres:${PG}\n    environment:\n      Y: ${ONLY_DOTENV}\n",
        ),
        ("app/db/other.yml", "services:\n  other:\n    image: x:1\n"),
    ]);
    let (c, sources) = load_project(dir.path(), "app/compose.yml");
    let text = |v: Option<&isolint::syntax::value::Value>| v.and_then(|v| v.text());
    let kratos = service(&c, "kratos");
    assert_eq!(
        text(kratos.image.as_ref()).as_deref(),
        Some("oryd/kratos:outer")
    );
    assert_eq!(env_text(kratos, "X").as_deref(), Some("inner"));
    let postgres = service(&c, "postgres");
    assert_eq!(
        text(postgres.image.as_ref()).as_deref(),
        Some("postgres:16")
    );
    assert_eq!(env_text(postgres, "Y"), None, "env_file replaces .env");
    let found = diagnostics(&c, &sources, dir.path());
    assert_eq!(
        found,
        [(
            "app/compose.yml".to_string(),
            6,
            "include env_file db/missing.env does not exist".to_string()
        )]
    );
    assert!(c.services.iter().all(|s| s.name != "other"));
}

#[test]
fn included_relative_paths_are_rebased_with_or_without_a_dot() {
    let dir = common::write_tree(&[
        ("app/compose.yml", "include:\n  - ory/compose.yml\n"),
        (
            "app/ory/compose.yml",
            "services:\n  kratos:\n    build: kratos\n    volumes:\n      - type: bind\n        source: conf\n        target: /etc/config/kratos\n      - data:/var/lib/kratos\n",
        ),
    ]);
    let (c, _) = load(dir.path(), "app/compose.yml");
    let kratos = service(&c, "kratos");
    let context = kratos.build.as_ref().and_then(|b| b.context.clone());
    assert_eq!(context.as_deref(), Some("./ory/kratos"));
    assert_eq!(sources_of(kratos), ["./ory/conf", "data"]);
}

#[test]
fn one_file_included_twice_is_one_service_and_a_conflict_is_refused() {
    let dir = common::write_tree(&[
        ("app/compose.yml", "include:\n  - a.yml\n  - b.yml\n"),
        ("app/a.yml", "include:\n  - common.yml\n"),
        (
            "app/b.yml",
            "include:\n  - common.yml\nservices:\n  web:\n    image: web:2\n",
        ),
        (
            "app/common.yml",
            "services:\n  db:\n    image: postgres:16\n  web:\n    image: web:1\n",
        ),
    ]);
    let (c, sources) = load(dir.path(), "app/compose.yml");
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "web"]);
    let found = diagnostics(&c, &sources, dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].0 == "app/b.yml" && found[0].2.contains("also defined by an included file"),
        "{found:#?}"
    );
}

#[test]
fn a_set_across_folders_reads_includes_from_the_project_folder() {
    let dir = common::write_tree(&[
        ("a/compose.yml", "services:\n  web:\n    image: web:1\n"),
        ("b/compose.extra.yml", "include:\n  - inc/more.yml\n"),
        ("a/inc/more.yml", "services:\n  more:\n    image: more:1\n"),
        (
            "isolint.toml",
            "[[environments]]\nname = \"set\"\nfiles = [\"a/compose.yml\", \"b/compose.extra.yml\"]\n",
        ),
    ]);
    assert_eq!(
        environments(dir.path(), &[]),
        [("set".into(), "".into(), vec!["web".into(), "more".into()])]
    );
}

#[test]
fn extends_from_another_file_takes_its_paths_from_that_file() {
    let dir = common::write_tree(&[
        (
            "app/compose.yml",
            "services:\n  kratos:\n    extends:\n      file: ../common/ory.yml\n      service: kratos-base\n    environment:\n      DSN: postgres://db/kratos\n",
        ),
        (
            "common/ory.yml",
            "services:\n  kratos-base:\n    extends: {service: root}\n    image: oryd/kratos:v1\n    volumes: [\"./kratos:/etc/config/kratos\"]\n    env_file: [kratos.env]\n  root:\n    environment:\n      LOG_LEVEL: info\n",
        ),
        ("common/kratos.env", "SERVE_PUBLIC_PORT=4433\n"),
    ]);
    let (c, sources) = load(dir.path(), "app/compose.yml");
    assert!(
        c.diagnostics.is_empty(),
        "{:?}",
        diagnostics(&c, &sources, dir.path())
    );
    let kratos = service(&c, "kratos");
    assert_eq!(sources_of(kratos), ["../common/kratos"]);
    assert_eq!(
        env_text(kratos, "SERVE_PUBLIC_PORT").as_deref(),
        Some("4433")
    );
    assert_eq!(env_text(kratos, "LOG_LEVEL").as_deref(), Some("info"));
    assert_eq!(
        env_text(kratos, "DSN").as_deref(),
        Some("postgres://db/kratos")
    );
    assert!(kratos.image.is_some());
}

#[test]
fn a_missing_extends_file_or_service_stops_compose_once_per_file() {
    let dir = common::write_tree(&[(
        "app/compose.yml",
        "services:\n  a:\n    extends:\n      file: ../_common/compose.yml\n      service: a\n  b:\n    extends:\n      file: ../_common/compose.yml\n      service: b\n  c:\n    extends: nowhere\n  d:\n    extends: d\n",
    )]);
    let (c, sources) = load(dir.path(), "app/compose.yml");
    let found = diagnostics(&c, &sources, dir.path());
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        (found[0].1, found[0].2.contains("does not exist")),
        (4, true),
        "{found:#?}"
    );
    assert_eq!(
        c.diagnostics[0].related.len(),
        1,
        "the second line that names it"
    );
    assert!(found[1].2.contains("no such service"), "{found:#?}");
    assert!(found[2].2.contains("cycle"), "{found:#?}");
    // The services are still there, with what they say themselves.
    assert_eq!(c.services.len(), 4);
}

#[test]
fn pwd_is_the_project_folder() {
    let dir = common::write_tree(&[(
        "app/compose.yml",
        "services:\n  kratos:\n    image: oryd/kratos:v1\n    volumes:\n      - ${PWD}/kratos:/etc/config/kratos\n      - type: bind\n        source: $PWD/extra\n        target: /extra\n",
    )]);
    let (c, _) = load(dir.path(), "app/compose.yml");
    assert_eq!(sources_of(service(&c, "kratos")), ["./kratos", "./extra"]);
}

/// `dump` of a tree: (name, profile, service names) of each environment.
fn environments(root: &Path, extra: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let mut args = vec!["dump", root.to_str().unwrap_or(".")];
    args.extend_from_slice(extra);
    let (out, _) = common::run_both(&args, 0);
    let model: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    model["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let services = e["services"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["name"].as_str().map(str::to_string))
                .collect();
            (
                e["name"].as_str().unwrap_or("").to_string(),
                e["profile"].as_str().unwrap_or("").to_string(),
                services,
            )
        })
        .collect()
}

#[test]
fn variants_side_by_side_are_stacks_with_the_profile_of_their_name() {
    let dir = common::write_tree(&[
        (
            "deploy/docker-compose.dev.yaml",
            "services:\n  web-dev:\n    image: web:1\n",
        ),
        (
            "deploy/docker-compose.production.yaml",
            "services:\n  web-prod:\n    image: web:1\n",
        ),
    ]);
    assert_eq!(
        environments(dir.path(), &[]),
        [
            ("dev".into(), "dev".into(), vec!["web-dev".into()]),
            ("production".into(), "prod".into(), vec!["web-prod".into()]),
        ]
    );
}

#[test]
fn stacks_described_in_isolint_toml_merge_their_files_in_order() {
    let dir = common::write_tree(&[
        (
            "ory/quickstart.yml",
            "services:\n  kratos:\n    image: oryd/kratos:v1\n    environment:\n      DSN: sqlite:///tmp/db\n",
        ),
        (
            "ory/quickstart-postgres.yml",
            "services:\n  kratos:\n    environment:\n      DSN: postgres://kratos:${PG_PASSWORD}@postgresd:5432/kratos\n  postgresd:\n    image: postgres:16\n",
        ),
        (
            "ory/quickstart-mysql.yml",
            "services:\n  mysqld:\n    image: mysql:8\n",
        ),
        ("ory/deploy.env", "PG_PASSWORD=secret\n"),
        (
            "isolint.toml",
            "[[environments]]\nfiles = [\"ory/quickstart.yml\", \"ory/quickstart-postgres.yml\"]\nprofile = \"prod\"\nenv-files = [\"ory/deploy.env\"]\n",
        ),
    ]);
    let envs = environments(dir.path(), &[]);
    assert_eq!(
        envs,
        [
            (
                "quickstart-postgres".into(),
                "prod".into(),
                vec!["kratos".into(), "postgresd".into()]
            ),
            ("quickstart-mysql".into(), "".into(), vec!["mysqld".into()]),
        ]
    );
    let (out, _) = common::run_both(&["dump", dir.path().to_str().unwrap_or(".")], 0);
    assert!(
        out.contains("@postgresd:5432/kratos"),
        "the later file wins: {out}"
    );
    assert!(!out.contains("secret"), "the password is masked");
    // A file the entry names that does not exist: exit 2 at its line.
    std::fs::write(
        dir.path().join("isolint.toml"),
        "[[environments]]\nfiles = [\"ory/quickstart.yml\", \"ory/nope.yml\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, err) = common::run_both(&["check", dir.path().to_str().unwrap_or(".")], 2);
    assert!(
        err.contains("compose file ory/nope.yml") && err.contains("isolint.toml:2"),
        "{err}"
    );
}

#[test]
fn clashing_folder_names_get_their_path_and_graph_can_pick_one() {
    let dir = common::write_tree(&[
        ("a/cloud/compose.yml", "services:\n  one:\n    image: x:1\n"),
        ("b/cloud/compose.yml", "services:\n  two:\n    image: x:1\n"),
    ]);
    let names: Vec<String> = environments(dir.path(), &[])
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(names, ["a/cloud", "b/cloud"]);
    let root = dir.path().to_str().unwrap_or(".");
    let (graph, _) = common::run_both(&["graph", root, "--environment", "b/cloud"], 0);
    assert!(graph.contains("two") && !graph.contains("one"), "{graph}");
}

#[test]
fn ignored_folders_are_not_read_unless_asked() {
    let dir = common::write_tree(&[
        (".gitignore", "node_modules/\n"),
        ("prod/compose.yml", "services:\n  web:\n    image: web:1\n"),
        (
            "node_modules/pkg/compose.yml",
            "services:\n  vendored:\n    image: x\n",
        ),
        (
            ".deploy/compose.yml",
            "services:\n  hidden:\n    image: y:1\n",
        ),
    ]);
    let names = |extra: &[&str]| -> Vec<String> {
        environments(dir.path(), extra)
            .into_iter()
            .map(|e| e.0)
            .collect()
    };
    assert_eq!(names(&[]), [".deploy", "prod"]);
    assert_eq!(names(&["--no-ignore"]), [".deploy", "pkg", "prod"]);
}

#[test]
fn a_tree_without_platform_files_is_a_usage_error() {
    let dir = common::write_tree(&[("README.md", "# nothing here\n"), ("src/main.rs", "")]);
    let root = dir.path().to_str().unwrap_or(".");
    let (_, err) = common::run_both(&["check", root], 2);
    assert!(err.contains("no platform files found under"), "{err}");
}
