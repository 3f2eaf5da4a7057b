//! Site addresses: `scheme://host:port/path`, as Caddy's `ParseAddress`
//! and `Normalize` read them.

/// The parts of a resolved site address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub scheme: String,
    /// Lower-cased except inside `{placeholders}`; `""` for `:8080`.
    pub host: String,
    pub port: String,
    pub path: String,
}

/// Why an address is not valid for Caddy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("invalid port '{0}'")]
    BadPort(String),
    #[error("port {0} is out of range")]
    PortRange(i64),
    #[error("unsupported URL scheme {0}://")]
    Scheme(String),
    #[error("the scheme wss:// is only supported in browsers; use https:// instead")]
    Wss,
}

impl Address {
    /// Parses and normalises one address.
    ///
    /// ```
    /// use isolint::load::caddy::address::Address;
    /// let a = Address::parse("https://Login.Example.com:8443/app").unwrap_or_default();
    /// assert_eq!((a.host.as_str(), a.port.as_str(), a.path.as_str()), ("login.example.com", "8443", "/app"));
    /// ```
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let remaining = text.trim();
        let (scheme, rest) = match remaining.split_once("://") {
            Some((s, r)) => (s, r),
            None => ("", remaining),
        };
        let (hostport, path) = match rest.split_once('/') {
            Some((h, p)) => (h, format!("/{p}")),
            None => (rest, String::new()),
        };
        let (host, port) = split_host_port(hostport)
            .or_else(|_| split_host_port(&format!("{hostport}:")))
            .unwrap_or_else(|_| (hostport.to_string(), String::new()));
        if !port.is_empty() {
            let n: i64 = port
                .parse()
                .map_err(|_| AddressError::BadPort(port.clone()))?;
            if !(0..=65535).contains(&n) {
                return Err(AddressError::PortRange(n));
            }
        }
        let scheme = lower_except_placeholders(scheme);
        match scheme.as_str() {
            "" | "http" | "https" => {}
            "wss" => return Err(AddressError::Wss),
            other if !other.contains('{') => return Err(AddressError::Scheme(other.to_string())),
            _ => {}
        }
        let host = normalize_ip(host.trim());
        Ok(Address {
            scheme,
            host: lower_except_placeholders(&host),
            port,
            path,
        })
    }

    /// The port Caddy listens on for this address: the explicit one, 80
    /// for `http://`, else 443.
    pub fn listen_port(&self) -> String {
        if !self.port.is_empty() {
            self.port.clone()
        } else if self.scheme == "http" {
            "80".to_string()
        } else {
            "443".to_string()
        }
    }
}

/// Go's `net.SplitHostPort`: `host:port` or `[v6]:port`; the port may be
/// empty ("host:"), but must be present.
pub fn split_host_port(hostport: &str) -> Result<(String, String), &'static str> {
    let colon = hostport.rfind(':').ok_or("missing port in address")?;
    let (host, port) = if let Some(after_bracket) = hostport.strip_prefix('[') {
        let end = after_bracket.find(']').ok_or("missing ']' in address")? + 1;
        match end + 1 {
            n if n == hostport.len() => return Err("missing port in address"),
            n if n == colon => {}
            _ => return Err("too many colons in address"),
        }
        (
            hostport.get(1..end).unwrap_or(""),
            hostport.get(colon + 1..).unwrap_or(""),
        )
    } else {
        let host = hostport.get(..colon).unwrap_or("");
        if host.contains(':') {
            return Err("too many colons in address");
        }
        (host, hostport.get(colon + 1..).unwrap_or(""))
    };
    if host.contains(['[', ']']) || port.contains(['[', ']']) {
        return Err("unexpected bracket in address");
    }
    Ok((host.to_string(), port.to_string()))
}

/// Go's `net.JoinHostPort`: brackets a host that contains `:`.
pub fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn normalize_ip(host: &str) -> String {
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => v6.to_string(),
        _ => host.to_string(),
    }
}

/// Lower-cases `s` except inside unescaped `{...}` placeholders.
pub fn lower_except_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut escaped, mut inside) = (false, false);
    for c in s.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            out.push(c);
            continue;
        }
        if c == '{' && !escaped {
            inside = true;
        }
        if c == '}' && inside && !escaped {
            inside = false;
        }
        if inside {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        escaped = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (String, String, String, String) {
        let a = Address::parse(s).unwrap_or_default();
        (a.scheme, a.host, a.port, a.path)
    }

    fn p(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
        (a.into(), b.into(), c.into(), d.into())
    }

    #[test]
    fn addresses_split_like_caddy() {
        assert_eq!(parts("Example.COM"), p("", "example.com", "", ""));
        assert_eq!(parts(":8080"), p("", "", "8080", ""));
        assert_eq!(parts("http://a.b:81/x/y"), p("http", "a.b", "81", "/x/y"));
        assert_eq!(parts("*.Example.com"), p("", "*.example.com", "", ""));
        assert_eq!(parts("[::1]:443"), p("", "::1", "443", ""));
        assert_eq!(parts("{Host}.x"), p("", "{Host}.x", "", ""));
        assert_eq!(parts("http://"), p("http", "", "", ""));
    }

    #[test]
    fn bad_ports_and_schemes_are_errors() {
        assert_eq!(
            Address::parse(":70000"),
            Err(AddressError::PortRange(70000))
        );
        assert_eq!(Address::parse("a:-1"), Err(AddressError::PortRange(-1)));
        assert!(Address::parse("foo://a").is_err());
        assert_eq!(Address::parse("wss://a"), Err(AddressError::Wss));
    }

    #[test]
    fn split_host_port_matches_go() {
        assert_eq!(split_host_port("a:1"), Ok(("a".into(), "1".into())));
        assert_eq!(split_host_port("a:"), Ok(("a".into(), String::new())));
        assert!(split_host_port("a").is_err());
        assert!(split_host_port("::1").is_err());
        assert_eq!(split_host_port("[::1]:2"), Ok(("::1".into(), "2".into())));
    }
}
