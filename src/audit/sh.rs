//! The plan as a POSIX `sh` script that prints TAP. With `podman` or
//! `docker` each probe runs inside the network namespace of the service
//! it speaks for (`--network container:ID`), so it sees what that service
//! sees: `psql` from the environment's Postgres image, `curl` from
//! curl's image. With `local` it runs `psql` and `curl` on this host, to
//! the addresses `ISOLINT_ADDR_<HOST>[_<PORT>]=ip:port` give. A service's
//! credentials are read when the script runs, from the service's own
//! environment (or the script's, locally), handed to `psql` in its
//! environment and never printed; the script holds none.

use super::{Action, Expect, Plan, Runner};
use std::fmt::Write as _;

/// Images used when the environment names none.
const DEFAULT_POSTGRES_IMAGE: &str = "docker.io/library/postgres:16-alpine";
const CURL_IMAGE: &str = "docker.io/curlimages/curl:8.11.1";

/// `text` as one single-quoted `sh` word, on one line (a line break
/// would end the script's heredoc under `--ssh`, or a TAP line).
pub fn quote(text: &str) -> String {
    format!("'{}'", one_line(text).replace('\'', r"'\''"))
}

/// A TAP description: on one line, its `#` escaped (TAP reads `# SKIP`
/// after a description as a directive).
fn description(text: &str) -> String {
    quote(&text.replace('#', r"\#"))
}

/// An image reference as registries spell them, or `None`.
fn image(text: &str) -> Option<&str> {
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | ':' | '@' | '_' | '-'));
    ok.then_some(text)
}

/// The script; `ssh`, a host to run it on (the script goes over `ssh` on
/// standard input).
pub fn render(plan: &Plan, ssh: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh");
    // Every helper is written, whichever probes the plan has.
    let _ = writeln!(out, "# shellcheck disable=SC2317");
    let _ = writeln!(
        out,
        "# isolint audit of the environment {}: {} probes of the CIAM/IAM boundary,",
        quote(&plan.environment),
        plan.probes.len()
    );
    let _ = writeln!(
        out,
        "# generated from its configs by isolint {}. It prints TAP and exits 0",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(
        "# when every probe holds, 1 on a breach, 2 when a probe could not run.\n\
         # Credentials are read when it runs and never printed.\n",
    );
    match ssh {
        Some(host) => {
            let _ = writeln!(
                out,
                "# The probes run on {} (ssh, the script on standard input).",
                quote(host)
            );
            let _ = writeln!(out, "ssh -- {} sh -s <<'ISOLINT_AUDIT'", quote(host));
            body(plan, &mut out);
            // ssh's own failure (255) is a probe that could not run.
            out.push_str(
                "ISOLINT_AUDIT\n\
                 status=$?\n\
                 if [ \"$status\" -gt 2 ]; then echo \"Bail out! ssh failed ($status)\"; exit 2; fi\n\
                 exit \"$status\"\n",
            );
        }
        None => body(plan, &mut out),
    }
    out
}

fn body(plan: &Plan, out: &mut String) {
    out.push_str("set -f\n");
    if plan.runner != Runner::Local {
        let _ = writeln!(out, "RUNNER={}", plan.runner.as_str());
        let postgres = plan
            .postgres_image
            .as_deref()
            .and_then(image)
            .unwrap_or(DEFAULT_POSTGRES_IMAGE);
        let _ = writeln!(
            out,
            "POSTGRES_IMAGE=\"${{ISOLINT_POSTGRES_IMAGE:-{postgres}}}\""
        );
        let _ = writeln!(out, "CURL_IMAGE=\"${{ISOLINT_CURL_IMAGE:-{CURL_IMAGE}}}\"");
        out.push_str(
            "# With several compose projects on the host, name this one:\n\
             # ISOLINT_PROJECT=<compose project> sh audit.sh\n",
        );
    }
    out.push_str(COMMON);
    out.push_str(match plan.runner {
        Runner::Local => LOCAL,
        Runner::Podman | Runner::Docker => CONTAINERS,
    });
    out.push_str(HTTP);
    if plan.runner == Runner::Local {
        for (name, address) in &plan.addresses {
            let safe = |t: &str, extra: &[char]| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
            };
            if safe(name, &[]) && safe(address, &['.', ':', '-', '[', ']']) {
                let _ = writeln!(out, ": \"${{{name}:={address}}}\"");
            }
        }
        let mut vars: Vec<String> = plan
            .probes
            .iter()
            .filter_map(|p| match &p.action {
                Action::Database {
                    template: Some(t), ..
                } => Some(required_vars(t)),
                _ => None,
            })
            .flatten()
            .collect();
        vars.sort();
        vars.dedup();
        if !vars.is_empty() {
            let _ = writeln!(out, "need {}", vars.join(" "));
        }
    }
    let _ = writeln!(out, "echo '1..{}'", plan.probes.len());
    for probe in &plan.probes {
        let expect = match probe.expect {
            Expect::Reached => "reached",
            Expect::Refused => "refused",
        };
        let _ = writeln!(out, "# {}", one_line(&probe.relation));
        if let Some(finding) = &probe.predicted_by {
            let _ = writeln!(out, "# A breach is expected: {}", one_line(finding));
        }
        let name = description(&probe.name);
        let line = match (&probe.action, plan.runner) {
            (
                Action::Database {
                    template: Some(template),
                    database,
                    service,
                    server,
                    ..
                },
                Runner::Local,
            ) => format!(
                "probe_database {expect} {name} {} \"{template}\" {}{}",
                quote(service),
                quote(database),
                server_args(server.as_ref())
            ),
            (Action::Database { service, .. }, Runner::Local) => format!(
                "report unable {name} {}",
                quote(&format!(
                    "the DSN of {service} holds a written secret or a line break, which is not copied here"
                ))
            ),
            (
                Action::Database {
                    service,
                    key,
                    database,
                    server,
                    ..
                },
                _,
            ) => format!(
                "probe_database {expect} {name} {} {} {}{}",
                quote(service),
                quote(key),
                quote(database),
                server_args(server.as_ref())
            ),
            (Action::Http { service, url }, _) => {
                format!(
                    "probe_http {expect} {name} {} {}",
                    quote(service),
                    quote(url)
                )
            }
            (
                Action::Proxy {
                    proxy,
                    url,
                    host,
                    port,
                    path,
                    own,
                    others,
                },
                _,
            ) => format!(
                "probe_proxy {expect} {name} {} {} {} {} {} {} {}",
                quote(proxy),
                quote(url.split("://").next().unwrap_or("https")),
                quote(host),
                quote(port),
                quote(path),
                quote(&own.join(" ")),
                quote(&others.join(" "))
            ),
            (
                Action::Cookie {
                    service,
                    url,
                    other_hosts,
                },
                _,
            ) => format!(
                "probe_cookie {expect} {name} {} {} {}",
                quote(service),
                quote(url),
                quote(&other_hosts.join(" "))
            ),
            (Action::Client { hydra, url }, _) => {
                format!(
                    "probe_client {expect} {name} {} {}",
                    quote(hydra),
                    quote(url)
                )
            }
        };
        let _ = writeln!(out, "{line}");
    }
    out.push_str(SUMMARY);
}

