//! The plan as a POSIX `sh` script that prints TAP. With `podman` or
//! `docker` each probe runs inside the network namespace of the service
//! it speaks for (`--network container:ID`), so it sees what that service
//! sees: `psql` from the environment's Postgres image, BusyBox `wget`
//! from its proxy image. With `local` it runs `psql` and `curl` on this
//! host, to the addresses `ISOLINT_ADDR_<HOST>=ip:port` give. A service's
//! credentials are read when the script runs, from the service's own
//! environment (or the script's, locally), handed to `psql` in its
//! environment and never printed; the script holds none.

use super::{Action, Expect, Plan, Runner};
use std::fmt::Write as _;

/// Images used when the environment names none.
const DEFAULT_POSTGRES_IMAGE: &str = "docker.io/library/postgres:16-alpine";
const DEFAULT_PROBE_IMAGE: &str = "docker.io/library/busybox:1.37";

/// `text` as one single-quoted `sh` word.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The script; `ssh`, a host to run it on (the script goes over `ssh` on
/// standard input).
pub fn render(plan: &Plan, ssh: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh");
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
            let _ = writeln!(out, "exec ssh -- {} sh -s <<'ISOLINT_AUDIT'", quote(host));
            body(plan, &mut out);
            out.push_str("ISOLINT_AUDIT\n");
        }
        None => body(plan, &mut out),
    }
    out
}

fn body(plan: &Plan, out: &mut String) {
    out.push_str("set -f\n");
    if plan.runner != Runner::Local {
        let _ = writeln!(out, "RUNNER={}", plan.runner.as_str());
        let _ = writeln!(
            out,
            "POSTGRES_IMAGE=\"${{ISOLINT_POSTGRES_IMAGE:-{}}}\"",
            plan.postgres_image
                .as_deref()
                .unwrap_or(DEFAULT_POSTGRES_IMAGE)
        );
        let _ = writeln!(
            out,
            "PROBE_IMAGE=\"${{ISOLINT_PROBE_IMAGE:-{}}}\"",
            plan.probe_image.as_deref().unwrap_or(DEFAULT_PROBE_IMAGE)
        );
    }
    out.push_str(COMMON);
    out.push_str(match plan.runner {
        Runner::Local => LOCAL,
        Runner::Podman | Runner::Docker => CONTAINERS,
    });
    if plan.runner == Runner::Local {
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
        let name = quote(&probe.name);
        let line = match (&probe.action, plan.runner) {
            (
                Action::Database {
                    template: Some(template),
                    database,
                    service,
                    ..
                },
                Runner::Local,
            ) => format!(
                "probe_database {expect} {name} {} \"{template}\" {}",
                quote(service),
                quote(database)
            ),
            (Action::Database { service, .. }, Runner::Local) => format!(
                "report unable {name} {}",
                quote(&format!(
                    "the DSN of {service} holds a written password, which is not copied here"
                ))
            ),
            (
                Action::Database {
                    service,
                    key,
                    database,
                    ..
                },
                _,
            ) => format!(
                "probe_database {expect} {name} {} {} {}",
                quote(service),
                quote(key),
                quote(database)
            ),
            (Action::Http { service, url }, _) => {
                format!(
                    "probe_http {expect} {name} {} {}",
                    quote(service),
                    quote(url)
                )
            }
        };
        let _ = writeln!(out, "{line}");
    }
    out.push_str(SUMMARY);
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
        let defaulted = [":-", "-", ":+", "+"].iter().any(|o| op.starts_with(o));
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
# report held|breach|unable DESCRIPTION DETAIL
report() {
  n=$((n + 1))
  case "$1" in
    held) printf 'ok %d - %s\n' "$n" "$2" ;;
    breach)
      failed=$((failed + 1))
      printf 'not ok %d - %s\n' "$n" "$2"
      printf '#   %s\n' "$3"
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
# unpct TEXT: TEXT with %XX decoded.
unpct() {
  printf '%s' "$1" | awk '
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
    case "$param" in sslmode=*) PGSSLMODE="${param#sslmode=}" ;; esac
  done
  IFS="$old_ifs"
  # The probe asks who may connect, not whose certificate the server
  # has: verify-* needs a CA file the probe does not carry.
  case "$PGSSLMODE" in verify-*) PGSSLMODE=require ;; esac
  export PGHOST PGPORT PGUSER PGPASSWORD PGSSLMODE
}
# db_verdict EXPECTED DESCRIPTION STATUS OUTPUT: what psql said.
db_verdict() {
  if [ "$3" -eq 0 ]; then
    verdict "$1" reached "$2" "psql connected as $PGUSER to $PGDATABASE"
    return
  fi
  case "$4" in
    *"password authentication failed"* | *"permission denied"* | *"no pg_hba.conf entry"* | *"does not exist"* | *"authentication failed"*)
      verdict "$1" refused "$2" "psql: $(printf '%s\n' "$4" | head -n 1)"
      ;;
    *) report unable "$2" "psql: $(printf '%s\n' "$4" | head -n 1)" ;;
  esac
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
# probe_database EXPECTED DESCRIPTION SERVICE KEY DATABASE
probe_database() {
  if ! cid="$(container "$3")"; then
    report unable "$2" "no running container of the service $3"
    return
  fi
  if ! dsn="$("$RUNNER" exec "$cid" printenv "$4" 2>/dev/null)" || ! split_dsn "$dsn"; then
    report unable "$2" "the service $3 has no database URL in $4"
    return
  fi
  dsn=""
  PGDATABASE="$5"
  export PGDATABASE
  out="$("$RUNNER" run --rm --network "container:$cid" -e PGHOST -e PGPORT -e PGUSER \
    -e PGPASSWORD -e PGDATABASE -e PGSSLMODE -e PGCONNECT_TIMEOUT=10 \
    "$POSTGRES_IMAGE" psql -X -t -A -q -c 'SELECT 1' 2>&1)"
  status=$?
  PGPASSWORD=""
  db_verdict "$1" "$2" "$status" "$out"
}
# probe_http EXPECTED DESCRIPTION SERVICE URL
probe_http() {
  if ! cid="$(container "$3")"; then
    report unable "$2" "no running container of the service $3"
    return
  fi
  code="$("$RUNNER" run --rm --network "container:$cid" "$PROBE_IMAGE" \
    wget -S -O /dev/null -T 5 "$4" 2>&1 \
    | awk '{ for (i = 1; i < NF; i++) if ($i ~ /^HTTP\//) c = $(i + 1) } END { print c + 0 }')"
  http_verdict "$1" "$2" "$code"
}
"#;

