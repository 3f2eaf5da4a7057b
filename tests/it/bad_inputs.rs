//! The bad-input matrix: each case spoils one file of a healthy
//! environment (or the tree around it) in one way. The run must end with
//! a diagnostic naming the file (and its line, where there is one) as a
//! CFG001 finding or exit status 2, never a panic or a hang, and the rest
//! of the tree must still be checked: a known break elsewhere (the
//! sentinel) is still reported.

use crate::common;
use crate::synth;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const ENV: &str = "platform/prod";

/// A healthy copy of the example environment, with the sentinel break in
/// the Caddyfile (ISO003) and in the IAM Kratos YAML (SEC001), unless a
/// case spoils that file itself.
fn tree(spoiled: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("tree");
    common::copy_tree(Path::new("fixtures/olympus/platform/prod"), &root.join(ENV));
    for brk in [&synth::BREAKS[0], &synth::BREAKS[6]] {
        if brk.file != spoiled {
            edit(&root, brk.file, |t| {
                synth::apply(t, brk);
            });
        }
    }
    (dir, root)
}

fn edit(root: &Path, file: &str, f: impl FnOnce(&mut String)) {
    let path = root.join(ENV).join(file);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    f(&mut text);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn write(root: &Path, file: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(ENV).join(file);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

struct Run {
    code: Option<i32>,
    findings: Vec<(String, String, u64, String)>,
    stderr: String,
}

fn check(root: &Path) -> Run {
    check_by(Command::new(env!("CARGO_BIN_EXE_isolint")), root)
}

/// `check` run by `command` (the binary, or a wrapper around it).
fn check_by(mut command: Command, root: &Path) -> Run {
    let out = command
        .args(["check", "--format", "json"])
        .arg(root)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let findings = common::parse_findings(&report, root);
    Run {
        code: out.status.code(),
        findings,
        stderr,
    }
}

impl Run {
    /// The finding `code` at `file` (inside the environment), and `line`
    /// when given; returns its message.
    fn has(&self, code: &str, file: &str, line: Option<u64>) -> &str {
        let file = format!("{ENV}/{file}");
        self.findings
            .iter()
            .find(|(c, f, l, _)| c == code && *f == file && line.is_none_or(|n| n == *l))
            .map(|(_, _, _, m)| m.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "no {code} at {file}:{line:?}; exit {:?}, findings {:#?}\nstderr:\n{}",
                    self.code, self.findings, self.stderr
                )
            })
    }

    /// The CFG001 about `file`: at a line of it (`line` when given), or,
    /// for a file only reached through another (a mounted Ory YAML), at
    /// the line that reaches it, naming it. Returns its message.
    fn cfg001_about(&self, file: &str, line: Option<u64>) -> &str {
        let at = format!("{ENV}/{file}");
        self.findings
            .iter()
            .find(|(c, f, l, m)| {
                c == "CFG001"
                    && ((*f == at && line.is_none_or(|n| n == *l)) || (*f != at && m.contains(&at)))
            })
            .map(|(_, _, _, m)| m.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "no CFG001 about {at}:{line:?}; exit {:?}, findings {:#?}\nstderr:\n{}",
                    self.code, self.findings, self.stderr
                )
            })
    }

    /// No finding quotes `text` (from a file that must not be read).
    fn quotes_nowhere(&self, text: &str) {
        assert!(
            self.findings.iter().all(|(_, _, _, m)| !m.contains(text)),
            "{text} quoted: {:#?}",
            self.findings
        );
    }

    /// The sentinels of the files a case did not spoil are still found.
    fn still_checks(&self, spoiled: &str) {
        for brk in [&synth::BREAKS[0], &synth::BREAKS[6]] {
            if brk.file != spoiled {
                self.has(brk.code, brk.file, None);
            }
        }
    }
}

/// Spoils `file` with `bytes`; expects CFG001 there (at `line` when
/// given), whose message contains `says`, and the sentinels elsewhere.
fn spoiled(file: &str, bytes: impl AsRef<[u8]>, line: Option<u64>, says: &str) {
    let (_guard, root) = tree(file);
    write(&root, file, bytes);
    let run = check(&root);
    assert_eq!(run.code, Some(1), "{file}: {:#?}", run.findings);
    let message = run.cfg001_about(file, line);
    assert!(message.contains(says), "{file}: '{message}' lacks '{says}'");
    run.still_checks(file);
}

#[test]
fn binary_and_invalid_utf8_files() {
    let binary: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    spoiled("iam-kratos/kratos.yml", &binary, None, "UTF-8");
    spoiled(
        "Caddyfile",
        b"example.com {\n\trespond \xff\xfe\n}\n",
        None,
        "UTF-8",
    );
    spoiled("seed-prod.sh", &binary, None, "UTF-8");
}