/// The database server's host and port, as trailing arguments.
fn server_args(server: Option<&(String, String)>) -> String {
    server.map_or(String::new(), |(host, port)| {
        format!(" {} {}", quote(host), quote(port))
    })
}

/// A comment's text on one line.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The variables a template needs set: `${NAME}` and the required forms,
/// not those with a default or an alternative.
fn required_vars(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("${") {
        let after = rest.get(open + 2..).unwrap_or("");
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let op = after.get(name.len()..).unwrap_or("");
        let defaulted = [":-", "-", ":+", "+", ":=", "="]
            .iter()
            .any(|o| op.starts_with(o));
        if !name.is_empty() && !defaulted {
            out.push(name.clone());
        }
        rest = after.get(name.len()..).unwrap_or("");
    }
    out
}

/// Reporting and reading a DSN, for every runner.
const COMMON: &str = r#"n=0
failed=0
unable=0
skipped=0
# report held|breach|skip|unable DESCRIPTION DETAIL
report() {
  n=$((n + 1))
  case "$1" in
    held) printf 'ok %d - %s\n' "$n" "$2" ;;
    breach)
      failed=$((failed + 1))
      printf 'not ok %d - %s\n' "$n" "$2"
      printf '#   %s\n' "$3"
      ;;
    skip)
      skipped=$((skipped + 1))
      printf 'ok %d - %s # SKIP %s\n' "$n" "$2" "$3"
      ;;
    *)
      unable=$((unable + 1))
      printf 'not ok %d - %s # could not run: %s\n' "$n" "$2" "$3"
      ;;
  esac
}
# verdict EXPECTED OBSERVED DESCRIPTION DETAIL
verdict() {
  if [ "$1" = "$2" ]; then report held "$3" ""; else report breach "$3" "$4"; fi
}
# with_container DESCRIPTION SERVICE: sets cid to the service's running
# container, or reports that the probe could not run.
with_container() {
  if cid="$(container "$2")"; then return 0; fi
  report unable "$1" "no running container of the service $2"
  return 1
}
# unpct TEXT: TEXT with %XX decoded.
unpct() {
  printf '%s' "$1" | LC_ALL=C awk '
    function hex(x,   i, v) {
      v = 0
      x = tolower(x)
      for (i = 1; i <= 2; i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
      return v
    }
    {
      s = $0
      out = ""
      while (match(s, /%[0-9A-Fa-f][0-9A-Fa-f]/)) {
        out = out substr(s, 1, RSTART - 1) sprintf("%c", hex(substr(s, RSTART + 1, 2)))
        s = substr(s, RSTART + 3)
      }
      printf "%s", out s
    }'
}
# split_dsn DSN: exports PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE.
split_dsn() {
  rest="${1#*://}"
  [ "$rest" != "$1" ] || return 1
  authority="${rest%%/*}"
  tail="${rest#"$authority"}"
  creds=""
  hostport="$authority"
  case "$authority" in *@*) creds="${authority%@*}"; hostport="${authority##*@}" ;; esac
  PGUSER="$(unpct "${creds%%:*}")"
  PGPASSWORD=""
  case "$creds" in *:*) PGPASSWORD="$(unpct "${creds#*:}")" ;; esac
  PGHOST="${hostport%:*}"
  PGPORT=5432
  case "$hostport" in *:*) PGPORT="${hostport##*:}" ;; esac
  PGSSLMODE=prefer
  query=""
  case "$tail" in *\?*) query="${tail#*\?}" ;; esac
  old_ifs="$IFS"
  IFS='&'
  for param in $query; do
    case "$param" in
      sslmode=*) PGSSLMODE="${param#sslmode=}" ;;
      password=*) PGPASSWORD="$(unpct "${param#password=}")" ;;
      user=*) PGUSER="$(unpct "${param#user=}")" ;;
    esac
  done
  IFS="$old_ifs"
  # The probe asks who may connect, not whose certificate the server
  # has: verify-* needs a CA file the probe does not carry.
  case "$PGSSLMODE" in verify-*) PGSSLMODE=require ;; esac
  export PGHOST PGPORT PGUSER PGPASSWORD PGSSLMODE
}
# db_verdict EXPECTED DESCRIPTION STATUS OUTPUT [ELSEWHERE]: what psql
# said. With ELSEWHERE (the other domain's own server, tried from the
# service's own network), a server out of reach refuses too.
db_verdict() {
  if [ "$3" -eq 0 ]; then
    verdict "$1" reached "$2" "psql connected as $PGUSER to $PGDATABASE"
    return
  fi
  case "$4" in
    *"password authentication failed for user"* | *"permission denied for database"* | *"no pg_hba.conf entry"* | *'database "'*'" does not exist'* | *'role "'*'" does not exist'*)
      verdict "$1" refused "$2" "psql: $(printf '%s\n' "$4" | head -n 1)"
      return
      ;;
  esac
  if [ -n "${5:-}" ] && [ "$1" = refused ]; then
    case "$4" in
      *"could not translate host name"* | *"Connection refused"* | *"timeout expired"* | *"No route to host"* | *"Network is unreachable"*)
        verdict "$1" refused "$2" "its server is out of reach: $(printf '%s\n' "$4" | head -n 1)"
        return
        ;;
    esac
  fi
  report unable "$2" "psql: $(printf '%s\n' "$4" | head -n 1)"
}
# http_verdict EXPECTED DESCRIPTION STATUS: any answer reaches; only a
# success or a redirect breaches (401, 403 and 404 refuse).
http_verdict() {
  if [ "$1" = reached ]; then
    if [ "$3" -gt 0 ]; then report held "$2" ""; else report breach "$2" "no answer"; fi
  elif [ "$3" -ge 200 ] && [ "$3" -lt 400 ]; then
    report breach "$2" "it answered HTTP $3"
  else
    report held "$2" ""
  fi
}
"#;

