#!/usr/bin/env bash
# Peak memory and time of `init` on a project whose own .dockerignore has
# LINES rules (default 100000): the tool reads it, keeps it, checks that no
# rule leaves out a file the build reads, and scans the project for secrets
# the rules leave in. Peak RSS comes from GNU time (`/usr/bin/time -f %M`).
#
# Usage: benches/big-ignore.sh            (RUNS=5 by default; medians reported)
#        BASELINE=path/to/other/cargo-distroless benches/big-ignore.sh
#            also runs another build, in turn with this one, and prints its row first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release --manifest-path "$root/Cargo.toml"
tool="$root/target/release/cargo-distroless"
runs=${RUNS:-5}
lines=${LINES:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r "$root/tests/fixtures/py-flask" "$work/project"
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) print (i % 3 ? "data/dir" i "/*.csv" : "**/cache" i "/") }' \
  >"$work/project/.dockerignore"

tools=("$tool"); names=(this)
if [ -n "${BASELINE:-}" ]; then tools=("$BASELINE" "$tool"); names=(baseline this); fi
for n in "${names[@]}"; do : >"$work/$n.kb"; : >"$work/$n.s"; done
for _ in $(seq 1 "$runs"); do
  for k in "${!tools[@]}"; do
    /usr/bin/time -f "%M %e" -o "$work/one" "${tools[$k]}" init --stdout "$work/project" >/dev/null 2>&1 || true
    read -r kb s <"$work/one"
    echo "$kb" >>"$work/${names[$k]}.kb"
    echo "$s" >>"$work/${names[$k]}.s"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-9s %14s %10s   (%s rules, %s runs)\n' build "peak RSS (MB)" "wall (s)" "$lines" "$runs"
for n in "${names[@]}"; do
  printf '%-9s %14.1f %10s\n' "$n" "$(median <"$work/$n.kb" | awk '{print $1/1024}')" "$(median <"$work/$n.s")"
done
