//! What isolint promises about the system it runs on (SECURITY.md): it
//! executes nothing it reads, opens no socket, and opens no file outside
//! the tree it checks but its own runtime's. Watched with strace, on a
//! tree whose imports, env files, mounts and links all try to lead out.

use crate::common;

use assert_cmd::cargo::cargo_bin;
use std::path::Path;

/// Files a Rust binary opens for itself: the loader's cache and
/// libraries, and what the standard library and rayon read of the
/// process and the machine.
const RUNTIME: &[&str] = &[
    "/etc/ld.so.cache",
    "/lib",
    "/usr/lib",
    "/proc/",
    "/sys/",
    "/dev/",
];

#[cfg(target_os = "linux")]
#[test]
fn nothing_is_executed_no_socket_opened_no_outside_file_read() {
    if std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_err()
    {
        panic!("strace is needed for this test (Debian's strace package)");
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("tree");
    let env = root.join("platform/prod");
    common::copy_tree(Path::new("fixtures/olympus/platform/prod"), &env);
    // Everything that tries to lead out of the tree points here.
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    for name in ["sites.caddy", "app.env", "kratos.yml", "seed.sh"] {
        std::fs::write(outside.join(name), "SECRET=outside\n").unwrap_or_else(|e| panic!("{e}"));
    }
    let compose = env.join("compose.prod.yml");
    let text = std::fs::read_to_string(&compose).unwrap_or_else(|e| panic!("{e}"));
    let text = text
        .replace(
            "env_file: ./ciam-athena.env",
            "env_file: ../../../outside/app.env",
        )
        .replace(
            "./iam-kratos:/etc/config/kratos:ro",
            "../../../outside:/etc/config/kratos:ro",
        )
        .replace(
            "./seed-prod.sh:/seed.sh:ro",
            "../../../outside/seed.sh:/seed.sh:ro",
        );
    std::fs::write(&compose, text).unwrap_or_else(|e| panic!("{e}"));
    let caddyfile = env.join("Caddyfile");
    let mut text = std::fs::read_to_string(&caddyfile).unwrap_or_else(|e| panic!("{e}"));
    text.push_str("\nimport ../../../outside/sites.caddy\n");
    std::fs::write(&caddyfile, text).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.join("sites.caddy"), env.join("caddy/iam-out.caddy"))
        .unwrap_or_else(|e| panic!("{e}"));

    let log = dir.path().join("strace.log");
    let status = std::process::Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=execve,socket,connect,open,openat"])
        .arg("-o")
        .arg(&log)
        .arg(cargo_bin("isolint"))
        .args(["check", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap_or_else(|e| panic!("strace: {e}"));
    assert_eq!(status.status.code(), Some(1), "the tree has findings");
    // Each way out is reported where it is written, not followed.
    let report: serde_json::Value =
        serde_json::from_slice(&status.stdout).unwrap_or_else(|e| panic!("json: {e}"));
    let outside: Vec<(String, u64)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "CFG001")
        .filter(|f| f["message"].as_str().is_some_and(|m| m.contains("outside")))
        .map(|f| {
            let file = f["primary"]["file"].as_str().unwrap_or("");
            let name = file.rsplit('/').next().unwrap_or("").to_string();
            (name, f["primary"]["line"].as_u64().unwrap_or(0))
        })
        .collect();
    for expected in [
        ("Caddyfile", 79),
        ("Caddyfile", 88),
        ("compose.prod.yml", 110),
        ("compose.prod.yml", 128),
        ("compose.prod.yml", 193),
    ] {
        assert!(
            outside.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} not reported: {outside:?}"
        );
    }
    let trace = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{e}"));

    let execs: Vec<&str> = trace.lines().filter(|l| l.contains("execve(")).collect();
    assert_eq!(execs.len(), 1, "only isolint itself runs: {execs:#?}");
    let sockets: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("socket(") || l.contains("connect("))
        .collect();
    assert!(sockets.is_empty(), "{sockets:#?}");

    let tree = root.to_string_lossy().into_owned();
    let opened: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("open") && !l.contains("= -1"))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(
        opened.iter().any(|p| p.starts_with(&tree)),
        "the tree was read: {opened:#?}"
    );
    let strays: Vec<&&str> = opened
        .iter()
        .filter(|p| !p.starts_with(&tree) && !RUNTIME.iter().any(|r| p.starts_with(r)))
        .collect();
    assert!(strays.is_empty(), "opened outside the tree: {strays:#?}");
}
