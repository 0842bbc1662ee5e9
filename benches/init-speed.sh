#!/usr/bin/env bash
# Measures `init` and `check` against `cargo metadata --no-deps` on generated
# workspaces of N binary members (default 10 100 500), the way cargo runs the
# tool (`cargo-distroless distroless init`), and cargo's own dispatch of a
# subcommand (`cargo distroless init`) on its own line: that cost is cargo's,
# outside the tool.
#
# `init` is timed three ways: on a project without generated files ("first
# init"); after one member's port changed ("changed", which renders again);
# and on its own output ("re-run", where the inputs recorded in the files
# match and rendering is skipped). `check` runs on up-to-date files, as in CI,
# and always renders.
#
# Usage: benches/init-speed.sh [N...]      (RUNS=9 by default; the median is reported)
#        BASELINE=path/to/other/cargo-distroless benches/init-speed.sh [N...]
#            also times another build in the same rounds, on the same workspace,
#            and prints its row first: a before/after comparison that machine
#            drift between separate runs cannot skew.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release --manifest-path "$root/Cargo.toml"
bin_dir="$root/target/release"
tool="$bin_dir/cargo-distroless"
runs=${RUNS:-9}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 500)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A workspace of n members, each with a binary and a path dependency on a shared library.
make_workspace() {
  local dir=$1 n=$2 i
  mkdir -p "$dir/crates/common/src"
  printf '[package]\nname = "common"\nversion = "0.1.0"\nedition = "2021"\n' >"$dir/crates/common/Cargo.toml"
  echo 'pub fn hello() -> &'"'"'static str { "hello" }' >"$dir/crates/common/src/lib.rs"
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/crates/svc$i/src"
    printf '[package]\nname = "svc%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ncommon = { path = "../common" }\n\n[package.metadata.distroless]\nport = 8080\n' "$i" >"$dir/crates/svc$i/Cargo.toml"
    echo 'fn main() { println!("{}", common::hello()); }' >"$dir/crates/svc$i/src/main.rs"
  done
  printf '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n' >"$dir/Cargo.toml"
  (cd "$dir" && cargo generate-lockfile --offline --quiet)
}

# Flips svc1's port between 8080 and 8081: an input change that re-renders.
toggle_port() {
  local f=$1/crates/svc1/Cargo.toml
  if grep -q 'port = 8080' "$f"; then sed -i 's/port = 8080/port = 8081/' "$f"; else sed -i 's/port = 8081/port = 8080/' "$f"; fi
}

# Wall time of one run of a command, in microseconds.
once_us() {
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
  echo $(((e - s) / 1000))
}

# Median of a list of numbers, in milliseconds (from microseconds).
median_ms() {
  sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] / 1000}'
}

# What cargo gives a subcommand it runs: `CARGO` (the toolchain's own cargo,
# which the tool then calls without rustup's proxy) and rustup's choice of
# toolchain. The tool is timed with them, as `cargo distroless` runs it;
# `cargo metadata` is timed as a user types it. NO_CARGO_ENV=1 leaves them out.
cargo_env=()
if [ -z "${NO_CARGO_ENV:-}" ]; then
  mkdir -p "$work/probe"
  printf '#!/bin/sh\nenv | grep -E "^(CARGO|RUSTUP)[A-Z_]*="\n' >"$work/probe/cargo-env-probe"
  chmod +x "$work/probe/cargo-env-probe"
  mapfile -t cargo_env < <(PATH="$work/probe:$PATH" cargo env-probe)
fi
run_tool() {
  if [ ${#cargo_env[@]} -gt 0 ]; then (export "${cargo_env[@]}" && once_us "$@"); else once_us "$@"; fi
}

# The commands run in turn within each round, so that whatever else the
# machine does weighs on all of them alike; medians over the rounds.
tools=("$tool")
names=(this)
if [ -n "${BASELINE:-}" ]; then tools=("$BASELINE" "$tool"); names=(baseline this); fi
measure() {
  local ws=$1 i k
  : >"$work/meta"
  for k in "${names[@]}"; do : >"$work/$k.first" ; : >"$work/$k.changed" ; : >"$work/$k.init" ; : >"$work/$k.check" ; : >"$work/$k.cargo"; done
  for i in $(seq 1 "$runs"); do
    (cd "$ws" && once_us cargo metadata --no-deps --format-version 1) >>"$work/meta"
    for k in "${!tools[@]}"; do
      local t=${tools[$k]} n=${names[$k]}
      rm -f "$ws/Dockerfile" "$ws/.dockerignore" "$ws/docker-bake.hcl"
      (cd "$ws" && run_tool "$t" distroless init) >>"$work/$n.first"
      toggle_port "$ws"
      (cd "$ws" && run_tool "$t" distroless init) >>"$work/$n.changed"
      (cd "$ws" && run_tool "$t" distroless init) >>"$work/$n.init"
      (cd "$ws" && run_tool "$t" distroless check) >>"$work/$n.check"
      local dir; dir=$(mktemp -d); ln -s "$t" "$dir/cargo-distroless"
      (cd "$ws" && PATH="$dir:$PATH" once_us cargo distroless init) >>"$work/$n.cargo"
      rm -rf "$dir"
    done
  done
}

ratio() { awk "BEGIN { printf \"%.2fx\", $1 / $2 }"; }
row='%8s %9s %15s %17s %7s %14s %7s %13s %7s %12s %7s %21s\n'
printf "$row" members build "metadata (ms)" "first init (ms)" ratio "changed (ms)" ratio "re-run (ms)" ratio "check (ms)" ratio "cargo dispatch (ms)"
for size in "${sizes[@]}"; do
  ws="$work/ws$size"
  make_workspace "$ws" "$size"
  (cd "$ws" && "$tool" distroless init >/dev/null 2>&1)
  measure "$ws"
  meta=$(median_ms <"$work/meta")
  for n in "${names[@]}"; do
    first=$(median_ms <"$work/$n.first")
    changed=$(median_ms <"$work/$n.changed")
    init=$(median_ms <"$work/$n.init")
    check=$(median_ms <"$work/$n.check")
    via_cargo=$(median_ms <"$work/$n.cargo")
    printf "$row" "$size" "$n" "$meta" "$first" "$(ratio "$first" "$meta")" "$changed" "$(ratio "$changed" "$meta")" \
      "$init" "$(ratio "$init" "$meta")" \
      "$check" "$(ratio "$check" "$meta")" "$(awk "BEGIN { printf \"%.1f\", $via_cargo - $init }")"
  done
done
