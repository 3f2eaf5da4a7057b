//! `isolint audit`: the runtime regression suite of the boundary. From one
//! resolved environment it plans a probe for each claim the static model
//! makes — a service's credentials do not open the other domain's
//! databases (and do open its own, the control that gives a refusal its
//! meaning), the other domain's admin APIs are out of reach, the login
//! exception's URLs are reachable — each with the relation and the lines
//! it comes from, and with the finding that already predicts a breach.
//! [`sh`] writes the plan as a POSIX script that prints TAP; [`json`] as
//! the plan itself.

pub mod json;
mod plan;
pub mod sh;

pub use plan::{plan, predict};

use crate::syntax::source::Span;

/// Where the probes run from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// Inside each service's network namespace, with `podman`.
    Podman,
    /// The same with `docker`.
    Docker,
    /// From this host, to addresses given at run time
    /// (`ISOLINT_ADDR_<HOST>=ip:port`), credentials from the script's own
    /// environment.
    Local,
}

impl Runner {
    pub fn as_str(self) -> &'static str {
        match self {
            Runner::Podman => "podman",
            Runner::Docker => "docker",
            Runner::Local => "local",
        }
    }
}

/// What a probe expects to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The connection succeeds: a control, or an exception the policy
    /// allows.
    Reached,
    /// The connection is refused, fails to authenticate or finds nothing.
    Refused,
}

/// One check of the boundary at run time.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The TAP line's description.
    pub name: String,
    pub expect: Expect,
    /// The static relation it checks, in words.
    pub relation: String,
    /// The lines that relation is read from.
    pub sources: Vec<Span>,
    /// A finding that already predicts a breach here (`ISO010 ...`).
    pub predicted_by: Option<String>,
    /// For an admin API probe, the service whose API it is.
    pub admin_of: Option<String>,
    pub action: Action,
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Connect to `database` with the credentials of `service`'s DSN,
    /// read at run time from its environment variable `key` (in its
    /// container), or, for the local runner, from `template` (the DSN as
    /// written, its variables read from the script's environment).
    Database {
        service: String,
        key: String,
        template: Option<String>,
        database: String,
    },
    /// An HTTP request from `service`'s network namespace (or this host)
    /// to `url`.
    Http { service: String, url: String },
}

/// The probes of one environment.
#[derive(Debug, Clone)]
pub struct Plan {
    pub environment: String,
    pub runner: Runner,
    /// The image `psql` runs from (the environment's Postgres image).
    pub postgres_image: Option<String>,
    /// An image with BusyBox `wget` the HTTP probes run from (the
    /// environment's proxy image).
    pub probe_image: Option<String>,
    pub probes: Vec<Probe>,
}
