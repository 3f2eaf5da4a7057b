//! The platform model: environments and the facts the rules compare,
//! resolved (`resolve`): every service's and site's domain with its
//! evidence, every reference followed to what it reaches. The model reads
//! no file; `crate::load::environment` reads them.

pub mod build;
pub mod domain;
pub mod policy;
pub mod references;
pub mod resolve;

use crate::load::caddy::sites::Site;

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

pub use crate::load::environment::{OAuthClient, ServiceFacts};

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
    fn rule_headers_name_the_aliases_of_each_profile() {
        let meta = crate::diag::RuleMeta {
            profiles: &["prod", "dev"],
            ..crate::diag::PARSE_ERROR
        };
        let header = meta.header();
        for (names, profile) in [
            (["prod", "production", "staging"], Profile::Prod),
            (["dev", "local", "development"], Profile::Dev),
        ] {
            for name in names {
                assert!(header.contains(&format!("`{name}`")), "{header}");
                assert_eq!(Profile::from_name(name), Some(profile));
            }
        }
    }

    #[test]
    fn profiles_from_names() {
        assert_eq!(Profile::from_name("Production"), Some(Profile::Prod));
        assert_eq!(Profile::from_name("local"), Some(Profile::Dev));
        assert_eq!(Profile::from_name("qa"), None);
    }
}
