//! How the Action gets its isolint: it downloads the release binary for
//! the runner from a release (here one served on a loopback address,
//! holding this test's build), checks its SHA-256 and, where `gh` is
//! installed, its attestation, caches it, and builds from source only
//! when no binary fits. Bad inputs stop it before anything is fetched.

use crate::action::Runner;
use crate::release;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const HEALTHY: (&str, &str) = ("paths", "fixtures/olympus/platform/dev");

/// What a minimal container has besides a downloader.
const BASE: [&str; 8] = [
    "bash",
    "sed",
    "head",
    "cut",
    "mkdir",
    "rm",
    "env",
    "sha256sum",
];

/// Where the install step caches the release binary in `home`.
fn cached(home: &Path) -> PathBuf {
    home.join(format!(
        ".cache/isolint/isolint-{}-{}-release/isolint",
        env!("CARGO_PKG_VERSION"),
        release::target()
    ))
}

fn sarif_in(dir: &Path) -> String {
    dir.join("out.sarif").to_string_lossy().into_owned()
}

#[test]
fn the_action_downloads_verifies_and_caches_the_release_binary() {
    let server = release::Server::start(release::assets_of(
        Path::new(env!("CARGO_BIN_EXE_isolint")),
        false,
    ));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&server, home.path());
    let sarif = sarif_in(home.path());
    let given = [HEALTHY, ("sarif-file", &sarif)];

    let started = Instant::now();
    let first = runner.run(&given);
    let uncached = started.elapsed();
    assert_eq!(first.status, 0, "{}", first.stdout);
    let asset = format!("isolint-{}", release::target());
    let expected: Vec<String> = [format!("{asset}.sha256"), asset.clone()]
        .iter()
        .map(|name| format!("/releases/download/v0/{name}"))
        .collect();
    assert_eq!(server.requests(), expected);
    assert!(
        first
            .stdout
            .contains("SHA-256 verified (no GitHub CLI with attestations here"),
        "{}",
        first.stdout
    );
    let bin = cached(home.path());
    assert_eq!(
        first.installed.get("bin").map(PathBuf::from),
        Some(bin.clone())
    );
    assert_eq!(
        std::fs::read(&bin).ok(),
        std::fs::read(env!("CARGO_BIN_EXE_isolint")).ok(),
        "the binary served is the binary run"
    );
    assert_eq!(first.outputs.get("errors").map(String::as_str), Some("0"));

    // The cache (the runner's home, as actions/cache restores it) is used
    // without a request.
    let started = Instant::now();
    let second = runner.run(&given);
    let from_cache = started.elapsed();
    assert_eq!(second.status, 0, "{}", second.stdout);
    assert!(
        second.stdout.contains("from the cache"),
        "{}",
        second.stdout
    );
    assert_eq!(server.requests().len(), 2, "no second download");
    eprintln!(
        "the Action's steps on the bundled example's dev tree: {} ms downloading, {} ms from the cache",
        uncached.as_millis(),
        from_cache.as_millis()
    );
}

#[test]
fn a_corrupted_binary_is_refused_and_never_run() {
    let server = release::Server::start(release::assets(true));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sarif = sarif_in(home.path());
    let out = Runner::new(&server, home.path()).run(&[HEALTHY, ("sarif-file", &sarif)]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    let asset = format!("isolint-{}", release::target());
    let message = format!(
        "::error title=isolint::{asset} from {} does not match its published SHA-256 (expected ",
        server.url()
    );
    assert!(out.stdout.contains(&message), "{}", out.stdout);
    assert!(out.stdout.contains("): not running it"), "{}", out.stdout);
    // Nothing is left to run, and the check never ran.
    assert!(!cached(home.path()).exists());
    let leftovers = std::fs::read_dir(cached(home.path()).with_file_name(""))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "the corrupted download is removed");
    assert!(out.outputs.is_empty());
    assert!(!Path::new(&sarif).exists());
}

