//! Upstream addresses → dial addresses, exactly as Caddy writes them in
//! its JSON: default ports from the scheme, port ranges expanded, runtime
//! placeholders kept as written, unix sockets as `unix//path`.

use super::address::{join_host_port, split_host_port};

/// Port ranges wider than this are kept as one `host:a-b` dial instead of
/// being expanded (a typo like `1-65535` would otherwise make 65,535).
pub const MAX_RANGE: u32 = 1024;

/// Why Caddy would reject an upstream address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    #[error(
        "due to parsing difficulties, placeholders are not allowed when an upstream address contains a scheme"
    )]
    PlaceholderWithScheme,
    #[error("parsing upstream URL: {0}")]
    Url(String),
    #[error("for now, URLs for proxy upstreams only support scheme, host, and port components")]
    UrlHasPath,
    #[error("upstream address has conflicting scheme ({0}://) and port (:{1})")]
    ConflictingPort(String, String),
    #[error("unsupported URL scheme {0}://")]
    Scheme(String),
    #[error("invalid port range '{0}'")]
    Range(String),
    #[error("invalid port '{0}'")]
    Port(String),
}

fn is_unix(network: &str) -> bool {
    matches!(network, "unix" | "unixgram" | "unixpacket")
}

fn is_fd(network: &str) -> bool {
    matches!(network, "fd" | "fdgram")
}

/// Caddy's `SplitNetworkAddress`: an optional `network/` prefix, then
/// `host:port` (or a socket path).
fn split_network_address(a: &str) -> (String, String, String, bool) {
    let (network, rest) = match a.split_once('/') {
        Some((n, r)) => {
            let n = n.trim().to_lowercase();
            if is_unix(&n) || is_fd(&n) {
                return (n, r.to_string(), String::new(), true);
            }
            (n, r)
        }
        None => (String::new(), a),
    };
    match split_host_port(rest) {
        Ok((h, p)) => (network, h, p, true),
        Err(_) => {
            let trimmed = rest.trim_matches(|c| c == '[' || c == ']');
            match split_host_port(&join_host_port(trimmed, "0")) {
                Ok((h, _)) => (network, h, String::new(), false),
                Err(_) => (network, rest.to_string(), String::new(), false),
            }
        }
    }
}

/// Caddy's `JoinNetworkAddress`.
fn join_network_address(network: &str, host: &str, port: &str) -> String {
    let mut a = String::new();
    if !network.is_empty() {
        a.push_str(network);
        a.push('/');
    }
    if (!host.is_empty() && port.is_empty()) || is_unix(network) || is_fd(network) {
        a.push_str(host);
    } else if !port.is_empty() {
        a.push_str(&join_host_port(host, port));
    }
    a
}

/// Normalises one upstream as `reverse_proxy` does (after placeholder
/// shorthands were expanded). Returns every dial address it stands for.
///
/// ```
/// use isolint::load::caddy::upstream::dial_addresses;
/// assert_eq!(dial_addresses("ciam-hera"), Ok(vec!["ciam-hera:80".to_string()]));
/// assert_eq!(dial_addresses("https://iam-hydra"), Ok(vec!["iam-hydra:443".to_string()]));
/// assert_eq!(dial_addresses("app:8001-8002").map(|d| d.len()), Ok(2));
/// ```
pub fn dial_addresses(upstream: &str) -> Result<Vec<String>, DialError> {
    let (network, mut scheme, host, port) = if upstream.contains("://") {
        if upstream.contains('{') {
            return Err(DialError::PlaceholderWithScheme);
        }
        let (scheme, host, port) = parse_url(upstream)?;
        (String::new(), scheme, host, port)
    } else {
        let (network, host, mut port, _) = split_network_address(upstream);
        if port.is_empty() && !host.contains('{') && !is_unix(&network) && !is_fd(&network) {
            port = "80".to_string();
        }
        (network, String::new(), host, port)
    };
    let mut network = network;
    if network == "unix+h2c" {
        network = "unix".to_string();
        scheme = "h2c".to_string();
    }
    match scheme.as_str() {
        "" | "http" | "https" | "h2c" => {}
        "wss" | "ws" => return Err(DialError::Scheme(scheme)),
        other => return Err(DialError::Scheme(other.to_string())),
    }
    let dial = if !network.is_empty() {
        join_network_address(&network, &host, &port)
    } else if port.is_empty() && host.contains('{') {
        host.clone()
    } else {
        join_host_port(&host, &port)
    };
    let replaceable_port = port.contains('{') && port.contains('}');
    if replaceable_port || is_unix(&network) || is_fd(&network) {
        return Ok(vec![dial]);
    }
    if !port.contains('-') {
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err(DialError::Port(port));
        }
        return Ok(vec![dial]);
    }
    let (start, end) = port
        .split_once('-')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .filter(|(a, b)| a <= b && *b <= 65535)
        .ok_or_else(|| DialError::Range(port.clone()))?;
    if end - start >= MAX_RANGE {
        return Ok(vec![dial]);
    }
    Ok((start..=end)
        .map(|p| join_network_address("", &host, &p.to_string()))
        .collect())
}

