//! Database DSNs, parsed with the `url` crate on the parts that are known.
//!
//! A DSN is often mixed: a literal host and database with a password or
//! mode from a variable. Unknown variables are swapped for placeholder
//! words before parsing, so every component is either literal text or the
//! name of the variable(s) it comes from. The password is never kept; the
//! display form shows the mask (`****`) in its place.

use crate::syntax::value::{Piece, Text, Value};

/// A parsed DSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dsn {
    /// `postgres`, `postgresql`, `cockroach`, `mysql`, `sqlite`, `memory`.
    pub scheme: Text,
    pub user: Option<Text>,
    /// Whether a password is written (never its value).
    pub has_password: bool,
    pub host: Option<Text>,
    pub port: Option<Text>,
    /// Database name (or file path for sqlite).
    pub database: Option<Text>,
    /// The database name as written, unknown parts as `${NAME}`
    /// (`${ENV}_ciam_kratos`): what tells two symbolic names apart.
    pub database_template: Option<String>,
    /// Query parameters (`sslmode`, ...), in order.
    pub params: Vec<(String, Text)>,
    /// The variables of query text only known at deploy time
    /// (`?${PG_OPTS}`): any parameter may hide there.
    pub unknown_query: Vec<String>,
    /// The DSN as text with the password shown as `****`.
    pub redacted: String,
}

const MARK: &str = "isolintvar";

/// Bytes of a user part written unencoded that a URL parser would end
/// it at.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'@')
    .add(b' ');

/// A DSN whose password holds `/`, `?`, `#` or `@` unencoded
/// (`postgres://u:20/24@db/x`): a URL parser ends the user part early and
/// reads the rest of the password as host, port or database, where it
/// would be shown. The user part runs to the last `@` (as redaction reads
/// it); it comes back encoded. `None` when nothing needs it.
fn reencode_userinfo(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once("://")?;
    let at = rest.rfind('@')?;
    let userinfo = rest.get(..at)?;
    if !userinfo.contains(['/', '?', '#', '@']) {
        return None;
    }
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, USERINFO).to_string();
    let userinfo = match userinfo.split_once(':') {
        Some((user, password)) => format!("{}:{}", encode(user), encode(password)),
        None => encode(userinfo),
    };
    Some(format!("{scheme}://{userinfo}@{}", rest.get(at + 1..)?))
}

impl Dsn {
    /// Parses a DSN value; `None` when even its known parts are not a DSN.
    pub fn parse(value: &Value) -> Option<Dsn> {
        let mut names: Vec<Vec<String>> = Vec::new();
        let mut text = String::new();
        for piece in &value.pieces {
            match piece {
                Piece::Lit { text: t, .. } => text.push_str(t),
                Piece::Var(_) => {
                    let single = Value {
                        pieces: vec![piece.clone()],
                    };
                    match single.text() {
                        Some(t) => text.push_str(&t),
                        None => {
                            text.push_str(&format!("{MARK}{}x", names.len()));
                            names.push(single.unbound());
                        }
                    }
                }
            }
        }
        Dsn::parse_text(&text, &names)
    }

