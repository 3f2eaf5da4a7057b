use super::*;
use crate::discover::Scope;
use crate::model::domain::Domains;
use crate::syntax::source::SourceMap;

fn env(files: &[(&str, &str)]) -> Environment {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let scope = Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let options = crate::load::environment::Options::default();
    let loaded = crate::load::environment::environment(
        &SourceMap::new(),
        &scope,
        &options,
        &crate::load::project::Stack::of_folder(dir.path()),
        &Default::default(),
        &mut Vec::new(),
    );
    crate::model::build::environment(loaded, None, None)
}

fn url_domains(e: &Environment, key: &str) -> Vec<Option<String>> {
    e.resolved(&Domains::default())
        .urls
        .iter()
        .filter(|u| u.key == key)
        .map(|u| u.target.domain.clone())
        .collect()
}

const PROXY: &str = "services:\n  edge:\n    image: registry.local/dev-edge:1\n    build: {context: ../caddy, dockerfile: Containerfile}\n    volumes: [\"./Caddyfile:/etc/caddy/Caddyfile:ro\"]\n    ports: [\"3000:3000\", \"4000:4000\", \"4400-4401:4400-4401\"]\n  ciam-hera:\n    image: hera:1\n    environment:\n      LOGIN_URL: http://localhost:4000/login\n      RANGE_URL: http://127.0.0.1:4401/x\n      NOWHERE_URL: http://localhost:5999/\n  iam-hera:\n    image: hera:1\n  iam-kratos:\n    image: oryd/kratos:v1\n  ciam-kratos:\n    image: oryd/kratos:v1\n";
const CADDY: &str = ":3000 {\n\treverse_proxy ciam-hera:3000\n}\n:4000 {\n\treverse_proxy iam-hera:4000\n}\n:4401 {\n\treverse_proxy iam-kratos:4433\n}\n";

#[test]
fn urls_through_the_proxys_published_ports_reach_its_sites_upstreams() {
    let e = env(&[("compose.yml", PROXY), ("Caddyfile", CADDY)]);
    let r = e.resolved(&Domains::default());
    // The locally built proxy is the proxy, and neutral.
    let edge = e.services.iter().position(|s| s.service.name == "edge");
    assert!(edge.is_some_and(|i| r.services.get(i).is_some_and(|a| a.neutral)));
    assert_eq!(url_domains(&e, "LOGIN_URL"), [Some("iam".to_string())]);
    // A published range maps port by port.
    assert_eq!(url_domains(&e, "RANGE_URL"), [Some("iam".to_string())]);
    // Nobody publishes it: unknown, never the proxy's.
    assert_eq!(url_domains(&e, "NOWHERE_URL"), [None]);
    let hops: Vec<String> = r
        .urls
        .iter()
        .find(|u| u.key == "LOGIN_URL")
        .map(|u| u.target.hops.iter().map(|h| h.note.clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        hops,
        [
            "http://localhost:4000/login",
            "host port 4000, published by edge",
            "the Caddy site :4000",
            "reverse_proxy iam-hera:4000",
            "iam-hera"
        ]
    );
    assert!(r.boundary.exists());
}

#[test]
fn one_identity_stack_on_the_port_plan_has_no_boundary() {
    let e = env(&[(
        "compose.yml",
        "services:\n  kratos:\n    image: oryd/kratos:v1\n    ports: [\"4433:4433\"]\n  ui:\n    image: oryd/kratos-selfservice-ui-node:v1\n    ports: [\"3000:3000\"]\n",
    )]);
    let r = e.resolved(&Domains::default());
    // No name says a domain, and the port plan alone decides nothing.
    assert!(r.services.iter().all(|a| a.domain.is_none()), "{r:?}");
    assert!(
        matches!(&r.boundary, Boundary::None(why) if why.contains("one identity stack")),
        "{:?}",
        r.boundary
    );
    // The UI image is no Kratos.
    assert_eq!(e.services.get(1).map(|s| s.kind), Some(ServiceKind::App));
}

#[test]
fn exact_hosts_before_wildcards_and_matchers_inside_them() {
    let e = env(&[
        (
            "compose.yml",
            "services:\n  caddy:\n    image: caddy:2\n    volumes: [\"./Caddyfile:/etc/caddy/Caddyfile\"]\n  ciam-hera:\n    image: hera:1\n    environment:\n      STAFF_URL: https://staff.example.com/\n      OWN_URL: https://shop.example.com/\n  iam-hera:\n    image: hera:1\n  ciam-kratos:\n    image: oryd/kratos:v1\n  iam-kratos:\n    image: oryd/kratos:v1\n",
        ),
        (
            "Caddyfile",
            "*.example.com {\n\t@iam host staff.example.com\n\treverse_proxy @iam iam-hera:4000\n\treverse_proxy ciam-hera:3000\n}\nshop.example.com {\n\treverse_proxy ciam-hera:3000\n}\n",
        ),
    ]);
    assert_eq!(url_domains(&e, "STAFF_URL"), [Some("iam".to_string())]);
    assert_eq!(url_domains(&e, "OWN_URL"), [Some("ciam".to_string())]);
}

#[test]
fn an_alias_two_services_share_and_a_service_two_domains_serve_are_unknown() {
    let e = env(&[
        (
            "compose.yml",
            "services:\n  caddy:\n    image: caddy:2\n    volumes: [\"./Caddyfile:/etc/caddy/Caddyfile\"]\n  ciam-kratos:\n    image: oryd/kratos:v1\n    networks: {ciam: {aliases: [kratos]}}\n  iam-kratos:\n    image: oryd/kratos:v1\n    networks: {iam: {aliases: [kratos]}}\n  iam-hera:\n    image: hera:1\n    environment:\n      KRATOS_URL: http://kratos:4433\n  settings:\n    image: settings:1\n",
        ),
        (
            "Caddyfile",
            "{$CIAM_HERA_PUBLIC_URL} {\n\treverse_proxy settings:80\n}\n{$IAM_HERA_PUBLIC_URL} {\n\treverse_proxy settings:80\n}\n",
        ),
    ]);
    assert_eq!(url_domains(&e, "KRATOS_URL"), [None]);
    let r = e.resolved(&Domains::default());
    let settings = e.services.iter().position(|s| s.service.name == "settings");
    assert_eq!(settings.and_then(|i| r.service_domain(i)), None);
}

#[test]
fn a_registration_inside_a_container_reaches_that_container() {
    let e = env(&[
        (
            "compose.yml",
            "services:\n  ciam-hydra:\n    image: oryd/hydra:v2\n    ports: [\"4445:4445\"]\n  iam-hydra:\n    image: oryd/hydra:v2\n    container_name: staff-hydra\n",
        ),
        (
            "seed.sh",
            "docker compose exec -T ciam-hydra hydra create client --endpoint http://127.0.0.1:4445 --id a\ndocker exec -u root staff-hydra hydra create oauth2-client -e http://localhost:4445 --id b\ndocker exec platform-iam-hydra-1 hydra create client -e http://127.0.0.1:4445 --id c\ndocker exec elsewhere hydra create client -e http://127.0.0.1:4445 --id d\n",
        ),
    ]);
    let r = e.resolved(&Domains::default());
    let domains: Vec<Option<&str>> = (0..e.oauth2_clients.len())
        .map(|i| r.client_domain(i))
        .collect();
    // Compose's default container name; a container of no service here
    // (not the service publishing that port on the host).
    assert_eq!(domains, [Some("ciam"), Some("iam"), Some("iam"), None]);
}