/// The probes inside the services' network namespaces.
const CONTAINERS: &str = r#"# container SERVICE: the running container of a compose service.
container() {
  id="$("$RUNNER" ps -q --filter "label=com.docker.compose.service=$1" ${ISOLINT_PROJECT:+--filter "label=com.docker.compose.project=$ISOLINT_PROJECT"} 2>/dev/null | head -n 1)"
  [ -n "$id" ] || id="$("$RUNNER" ps -q --filter "name=^$1\$" 2>/dev/null | head -n 1)"
  [ -n "$id" ] && printf '%s' "$id"
}
# probe_database EXPECTED DESCRIPTION SERVICE KEY DATABASE [HOST PORT]:
# the service's credentials, to DATABASE on HOST:PORT (default, its own
# server).
probe_database() {
  with_container "$2" "$3" || return
  if ! dsn="$("$RUNNER" exec "$cid" printenv "$4" 2>/dev/null)" || ! split_dsn "$dsn"; then
    report unable "$2" "the service $3 has no database URL in $4"
    return
  fi
  dsn=""
  PGDATABASE="$5"
  if [ -n "${6:-}" ]; then
    PGHOST="$6"
    PGPORT="$7"
  fi
  export PGHOST PGPORT PGDATABASE
  out="$("$RUNNER" run --rm --network "container:$cid" -e PGHOST -e PGPORT -e PGUSER \
    -e PGPASSWORD -e PGDATABASE -e PGSSLMODE -e PGCONNECT_TIMEOUT=10 \
    "$POSTGRES_IMAGE" psql -X -t -A -q -c 'SELECT 1' 2>&1)"
  status=$?
  PGPASSWORD=""
  db_verdict "$1" "$2" "$status" "$out" "${6:-}"
}
# curl_in CID ARGS...: curl in the container's network namespace.
curl_in() {
  cid="$1"
  shift
  "$RUNNER" run --rm --network "container:$cid" "$CURL_IMAGE" "$@"
}
# target_url URL: the URL as the container sees it.
target_url() { printf '%s' "$1"; }
# proxy_target PROXY PORT: where the proxy's PORT is, as "ip port".
proxy_target() { printf '127.0.0.1 %s' "$2"; }
"#;