#[test]
fn a_byte_order_mark_and_crlf_keep_lines_right() {
    for file in ["iam-kratos/kratos.yml", "Caddyfile", "compose.prod.yml"] {
        let (_guard, root) = tree("");
        edit(&root, file, |t| {
            *t = format!("\u{feff}{}", t.replace('\n', "\r\n"))
        });
        let run = check(&root);
        assert_eq!(run.code, Some(1), "{file}: {:#?}", run.findings);
        // Lines of the sentinels, as in the healthy LF file.
        run.has("SEC001", "iam-kratos/kratos.yml", Some(58));
        run.has("ISO003", "Caddyfile", Some(48));
        assert!(
            run.findings.iter().all(|(c, ..)| c != "CFG001"),
            "{file}: {:#?}",
            run.findings
        );
    }
}

#[test]
fn empty_files_are_read_as_empty() {
    for file in ["iam-hydra/hydra.yml", "seed-prod.sh", "init-db.sql", ".env"] {
        let (_guard, root) = tree(file);
        write(&root, file, "");
        let run = check(&root);
        assert_eq!(run.code, Some(1), "{file}: {:#?}", run.findings);
        run.still_checks(file);
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let (_guard, root) = tree("iam-kratos/kratos.yml");
    let path = root.join(ENV).join("iam-kratos/kratos.yml");
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    // 100 MiB, sparse: refused by its size before any byte is read.
    file.set_len(100 << 20).unwrap_or_else(|e| panic!("{e}"));
    let run = check(&root);
    let message = run.cfg001_about("iam-kratos/kratos.yml", None);
    assert!(
        message.contains("over the 16777216-byte limit"),
        "{message}"
    );
    run.still_checks("iam-kratos/kratos.yml");
}

#[test]
fn hostile_yaml() {
    let deep = format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    spoiled("iam-kratos/kratos.yml", deep, Some(1), "recursion limit");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{prev}"); 10].join(", ")
        ));
    }
    spoiled("iam-kratos/kratos.yml", bomb, None, "alias");
    spoiled(
        "iam-kratos/kratos.yml",
        "log:\n  level: info\nlog:\n  level: debug\n",
        Some(3),
        "duplicate key",
    );
    spoiled(
        "iam-kratos/kratos.yml",
        "log:\n\tlevel: info\n",
        Some(2),
        "invalid YAML",
    );
}

#[test]
fn hostile_caddyfiles() {
    spoiled(
        "Caddyfile",
        "example.com {\n\treverse_proxy a:1\n",
        None,
        "",
    );
    let deep = format!(
        "example.com {}\n{}",
        "{\n".repeat(10_000),
        "}\n".repeat(10_000)
    );
    spoiled("Caddyfile", deep, None, "");
    // The glob import picks up the file that holds it.
    let (_guard, root) = tree("");
    write(&root, "caddy/iam-self.caddy", "import iam-*.caddy\n");
    let run = check(&root);
    run.has("CFG001", "caddy/iam-self.caddy", Some(1));
    run.still_checks("");
    for target in ["../../../outside.caddy", "/etc/hostname"] {
        let (guard, root) = tree("");
        // Beside the checked tree, not in it.
        std::fs::write(guard.path().join("outside.caddy"), "leak.example {\n}\n")
            .unwrap_or_else(|e| panic!("{e}"));
        edit(&root, "Caddyfile", |t| {
            t.push_str(&format!("\nimport {target}\n"))
        });
        let run = check(&root);
        let message = run.has("CFG001", "Caddyfile", None);
        assert!(message.contains("outside"), "{target}: {message}");
        run.quotes_nowhere("leak.example");
        run.still_checks("");
    }
}

#[cfg(unix)]
#[test]
fn links_that_loop_or_leave_the_tree() {
    use std::os::unix::fs::symlink;
    // A folder that links to itself is not followed; a site file that
    // links to itself cannot be read.
    let (_guard, root) = tree("");
    let env = root.join(ENV);
    symlink(&env, env.join("again")).unwrap_or_else(|e| panic!("{e}"));
    symlink("iam-loop.caddy", env.join("caddy/iam-loop.caddy")).unwrap_or_else(|e| panic!("{e}"));
    let run = check(&root);
    let message = run.has("CFG001", "Caddyfile", None);
    assert!(message.contains("iam-loop.caddy"), "{message}");
    run.still_checks("");
    // A site file that leads out of the tree: the import is refused and
    // nothing of the file is read.
    let (guard, root) = tree("");
    let secret = guard.path().join("sites.caddy");
    std::fs::write(&secret, "leak.example {\n\treverse_proxy leak:1\n}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    symlink(&secret, root.join(ENV).join("caddy/iam-leak.caddy")).unwrap_or_else(|e| panic!("{e}"));
    let run = check(&root);
    let message = run.has("CFG001", "Caddyfile", None);
    assert!(message.contains("leaves the checked tree"), "{message}");
    run.quotes_nowhere("leak:1");
    run.still_checks("");
}

/// A file and a folder isolint may not read (permission denied): each is
/// CFG001 naming it, and the rest is checked. Root reads through any
/// mode, so when the tests run as root (as in CI) the check runs as
/// `nobody`, through util-linux's `setpriv`.
#[cfg(target_os = "linux")]
#[test]
fn unreadable_files_and_folders() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };
    fn open_to_all(path: &Path, mode: &dyn Fn(&Path, u32)) {
        if path.is_dir() {
            mode(path, 0o755);
            for entry in std::fs::read_dir(path).unwrap_or_else(|e| panic!("{e}")) {
                open_to_all(&entry.unwrap_or_else(|e| panic!("{e}")).path(), mode);
            }
        } else if path.is_file() {
            mode(path, 0o644);
        }
    }
    let (guard, root) = tree("iam-kratos/kratos.yml");
    let staging = root.join("platform/staging");
    std::fs::create_dir_all(&staging).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(staging.join("compose.yml"), "services: {}\n").unwrap_or_else(|e| panic!("{e}"));
    open_to_all(guard.path(), &mode);
    mode(&root.join(ENV).join("iam-kratos/kratos.yml"), 0o000);
    mode(&staging, 0o000);
    let bin = env!("CARGO_BIN_EXE_isolint");
    let as_root = std::fs::metadata(guard.path()).is_ok_and(|m| m.uid() == 0);
    let command = if as_root {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            bin,
        ]);
        c
    } else {
        Command::new(bin)
    };
    let run = check_by(command, &root);
    assert_eq!(run.code, Some(1), "{:#?}\n{}", run.findings, run.stderr);
    let message = run.cfg001_about("iam-kratos/kratos.yml", None);
    assert!(message.contains("Permission denied"), "{message}");
    let folder = run
        .findings
        .iter()
        .find(|(c, f, _, _)| c == "CFG001" && f == "platform/staging")
        .unwrap_or_else(|| panic!("no CFG001 at the folder: {:#?}", run.findings));
    assert!(folder.3.contains("Permission denied"), "{}", folder.3);
    run.still_checks("iam-kratos/kratos.yml");
    mode(&staging, 0o755);
}

