//! Ory effective configuration over the fixture trees: the YAML found
//! through `-c` and the bind mount, overlaid by the environment.

use isolint::diag::Diagnostic;
use isolint::discover::Scope;
use isolint::load::compose::{self, Compose, Vars};
use isolint::load::ory::{self, OryConfig, OryKind, Source};
use isolint::syntax::source::SourceMap;
use isolint::syntax::value::Value;
use std::path::Path;

struct Loaded {
    compose: Compose,
    sources: SourceMap,
    configs: Vec<(String, OryConfig)>,
    diagnostics: Vec<Diagnostic>,
}

fn load(dir: &str, file: &str) -> Loaded {
    let dir = Path::new(dir);
    let sources = SourceMap::new();
    let (vars, _) = compose::project_vars(&sources, dir, &[], &Vars::new());
    let scope = Scope::for_path(dir).unwrap_or_else(|e| panic!("{e}"));
    let c = compose::load(&sources, &scope, &dir.join(file), &vars);
    let mut diagnostics = Vec::new();
    let mut configs = Vec::new();
    for s in &c.services {
        if let Some(kind) = isolint::load::kind::kind_of(s).0.ory() {
            let cfg = ory::load(&sources, &scope, s, kind, dir, &mut diagnostics);
            configs.push((s.name.clone(), cfg));
        }
    }
    Loaded {
        compose: c,
        sources,
        configs,
        diagnostics,
    }
}

fn config<'a>(l: &'a Loaded, name: &str) -> &'a OryConfig {
    l.configs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("no ory service {name}"))
}

fn text(cfg: &OryConfig, path: &str) -> Option<String> {
    cfg.get(path).and_then(|s| s.value.text())
}

#[test]
fn prod_ory_services_are_found_with_their_yaml() {
    let l = load("fixtures/olympus/platform/prod", "compose.prod.yml");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert!(l.compose.diagnostics.is_empty());
    let names: Vec<(&str, OryKind)> = l
        .configs
        .iter()
        .map(|(n, c)| (n.as_str(), c.kind))
        .collect();
    assert_eq!(
        names,
        vec![
            ("ciam-kratos", OryKind::Kratos),
            ("ciam-hydra", OryKind::Hydra),
            ("iam-kratos", OryKind::Kratos),
            ("iam-hydra", OryKind::Hydra),
        ]
    );
    let kratos = config(&l, "ciam-kratos");
    let file = kratos
        .file
        .map(|f| l.sources.display_path(f))
        .unwrap_or_default();
    assert!(file.ends_with("prod/ciam-kratos/kratos.yml"), "{file}");
    // From the YAML, with the key's span.
    let domain = kratos
        .get("session.cookie.domain")
        .unwrap_or_else(|| panic!("no domain"));
    assert_eq!(
        domain.value.text().as_deref(),
        Some("login.shop.olympus.example")
    );
    assert!(matches!(domain.source, Source::Yaml { .. }));
    // From the environment (it wins), symbolic where unknown.
    let dsn = kratos.get("dsn").unwrap_or_else(|| panic!("no dsn"));
    assert!(matches!(&dsn.source, Source::Env { var, .. } if var == "DSN"));
    assert!(
        dsn.value
            .unbound()
            .contains(&"PG_CIAM_KRATOS_PASSWORD".to_string())
    );
    assert_eq!(kratos.list("secrets.cookie").len(), 1);
    assert_eq!(kratos.list("serve.public.cors.allowed_origins").len(), 2);
    assert_eq!(
        kratos.bool("log.leak_sensitive_values").map(|(b, _)| b),
        Some(false)
    );
    assert_eq!(
        text(kratos, "selfservice.flows.login.ui_url").as_deref(),
        Some("https://login.shop.olympus.example/login")
    );
    let paths: Vec<String> = kratos.settings().into_iter().map(|s| s.path).collect();
    for p in [
        "identity.schemas.0.url",
        "selfservice.flows.registration.ui_url",
        "courier.smtp.connection_uri",
        "oauth2_provider.url",
        "courier.templates.recovery_code.valid.email.body.html",
    ] {
        assert!(paths.contains(&p.to_string()), "{p} missing from {paths:?}");
    }
    let hydra = config(&l, "iam-hydra");
    assert_eq!(
        text(hydra, "serve.cookies.names.session").as_deref(),
        Some("iam_hydra_session")
    );
    assert!(
        hydra
            .get("oidc.subject_identifiers.pairwise.salt")
            .is_some()
    );
    assert!(
        hydra
            .config_path
            .as_ref()
            .is_some_and(|(p, _)| p == "/etc/config/hydra/hydra.yml")
    );
}

