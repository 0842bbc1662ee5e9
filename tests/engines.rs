//! `cargo distroless build` on podman and buildah, for real: the images are
//! in Docker's format (so the builder's `SHELL` with `pipefail` holds), the
//! report has real figures, every engine command is printed first, and the
//! images serve as 65532 with no shell. Needs podman and buildah holding the
//! base images (`.ci/run` runs `../shared/podman/setup`), so ignored unless
//! asked for.

mod common;

use std::process::{Command, Output};

use common::{Fixture, fixture, ok, stderr, stdout};

const DOCKER_FORMAT: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn podman(args: &[&str]) -> Output {
    Command::new("podman")
        .args(args)
        .output()
        .expect("podman runs")
}

/// Asserts the run asked for images and that podman holds the base images;
/// returns this test's turn. podman and buildah share one image store, and
/// two builds on it at once have been seen to wait on each other for good:
/// the tests take turns.
fn engines() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "these tests build images: set up podman and buildah with the base images (../shared/podman/setup), then set CARGO_DISTROLESS_E2E=1 (.ci/run does both)"
    );
    let base = podman(&["image", "exists", "gcr.io/distroless/cc-debian13:nonroot"]);
    assert!(
        base.status.success(),
        "podman lacks the base images: run ../shared/podman/setup"
    );
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `build` on an engine, one image under a tag of the test's own; returns
/// the report's line for it and what was printed on stderr.
fn build_on(f: &Fixture, engine: &str, bin: &str, tag: &str) -> (String, String) {
    let out = f.run(&[
        "build",
        "--engine",
        engine,
        "--network",
        "host",
        "--bin",
        bin,
        "--tag",
        tag,
    ]);
    let log = ok(&out);
    let report = stdout(&out);
    let line = report
        .lines()
        .find(|l| l.starts_with(tag))
        .unwrap_or_else(|| panic!("{tag} not reported:\n{report}"))
        .to_string();
    let parts = common::report_adds_up(&report, tag);
    assert!(
        parts.contains("/usr/local/bin/") || parts.contains("/venv "),
        "the binary or the venv is a part: {parts}"
    );
    (line, log)
}

/// The report's columns are real figures: sizes, user, entrypoint.
fn check_report(line: &str, entrypoint: &str) {
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert!(!columns.contains(&"?"), "a blank column: {line}");
    assert_eq!(
        line.matches(" MB").count(),
        3,
        "size, base and payload: {line}"
    );
    assert!(line.contains("65532:65532"), "{line}");
    assert!(line.ends_with(entrypoint), "{line}");
}

fn inspect(tag: &str) -> serde_json::Value {
    let out = podman(&["image", "inspect", tag]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()[0].clone()
}

/// A running container, removed when dropped.
struct Running(String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = podman(&["rm", "-f", &self.0]);
    }
}

/// Runs the image with podman and checks that it answers `want` on
/// 127.0.0.1, as uid 65532, with no shell in it.
fn serve_and_check(tag: &str, port: u16, want: &str) {
    let env = format!("PORT={port}");
    let out = podman(&["run", "-d", "--network", "host", "-e", &env, tag]);
    assert!(out.status.success(), "podman run {tag}: {}", stderr(&out));
    let c = Running(stdout(&out).trim().to_string());
    let body = common::http_get(port, "/").unwrap_or_else(|| {
        let logs = podman(&["logs", &c.0]);
        panic!(
            "{tag}: nothing answered on {port}: {}{}",
            stdout(&logs),
            stderr(&logs)
        )
    });
    assert!(body.contains(want), "{tag}: {body:?} lacks {want:?}");
    let state = podman(&["inspect", &c.0]);
    let state: serde_json::Value = serde_json::from_slice(&state.stdout).unwrap();
    let pid = state[0]["State"]["Pid"].as_u64().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().skip(1).all(|u| u == "65532"),
        "{tag} runs as {uid}"
    );
    let list = Command::new("sh")
        .arg("-c")
        .arg(format!("podman export {} | tar -t", c.0))
        .output()
        .unwrap();
    let files = stdout(&list);
    assert!(files.lines().count() > 10, "{tag}: {files}");
    for shell in [
        "bin/sh",
        "usr/bin/sh",
        "bin/bash",
        "usr/bin/bash",
        "busybox/sh",
    ] {
        assert!(!files.lines().any(|l| l == shell), "{tag} contains {shell}");
    }
}