#[test]
fn compose_interpolation_and_env_files() {
    // A missing env file: a secret kept out of git, its values given at
    // deploy time (CFG002); one the configuration requires: CFG001.
    let (_guard, root) = tree("");
    edit(&root, "compose.prod.yml", |t| {
        *t = t.replace("env_file: ./ciam-athena.env", "env_file: ./missing.env");
    });
    let run = check(&root);
    let message = run.has("CFG002", "compose.prod.yml", Some(110));
    assert!(message.contains("deploy time"), "{message}");
    assert!(
        !run.findings.iter().any(|f| f.0 == "CFG001"),
        "{:#?}",
        run.findings
    );
    std::fs::write(
        root.join("isolint.toml"),
        "[compose]\nrequired-env-files = [\"**/missing.env\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = check(&root);
    run.has("CFG001", "compose.prod.yml", Some(110));
    run.still_checks("");
    // `${VAR:?message}` with VAR set empty: compose stops there. (Unset,
    // it is left to deploy time, as in the healthy tree.)
    let (_guard, root) = tree("");
    edit(&root, ".env", |t| t.push_str("POSTGRES_PASSWORD=\n"));
    let run = check(&root);
    let message = run.has("CFG001", "compose.prod.yml", Some(18));
    assert!(message.contains("set POSTGRES_PASSWORD"), "{message}");
    run.still_checks("");
    // `${VAR` never closed.
    let (_guard, root) = tree("");
    edit(&root, "compose.prod.yml", |t| {
        *t = t.replace("${ENCRYPTION_KEY}", "${ENCRYPTION_KEY");
    });
    let run = check(&root);
    run.has("CFG001", "compose.prod.yml", None);
    run.has("SEC001", "iam-kratos/kratos.yml", None);
}

/// A malformed `isolint.toml` ends the run (exit 2) before anything is
/// checked, since every finding depends on it: its diagnostic points at
/// the key.
#[test]
fn an_isolint_toml_with_wrong_types_and_unknown_keys() {
    for (toml, says) in [
        ("select = 5\n", ["isolint.toml:1:10", "expected a sequence"]),
        (
            "[severity]\nISO003 = 3\n",
            ["isolint.toml:2:10", "invalid type: integer `3`"],
        ),
        (
            "selct = [\"ISO001\"]\n",
            ["isolint.toml:1:1", "unknown field `selct`"],
        ),
        (
            "[rules]\nfolder = []\n",
            ["isolint.toml:2:1", "unknown field `folder`"],
        ),
    ] {
        let (_guard, root) = tree("");
        std::fs::write(root.join("isolint.toml"), toml).unwrap_or_else(|e| panic!("{e}"));
        let run = check(&root);
        assert_eq!(run.code, Some(2), "{toml}: {:#?}", run.findings);
        for want in says {
            assert!(
                run.stderr.contains(want),
                "{toml}: {want:?} not in:\n{}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_seed_script_that_does_not_parse() {
    spoiled("seed-prod.sh", "if then fi (\n", Some(1), "");
    // Nesting deep enough to overflow the shell parser's stack, with a
    // suppression so that its statements are read for it too.
    let deep = format!(
        "#!/bin/sh\n# isolint: ignore[SEC001] reason\necho {}{}\n",
        "$(".repeat(100_000),
        ")".repeat(100_000)
    );
    spoiled(
        "seed-prod.sh",
        deep,
        None,
        "nests brackets more than 200 deep",
    );
}
