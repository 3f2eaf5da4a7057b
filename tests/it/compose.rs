//! Compose loading over the fixture trees: every form of environment,
//! env_file, ports, volumes, command/entrypoint, merge keys and extends,
//! with interpolation from `.env` and provenance of each value.

use isolint::load::compose::{self, Compose, EnvSource, Service, Vars, VolumeKind};
use isolint::syntax::source::SourceMap;
use isolint::syntax::value::Value;
use std::path::Path;

fn load(dir: &str, file: &str) -> (Compose, SourceMap) {
    let sources = SourceMap::new();
    let (vars, diags) = compose::project_vars(&sources, Path::new(dir), &[], &Vars::new());
    assert!(diags.is_empty(), "{diags:?}");
    let scope =
        isolint::discover::Scope::for_path(Path::new(dir)).unwrap_or_else(|e| panic!("{e}"));
    let c = compose::load(&sources, &scope, &Path::new(dir).join(file), &vars);
    (c, sources)
}

fn service<'a>(c: &'a Compose, name: &str) -> &'a Service {
    c.services
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn env<'a>(s: &'a Service, key: &str) -> &'a Value {
    s.env(key)
        .and_then(|e| e.value.as_ref())
        .unwrap_or_else(|| panic!("{}: no {key}", s.name))
}

#[test]
fn prod_services_environment_and_provenance() {
    let (c, sources) = load("fixtures/olympus/platform/prod", "compose.prod.yml");
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?}");

    let kratos = service(&c, "ciam-kratos");
    let dsn = env(kratos, "DSN");
    assert_eq!(
        dsn.text(),
        None,
        "the password is only known at deploy time"
    );
    assert_eq!(dsn.unbound(), vec!["PG_CIAM_KRATOS_PASSWORD"]);
    assert!(dsn.vars().contains(&"POSTGRES_SSLMODE".to_string()));
    let files: Vec<String> = dsn
        .provenance()
        .iter()
        .map(|s| sources.display_path(s.file))
        .collect();
    assert!(files.iter().any(|f| f.ends_with("prod/.env")), "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("compose.prod.yml")),
        "{files:?}"
    );
    // Merge key from an x- extension field.
    assert_eq!(env(kratos, "LOG_LEVEL").text().as_deref(), Some("info"));
    // A command string is split into words.
    let words: Vec<String> = kratos.command.iter().filter_map(Value::text).collect();
    assert_eq!(
        words,
        vec![
            "serve",
            "-c",
            "/etc/config/kratos/kratos.yml",
            "--watch-courier"
        ]
    );
    let v = &kratos.volumes[0];
    assert_eq!(
        (v.target.as_str(), v.read_only),
        ("/etc/config/kratos", true)
    );
    let p = &kratos.ports[0];
    assert_eq!(
        (
            p.host_ip.as_deref(),
            p.published.as_deref(),
            p.target.as_str()
        ),
        (Some("127.0.0.1"), Some("3100"), "4433")
    );
}

#[test]
fn prod_env_files_bare_keys_long_syntax_and_anchored_services() {
    let (c, _) = load("fixtures/olympus/platform/prod", "compose.prod.yml");
    let athena = service(&c, "ciam-athena");
    let client = athena
        .env("OAUTH_CLIENT_ID")
        .unwrap_or_else(|| panic!("no client id"));
    assert!(matches!(client.source, EnvSource::EnvFile(_)));
    assert_eq!(
        client.value.as_ref().and_then(Value::text).as_deref(),
        Some("athena-ciam-client")
    );
    assert_eq!(env(athena, "SESSION_TTL").text().as_deref(), Some("8h"));
    let key = env(athena, "ENCRYPTION_KEY");
    assert_eq!(
        (key.text(), key.unbound()),
        (None, vec!["ENCRYPTION_KEY".to_string()])
    );
    assert_eq!(
        env(athena, "KRATOS_ADMIN_URL").text().as_deref(),
        Some("http://ciam-kratos:4434")
    );

    let caddy = service(&c, "caddy");
    assert_eq!(caddy.ports.len(), 3);
    assert_eq!(
        (
            caddy.ports[2].published.as_deref(),
            caddy.ports[2].protocol.as_str()
        ),
        (Some("443"), "udp")
    );
    assert!(caddy.volumes[0].read_only && caddy.volumes[0].kind == VolumeKind::Bind);
    assert_eq!(
        env(caddy, "CIAM_HERA_PUBLIC_URL").text().as_deref(),
        Some("https://login.shop.olympus.example")
    );

    let hydra = service(&c, "ciam-hydra");
    let words: Vec<String> = hydra.command.iter().filter_map(Value::text).collect();
    assert_eq!(
        words,
        vec!["serve", "all", "-c", "/etc/config/hydra/hydra.yml"]
    );
    assert_eq!(hydra.depends_on, vec!["postgres"]);

    let iam_hera = service(&c, "iam-hera");
    assert_eq!(
        iam_hera.image.as_ref().and_then(Value::text).as_deref(),
        Some("ghcr.io/olympus/hera:1.8.2")
    );
    assert_eq!(
        env(iam_hera, "KRATOS_PUBLIC_URL").text().as_deref(),
        Some("http://iam-kratos:4433")
    );
    assert_eq!(iam_hera.ports[0].published.as_deref(), Some("4000"));
}

