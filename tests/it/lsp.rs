//! `isolint lsp` spoken to as an editor would: JSON-RPC over stdio.
//! Opening a file publishes the diagnostics of its whole environment, an
//! unsaved edit is checked on save, and a quick fix adds a suppression.

use crate::common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_isolint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
        let stdout = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("stdout")));
        Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    /// A server past its handshake, with these initialization options,
    /// for a workspace at `root` (a URI, or null).
    fn initialized(root: Value, options: Value) -> Client {
        Client::handshake_in(root, json!({}), options)
    }

    /// A server past its handshake with a client of these capabilities.
    fn handshake(capabilities: Value, options: Value) -> Client {
        Client::handshake_in(Value::Null, capabilities, options)
    }

    fn handshake_in(root: Value, capabilities: Value, options: Value) -> Client {
        let mut client = Client::start();
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": root, "capabilities": capabilities, "initializationOptions": options}),
        );
        assert!(init["result"]["capabilities"].is_object(), "{init}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .unwrap_or_else(|e| panic!("write: {e}"));
        self.stdin.flush().unwrap_or_else(|e| panic!("flush: {e}"));
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("read: {e}"));
            assert!(!line.is_empty(), "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap_or_else(|e| panic!("{e}"));
            }
        }
        let mut body = vec![0; length];
        self.stdout
            .read_exact(&mut body)
            .unwrap_or_else(|e| panic!("read: {e}"));
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("json: {e}"))
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Published diagnostics, by file name, until one for `last` arrives.
    fn diagnostics_until(&mut self, last: &str) -> Vec<(String, Vec<Value>)> {
        let mut out = Vec::new();
        loop {
            let message = self.receive();
            if message["method"] != "textDocument/publishDiagnostics" {
                continue;
            }
            let uri = message["params"]["uri"].as_str().unwrap_or("").to_string();
            let list = message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let done = uri.ends_with(last);
            out.push((uri, list));
            if done {
                return out;
            }
        }
    }
}

fn uri(path: &Path) -> String {
    let absolute = path.canonicalize().unwrap_or_else(|e| panic!("{e}"));
    format!("file://{}", absolute.display())
}

#[test]
fn diagnostics_on_open_and_save_with_related_locations_and_a_quick_fix() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("platform/prod");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    let compose = "services:\n  caddy:\n    image: caddy:2.8.4\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n  ciam-hera:\n    image: ghcr.io/example/hera:1.8.2\n  iam-hera:\n    image: ghcr.io/example/hera:1.8.2\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n";
    std::fs::write(env.join("compose.yml"), compose).unwrap_or_else(|e| panic!("{e}"));
    let healthy = "login.ciam.example.com {\n\treverse_proxy ciam-hera:3000\n}\n";
    let caddyfile = env.join("Caddyfile");
    std::fs::write(&caddyfile, healthy).unwrap_or_else(|e| panic!("{e}"));
    let caddy_uri = uri(&caddyfile);

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert!(init["result"]["capabilities"]["codeActionProvider"].as_bool() == Some(true));
    client.notify("initialized", json!({}));

    // Open a healthy file: its (empty) diagnostics are published.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": caddy_uri, "languageId": "caddyfile", "version": 1, "text": healthy}}),
    );
    let published = client.diagnostics_until("Caddyfile");
    assert!(published.iter().all(|(_, d)| d.is_empty()), "{published:?}");

    // An unsaved edit that crosses the boundary, then save.
    let crossed = healthy.replace("ciam-hera:3000", "iam-hera:4000");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": caddy_uri, "version": 2}, "contentChanges": [{"text": crossed}]}),
    );
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": caddy_uri}}),
    );
    let published = client.diagnostics_until("Caddyfile");
    let (_, list) = published
        .iter()
        .find(|(u, _)| *u == caddy_uri)
        .unwrap_or_else(|| panic!("{published:?}"));
    let d = list
        .iter()
        .find(|d| d["code"] == "ISO003")
        .unwrap_or_else(|| panic!("{list:?}"));
    assert_eq!(d["source"], "isolint");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"], json!({"line": 1, "character": 15}));
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/rules/ISO003.md")),
        "{d}"
    );
    let related = d["relatedInformation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        related.iter().any(|r| r["location"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("compose.yml"))),
        "the target service's compose line is related: {related:?}"
    );

    // The quick fix: a suppression alone on the line above.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": caddy_uri},
            "range": d["range"],
            "context": {"diagnostics": [d]},
        }),
    );
    let action = &actions["result"][0];
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][&caddy_uri][0];
    // The reason is a placeholder: it applies once the user writes one.
    assert_eq!(edit["newText"], "\t# isolint: ignore[ISO003] <reason>\n");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 0}));

    // The file on disk never changed: the buffer was checked.
    assert_eq!(
        std::fs::read_to_string(&caddyfile).unwrap_or_default(),
        healthy
    );

    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown["error"].is_null(), "{shutdown}");
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
}

