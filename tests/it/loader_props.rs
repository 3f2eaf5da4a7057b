//! Property test: no loader panics or hangs on arbitrary or shaped input,
//! and every span a diagnostic reports lies inside its text.

use isolint::diag::Diagnostic;
use isolint::load::compose::Vars;
use isolint::load::{dotenv, dsn, initsql, seed};
use isolint::syntax::source::{FileId, Span};
use isolint::syntax::value::{Origin, parse_template};
use isolint::syntax::yaml;
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "\n",
    "\n",
    " ",
    "  ",
    "\t",
    ":",
    "- ",
    "-",
    "&a ",
    "*a",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "\\",
    "#",
    "$",
    "${",
    "${A",
    ":-",
    "}",
    "$$",
    "=",
    "export ",
    "key",
    "DSN",
    "x",
    "é",
    "curl ",
    "-d ",
    "/admin/clients",
    "'{\"client_id\":\"c\"}'",
    "f() { ",
    "; }",
    "$1",
    "if ",
    "then ",
    "fi",
    "CREATE DATABASE ",
    "GRANT ALL ON DATABASE d TO r",
    ";",
    "\\c db\n",
    "$$ x $$",
    "--",
    "postgres://u:p@h:1/d?sslmode=",
    "!reset ",
    "---\n",
];

fn shaped() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => "[ -~]{0,5}",
        ],
        0..60,
    )
    .prop_map(|p| p.concat())
}

fn inside(d: &Diagnostic, text: &str) -> bool {
    let ok = |s: Span| s.start <= s.end && s.end as usize <= text.len();
    ok(d.primary.span) && d.related.iter().all(|r| ok(r.span))
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let file = FileId(0);
    if let Err(d) = yaml::parse(file, text) {
        prop_assert!(inside(&d, text), "yaml {d:?}");
    }
    let none = |_: &str| None;
    if let Err(d) = dotenv::parse(file, text, &none) {
        prop_assert!(inside(&d, text), "dotenv {d:?}");
    }
    let origin = Origin {
        whole: Span::new(file, 0, text.len()),
        offset: Some(0),
    };
    if let Ok(v) = parse_template(text, origin) {
        let _ = dsn::Dsn::parse(&v);
        let _ = v.text();
    }
    if let Err(d) = seed::registrations(file, text, &seed::Context::with_vars(&Vars::new())) {
        prop_assert!(inside(&d, text), "seed {d:?}");
    }
    let (_, diags) = initsql::parse(file, text);
    for d in diags {
        prop_assert!(inside(&d, text), "sql {d:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn shaped_input_never_panics(text in shaped()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_input_never_panics(text in "\\PC{0,160}") {
        check(&text)?;
    }
}
