//! The editor's latency: from a keystroke (`didChange`) to the
//! diagnostics the language server publishes for it, on the bundled
//! example's prod environment. It is the quiet period an edit waits for
//! (`isolint::lsp::QUIET`) plus one check of the environment.

// Outside the library: a failure here is a panic, as in any test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits for the diagnostics published for `uri`.
fn published(client: &Connection, uri: &str) {
    loop {
        match client.receiver.recv().expect("server gone") {
            Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri =>
            {
                return;
            }
            _ => {}
        }
    }
}

fn notify(client: &Connection, method: &str, params: serde_json::Value) {
    client
        .sender
        .send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )))
        .expect("send");
}

fn keystroke_to_diagnostics(c: &mut Criterion) {
    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || isolint::lsp::serve_on(&server));
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(1),
            "initialize".to_string(),
            json!({"capabilities": {}}),
        )))
        .expect("send");
    while !matches!(
        client.receiver.recv().expect("server gone"),
        Message::Response(_)
    ) {}
    notify(&client, "initialized", json!({}));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/olympus/platform/prod/Caddyfile")
        .canonicalize()
        .expect("the example");
    let uri = url::Url::from_file_path(&path).expect("a path").to_string();
    let text = std::fs::read_to_string(&path).expect("the Caddyfile");
    notify(
        &client,
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "caddyfile", "version": 1, "text": text}}),
    );
    published(&client, &uri);
    let mut group = c.benchmark_group("lsp");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    let mut version = 1;
    group.bench_function("keystroke_to_diagnostics", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                version += 1;
                let edited = format!("{text}\n# edit {version}\n");
                let start = Instant::now();
                notify(
                    &client,
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": edited}]}),
                );
                published(&client, &uri);
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(2),
            "shutdown".to_string(),
            serde_json::Value::Null,
        )))
        .expect("send");
    notify(&client, "exit", serde_json::Value::Null);
    drop(client);
    let _ = serving.join();
}

criterion_group!(benches, keystroke_to_diagnostics);
criterion_main!(benches);