#[test]
fn environments_are_published_apart_and_config_errors_land_on_the_config() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let crossed = "login.ciam.example.com {\n\treverse_proxy iam-hera:4000\n}\n";
    for env in ["prod", "dev"] {
        let d = dir.path().join("platform").join(env);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("Caddyfile"), crossed).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            d.join("compose.yml"),
            "services:\n  caddy:\n    image: caddy:2.8.4\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    networks: [ciam]\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    networks: [iam]\nnetworks: {ciam: {}, iam: {}}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let outside = dir.path().join("ci.yml");
    std::fs::write(&outside, "on: push\njobs: {}\n").unwrap_or_else(|e| panic!("{e}"));
    let prod = uri(&dir.path().join("platform/prod/Caddyfile"));
    let dev = uri(&dir.path().join("platform/dev/Caddyfile"));
    let mut client = Client::initialized(Value::Null, Value::Null);
    let open = |client: &mut Client, uri: &str, text: &str| {
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "caddyfile", "version": 1, "text": text}}),
        );
    };
    open(&mut client, &prod, crossed);
    let first = client.diagnostics_until("prod/Caddyfile");
    assert!(
        first.iter().any(|(u, d)| *u == prod && !d.is_empty()),
        "{first:?}"
    );
    // Checking dev publishes dev's findings and leaves prod's alone.
    open(&mut client, &dev, crossed);
    let second = client.diagnostics_until("dev/Caddyfile");
    assert!(second.iter().all(|(u, _)| *u != prod), "{second:?}");
    // A file outside every environment (not a Caddyfile) gets nothing.
    let ci = uri(&outside);
    open(&mut client, &ci, "on: push\njobs: {}\n");
    let third = client.diagnostics_until("ci.yml");
    assert!(third.iter().all(|(_, d)| d.is_empty()), "{third:?}");
    // A configuration that does not load: its error, on the file.
    std::fs::write(dir.path().join("isolint.toml"), "selct = []\n")
        .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": prod}}),
    );
    let fourth = client.diagnostics_until("isolint.toml");
    let (_, list) = fourth
        .iter()
        .find(|(u, _)| u.ends_with("isolint.toml"))
        .unwrap_or_else(|| panic!("{fourth:?}"));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["code"], "CFG001");
    assert_eq!(
        list[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    // Fixed: the configuration's diagnostic is cleared.
    std::fs::write(dir.path().join("isolint.toml"), "select = []\n")
        .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": prod}}),
    );
    let fifth = client.diagnostics_until("prod/Caddyfile");
    assert!(
        fifth
            .iter()
            .any(|(u, d)| u.ends_with("isolint.toml") && d.is_empty()),
        "{fifth:?}"
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
}

#[test]
fn published_diagnostics_never_carry_a_secret() {
    let (dir, secrets) = common::planted_secrets_tree();
    let prod = dir.path().join("platform/prod/compose.yml");
    let qa = dir.path().join("platform/qa/compose.yml");
    let kratos = dir.path().join("platform/qa/kratos/kratos.yml");
    let mut client = Client::initialized(Value::Null, Value::Null);
    let mut published = Vec::new();
    for (path, last) in [
        (&prod, "prod/compose.yml"),
        (&qa, "qa/compose.yml"),
        (&kratos, "qa/kratos/kratos.yml"),
    ] {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        );
        published.extend(client.diagnostics_until(last));
    }
    // A secret only in an unsaved buffer, checked on save.
    let edited = std::fs::read_to_string(&qa)
        .unwrap_or_else(|e| panic!("{e}"))
        .replace("tokensecret55", "buffersecret66");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&qa), "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&qa)}}),
    );
    published.extend(client.diagnostics_until("qa/compose.yml"));

    let codes: Vec<&str> = published
        .iter()
        .flat_map(|(_, list)| list.iter().filter_map(|d| d["code"].as_str()))
        .collect();
    // Findings next to the secrets in both environments, so their
    // messages and related locations were written.
    assert!(
        codes.contains(&"ISO001") && codes.contains(&"ISO006"),
        "{codes:?}"
    );
    let text = serde_json::to_string(&published).unwrap_or_default();
    // The database's name is no secret, and the messages do name it.
    assert!(text.contains("iam_kratos"), "{text}");
    for secret in secrets.iter().chain(&["buffersecret66"]) {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let _ = client.child.wait();
}

