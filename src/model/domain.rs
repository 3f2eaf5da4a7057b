//! Identity domains (by default `ciam` and `iam`) and how names, hosts and
//! ports are attributed to them.
//!
//! A name belongs to a domain when one of its *whole segments* (split at
//! `-`, `_`, `.`, `/`, `:`) is one of the domain's names: `ciam-hera` and
//! `CIAM_HERA_PUBLIC_URL` are CIAM, `iam_kratos` is IAM, and `ciam-hera`
//! is never IAM although it ends with `iam-hera`. A host port belongs to
//! the domain whose port range holds it (CIAM 3xxx, IAM 4xxx).

/// One identity domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub name: String,
    /// Name segments that mark it (lower case).
    pub names: Vec<String>,
    /// Host names (or `*.suffix` patterns) that belong to it.
    pub hosts: Vec<String>,
    /// Host port ranges of its services, inclusive.
    pub ports: Vec<(u16, u16)>,
}

/// Whether a host pattern (`login.example.com`, `*.example.com`, as a
/// configured host, a site address or a host matcher writes it) matches
/// a host; without regard to case or a trailing dot.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => !pattern.is_empty() && host == pattern,
    }
}

/// The domains of a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domains {
    pub list: Vec<Domain>,
}

impl Default for Domains {
    /// CIAM (customers, ports 3000–3999) and IAM (employees, 4000–4999),
    /// as design.md's port plan lays them out.
    fn default() -> Domains {
        let domain = |name: &str, ports: (u16, u16)| Domain {
            name: name.to_string(),
            names: vec![name.to_string()],
            hosts: Vec::new(),
            ports: vec![ports],
        };
        Domains {
            list: vec![domain("ciam", (3000, 3999)), domain("iam", (4000, 4999))],
        }
    }
}

fn segments(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['-', '_', '.', '/', ':', ' '])
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
}

impl Domains {
    /// The domain a name (service, folder, variable, database) belongs to:
    /// the first whole segment that names a domain decides.
    pub fn of_name(&self, name: &str) -> Option<&str> {
        for seg in segments(name) {
            if let Some(d) = self.list.iter().find(|d| d.names.contains(&seg)) {
                return Some(&d.name);
            }
        }
        None
    }

    /// The domain a host belongs to: a declared host or `*.suffix`
    /// pattern, else a label that names a domain (`ciam.example.com`).
    pub fn of_host(&self, host: &str) -> Option<&str> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        for d in &self.list {
            if d.hosts.iter().any(|p| host_matches(p, &host)) {
                return Some(&d.name);
            }
        }
        host.split('.')
            .find_map(|label| {
                self.list
                    .iter()
                    .find(|d| d.names.iter().any(|n| n == label))
            })
            .map(|d| d.name.as_str())
    }

    /// The domain whose port range holds a host port.
    pub fn of_port(&self, port: u16) -> Option<&str> {
        self.list
            .iter()
            .find(|d| d.ports.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port)))
            .map(|d| d.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_segments_never_substrings() {
        let d = Domains::default();
        assert_eq!(d.of_name("ciam-hera"), Some("ciam"));
        assert_eq!(d.of_name("iam-hera"), Some("iam"));
        assert_eq!(d.of_name("CIAM_HYDRA_ADMIN_URL"), Some("ciam"));
        assert_eq!(d.of_name("NEXT_PUBLIC_IAM_HYDRA_PUBLIC_URL"), Some("iam"));
        assert_eq!(d.of_name("ciam_kratos"), Some("ciam"));
        assert_eq!(d.of_name("social-hera"), None);
        assert_eq!(d.of_name("brochure"), None);
        assert_eq!(d.of_name("diamond"), None);
    }

    #[test]
    fn hosts_and_ports() {
        let mut d = Domains::default();
        assert_eq!(d.of_host("ciam.example.com."), Some("ciam"));
        assert_eq!(d.of_host("login.example.com"), None);
        d.list[0].hosts.push("*.shop.example.com".into());
        assert_eq!(d.of_host("Login.Shop.Example.com"), Some("ciam"));
        assert_eq!(d.of_port(3101), Some("ciam"));
        assert_eq!(d.of_port(4103), Some("iam"));
        assert_eq!(d.of_port(8080), None);
    }
}
