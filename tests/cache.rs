//! CI caching and reproducible images, on the engine with the containerd
//! image store (its BuildKit exports registry caches and rewrites
//! timestamps) and the loopback registry: what a fresh CI runner gets from a
//! registry cache, and two builds of one commit to one digest.
//!
//! Needs `../shared/docker/start-engine --containerd-store`, the base images
//! in it and `../shared/registry/start`; `.ci/run` starts them and names the
//! engine in `CARGO_DISTROLESS_CONTAINERD`. Ignored unless asked for.

mod common;

use std::process::{Command, Output};

use common::images::free_port;
use common::{Fixture, fixture, ok, stderr, stdout};

const REGISTRY: &str = "127.0.0.1:5000";

/// The containerd-store engine's address, after checking it answers and
/// holds the base images, with this test's turn: the tests empty the
/// builder's cache, which would break a build running beside them.
fn engine() -> (String, std::sync::MutexGuard<'static, ()>) {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let host = std::env::var("CARGO_DISTROLESS_CONTAINERD").expect(
        "these tests need the containerd-store engine: start it (../shared/docker/start-engine --containerd-store), fill it (../shared/stand-in-images/build), start ../shared/registry/start, then set CARGO_DISTROLESS_CONTAINERD=unix:///run/docker-containerd.sock (.ci/run does all of it)",
    );
    let base = docker(
        &host,
        &["image", "inspect", "gcr.io/distroless/cc-debian13:nonroot"],
    );
    assert!(
        base.status.success(),
        "the containerd-store engine lacks the base images: {}",
        stderr(&base)
    );
    (
        host,
        TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

fn docker(host: &str, args: &[&str]) -> Output {
    Command::new("docker")
        .env("DOCKER_HOST", host)
        .args(args)
        .output()
        .expect("docker runs")
}

/// Runs the tool against the containerd-store engine.
fn run(f: &Fixture, host: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec![("DOCKER_HOST", host)];
    all.extend_from_slice(env);
    f.run_with(args, &all)
}

fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Empties the builder's cache: what a fresh CI runner starts with.
fn fresh_runner(host: &str) {
    let out = docker(host, &["builder", "prune", "-af"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs the image and returns what it answers on `port`.
fn serve(host: &str, tag: &str, port: u16) -> String {
    let env = format!("PORT={port}");
    let out = docker(host, &["run", "-d", "--network", "host", "-e", &env, tag]);
    assert!(out.status.success(), "docker run {tag}: {}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let body = common::http_get(port, "/");
    let logs = docker(host, &["logs", &id]);
    let _ = docker(host, &["rm", "-f", &id]);
    body.unwrap_or_else(|| panic!("{tag} did not answer: {}{}", stdout(&logs), stderr(&logs)))
}

/// What a CI pipeline does twice: on an emptied builder, build `tags.0`
/// with the cache exported to a registry repository of its own; then
/// `change` the source and, on an emptied builder again (a fresh runner),
/// build `tags.1` with that cache as the only one. Returns both build logs.
fn cold_then_fresh_runner(
    f: &Fixture,
    host: &str,
    tags: (&str, &str),
    change: impl FnOnce(&Fixture),
) -> (String, String) {
    let cache = format!(
        "type=registry,ref={REGISTRY}/cargo-distroless-e2e/cache-{}",
        nonce()
    );
    let build = |tag: &str, cache_flag: &str, cache: &str| {
        let out = run(
            f,
            host,
            &[
                "build",
                "--network",
                "host",
                "--tag",
                tag,
                cache_flag,
                cache,
            ],
            &[],
        );
        ok(&out)
    };
    fresh_runner(host);
    let cold = build(tags.0, "--cache-to", &format!("{cache},mode=max"));
    change(f);
    fresh_runner(host);
    let warm = build(tags.1, "--cache-from", &cache);
    (cold, warm)
}

/// A workspace with a build script, a proc-macro member, a workspace file
/// compiled in and serde: built with its cache exported to the registry,
/// then, on an emptied builder after a one-line change, built from that
/// cache alone. The dependencies come from the cache; only the workspace's
/// own crates compile.
#[test]
#[ignore = "needs the containerd-store engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_CONTAINERD=… cargo test -- --include-ignored"]
fn a_fresh_runner_reuses_the_dependency_layer_from_a_registry_cache() {
    let (host, _turn) = engine();
    let f = fixture("layered-workspace");
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let tags = (
        "cargo-distroless-e2e/layered:1",
        "cargo-distroless-e2e/layered:2",
    );
    let (cold, warm) = cold_then_fresh_runner(&f, &host, tags, |f| {
        let main = f.read("api/src/main.rs");
        f.write(
            "api/src/main.rs",
            &main
                .replace("hello", "hello again")
                .replace("let extra", "// a one-line change\n    let extra"),
        );
    });
    assert!(
        cold.contains("Compiling serde "),
        "a cold build compiles serde:\n{cold}"
    );
    assert!(
        serve(&host, tags.0, free_port()).contains(
            "api: hello FROM THE MACRO {\"motd\":\"layers survive a fresh runner\",\"built_by\":\"the build script\"}"
        )
    );
    for dependency in ["serde ", "serde_json ", "syn ", "proc-macro2 "] {
        assert!(
            !warm.contains(&format!("Compiling {dependency}")),
            "{dependency}was compiled again on a fresh runner:\n{warm}"
        );
    }
    assert!(
        warm.contains("Compiling api "),
        "the workspace's crate is rebuilt:\n{warm}"
    );
    assert!(serve(&host, tags.1, free_port()).contains("api: hello FROM THE MACRO"));
}

/// A Python service the same way: its dependency layer (pip's install)
/// comes from the registry cache on an emptied builder.
#[test]
#[ignore = "needs the containerd-store engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_CONTAINERD=… cargo test -- --include-ignored"]
fn a_fresh_runner_reuses_the_python_dependency_layer() {
    let (host, _turn) = engine();
    let f = fixture("py-flask");
    ok(&f.run(&["init"]));
    let tags = (
        "cargo-distroless-e2e/py-cached:1",
        "cargo-distroless-e2e/py-cached:2",
    );
    let (cold, warm) = cold_then_fresh_runner(&f, &host, tags, |f| {
        let app = f.read("app.py");
        f.write("app.py", &format!("{app}\n# a one-line change\n"));
    });
    assert!(
        cold.contains("Collecting flask"),
        "a cold build installs:\n{cold}"
    );
    assert!(
        !warm.contains("Collecting flask"),
        "pip ran again on a fresh runner:\n{warm}"
    );
    assert!(warm.contains("compileall"), "the source step ran:\n{warm}");
    assert!(serve(&host, tags.1, free_port()).contains("hello from flask"));
}

/// Two builds of one commit, the builder emptied in between, give one image
/// digest: Rust and Python. The image's creation time is the commit's.
#[test]
#[ignore = "needs the containerd-store engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_CONTAINERD=… cargo test -- --include-ignored"]
fn two_builds_of_one_commit_have_one_digest() {
    let (host, _turn) = engine();
    for (name, tag, port, answer) in [
        (
            "layered-workspace",
            "cargo-distroless-e2e/repro-rust:1",
            free_port(),
            "FROM THE MACRO",
        ),
        (
            "py-flask",
            "cargo-distroless-e2e/repro-py:1",
            free_port(),
            "hello from flask",
        ),
    ] {
        let f = fixture(name);
        ok(&f.run(&["init"]));
        let out = run(
            &f,
            &host,
            &["build", "--network", "host", "--tag", tag, "--reproducible"],
            &[("SOURCE_DATE_EPOCH", "1700000000")],
        );
        let log = ok(&out);
        let report = stdout(&out);
        assert!(
            report.contains(&format!("reproducible: {tag} is sha256:")),
            "{report}{log}"
        );
        assert!(log.contains("rewrite-timestamp=true"), "{log}");
        let created = docker(
            &host,
            &[
                "image",
                "inspect",
                "--format",
                "{{.Created}} {{index .Config.Labels \"org.opencontainers.image.created\"}}",
                tag,
            ],
        );
        assert_eq!(
            stdout(&created).trim(),
            "2023-11-14T22:13:20Z 2023-11-14T22:13:20Z",
            "{tag}"
        );
        assert!(serve(&host, tag, port).contains(answer));
    }
}

/// On the classic image store `--reproducible` stops before building,
/// naming what it needs.
#[test]
#[ignore = "needs the classic Docker engine: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn reproducible_needs_the_containerd_store() {
    assert!(std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"));
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let out = f.run_with(
        &["build", "--reproducible"],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    let text = common::error(&out);
    assert!(
        text.contains("--reproducible needs an engine with the containerd image store"),
        "{text}"
    );
}