/// The rules are read again for every check: a user's rule edited while
/// the server runs gives its new message and answers to its new name (a
/// selector in `isolint.toml`), and a removed one is gone.
#[test]
fn an_edited_user_rule_is_used_at_the_next_check() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("platform/prod");
    let lint = dir.path().join("lint");
    for d in [&env, &lint] {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        dir.path().join("isolint.toml"),
        "[rules]\nfolders = [\"lint\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rule = |name: &str, message: &str| {
        format!(
            "code: ORG001\nname: {name}\nseverity: warning\nsummary: a Kratos image is pinned to v1.3\nselect:\n  kind: kratos\n  image: tag\nwhen:\n  equals: v1.3.1\nmessage: \"{message}\"\n"
        )
    };
    let rule_file = lint.join("ORG001.yml");
    std::fs::write(
        &rule_file,
        rule("pinned-kratos", "{service} is on the old line"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let compose = env.join("compose.yml");
    let text = "services:\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n";
    std::fs::write(&compose, text).unwrap_or_else(|e| panic!("{e}"));
    let compose_uri = uri(&compose);

    let mut client = Client::initialized(Value::Null, Value::Null);
    let messages = |published: Vec<(String, Vec<Value>)>| -> Vec<String> {
        published
            .into_iter()
            .filter(|(u, _)| *u == compose_uri)
            .flat_map(|(_, d)| d)
            .filter(|d| d["code"] == "ORG001")
            .map(|d| d["message"].as_str().unwrap_or("").to_string())
            .collect()
    };
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": compose_uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let first = messages(client.diagnostics_until("compose.yml"));
    assert_eq!(first, ["ciam-kratos is on the old line"]);
    // The rule's name and message change on disk, and the configuration
    // selects it by its new name; the next check knows both.
    std::fs::write(&rule_file, rule("kratos-line", "{service} still runs v1.3"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("isolint.toml"),
        "select = [\"kratos-line\"]\n[rules]\nfolders = [\"lint\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": compose_uri}}),
    );
    let second = messages(client.diagnostics_until("compose.yml"));
    assert_eq!(second, ["ciam-kratos still runs v1.3"]);
    // Removed (and no longer selected): no finding of it any more.
    std::fs::remove_file(&rule_file).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("isolint.toml"),
        "[rules]\nfolders = [\"lint\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": compose_uri}}),
    );
    assert_eq!(
        messages(client.diagnostics_until("compose.yml")),
        Vec::<String>::new()
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
}

