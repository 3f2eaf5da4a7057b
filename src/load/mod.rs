//! Syntax trees → typed facts: Caddy sites and upstreams (compose, Ory
//! and seed loaders join them as the platform grows).

pub mod caddy;
pub mod compose;
pub mod dotenv;
pub mod dsn;
pub mod initsql;
pub mod kind;
pub mod ory;
pub mod seed;