#[test]
#[ignore = "needs podman and buildah with the base images: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn rust_and_python_services_on_podman() {
    let _turn = engines();
    for (name, bin, port, entrypoint, want) in [
        (
            "one-bin",
            "hello",
            18410,
            "[\"/usr/local/bin/hello\"]",
            "hello: hello",
        ),
        (
            "py-flask",
            "py-flask",
            18411,
            "[\"/venv/bin/python\", \"/app/app.py\"]",
            "py-flask: hello from flask; speedups markupsafe._speedups",
        ),
    ] {
        let f = fixture(name);
        ok(&f.run(&["init"]));
        let tag = format!("cargo-distroless-e2e/podman-{name}:1");
        let (line, log) = build_on(&f, "podman", bin, &tag);
        assert!(
            log.contains("$ (cd ")
                && log.contains(" && podman build --format docker -f Dockerfile --target "),
            "the engine command is printed first:\n{log}"
        );
        check_report(&line, entrypoint);
        assert_eq!(inspect(&tag)["ManifestType"], DOCKER_FORMAT, "{tag}");
        serve_and_check(&tag, port, want);
    }
}

#[test]
#[ignore = "needs podman and buildah with the base images: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_rust_service_on_buildah() {
    let _turn = engines();
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let tag = "cargo-distroless-e2e/buildah-one-bin:1";
    let (line, log) = build_on(&f, "buildah", "hello", tag);
    assert!(
        log.contains(" && buildah build --format docker --layers -f Dockerfile --target hello "),
        "{log}"
    );
    check_report(&line, "[\"/usr/local/bin/hello\"]");
    let out = Command::new("buildah")
        .args(["inspect", "--type", "image", tag])
        .output()
        .unwrap();
    let image: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(image["Manifest"].as_str().unwrap()).unwrap();
    assert_eq!(manifest["mediaType"], DOCKER_FORMAT);
    // podman shares buildah's store, so it runs what buildah built.
    serve_and_check(tag, 18412, "hello: hello");
}

/// A builder step whose pipeline fails part-way: with the Dockerfile's
/// `SHELL` (bash, `pipefail`) every engine fails the build. In OCI format
/// podman and buildah would drop `SHELL`, run `/bin/sh -c`, and pass it.
#[test]
#[ignore = "needs podman and buildah with the base images: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_pipeline_that_fails_part_way_fails_the_build_on_every_engine() {
    let _turn = engines();
    let f = fixture("one-bin");
    ok(&f.run(&["eject", "rust/builder"]));
    let builder = f.read(".distroless/templates/rust/builder.hbs");
    f.write(
        ".distroless/templates/rust/builder.hbs",
        &builder.replace(
            "WORKDIR {{builder.workdir}}\n",
            "WORKDIR {{builder.workdir}}\nRUN ( echo step; exit 3 ) | cat\n",
        ),
    );
    ok(&f.run(&["init"]));
    assert!(
        f.read("Dockerfile")
            .contains("RUN ( echo step; exit 3 ) | cat")
    );
    for engine in ["docker", "podman", "buildah"] {
        let tag = format!("cargo-distroless-e2e/pipefail-{engine}:1");
        let out = f.run(&[
            "build",
            "--engine",
            engine,
            "--network",
            "host",
            "--bin",
            "hello",
            "--tag",
            &tag,
        ]);
        let log = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{engine} passed a failed pipeline:\n{log}"
        );
        assert!(
            log.contains(&format!("{engine} build of `hello` failed")),
            "{log}"
        );
    }
}
