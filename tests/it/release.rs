//! A GitHub release as the Action sees it, served over HTTP on a loopback
//! address: `isolint-<target>` and its `.sha256`, named and laid out as
//! `.github/workflows/release.yml` publishes them.

use crate::stand_in;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

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

/// A release's assets served on 127.0.0.1 (404 for anything else).
pub struct Server(stand_in::Server);

impl Server {
    pub fn start(assets: BTreeMap<String, Vec<u8>>) -> Server {
        Server(stand_in::Server::start(move |path| {
            let name = path.rsplit('/').next().unwrap_or_default();
            match assets.get(name) {
                Some(body) => stand_in::Response::new(200, body.clone())
                    .header("Content-Type", "application/octet-stream"),
                None => stand_in::Response::new(404, "Not Found"),
            }
        }))
    }

    /// The release's download URL, as the Action's `release-url` takes it.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/releases/download/v0", self.0.port())
    }

    /// The paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.0.requests()
    }
}
