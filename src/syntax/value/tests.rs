use super::*;
use crate::syntax::source::FileId;

fn origin(len: usize) -> Origin {
    Origin {
        whole: Span::new(FileId(0), 0, len),
        offset: Some(0),
    }
}

fn parse(s: &str) -> Value {
    testing::template(s)
}

use testing::bind;

#[test]
fn every_form_parses_and_resolves() {
    let mut v = parse("postgres://u:${PW}@$HOST:5432/db?sslmode=${MODE:-disable}&x=$$y");
    assert_eq!(v.vars(), vec!["PW", "HOST", "MODE"]);
    assert_eq!(v.text(), None);
    bind(&mut v, &[("PW", "secret"), ("HOST", "pg")]);
    assert_eq!(
        v.text().as_deref(),
        Some("postgres://u:secret@pg:5432/db?sslmode=disable&x=$y")
    );
    assert_eq!(v.unbound(), vec!["MODE"]);
    bind(&mut v, &[("MODE", "verify-full")]);
    assert_eq!(
        v.text().as_deref(),
        Some("postgres://u:secret@pg:5432/db?sslmode=verify-full&x=$y")
    );
}

#[test]
fn operators_follow_compose() {
    let text = |tpl: &str, env: &[(&str, &str)]| {
        let mut v = parse(tpl);
        bind(&mut v, env);
        v.text()
    };
    assert_eq!(text("${A:-d}", &[("A", "")]).as_deref(), Some("d"));
    assert_eq!(text("${A-d}", &[("A", "")]).as_deref(), Some(""));
    assert_eq!(text("${A-d}", &[]).as_deref(), Some("d"));
    assert_eq!(text("${A:+x}", &[("A", "1")]).as_deref(), Some("x"));
    assert_eq!(text("${A:+x}", &[("A", "")]).as_deref(), Some(""));
    assert_eq!(text("${A:?need A}", &[("A", "v")]).as_deref(), Some("v"));
    assert_eq!(text("${A:?need A}", &[]), None);
    assert_eq!(text("${A:-${B:-z}}", &[]).as_deref(), Some("z"));
    assert_eq!(text("${A:-${B}}", &[("B", "b")]).as_deref(), Some("b"));
    assert_eq!(text("cost $5", &[]).as_deref(), Some("cost $5"));
}

#[test]
fn spans_point_at_each_reference_and_provenance_follows_bindings() {
    let src = "DSN=${PG_DSN}";
    let mut v = parse(src);
    let Some(Piece::Var(var)) = v.pieces.get(1) else {
        panic!("no var");
    };
    assert_eq!((var.span.start, var.span.end), (4, 13));
    bind(&mut v, &[("PG_DSN", "postgres://x")]);
    let files: Vec<u32> = v.provenance().iter().map(|s| s.file.0).collect();
    assert_eq!(files, vec![0, 0, 1]);
}

#[test]
fn doubling_chains_stay_cheap_and_deep_defaults_are_refused() {
    let mut prev = Arc::new(testing::template("x"));
    for _ in 0..40 {
        let mut v = testing::template("$P$P");
        let p = prev.clone();
        v.bind(&|_| Some(p.clone()));
        prev = Arc::new(v);
    }
    let _ = prev.text();
    let _ = prev.vars();
    let deep = "${A:-".repeat(1000) + &"}".repeat(1000);
    assert!(parse_template(&deep, origin(deep.len())).is_err());
}

#[test]
fn display_masks_pieces_from_secret_variables() {
    let mut v = parse("Bearer ${CLIENT_SECRET} for ${USER}");
    bind(&mut v, &[("CLIENT_SECRET", "s3cr3t"), ("USER", "ops")]);
    let shown = v.display_text(&|n| n.contains("SECRET"), "***");
    assert_eq!(shown.as_deref(), Some("Bearer *** for ops"));
}

#[test]
fn a_required_variable_set_empty_fails() {
    let failed = |template: &str, pairs: &[(&str, &str)]| {
        let mut v = parse(template);
        bind(&mut v, pairs);
        v.failed_requirements()
            .iter()
            .map(|(var, m)| format!("{}: {m}", var.name))
            .collect::<Vec<_>>()
    };
    assert_eq!(failed("x${A:?need A}", &[("A", "")]), ["A: need A"]);
    // A message never shows a secret.
    assert_eq!(
        failed(
            "${A:?not ${DB_PASSWORD}}",
            &[("A", ""), ("DB_PASSWORD", "pw123")]
        ),
        ["A: not ****"]
    );
    assert!(failed("${A:?need A}", &[("A", "v")]).is_empty());
    // Unknown: it may be set at deploy time; `?` allows empty.
    assert!(failed("${A:?need A}", &[]).is_empty());
    assert!(failed("${A?need A}", &[("A", "")]).is_empty());
}

#[test]
fn malformed_templates_are_errors() {
    for bad in ["${VAR", "${}", "${1X}", "${A:-b"] {
        assert!(parse_template(bad, origin(bad.len())).is_err(), "{bad}");
    }
}
