//! Ory configs in YAML, JSON and TOML (by extension, as Ory reads them),
//! and what a local build bakes in: the Dockerfile's base image decides
//! the kind, its `CMD` gives the `-c` path, and the build-context files it
//! `COPY`s are read as the service's own (an Ory config, a Caddyfile).

use crate::common;

use serde_json::Value;

const TREE: &[(&str, &str)] = &[
    (
        "dev/compose.yml",
        "services:
  identity:
    build: ./kratos
  oauth:
    image: oryd/hydra:v2.2
    command: serve all -c /etc/config/hydra/hydra.json
    volumes: [\"./hydra:/etc/config/hydra:ro\"]
  edge:
    build: {context: ./caddy, dockerfile: Containerfile}
    ports: [\"4433:4433\"]
",
    ),
    (
        "dev/kratos/Dockerfile",
        "ARG VERSION=v1.3.0\nFROM oryd/kratos:${VERSION} AS base\nWORKDIR /etc/config\nCOPY kratos.toml kratos/\nFROM base\nCMD [\"serve\", \"-c\", \"/etc/config/kratos/kratos.toml\"]\n",
    ),
    (
        "dev/kratos/kratos.toml",
        "dsn = \"memory\"\n\n[session.cookie]\ndomain = \"example.com\"\n",
    ),
    (
        "dev/hydra/hydra.json",
        "{\n  \"urls\": {\n    \"self\": {\"issuer\": \"http://127.0.0.1:4444\"}\n  }\n}\n",
    ),
    (
        "dev/caddy/Containerfile",
        "FROM caddy:2.8-builder AS builder\nRUN xcaddy build --with github.com/example/plugin\nFROM caddy:2.8\nCOPY --from=builder /usr/bin/caddy /usr/bin/caddy\nCOPY Caddyfile /etc/caddy/Caddyfile\n",
    ),
    (
        "dev/caddy/Caddyfile",
        ":4433 {\n\treverse_proxy identity:4433\n}\n",
    ),
];

fn dump(root: &std::path::Path, code: i32) -> (Value, String) {
    let (out, err) = common::run_both(&["dump", root.to_str().unwrap_or(".")], code);
    (
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}")),
        err,
    )
}

fn service<'a>(env: &'a Value, name: &str) -> &'a Value {
    env["services"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {env}"))
}

#[test]
fn json_and_toml_configs_and_what_a_build_bakes_in_are_read() {
    let dir = common::write_tree(TREE);
    let (model, _) = dump(&dir.path().join("dev"), 0);
    let env = &model["environments"][0];
    let kratos = service(env, "identity");
    assert_eq!(kratos["kind"], "kratos", "{kratos}");
    assert_eq!(kratos["kind_reason"], "built FROM oryd/kratos:${VERSION}");
    let domain = &kratos["config"]["session.cookie.domain"];
    assert_eq!(domain["text"], "example.com", "{kratos}");
    assert!(
        domain["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("kratos/kratos.toml"))
    );
    assert_eq!(domain["line"], 4);
    let hydra = service(env, "oauth");
    let issuer = &hydra["config"]["urls.self.issuer"];
    assert_eq!(issuer["text"], "http://127.0.0.1:4444", "{hydra}");
    assert_eq!(issuer["line"], 3);
    let edge = service(env, "edge");
    assert_eq!(edge["kind"], "proxy", "{edge}");
    let dials: Vec<&str> = env["sites"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["upstreams"].as_array().into_iter().flatten())
        .filter_map(|u| u["dial"].as_str())
        .collect();
    assert_eq!(dials, ["identity:4433"]);
}

#[test]
fn a_bind_mount_hides_what_the_image_copied_there() {
    let mut files = TREE.to_vec();
    files.retain(|(p, _)| *p != "dev/compose.yml");
    files.push((
        "dev/compose.yml",
        "services:\n  identity:\n    build: ./kratos\n    volumes: [\"./mounted:/etc/config/kratos\"]\n",
    ));
    files.push((
        "dev/mounted/kratos.toml",
        "[session.cookie]\ndomain = \"mounted.example\"\n",
    ));
    let dir = common::write_tree(&files);
    let (model, _) = dump(&dir.path().join("dev"), 0);
    let kratos = service(&model["environments"][0], "identity");
    let domain = &kratos["config"]["session.cookie.domain"];
    assert_eq!(domain["text"], "mounted.example", "{kratos}");
}

#[test]
fn invalid_json_or_toml_is_cfg001_at_its_line() {
    let mut files = TREE.to_vec();
    files.retain(|(p, _)| !p.ends_with(".toml") && !p.ends_with(".json"));
    files.push(("dev/kratos/kratos.toml", "dsn = \"memory\"\n[session\n"));
    files.push(("dev/hydra/hydra.json", "{\n  \"urls\": {,}\n}\n"));
    let dir = common::write_tree(&files);
    let root = dir.path().join("dev");
    let found = common::findings(&root);
    let at = |file: &str| {
        found
            .iter()
            .find(|(c, f, _)| c == "CFG001" && f.ends_with(file))
            .map(|(_, _, l)| *l)
    };
    assert_eq!(at("kratos/kratos.toml"), Some(2), "{found:?}");
    assert_eq!(at("hydra/hydra.json"), Some(2), "{found:?}");
}