/// Edits are checked as the user types: a burst of changes is checked
/// once the typing pauses, with the newest text, and no result of an
/// intermediate text is published.
#[test]
fn edits_are_checked_as_you_type_with_the_newest_text() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("platform/prod");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    let compose = "services:\n  caddy:\n    image: caddy:2.8.4\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n  ciam-hera:\n    image: ghcr.io/example/hera:1.8.2\n  iam-hera:\n    image: ghcr.io/example/hera:1.8.2\n  iam-athena:\n    image: ghcr.io/example/athena:1.8.2\n  ciam-kratos:\n    image: oryd/kratos:v1.3.1\n    networks: [ciam]\n  iam-kratos:\n    image: oryd/kratos:v1.3.1\n    networks: [iam]\nnetworks: {ciam: {}, iam: {}}\n";
    std::fs::write(env.join("compose.yml"), compose).unwrap_or_else(|e| panic!("{e}"));
    let site =
        |upstream: &str| format!("login.ciam.example.com {{\n\treverse_proxy {upstream}\n}}\n");
    let caddyfile = env.join("Caddyfile");
    std::fs::write(&caddyfile, site("ciam-hera:3000")).unwrap_or_else(|e| panic!("{e}"));
    let caddy_uri = uri(&caddyfile);
    let mut client = Client::initialized(Value::Null, Value::Null);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": caddy_uri, "languageId": "caddyfile", "version": 1, "text": site("ciam-hera:3000")}}),
    );
    let opened = client.diagnostics_until("Caddyfile");
    assert!(opened.iter().all(|(_, d)| d.is_empty()), "{opened:?}");
    // Three edits in a burst; only the last text is checked.
    for (version, upstream) in [
        (2, "iam-hera:4000"),
        (3, "ciam-hera:3000"),
        (4, "iam-athena:4001"),
    ] {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": caddy_uri, "version": version}, "contentChanges": [{"text": site(upstream)}]}),
        );
    }
    let typed = client.diagnostics_until("Caddyfile");
    let messages: Vec<String> = typed
        .iter()
        .filter(|(u, _)| *u == caddy_uri)
        .flat_map(|(_, d)| d.iter())
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("iam-athena:4001")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("iam-hera:4000")),
        "an intermediate text was published: {messages:?}"
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
}