#[test]
fn dev_extends_profiles_and_defaults() {
    let (c, _) = load("fixtures/olympus/platform/dev", "compose.yml");
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let hydra = service(&c, "ciam-hydra");
    let entry: Vec<String> = hydra.entrypoint.iter().filter_map(Value::text).collect();
    assert_eq!(entry, vec!["hydra"]);
    assert_eq!(
        env(hydra, "LOG_LEAK_SENSITIVE_VALUES").text().as_deref(),
        Some("true")
    );
    assert!(
        env(hydra, "DSN")
            .text()
            .is_some_and(|d| d.ends_with("/ciam_hydra?sslmode=disable"))
    );
    assert!(hydra.profiles.is_empty());
    assert_eq!(service(&c, "hydra-base").profiles, vec!["templates"]);
    let pg = service(&c, "postgres");
    assert_eq!(
        env(pg, "POSTGRES_PASSWORD").text().as_deref(),
        Some("postgres")
    );
    let caddy = service(&c, "caddy");
    assert_eq!(caddy.ports[0].published.as_deref(), Some("3000-3001"));
}

#[test]
fn bad_compose_files_are_diagnostics_with_spans() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        ("services:\n  a:\n    image: [unclosed\n", 3),
        (
            "services:\n  a:\n    image: x\n    environment:\n      - DSN=${PG\n",
            5,
        ),
        (
            "services:\n  a:\n    image: x\n    env_file: missing.env\n",
            4,
        ),
        ("services:\n  a:\n    image: x\n  a:\n    image: y\n", 4),
        (
            "services:\n  a:\n    image: x\n    env_file: ../outside.env\n",
            4,
        ),
    ];
    for (text, line) in cases {
        let path = dir.path().join("compose.yml");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let sources = SourceMap::new();
        let scope =
            isolint::discover::Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let c = compose::load(&sources, &scope, &path, &Vars::new());
        let lines: Vec<usize> = c
            .diagnostics
            .iter()
            .map(|d| sources.position(d.primary.span).line)
            .collect();
        assert_eq!(lines, vec![line], "{text}: {:?}", c.diagnostics);
    }
}

#[test]
fn override_files_merge_into_the_base_in_order() {
    use isolint::discover::Scope;
    let dir = Path::new("fixtures/olympus/platform/dev");
    let stack = isolint::load::project::Stack::of_folder(dir);
    let files: Vec<String> = stack
        .files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(files, vec!["compose.yml", "compose.override.yml"]);
    let sources = SourceMap::new();
    let scope = Scope::for_path(dir).unwrap_or_else(|e| panic!("{e}"));
    let mut diags = Vec::new();
    let env = isolint::check::environment(
        &sources,
        &scope,
        &Default::default(),
        &stack,
        &Default::default(),
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let kratos = env
        .services
        .iter()
        .find(|s| s.service.name == "iam-kratos")
        .unwrap_or_else(|| panic!("no iam-kratos"));
    assert_eq!(
        env_text(&kratos.service, "LOG_LEVEL").as_deref(),
        Some("trace")
    );
    assert!(env_text(&kratos.service, "DSN").is_some_and(|d| d.contains("iam_kratos")));
    assert_eq!(kratos.service.volumes.len(), 1, "same target: replaced");
    assert!(kratos.service.volumes[0].read_only);
    assert_eq!(kratos.service.ports.len(), 2);
}

fn env_text(s: &Service, key: &str) -> Option<String> {
    s.env(key)
        .and_then(|e| e.value.as_ref())
        .and_then(Value::text)
}

#[test]
fn reset_and_override_tags_replace_instead_of_merging() {
    use isolint::discover::Scope;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    std::fs::write(
        d.join("compose.yml"),
        "services:\n  base:\n    image: app:1\n    ports: [\"3000:3000\"]\n    environment:\n      A: \"1\"\n  child:\n    extends: base\n    ports: !reset []\n    environment: !override\n      B: \"2\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("compose.override.yml"),
        "services:\n  base:\n    ports: !override\n      - \"4000:3000\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sources = SourceMap::new();
    let scope = Scope::for_path(d).unwrap_or_else(|e| panic!("{e}"));
    let mut diags = Vec::new();
    let env = isolint::check::environment(
        &sources,
        &scope,
        &Default::default(),
        &isolint::load::project::Stack::of_folder(d),
        &Default::default(),
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let get = |name: &str| {
        env.services
            .iter()
            .find(|s| s.service.name == name)
            .map(|s| s.service.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let base = get("base");
    let ports: Vec<Option<String>> = base.ports.iter().map(|p| p.published.clone()).collect();
    assert_eq!(ports, vec![Some("4000".to_string())]);
    let child = get("child");
    assert!(child.ports.is_empty());
    assert_eq!(env_text(&child, "B").as_deref(), Some("2"));
    assert!(child.env("A").is_none());
}