/// `scheme://host[:port]`: the `url` crate parses it; a port range is
/// swapped for `0` first, as Caddy does, and kept aside.
fn parse_url(upstream: &str) -> Result<(String, String, String), DialError> {
    let mut range = None;
    let parsed = match url::Url::parse(upstream) {
        Ok(u) => u,
        Err(e) => {
            let index = upstream
                .rfind(':')
                .ok_or_else(|| DialError::Url(e.to_string()))?;
            let ports = upstream.get(index + 1..).unwrap_or("");
            if ports.matches('-').count() != 1 {
                return Err(DialError::Url(e.to_string()));
            }
            range = Some(ports.to_string());
            let replaced = format!("{}0", upstream.get(..=index).unwrap_or(""));
            url::Url::parse(&replaced).map_err(|e| DialError::Url(e.to_string()))?
        }
    };
    let scheme = parsed.scheme().to_string();
    // `url` normalises an empty path to `/`; Caddy refuses any path, even
    // a lone slash, so look at the text itself.
    let authority = upstream.split_once("://").map_or("", |(_, rest)| rest);
    if authority.contains(['/', '?', '#']) {
        return Err(DialError::UrlHasPath);
    }
    // `url` drops a port that is the scheme's default; Caddy would then
    // have filled in that same default.
    let mut port =
        range.unwrap_or_else(|| parsed.port().map(|p| p.to_string()).unwrap_or_default());
    let explicit = !port.is_empty();
    if explicit {
        let conflict = matches!(
            (scheme.as_str(), port.as_str()),
            ("http", "443") | ("https", "80") | ("h2c", "443")
        );
        if conflict {
            return Err(DialError::ConflictingPort(scheme, port));
        }
    } else {
        port = match scheme.as_str() {
            "https" => "443".to_string(),
            _ => "80".to_string(),
        };
    }
    // The host as written (`url` would lower-case it; Caddy does not).
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match split_host_port(hostport) {
        Ok((h, _)) => h,
        Err(_) => hostport.trim_matches(|c| c == '[' || c == ']').to_string(),
    };
    Ok((scheme, host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dial(s: &str) -> Vec<String> {
        dial_addresses(s).unwrap_or_else(|e| vec![format!("error: {e}")])
    }

    #[test]
    fn dials_match_caddy_json() {
        assert_eq!(dial("localhost"), vec!["localhost:80"]);
        assert_eq!(dial("app:3000"), vec!["app:3000"]);
        assert_eq!(dial("https://x"), vec!["x:443"]);
        assert_eq!(dial("https://local:8080"), vec!["local:8080"]);
        assert_eq!(dial("http://App:81"), vec!["App:81"]);
        assert_eq!(dial("http://x:80"), vec!["x:80"]);
        assert_eq!(dial("h2c://localhost:8080"), vec!["localhost:8080"]);
        assert_eq!(dial("unix//path/to/socket"), vec!["unix//path/to/socket"]);
        assert_eq!(dial("unix+h2c//run/app.sock"), vec!["unix//run/app.sock"]);
        assert_eq!(dial("{upstream}"), vec!["{upstream}"]);
        assert_eq!(dial("{upstream}:80"), vec!["{upstream}:80"]);
        assert_eq!(
            dial("app:6{http.regexp.port.1}"),
            vec!["app:6{http.regexp.port.1}"]
        );
        assert_eq!(dial("[::1]:9000"), vec!["[::1]:9000"]);
        assert_eq!(dial("::1"), vec!["[::1]:80"]);
    }

    #[test]
    fn port_ranges_expand() {
        assert_eq!(
            dial("localhost:8001-8002"),
            vec!["localhost:8001", "localhost:8002"]
        );
        assert_eq!(
            dial("https://localhost:8001-8002"),
            vec!["localhost:8001", "localhost:8002"]
        );
        assert_eq!(
            dial("{http.request.host}:8001-8002"),
            vec!["{http.request.host}:8001", "{http.request.host}:8002"]
        );
        assert_eq!(dial("a:1-60000"), vec!["a:1-60000"]);
        assert!(dial_addresses("a:9-1").is_err());
    }

    #[test]
    fn caddy_rejections_are_errors() {
        assert!(dial_addresses("https://{x}").is_err());
        assert!(dial_addresses("http://x:443").is_err());
        assert!(dial_addresses("https://x/path").is_err());
        assert!(dial_addresses("ws://x").is_err());
        assert!(dial_addresses("http://a:8080/").is_err());
        assert!(dial_addresses("a:abc").is_err());
        assert!(dial_addresses("a:99999").is_err());
    }
}