/// The probes from this host.
const LOCAL: &str = r#"# need NAME...: every variable the DSNs are read from is set.
need() {
  missing=""
  for name in "$@"; do
    eval "[ -n \"\${$name:-}\" ]" || missing="$missing $name"
  done
  if [ -n "$missing" ]; then
    printf 'Bail out! not set:%s\n' "$missing"
    exit 2
  fi
}
# address HOST PORT: HOST:PORT, or what ISOLINT_ADDR_<HOST>_<PORT> or
# ISOLINT_ADDR_<HOST> says.
address() {
  case "$2" in '' | *[!0-9]*) printf '%s:%s' "$1" "$2"; return 1 ;; esac
  name="ISOLINT_ADDR_$(printf '%s' "$1" | tr 'a-z.-' 'A-Z__' | tr -cd 'A-Z0-9_')"
  eval "given=\${${name}_$2:-\${$name:-}}"
  if [ -n "$given" ]; then
    printf '%s' "$given"
  else
    printf '%s:%s' "$1" "$2"
    return 1
  fi
}
# probe_database EXPECTED DESCRIPTION SERVICE DSN DATABASE [HOST PORT]
probe_database() {
  if ! split_dsn "$4"; then
    report unable "$2" "the DSN of $3 is not a URL"
    return
  fi
  if [ -n "${6:-}" ]; then
    PGHOST="$6"
    PGPORT="$7"
  fi
  given="$(address "$PGHOST" "$PGPORT")"
  PGHOST="${given%:*}"
  PGPORT="${given##*:}"
  PGDATABASE="$5"
  export PGHOST PGPORT PGDATABASE
  out="$(PGCONNECT_TIMEOUT=10 psql -X -t -A -q -c 'SELECT 1' 2>&1)"
  status=$?
  PGPASSWORD=""
  db_verdict "$1" "$2" "$status" "$out"
}
# container SERVICE: here, the service itself.
container() { printf '%s' "$1"; }
# curl_in SERVICE ARGS...: curl from this host.
curl_in() {
  shift
  curl "$@"
}
# target_url URL: the URL with its host and port as given; false when
# no address is given for them.
target_url() {
  scheme="${1%%://*}"
  rest="${1#*://}"
  hostport="${rest%%/*}"
  path="${rest#"$hostport"}"
  host="${hostport%:*}"
  port=80
  [ "$scheme" = https ] && port=443
  case "$hostport" in *:*) port="${hostport##*:}" ;; esac
  mapped="$(address "$host" "$port")"
  found=$?
  printf '%s://%s%s' "$scheme" "$mapped" "$path"
  return "$found"
}
# proxy_target PROXY PORT: where the proxy's PORT is, as "ip port".
proxy_target() {
  given="$(address "$1" "$2")"
  printf '%s %s' "${given%:*}" "${given##*:}"
}
"#;

