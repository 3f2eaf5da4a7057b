use super::*;
use crate::discover::Scope as FsScope;
use crate::syntax::source::SourceMap;

fn load_str(src: &str) -> (Vec<Site>, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("Caddyfile");
    std::fs::write(&path, src).unwrap_or_else(|e| panic!("{e}"));
    let scope = FsScope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let map = SourceMap::new();
    let config = super::super::load(&map, &scope, &path, &Env::new());
    let (sites, mut diags) = sites(&config, &Env::new());
    diags.extend(config.diagnostics);
    (sites, diags)
}

fn dials(src: &str) -> Vec<(String, Option<Vec<String>>)> {
    let (sites, diags) = load_str(src);
    assert!(diags.is_empty(), "{diags:?}");
    sites
        .iter()
        .flat_map(|s| s.upstreams.iter())
        .map(|u| (u.dial.clone().unwrap_or_default(), u.hosts.clone()))
        .collect()
}

#[test]
fn upstreams_in_every_route_container() {
    let src = "a.com {\n\treverse_proxy /api/* api:1\n\thandle /x {\n\t\troute {\n\t\t\treverse_proxy x:2 {\n\t\t\t\tto y:3\n\t\t\t}\n\t\t}\n\t}\n\thandle_errors {\n\t\tforward_auth auth:4\n\t}\n\theader {\n\t\treverse_proxy not-a-directive\n\t}\n}\n";
    let got: Vec<String> = dials(src).into_iter().map(|(d, _)| d).collect();
    assert_eq!(got, vec!["api:1", "x:2", "y:3", "auth:4"]);
}

#[test]
fn host_matchers_scope_upstreams() {
    let src = "*.example.com {\n\t@ciam host ciam.example.com\n\t@iam {\n\t\thost IAM.example.com\n\t}\n\thandle @ciam {\n\t\treverse_proxy ciam-hera:3000\n\t}\n\treverse_proxy @iam iam-hera:4000\n}\n";
    assert_eq!(
        dials(src),
        vec![
            (
                "ciam-hera:3000".to_string(),
                Some(vec!["ciam.example.com".to_string()])
            ),
            (
                "iam-hera:4000".to_string(),
                Some(vec!["iam.example.com".to_string()])
            ),
        ]
    );
}

#[test]
fn invoked_named_routes_are_followed_once() {
    let src = "&(r) {\n\treverse_proxy r:1\n\tinvoke r\n}\na.com {\n\tinvoke r\n}\n";
    assert_eq!(dials(src), vec![("r:1".to_string(), None)]);
}

#[test]
fn variable_values_holding_lists_split_like_caddy() {
    let (sites, diags) =
        load_str("{$HOSTS:a.example, b.example} {\n\treverse_proxy {$UP:a:80 b:80}\n}\n");
    assert!(diags.is_empty(), "{diags:?}");
    let hosts: Vec<_> = sites[0]
        .addresses
        .iter()
        .filter_map(|a| a.parsed.as_ref().map(|p| p.host.clone()))
        .collect();
    assert_eq!(hosts, vec!["a.example", "b.example"]);
    let dials: Vec<_> = sites[0]
        .upstreams
        .iter()
        .filter_map(|u| u.dial.clone())
        .collect();
    assert_eq!(dials, vec!["a:80", "b:80"]);
}

#[test]
fn an_import_block_may_import_the_same_snippet() {
    let src =
        "(s) {\n\t{block}\n\treverse_proxy s:1\n}\na.com {\n\timport s {\n\t\timport s\n\t}\n}\n";
    let got: Vec<String> = dials(src).into_iter().map(|(d, _)| d).collect();
    assert_eq!(got, vec!["s:1", "s:1"]);
}

#[test]
fn a_diamond_of_invokes_is_walked_once() {
    let mut src = String::new();
    for i in 1..40 {
        src.push_str(&format!(
            "&(r{i}) {{\n\tinvoke r{}\n\tinvoke r{}\n}}\n",
            i + 1,
            i + 1
        ));
    }
    src.push_str("&(r40) {\n\treverse_proxy a:1\n}\na.com {\n\tinvoke r1\n}\n");
    assert_eq!(dials(&src), vec![("a:1".to_string(), None)]);
}

#[test]
fn unknown_variables_stay_symbolic() {
    let (sites, _) =
        load_str("{$CIAM_URL} {\n\treverse_proxy {$BACKEND:ciam-hera:3000} {$OTHER}\n}\n");
    let site = &sites[0];
    assert_eq!(site.addresses[0].vars, vec!["CIAM_URL"]);
    assert_eq!(site.addresses[0].text, None);
    assert_eq!(site.upstreams[0].dial.as_deref(), Some("ciam-hera:3000"));
    assert_eq!(site.upstreams[1].dial, None);
    assert_eq!(site.upstreams[1].vars, vec!["OTHER"]);
}
