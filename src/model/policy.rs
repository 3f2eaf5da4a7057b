//! What the boundary allows: the domains, the components both domains
//! share by design, and the documented exceptions — each stated narrowly,
//! with its reason. Built in as design.md describes the platform;
//! `isolint.toml` can replace any list.

use super::domain::Domains;

/// A component both domains may share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub name: String,
    pub reason: String,
}

/// An app of domain `from` whose name has the segment `role` may reach
/// the identity provider (Kratos, Hydra, its OAuth2 client) of domain `to`
/// through the keys listed (`IAM_` is a prefix; `OAUTH_CLIENT_ID` exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub from: String,
    pub role: String,
    pub keys: Vec<String>,
    pub to: String,
    pub reason: String,
}

impl Exception {
    /// Whether this exception covers `key` of service `service` (of
    /// domain `own`) reaching domain `to`.
    pub fn covers(&self, service: &str, own: &str, key: &str, to: &str) -> bool {
        own == self.from
            && to == self.to
            && self.is_role(service)
            && self.keys.iter().any(|k| {
                if k.ends_with('_') {
                    key.starts_with(k.as_str())
                } else {
                    key == k
                }
            })
    }
}

impl Exception {
    /// Whether a service name has the exception's role as a segment.
    pub fn is_role(&self, name: &str) -> bool {
        name.split(['-', '_'])
            .any(|seg| seg.eq_ignore_ascii_case(&self.role))
    }

    /// The return leg: the identity provider of domain `to` (its Kratos)
    /// sends the operator back to the app of the exception, so its return
    /// URLs (`selfservice.allowed_return_urls`, the default and per-flow
    /// `after` return URLs) may name that app, of domain `from`.
    pub fn returns_to(&self, own: &str, key: &str, target: &str, target_domain: &str) -> bool {
        own == self.to && target_domain == self.from && self.is_role(target) && is_return_key(key)
    }
}

/// Kratos settings that hold where a finished flow sends the browser.
pub fn is_return_key(key: &str) -> bool {
    key.starts_with("selfservice.allowed_return_urls")
        || (key.starts_with("selfservice.") && key.ends_with("default_browser_return_url"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub domains: Domains,
    pub shared_databases: Vec<Shared>,
    pub shared_secrets: Vec<Shared>,
    pub exceptions: Vec<Exception>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            domains: Domains::default(),
            shared_databases: vec![Shared {
                name: "olympus".into(),
                reason: "one settings database for both domains; rows are partitioned by a domain column".into(),
            }],
            shared_secrets: vec![Shared {
                name: "ENCRYPTION_KEY".into(),
                reason: "the settings database encrypts with one key; its rows carry their domain".into(),
            }],
            exceptions: vec![Exception {
                from: "ciam".into(),
                role: "athena".into(),
                keys: ["IAM_", "AUTH_", "NEXT_PUBLIC_IAM_", "NEXT_PUBLIC_AUTH_", "OAUTH_CLIENT_ID"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                to: "iam".into(),
                reason: "operators administer CIAM data by signing in through the IAM identity provider".into(),
            }],
        }
    }
}

impl Policy {
    pub fn is_shared_database(&self, name: &str) -> bool {
        self.shared_databases.iter().any(|s| s.name == name)
    }

    pub fn is_shared_secret(&self, key: &str) -> bool {
        self.shared_secrets.iter().any(|s| s.name == key)
    }

    pub fn excepted(&self, service: &str, own: &str, key: &str, to: &str) -> bool {
        self.exceptions
            .iter()
            .any(|e| e.covers(service, own, key, to))
    }

    /// Whether `service` (of domain `from`) is the app an exception lets
    /// into domain `to`'s network, for its sign-in.
    pub fn lets_in(&self, service: &str, from: &str, to: &str) -> bool {
        self.exceptions
            .iter()
            .any(|e| e.from == from && e.to == to && e.is_role(service))
    }

    /// The client leg: the exception's app of domain `own` configured
    /// with a client of domain `home` under the exception's client key
    /// (`OAUTH_CLIENT_ID`, or a prefixed copy of an OAuth client key); a
    /// prefix such as `IAM_` alone covers URLs only (`IAM_HERA_CLIENT_ID`
    /// is the IAM Hera's client, not the Athena's own).
    pub fn excepted_client(&self, service: &str, own: &str, key: &str, home: &str) -> bool {
        self.exceptions.iter().any(|e| {
            own == e.from
                && home == e.to
                && e.is_role(service)
                && e.keys.iter().any(|k| {
                    // The key itself, or a copy of it for the browser
                    // (`NEXT_PUBLIC_OAUTH_CLIENT_ID`); an `IAM_`-style
                    // prefix only for an OAuth client key
                    // (`IAM_OAUTH_CLIENT_ID`, `NEXT_PUBLIC_AUTH_CLIENT_ID`).
                    let oauth = key.ends_with("OAUTH_CLIENT_ID") || key.ends_with("AUTH_CLIENT_ID");
                    if k.ends_with('_') {
                        oauth && key.starts_with(k.as_str())
                    } else {
                        key == k || key.ends_with(&format!("_{k}"))
                    }
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_exception_is_narrow() {
        let p = Policy::default();
        assert!(p.excepted("ciam-athena", "ciam", "IAM_KRATOS_PUBLIC_URL", "iam"));
        assert!(p.excepted("ciam-athena", "ciam", "OAUTH_CLIENT_ID", "iam"));
        assert!(!p.excepted("ciam-athena", "ciam", "KRATOS_ADMIN_URL", "iam"));
        assert!(!p.excepted("ciam-hera", "ciam", "IAM_KRATOS_PUBLIC_URL", "iam"));
        assert!(!p.excepted("iam-athena", "iam", "AUTH_HYDRA_URL", "ciam"));
        assert!(!p.excepted("ciam-athena", "ciam", "OAUTH_CLIENT_ID_X", "iam"));
    }
}
