//! A synthetic platform monorepo for benchmarks: `n` production
//! environments, each a complete tree in the shape of the bundled example
//! (compose with about twenty services, four Ory YAMLs, a Caddyfile with
//! snippets, an imported site file and about a dozen sites, a seed script,
//! init SQL and `.env`), varied deterministically from a seed, with an
//! optional number of known isolation breaks so that a benchmark also
//! checks what it finds.
//!
//! Shared by the benches, the `synth` example and the tests (by `#[path]`),
//! so it depends on nothing but the standard library.

#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};

/// The example environment every synthetic one starts from.
const TEMPLATE: &[(&str, &str)] = &[
    (
        "compose.prod.yml",
        include_str!("../../fixtures/olympus/platform/prod/compose.prod.yml"),
    ),
    (
        "Caddyfile",
        include_str!("../../fixtures/olympus/platform/prod/Caddyfile"),
    ),
    (
        "caddy/iam-sites.caddy",
        include_str!("../../fixtures/olympus/platform/prod/caddy/iam-sites.caddy"),
    ),
    (
        ".env",
        include_str!("../../fixtures/olympus/platform/prod/.env"),
    ),
    (
        "ciam-athena.env",
        include_str!("../../fixtures/olympus/platform/prod/ciam-athena.env"),
    ),
    (
        "init-db.sql",
        include_str!("../../fixtures/olympus/platform/prod/init-db.sql"),
    ),
    (
        "seed-prod.sh",
        include_str!("../../fixtures/olympus/platform/prod/seed-prod.sh"),
    ),
    (
        "ciam-kratos/kratos.yml",
        include_str!("../../fixtures/olympus/platform/prod/ciam-kratos/kratos.yml"),
    ),
    (
        "ciam-kratos/customer.schema.json",
        include_str!("../../fixtures/olympus/platform/prod/ciam-kratos/customer.schema.json"),
    ),
    (
        "iam-kratos/kratos.yml",
        include_str!("../../fixtures/olympus/platform/prod/iam-kratos/kratos.yml"),
    ),
    (
        "iam-kratos/employee.schema.json",
        include_str!("../../fixtures/olympus/platform/prod/iam-kratos/employee.schema.json"),
    ),
    (
        "ciam-hydra/hydra.yml",
        include_str!("../../fixtures/olympus/platform/prod/ciam-hydra/hydra.yml"),
    ),
    (
        "iam-hydra/hydra.yml",
        include_str!("../../fixtures/olympus/platform/prod/iam-hydra/hydra.yml"),
    ),
];

/// One isolation (or prod hygiene) break: in `file` of an environment,
/// the first `old` becomes `new`, and rule `code` must report it `offset`
/// lines below the edit (a client registration is reported at the request
/// that sends its payload) — and nothing else may fire.
pub struct Break {
    pub code: &'static str,
    pub file: &'static str,
    pub old: &'static str,
    pub new: &'static str,
    pub offset: usize,
}

