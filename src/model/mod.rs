//! The platform model: environments and the facts the rules compare.
//!
//! For now an environment holds the sites of its Caddyfile; services,
//! databases and OAuth2 clients join it with the loaders for compose, Ory
//! and seed scripts.

pub mod value;

use crate::load::caddy::sites::Site;

/// `prod`-like or `dev`-like, from the environment's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Prod,
    Dev,
}

impl Profile {
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

/// One environment of the platform.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `None` when a single file was given.
    pub name: Option<String>,
    pub profile: Option<Profile>,
    pub sites: Vec<Site>,
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
