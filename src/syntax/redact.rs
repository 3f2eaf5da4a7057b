//! Redaction: secrets and passwords never reach any output.
//!
//! A value is secret when its name says so (`SECRETS_*`, `*_SECRET*`,
//! `*_PASSWORD*`, `*_KEY`, salts, Ory's `secrets.*`); a URL or DSN keeps
//! everything but its password.

/// Shown in place of a secret, in every output: one width, whatever the
/// secret's length.
pub const MASK: &str = "****";

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

/// Whether a name's value is itself a secret, not a setting about one:
/// its last word marks a secret (`SESSION_SECRET`, `DB_PASSWORD`,
/// `API_KEY`, `CLIENTSECRET`), or it is Ory's `secrets.*` (`SECRETS_*`).
/// `..._PASSWORD_CONFIG_MAX_BREACHES` and `ENCRYPTION_KEY_ID` are not.
pub fn holds_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '.', '-', '/'])
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.last().copied().unwrap_or("");
    words.first() == Some(&"SECRETS")
        || SECRET_SEGMENTS.contains(&last)
        || SECRET_FRAGMENTS.iter().any(|f| last.contains(f))
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
/// `scheme://user:****@host`), and the whole user part of an http(s) URL
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

/// Where the secret parts of a value come from: the written text of every
/// variable that feeds a secret-named key, of a secret-named variable, and
/// of a URL's password (`postgres://u:${PW}@db`), through every binding.
pub fn secret_sources(
    key: &str,
    value: &crate::syntax::value::Value,
) -> Vec<crate::syntax::source::Span> {
    use crate::syntax::value::Piece;
    let mut out = Vec::new();
    let whole = is_secret_name(key);
    let mut before = String::new();
    for (i, piece) in value.pieces.iter().enumerate() {
        match piece {
            Piece::Lit { text, .. } => before.push_str(text),
            Piece::Var(v) => {
                let after_at = matches!(
                    value.pieces.get(i + 1),
                    Some(Piece::Lit { text, .. }) if text.starts_with('@')
                );
                let password = after_at && before.contains("://") && before.ends_with(':');
                if let Some(b) = &v.bound {
                    if whole || password || is_secret_name(&v.name) {
                        out.extend(b.provenance());
                    }
                    out.extend(secret_sources(&v.name, b));
                }
                before.push_str("${}");
            }
        }
    }
    out
}

/// The text of a source file as reports may show it: the values of
/// secret-named keys (`SECRETS_COOKIE=...`, `password: ...`, and the items
/// of a secret-named YAML list) and the passwords of URLs are replaced by
/// `*`, byte for byte, so every span still points at the same place.
pub fn redact_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Indentation of a secret-named key whose value is a nested block.
    let mut secret_block: Option<usize> = None;
    // Indentation of the line inside it that opened a multi-line scalar
    // (`|`, `>`, an unclosed quote): every deeper line is secret text.
    let mut scalar_block: Option<usize> = None;
    // The quote a secret's value opened and has not closed (a `.env`
    // value may run over lines that are not indented).
    let mut open_quote: Option<char> = None;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some(q) = open_quote {
            out.push_str(&mask_after(line, 0));
            if line.contains(q) {
                open_quote = None;
            }
            continue;
        }
        if let Some(block) = secret_block {
            if trimmed.is_empty() || indent > block {
                let in_scalar = scalar_block.is_some_and(|s| indent > s);
                let start = if in_scalar {
                    indent
                } else {
                    scalar_block = None;
                    // Keys inside the block (`cookie:`) are names, not
                    // secrets: only what follows them is masked.
                    value_start(line, indent + usize::from(trimmed.starts_with("- ")) * 2)
                };
                if !in_scalar && opens_multiline(line.get(start..).unwrap_or("")) {
                    scalar_block = Some(indent);
                }
                out.push_str(&mask_after(line, start));
                continue;
            }
            secret_block = None;
            scalar_block = None;
        }
        let body = trimmed
            .trim_start_matches("- ")
            .trim_start_matches("export ")
            .trim_start_matches("local ")
            .trim_start_matches("readonly ")
            .trim_start_matches("declare ")
            .trim_start_matches("typeset ");
        let key_end = body.find(['=', ':']);
        let key = key_end
            .and_then(|k| body.get(..k))
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if is_plain_key(key) && is_secret_name(key) {
            let value_start = line.find(key).map_or(line.len(), |k| k + key.len() + 1);
            let value = line.get(value_start..).unwrap_or("").trim();
            if value.is_empty() {
                secret_block = Some(indent);
                out.push_str(line);
            } else {
                match value.chars().next() {
                    Some(q @ ('"' | '\'')) if opens_multiline(value) => open_quote = Some(q),
                    _ if opens_multiline(value) => {
                        secret_block = Some(indent);
                        scalar_block = Some(indent);
                    }
                    _ => {}
                }
                out.push_str(&mask_after(line, value_start));
            }
            continue;
        }
        out.push_str(&mask_inline_secrets(&mask_url_passwords(line)));
    }
    out
}

