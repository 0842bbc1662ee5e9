# Sourced by the benchmarks: the Rust service they build (serde, serde_json
# and regex, a lockfile), and a timer.

# bench_service DIR [TOML]: writes the service into DIR, TOML appended to its
# manifest (e.g. a [package.metadata.distroless] table), and locks it.
bench_service() {
  local app=$1 extra=${2:-}
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
$extra
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

# seconds CMD...: runs it quietly and prints how long it took, in seconds.
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk "BEGIN { printf \"%.1f\", $e - $s }"; }
