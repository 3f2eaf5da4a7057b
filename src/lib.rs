//! isolint: proves the isolation of a dual-domain identity platform from
//! its deployment configs.
//!
//! The pipeline reads in the order data flows (see ARCHITECTURE.md):
//! [`discover`] → [`syntax`] → [`load`] → [`model`] → [`rules`] →
//! [`report`]; [`cli`] wires it to the command line.

pub mod cli;
pub mod diag;
pub mod discover;
pub mod load;
pub mod model;
pub mod report;
pub mod rules;
pub mod syntax;
