//! `isolint audit`: the script it writes for the bundled example (a
//! snapshot, which `sh -n` and Debian's `shellcheck` pass), and the
//! database probes run for real: a throwaway PostgreSQL cluster (Debian's
//! `postgresql`, on a loopback port, as an unprivileged user) set up by
//! the fixture's `init-db.sql`, probed with `--runner local`. Every probe
//! holds; once one grant is widened, that probe and only it breaches.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::common::repo;

/// `isolint ARGS` run from the repository, which must succeed: its stdout.
pub fn isolint(args: &[&str]) -> String {
    crate::common::run_both(args, 0).0
}

/// The script passes `sh -n` and shellcheck (POSIX sh).
pub fn assert_clean(script: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("audit.sh");
    std::fs::write(&file, script).unwrap_or_else(|e| panic!("{e}"));
    let parses = Command::new("sh")
        .arg("-n")
        .arg(&file)
        .status()
        .is_ok_and(|s| s.success());
    assert!(parses, "sh -n fails");
    let out = Command::new("shellcheck")
        .args(["--shell=sh", "--severity=style"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("shellcheck (Debian's package; .ci/run installs it): {e}"));
    assert!(
        out.status.success(),
        "shellcheck:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_bundled_examples_audit_script() {
    let script = isolint(&["audit", "fixtures/olympus", "--environment", "prod"]);
    assert_clean(&script);
    insta::assert_snapshot!("audit_olympus_prod_podman", script);
    for runner in ["docker", "local"] {
        assert_clean(&isolint(&[
            "audit",
            "fixtures/olympus",
            "--environment",
            "prod",
            "--runner",
            runner,
        ]));
    }
    let over_ssh = isolint(&[
        "audit",
        "fixtures/olympus",
        "--environment",
        "prod",
        "--ssh",
        "deploy@prod.example.com",
    ]);
    assert_clean(&over_ssh);
    assert!(over_ssh.contains("\nssh -- 'deploy@prod.example.com' sh -s <<'ISOLINT_AUDIT'\n"));
    // ssh's own failure is a probe that could not run (2), not 255.
    assert!(over_ssh.ends_with(
        "ISOLINT_AUDIT\nstatus=$?\nif [ \"$status\" -gt 2 ]; then echo \"Bail out! ssh failed ($status)\"; exit 2; fi\nexit \"$status\"\n"
    ));
}

/// The local script of the HTTP fixture (`tests/audit/http`).
pub fn http_script() -> String {
    let script = isolint(&[
        "audit",
        "tests/audit/http",
        "--environment",
        "prod",
        "--runner",
        "local",
    ]);
    assert_clean(&script);
    script
}

/// PostgreSQL's server programs (Debian's `postgresql`).
fn pg_bin() -> PathBuf {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .find(|bin| bin.join("initdb").is_file());
    found.unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (Debian's postgresql; .ci/run installs it)")
    })
}

/// A PostgreSQL cluster in a temporary folder, run by `nobody` on a
/// loopback port; stopped when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn as_nobody(&self, program: &str) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(self.bin.join(program))
            .current_dir(self.dir.path());
        cmd
    }

    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777))
            .unwrap_or_else(|e| panic!("{e}"));
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let cluster = Cluster {
            dir,
            bin: pg_bin(),
            port,
        };
        let data = cluster.dir.path().join("data");
        ok(cluster
            .as_nobody("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-instructions",
            ])
            .output());
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            cluster.dir.path().display()
        );
        ok(cluster
            .as_nobody("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-w", "-l"])
            .arg(cluster.dir.path().join("log"))
            .arg("start")
            .output());
        cluster
    }

    /// Runs SQL as the superuser, over the cluster's own socket.
    fn sql(&self, sql: &str) {
        let file = self.dir.path().join("run.sql");
        std::fs::write(&file, sql).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        ok(self
            .as_nobody("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .arg("-h")
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-f"])
            .arg(&file)
            .output());
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .as_nobody("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn ok(out: std::io::Result<Output>) {
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const ROLES: [&str; 4] = ["ciam_kratos", "ciam_hydra", "iam_kratos", "iam_hydra"];

fn password(role: &str) -> String {
    format!("pw-{role}-s3cret")
}

/// Runs the local script against the cluster (whose address the script
/// holds): each service's DSN variables set, the Ory services at a
/// closed port.
fn run_audit(script: &Path) -> (i32, String) {
    let mut cmd = Command::new("sh");
    cmd.arg(script).env("POSTGRES_SSLMODE", "disable");
    for service in ["CIAM_KRATOS", "CIAM_HYDRA", "IAM_KRATOS", "IAM_HYDRA"] {
        cmd.env(format!("ISOLINT_ADDR_{service}"), "127.0.0.1:9");
    }
    for role in ROLES {
        let upper = role.to_uppercase();
        cmd.env(format!("PG_{upper}_USER"), role)
            .env(format!("PG_{upper}_PASSWORD"), password(role));
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("sh: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for role in ROLES {
        assert!(
            !text.contains(&password(role)),
            "a password is printed:\n{text}"
        );
    }
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn database_probes_against_a_real_postgres() {
    let started = Instant::now();
    let cluster = Cluster::start();
    let init =
        std::fs::read_to_string(repo().join("tests/audit/databases/platform/prod/init-db.sql"))
            .unwrap_or_else(|e| panic!("{e}"));
    cluster.sql(&init);
    let passwords: String = ROLES
        .iter()
        .map(|r| format!("ALTER ROLE {r} PASSWORD '{}';\n", password(r)))
        .collect();
    cluster.sql(&passwords);

    // Postgres's address is given when the script is made (a staging
    // host's, say); the Ory services' when it runs.
    let postgres = format!("ISOLINT_ADDR_POSTGRES=127.0.0.1:{}", cluster.port);
    let script = isolint(&[
        "audit",
        "tests/audit/databases",
        "--environment",
        "prod",
        "--runner",
        "local",
        "--var",
        &postgres,
    ]);
    assert_clean(&script);
    for role in ROLES {
        assert!(!script.contains(&password(role)));
    }
    let file = cluster.dir.path().join("audit.sh");
    std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{e}"));

    let (code, out) = run_audit(&file);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("1..20\n"), "{out}");
    assert_eq!(out.matches("\nok ").count(), 20, "{out}");
    assert!(
        out.contains("# 20 probes: 20 held, 0 breached, 0 skipped, 0 could not run"),
        "{out}"
    );

    // One grant widened: CONNECT, and a table's rights.
    cluster.sql(
        "GRANT CONNECT ON DATABASE iam_kratos TO ciam_kratos;\n\
         \\c iam_kratos\n\
         CREATE TABLE identities (id int);\n\
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO ciam_kratos;\n",
    );
    let (code, out) = run_audit(&file);
    assert_eq!(code, 1, "{out}");
    let breaches: Vec<&str> = out.lines().filter(|l| l.starts_with("not ok")).collect();
    assert_eq!(
        breaches,
        vec!["not ok 2 - ciam-kratos (CIAM) cannot open iam_kratos (IAM) with its credentials"],
        "{out}"
    );
    assert!(
        out.contains("#   psql connected as ciam_kratos to iam_kratos"),
        "{out}"
    );
    eprintln!(
        "the real-Postgres audit test: {} ms (cluster, two runs of 20 probes)",
        started.elapsed().as_millis()
    );
}

#[test]
fn the_plan_matches_its_shipped_schema() {
    use crate::outputs::{parse, shipped_schema, validate};
    let schema = shipped_schema("audit", &isolint::audit::json::schema());
    let plan = parse(&isolint(&[
        "audit",
        "fixtures/olympus",
        "--environment",
        "prod",
        "--format",
        "json",
    ]));
    validate(&schema, &plan);
    let probes = plan["probes"].as_array().cloned().unwrap_or_default();
    // Each probe with its relation and the lines it is read from.
    let first = &probes[0];
    assert_eq!(first["kind"], "database");
    assert_eq!(first["expect"], "reached");
    assert_eq!(first["from"], "ciam-kratos");
    assert_eq!(first["credentials"], "DSN");
    assert_eq!(
        first["sources"][0]["file"],
        "fixtures/olympus/platform/prod/compose.prod.yml"
    );
    let exceptions: Vec<&serde_json::Value> = probes
        .iter()
        .filter(|p| p["kind"] == "http" && p["expect"] == "reached")
        .collect();
    assert_eq!(exceptions.len(), 2, "the sign-in exception's two URLs");
    // An environment that does not exist is a usage error.
    let (_, stderr) =
        crate::common::run_both(&["audit", "fixtures/olympus", "--environment", "nope"], 2);
    assert!(stderr.contains("no environment named 'nope'"), "{stderr}");
}

/// The probes a finding predicts in `root`'s environment `env`: (the
/// finding's code, the probe's description), in the script's order.
fn predicted(root: &str, env: &str) -> Vec<(String, String)> {
    let script = isolint(&["audit", root, "--environment", env]);
    let lines: Vec<&str> = script.lines().collect();
    lines
        .windows(2)
        .filter_map(|pair| {
            let finding = pair[0].strip_prefix("# A breach is expected: ")?;
            let code = finding.split(' ').next().unwrap_or_default();
            // The second word, single-quoted (`'\''` is a quote in it).
            let line = pair[1].replace("'\\''", "\u{1}");
            let description = line.split('\'').nth(1).unwrap_or_default();
            Some((code.to_string(), description.replace('\u{1}', "'")))
        })
        .collect()
}

/// Each probe whose breach a finding already describes says so, and only
/// those: each case's whole list of predicted probes.
#[test]
fn findings_predict_the_breaches_they_describe() {
    let admin = |from: &str, of: &str| format!("{from} cannot use the admin API of {of}");
    let expect = |list: &[(&str, String)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(c, d)| (c.to_string(), d.clone()))
            .collect()
    };
    assert_eq!(
        predicted("tests/rules/ISO001/dotenv", "prod"),
        expect(&[
            (
                "ISO001",
                "ciam-kratos (CIAM) cannot open iam_kratos (IAM) with its credentials".into()
            ),
            ("ISO010", admin("iam-kratos (IAM)", "ciam-kratos (CIAM)")),
            ("ISO010", admin("ciam-kratos (CIAM)", "iam-kratos (IAM)")),
        ])
    );
    assert_eq!(
        predicted("tests/rules/ISO004/literal", "prod"),
        expect(&[
            ("ISO010", admin("iam-hydra (IAM)", "ciam-hydra (CIAM)")),
            ("ISO010", admin("ciam-hydra (CIAM)", "iam-hydra (IAM)")),
            (
                "ISO004",
                "the OAuth2 client site-client does not exist in iam-hydra (IAM)".into()
            ),
            (
                "ISO004",
                "the OAuth2 client site-client does not exist in ciam-hydra (CIAM)".into()
            ),
        ])
    );
    // A prediction names the probe's own services: the admin API of
    // iam-kratos is not predicted by ciam-kratos's finding.
    assert_eq!(
        predicted("tests/rules/ISO010/shared-network", "dev"),
        expect(&[
            ("ISO010", admin("iam-hera (IAM)", "ciam-kratos (CIAM)")),
            ("ISO010", admin("iam-worker (IAM)", "ciam-kratos (CIAM)")),
        ])
    );
    // A site proxied only to the other domain is probed, and its finding
    // (at the probe's own line) predicts it.
    let crossed = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    crate::common::copy_tree(&repo().join("tests/audit/http"), crossed.path());
    let caddyfile = crossed.path().join("platform/prod/Caddyfile");
    let text = std::fs::read_to_string(&caddyfile).unwrap_or_else(|e| panic!("{e}"));
    // (Each name of a site is probed: it answers to two.)
    let two_names = text
        .replace("{$CIAM_HERA:ciam-hera:3000}", "iam-hera:3000")
        .replace(
            "http://login.ciam.example.test:{$PROXY_PORT:8080} {",
            "http://login.ciam.example.test:{$PROXY_PORT:8080}, http://www.ciam.example.test:{$PROXY_PORT:8080} {",
        );
    std::fs::write(&caddyfile, two_names).unwrap_or_else(|e| panic!("{e}"));
    let through = |host: &str| {
        (
            "ISO003",
            format!("{host} (CIAM) is answered by its own upstream through caddy"),
        )
    };
    assert_eq!(
        predicted(&crossed.path().to_string_lossy(), "prod"),
        expect(&[
            through("login.ciam.example.test"),
            through("www.ciam.example.test")
        ])
    );
    // A parent session-cookie domain: predicted, and the probe says that
    // the login flow alone does not show that cookie.
    let session = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    crate::common::copy_tree(&repo().join("tests/audit/http"), session.path());
    let compose = session.path().join("platform/prod/compose.yml");
    let text = std::fs::read_to_string(&compose).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &compose,
        text.replacen(
            "  ciam-kratos:\n    <<: *kratos\n    networks: [ciam]\n",
            "  ciam-kratos:\n    <<: *kratos\n    networks: [ciam]\n    environment:\n      SESSION_COOKIE_DOMAIN: example.test\n",
            1,
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let root = session.path().to_string_lossy().into_owned();
    assert_eq!(
        predicted(&root, "prod"),
        expect(&[(
            "ISO002",
            "ciam-kratos (CIAM) sets no cookie for the other domain's hosts".into()
        )])
    );
    let script = isolint(&["audit", &root, "--environment", "prod"]);
    assert!(
        script.contains(
            "(its session.cookie.domain, set apart, is seen only after a sign-in: ISO002 checks it)"
        ),
        "{script}"
    );
    // Another environment's findings do not predict: the same names in a
    // healthy prod beside a dev whose Kratos shares the IAM database.
    let two = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let case = repo().join("tests/rules/ISO001/dotenv/platform/prod");
    crate::common::copy_tree(&case, &two.path().join("platform/dev"));
    crate::common::copy_tree(
        &repo().join("tests/audit/databases/platform/prod"),
        &two.path().join("platform/prod"),
    );
    let root = two.path().to_string_lossy().into_owned();
    assert!(!predicted(&root, "dev").is_empty());
    assert_eq!(predicted(&root, "prod"), Vec::new());
    // The healthy bundled example: nothing is predicted.
    assert_eq!(predicted("fixtures/olympus", "prod"), Vec::new());
}

/// What the configs say cannot reach the script as code or as a secret,
/// and a probe that could not look does not pass: a hostile image name,
/// a password written as a default or in the query, a service name with a
/// quote; no curl, no address for a host.
#[test]
fn the_script_holds_no_secret_and_no_probe_passes_unseen() {
    let tree = crate::common::write_tree(&[(
        "platform/prod/compose.yml",
        "services:\n\
         \x20 postgres:\n\
         \x20   image: \"postgres@sha256:abc`id`$(id)\"\n\
         \x20 ciam-kratos:\n\
         \x20   image: oryd/kratos:v1.3.1\n\
         \x20   networks: [ciam]\n\
         \x20   environment:\n\
         \x20     DSN: postgres://ciam_kratos:${CIAM_PW:-hunter2}@postgres:5432/ciam_kratos?sslmode=verify-full\n\
         \x20 iam-kratos:\n\
         \x20   image: oryd/kratos:v1.3.1\n\
         \x20   networks: [iam]\n\
         \x20   environment:\n\
         \x20     DSN: postgres://iam_kratos@postgres:5432/iam_kratos?sslmode=verify-full&password=s3cretQ\n\
         \x20 ciam-hydra:\n\
         \x20   image: oryd/hydra:v2.2.0\n\
         \x20   networks: [ciam]\n\
         \x20   environment:\n\
         \x20     DSN: \"postgres://ciam_hydra:${HYDRA_PW}@postgres:5432/ciam_hydra?sslmode=disable\\nISOLINT_AUDIT\\ntouch pwned\"\n\
         \x20 iam-hydra:\n\
         \x20   image: oryd/hydra:v2.2.0\n\
         \x20   networks: [iam]\n\
         \x20 ciam-athena:\n\
         \x20   image: athena:1\n\
         \x20   networks: [ciam, iam]\n\
         \x20   environment:\n\
         \x20     AUTH_HYDRA_URL: http://athena:t0kenZ@iam-hydra:4444/?token=t0kenQ\n\
         networks: {ciam: {}, iam: {}}\n",
    )]);
    let root = tree.path().to_string_lossy().into_owned();
    // Over ssh, the script's one heredoc ends where the script does.
    // (The local runner writes DSN templates into the script.)
    let over_ssh = isolint(&[
        "audit",
        &root,
        "--environment",
        "prod",
        "--runner",
        "local",
        "--ssh",
        "h",
    ]);
    assert_clean(&over_ssh);
    assert_eq!(
        over_ssh.lines().filter(|l| *l == "ISOLINT_AUDIT").count(),
        1
    );
    assert!(!over_ssh.lines().any(|l| l.starts_with("touch")));
    for runner in ["podman", "local"] {
        let script = isolint(&["audit", &root, "--environment", "prod", "--runner", runner]);
        assert_clean(&script);
        // The exception's URL is probed without its credentials.
        assert!(
            script.contains("reaches http://iam-hydra:4444/ (IAM) through the sign-in exception"),
            "{script}"
        );
        for secret in ["hunter2", "s3cretQ", "`id`", "$(id)", "t0ken"] {
            assert!(
                !script.contains(secret),
                "{runner}: {secret} is in the script"
            );
        }
        if runner == "local" {
            assert!(
                script.contains("holds a written secret or a line break, which is not copied here")
            );
        }
    }
    // The HTTP fixture's local script: with no address given for the
    // other domain's admin APIs, those probes could not run; with a
    // curl that does not run, neither could any.
    let script = http_script();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("audit.sh");
    std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{e}"));
    let run = |path: Option<&Path>| {
        let mut cmd = Command::new("sh");
        cmd.arg(&file);
        if let Some(bin) = path {
            let machine = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("{}:{machine}", bin.display()));
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(None);
    assert_eq!(code, 2, "{out}");
    let admin: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("cannot use the admin API"))
        .collect();
    assert!(!admin.is_empty());
    assert!(
        admin
            .iter()
            .all(|l| l.starts_with("not ok") && l.contains("# could not run: no ISOLINT_ADDR_")),
        "{out}"
    );
    let broken = dir.path().join("bin");
    std::fs::create_dir_all(&broken).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(broken.join("curl"), "#!/bin/sh\nexit 127\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(broken.join("curl"), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = run(Some(&broken));
    assert_eq!(code, 2, "{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("ok ")),
        "nothing holds unseen:\n{out}"
    );
}

/// A stand-in for `podman` (the default runner) over two database
/// servers, one per domain: `ps` finds the services' containers (not
/// those `FAKE_GONE` names), `exec printenv DSN` gives each its own DSN,
/// and `run … psql` connects only to the server on the container's own
/// network, and there only to its own database; `run … curl` gets no
/// answer. It stands in for the container runtime, not for Postgres.
const FAKE_PODMAN: &str = r#"#!/bin/sh
case "$1" in
  ps)
    for a in "$@"; do
      case "$a" in label=com.docker.compose.service=*)
        s="${a##*=}"
        case " $FAKE_GONE " in *" $s "*) ;; *) echo "cid-$s" ;; esac ;;
      esac
    done ;;
  exec)
    case "$2" in
      cid-ciam-kratos) echo "postgres://ciam_kratos:Pw1@ciam-db:5432/ciam_kratos" ;;
      cid-iam-kratos) echo "postgres://iam_kratos:Pw2@iam-db:5432/iam_kratos" ;;
      *) exit 1 ;;
    esac ;;
  run)
    net=""
    for a in "$@"; do case "$a" in container:*) net="${a#container:}" ;; esac; done
    case "$*" in *psql*) ;; *) printf '000'; exit 7 ;; esac
    own="${net#cid-}"
    own="${own%%-*}-db"
    if [ "$PGHOST" != "$own" ]; then
      echo "psql: error: could not translate host name \"$PGHOST\" to address: Name or service not known"
      exit 2
    fi
    case "$PGDATABASE" in
      "${own%-db}"_*) echo 1 ;;
      *) echo "psql: error: FATAL:  permission denied for database \"$PGDATABASE\""; exit 2 ;;
    esac ;;
