#!/usr/bin/env bash
# What a CI runner pays for an image build, with the build cache exported to a
# registry (`build --cache-to type=registry,…`): the cold build; a rebuild on
# the same builder after a one-line change; and the same rebuild on a fresh
# runner (`docker builder prune -af`, then `--cache-from` the registry alone).
# Rust is measured with both `cache` settings (layers, the default, and
# mounts), Python (Django and gunicorn from requirements.txt) with its one.
#
# Usage: benches/ci-cache.sh
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

rust_service() {
  local app=$1 cache=$2
  mkdir -p "$app/src"
  cat >"$app/Cargo.toml" <<TOML
[package]
name = "bench-service"
version = "0.1.0"
edition = "2021"

[dependencies]
regex = "1"
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[package.metadata.distroless]
cache = "$cache"
TOML
  cat >"$app/src/main.rs" <<'RS'
#[derive(serde::Serialize)]
struct Reply { words: usize, version: u32 }

fn main() {
    let re = regex::Regex::new(r"\w+").unwrap();
    let reply = Reply { words: re.find_iter("a quick benchmark").count(), version: 1 };
    println!("{}", serde_json::to_string(&reply).unwrap());
}
RS
  (cd "$app" && cargo generate-lockfile --quiet)
}

python_service() {
  local app=$1
  cp -rL "$root/tests/fixtures/py-django" "$app"
}

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk "BEGIN { printf \"%.1f\", $e - $s }"; }

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
  rust_service "$work/rust-$cache" "$cache"
  measure "rust-$cache" "$work/rust-$cache" src/main.rs //
done
python_service "$work/python"
measure python "$work/python" mysite/views.py "#"