/// One break per rule that a single edit of a healthy environment can
/// cause.
pub const BREAKS: &[Break] = &[
    Break {
        code: "ISO003",
        file: "Caddyfile",
        old: "import proxy ciam-hera:3000",
        new: "import proxy iam-hera:4000",
        offset: 0,
    },
    Break {
        code: "ISO001",
        file: "compose.prod.yml",
        old: "@postgres:5432/iam_kratos?",
        new: "@postgres:5432/ciam_kratos?",
        offset: 0,
    },
    Break {
        code: "ISO002",
        file: "iam-kratos/kratos.yml",
        old: "domain: login.staff.olympus.example\n  same_site",
        new: "domain: olympus.example\n  same_site",
        offset: 0,
    },
    Break {
        code: "ISO006",
        file: "compose.prod.yml",
        old: "SECRETS_COOKIE: ${IAM_KRATOS_SECRET_COOKIE}",
        new: "SECRETS_COOKIE: ${CIAM_KRATOS_SECRET_COOKIE}",
        offset: 0,
    },
    Break {
        code: "ISO005",
        file: "compose.prod.yml",
        old: "HYDRA_ADMIN_URL: http://ciam-hydra:4445",
        new: "HYDRA_ADMIN_URL: http://iam-hydra:4445",
        offset: 0,
    },
    Break {
        code: "ISO004",
        file: "seed-prod.sh",
        old: "\"client_id\": \"site-iam-client\"",
        new: "\"client_id\": \"site-ciam-client\"",
        // The finding is at the id in the payload, the edited line.
        offset: 0,
    },
    Break {
        code: "SEC001",
        file: "iam-kratos/kratos.yml",
        old: "leak_sensitive_values: false",
        new: "leak_sensitive_values: true",
        offset: 0,
    },
    Break {
        code: "SEC002",
        file: "compose.prod.yml",
        old: "SECRETS_CIPHER: ${IAM_KRATOS_SECRET_CIPHER}",
        new: "SECRETS_CIPHER: ${IAM_KRATOS_SECRET_CIPHER:-change-me}",
        offset: 0,
    },
    Break {
        code: "SEC003",
        file: "compose.prod.yml",
        old: "iam_kratos?sslmode=${POSTGRES_SSLMODE:-verify-full}",
        new: "iam_kratos?sslmode=require",
        offset: 0,
    },
    Break {
        code: "SEC004",
        file: "compose.prod.yml",
        old: "serve all -c /etc/config/hydra/hydra.yml",
        new: "serve all -c /etc/config/hydra/hydra.yml --dev",
        offset: 0,
    },
    Break {
        code: "SEC005",
        file: "compose.prod.yml",
        old: "image: oryd/hydra:v2.2.0",
        new: "image: oryd/hydra:${HYDRA_TAG:-latest}",
        offset: 0,
    },
];

/// Applies `brk` to `text`; the 1-based line of the edit, or `None` when
/// `old` is not there.
pub fn apply(text: &mut String, brk: &Break) -> Option<usize> {
    let at = text.find(brk.old)?;
    let line = text[..at].matches('\n').count() + 1;
    text.replace_range(at..at + brk.old.len(), brk.new);
    Some(line)
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub environments: usize,
    pub seed: u64,
    /// Environments that get one break each (at most `environments`).
    pub breaks: usize,
}

/// What was generated.
#[derive(Debug, Default)]
pub struct Generated {
    pub files: Vec<PathBuf>,
    pub bytes: u64,
    /// The findings the breaks must cause: (code, file relative to the
    /// root, 1-based line).
    pub expected: Vec<(String, String, usize)>,
}

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "acme", "borealis", "cobalt", "delta", "ember", "fjord", "granite", "harbor", "ion", "juniper",
    "kestrel", "lumen", "meridian", "nimbus", "onyx", "pioneer", "quartz", "raven", "summit",
    "tundra",
];

/// Writes `spec.environments` environments under `root` as
/// `<name>/platform/prod/`, replacing whatever is there.
pub fn generate(root: &Path, spec: &Spec) -> io::Result<Generated> {
    if root.exists() {
        std::fs::remove_dir_all(root)?;
    }
    let mut rng = Rng(spec.seed);
    let mut out = Generated::default();
    // Which environments break, and how: spread over the tree, cycling
    // through the rules.
    let breaks = spec.breaks.min(spec.environments);
    let mut broken: Vec<Option<&Break>> = vec![None; spec.environments];
    let mut placed = 0;
    while placed < breaks {
        let i = rng.below(spec.environments as u64) as usize;
        if let Some(slot @ None) = broken.get_mut(i) {
            *slot = BREAKS.get(placed % BREAKS.len());
            placed += 1;
        }
    }
    for (i, brk) in broken.iter().enumerate() {
        let word = WORDS
            .get(rng.below(WORDS.len() as u64) as usize)
            .copied()
            .unwrap_or("olympus");
        let name = format!("{word}{i:05}");
        let dir = root.join(&name).join("platform/prod");
        let extra_apps = 4 + rng.below(3) as usize;
        let extra_sites = 2 + rng.below(3) as usize;
        for (file, template) in TEMPLATE {
            let mut text = (*template).to_string();
            match *file {
                "compose.prod.yml" => add_services(&mut text, extra_apps, &mut rng),
                "Caddyfile" => add_sites(&mut text, extra_apps, extra_sites),
                _ => {}
            }
            if let Some(b) = brk.filter(|b| b.file == *file) {
                let line = apply(&mut text, b).ok_or_else(|| {
                    io::Error::other(format!("{}: '{}' not in {file}", b.code, b.old))
                })?;
                out.expected.push((
                    b.code.to_string(),
                    format!("{name}/platform/prod/{file}"),
                    line + b.offset,
                ));
            }
            let text = text.replace("olympus.example", &format!("{name}.example"));
            let path = dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &text)?;
            out.bytes += text.len() as u64;
            out.files.push(path);
        }
    }
    Ok(out)
}