/// The probes from this host.
const LOCAL: &str = r#"# need NAME...: every variable the DSNs are read from is set.
need() {
  missing=""
  for name in "$@"; do
    eval "[ -n \"\${$name+set}\" ]" || missing="$missing $name"
  done
  if [ -n "$missing" ]; then
    printf 'Bail out! not set:%s\n' "$missing"
    exit 2
  fi
}
# address HOST PORT: HOST:PORT, or what ISOLINT_ADDR_<HOST> says.
address() {
  name="ISOLINT_ADDR_$(printf '%s' "$1" | tr 'a-z.-' 'A-Z__' | tr -cd 'A-Z0-9_')"
  eval "given=\${$name:-}"
  if [ -n "$given" ]; then printf '%s' "$given"; else printf '%s:%s' "$1" "$2"; fi
}
# probe_database EXPECTED DESCRIPTION SERVICE DSN DATABASE
probe_database() {
  if ! split_dsn "$4"; then
    report unable "$2" "the DSN of $3 is not a URL"
    return
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
# probe_http EXPECTED DESCRIPTION SERVICE URL
probe_http() {
  scheme="${4%%://*}"
  rest="${4#*://}"
  hostport="${rest%%/*}"
  path="${rest#"$hostport"}"
  host="${hostport%:*}"
  port=80
  [ "$scheme" = https ] && port=443
  case "$hostport" in *:*) port="${hostport##*:}" ;; esac
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$scheme://$(address "$host" "$port")$path")"
  http_verdict "$1" "$2" "${code:-0}"
}
"#;

const SUMMARY: &str = r#"printf '# %d probes: %d held, %d breached, %d could not run\n' "$n" "$((n - failed - unable))" "$failed" "$unable"
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$unable" -gt 0 ]; then exit 2; fi
exit 0
"#;
