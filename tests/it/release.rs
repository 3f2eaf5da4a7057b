//! A GitHub release as the Action sees it, served over HTTP on a loopback
//! address: `isolint-<target>` and its `.sha256`, named and laid out as
//! `.github/workflows/release.yml` publishes them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The release's target for a Linux runner like this machine.
pub fn target() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

/// The SHA-256 of a file, by `sha256sum` (the unoptimised test build
/// would hash the binary slowly).
fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("sha256sum: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("sha256sum printed nothing"))
        .to_string()
}

/// The assets of a release of `binary`: the binary and its `.sha256`
/// file as `sha256sum` writes it. `corrupt` flips one byte of the binary
/// after its sum is taken, as a broken mirror or a truncated upload would.
pub fn assets_of(binary: &Path, corrupt: bool) -> BTreeMap<String, Vec<u8>> {
    let name = format!("isolint-{}", target());
    let mut bytes = std::fs::read(binary).unwrap_or_else(|e| panic!("{e}"));
    let sum = format!("{}  {name}\n", sha256(binary));
    if corrupt {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
    }
    BTreeMap::from([(format!("{name}.sha256"), sum.into_bytes()), (name, bytes)])
}

/// A release whose binary is a small script that runs this test build of
/// isolint: what most of the Action's tests download.
pub fn assets(corrupt: bool) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = dir.path().join("isolint");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_isolint")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assets_of(&script, corrupt)
}

/// An HTTP server on 127.0.0.1 serving a release's assets (404 for
/// anything else) and keeping the path of every request; it stops when
/// dropped.
pub struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(assets: BTreeMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let assets = Arc::new(assets);
        let (log, stopped) = (Arc::clone(&requests), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (assets, log) = (Arc::clone(&assets), Arc::clone(&log));
                std::thread::spawn(move || serve(stream, &assets, &log));
            }
        });
        Server {
            port,
            requests,
            stop,
        }
    }

    /// The release's download URL, as the Action's `release-url` takes it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/releases/download/v0", self.port)
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|e| panic!("{e}"))
            .clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, assets: &BTreeMap<String, Vec<u8>>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    // The headers, up to the blank line.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or_default();
    log.lock()
        .unwrap_or_else(|e| panic!("{e}"))
        .push(path.to_string());
    let name = path.rsplit('/').next().unwrap_or_default();
    let (status, body) = match assets.get(name) {
        Some(body) => ("200 OK", body.as_slice()),
        None => ("404 Not Found", &b"Not Found"[..]),
    };
    let mut stream = &stream;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.shutdown(Shutdown::Write);
}