#[test]
fn inputs_are_checked_before_anything_is_downloaded() {
    let server = release::Server::start(release::assets(false));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&server, home.path());
    for (input, value, message) in [
        (
            "fail-on",
            "sometimes",
            "fail-on must be error, warning or never, not 'sometimes'",
        ),
        (
            "job-summary",
            "yes",
            "job-summary must be true or false, not 'yes'",
        ),
        (
            "build-from-source",
            "1",
            "build-from-source must be true or false, not '1'",
        ),
        (
            "release-url",
            "http://mirror.example.com/isolint",
            "release-url must be https (or http on a loopback address), not 'http://mirror.example.com/isolint'",
        ),
        // A user part would send the request elsewhere.
        (
            "release-url",
            "http://localhost:@mirror.example.com/isolint",
            "release-url must be https (or http on a loopback address), not 'http://localhost:@mirror.example.com/isolint'",
        ),
        (
            "paths",
            "fixtures/olympus fixtures/no-such-tree",
            "paths: 'fixtures/no-such-tree' does not exist",
        ),
        (
            "env-files",
            "deploy.env",
            "'deploy.env' (env-files, config or baseline) is not a file",
        ),
        (
            "config",
            "fixtures/olympus",
            "'fixtures/olympus' (env-files, config or baseline) is not a file",
        ),
        (
            "baseline",
            "known.json",
            "'known.json' (env-files, config or baseline) is not a file",
        ),
        ("sarif-file", "", "sarif-file must name a file"),
    ] {
        let out = runner.run(&[HEALTHY, (input, value)]);
        assert_eq!(out.status, 2, "{input}: {}", out.stdout);
        assert!(
            out.stdout
                .contains(&format!("::error title=isolint::{message}")),
            "{input}: {}",
            out.stdout
        );
    }
    assert_eq!(server.requests(), Vec::<String>::new());
}

/// A stand-in for the GitHub CLI (one with `attestation verify`) that
/// records its arguments and exits with `status`.
fn fake_gh(dir: &Path, status: i32) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    let script = bin.join("gh");
    let log = dir.join("gh.args");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$*\" in *--help*) exit 0 ;; esac\nprintf '%s\\n' \"$*\" >> '{}'\nexit {status}\n",
            log.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let made = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made);
    bin
}

#[test]
fn the_attestation_is_checked_where_gh_is_installed() {
    let server = release::Server::start(release::assets(false));
    for (status, expected) in [
        (0, "SHA-256 and build provenance verified"),
        (
            1,
            "has no valid build-provenance attestation from isolint/isolint's release workflow for v0.1.0: not running it",
        ),
    ] {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut runner = Runner::new(&server, home.path());
        runner.path.push(fake_gh(home.path(), status));
        let out = runner.run(&[HEALTHY, ("sarif-file", &sarif_in(home.path()))]);
        assert_eq!(out.status, status, "{}", out.stdout);
        assert!(out.stdout.contains(expected), "{}", out.stdout);
        let args = std::fs::read_to_string(home.path().join("gh.args")).unwrap_or_default();
        let part =
            cached(home.path()).with_file_name(format!("isolint-{}.part", release::target()));
        assert_eq!(
            args,
            format!(
                "attestation verify {} --repo isolint/isolint --signer-workflow isolint/isolint/.github/workflows/release.yml --source-ref refs/tags/v{}\n",
                part.display(),
                env!("CARGO_PKG_VERSION")
            )
        );
        assert_eq!(cached(home.path()).exists(), status == 0);
        let files = std::fs::read_dir(cached(home.path()).with_file_name(""))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(files, usize::from(status == 0), "nothing else is left");
    }
}

