//! Redaction: secrets and passwords never reach any output.
//!
//! A value is secret when its name says so (`SECRETS_*`, `*_SECRET*`,
//! `*_PASSWORD*`, `*_KEY`, salts, Ory's `secrets.*`); a URL or DSN keeps
//! everything but its password.

/// Shown in place of a secret.
pub const MASK: &str = "***";

/// Whether an environment name or an Ory key path names a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('.', "_");
    upper.starts_with("SECRETS_")
        || upper == "SECRETS"
        || upper.contains("SECRET")
        || upper.contains("PASSWORD")
        || upper.ends_with("_KEY")
        || upper == "KEY"
        || upper.contains("SALT")
        || upper.contains("TOKEN")
}

/// The text to show for a value named `name`.
pub fn redact(name: &str, text: &str) -> String {
    if is_secret_name(name) {
        return MASK.to_string();
    }
    redact_url_password(text)
}

/// `scheme://user:password@host/...` → `scheme://user:***@host/...`; other
/// text unchanged.
pub fn redact_url_password(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or("");
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return text.to_string();
    };
    let Some((user, _password)) = userinfo.split_once(':') else {
        return text.to_string();
    };
    format!(
        "{scheme}://{user}:{MASK}@{host}{}",
        rest.get(authority_end..).unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "SECRETS_COOKIE",
            "secrets.cookie",
            "CIAM_KRATOS_SECRET_COOKIE",
            "POSTGRES_PASSWORD",
            "ENCRYPTION_KEY",
            "oidc.subject_identifiers.pairwise.salt",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "DSN",
            "SERVE_PUBLIC_BASE_URL",
            "KEYCLOAK_URL",
            "session.cookie.domain",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            redact(
                "DSN",
                "postgres://kratos:hunter2@pg:5432/ciam_kratos?sslmode=verify-full"
            ),
            "postgres://kratos:***@pg:5432/ciam_kratos?sslmode=verify-full"
        );
        assert_eq!(redact("URL", "https://a.example/x"), "https://a.example/x");
        assert_eq!(redact("SECRETS_SYSTEM", "abc"), MASK);
        assert_eq!(
            redact_url_password("smtps://u:p@w@h:465/"),
            "smtps://u:***@h:465/"
        );
    }
}
