//! Fuzzes the Caddyfile front end end to end: lexer, parser, import
//! expansion (with real files to import, one of them cyclic) and the
//! site/upstream extraction.
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::caddyfile(data));
