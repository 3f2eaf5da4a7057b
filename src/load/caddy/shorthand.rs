//! Caddy's placeholder shorthands (`{host}` → `{http.request.host}`).
//!
//! Caddy rewrites these in every token of a site before directives see
//! them, so an upstream written `{host}:8080` dials
//! `{http.request.host}:8080`. isolint applies the same table so that its
//! dial addresses are the ones in Caddy's JSON.

const SIMPLE: &[(&str, &str)] = &[
    ("{host}", "{http.request.host}"),
    ("{hostport}", "{http.request.hostport}"),
    ("{port}", "{http.request.port}"),
    ("{orig_method}", "{http.request.orig_method}"),
    ("{orig_uri}", "{http.request.orig_uri}"),
    ("{orig_path}", "{http.request.orig_uri.path}"),
    ("{orig_dir}", "{http.request.orig_uri.path.dir}"),
    ("{orig_file}", "{http.request.orig_uri.path.file}"),
    ("{orig_query}", "{http.request.orig_uri.query}"),
    ("{orig_?query}", "{http.request.orig_uri.prefixed_query}"),
    ("{method}", "{http.request.method}"),
    ("{uri}", "{http.request.uri}"),
    ("{%uri}", "{http.request.uri_escaped}"),
    ("{path}", "{http.request.uri.path}"),
    ("{%path}", "{http.request.uri.path_escaped}"),
    ("{dir}", "{http.request.uri.path.dir}"),
    ("{file}", "{http.request.uri.path.file}"),
    ("{query}", "{http.request.uri.query}"),
    ("{%query}", "{http.request.uri.query_escaped}"),
    ("{?query}", "{http.request.uri.prefixed_query}"),
    ("{remote}", "{http.request.remote}"),
    ("{remote_host}", "{http.request.remote.host}"),
    ("{remote_port}", "{http.request.remote.port}"),
    ("{scheme}", "{http.request.scheme}"),
    ("{uuid}", "{http.request.uuid}"),
    ("{tls_cipher}", "{http.request.tls.cipher_suite}"),
    ("{tls_version}", "{http.request.tls.version}"),
    (
        "{tls_client_fingerprint}",
        "{http.request.tls.client.fingerprint}",
    ),
    ("{tls_client_issuer}", "{http.request.tls.client.issuer}"),
    ("{tls_client_serial}", "{http.request.tls.client.serial}"),
    ("{tls_client_subject}", "{http.request.tls.client.subject}"),
    (
        "{tls_client_certificate_pem}",
        "{http.request.tls.client.certificate_pem}",
    ),
    (
        "{tls_client_certificate_der_base64}",
        "{http.request.tls.client.certificate_der_base64}",
    ),
    (
        "{upstream_hostport}",
        "{http.reverse_proxy.upstream.hostport}",
    ),
    ("{client_ip}", "{http.vars.client_ip}"),
];

/// `{prefix.NAME}` → `{expansion.NAME}`; `dots` says whether NAME may
/// contain `.` (Caddy's `[\w-.]*` versus `[\w-]*`).
const PREFIXED: &[(&str, &str, bool)] = &[
    ("header.", "http.request.header.", false),
    ("cookie.", "http.request.cookie.", false),
    ("labels.", "http.request.host.labels.", false),
    ("path.", "http.request.uri.path.", false),
    ("file.", "http.request.uri.path.file.", false),
    ("query.", "http.request.uri.query.", false),
    ("re.", "http.regexp.", true),
    ("vars.", "http.vars.", false),
    ("rp.", "http.reverse_proxy.", true),
    ("resp.", "http.intercept.", true),
    ("err.", "http.error.", true),
    ("file_match.", "http.matchers.file.", false),
];

/// Applies the simple table (leftmost match first, like Go's
/// `strings.Replacer`), then each prefixed form in order.
pub fn expand(text: &str) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(i) = rest.find('{') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let here = rest.get(i..).unwrap_or("");
        for (short, long) in SIMPLE {
            if here.starts_with(short) {
                out.push_str(long);
                rest = here.get(short.len()..).unwrap_or("");
                continue 'scan;
            }
        }
        out.push('{');
        rest = here.get(1..).unwrap_or("");
    }
    out.push_str(rest);
    let mut text = out;
    for (prefix, long, dots) in PREFIXED {
        text = expand_prefixed(&text, prefix, long, *dots);
    }
    text
}

fn expand_prefixed(text: &str, prefix: &str, long: &str, dots: bool) -> String {
    let pattern = format!("{{{prefix}");
    if !text.contains(&pattern) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find(&pattern) {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + pattern.len()..).unwrap_or("");
        let name_len = after
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || (dots && c == '.'))
            })
            .unwrap_or(after.len());
        if after.get(name_len..).is_some_and(|r| r.starts_with('}')) {
            out.push('{');
            out.push_str(long);
            out.push_str(after.get(..=name_len).unwrap_or(""));
            rest = after.get(name_len + 1..).unwrap_or("");
        } else {
            out.push_str(&pattern);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn shorthands_expand_like_caddy() {
        assert_eq!(expand("{host}:8001"), "{http.request.host}:8001");
        assert_eq!(expand("app:6{re.port.1}"), "app:6{http.regexp.port.1}");
        assert_eq!(expand("{header.X-Up}"), "{http.request.header.X-Up}");
        assert_eq!(expand("{upstream}:80"), "{upstream}:80");
        assert_eq!(expand("{header.a.b}"), "{header.a.b}");
        assert_eq!(expand("plain"), "plain");
    }
}
