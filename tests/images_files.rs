//! The files around the Dockerfile on a real engine: bake, `build`, compose,
//! side-by-side Dockerfiles, secrets kept out, health checks and stop signals.
//!
//! Ignored unless asked for (`.ci/run` starts the engines and runs them):
//! `CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored`.

mod common;

use std::process::Command;
use std::time::Duration;

use common::images::*;
use common::{fixture, ok, stderr, stdout};

/// The bake file: buildx reads it, with one target per image and their tags.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn bake_file_is_what_buildx_reads() {
    engine();
    let f = fixture("several-bins");
    ok(&f.run(&["init"]));
    let out = Command::new("docker")
        .args(["buildx", "bake", "--print"])
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["group"]["default"]["targets"],
        serde_json::json!(["tools", "worker", "admin"])
    );
    for stage in ["tools", "worker", "admin"] {
        assert_eq!(json["target"][stage]["target"], stage);
        assert_eq!(json["target"][stage]["dockerfile"], "Dockerfile");
        assert_eq!(
            json["target"][stage]["tags"],
            serde_json::json!([format!("{stage}:0.4.0"), format!("{stage}:latest")])
        );
    }
    let out = Command::new("docker")
        .args(["buildx", "bake", "--print"])
        .env("REGISTRY", "registry.example/team/")
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert!(stdout(&out).contains("registry.example/team/admin:0.4.0"));
    assert!(
        json["target"]["admin"]["cache-from"].is_null(),
        "no CACHE, no cache: {json}"
    );
    let out = Command::new("docker")
        .args(["buildx", "bake", "--print"])
        .env("CACHE", "registry.example/team/cache")
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for stage in ["tools", "worker", "admin"] {
        assert_eq!(
            json["target"][stage]["cache-from"],
            serde_json::json!([format!(
                "type=registry,ref=registry.example/team/cache:{stage}"
            )])
        );
        assert_eq!(
            json["target"][stage]["cache-to"],
            serde_json::json!([format!(
                "type=registry,ref=registry.example/team/cache:{stage},mode=max"
            )])
        );
    }
}

/// A real `docker buildx bake` of a two-binary workspace: one BuildKit run
/// compiles the workspace once and makes both images, tagged from the bake
/// file with the registry prefix, and both serve.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn real_bake_builds_every_image_once() {
    engine();
    let f = fixture("workspace");
    ok(&f.run(&["init"]));
    // Unique per run, so the workspace is compiled here, not taken from cache.
    let nonce = nonce();
    let lib = f.read("crates/common/src/lib.rs");
    f.write("crates/common/src/lib.rs", &format!("{lib}// {nonce}\n"));
    // This engine has no bridge network, so the targets go on the host's; a
    // second bake file says so, as a user might for their own builder.
    let net = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        net.path(),
        "target \"worker\" {\n  network = \"host\"\n}\ntarget \"api-server\" {\n  network = \"host\"\n}\n",
    )
    .unwrap();
    let out = Command::new("docker")
        .current_dir(&f.dir)
        .args([
            "buildx",
            "bake",
            "--allow=network.host",
            "--progress",
            "plain",
        ])
        .args(["-f", "docker-bake.hcl", "-f"])
        .arg(net.path())
        .arg("--load")
        .env("DOCKER_CONFIG", bake_docker_config())
        .env("REGISTRY", "cargo-distroless-e2e/bake/")
        .output()
        .unwrap();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    // One compile for both images: cargo ran in one build step, and the
    // other image's builder step was that step's cache.
    assert_eq!(log.matches("Compiling common v0.9.0").count(), 1, "{log}");
    assert_eq!(
        log.matches("Finished `release` profile").count(),
        1,
        "{log}"
    );
    for (bin, port, answer) in [
        ("worker", free_port(), "worker: from the workspace"),
        ("api-server", free_port(), "api-server: from the api"),
    ] {
        let image = format!("cargo-distroless-e2e/bake/{bin}:0.9.0");
        let c = serve(&image, port);
        assert!(get(port, "/", &c).contains(answer));
        check_running(&image, &c, &format!("[\"/usr/local/bin/{bin}\"]"));
    }
}

