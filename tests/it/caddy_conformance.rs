//! Conformance with Caddy's own adapter tests (`../shared/corpus/caddy-adapt/`):
//! each file is a Caddyfile, a line of ten dashes, then the JSON Caddy
//! makes of it or the error it gives.
//!
//! - every file with JSON parses without CFG001, and the set of
//!   (host, dial) pairs in isolint's sites equals the set in Caddy's JSON;
//! - the files Caddy rejects for syntax give CFG001 on the right line.

use isolint::diag::Diagnostic;
use isolint::discover::Scope;
use isolint::load::caddy::{self, sites::Site};
use isolint::syntax::caddyfile::token::Env;
use isolint::syntax::source::SourceMap;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files that import `testdata/` files the corpus does not carry.
const NEEDS_TESTDATA: &[&str] = &[
    "import_args_file.caddyfiletest",
    "import_block_snippet_invalid_subdirective.caddyfiletest",
    "import_block_snippet_non_replaced_block_from_separate_file.caddyfiletest",
];

/// Files Caddy rejects while reading the Caddyfile's syntax (or its site
/// addresses), with the line isolint must report.
const REJECTED: &[(&str, usize)] = &[
    ("heredoc_incomplete.caddyfiletest", 5),
    ("heredoc_invalid_marker.caddyfiletest", 4),
    ("heredoc_mismatched_whitespace.caddyfiletest", 5),
    // Caddy reads `<< ` as a plain token and fails later, at the end of the
    // enclosing block (line 7); isolint points at the `<<` itself.
    ("heredoc_missing_marker.caddyfiletest", 4),
    ("heredoc_too_many_angle_brackets.caddyfiletest", 4),
    ("import_cycle.caddyfiletest", 6),
    ("import_block_anonymous.caddyfiletest", 7),
    ("matcher_outside_site_block.caddyfiletest", 1),
    ("site_address_invalid_port.caddyfiletest", 1),
    ("site_address_negative_port.caddyfiletest", 1),
    ("site_address_unsupported_scheme.caddyfiletest", 1),
    ("site_address_wss_invalid_port.caddyfiletest", 1),
    ("site_address_wss_scheme.caddyfiletest", 1),
];

fn corpus_dir() -> PathBuf {
    std::env::var_os("ISOLINT_CADDY_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/caddy-adapt"),
        PathBuf::from,
    )
}

/// (Caddyfile, second part) of a corpus file.
fn split(text: &str) -> (String, String) {
    let mut caddyfile = String::new();
    let mut lines = text.split_inclusive('\n');
    for line in lines.by_ref() {
        if line.trim_end() == "----------" {
            break;
        }
        caddyfile.push_str(line);
    }
    (caddyfile, lines.collect())
}

struct Loaded {
    sites: Vec<Site>,
    diagnostics: Vec<Diagnostic>,
    sources: SourceMap,
}

fn load(caddyfile: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("Caddyfile");
    std::fs::write(&path, caddyfile).unwrap_or_else(|e| panic!("write: {e}"));
    let scope = Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("scope: {e}"));
    let sources = SourceMap::new();
    let env = Env::new();
    let config = caddy::load(&sources, &scope, &path, &env);
    let (sites, mut diagnostics) = caddy::sites::sites(&config, &env);
    diagnostics.extend(config.diagnostics);
    Loaded {
        sites,
        diagnostics,
        sources,
    }
}

type Pairs = BTreeSet<(String, String)>;

/// isolint's pairs: per listener port, a site's hosts (none at all when one
/// of its addresses on that port has no host, as Caddy's catch-all), or the
/// hosts of the matcher that scopes the upstream.
fn isolint_pairs(sites: &[Site]) -> Pairs {
    let mut pairs = Pairs::new();
    for site in sites {
        let mut by_port: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in &site.addresses {
            if let Some(p) = &a.parsed {
                by_port
                    .entry(p.listen_port())
                    .or_default()
                    .push(p.host.clone());
            }
        }
        for hosts in by_port.values() {
            let site_hosts: Vec<String> = if hosts.iter().any(String::is_empty) {
                vec![String::new()]
            } else {
                hosts.clone()
            };
            for u in &site.upstreams {
                let dial = u.dial.clone().unwrap_or_default();
                for h in u.hosts.as_ref().unwrap_or(&site_hosts) {
                    pairs.insert((h.clone(), dial.clone()));
                }
            }
        }
    }
    pairs
}

