//! Fuzzes the seed-script reader: brush-parser's shell AST and the data
//! flow that finds OAuth2 client registrations (curl, the hydra CLI,
//! wrapper functions, held payloads, defaults).
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::seed(data));
