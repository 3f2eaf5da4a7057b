//! Fuzzes the whole pipeline on a generated tree: one synthetic
//! environment with the input as one of its files (the first byte picks
//! which): compose (interpolation, mounts), the Ory YAML overlaid by the
//! environment, `.env`, the Caddyfile, the seed script or the init SQL —
//! then the rules, suppressions, the JSON and SARIF reports and the graphs.
#![no_main]

#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pipeline(data));