/// Adds per-domain workers (with a cache each, both on their domain's
/// network) and a metrics service before the top-level `volumes:`
/// section: about twenty services in all.
fn add_services(text: &mut String, apps: usize, rng: &mut Rng) {
    let mut services = String::new();
    for k in 0..apps {
        let (domain, port) = if k % 2 == 0 { ("ciam", 3) } else { ("iam", 4) };
        let minor = rng.below(20);
        services.push_str(&format!(
            "  {domain}-worker-{k}:\n    <<: *restart\n    image: ghcr.io/olympus/worker:2.{minor}.0\n    \
             depends_on: [{domain}-cache-{k}]\n    environment:\n      \
             KRATOS_ADMIN_URL: http://{domain}-kratos:4434\n      \
             HYDRA_ADMIN_URL: http://{domain}-hydra:4445\n      \
             CACHE_URL: redis://{domain}-cache-{k}:6379/0\n      \
             DATABASE_URL: postgres://${{PG_SETTINGS_USER}}:${{PG_SETTINGS_PASSWORD}}@postgres:5432/olympus?sslmode=${{POSTGRES_SSLMODE:-verify-full}}\n      \
             ENCRYPTION_KEY: ${{ENCRYPTION_KEY}}\n    ports:\n      - \"127.0.0.1:{port}2{k:02}:8080\"\n    \
             networks: [{domain}]\n\n  \
             {domain}-cache-{k}:\n    <<: *restart\n    image: redis:7.4.{minor}-alpine\n    \
             command: [\"redis-server\", \"--save\", \"\", \"--appendonly\", \"no\"]\n    \
             networks: [{domain}]\n\n"
        ));
    }
    services.push_str(
        "  metrics:\n    <<: *restart\n    image: prom/prometheus:v2.55.1\n    \
         volumes:\n      - metrics:/prometheus\n\n",
    );
    match text.rfind("\nvolumes:\n") {
        Some(at) => {
            text.insert_str(at + 1, &services);
            text.push_str("  metrics:\n");
        }
        None => text.push_str(&services),
    }
}

/// Adds a site per worker under its domain's hosts, through a new
/// snippet, plus `sites` static sites.
fn add_sites(text: &mut String, apps: usize, sites: usize) {
    text.push_str(
        "\n(worker) {\n\timport security_headers\n\t@api path /api/*\n\thandle @api {\n\t\t\
         import proxy {args[0]}\n\t}\n\thandle {\n\t\trespond 404\n\t}\n}\n",
    );
    for k in 0..apps {
        let (domain, host) = if k % 2 == 0 {
            ("ciam", "shop")
        } else {
            ("iam", "staff")
        };
        text.push_str(&format!(
            "\nworker-{k}.{host}.olympus.example {{\n\timport worker {domain}-worker-{k}:8080\n}}\n"
        ));
    }
    for k in 0..sites {
        text.push_str(&format!(
            "\nstatic-{k}.olympus.example {{\n\troot * /srv/static-{k}\n\tencode zstd gzip\n\tfile_server\n}}\n"
        ));
    }
}