    fn parse_text(text: &str, names: &[Vec<String>]) -> Option<Dsn> {
        let part = |s: &str| -> Text {
            let vars: Vec<String> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| s.contains(&format!("{MARK}{i}x")))
                .flat_map(|(_, n)| n.iter().cloned())
                .collect();
            if vars.is_empty() {
                Text::Known(s.to_string())
            } else {
                Text::Symbolic(vars)
            }
        };
        if text == "memory" {
            return Some(Dsn {
                scheme: Text::Known("memory".into()),
                user: None,
                has_password: false,
                host: None,
                port: None,
                database: None,
                database_template: None,
                params: Vec::new(),
                unknown_query: Vec::new(),
                redacted: "memory".into(),
            });
        }
        // Ory's MySQL form names the protocol: `user:pw@tcp(host:3306)/db`.
        let unwrapped;
        let text = match (text.find("@tcp("), text.starts_with("mysql://")) {
            (Some(at), true) => {
                let inner = text.get(at + 5..)?;
                let close = inner.find(')')?;
                unwrapped = format!(
                    "{}@{}{}",
                    text.get(..at)?,
                    inner.get(..close)?,
                    inner.get(close + 1..)?
                );
                unwrapped.as_str()
            }
            _ => text,
        };
        let reencoded;
        let text = match reencode_userinfo(text) {
            Some(t) => {
                reencoded = t;
                reencoded.as_str()
            }
            None => text,
        };
        // A host set empty (`@${PG_HOST}:5432` with `PG_HOST=`): the URL
        // parser refuses it, but the other parts still tell (`sslmode`).
        let empty_host = format!("{MARK}emptyhost");
        let url = url::Url::parse(text).ok().or_else(|| {
            let (scheme, rest) = text.split_once("://")?;
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            let host_at = authority.rfind('@').map_or(0, |i| i + 1);
            let host = authority.get(host_at..)?;
            if !(host.is_empty() || host.starts_with(':')) {
                return None;
            }
            let (userinfo, port) = authority.split_at(host_at);
            url::Url::parse(&format!("{scheme}://{userinfo}{empty_host}{port}{tail}")).ok()
        })?;
        let scheme = url.scheme().to_string();
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map_or_else(|| s.to_string(), |(_, v)| v.into_owned())
        };
        let user = (!url.username().is_empty()).then(|| part(&decode(url.username())));
        let has_password = url.password().is_some();
        let host = url.host_str().filter(|h| !h.is_empty()).map(|h| {
            if h == empty_host {
                Text::Known(String::new())
            } else {
                part(h)
            }
        });
        // A port from an unknown variable makes the DSN unparsable for
        // `url`; a literal port is always known here.
        let port = url.port().map(|p| Text::Known(p.to_string()));
        let path = url.path().trim_start_matches('/');
        let database_text = if scheme == "sqlite" || scheme == "sqlite3" {
            Some(url.path().to_string())
        } else {
            (!path.is_empty()).then(|| decode(path))
        };
        let database = database_text.as_deref().map(part);
        let database_template = database_text.map(|mut t| {
            for (i, n) in names.iter().enumerate() {
                t = t.replace(&format!("{MARK}{i}x"), &format!("${{{}}}", n.join(",")));
            }
            t
        });
        let params: Vec<(String, Text)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), part(&v)))
            .collect();
        let unknown_query = params
            .iter()
            .flat_map(|(k, _)| match part(k) {
                Text::Symbolic(vars) => vars,
                Text::Known(_) => Vec::new(),
            })
            .collect();
        let mut shown = url.clone();
        if has_password {
            let _ = shown.set_password(Some(crate::syntax::redact::MASK));
        }
        let mut redacted = shown.to_string().replace(&empty_host, "");
        for (i, n) in names.iter().enumerate() {
            redacted = redacted.replace(&format!("{MARK}{i}x"), &format!("${{{}}}", n.join(",")));
        }
        Some(Dsn {
            scheme: part(&scheme),
            user,
            has_password,
            host,
            port,
            database,
            database_template,
            params,
            unknown_query,
            redacted,
        })
    }

    /// A query parameter (`sslmode`).
    pub fn param(&self, key: &str) -> Option<&Text> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A query parameter, or, when it is not written but part of the query
    /// is only known at deploy time, the variables it may come from.
    pub fn param_or_unknown(&self, key: &str) -> Option<Text> {
        match self.param(key) {
            Some(p) => Some(p.clone()),
            None if !self.unknown_query.is_empty() => {
                Some(Text::Symbolic(self.unknown_query.clone()))
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::value::testing;

    fn value(s: &str, bound: &[(&str, &str)]) -> Value {
        let mut v = testing::template(s);
        testing::bind(&mut v, bound);
        v
    }

    fn k(s: &str) -> Option<Text> {
        Some(Text::Known(s.to_string()))
    }

    #[test]
    fn mixed_dsns_compare_on_known_parts() {
        let v = value(
            "postgres://postgres:${POSTGRES_PASSWORD}@postgres:5432/iam_kratos?sslmode=${POSTGRES_SSLMODE:-disable}",
            &[],
        );
        let d = Dsn::parse(&v).unwrap_or_else(|| panic!("not a dsn"));
        assert_eq!(d.scheme, Text::Known("postgres".into()));
        assert_eq!(
            (
                d.user.clone(),
                d.host.clone(),
                d.port.clone(),
                d.database.clone()
            ),
            (k("postgres"), k("postgres"), k("5432"), k("iam_kratos"))
        );
        assert!(d.has_password);
        assert_eq!(d.param("sslmode"), Some(&Text::Known("disable".into())));
        assert!(
            !d.redacted.contains("POSTGRES_PASSWORD")
                || d.redacted.contains(crate::syntax::redact::MASK)
        );
        assert!(
            d.redacted.contains(crate::syntax::redact::MASK),
            "{}",
            d.redacted
        );
    }

    #[test]
    fn passwords_never_show_and_symbolic_parts_name_their_variables() {
        let v = value(
            "postgres://${U}:s3cr3t@${HOST}:5432/${DB}?sslmode=verify-full",
            &[("U", "ciam")],
        );
        let d = Dsn::parse(&v).unwrap_or_else(|| panic!("not a dsn"));
        assert!(!d.redacted.contains("s3cr3t"), "{}", d.redacted);
        assert_eq!(d.user, k("ciam"));
        assert_eq!(d.host, Some(Text::Symbolic(vec!["HOST".into()])));
        assert_eq!(d.database, Some(Text::Symbolic(vec!["DB".into()])));
        // A password with `/` (or `?`, `#`, `@`) written unencoded ends
        // a URL's user part early: it must not become host or database.
        for (dsn, secret) in [
            ("postgres://kratos:2024/Winter@postgres/kratos", "Winter"),
            ("postgres://kratos:a?b#c@postgres:5432/kratos", "a?b"),
            ("postgres://kratos:p@ss@postgres:5432/kratos", "p@ss"),
        ] {
            let d = Dsn::parse(&value(dsn, &[])).unwrap_or_else(|| panic!("{dsn}"));
            assert!(d.has_password, "{dsn}");
            assert_eq!(d.host, k("postgres"), "{dsn}");
            assert_eq!(d.database, k("kratos"), "{dsn}");
            assert!(!d.redacted.contains(secret), "{}", d.redacted);
        }
    }

    #[test]
    fn an_empty_host_keeps_the_rest_of_the_dsn() {
        let v = value(
            "postgres://kratos:${PW}@${PG_HOST}:5432/ciam_kratos?sslmode=disable",
            &[("PG_HOST", "")],
        );
        let d = Dsn::parse(&v).unwrap_or_else(|| panic!("dropped"));
        assert_eq!(d.host, k(""));
        assert_eq!(d.database, k("ciam_kratos"));
        assert_eq!(d.param("sslmode"), Some(&Text::Known("disable".into())));
        assert!(!d.redacted.contains("isolint"), "{}", d.redacted);
    }

    #[test]
    fn other_schemes() {
        let d = Dsn::parse(&value("sqlite:///var/lib/sqlite/db.sqlite?_fk=true", &[]));
        assert_eq!(d.and_then(|d| d.database), k("/var/lib/sqlite/db.sqlite"));
        assert_eq!(
            Dsn::parse(&value("memory", &[])).map(|d| d.scheme),
            Some(Text::Known("memory".into()))
        );
        let d = Dsn::parse(&value(
            "mysql://root:pw@tcp(mysql:3306)/kratos?parseTime=true",
            &[],
        ))
        .unwrap_or_else(|| panic!("mysql dsn"));
        assert_eq!(
            (d.host.clone(), d.port.clone(), d.database.clone()),
            (k("mysql"), k("3306"), k("kratos"))
        );
        assert!(!d.redacted.contains(":pw@"), "{}", d.redacted);
        let d = Dsn::parse(&value(
            "cockroach://root@crdb:26257/iam_hydra?sslmode=verify-full",
            &[],
        ));
        assert_eq!(
            d.and_then(|d| d.param("sslmode").cloned()),
            Some(Text::Known("verify-full".into()))
        );
        assert!(Dsn::parse(&value("not a dsn", &[])).is_none());
    }
}
