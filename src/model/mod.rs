//! The platform model: environments and the facts the rules compare.
//!
//! For now an environment holds the sites of its Caddyfile; services,
//! databases and OAuth2 clients join it with the loaders for compose, Ory
//! and seed scripts.

pub mod attribute;
pub mod build;
pub mod domain;
pub mod policy;
pub mod redact;
pub mod resolve;
pub mod value;

use crate::load::caddy::sites::Site;
use crate::load::compose::Service;
use crate::load::ory::OryConfig;

/// `prod`-like or `dev`-like, from the environment's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Prod,
    Dev,
}

impl Profile {
    /// `prod` or `dev`, as configuration and rule files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Prod => "prod",
            Profile::Dev => "dev",
        }
    }

    /// `prod`, `production`, `staging` → Prod; `dev`, `local`,
    /// `development` → Dev.
    pub fn from_name(name: &str) -> Option<Profile> {
        match name.to_ascii_lowercase().as_str() {
            "prod" | "production" | "staging" => Some(Profile::Prod),
            "dev" | "local" | "development" => Some(Profile::Dev),
            _ => None,
        }
    }
}

pub use crate::load::kind::ServiceKind;

/// A compose service with what isolint knows about it.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub service: Service,
    pub kind: ServiceKind,
    /// The signal that decided the kind (`image oryd/kratos:v1.3`,
    /// `built from ../caddy`, `mounts ./Caddyfile at /etc/caddy/Caddyfile`).
    pub kind_reason: String,
    /// Effective configuration, for Kratos and Hydra.
    pub ory: Option<OryConfig>,
}

impl ServiceFacts {
    /// The DSN the service connects with: its effective Ory `dsn`, else
    /// `DSN` or `DATABASE_URL` in its environment.
    pub fn dsn(&self) -> Option<value::Value> {
        self.dsn_with_key().map(|(_, v)| v)
    }

    /// [`ServiceFacts::dsn`] with the key it came from (`dsn`, `DSN`,
    /// `DATABASE_URL`): services reach the shared settings database as
    /// `DATABASE_URL`.
    pub fn dsn_with_key(&self) -> Option<(&'static str, value::Value)> {
        if let Some(setting) = self.ory.as_ref().and_then(|o| o.get("dsn")) {
            return Some(("dsn", setting.value));
        }
        ["DSN", "DATABASE_URL"]
            .into_iter()
            .find_map(|k| Some((k, self.service.env(k)?.value.clone()?)))
    }
}

/// An OAuth2 client registered by a seed script.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub registration: crate::load::seed::Registration,
    /// The Hydra service the admin URL reaches, when it can be told.
    pub hydra: Option<String>,
}

/// One environment of the platform.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `None` when a single file was given.
    pub name: Option<String>,
    pub profile: Option<Profile>,
    pub sites: Vec<Site>,
    pub services: Vec<ServiceFacts>,
    pub oauth2_clients: Vec<OAuthClient>,
    /// What the Postgres init scripts set up.
    pub init_sql: Vec<crate::load::initsql::InitSql>,
    /// What every reference resolves to, computed once on first ask.
    pub resolved: std::sync::OnceLock<resolve::Resolution>,
}

impl Environment {
    /// The resolved model (domains with their evidence, references
    /// followed, the boundary), computed on the first call.
    pub fn resolved(&self, domains: &domain::Domains) -> &resolve::Resolution {
        self.resolved
            .get_or_init(|| resolve::resolve(self, domains))
    }

    /// The index of a service of this environment.
    pub fn index_of(&self, s: &ServiceFacts) -> Option<usize> {
        self.services
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .or_else(|| {
                self.services
                    .iter()
                    .position(|x| x.service.name == s.service.name)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn profiles_from_names() {
        assert_eq!(Profile::from_name("Production"), Some(Profile::Prod));
        assert_eq!(Profile::from_name("local"), Some(Profile::Dev));
        assert_eq!(Profile::from_name("qa"), None);
    }
}
