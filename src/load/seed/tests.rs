use super::*;

/// (admin URL text, client id text, method, unbound variables of the id)
type Found = (Option<String>, Option<String>, String, Vec<String>);

fn regs(src: &str) -> Vec<Found> {
    registrations(FileId(0), src, &Context::with_vars(&Vars::new()))
        .unwrap_or_else(|d| panic!("{}", d.message))
        .into_iter()
        .map(|r| {
            let vars = r.client_id.as_ref().map(Value::unbound).unwrap_or_default();
            (
                r.admin_url.text(),
                r.client_id.as_ref().and_then(Value::text),
                r.method,
                vars,
            )
        })
        .collect()
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn recursive_functions_stop_at_the_call_budget() {
    // Found by fuzzing: functions calling themselves with long words
    // ran 10,000 calls, each parsing every word again.
    let long = "x".repeat(400);
    let src = format!(
        "f() {{\n  V={long}\n  f \"$1\" \"$V\"\n  f \"$1\" \"$V\" \"$V\"\n  curl -X POST \"$1/admin/clients\" -d '{{\"client_id\": \"a\"}}'\n}}\nf http://ciam-hydra:4445\n"
    );
    let regs = registrations(FileId(0), &src, &Context::with_vars(&Vars::new()))
        .unwrap_or_else(|d| panic!("{}", d.message));
    // Each call followed registers once: exactly the budget's worth.
    assert_eq!(regs.len(), 1_000);
}

#[test]
fn inline_payload_and_default_admin_url() {
    let src = r#"#!/bin/sh
set -eu
IAM_HYDRA_ADMIN_URL="${IAM_HYDRA_ADMIN_URL:-http://iam-hydra:4445}"
curl -sf -X POST "${IAM_HYDRA_ADMIN_URL}/admin/clients" \
  -H 'Content-Type: application/json' \
  -d '{"client_id": "site-iam-client", "grant_types": ["authorization_code"]}'
"#;
    assert_eq!(
        regs(src),
        vec![(
            s("http://iam-hydra:4445"),
            s("site-iam-client"),
            "POST".into(),
            vec![]
        )]
    );
}

#[test]
fn payload_in_an_earlier_variable() {
    let src = r#"PAYLOAD='{"client_id":"athena-ciam-client","scope":"openid"}'
curl -X POST "$CIAM_HYDRA_ADMIN_URL/admin/clients" -d "${PAYLOAD}"
"#;
    let r = regs(src);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, None, "the admin URL is only known at deploy time");
    assert_eq!(r[0].1, s("athena-ciam-client"));
}

#[test]
fn wrapper_function_with_positional_parameters() {
    let src = r#"create_oauth2_client() {
  local url="$1"
  curl -s -X POST "${url}/admin/clients" -d "{\"client_id\": \"$2\", \"client_name\": \"$3\"}"
}
SITE_CIAM_CLIENT_ID=site-ciam-client
create_oauth2_client "http://ciam-hydra:4445" "${SITE_CIAM_CLIENT_ID}" "Shop"
create_oauth2_client "http://iam-hydra:4445" "$UNKNOWN_ID" "Staff"
"#;
    let r = regs(src);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(
        (r[0].0.clone(), r[0].1.clone()),
        (s("http://ciam-hydra:4445"), s("site-ciam-client"))
    );
    assert_eq!(
        (r[1].0.clone(), r[1].1.clone(), r[1].3.clone()),
        (
            s("http://iam-hydra:4445"),
            None,
            vec!["UNKNOWN_ID".to_string()]
        )
    );
}

#[test]
fn put_by_id_and_hydra_cli() {
    let src = r#"curl -X PUT "http://iam-hydra:4445/admin/clients/athena-ciam-client" -d @client.json
hydra create client --endpoint http://ciam-hydra:4445 --id site-ciam-client --grant-type authorization_code
hydra create oauth2-client --endpoint=http://iam-hydra:4445 --id "$ID"
curl http://iam-hydra:4445/admin/clients
"#;
    let r = regs(src);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!(
        (r[0].1.clone(), r[0].2.as_str()),
        (s("athena-ciam-client"), "PUT")
    );
    assert_eq!(
        (r[1].0.clone(), r[1].1.clone(), r[1].2.as_str()),
        (s("http://ciam-hydra:4445"), s("site-ciam-client"), "cli")
    );
    assert_eq!(
        (r[2].0.clone(), r[2].3.clone()),
        (s("http://iam-hydra:4445"), vec!["ID".to_string()])
    );
}

#[test]
fn exec_wrappers_and_call_explosions() {
    let src = "docker compose exec -T iam-hydra hydra create client --endpoint http://iam-hydra:4445 --id x\nf() { f; f; f; f; }\nf\n";
    let r = regs(src);
    assert_eq!(r.len(), 1, "{r:?}");
    let deep = "(".repeat(5000) + &")".repeat(5000);
    assert!(registrations(FileId(0), &deep, &Context::with_vars(&Vars::new())).is_err());
}

