//! Running well in production, as rendered: health checks that need no
//! shell, an init as PID 1, the stop signal a program needs, compose.yaml.

mod common;

use common::{Dockerfile, error, fixture, ok, redacted, with_config};

#[test]
fn a_rust_image_with_a_health_check_and_an_init() {
    let f = with_config(
        "one-bin",
        "healthcheck = { path = \"/health\", interval = \"10s\", retries = 2 }\ninit = true",
    );
    ok(&f.run(&["init"]));
    let dockerfile = f.read("Dockerfile");
    redacted().bind(|| insta::assert_snapshot!("rust-health-init.Dockerfile", dockerfile));
    let hello = Dockerfile::parse(&dockerfile).stage("hello").clone();
    let health = hello.one("HEALTHCHECK").expect("a HEALTHCHECK");
    assert!(health.exec, "{health:?}");
    assert_eq!(
        health.words,
        [
            "/usr/local/lib/cargo-distroless/healthcheck",
            "8080",
            "/health",
            "3000"
        ]
    );
    for (flag, value) in [
        ("interval", "10s"),
        ("timeout", "3s"),
        ("start-period", "5s"),
        ("retries", "2"),
    ] {
        assert_eq!(health.flag(flag), Some(value), "{health:?}");
    }
    assert_eq!(
        hello.entrypoint(),
        ["/usr/bin/tini", "--", "/usr/local/bin/hello"]
    );
    assert!(hello.copies().contains(&(
        Some("builder".into()),
        vec!["/usr/bin/tini-static".into(), "/usr/bin/tini".into()]
    )));
    assert!(
        dockerfile
            .contains("#   tini: `init = true`: a PID 1 that forwards signals and reaps zombies"),
        "{dockerfile}"
    );
    assert_eq!(hello.value("STOPSIGNAL"), None, "Rust keeps SIGTERM");
    let explained = ok(&f.run(&["init", "--explain", "--stdout"]));
    assert!(
        explained.contains(
            "health: `hello` is healthy when GET http://127.0.0.1:8080/health answers 2xx or 3xx"
        ),
        "{explained}"
    );
}

#[test]
fn a_python_image_stops_on_sigint_and_probes_with_its_interpreter() {
    let d = fixture("py-flask");
    d.write(
        "distroless.toml",
        "port = 8000\nhealthcheck = \"/\"\ninit = true\n",
    );
    ok(&d.run(&["init"]));
    let dockerfile = d.read("Dockerfile");
    redacted().bind(|| insta::assert_snapshot!("python-health-init.Dockerfile", dockerfile));
    let app = Dockerfile::parse(&dockerfile).last().clone();
    assert_eq!(app.value("STOPSIGNAL").as_deref(), Some("SIGINT"));
    let probe = &app.one("HEALTHCHECK").expect("a HEALTHCHECK").words;
    assert_eq!(probe[..2], ["/venv/bin/python", "-c"], "{probe:?}");
    assert!(
        probe[2].starts_with("import sys, urllib.request"),
        "{probe:?}"
    );
    // A server that handles SIGTERM keeps it.
    let fastapi = fixture("py-fastapi");
    ok(&fastapi.run(&["init"]));
    assert_eq!(fastapi.dockerfile().last().value("STOPSIGNAL"), None);
}

#[test]
fn compose_has_a_service_per_image_and_waits_on_health() {
    let f = fixture("workspace");
    let api = f.read("crates/api/Cargo.toml");
    f.write(
        "crates/api/Cargo.toml",
        &api.replace("port = 8080", "port = 8080\nhealthcheck = \"/\""),
    );
    let worker = f.read("crates/worker/Cargo.toml");
    f.write(
        "crates/worker/Cargo.toml",
        &format!("{worker}\n[package.metadata.distroless]\ndepends-on = [\"api-server\"]\n"),
    );
    let text = ok(&f.run(&["init", "--compose"]));
    assert!(text.contains("wrote compose.yaml"), "{text}");
    assert!(
        text.contains("recorded compose = true in [workspace.metadata.distroless] of Cargo.toml"),
        "{text}"
    );
    let compose = f.read("compose.yaml");
    redacted().bind(|| insta::assert_snapshot!("workspace.compose.yaml", compose));
    assert!(
        compose
            .contains("    depends_on:\n      api-server:\n        condition: service_healthy\n"),
        "{compose}"
    );
    // Recorded as a key, check follows it.
    assert!(f.read("Cargo.toml").contains("compose = true"));
    ok(&f.run(&["init"]));
    assert_eq!(f.run(&["check"]).status.code(), Some(0));
    f.write(
        "crates/api/Cargo.toml",
        &api.replace("port = 8080", "port = 8081\nhealthcheck = \"/\""),
    );
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = common::stdout(&out);
    assert!(
        report.contains("compose.yaml is stale:") && report.contains("the `port` setting changed"),
        "{report}"
    );
}

#[test]
fn health_settings_outside_their_grammar_are_refused() {
    for (config, want) in [
        (
            "healthcheck = \"health\"",
            "invalid `healthcheck` path \"health\" in [package.metadata.distroless] of Cargo.toml",
        ),
        (
            "healthcheck = { path = \"/\", interval = \"10\" }",
            "invalid `healthcheck` interval \"10\"",
        ),
        (
            "healthcheck = { path = \"/\", retries = 0 }",
            "invalid `healthcheck` retries",
        ),
        (
            "healthcheck = { path = \"/\", nope = 1 }",
            "at `healthcheck`: an HTTP path such as \"/health\", or a table",
        ),
        ("init = \"yes\"", "at `init`"),
        (
            "depends-on = [\"nope\"]",
            "`depends-on` of `hello` names `nope`, which is no other image of this project",
        ),
    ] {
        let f = with_config("one-bin", config);
        let text = error(&f.run(&["init"]));
        assert!(text.contains(want), "missing {want:?}:\n{text}");
        assert!(!f.path("Dockerfile").exists());
    }
    let f = fixture("one-bin");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace("port = 8080", "healthcheck = \"/health\""),
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains(
            "the `healthcheck` in [package.metadata.distroless] of Cargo.toml has no port to probe"
        ),
        "{text}"
    );
}
