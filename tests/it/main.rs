//! The integration tests, one crate so the suite links once: each module
//! is one area (the CLI, outputs, the language server, fixtures, the
//! corpus checks); `common` holds the helpers they share.

// Outside the library: a failure here is a panic, as in any test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
// The fuzz harness (`fuzz_regressions`) brings its own copy, as the
// fuzz workspace needs it.
#[allow(clippy::duplicate_mod)]
#[path = "../../benches/synth/mod.rs"]
mod synth;

mod action;
mod action_install;
mod audit;
mod audit_http;
mod bad_inputs;
mod baseline;
mod caddy_conformance;
mod caddy_differential;
mod caddy_imports;
mod caddy_props;
mod cli;
mod compose;
mod compose_sets;
mod containment;
mod determinism;
mod fixtures;
mod fuzz_regressions;
mod graph;
mod layering;
mod loader_props;
mod lsp;
mod mutations;
mod ory;
mod ory_formats;
mod outputs;
mod precommit;
mod realworld;
mod release;
mod rule_docs;
mod rules;
mod seed_scripts;
mod stand_in;
mod synth_trees;
mod wheel;
