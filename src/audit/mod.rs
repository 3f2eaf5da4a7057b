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
mod web;

pub use plan::{plan, predict};

use crate::syntax::source::Span;

/// Where the probes run from (`--runner`, and the plan's `runner`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema, clap::ValueEnum,
)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
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
    /// The finding that would predict a breach here, when one can.
    pub prediction: Option<Prediction>,
    pub action: Action,
}

/// A finding that predicts a probe's breach: of rule `code`, its message
/// starting with `prefix` and naming every needle (as whole names:
/// `iam-kratos` is not found in `ciam-kratos`), and (with `at_source`)
/// pointing at one of the probe's lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prediction {
    pub code: &'static str,
    pub prefix: String,
    pub needles: Vec<String>,
    pub at_source: bool,
}

impl Prediction {
    /// Whether a finding of this message makes the prediction.
    pub fn matches(&self, code: &str, message: &str) -> bool {
        code == self.code
            && message.starts_with(&self.prefix)
            && self.needles.iter().all(|n| names(message, n))
    }
}

/// Whether `text` holds `name` with no name character on either side.
fn names(text: &str, name: &str) -> bool {
    let part =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    // Only an edge that is itself part of a name needs a boundary.
    let (open, close) = (part(name.chars().next()), part(name.chars().next_back()));
    text.match_indices(name).any(|(at, _)| {
        let before = open && part(text.get(..at).and_then(|t| t.chars().next_back()));
        let after = close && part(text.get(at + name.len()..).and_then(|t| t.chars().next()));
        !before && !after
    })
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
        /// The host and port of the server that holds `database`, when it
        /// is not the service's own (the other domain's DSN says it).
        server: Option<(String, String)>,
    },
    /// An HTTP request from `service`'s network namespace (or this host)
    /// to `url`: any answer reaches it; only a success or a redirect
    /// breaches a refusal.
    Http { service: String, url: String },
    /// A request to a site through the proxy (from its network namespace,
    /// the site's host resolved to the proxy), whose answer is compared
    /// with the direct answers of the site's own upstreams (`own`) and of
    /// the other domain's (`others`), all `host:port`.
    Proxy {
        proxy: String,
        url: String,
        host: String,
        port: String,
        path: String,
        own: Vec<String>,
        others: Vec<String>,
    },
    /// A Kratos login flow (`url`, from `service`'s network namespace):
    /// no cookie it sets has a `Domain` that covers one of `other_hosts`.
    Cookie {
        service: String,
        url: String,
        other_hosts: Vec<String>,
    },
    /// `GET /admin/clients/{id}` on a Hydra's admin API, from its own
    /// network namespace: reached means found (200), refused not found
    /// (404).
    Client { hydra: String, url: String },
}

/// The probes of one environment.
#[derive(Debug, Clone)]
pub struct Plan {
    pub environment: String,
    pub runner: Runner,
    /// The image `psql` runs from (the environment's Postgres image).
    pub postgres_image: Option<String>,
    /// For the local runner: `ISOLINT_ADDR_*` values given when the plan
    /// was made (`--var`, `--env-file`), defaults the script's own
    /// environment overrides.
    pub addresses: Vec<(String, String)>,
    pub probes: Vec<Probe>,
}
