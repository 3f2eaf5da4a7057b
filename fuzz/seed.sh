#!/usr/bin/env bash
# Seeds the fuzz corpora from Caddy's adapter tests (../shared/corpus) and
# the fixture trees, one folder per target.
# Usage: fuzz/seed.sh   then, e.g.: cd fuzz && cargo fuzz run caddyfile
set -euo pipefail
cd "$(dirname "$0")"
seed() { mkdir -p "corpus/$1"; cp "$2" "corpus/$1/$(echo "$2" | tr '/.' '__')"; }

# caddyfile: Caddy's own test inputs (without their expected JSON) and
# every Caddyfile of the fixtures.
mkdir -p corpus/caddyfile
for f in ../../shared/corpus/caddy-adapt/*; do
  [ -f "$f" ] || continue
  sed '/^----------/,$d' "$f" > "corpus/caddyfile/$(basename "$f")"
done
find ../fixtures \( -name 'Caddyfile*' -o -name '*.caddy' \) -type f |
  while read -r f; do seed caddyfile "$f"; done

# yaml, dotenv, seed: the fixtures' files of each kind.
find ../fixtures \( -name '*.yml' -o -name '*.yaml' \) -type f |
  while read -r f; do seed yaml "$f"; done
find ../fixtures \( -name '.env' -o -name '*.env' \) -type f |
  while read -r f; do seed dotenv "$f"; done
find ../fixtures -name '*.sh' -type f | while read -r f; do seed seed "$f"; done

# dsn: every value with a URL in the fixtures' compose files.
mkdir -p corpus/dsn
i=0
grep -rhoE '[a-z]+://[^ "]+' ../fixtures --include='compose*.y*ml' | sort -u |
  while read -r v; do i=$((i + 1)); printf '%s' "$v" > "corpus/dsn/url-$i"; done

# pipeline: the example environment's files, each behind the byte that
# picks it (the order of PIPELINE_FILES in harness.rs).
mkdir -p corpus/pipeline
n=0
for f in compose.prod.yml iam-kratos/kratos.yml ciam-hydra/hydra.yml .env Caddyfile \
  caddy/iam-sites.caddy seed-prod.sh init-db.sql ciam-athena.env; do
  { printf "\\x$(printf %02x "$n")"; cat "../fixtures/olympus/platform/prod/$f"; } > "corpus/pipeline/file-$n"
  n=$((n + 1))
done
for d in corpus/*; do echo "$(ls "$d" | wc -l) seeds in fuzz/$d"; done
