//! Fuzzes the seed-script reader: brush-parser's shell AST and the data
//! flow that finds OAuth2 client registrations (curl, the hydra CLI,
//! wrapper functions, held payloads, defaults).
#![no_main]

use isolint::load::compose::Vars;
use isolint::load::seed::registrations;
use isolint::syntax::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = registrations(FileId(0), &text, &Vars::new());
});