/// Caddy's pairs: every `reverse_proxy` handler reached through routes,
/// subroutes, error routes, `handle_response` routes and invoked named
/// routes, with the hosts of the nearest enclosing route host matcher.
fn caddy_pairs(json: &Value) -> Pairs {
    let mut pairs = Pairs::new();
    let servers = json
        .pointer("/apps/http/servers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for server in servers.values() {
        let named = server
            .get("named_routes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut walker = CaddyWalker {
            named: &named,
            pairs: &mut pairs,
            invoking: Vec::new(),
        };
        walker.routes(server.get("routes"), &[]);
        walker.routes(server.pointer("/errors/routes"), &[]);
    }
    pairs
}

struct CaddyWalker<'a> {
    named: &'a serde_json::Map<String, Value>,
    pairs: &'a mut Pairs,
    invoking: Vec<String>,
}

impl CaddyWalker<'_> {
    fn routes(&mut self, routes: Option<&Value>, hosts: &[String]) {
        for route in routes.and_then(Value::as_array).into_iter().flatten() {
            self.route(route, hosts);
        }
    }

    fn route(&mut self, route: &Value, hosts: &[String]) {
        let mut hosts = hosts.to_vec();
        for m in route
            .get("match")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(h) = m.get("host").and_then(Value::as_array) {
                hosts = h
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
            }
        }
        for handler in route
            .get("handle")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.handler(handler, &hosts);
        }
    }

    fn handler(&mut self, h: &Value, hosts: &[String]) {
        match h.get("handler").and_then(Value::as_str) {
            Some("reverse_proxy") => {
                for u in h
                    .get("upstreams")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let dial = u
                        .get("dial")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if hosts.is_empty() {
                        self.pairs.insert((String::new(), dial));
                    } else {
                        for host in hosts {
                            self.pairs.insert((host.clone(), dial.clone()));
                        }
                    }
                }
                for r in h
                    .get("handle_response")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    self.routes(r.get("routes"), hosts);
                }
            }
            Some("subroute") => {
                self.routes(h.get("routes"), hosts);
                self.routes(h.pointer("/errors/routes"), hosts);
            }
            Some("invoke") => {
                let name = h
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Some(route) = self.named.get(&name)
                    && !self.invoking.contains(&name)
                {
                    self.invoking.push(name);
                    self.route(route, hosts);
                    self.invoking.pop();
                }
            }
            _ => {}
        }
    }
}

fn first_error_line(l: &Loaded) -> Option<(usize, String)> {
    let d = l.diagnostics.iter().min_by_key(|d| d.primary.span.start)?;
    Some((l.sources.position(d.primary.span).line, d.message.clone()))
}

#[test]
fn caddy_adapt_corpus() {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(
        files.len() > 200,
        "corpus looks incomplete: {} files",
        files.len()
    );

    let mut failures = Vec::new();
    let (mut json_files, mut json_ok, mut pair_count) = (0, 0, 0);
    let (mut rejected_ok, mut rejected_seen) = (0, 0);
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (caddyfile, expected) = split(&text);
        let loaded = load(&caddyfile);
        if let Some((_, line)) = REJECTED.iter().find(|(n, _)| *n == name) {
            rejected_seen += 1;
            match first_error_line(&loaded) {
                Some((got, _)) if got == *line => rejected_ok += 1,
                Some((got, msg)) => failures.push(format!(
                    "{name}: CFG001 on line {got} ({msg}), expected line {line}"
                )),
                None => failures.push(format!("{name}: Caddy rejects it, isolint reports nothing")),
            }
            continue;
        }
        let Ok(json) = serde_json::from_str::<Value>(expected.trim()) else {
            continue; // Caddy's answer is a semantic error isolint does not model
        };
        if NEEDS_TESTDATA.contains(&name.as_str()) {
            continue;
        }
        json_files += 1;
        if let Some((line, msg)) = first_error_line(&loaded) {
            failures.push(format!("{name}: unexpected CFG001 on line {line}: {msg}"));
            continue;
        }
        let want = caddy_pairs(&json);
        let got = isolint_pairs(&loaded.sites);
        if want == got {
            json_ok += 1;
            pair_count += want.len();
        } else {
            failures.push(format!(
                "{name}: pairs differ\n  only Caddy:   {:?}\n  only isolint: {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
    }
    println!("{json_ok}/{json_files} files, {pair_count} pairs");
    println!("{rejected_ok}/{rejected_seen} rejected files report CFG001 on the right line");
    assert_eq!(
        rejected_seen,
        REJECTED.len(),
        "a listed rejected file is missing from the corpus"
    );
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
