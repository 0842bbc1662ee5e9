#!/usr/bin/env bash
# What a CI runner pays for an image build, with the build cache exported to a
# registry (`build --cache-to type=registry,…`): the cold build; a rebuild on
# the same builder after a one-line change; and the same rebuild on a fresh
# runner (`docker builder prune -af`, then `--cache-from` the registry alone).
# Rust is measured with both `cache` settings (layers, the default, and
# mounts), Python (Django and gunicorn from requirements.txt) with its one,
# Node (Express from package-lock.json, and an ESM server with pnpm and a
# `build` script).
#
# Usage: benches/ci-cache.sh                 (every project)
#        ONLY="node-npm node-pnpm" benches/ci-cache.sh   (some of them)
# Needs: the engine with the containerd image store and its base images, and
# the registry on 127.0.0.1:5000:
#   ../shared/docker/start-engine --containerd-store
#   DOCKER_HOST=unix:///run/docker-containerd.sock ../shared/stand-in-images/build
#   ../shared/registry/start
# and network access to crates.io and PyPI (inside the builds, and for
# `cargo generate-lockfile`). It empties that engine's build cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release --manifest-path "$root/Cargo.toml"
tool="$root/target/release/cargo-distroless"
export DOCKER_HOST=${CARGO_DISTROLESS_CONTAINERD:-unix:///run/docker-containerd.sock}
registry=127.0.0.1:5000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=benches/service.sh
. "$root/benches/service.sh"

rust_service() {
  bench_service "$1" "$(printf '\n[package.metadata.distroless]\ncache = "%s"' "$2")"
}

python_service() {
  local app=$1
  cp -rL "$root/tests/fixtures/py-django" "$app"
}

node_service() {
  cp -rL "$root/tests/fixtures/$1" "$2"
}

# Whether a project is measured (all unless ONLY names some).
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

# measure NAME DIR FILE-TO-CHANGE COMMENT-MARK: prints a table row.
measure() {
  local name=$1 app=$2 file=$3 mark=$4 ref cold same fresh
  ref="type=registry,ref=$registry/bench-cache/$name-$(date +%s%N)"
  "$tool" init "$app" >/dev/null 2>&1
  docker builder prune -af >/dev/null
  cold=$(seconds "$tool" build "$app" --network host --tag "bench/$name:1" --cache-to "$ref,mode=max" --cache-from "$ref")
  echo "$mark one line changed" >>"$app/$file"
  same=$(seconds "$tool" build "$app" --network host --tag "bench/$name:2")
  docker builder prune -af >/dev/null
  echo "$mark another line changed" >>"$app/$file"
  fresh=$(seconds "$tool" build "$app" --network host --tag "bench/$name:3" --cache-from "$ref")
  printf '| %s | %s s | %s s (%s %%) | %s s (%s %%) |\n' "$name" "$cold" \
    "$same" "$(awk "BEGIN { printf \"%.0f\", 100 * $same / $cold }")" \
    "$fresh" "$(awk "BEGIN { printf \"%.0f\", 100 * $fresh / $cold }")"
}

echo "| build | cold, cache exported | same builder, one line changed | fresh runner, registry cache only |"
echo "| --- | --- | --- | --- |"
for cache in layers mounts; do
  want "rust-$cache" || continue
  rust_service "$work/rust-$cache" "$cache"
  measure "rust-$cache" "$work/rust-$cache" src/main.rs //
done
if want python; then
  python_service "$work/python"
  measure python "$work/python" mysite/views.py "#"
fi
if want node-npm; then
  node_service node-express "$work/node-npm"
  measure node-npm "$work/node-npm" server.js //
fi
if want node-pnpm; then
  node_service node-pnpm "$work/node-pnpm"
  measure node-pnpm "$work/node-pnpm" src/server.js //
fi