/// `cargo distroless build` builds every image of a workspace and reports on
/// each; every image then runs.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn build_command_builds_and_reports_every_image() {
    engine();
    let f = fixture("workspace");
    ok(&f.run(&["init"]));
    // Every image at once goes through bake (a buildx that can set its network).
    let out = common::cmd()
        .current_dir(&f.dir)
        .args(["build", "--network", "host", "--platform", "linux/amd64"])
        .env("DOCKER_CONFIG", bake_docker_config())
        .output()
        .unwrap();
    ok(&out);
    assert!(
        stderr(&out).contains("load local bake definitions"),
        "not built by bake:\n{}",
        stderr(&out)
    );
    let report = stdout(&out);
    for (image, port, answer) in [
        ("worker:0.9.0", free_port(), "worker: from the workspace"),
        ("api-server:0.9.0", free_port(), "api-server: from the api"),
    ] {
        let line = report
            .lines()
            .find(|l| l.starts_with(image))
            .unwrap_or_else(|| panic!("{image} not reported:\n{report}"));
        assert!(
            line.contains("65532:65532") && line.contains("/usr/local/bin/"),
            "{line}"
        );
        let parts = common::report_adds_up(&report, image);
        let bin = image.split(':').next().unwrap();
        assert!(parts.contains(&format!("/usr/local/bin/{bin} ")), "{parts}");
        let c = serve(image, port);
        assert!(get(port, "/", &c).contains(answer));
    }

    // The engine's own buildx cannot: the images are built one by one.
    let out = f.run(&["build", "--network", "host"]);
    ok(&out);
    assert!(
        stderr(&out).contains("building the images one by one"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out).matches("65532:65532").count(), 2);

    let out = f.run(&[
        "build",
        "--network",
        "host",
        "--bin",
        "worker",
        "--tag",
        "cargo-distroless-e2e/tagged:1",
    ]);
    ok(&out);
    assert!(
        stdout(&out).contains("cargo-distroless-e2e/tagged:1"),
        "{}",
        stdout(&out)
    );
    assert!(common::error(&f.run(&["build", "--tag", "x:1"])).contains("--tag names one image"));
    assert!(
        common::error(&f.run(&["build", "--bin", "nope"]))
            .contains("the images are: worker, api-server")
    );
}

/// A build that fails exits non-zero with the engine's error.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn build_command_reports_a_failed_build() {
    engine();
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    // Unique per run, so no cached layer can stand in for it.
    let nonce = nonce();
    f.write(
        "src/main.rs",
        &format!("fn main() {{ this does not compile {nonce} }}\n"),
    );
    let out = f.run(&["build", "--network", "host"]);
    let text = common::error(&out);
    assert!(text.contains("docker build of `hello` failed"), "{text}");
}

/// compose.yaml passes `docker compose config` (the compose plugin that
/// `.ci/plugins` fetches).
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn compose_file_is_what_compose_reads() {
    engine();
    let f = fixture("workspace");
    let api = f.read("crates/api/Cargo.toml");
    f.write(
        "crates/api/Cargo.toml",
        &api.replace(
            "port = 8080",
            "port = 8080\nhealthcheck = \"/\"\ninit = true",
        ),
    );
    let worker = f.read("crates/worker/Cargo.toml");
    f.write(
        "crates/worker/Cargo.toml",
        &format!("{worker}\n[package.metadata.distroless]\ndepends-on = [\"api-server\"]\n"),
    );
    ok(&f.run(&["init", "--compose"]));
    let out = Command::new("docker")
        .current_dir(&f.dir)
        .args(["compose", "config", "--format", "json"])
        .env("DOCKER_CONFIG", bake_docker_config())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker compose config: {}",
        stderr(&out)
    );
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = &config["services"]["api-server"];
    assert_eq!(api["build"]["target"], "api-server");
    assert_eq!(api["healthcheck"]["test"][0], "CMD");
    assert_eq!(
        api["healthcheck"]["test"][1],
        "/usr/local/lib/cargo-distroless/healthcheck"
    );
    assert_eq!(api["ports"][0]["target"], 8080);
    assert_eq!(
        config["services"]["worker"]["depends_on"]["api-server"]["condition"],
        "service_healthy"
    );
}