#[test]
fn v1_forms_and_the_cli_endpoint_from_the_environment() {
    let src = r#"hydra clients create --endpoint http://hydra:4445 --id v1-cli
curl -X POST http://hydra:4445/clients -d '{"client_id": "v1-curl"}'
curl -X POST http://hydra:4445/clientsx -d '{"client_id": "not-admin"}'
docker compose exec -T hydra hydra create oauth2-client --client-id in-container
curl -X POST http://keycloak:8080/admin/realms/x/clients -d '{"client_id": "keycloak"}'
curl -X POST http://hydra:4445/admin/clients -d @missing.json
"#;
    let r = regs(src);
    assert_eq!(r.len(), 4, "{r:?}");
    // A payload that cannot be read still makes a registration.
    assert_eq!((r[3].1.clone(), r[3].2.as_str()), (None, "POST"));
    assert_eq!(
        (r[0].0.clone(), r[0].1.clone()),
        (s("http://hydra:4445"), s("v1-cli"))
    );
    assert_eq!(
        (r[1].0.clone(), r[1].1.clone()),
        (s("http://hydra:4445"), s("v1-curl"))
    );
    // No `--endpoint`: `$HYDRA_ADMIN_URL`, unknown here.
    assert_eq!((r[2].0.clone(), r[2].1.clone()), (None, s("in-container")));
    let found =
        registrations(FileId(0), src, &Context::with_vars(&Vars::new())).unwrap_or_default();
    assert_eq!(found[2].admin_url.vars(), ["HYDRA_ADMIN_URL"]);
    assert_eq!(found[2].inside.as_deref(), Some("hydra"));
}

#[test]
fn payloads_from_heredocs_here_strings_files_and_jq() {
    let src = r#"curl -X POST "$U/admin/clients" -d @- <<'EOF'
{"client_id": "from-heredoc"}
EOF
curl -X POST "$U/admin/clients" --data-binary @- <<EOF
{"client_id": "app-$SUFFIX"}
EOF
curl -X POST "$U/admin/clients" -d @- <<< '{"client_id": "here-string"}'
curl -X POST "$U/admin/clients" -d @client.json
curl -X POST "$U/admin/clients" --data-raw @client.json
curl -X POST "$U/admin/clients" -d "$(jq -n --arg id "$JQ_ID" '{client_id: $id, scope: "openid"}')"
"#;
    let json = "{\n  \"client_id\": \"from-file\"\n}\n";
    let read = |name: &str| {
        (name == "client.json").then(|| Value::literal(json, Span::new(FileId(7), 0, json.len())))
    };
    let vars = Vars::new();
    let found = registrations(
        FileId(0),
        src,
        &Context {
            vars: &vars,
            file: &read,
        },
    )
    .unwrap_or_else(|d| panic!("{}", d.message));
    let ids: Vec<String> = found
        .iter()
        .map(|r| {
            r.client_id
                .as_ref()
                .map(Value::template_text)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "from-heredoc",
            "app-${SUFFIX}",
            "here-string",
            "from-file",
            "",
            "${JQ_ID}"
        ]
    );
    // Exact spans: in the script for a quoted heredoc, in the file.
    let at = |i: usize| found[i].client_id.as_ref().and_then(Value::span);
    let start = src.find("from-heredoc").unwrap_or(0);
    assert_eq!(at(0), Some(Span::new(FileId(0), start, start + 12)));
    assert_eq!(at(3), Some(Span::new(FileId(7), 18, 27)));
}

#[test]
fn only_deploy_time_variables_are_listed() {
    let src = r#"URL="${HYDRA_URL:-http://hydra:4445}"
reg() {
  local id="$2"
  curl -X POST "$1/admin/clients" -d "{\"client_id\": \"${id}\"}"
}
reg "$URL" "${APP_CLIENT_ID}"
for c in one two; do
  curl -X POST "$URL/admin/clients" -d "{\"client_id\": \"$c\"}"
done
read -r answer
curl -X POST "$URL/admin/clients" -d "{\"client_id\": \"$answer\"}"
"#;
    let found = registrations(FileId(0), src, &Context::with_vars(&Vars::new()))
        .unwrap_or_else(|d| panic!("{}", d.message));
    assert_eq!(found.len(), 3);
    for r in &found[1..] {
        let vars = r.client_id.as_ref().map(Value::vars).unwrap_or_default();
        assert!(vars.is_empty(), "a loop or read variable: {vars:?}");
    }
    let id = found[0].client_id.clone().unwrap_or_default();
    assert_eq!(id.vars(), ["APP_CLIENT_ID"]);
    assert_eq!(found[0].admin_url.vars(), ["HYDRA_URL"]);
    assert_eq!(
        found[0].admin_url.text().as_deref(),
        Some("http://hydra:4445")
    );
}

#[test]
fn registrations_inside_conditionals_and_loops() {
    let src = r#"for c in a b; do
  if [ -n "$c" ]; then
curl -X POST http://h:4445/admin/clients -d '{"client_id":"x"}'
  fi
done
"#;
    assert_eq!(regs(src).len(), 1);
}

#[test]
fn a_script_that_does_not_parse_is_a_diagnostic() {
    let d = registrations(
        FileId(0),
        "if then fi (\n",
        &Context::with_vars(&Vars::new()),
    );
    assert!(d.is_err());
    let d = registrations(
        FileId(0),
        "echo \"unterminated\n",
        &Context::with_vars(&Vars::new()),
    );
    assert!(d.is_err());
}
