#!/usr/bin/env bash
# Measures what the generated Dockerfile costs on a project with real
# dependencies (serde, serde_json, regex): the cold build, the rebuild after a
# change to the application's own source, a no-change rebuild, and the final
# image size against its floor (runtime base + binary).
#
# Usage: benches/image-build.sh [--keep-cache]
# Needs: a Docker engine with BuildKit and the base images, cargo, network access
# to crates.io (for `cargo generate-lockfile` and inside the build).
# Without --keep-cache it empties BuildKit's cache (cache mounts included) first,
# so the cold figure is truly cold.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release --manifest-path "$root/Cargo.toml"
tool="$root/target/release/cargo-distroless"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app="$work/bench-service"
# shellcheck source=benches/service.sh
. "$root/benches/service.sh"
bench_service "$app"
"$tool" init "$app" 2>/dev/null

build() { docker build --network host -t bench-service "$app"; }

[ "${1:-}" = "--keep-cache" ] || docker builder prune -af >/dev/null
cold=$(seconds build)
sed -i 's/version: 1/version: 2/' "$app/src/main.rs"
change=$(seconds build)
noop=$(seconds build)
out=$(docker run --rm --network host bench-service)
[ "$out" = '{"words":3,"version":2}' ] || { echo "unexpected output: $out" >&2; exit 1; }

image=$(docker image inspect -f '{{.Size}}' bench-service)
base=$(docker image inspect -f '{{.Size}}' gcr.io/distroless/cc-debian13:nonroot)
cid=$(docker create bench-service)
docker cp "$cid:/usr/local/bin/bench-service" "$work/bin" >/dev/null
docker rm "$cid" >/dev/null
binary=$(stat -c %s "$work/bin")

printf '%-34s %10s\n' "cold build (s)" "$cold"
printf '%-34s %10s\n' "rebuild after source change (s)" "$change"
printf '%-34s %10s\n' "rebuild with no change (s)" "$noop"
printf '%-34s %9s%%\n' "source-change / cold" "$(awk "BEGIN { printf \"%.0f\", 100 * $change / $cold }")"
printf '%-34s %10s\n' "image (bytes)" "$image"
printf '%-34s %10s\n' "runtime base (bytes)" "$base"
printf '%-34s %10s\n' "binary (bytes)" "$binary"
printf '%-34s %10s\n' "image - base - binary (bytes)" "$((image - base - binary))"