/// Beside the project's own Dockerfile and a .dockerignore that would break
/// the build (it leaves out `src`), `docker build -f Dockerfile.distroless`
/// reads Dockerfile.distroless.dockerignore instead, and the image serves.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_dockerfile_beside_the_projects_own() {
    engine();
    let f = fixture("one-bin");
    f.write("Dockerfile", "FROM scratch\n");
    f.write(".dockerignore", "*.md\n");
    ok(&f.run(&["init", "--file", "Dockerfile.distroless"]));
    common::hadolint(&f.path("Dockerfile.distroless"));
    assert!(
        f.read("Dockerfile.distroless.dockerignore")
            .contains("\n*.md\n"),
        "the project's own rules apply to the side-by-side build too"
    );
    let tag = "cargo-distroless-e2e/beside:1";
    let out = docker(&[
        "build",
        "--network",
        "host",
        "-f",
        &f.path("Dockerfile.distroless").to_string_lossy(),
        "-t",
        tag,
        &f.dir.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let port = free_port();
    let c = serve(tag, port);
    assert!(get(port, "/", &c).contains("hello: hello"));
    check_image(tag, "hello", &c);
    assert_eq!(f.read("Dockerfile"), "FROM scratch\n");
    assert_eq!(f.read(".dockerignore"), "*.md\n");
}

/// A script project copies its filtered source into /app and an installed
/// one copies none: in neither image is any of the secret-looking files the
/// projects hold (listed from `docker export`), and `init` warns about the
/// one a rule cannot know. Each project's own .dockerignore is merged, and
/// its rule holds in the image.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn secrets_in_the_project_never_reach_the_image() {
    engine();
    for (name, port, installed) in [
        ("py-flask", free_port(), false),
        ("py-package", free_port(), true),
    ] {
        let f = with_secrets(name);
        std::fs::create_dir_all(f.path("config")).unwrap();
        f.write("config/client_secret.json", "{}\n");
        // The project's own .dockerignore: its rules are kept by the merge.
        f.write(".dockerignore", "# the team's\nnotes/\n");
        std::fs::create_dir_all(f.path("notes")).unwrap();
        f.write("notes/todo.md", "draft\n");
        let text = ok(&f.run(&["init", "--force"]));
        assert!(text.contains("merged .dockerignore"), "{text}");
        assert!(
            text.contains("warning: config/client_secret.json looks like a secret"),
            "{text}"
        );
        for s in SECRET_FILES {
            assert!(
                !text.contains(&format!("warning: {s} ")),
                "{s} is excluded: {text}"
            );
        }
        let tag = format!("cargo-distroless-e2e/secrets-{name}:latest");
        build(&f.dir, None, &tag);
        let c = serve(&tag, port);
        let files = Command::new("sh")
            .arg("-c")
            .arg(format!("docker export {} | tar -t", c.0))
            .output()
            .unwrap();
        let files = stdout(&files);
        for s in SECRET_FILES {
            assert!(
                !files.lines().any(|l| l.trim_end_matches('/').ends_with(s)),
                "{tag} holds {s}"
            );
        }
        let app: Vec<&str> = files
            .lines()
            .filter(|l| l.starts_with("app/") && *l != "app/")
            .collect();
        if installed {
            assert!(
                app.is_empty(),
                "{tag}: an installed project ships no source: {app:?}"
            );
        } else {
            assert!(app.contains(&"app/app.py"), "{tag}: {app:?}");
            assert!(
                !app.iter().any(|f| f.starts_with("app/tests")),
                "{tag}: a script project's tests stay out of /app: {app:?}"
            );
            assert!(
                !app.iter().any(|f| f.starts_with("app/notes")),
                "{tag}: the project's own rule keeps notes/ out: {app:?}"
            );
        }
    }
}

