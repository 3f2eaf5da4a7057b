//! isolint: proves the isolation of a dual-domain identity platform from
//! its deployment configs.
//!
//! The pipeline reads in the order data flows (see ARCHITECTURE.md):
//! [`discover`] → [`syntax`] → [`load`] → [`model`] → [`rules`] →
//! [`report`]; [`cli`] wires it to the command line.

// The pest parser is built without `std` (see Cargo.toml); its generated
// code names `alloc` directly.
extern crate alloc;

pub mod audit;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod discover;
pub mod load;
pub mod lsp;
pub mod model;
pub mod report;
pub mod rules;
pub mod syntax;
