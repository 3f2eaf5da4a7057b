//! The resolved model: every service's and site's domain with the evidence
//! that decided it, every reference (a configured URL, a proxy upstream, a
//! client registration's admin URL) followed to what it reaches, hop by
//! hop, and whether the environment has a boundary at all.
//!
//! Computed once per environment (see [`super::Environment::resolved`]);
//! rules, `dump` and `graph` read it and never derive a domain again.
//!
//! - **Evidence, not guesses.** A service belongs to a domain by its name
//!   segments, its aliases, the folders it mounts, its `-c` config path,
//!   its database's name or the site that serves it. The port plan only
//!   confirms. The proxy, the database server and infrastructure (mail
//!   catchers, caches, tracing) are neutral.
//! - **URLs are followed.** `http://localhost:4000/login` reaches host
//!   port 4000, so the service publishing it; when that is the proxy, the
//!   Caddy site listening on the container port decides, and the URL
//!   belongs to the domain of that site's upstreams. A URL whose target
//!   cannot be decided stays unknown.
//! - **A boundary needs two stacks.** Only when two domains each have
//!   their own Kratos or Hydra is there anything to cross.

use crate::load::dsn::Dsn;
use crate::model::{Environment, ServiceFacts, ServiceKind};
use crate::syntax::source::Span;
use crate::syntax::value::Value;

mod evidence;
mod follow;
mod pass;
pub use evidence::database_domain;
use evidence::*;
use follow::*;
pub use pass::*;

/// One reason a domain was decided (or confirmed), and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub reason: String,
    pub span: Option<Span>,
}

impl Evidence {
    fn new(reason: impl Into<String>, span: Option<Span>) -> Evidence {
        Evidence {
            reason: reason.into(),
            span,
        }
    }
}

/// The domain of a service or a site, with what decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub domain: Option<String>,
    /// Shared by design (the proxy, the database server, infrastructure).
    pub neutral: bool,
    /// What decided, first; confirmations after.
    pub evidence: Vec<Evidence>,
}

impl Attribution {
    fn decided(domain: &str, evidence: Evidence) -> Attribution {
        Attribution {
            domain: Some(domain.to_string()),
            neutral: false,
            evidence: vec![evidence],
        }
    }

    fn neutral(evidence: Evidence) -> Attribution {
        Attribution {
            domain: None,
            neutral: true,
            evidence: vec![evidence],
        }
    }
}

/// One step of a reference: where it is written and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub span: Span,
    pub note: String,
}

/// What a reference reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// `None`: unknown, or neutral.
    pub domain: Option<String>,
    /// The services it reaches (indices into the environment's services):
    /// one, or those behind a site.
    pub services: Vec<usize>,
    /// The Caddy site it goes through.
    pub site: Option<usize>,
    /// The steps from the reference to its end, each with its span.
    pub hops: Vec<Hop>,
    /// Why the domain, in words (`served by the Caddy site :4000`).
    pub reason: Option<String>,
}

/// A URL a service is configured with, and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRelation {
    /// Index of the configured service.
    pub service: usize,
    /// The environment variable or Ory setting path.
    pub key: String,
    pub value: Value,
    pub key_span: Span,
    pub target: Target,
}

/// The database a service connects to: the key its DSN is read from
/// (`dsn`, `DSN`, `DATABASE_URL`), the value, and the DSN parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub key: &'static str,
    pub value: Value,
    /// `None` when the value is not a DSN that can be read (or is one
    /// variable: then only its name is known).
    pub dsn: Option<Dsn>,
}

/// Whether the environment has two stacks to keep apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boundary {
    /// The domains that each have identity services of their own.
    Present(Vec<String>),
    /// No boundary, and why.
    None(String),
}

impl Boundary {
    pub fn exists(&self) -> bool {
        matches!(self, Boundary::Present(_))
    }
}

/// Everything resolved about one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Parallel to the environment's services.
    pub services: Vec<Attribution>,
    /// Parallel to its sites.
    pub sites: Vec<Attribution>,
    /// Per site, per upstream (parallel to `Site::upstreams`).
    pub upstreams: Vec<Vec<Target>>,
    /// Every configured URL of every service.
    pub urls: Vec<UrlRelation>,
    /// Per OAuth2 client: what its admin URL reaches.
    pub clients: Vec<Target>,
    /// Parallel to the services: the database each connects to.
    pub databases: Vec<Option<Database>>,
    pub boundary: Boundary,
}

impl Default for Resolution {
    fn default() -> Resolution {
        Resolution {
            services: Vec::new(),
            sites: Vec::new(),
            upstreams: Vec::new(),
            urls: Vec::new(),
            clients: Vec::new(),
            databases: Vec::new(),
            boundary: Boundary::None("nothing was read".into()),
        }
    }
}

impl Resolution {
    /// The domain of the service at `i`.
    pub fn service_domain(&self, i: usize) -> Option<&str> {
        self.services.get(i)?.domain.as_deref()
    }

    /// The database the service at `i` connects to.
    pub fn database(&self, i: usize) -> Option<&Database> {
        self.databases.get(i)?.as_ref()
    }

    /// The domain of the site at `i`.
    pub fn site_domain(&self, i: usize) -> Option<&str> {
        self.sites.get(i)?.domain.as_deref()
    }

    /// What upstream `u` of site `site` reaches.
    pub fn upstream(&self, site: usize, u: usize) -> Option<&Target> {
        self.upstreams.get(site)?.get(u)
    }

    /// The Hydra service a client is registered in, when it can be told.
    pub fn client_hydra<'a>(&self, env: &'a Environment, i: usize) -> Option<&'a ServiceFacts> {
        let t = self.clients.get(i)?;
        t.services
            .iter()
            .filter_map(|&s| env.services.get(s))
            .find(|s| s.kind == ServiceKind::Hydra)
    }

    /// The domain of the Hydra a client is registered in.
    pub fn client_domain(&self, i: usize) -> Option<&str> {
        self.clients.get(i)?.domain.as_deref()
    }
}

/// Host names that reach the host's own ports.
pub fn is_local_host(host: &str) -> bool {
    crate::load::environment::is_loopback(host)
        || matches!(
            host.trim_matches(['[', ']']),
            "0.0.0.0" | "host.docker.internal" | "host.containers.internal"
        )
}

#[cfg(test)]
mod tests;
