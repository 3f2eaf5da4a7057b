//! Redaction: secrets and passwords never reach any output.
//!
//! A value is secret when its name says so (`SECRETS_*`, `*_SECRET*`,
//! `*_PASSWORD*`, `*_KEY`, salts, Ory's `secrets.*`); a URL or DSN keeps
//! everything but its password.

/// Shown in place of a secret.
pub const MASK: &str = "***";

/// Words that mark a secret when they stand as a whole segment of a name.
const SECRET_SEGMENTS: &[&str] = &[
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWORDS",
    "PASS",
    "PASSWD",
    "PWD",
    "PASSPHRASE",
    "TOKEN",
    "TOKENS",
    "SALT",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "KEY",
];
/// Fragments that mark a secret anywhere in a name.
const SECRET_FRAGMENTS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSPHRASE",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
];

/// Whether an environment name or an Ory key path names a secret
/// (`SECRETS_COOKIE`, `secrets.cookie`, `DB_PASS`, `ENCRYPTION_KEY`,
/// `oidc.subject_identifiers.pairwise.salt`, ...).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(['_', '.', '-', '/'])
        .any(|seg| SECRET_SEGMENTS.contains(&seg))
        || SECRET_FRAGMENTS.iter().any(|f| upper.contains(f))
}

/// Whether a value carries a credential whatever its name: a JSON field
/// or query parameter naming one (`"client_secret": ...`, `password=`).
fn looks_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "secret",
        "password",
        "passwd",
        "token",
        "apikey",
        "api_key",
        "private_key",
    ]
    .iter()
    .any(|w| {
        lower.contains(&format!("\"{w}"))
            || lower.contains(&format!("{w}="))
            || lower.contains(&format!("{w}\""))
    })
}

/// The text to show for a value named `name`.
pub fn redact(name: &str, text: &str) -> String {
    if is_secret_name(name) || looks_secret(text) {
        return MASK.to_string();
    }
    redact_url_password(text)
}

/// Masks the password of every URL in `text` (`scheme://user:pw@host` →
/// `scheme://user:***@host`), and the whole user part of an http(s) URL
/// that has no password (a token as the user name).
pub fn redact_url_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let scheme_start = rest.get(..i).map_or(0, |s| {
            s.rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
                .map_or(0, |p| p + 1)
        });
        let scheme = rest.get(scheme_start..i).unwrap_or("").to_ascii_lowercase();
        out.push_str(rest.get(..i + 3).unwrap_or(""));
        let after = rest.get(i + 3..).unwrap_or("");
        // The URL runs to white space or a comma; its user part ends at the
        // last `@` in it (a password may hold `/`, `?` or `#`).
        let end = after
            .find(|c: char| c.is_whitespace() || c == ',' || c == '"')
            .unwrap_or(after.len());
        let url = after.get(..end).unwrap_or("");
        match url.rfind('@') {
            Some(at) => {
                let userinfo = url.get(..at).unwrap_or("");
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(MASK);
                    }
                    None if scheme == "http" || scheme == "https" => out.push_str(MASK),
                    None => out.push_str(userinfo),
                }
                out.push_str(url.get(at..).unwrap_or(""));
            }
            None => out.push_str(url),
        }
        rest = after.get(end..).unwrap_or("");
    }
    out.push_str(rest);
    out
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
