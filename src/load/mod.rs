//! Syntax trees → typed facts: compose services and their kinds, Ory
//! effective configuration, DSNs, Caddy sites and upstreams, seed
//! registrations, init SQL; `environment` reads one environment folder.

pub mod caddy;
pub mod compose;
pub mod dockerfile;
pub mod dotenv;
pub mod dsn;
pub mod environment;
pub mod initsql;
pub mod kind;
pub mod ory;
pub mod project;
pub mod seed;