/// Masks secrets written inside a line rather than as its value: JSON
/// fields of a payload (`"client_secret": "..."`, also with the quotes
/// escaped inside a shell string: then to the end of the string, since
/// masking too much is the safe side), command-line flags
/// (`--client-secret ...`, `--password=...`, quoted or not) and `jq
/// --arg client_secret ...`. A value that is a `${reference}` is kept.
fn mask_inline_secrets(line: &str) -> String {
    static PATTERNS: std::sync::LazyLock<Vec<regex::Regex>> = std::sync::LazyLock::new(|| {
        [
            r#"\\?"([A-Za-z0-9_.\-]+)\\?"\s*:\s*\\?"((?:[^"\\]|\\.)+)"#,
            r#"--arg\s+([A-Za-z0-9_\-]+)\s+(?:"([^"]*)"|'([^']*)'|([^\s'"]+))"#,
            r#"--([A-Za-z0-9\-]+)(?:=|\s+)(?:"([^"]*)"|'([^']*)'|([^\s'"]+))"#,
        ]
        .iter()
        .filter_map(|p| regex::Regex::new(p).ok())
        .collect()
    });
    let mut out = line.to_string();
    for re in PATTERNS.iter() {
        for c in re.captures_iter(line) {
            let value = (2..c.len()).find_map(|g| c.get(g));
            if let (Some(key), Some(value)) = (c.get(1), value)
                && is_secret_name(key.as_str())
                && !value.as_str().starts_with("${")
            {
                out = mask_range(&out, value.start(), value.end());
            }
        }
    }
    out
}

/// A key as configs spell names: letters, digits, `_`, `-`, `.`.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c))
}

/// Where the value of `line` starts when the text at `from` is a plain
/// YAML key (`cookie:`, `cookie: x`); else `from`.
fn value_start(line: &str, from: usize) -> usize {
    let rest = line.get(from..).unwrap_or("");
    match rest.find(':') {
        Some(colon)
            if is_plain_key(rest.get(..colon).unwrap_or(""))
                && rest.get(colon + 1..).is_none_or(|after| {
                    after.is_empty() || after.starts_with(char::is_whitespace)
                }) =>
        {
            from + colon + 1
        }
        _ => from,
    }
}

/// Whether a value goes on over the next lines: a block scalar (`|`,
/// `>`) or a quoted scalar not closed on its line. When unsure, yes: the
/// cost is masking too much.
fn opens_multiline(value: &str) -> bool {
    let v = value.trim();
    match v.chars().next() {
        Some('|' | '>') => true,
        Some(q @ ('"' | '\'')) => v.len() < 2 || !v.ends_with(q),
        _ => false,
    }
}

