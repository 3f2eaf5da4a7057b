//! Fuzzes the spanned YAML reader (anchors, aliases, merge keys, tags,
//! duplicate keys, the alias budget and the depth limit) and its path API.
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::yaml(data));