/// A Rust service with a health check and an init: healthy when it answers,
/// unhealthy when the path fails or the port is closed; the probe adds less
/// than 500 KiB; `docker stop` of a program with no SIGTERM handler takes
/// well under a second with the init, and the whole grace period without.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn health_checks_and_init_for_a_rust_service() {
    engine();
    let timing = "interval = \"1s\", timeout = \"1s\", start-period = \"1s\", retries = 1";
    let config = |path: &str, port: u16, init: bool| {
        format!("healthcheck = {{ path = \"{path}\", {timing}, port = {port} }}\ninit = {init}")
    };
    let port = free_port();
    let tag = "cargo-distroless-e2e/health-rust:ok";
    build_with("one-bin", &config("/", port, true), tag);
    let c = serve(tag, port);
    wait_health(&c, "healthy");
    let files = check_running(
        tag,
        &c,
        "[\"/usr/bin/tini\",\"--\",\"/usr/local/bin/hello\"]",
    );
    assert!(
        files
            .lines()
            .any(|l| l == "usr/local/lib/cargo-distroless/healthcheck")
    );
    let probe = exported_bytes(&c.0, &["usr/local/lib/cargo-distroless/healthcheck"]);
    assert!(probe > 0 && probe < 500 * 1024, "the probe is {probe} B");
    eprintln!("probe: {probe} B");
    let took = stop_time(&c, 10);
    eprintln!("docker stop with the init: {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    for (what, path, probe) in [
        ("failing", "/status/500", port),
        ("closed", "/", free_port()),
    ] {
        let tag = format!("cargo-distroless-e2e/health-rust:{what}");
        build_with("one-bin", &config(path, probe, true), &tag);
        let c = serve(&tag, port);
        wait_health(&c, "unhealthy");
        eprintln!("{what}: unhealthy");
    }

    let tag = "cargo-distroless-e2e/health-rust:no-init";
    build_with("one-bin", &config("/", port, false), tag);
    let c = serve(tag, port);
    wait_health(&c, "healthy");
    let took = stop_time(&c, 3);
    eprintln!("docker stop without the init (grace 3 s): {took:?}");
    assert!(
        took >= Duration::from_millis(2900),
        "PID 1 ignored SIGTERM for the grace period: {took:?}"
    );
}

/// A Python service probed by its own interpreter, healthy and unhealthy;
/// with `STOPSIGNAL SIGINT` it stops at once even without an init.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn health_checks_and_stop_signal_for_a_python_service() {
    engine();
    let timing = "interval = \"1s\", timeout = \"2s\", start-period = \"1s\", retries = 1";
    for (path, want) in [("/", "healthy"), ("/status/500", "unhealthy")] {
        let port = free_port();
        let f = fixture("py-flask");
        f.write(
            "distroless.toml",
            &format!("port = {port}\nhealthcheck = {{ path = \"{path}\", {timing} }}\n"),
        );
        ok(&f.run(&["init"]));
        common::hadolint(&f.path("Dockerfile"));
        let tag = format!("cargo-distroless-e2e/health-python:{want}");
        build(&f.dir, None, &tag);
        let c = serve(&tag, port);
        wait_health(&c, want);
        if want == "healthy" {
            check_running(&tag, &c, "[\"/venv/bin/python\",\"/app/app.py\"]");
            let took = stop_time(&c, 10);
            eprintln!("docker stop of python (SIGINT): {took:?}");
            assert!(took < Duration::from_secs(2), "{took:?}");
        }
    }
}