/// A container with wget and none of curl or python3: a release without
/// the runner's binary still leads to a source build.
#[test]
fn with_only_wget_a_missing_binary_is_told_from_a_failed_download() {
    let server = release::Server::start(Default::default());
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut runner = Runner::new(&server, home.path());
    let with_wget: Vec<&str> = BASE.iter().copied().chain(["wget"]).collect();
    runner.only = Some(&with_wget);
    let out = runner.run(&[HEALTHY]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("has no isolint-")
            && out.stdout.contains("building isolint from source"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("no cargo to build one"),
        "{}",
        out.stdout
    );
    // With no downloader at all, it says what to add.
    runner.only = Some(&BASE);
    let out = runner.run(&[HEALTHY]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("downloading isolint needs curl, python3 or wget"),
        "{}",
        out.stdout
    );
}

/// A container with only wget, or only python3, downloads, verifies and
/// installs the release binary as curl does; a server error is told from
/// a missing binary.
#[test]
fn each_downloader_installs_the_release_binary() {
    let server = release::Server::start(release::assets(false));
    // python3 itself (not a version manager's shim), on the runner's PATH.
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|e| panic!("python3: {e}"));
    let tools = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&python, tools.path().join("python3"))
        .unwrap_or_else(|e| panic!("{e}"));
    for fetcher in ["wget", "python3"] {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut runner = Runner::new(&server, home.path());
        let mut only: Vec<&str> = BASE
            .iter()
            .copied()
            .chain(["rmdir", "chmod", "mv", "grep"])
            .collect();
        if fetcher == "wget" {
            only.push("wget");
        } else {
            runner.path = vec![tools.path().to_path_buf()];
        }
        runner.only = Some(&only);
        let sarif = sarif_in(home.path());
        let given = [HEALTHY, ("sarif-file", &*sarif), ("job-summary", "false")];
        let out = runner.run(&given);
        assert_eq!(out.status, 0, "{fetcher}: {}", out.stdout);
        assert!(cached(home.path()).exists(), "{fetcher}: {}", out.stdout);
        assert!(out.stdout.contains("SHA-256 verified"), "{}", out.stdout);
    }
    // A server that fails is not a release without the binary.
    let failing = crate::stand_in::Server::start(|_| crate::stand_in::Response::new(500, "oops"));
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new(&server, home.path());
    let url = format!("http://{}/releases", failing.address());
    let out = runner.run(&[HEALTHY, ("release-url", &url)]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(out.stdout.contains("(HTTP 500)"), "{}", out.stdout);
    assert!(!out.stdout.contains("building isolint from source"));
}

#[test]
fn with_no_binary_for_the_runner_it_builds_and_says_what_is_missing() {
    // A release without this runner's binary, and a runner without cargo.
    let server = release::Server::start(Default::default());
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut runner = Runner::new(&server, home.path());
    runner.without = &["cargo"];
    let out = runner.run(&[HEALTHY]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(out.outputs.is_empty(), "the check never ran");
    assert!(
        out.stdout.contains(&format!(
            "::notice title=isolint::the release {} has no isolint-{}; building isolint from source",
            server.url(),
            release::target()
        )),
        "{}",
        out.stdout
    );
    let missing = "the release {} has no isolint-{} and there is no cargo to build one: add a Rust toolchain step before this action";
    let missing = missing
        .replacen("{}", &server.url(), 1)
        .replacen("{}", release::target(), 1);
    assert!(out.stdout.contains(&missing), "{}", out.stdout);
    // Nothing is left to be cached under the release's key.
    assert!(!cached(home.path()).with_file_name("").exists());
    // Asked to build from source, or on a runner no release is built
    // for, it fetches nothing and says why it builds.
    let server = release::Server::start(release::assets(false));
    runner.release = &server;
    for (arch, from_source, why) in [
        (
            crate::action::runner_arch(),
            "true",
            "build-from-source is true",
        ),
        ("ARM", "false", "no isolint release binary for Linux/ARM"),
    ] {
        runner.arch = arch;
        let out = runner.run(&[HEALTHY, ("build-from-source", from_source)]);
        assert_eq!(out.status, 1, "{}", out.stdout);
        let told = format!("{why} and there is no cargo to build one");
        assert!(out.stdout.contains(&told), "{}", out.stdout);
        assert_eq!(server.requests(), Vec::<String>::new());
    }
}