/// The client's `initializationOptions` give deploy-time values: a site
/// address they name is known, so it is no longer a CFG002 note.
#[test]
fn initialization_options_give_deploy_time_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_tree(Path::new("tests/rules/ISO003/literal"), dir.path());
    std::fs::write(
        dir.path().join("deploy.env"),
        "CIAM_HERA_PUBLIC_URL=https://login.ciam.example.com\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let caddyfile = dir.path().join("platform/prod/Caddyfile");
    let text = std::fs::read_to_string(&caddyfile).unwrap_or_else(|e| panic!("{e}"));
    let caddy_uri = uri(&caddyfile);
    let codes = |options: Value| -> Vec<String> {
        // In the workspace of the tree: a relative env file is its.
        let mut client = Client::initialized(json!(uri(dir.path())), options);
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": caddy_uri, "languageId": "caddyfile", "version": 1, "text": text}}),
        );
        let published = client.diagnostics_until("Caddyfile");
        client.request("shutdown", Value::Null);
        client.notify("exit", Value::Null);
        published
            .into_iter()
            .filter(|(u, _)| *u == caddy_uri)
            .flat_map(|(_, d)| d)
            .map(|d| d["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let without = codes(Value::Null);
    assert_eq!(
        without.iter().filter(|c| *c == "CFG002").count(),
        2,
        "{without:?}"
    );
    let with = codes(json!({
        "envFiles": ["deploy.env"],
        "vars": {"CIAM_ATHENA_PUBLIC_URL": "https://admin.ciam.example.com"}
    }));
    assert_eq!(with, ["ISO003"], "{with:?}");
}

/// The quick fix in a seed script whose finding is in a heredoc of a
/// command continued over lines: the suppression goes above the command
/// (the script still parses and means the same), as a snippet whose
/// placeholder is no reason; with a reason written it silences the
/// finding, with the placeholder left it does not.
#[test]
fn the_quick_fix_goes_above_the_whole_command_as_a_snippet() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_tree(Path::new("tests/rules/ISO004/literal"), dir.path());
    let script = dir.path().join("platform/prod/seed-prod.sh");
    let text = "#!/bin/sh\ncurl -X POST \"http://ciam-hydra:4445/admin/clients\" -d '{\"client_id\": \"site-client\"}'\n  curl -X POST \\\n    \"http://iam-hydra:4445/admin/clients\" \\\n    -d @- <<EOF\n{\"client_id\": \"site-client\"}\nEOF\n";
    std::fs::write(&script, text).unwrap_or_else(|e| panic!("{e}"));
    let script_uri = uri(&script);
    let mut client = Client::handshake(
        json!({"workspace": {"workspaceEdit": {"snippetEditSupport": true}}}),
        Value::Null,
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": script_uri, "languageId": "shellscript", "version": 1, "text": text}}),
    );
    let published = client.diagnostics_until("seed-prod.sh");
    let finding = published
        .iter()
        .filter(|(u, _)| *u == script_uri)
        .flat_map(|(_, d)| d.iter())
        .find(|d| d["code"] == "ISO004")
        .cloned()
        .unwrap_or_else(|| panic!("{published:?}"));
    // The finding is in the heredoc's body.
    assert_eq!(finding["range"]["start"]["line"], 5);
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": script_uri},
            "range": finding["range"],
            "context": {"diagnostics": [finding]},
        }),
    );
    let change = &actions["result"][0]["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["uri"], script_uri);
    let edit = &change["edits"][0];
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 0}));
    assert_eq!(edit["range"]["end"], json!({"line": 2, "character": 0}));
    let snippet = edit["snippet"]["value"].as_str().unwrap_or_default();
    assert_eq!(edit["snippet"]["kind"], "snippet");
    assert_eq!(snippet, "  # isolint: ignore[ISO004] ${1:<reason>}\n");
    // Applied as an editor would, once with the placeholder left and once
    // with a reason typed over it.
    let at = edit["range"]["start"]["line"].as_u64().unwrap_or(u64::MAX) as usize;
    let applied = |reason: &str| {
        let mut lines: Vec<&str> = text.lines().collect();
        let comment = snippet.trim_end().replace("${1:<reason>}", reason);
        lines.insert(at, &comment);
        format!("{}\n", lines.join("\n"))
    };
    let checked = |edited: &str| {
        let parses = Command::new("sh")
            .arg("-n")
            .arg("-c")
            .arg(edited)
            .status()
            .is_ok_and(|s| s.success());
        assert!(parses, "{edited}");
        std::fs::write(&script, edited).unwrap_or_else(|e| panic!("{e}"));
        let out = Command::new(env!("CARGO_BIN_EXE_isolint"))
            .args(["check", "--format", "concise"])
            .arg(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let left = checked(&applied("<reason>"));
    assert!(left.contains("error[ISO004]"), "{left}");
    assert!(
        left.contains("warning[CFG003] this suppression has no reason"),
        "{left}"
    );
    let reasoned = checked(&applied("one client for both sign-ins until the split"));
    assert!(!reasoned.contains("ISO004"), "{reasoned}");
    assert!(!reasoned.contains("CFG003"), "{reasoned}");
    // The command still sends the same body: the comment is above it.
    assert!(applied("r").contains("  # isolint: ignore[ISO004] r\n  curl -X POST \\\n"));
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
}
