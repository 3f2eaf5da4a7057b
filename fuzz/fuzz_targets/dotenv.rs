//! Fuzzes the `.env` reader (compose's rules: quotes, escapes, `export`,
//! interpolation of earlier keys and of the outer environment).
#![no_main]

use isolint::load::dotenv::parse;
use isolint::model::value::{Origin, Value, parse_template};
use isolint::syntax::source::{FileId, Span};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let outer = |name: &str| -> Option<Arc<Value>> {
        if name != "OUTER" {
            return None;
        }
        let origin = Origin {
            whole: Span::new(FileId(1), 0, 0),
            offset: None,
        };
        parse_template("o${X:-1}", origin).ok().map(Arc::new)
    };
    if let Ok(env) = parse(FileId(0), &text, &outer) {
        let _ = env.get("A").map(|v| v.text());
    }
});