/// The HTTP probes, on the runner's `container`, `curl_in`, `target_url`
/// and `proxy_target`.
const HTTP: &str = r#"# answer CID URL [CURL OPTIONS]: the status and checksum of the answer;
# nothing when there is none.
answer() {
  cid="$1"
  url="$2"
  shift 2
  out="$(curl_in "$cid" -s -k --max-time 5 -w '\n%{http_code}' "$@" "$url")"
  [ -n "$out" ] || return 1
  [ "$(printf '%s\n' "$out" | tail -n 1)" != 000 ] || return 1
  printf '%s' "$out" | cksum
}
# probe_http EXPECTED DESCRIPTION SERVICE URL
probe_http() {
  with_container "$2" "$3" || return
  # From this host, a name that does not resolve proves nothing.
  if ! url="$(target_url "$4")" && [ "$1" = refused ]; then
    report unable "$2" "no ISOLINT_ADDR_ is given for the host of $4"
    return
  fi
  code="$(curl_in "$cid" -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")"
  if [ -z "$code" ]; then
    report unable "$2" "curl did not run"
    return
  fi
  http_verdict "$1" "$2" "$code"
}
# probe_proxy EXPECTED DESCRIPTION PROXY SCHEME HOST PORT PATH OWN OTHERS:
# the site's answer through the proxy is its own upstreams' answer.
probe_proxy() {
  with_container "$2" "$3" || return
  target="$(proxy_target "$3" "$6")"
  ip="${target% *}"
  port="${target#* }"
  if ! through="$(answer "$cid" "$4://$5:$port$7" --resolve "$5:$port:$ip")"; then
    report unable "$2" "no answer from $5 through $3"
    return
  fi
  own=""
  for dial in $8; do
    [ "$(answer "$cid" "$(target_url "http://$dial$7")")" = "$through" ] && own="$dial"
  done
  other=""
  for dial in $9; do
    [ "$(answer "$cid" "$(target_url "http://$dial$7")")" = "$through" ] && other="$dial"
  done
  if [ -n "$other" ] && [ -z "$own" ]; then
    report breach "$2" "it answered as $other, of the other domain"
  elif [ -n "$own" ] && [ -z "$other" ]; then
    report held "$2" ""
  elif [ -n "$own" ]; then
    report skip "$2" "$own and $other answer $7 alike, so what answered cannot be told"
  else
    report unable "$2" "its answer is none of the upstreams' answers"
  fi
}
# probe_cookie EXPECTED DESCRIPTION SERVICE URL OTHER_HOSTS: no cookie
# the login flow sets has a Domain covering one of OTHER_HOSTS.
probe_cookie() {
  with_container "$2" "$3" || return
  url="$(target_url "$4")"
  headers="$(curl_in "$cid" -s -o /dev/null -D - --max-time 5 "$url")"
  if ! printf '%s\n' "$headers" | grep -qi '^set-cookie:'; then
    report unable "$2" "its login flow set no cookie"
    return
  fi
  domains="$(printf '%s\n' "$headers" | awk '
    tolower($1) == "set-cookie:" {
      n = split($0, parts, ";")
      for (i = 2; i <= n; i++) {
        p = parts[i]
        sub(/^[ \t]+/, "", p)
        if (tolower(substr(p, 1, 7)) == "domain=") {
          d = tolower(substr(p, 8))
          sub(/^\./, "", d)
          sub(/[ \t\r]+$/, "", d)
          print d
        }
      }
    }')"
  for d in $domains; do
    for h in $5; do
      case "$h" in "$d" | *".$d")
        report breach "$2" "a cookie for $d covers $h"
        return
        ;;
      esac
    done
  done
  report held "$2" ""
}
# probe_client EXPECTED DESCRIPTION HYDRA URL: found (200) or not (404).
probe_client() {
  with_container "$2" "$3" || return
  url="$(target_url "$4")"
  code="$(curl_in "$cid" -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")"
  case "$code" in
    200) verdict "$1" reached "$2" "it is there (HTTP 200)" ;;
    404) verdict "$1" refused "$2" "it is not there (HTTP 404)" ;;
    *) report unable "$2" "HTTP ${code:-000} from the admin API of $3" ;;
  esac
}
"#;

const SUMMARY: &str = r#"printf '# %d probes: %d held, %d breached, %d skipped, %d could not run\n' "$n" "$((n - failed - unable - skipped))" "$failed" "$skipped" "$unable"
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$unable" -gt 0 ]; then exit 2; fi
exit 0
"#;
