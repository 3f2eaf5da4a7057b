//! Fuzzes compose interpolation templates and the DSN reader over them
//! (known, symbolic and mixed parts; MySQL's `tcp()`; redaction).
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::dsn(data));