#[test]
fn dev_environment_wins_over_yaml_and_env_booleans_count() {
    let l = load("fixtures/olympus/platform/dev", "compose.yml");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let kratos = config(&l, "ciam-kratos");
    let dsn = text(kratos, "dsn").unwrap_or_default();
    assert!(
        dsn.starts_with("postgres://"),
        "the compose DSN wins over the YAML's sqlite: {dsn}"
    );
    assert_eq!(
        kratos.bool("log.leak_sensitive_values").map(|(b, _)| b),
        Some(true)
    );
    let hydra = config(&l, "ciam-hydra");
    let leak = hydra.bool("log.leak_sensitive_values");
    assert!(
        leak.as_ref()
            .is_some_and(|(b, s)| *b && matches!(s.source, Source::Env { .. }))
    );
    assert_eq!(hydra.list("secrets.system").len(), 1);
    let issuer = hydra
        .get("urls.self.issuer")
        .map(|s| s.value)
        .as_ref()
        .and_then(Value::text);
    assert_eq!(issuer.as_deref(), Some("http://localhost:3102/"));
}

#[test]
fn list_forms_from_the_environment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("compose.yml"),
        "services:\n  k:\n    image: oryd/kratos:v1\n    environment:\n      SECRETS_COOKIE: a,b,c\n      SELFSERVICE_ALLOWED_RETURN_URLS_0: https://x\n      SELFSERVICE_ALLOWED_RETURN_URLS_1: https://y\n      SELFSERVICE_FLOWS_LOGIN_UI_URL: https://x/login\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let l = load(&dir.path().to_string_lossy(), "compose.yml");
    let k = config(&l, "k");
    let texts = |path: &str| -> Vec<String> {
        k.list(path).iter().filter_map(|s| s.value.text()).collect()
    };
    assert_eq!(texts("secrets.cookie"), vec!["a", "b", "c"]);
    assert_eq!(
        texts("selfservice.allowed_return_urls"),
        vec!["https://x", "https://y"]
    );
    let paths: Vec<String> = k.settings().into_iter().map(|s| s.path).collect();
    assert!(
        paths.contains(&"selfservice.flows.login.ui_url".to_string()),
        "{paths:?}"
    );
}

#[test]
fn broken_or_missing_yaml_is_a_diagnostic_at_the_config_flag() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("kratos")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("kratos/kratos.yml"),
        "serve:\n  public: [\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("compose.yml"),
        "services:\n  k:\n    image: oryd/kratos:v1\n    command: serve -c /etc/k/kratos.yml\n    volumes:\n      - ./kratos:/etc/k\n  h:\n    image: oryd/hydra:v2\n    command: serve all -c /etc/h/hydra.yml\n    volumes:\n      - ./hydra:/etc/h\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let l = load(&dir.path().to_string_lossy(), "compose.yml");
    let lines: Vec<(String, usize)> = l
        .diagnostics
        .iter()
        .map(|d| {
            let p = l.sources.position(d.primary.span);
            (
                l.sources
                    .display_path(d.primary.span.file)
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                p.line,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("kratos.yml".to_string(), 2),
            ("compose.yml".to_string(), 9)
        ],
        "{:?}",
        l.diagnostics
    );
}