/// `text` with every non-space character that starts in `start..end`
/// replaced by as many `*` as it has bytes, so offsets stay true.
pub fn mask_range(text: &str, start: usize, end: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if (start..end).contains(&i) && !c.is_whitespace() {
            out.extend(std::iter::repeat_n('*', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// `line` with every non-space byte from `start` on masked.
fn mask_after(line: &str, start: usize) -> String {
    mask_range(line, start, line.len())
}

/// Masks the password bytes of every `scheme://user:password@` in a line.
fn mask_url_passwords(line: &str) -> String {
    let mut bytes = line.as_bytes().to_vec();
    let mut from = 0;
    while let Some(i) = line
        .get(from..)
        .and_then(|r| r.find("://"))
        .map(|i| from + i + 3)
    {
        let rest = line.get(i..).unwrap_or("");
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let url = rest.get(..end).unwrap_or("");
        if let Some(at) = url.rfind('@')
            && let Some(colon) = url.get(..at).and_then(|u| u.find(':'))
        {
            for b in bytes.iter_mut().skip(i + colon + 1).take(at - colon - 1) {
                *b = b'*';
            }
        }
        from = i + end.max(1);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(line.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_inside_lines_are_masked() {
        for (line, secret) in [
            (
                r#"curl -d '{"client_id": "a", "client_secret": "s3cr3t-x"}'"#,
                "s3cr3t-x",
            ),
            (r#"curl -d "{\"client_secret\": \"ab\\\"cd\"}""#, "cd"),
            (
                r#"hydra create client --secret "two words" --id x"#,
                "words",
            ),
            (
                r#"hydra create client --client-secret=plain1 --id x"#,
                "plain1",
            ),
            (
                r#"jq -n --arg client_secret s3cr3t '{client_secret: $client_secret}'"#,
                "s3cr3t",
            ),
            ("local db_password=hunter2", "hunter2"),
            ("readonly API_TOKEN=tok123", "tok123"),
        ] {
            let shown = redact_source(line);
            assert!(!shown.contains(secret), "{line} -> {shown}");
        }
        // References and ordinary words stay.
        let shown =
            redact_source(r#"-d '{"client_id": "site", "client_secret": "${SITE_SECRET}"}'"#);
        assert!(
            shown.contains("${SITE_SECRET}") && shown.contains("\"site\""),
            "{shown}"
        );
    }

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
    fn sources_are_masked_byte_for_byte() {
        let text = "PG_PASSWORD=hunter2 # prod\nDSN=postgres://u:s3cr3t@pg/db\nsecrets:\n  cookie:\n    - PLEASE-CHANGE-ME-0123\nlog:\n  level: info\n      - DB_PASS=x\n";
        let shown = redact_source(text);
        assert_eq!(shown.len(), text.len());
        for secret in ["hunter2", "s3cr3t", "PLEASE-CHANGE-ME-0123"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("level: info"));
        assert!(shown.contains("postgres://u:******@pg/db"));
    }

    #[test]
    fn keys_inside_a_secret_block_stay_readable_and_multiline_values_do_not() {
        let text = "secrets:\n  cookie:\n    - c00kie\n  cipher: [ciph3r]\n  default: |\n    line1: s3cret\n    tail\n  system:\n    - >-\n      f0lded: x\nSECRETS_COOKIE: |\n  blocks3cret\npassword: \"open\n  qu0ted: y\"\nlog:\n  level: info\nPRIVATE_KEY=\"-----BEGIN\nb0dy\n-----END\"\nAFTER=shown\n";
        let shown = redact_source(text);
        assert_eq!(shown.len(), text.len());
        for secret in [
            "c00kie",
            "ciph3r",
            "line1",
            "s3cret",
            "tail",
            "f0lded",
            "blocks3cret",
            "qu0ted",
            "BEGIN",
            "b0dy",
            "END",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for key in [
            "  cookie:\n",
            "  cipher: ",
            "  default: ",
            "  system:\n",
            "  level: info",
            "AFTER=shown",
        ] {
            assert!(shown.contains(key), "{key:?} not in {shown}");
        }
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            redact(
                "DSN",
                "postgres://kratos:hunter2@pg:5432/ciam_kratos?sslmode=verify-full"
            ),
            "postgres://kratos:****@pg:5432/ciam_kratos?sslmode=verify-full"
        );
        assert_eq!(redact("URL", "https://a.example/x"), "https://a.example/x");
        assert_eq!(redact("SECRETS_SYSTEM", "abc"), MASK);
        assert_eq!(
            redact_url_password("smtps://u:p@w@h:465/"),
            "smtps://u:****@h:465/"
        );
    }
}