esac
"#;

/// The container runner's script, run through a stand-in `podman`: the
/// other domain's database on its own server, out of the service's
/// reach, is refused (isolation held); a missing container is named and
/// the run exits 2.
#[test]
fn the_container_runner_through_a_stand_in_podman() {
    let tree = crate::common::write_tree(&[(
        "platform/prod/compose.yml",
        "services:\n\
         \x20 ciam-db:\n\
         \x20   image: postgres:16.4-alpine\n\
         \x20   networks: [ciam]\n\
         \x20 iam-db:\n\
         \x20   image: postgres:16.4-alpine\n\
         \x20   networks: [iam]\n\
         \x20 ciam-kratos:\n\
         \x20   image: oryd/kratos:v1.3.1\n\
         \x20   command: serve\n\
         \x20   networks: [ciam]\n\
         \x20   environment:\n\
         \x20     DSN: postgres://ciam_kratos:${CIAM_PW}@ciam-db:5432/ciam_kratos?sslmode=disable\n\
         \x20 iam-kratos:\n\
         \x20   image: oryd/kratos:v1.3.1\n\
         \x20   command: serve\n\
         \x20   networks: [iam]\n\
         \x20   environment:\n\
         \x20     DSN: postgres://iam_kratos:${IAM_PW}@iam-db:5432/iam_kratos?sslmode=disable\n\
         networks: {ciam: {}, iam: {}}\n",
    )]);
    let root = tree.path().to_string_lossy().into_owned();
    let script = isolint(&["audit", &root, "--environment", "prod"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("audit.sh");
    std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{e}"));
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(bin.join("podman"), FAKE_PODMAN).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(bin.join("podman"), std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = |gone: &str| {
        let machine = std::env::var("PATH").unwrap_or_default();
        let out = Command::new("sh")
            .arg(&file)
            .env("PATH", format!("{}:{machine}", bin.display()))
            .env("FAKE_GONE", gone)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains("Pw1") && !text.contains("Pw2"), "{text}");
        (out.status.code().unwrap_or(-1), text)
    };
    let (code, out) = run("");
    assert_eq!(code, 0, "{out}");
    let refused = "ok 2 - ciam-kratos (CIAM) cannot open iam_kratos (IAM) with its credentials";
    assert!(out.lines().any(|l| l == refused), "{out}");
    assert!(
        out.lines().any(|l| l
            == "ok 1 - ciam-kratos (CIAM) opens its own database ciam_kratos with its credentials"),
        "{out}"
    );
    // A service not running: its probes could not run, and say which.
    let (code, out) = run("iam-kratos");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("# could not run: no running container of the service iam-kratos"),
        "{out}"
    );
}
