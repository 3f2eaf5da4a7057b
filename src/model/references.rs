//! What a service references: the URLs it is configured with (its
//! environment's `*_URL` variables and the Ory settings that hold URLs),
//! and the host part of a dial address. [`super::resolve`] follows them.

use super::ServiceFacts;
use crate::syntax::source::Span;
use crate::syntax::value::Value;

/// The host part of a dial address (`ciam-hera:3000` → `ciam-hera`).
pub fn dial_host(dial: &str) -> &str {
    if let Some(rest) = dial.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    dial.rsplit_once(':').map_or(dial, |(h, _)| h)
}

/// Ory keys that hold URLs of other services.
const ORY_URL_KEYS: &[&str] = &[
    "oauth2_provider.url",
    "urls.login",
    "urls.consent",
    "urls.logout",
    "urls.error",
    "urls.self.issuer",
    "urls.self.public",
    "serve.public.base_url",
    "selfservice.default_browser_return_url",
];

/// Whether an environment variable's name says it holds a URL.
fn is_url_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    ["_URL", "_URI", "_ISSUER", "_ENDPOINT", "_HOST"]
        .iter()
        .any(|s| k.ends_with(s))
}

/// A URL a service is configured with: the key (an environment variable
/// or an Ory setting's path), its value and where the key is written.
pub struct ConfiguredUrl {
    pub key: String,
    pub value: Value,
    pub key_span: Span,
}

/// Every URL a service is configured with: environment variables named
/// as URLs and the Ory settings that hold URLs of other services. For
/// Kratos and Hydra an environment variable that sets an Ory key is read
/// once, as that setting (`SELFSERVICE_DEFAULT_BROWSER_RETURN_URL` is
/// `selfservice.default_browser_return_url`).
pub fn configured_urls(s: &ServiceFacts) -> Vec<ConfiguredUrl> {
    let mut urls = Vec::new();
    let mut settings: Vec<crate::load::ory::Setting> = Vec::new();
    if let Some(ory) = &s.ory {
        settings.extend(ORY_URL_KEYS.iter().filter_map(|k| ory.get(k)));
        settings.extend(ory.list("selfservice.allowed_return_urls"));
        settings.extend(
            ory.leaves("selfservice.flows")
                .into_iter()
                .filter(|x| x.path.ends_with("_url")),
        );
    }
    let read_by_ory = |key: &str| {
        s.ory.is_some()
            && (crate::load::ory::is_ory_env(key)
                || settings.iter().any(|x| {
                    matches!(&x.source, crate::load::ory::Source::Env { var, .. } if var == key)
                }))
    };
    for e in &s.service.environment {
        if let (true, Some(v)) = (is_url_key(&e.key), &e.value)
            && !read_by_ory(&e.key)
        {
            urls.push(ConfiguredUrl {
                key: e.key.clone(),
                value: v.clone(),
                key_span: e.key_span,
            });
        }
    }
    for setting in settings {
        let key_span = setting.value.span().unwrap_or(s.service.name_span);
        urls.push(ConfiguredUrl {
            key: setting.path.clone(),
            value: setting.value,
            key_span,
        });
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_hosts() {
        assert_eq!(dial_host("ciam-hera:3000"), "ciam-hera");
        assert_eq!(dial_host("[::1]:80"), "::1");
        assert_eq!(dial_host("unix//run/x.sock"), "unix//run/x.sock");
    }
}
