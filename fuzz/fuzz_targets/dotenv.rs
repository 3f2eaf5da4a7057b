//! Fuzzes the `.env` reader (compose's rules: quotes, escapes, `export`,
//! interpolation of earlier keys and of the outer environment).
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::dotenv(data));
