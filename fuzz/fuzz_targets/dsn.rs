//! Fuzzes compose interpolation templates and the DSN reader over them
//! (known, symbolic and mixed parts; MySQL's `tcp()`; redaction).
#![no_main]

use isolint::load::dsn::Dsn;
use isolint::model::value::{Origin, parse_template};
use isolint::syntax::source::{FileId, Span};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let origin = Origin {
        whole: Span::new(FileId(0), 0, text.len()),
        offset: Some(0),
    };
    let Ok(mut value) = parse_template(&text, origin) else {
        return;
    };
    let bound = parse_template("db:5432", origin).ok().map(Arc::new);
    value.bind(&|name| (name == "HOST").then(|| bound.clone()).flatten());
    let _ = value.text();
    let _ = value.template_text();
    let _ = value.failed_requirements();
    if let Some(dsn) = Dsn::parse(&value) {
        let _ = format!("{dsn:?}");
    }
});
