#!/usr/bin/env bash
# Seeds the fuzz corpus from Caddy's adapter tests (../shared/corpus) and
# the fixture trees. Usage: fuzz/seed.sh   then: cd fuzz && cargo +nightly fuzz run caddyfile
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/caddyfile
mkdir -p "$out"
for f in ../../shared/corpus/caddy-adapt/*; do
  [ -f "$f" ] || continue
  sed '/^----------/,$d' "$f" > "$out/$(basename "$f")"
done
find ../fixtures \( -name 'Caddyfile*' -o -name '*.caddy' \) -type f | while read -r f; do
  cp "$f" "$out/fixture-$(echo "$f" | tr '/.' '__')"
done
echo "$(ls "$out" | wc -l) seeds in fuzz/$out"
