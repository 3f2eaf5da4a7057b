//! Baselines: `check --write-baseline` records today's findings, and a
//! run with the baseline reports them as known (not failing), keeps an
//! entry whose line moved, and lists the entries a changed value no longer
//! matches; `baseline = ...` in `isolint.toml` names one; `--no-suppressions`
//! turns baselines and inline suppressions off. Each case's output is a
//! snapshot; the runs happen in the tree's folder, so paths are short.

use crate::common;
use assert_cmd::Command;
use std::path::Path;

/// `isolint ARGS` run in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("isolint")
        .unwrap_or_else(|e| panic!("binary: {e}"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of one rule case as `tree/` in a fresh folder.
fn case(code: &str, name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    common::copy_tree(
        &Path::new("tests/rules").join(code).join(name),
        &dir.path().join("tree"),
    );
    dir
}

fn edit(path: &Path, f: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, f(&text)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn known_findings_do_not_fail_and_a_moved_line_keeps_its_entry() {
    let dir = case("ISO003", "literal");
    let d = dir.path();
    let (code, out, err) = run_in(d, &["check", "tree", "--write-baseline", "baseline.json"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert_eq!(err, "isolint: 3 finding(s) recorded in baseline.json\n");
    let written = std::fs::read_to_string(d.join("baseline.json")).unwrap_or_default();
    assert!(
        written.contains("\"file\": \"tree/platform/prod/Caddyfile\""),
        "{written}"
    );
    let (code, out, _) = run_in(d, &["check", "tree", "--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("baseline_all_known", out);
    // The findings' lines move down; their entries still hold them.
    edit(&d.join("tree/platform/prod/Caddyfile"), |t| {
        format!("# moved down\n\n{t}")
    });
    let (code, moved, _) = run_in(d, &["check", "tree", "--baseline", "baseline.json"]);
    assert_eq!((code, moved), (0, out));
    // Without the baseline the findings are back.
    assert_eq!(run_in(d, &["check", "tree"]).0, 1);
}

#[test]
fn a_changed_value_is_a_new_finding_and_its_entry_is_stale() {
    let dir = case("ISO003", "literal");
    let d = dir.path();
    run_in(d, &["check", "tree", "--write-baseline", "baseline.json"]);
    edit(&d.join("tree/platform/prod/Caddyfile"), |t| {
        t.replace("iam-athena:4001", "iam-hera:4000")
    });
    let (code, out, _) = run_in(d, &["check", "tree", "--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("baseline_changed_value", out);
    // Tools read the other formats: the account goes to standard error.
    let (code, out, err) = run_in(
        d,
        &[
            "check",
            "tree",
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    insta::assert_snapshot!("baseline_changed_value_stderr", err);
}

/// The text a finding points at is part of its fingerprint, not only its
/// message: a changed option in the DSN, which the message does not
/// quote, is a new finding; white space in it is not.
#[test]
fn the_text_a_finding_points_at_counts_and_white_space_does_not() {
    let dir = case("ISO001", "dotenv");
    let d = dir.path();
    let compose = d.join("tree/platform/prod/compose.yml");
    run_in(d, &["check", "tree", "--write-baseline", "baseline.json"]);
    let known = |d: &Path| run_in(d, &["check", "tree", "--baseline", "baseline.json"]);
    assert_eq!(known(d).0, 0);
    edit(&compose, |t| {
        t.replace(
            "      - DSN=postgres://iam_kratos",
            "      -   DSN=postgres://iam_kratos",
        )
    });
    assert_eq!(known(d).0, 0, "{}", known(d).1);
    edit(&compose, |t| {
        t.replace(
            "@postgres/iam_kratos?sslmode=verify-full",
            "@postgres/iam_kratos?sslmode=require",
        )
    });
    let (code, out, _) = known(d);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 baseline entry no longer matches"), "{out}");
}

/// An entry is stale only where this run looked for it: its file was read
/// and its rule ran.
#[test]
fn entries_out_of_the_runs_reach_are_not_stale() {
    let dir = case("ISO003", "literal");
    let d = dir.path();
    run_in(d, &["check", "tree", "--write-baseline", "baseline.json"]);
    common::copy_tree(Path::new("tests/rules/ISO001/dotenv"), &d.join("other"));
    for args in [
        &[
            "check",
            "tree",
            "--baseline",
            "baseline.json",
            "--select",
            "ISO001",
        ][..],
        &[
            "check",
            "tree",
            "--baseline",
            "baseline.json",
            "--ignore",
            "ISO003",
        ],
        &["check", "other", "--baseline", "baseline.json"],
    ] {
        let (_, out, _) = run_in(d, args);
        assert!(!out.contains("no longer matches"), "{args:?}: {out}");
    }
    // Where it did look, a fixed finding's entry is listed.
    edit(&d.join("tree/platform/prod/Caddyfile"), |t| {
        t.replace("iam-athena:4001", "ciam-athena:4001")
    });
    let (_, out, _) = run_in(d, &["check", "tree", "--baseline", "baseline.json"]);
    assert!(
        out.contains("  ISO003 tree/platform/prod/Caddyfile: the CIAM site"),
        "{out}"
    );
}

#[test]
fn the_configuration_names_the_baseline_and_no_suppressions_turns_it_off() {
    let dir = case("CFG003", "suppressions");
    let d = dir.path();
    run_in(d, &["check", "tree", "--write-baseline", "tree/known.json"]);
    std::fs::write(d.join("tree/isolint.toml"), "baseline = \"known.json\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, _) = run_in(d, &["check", "tree"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("0 finding(s)") && out.contains("3 known (baseline)"),
        "{out}"
    );
    // Centrally governed: neither the baseline nor the inline
    // suppressions apply, so the suppressed findings are reported.
    let (code, out, _) = run_in(
        d,
        &["check", "tree", "--no-suppressions", "--format", "concise"],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("baseline_no_suppressions", out);
    // A baseline and --no-suppressions contradict each other.
    let (code, _, err) = run_in(
        d,
        &[
            "check",
            "tree",
            "--baseline",
            "tree/known.json",
            "--no-suppressions",
        ],
    );
    assert_eq!(code, 2, "{err}");
    // A second tree whose configuration names another baseline: one run
    // cannot apply both.
    common::copy_tree(&d.join("tree"), &d.join("other"));
    std::fs::write(d.join("other/isolint.toml"), "baseline = \"other.json\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = run_in(d, &["check", "tree", "other"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name different baselines"), "{err}");
    let (code, out, _) = run_in(d, &["check", "tree", "tree"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_baseline_never_holds_a_secret() {
    let (dir, secrets) = common::planted_secrets_tree();
    let file = dir.path().join("baseline.json");
    let (code, _, err) = run_in(
        dir.path(),
        &["check", ".", "--write-baseline", &file.to_string_lossy()],
    );
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(written.contains("\"fingerprint\""), "{written}");
    for secret in secrets {
        assert!(!written.contains(secret), "{secret} in the baseline");
    }
}

#[test]
fn an_unreadable_baseline_is_a_usage_error() {
    let dir = case("ISO003", "literal");
    let (code, _, err) = run_in(dir.path(), &["check", "tree", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("baseline missing.json"), "{err}");
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"version\": 9, \"findings\": []}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = run_in(dir.path(), &["check", "tree", "--baseline", "bad.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("version 9"), "{err}");
}
