//! Builds every fixture's image on a real engine and runs it: the server
//! answers on 127.0.0.1, runs as uid 65532, has no shell, and the image is no
//! bigger than its runtime base + the binary + 1 MiB.
//!
//! Needs a Docker engine with BuildKit and the base images, so every test is
//! ignored unless asked for: `.ci/run` starts both and runs them with
//! `cargo test -- --ignored`. Asked for without an engine, they fail.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{Fixture, example, fixture, ok, stderr, stdout};

const RUNTIME: &str = "gcr.io/distroless/cc-debian13:nonroot";
const MIB: u64 = 1024 * 1024;

/// Asserts that the run asked for images (`CARGO_DISTROLESS_E2E=1`, as the
/// ignore reason says) and that an engine answers and holds the base images.
fn engine() {
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "the image tests build images for minutes: start a Docker engine with the base images, then set CARGO_DISTROLESS_E2E=1 (.ci/run does both)"
    );
    let info = docker(&["info", "--format", "{{.ServerVersion}}"]);
    assert!(
        info.status.success(),
        "the image tests need a Docker engine, and none answers: {}",
        stderr(&info)
    );
    let base = docker(&["image", "inspect", RUNTIME]);
    assert!(
        base.status.success(),
        "the image tests need the base images, and {RUNTIME} is missing: build them first (.ci/run does)"
    );
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs")
}

/// A Docker config folder whose buildx (0.17 or later) can put bake targets
/// on the host network, which this engine needs (its own buildx is 0.13).
/// `.ci/plugins` makes one (with compose too) and `.ci/run` names it.
fn bake_docker_config() -> String {
    let dir = std::env::var("CARGO_DISTROLESS_BAKE_DOCKER_CONFIG").expect(
        "the image tests need CARGO_DISTROLESS_BAKE_DOCKER_CONFIG: a Docker config folder with buildx 0.17+ (.ci/plugins DIR makes one)",
    );
    let out = Command::new("docker")
        .args(["buildx", "version"])
        .env("DOCKER_CONFIG", &dir)
        .output()
        .expect("docker runs");
    let version = stdout(&out);
    assert!(
        cargo_distroless::engine::parse_buildx(&version) >= (0, 17),
        "buildx in {dir} is too old for bake's network: {version}"
    );
    dir
}

/// A value no earlier run used, so that BuildKit cannot take a layer that
/// depends on it from its cache.
fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// `docker build` of one stage (or the default); returns the plain log.
fn build(dir: &Path, target: Option<&str>, tag: &str) -> String {
    let mut args = vec![
        "build",
        "--network",
        "host",
        "--progress",
        "plain",
        "-t",
        tag,
    ];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    let dir = dir.to_str().unwrap();
    args.push(dir);
    let out = docker(&args);
    let log = stderr(&out);
    assert!(
        out.status.success(),
        "docker build {target:?} failed:\n{log}"
    );
    log
}

/// A running container, removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

fn serve(tag: &str, port: u16) -> Container {
    let env = format!("PORT={port}");
    let out = docker(&["run", "-d", "--network", "host", "-e", &env, tag]);
    assert!(out.status.success(), "docker run {tag}: {}", stderr(&out));
    Container(stdout(&out).trim().to_string())
}

/// GET a path on 127.0.0.1, retrying while the server starts.
fn get(port: u16, path: &str, c: &Container) -> String {
    common::http_get(port, path).unwrap_or_else(|| {
        let logs = docker(&["logs", &c.0]);
        panic!(
            "nothing answered on 127.0.0.1:{port}; container log:\n{}{}",
            stdout(&logs),
            stderr(&logs)
        )
    })
}

fn inspect(what: &str, format: &str) -> String {
    let out = docker(&["inspect", "--format", format, what]);
    assert!(out.status.success(), "inspect {what}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// The shared libraries the builder gathered for a binary: (path, bytes).
fn gathered_libs(dir: &Path, builder_stage_tag: &str, bin: &str) -> Vec<(String, u64)> {
    build(dir, Some("builder"), builder_stage_tag);
    let out = docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "find",
        builder_stage_tag,
        &format!("/out/libs/{bin}"),
        "-type",
        "f",
        "-printf",
        "%s %P\\n",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, path)| !path.starts_with(DPKG_RECORDS))
        .map(|(size, path)| (format!("/{path}"), size.parse().unwrap()))
        .collect()
}

/// Where a copied library's Debian package is recorded, distroless's way.
const DPKG_RECORDS: &str = "var/lib/dpkg/status.d/";

/// The Debian packages recorded beside the gathered libraries (after
/// `gathered_libs` built the stage), each record checked to name itself.
fn dpkg_records(builder_stage_tag: &str, bin: &str) -> Vec<String> {
    let dir = format!("/out/libs/{bin}/{DPKG_RECORDS}");
    let out = docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "sh",
        builder_stage_tag,
        "-c",
        &format!("cd {dir} && for f in *; do head -n 1 \"$f\"; done"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.strip_prefix("Package: ").unwrap_or(l).to_string())
        .collect()
}

/// What every image must be while its container runs: the nonroot user, the
/// exec-form entrypoint, uid 65532 for real, and no shell anywhere. Returns
/// the image's file list.
fn check_running(tag: &str, c: &Container, entrypoint: &str) -> String {
    assert_eq!(
        inspect(tag, "{{.Config.User}}"),
        "65532:65532",
        "{tag}: USER"
    );
    assert_eq!(
        inspect(tag, "{{json .Config.Entrypoint}}"),
        entrypoint,
        "{tag}: exec-form entrypoint"
    );
    let pid = inspect(&c.0, "{{.State.Pid}}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().skip(1).all(|u| u == "65532"),
        "{tag} runs as {uid}"
    );
    let list = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {} | tar -t", c.0))
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let files = stdout(&list);
    // The working directory is root's: WORKDIR alone would give it to 65532.
    let owners = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {} | tar -tv --numeric-owner", c.0))
        .output()
        .unwrap();
    let app = stdout(&owners)
        .lines()
        .find(|l| l.ends_with(" app/"))
        .map(String::from)
        .unwrap_or_default();
    assert!(app.contains(" 0/0 "), "{tag}: /app is not root's: {app:?}");
    for shell in [
        "bin/sh",
        "usr/bin/sh",
        "bin/bash",
        "usr/bin/bash",
        "bin/busybox",
        "busybox/sh",
    ] {
        assert!(!files.lines().any(|l| l == shell), "{tag} contains {shell}");
    }
    files
}

/// The checks every image must pass while its container runs.
fn check_image(tag: &str, bin: &str, c: &Container) {
    check_image_on(tag, bin, c, RUNTIME, 0);
}

/// The same, on another runtime base, allowing for `libs` bytes of copied
/// shared libraries.
fn check_image_on(tag: &str, bin: &str, c: &Container, runtime: &str, libs: u64) {
    check_running(tag, c, &format!("[\"/usr/local/bin/{bin}\"]"));

    let tmp = tempfile::tempdir().unwrap();
    let out = docker(&[
        "cp",
        &format!("{}:/usr/local/bin/{bin}", c.0),
        tmp.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let binary = std::fs::metadata(tmp.path().join(bin)).unwrap().len();
    let image: u64 = inspect(tag, "{{.Size}}").parse().unwrap();
    let base: u64 = inspect(runtime, "{{.Size}}").parse().unwrap();
    assert!(
        image <= base + binary + libs + MIB,
        "{tag} is {image} bytes: more than base {base} + binary {binary} + libraries {libs} + 1 MiB"
    );
    eprintln!(
        "{tag}: image {image} B = base {base} B + binary {binary} B + libraries {libs} B + {} B",
        image as i64 - (base + binary + libs) as i64
    );
}

/// One final stage to try: its name, and what `GET <path>` must contain.
struct Case {
    stage: &'static str,
    bin: &'static str,
    port: u16,
    answers: &'static [(&'static str, &'static str)],
}

/// Generates, lints, builds the default image (which must be the last case)
/// and every other stage, runs each and checks it.
fn run_fixture(name: &str, cases: &[Case]) -> Fixture {
    run_project(fixture(name), name, cases)
}

fn run_project(f: Fixture, name: &str, cases: &[Case]) -> Fixture {
    let _ = std::fs::remove_file(f.path("Dockerfile"));
    let _ = std::fs::remove_file(f.path(".dockerignore"));
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let (default, others) = cases.split_last().unwrap();
    for (case, target) in others
        .iter()
        .map(|c| (c, Some(c.stage)))
        .chain([(default, None)])
    {
        let tag = format!("cargo-distroless-e2e/{name}:{}", case.stage);
        build(&f.dir, target, &tag);
        let c = serve(&tag, case.port);
        for (path, want) in case.answers {
            let body = get(case.port, path, &c);
            assert!(
                body.contains(want),
                "{tag} GET {path}: {body:?} lacks {want:?}"
            );
        }
        check_image(&tag, case.bin, &c);
    }
    f
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn one_binary() {
    engine();
    run_fixture(
        "one-bin",
        &[Case {
            stage: "hello",
            bin: "hello",
            port: 18110,
            answers: &[("/", "hello: hello")],
        }],
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn dash_in_name_with_env_and_args() {
    engine();
    run_fixture(
        "dash-name",
        &[Case {
            stage: "my-web-app",
            bin: "my-web-app",
            port: 18120,
            answers: &[("/", "my-web-app: from $args \"quoted\"")],
        }],
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn several_binaries_in_one_package() {
    engine();
    run_fixture(
        "several-bins",
        &[
            Case {
                stage: "tools",
                bin: "tools",
                port: 18130,
                answers: &[("/", "tools: hello")],
            },
            Case {
                stage: "worker",
                bin: "worker",
                port: 18131,
                answers: &[("/", "worker: hello")],
            },
            Case {
                stage: "admin",
                bin: "admin",
                port: 18132,
                answers: &[("/", "admin: hello")],
            },
        ],
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn virtual_workspace_with_path_dependencies_and_assets() {
    engine();
    run_fixture(
        "workspace",
        &[
            Case {
                stage: "worker",
                bin: "worker",
                port: 18140,
                answers: &[("/", "worker: from the workspace")],
            },
            Case {
                stage: "api-server",
                bin: "api-server",
                port: 18141,
                answers: &[
                    ("/", "api-server: from the api"),
                    ("/file/static/index.html", "<h1>static asset</h1>"),
                ],
            },
        ],
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn default_run_is_the_default_image() {
    engine();
    run_fixture(
        "default-run",
        &[
            Case {
                stage: "site",
                bin: "site",
                port: 18160,
                answers: &[("/", "site: hello (not the default)")],
            },
            Case {
                stage: "server",
                bin: "server",
                port: 18161,
                answers: &[("/", "server: hello")],
            },
        ],
    );
}

/// A build script and a crates.io dependency; then a source-only change must
/// rebuild the application without recompiling the dependency.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn build_script_and_dependency_cache() {
    engine();
    let case = Case {
        stage: "stamped",
        bin: "stamped",
        port: 18150,
        answers: &[("/", "stamped: hello [made by build.rs; 42 bytes]")],
    };
    let f = run_fixture("build-script", std::slice::from_ref(&case));

    let started = Instant::now();
    rebuilds_only_the_application(&f, "cargo-distroless-e2e/build-script:changed", case.port);
    eprintln!(
        "rebuild after a source change: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// After a change to the build-script fixture's own source, the image
/// rebuilds `stamped` and never its dependency `itoa`, and serves the
/// change: a value no earlier run used, so no cached layer can stand in.
fn rebuilds_only_the_application(f: &Fixture, tag: &str, port: u16) {
    let nonce = nonce() % 1_000_000_007;
    let main = f.read("src/main.rs");
    f.write(
        "src/main.rs",
        &main.replace("buf.format(42)", &format!("buf.format({nonce}u64)")),
    );
    let log = build(&f.dir, None, tag);
    assert!(
        log.contains("Compiling stamped"),
        "the application is rebuilt:\n{log}"
    );
    assert!(
        !log.contains("Compiling itoa"),
        "the dependency must come from the cache:\n{log}"
    );
    let c = serve(tag, port);
    assert!(get(port, "/", &c).contains(&format!("{nonce} bytes")));
}

/// `cache = "mounts"`: no dependency plan, the target folder in a cache
/// mount; a persistent builder still rebuilds only the application.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn the_mounts_cache_keeps_dependencies_in_a_cache_mount() {
    engine();
    let f = common::with_config("build-script", "cache = \"mounts\"");
    ok(&f.run(&["init"]));
    let dockerfile = f.read("Dockerfile");
    assert!(!dockerfile.contains(" AS plan"), "{dockerfile}");
    assert!(
        dockerfile.contains("--mount=type=cache,id=stamped-target,target=/build/target"),
        "{dockerfile}"
    );
    common::hadolint(&f.path("Dockerfile"));
    build(&f.dir, None, "cargo-distroless-e2e/mounts:1");
    rebuilds_only_the_application(&f, "cargo-distroless-e2e/mounts:2", 18151);
}

/// `apt` in a Rust project's table reaches the builder: the build script
/// runs a tool only that package provides, and the image serves what it said.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn apt_packages_reach_the_rust_builder() {
    engine();
    let f = fixture("build-script");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace("port = 8080", "port = 8080\napt = [\"jq\"]"),
    );
    f.write(
        "build.rs",
        "fn main() {\n    let out = std::process::Command::new(\"jq\").arg(\"--version\").output().expect(\"jq runs\");\n    let version = String::from_utf8(out.stdout).unwrap();\n    println!(\"cargo:rustc-env=BUILD_INFO={}\", version.trim());\n}\n",
    );
    run_project(
        f,
        "apt-rust",
        &[Case {
            stage: "stamped",
            bin: "stamped",
            port: 18155,
            answers: &[("/", "stamped: hello [jq-1.")],
        }],
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn the_readme_example() {
    engine();
    run_project(
        example("hello-server"),
        "hello-server",
        &[Case {
            stage: "hello-server",
            bin: "hello-server",
            port: 18170,
            answers: &[
                ("/", "Hello from a distroless image, running as uid 65532"),
                ("/healthz", "ok"),
                ("/about.txt", "Static files copied into the image"),
            ],
        }],
    );
}

/// Builds a fixture's default image on a given runtime and checks it, the
/// copied libraries included; returns them.
fn native_fixture(
    f: &Fixture,
    name: &str,
    bin: &str,
    port: u16,
    runtime: &str,
    answer: &str,
) -> Vec<(String, u64)> {
    common::hadolint(&f.path("Dockerfile"));
    let tag = format!("cargo-distroless-e2e/{name}:{bin}");
    build(&f.dir, None, &tag);
    let libs = if runtime.contains("/static-") {
        Vec::new()
    } else {
        gathered_libs(&f.dir, &format!("cargo-distroless-e2e/{name}:builder"), bin)
    };
    let c = serve(&tag, port);
    let body = get(port, "/", &c);
    assert!(body.contains(answer), "{tag}: {body:?} lacks {answer:?}");
    check_image_on(&tag, bin, &c, runtime, libs.iter().map(|(_, n)| n).sum());
    eprintln!("{tag}: copied libraries {libs:?}");
    libs
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn system_openssl_needs_nothing_copied_on_cc() {
    engine();
    let f = fixture("openssl-service");
    ok(&f.run(&["init"]));
    let libs = native_fixture(
        &f,
        "openssl-service",
        "tls-hasher",
        18180,
        RUNTIME,
        "tls-hasher: hello [OpenSSL 3.",
    );
    assert!(libs.is_empty(), "cc ships libssl and libcrypto: {libs:?}");
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn system_sqlite_is_copied_into_the_image() {
    engine();
    let f = fixture("sqlite-service");
    ok(&f.run(&["init"]));
    let libs = native_fixture(
        &f,
        "sqlite-service",
        "notes",
        18181,
        RUNTIME,
        "notes: hello [sqlite 3.",
    );
    let names: Vec<&str> = libs
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["libsqlite3.so.0"], "exactly the library cc lacks");
    assert_eq!(
        dpkg_records("cargo-distroless-e2e/sqlite-service:builder", "notes"),
        ["libsqlite3-0"],
        "its package is recorded for scanners"
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn static_build_runs_on_static() {
    engine();
    let f = fixture("static-service");
    ok(&f.run(&["init"]));
    assert!(
        f.read("Dockerfile")
            .contains("FROM gcr.io/distroless/static-debian13:nonroot AS tiny")
    );
    native_fixture(
        &f,
        "static-service",
        "tiny",
        18182,
        "gcr.io/distroless/static-debian13:nonroot",
        "tiny: hello (static)",
    );
}

/// On `base` (no libgcc_s) the same mechanism copies libgcc_s.so.1 in.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn base_runtime_gets_libgcc_copied_in() {
    engine();
    let f = fixture("one-bin");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace("port = 8080", "port = 8080\nruntime = \"base\""),
    );
    ok(&f.run(&["init"]));
    let libs = native_fixture(
        &f,
        "one-bin-base",
        "hello",
        18183,
        "gcr.io/distroless/base-debian13:nonroot",
        "hello: hello",
    );
    let names: Vec<&str> = libs
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["libgcc_s.so.1"]);
    assert_eq!(
        dpkg_records("cargo-distroless-e2e/one-bin-base:builder", "hello"),
        ["libgcc-s1"]
    );
}

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
        ("worker", 18192, "worker: from the workspace"),
        ("api-server", 18193, "api-server: from the api"),
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
        ("worker:0.9.0", 18190, "worker: from the workspace"),
        ("api-server:0.9.0", 18191, "api-server: from the api"),
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

const PYTHON_RUNTIME: &str = "gcr.io/distroless/python3-debian13:nonroot";

/// Bytes of the files under these top-level folders of a container's
/// filesystem, from `docker export`.
fn exported_bytes(container: &str, prefixes: &[&str]) -> u64 {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {container} | tar -tv"))
        .output()
        .unwrap();
    stdout(&out)
        .lines()
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let path = fields.last()?;
            prefixes
                .iter()
                .any(|p| path.starts_with(p))
                .then(|| fields.get(2)?.parse::<u64>().ok())
                .flatten()
        })
        .sum()
}

/// Generates, lints, builds and runs a Python fixture; checks the answer,
/// the user, the missing shell and the size against python3-debian13.
fn python_fixture(name: &str, port: u16, entrypoint: &str, answer: &str) -> Fixture {
    let f = fixture(name);
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let tag = format!("cargo-distroless-e2e/{name}:latest");
    build(&f.dir, None, &tag);
    let c = serve(&tag, port);
    let body = get(port, "/", &c);
    assert!(body.contains(answer), "{tag}: {body:?} lacks {answer:?}");
    let files = check_running(&tag, &c, entrypoint);
    assert!(
        !files.lines().any(|l| l.starts_with("venv/bin/pip")),
        "{tag} keeps pip"
    );
    let image: u64 = inspect(&tag, "{{.Size}}").parse().unwrap();
    let base: u64 = inspect(PYTHON_RUNTIME, "{{.Size}}").parse().unwrap();
    let added = exported_bytes(&c.0, &["venv/", "app/"]);
    assert!(
        image <= base + added + MIB,
        "{tag}: {image} B > base {base} B + venv and app {added} B + 1 MiB"
    );
    eprintln!(
        "{tag}: image {image} B = base {base} B + venv/app {added} B + {} B",
        image as i64 - (base + added) as i64
    );
    f
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_flask_from_requirements_with_compiled_markupsafe() {
    engine();
    python_fixture(
        "py-flask",
        18320,
        "[\"/venv/bin/python\",\"/app/app.py\"]",
        "py-flask: hello from flask; speedups markupsafe._speedups; markupsafe &lt;ok&gt;",
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_package_with_a_console_script() {
    engine();
    python_fixture(
        "py-package",
        18321,
        "[\"/venv/bin/greeter-server\"]",
        "greeter: hello (from a console script; installed at /venv/lib/python3.13/site-packages/greeter/server.py)",
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_poetry_app() {
    engine();
    python_fixture(
        "py-poetry",
        18322,
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "poetry-app: hello (six 1.17.0)",
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_yaml_with_libyaml_from_hashed_requirements() {
    engine();
    python_fixture(
        "py-yaml",
        18323,
        "[\"/venv/bin/python\",\"-m\",\"yamlsvc\"]",
        "yamlsvc: hello (libyaml True; {'a': 1})",
    );
}

/// A uv-locked app; then a source-only change must not reinstall the
/// dependencies.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_uv_app_and_source_change_rebuild() {
    engine();
    let f = python_fixture(
        "py-uv",
        18324,
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "uv-app: hello (itsdangerous ",
    );
    let nonce = nonce();
    let main = f.read("main.py");
    f.write(
        "main.py",
        &main.replace("uv-app", &format!("uv-app-{nonce}")),
    );
    let started = Instant::now();
    let log = build(&f.dir, None, "cargo-distroless-e2e/py-uv:changed");
    eprintln!(
        "py-uv rebuild after a source change: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let install = log
        .lines()
        .find(|l| l.contains("uv sync --frozen --no-dev --no-install-project"))
        .unwrap();
    let step = install.split_whitespace().next().unwrap();
    assert!(
        log.contains(&format!("{step} CACHED")),
        "the dependency layer is reused:\n{log}"
    );
    let c = serve("cargo-distroless-e2e/py-uv:changed", 18325);
    assert!(get(18325, "/", &c).contains(&format!("uv-app-{nonce}: hello")));
}

/// The usual FastAPI `main.py`, with no `__main__` block: uvicorn serves it,
/// and pydantic-core's compiled extension loads.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_fastapi_served_by_uvicorn() {
    engine();
    python_fixture(
        "py-fastapi",
        18326,
        "[\"/venv/bin/uvicorn\",\"main:app\",\"--host\",\"0.0.0.0\",\"--port\",\"18326\"]",
        "\"app\":\"py-fastapi\",\"pydantic_core\":\"2.",
    );
}

/// Pipfile.lock's default packages, installed hash-checked.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_pipenv_lock() {
    engine();
    python_fixture(
        "py-pipenv",
        18327,
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "pipenv-app: hello (six 1.17.0)",
    );
}

/// Files that look like credentials, as projects hold them.
const SECRET_FILES: &[&str] = &[
    ".env",
    ".envrc",
    ".aws/credentials",
    ".kube/config",
    ".ssh/id_ecdsa",
    ".git-credentials",
    "deploy/id_ed25519",
    "deploy/gcp-service-account.json",
    "infra/terraform.tfstate",
    "infra/prod.tfvars",
    "vendored/lib/.git/config",
    ".netrc",
    ".pgpass",
];

/// Copies a fixture and plants the secret-looking files in it.
fn with_secrets(name: &str) -> Fixture {
    let f = fixture(name);
    for s in SECRET_FILES {
        let path = f.path(s);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("TOKEN-{s}\n")).unwrap();
    }
    f
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
    for (name, port, installed) in [("py-flask", 18330, false), ("py-package", 18331, true)] {
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

/// Polls a container's health until it is `want`, for up to 30 s.
fn wait_health(c: &Container, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = inspect(&c.0, "{{.State.Health.Status}}");
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{}: health is {status:?}, not {want:?}",
            c.0
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// How long `docker stop` takes, with a grace period of `grace` seconds.
fn stop_time(c: &Container, grace: u32) -> Duration {
    let started = Instant::now();
    let out = docker(&["stop", "-t", &grace.to_string(), &c.0]);
    assert!(out.status.success(), "{}", stderr(&out));
    started.elapsed()
}

/// Builds a fixture's default image with these lines added to its table.
fn build_with(name: &str, config: &str, tag: &str) -> Fixture {
    let f = common::with_config(name, config);
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    build(&f.dir, None, tag);
    f
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
    let tag = "cargo-distroless-e2e/health-rust:ok";
    build_with("one-bin", &config("/", 18520, true), tag);
    let c = serve(tag, 18520);
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

    for (what, path, port) in [("failing", "/status/500", 18520), ("closed", "/", 18529)] {
        let tag = format!("cargo-distroless-e2e/health-rust:{what}");
        build_with("one-bin", &config(path, port, true), &tag);
        let c = serve(&tag, 18520);
        wait_health(&c, "unhealthy");
        eprintln!("{what}: unhealthy");
    }

    let tag = "cargo-distroless-e2e/health-rust:no-init";
    build_with("one-bin", &config("/", 18520, false), tag);
    let c = serve(tag, 18520);
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
        let f = fixture("py-flask");
        f.write(
            "distroless.toml",
            &format!("port = 18530\nhealthcheck = {{ path = \"{path}\", {timing} }}\n"),
        );
        ok(&f.run(&["init"]));
        common::hadolint(&f.path("Dockerfile"));
        let tag = format!("cargo-distroless-e2e/health-python:{want}");
        build(&f.dir, None, &tag);
        let c = serve(&tag, 18530);
        wait_health(&c, want);
        if want == "healthy" {
            check_running(&tag, &c, "[\"/venv/bin/python\",\"/app/app.py\"]");
            let took = stop_time(&c, 10);
            eprintln!("docker stop of python (SIGINT): {took:?}");
            assert!(took < Duration::from_secs(2), "{took:?}");
        }
    }
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
    f.write(".dockerignore", "src\n");
    ok(&f.run(&["init", "--file", "Dockerfile.distroless"]));
    common::hadolint(&f.path("Dockerfile.distroless"));
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
    let c = serve(tag, 18540);
    assert!(get(18540, "/", &c).contains("hello: hello"));
    check_image(tag, "hello", &c);
    assert_eq!(f.read("Dockerfile"), "FROM scratch\n");
    assert_eq!(f.read(".dockerignore"), "src\n");
}

/// The section names of a binary in an image, read with `readelf`.
fn sections(tag: &str, path: &str) -> String {
    let out = docker(&["create", tag]);
    let id = stdout(&out).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("bin");
    let copied = docker(&["cp", &format!("{id}:{path}"), &dest.to_string_lossy()]);
    let _ = docker(&["rm", &id]);
    assert!(copied.status.success(), "{}", stderr(&copied));
    let out = Command::new("readelf")
        .arg("-S")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// A release profile that keeps debug info (`debug = 1`) still gives an
/// image whose binary has none, and which is the runtime base + the binary
/// + less than 1 MiB; `strip = false` keeps it.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn debug_info_is_stripped_from_the_image() {
    engine();
    for (strip, tag) in [
        ("", "cargo-distroless-e2e/strip:default"),
        ("strip = false", "cargo-distroless-e2e/strip:kept"),
    ] {
        let f = common::with_config("one-bin", strip);
        let manifest = f.read("Cargo.toml");
        f.write(
            "Cargo.toml",
            &format!("{manifest}\n[profile.release]\ndebug = 1\n"),
        );
        ok(&f.run(&["init"]));
        build(&f.dir, None, tag);
        let text = sections(tag, "/usr/local/bin/hello");
        if strip.is_empty() {
            assert!(
                !text.contains(".debug_info"),
                "{tag} keeps debug info:\n{text}"
            );
            assert!(
                text.contains(".symtab"),
                "symbol names stay for backtraces:\n{text}"
            );
            let c = serve(tag, 18545);
            check_image(tag, "hello", &c);
        } else {
            assert!(text.contains(".debug_info"), "{tag} lost its debug info");
        }
    }
}

/// A workspace whose .cargo/config.toml links with clang and lld and sets a
/// variable the code reads at build time: the builder installs clang and
/// lld (no template override), cargo applies the file, and the image
/// serves what the variable said.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn cargo_configuration_with_clang_lld_and_env() {
    engine();
    let f = fixture("workspace");
    std::fs::create_dir_all(f.path(".cargo")).unwrap();
    f.write(
        ".cargo/config.toml",
        "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang\"\nrustflags = [\"-C\", \"link-arg=-fuse-ld=lld\"]\n\n[env]\nBUILD_NOTE = \" (built with clang and lld)\"\n",
    );
    f.write(
        "crates/api/src/main.rs",
        "fn main() {\n    common::run(\"api-server\", env!(\"BUILD_NOTE\"));\n}\n",
    );
    let explained = ok(&f.run(&["init", "--explain"]));
    for want in [
        "cargo config: .cargo/config.toml travels with the source",
        "the builder installs clang: `linker = \"clang\"` in .cargo/config.toml",
        "the builder installs lld: `link-arg=-fuse-ld=lld` in the rustflags of .cargo/config.toml",
        "[env] sets BUILD_NOTE for the build",
    ] {
        assert!(explained.contains(want), "missing {want:?}:\n{explained}");
    }
    let dockerfile = f.read("Dockerfile");
    assert!(
        dockerfile.contains("--no-install-recommends clang lld"),
        "{dockerfile}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/cargo-config:1";
    build(&f.dir, Some("api-server"), tag);
    let c = serve(tag, 18550);
    assert!(
        get(18550, "/", &c).contains("api-server: from the api (built with clang and lld)"),
        "{}",
        get(18550, "/", &c)
    );
    check_image(tag, "api-server", &c);
}

/// A Postgres-only service whose database kit locks a SQLite driver no
/// selected feature builds: the builder installs no SQLite packages, and
/// the image builds and serves with only the Postgres driver.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn an_optional_native_crate_gets_no_packages() {
    engine();
    let f = fixture("optional-native");
    assert!(f.read("Cargo.lock").contains("name = \"libsqlite3-sys\""));
    ok(&f.run(&["init"]));
    let dockerfile = f.read("Dockerfile");
    assert!(
        !dockerfile.contains("libsqlite3-dev") && !dockerfile.contains("apt-get"),
        "{dockerfile}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/optional-native:1";
    build(&f.dir, None, tag);
    let c = serve(tag, 18570);
    let body = get(18570, "/", &c);
    assert!(body.contains("pg-service: hello [postgres]"), "{body}");
    check_image(tag, "pg-service", &c);
}

/// Vendored sources (`cargo vendor` and its `[source]` replacement): the
/// build runs `--offline` from `vendor/`, and proves it by building with no
/// network at all.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn vendored_sources_build_with_the_network_off() {
    engine();
    let f = fixture("vendored");
    let explained = ok(&f.run(&["init", "--explain"]));
    assert!(
        explained.contains("vendored sources in vendor: the build is --offline"),
        "{explained}"
    );
    assert!(
        f.read("Dockerfile")
            .contains("cargo build --release --locked --offline")
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/vendored:1";
    let dir = f.dir.to_str().unwrap();
    let out = docker(&[
        "build",
        "--network",
        "none",
        "--progress",
        "plain",
        "-t",
        tag,
        dir,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let c = serve(tag, 18571);
    let body = get(18571, "/", &c);
    assert!(
        body.contains("vendored-app: hello [cfg-if on linux]"),
        "{body}"
    );
    check_image(tag, "vendored-app", &c);
}

/// A uv workspace member, `init` run in its folder: the files go to the
/// workspace root (the build context), the member is installed from the
/// root's lock, and the image serves with no source in `/app`.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_uv_workspace_member_installs_from_the_root_lock() {
    engine();
    let f = fixture("py-uv-workspace");
    let out = common::cmd()
        .current_dir(f.path("backend"))
        .args(["init", "--explain"])
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.contains("uv workspace: member backend-app (backend/pyproject.toml), built from the workspace root"),
        "{text}"
    );
    assert!(!f.path("backend/Dockerfile").exists());
    let dockerfile = f.read("Dockerfile");
    assert!(
        dockerfile.contains("uv sync --frozen --no-dev --no-editable --package 'backend-app'"),
        "{dockerfile}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/py-uv-workspace:1";
    build(&f.dir, None, tag);
    let c = serve(tag, 18572);
    let body = get(18572, "/", &c);
    assert!(
        body.contains("backend-app: hello (itsdangerous itsdangerous, from the workspace lock)"),
        "{body}"
    );
    let files = check_running(tag, &c, "[\"/venv/bin/backend-app\"]");
    let app: Vec<&str> = files
        .lines()
        .filter(|l| l.starts_with("app/") && *l != "app/")
        .collect();
    assert!(
        app.is_empty(),
        "an installed member ships no source: {app:?}"
    );
}

/// uWSGI, built from source in the builder, is an ELF program in the venv
/// that links libpython, which the runtime lacks: the library step covers
/// the venv's programs, so it is copied and uWSGI serves as 65532. Pillow's
/// wheel bundles its own libraries in the venv: they are not copied again.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn uwsgi_from_the_venv_with_a_wheel_that_bundles_libraries() {
    engine();
    let f = fixture("py-uwsgi");
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/py-uwsgi:1";
    let libs = gathered_libs(&f.dir, "cargo-distroless-e2e/py-uwsgi:builder", "");
    let names: Vec<&str> = libs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        ["/usr/lib/x86_64-linux-gnu/libpython3.13.so.1.0"],
        "only what the venv's programs load and the runtime lacks; nothing the venv carries"
    );
    assert_eq!(
        dpkg_records("cargo-distroless-e2e/py-uwsgi:builder", ""),
        ["libpython3.13"]
    );
    build(&f.dir, None, tag);
    let c = serve(tag, 18340);
    let body = get(18340, "/", &c);
    assert!(
        body.contains("py-uwsgi: hello (pillow 11.3.0; webp True") && body.contains("uid 65532"),
        "{body}"
    );
    let files = check_running(tag, &c, "[\"/venv/bin/uwsgi\"]");
    let bundled: Vec<&str> = files
        .lines()
        .filter(|l| l.contains("pillow.libs/lib"))
        .collect();
    assert!(
        !bundled.is_empty() && bundled.iter().all(|l| l.starts_with("venv/")),
        "pillow's libraries ship in the venv, and the library step added none: {bundled:?}"
    );
    // uWSGI reloads on SIGTERM (no --die-on-term here); its STOPSIGNAL
    // SIGINT stops it at once.
    let took = stop_time(&c, 10);
    eprintln!("docker stop of uWSGI (SIGINT): {took:?}");
    assert!(took < Duration::from_secs(2), "uWSGI took {took:?} to stop");
}

/// `writable = ["media"]`: that folder is the image user's, and the rest of
/// `/app` stays root's and read-only to the app.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn writable_folders_and_a_read_only_app() {
    engine();
    let f = fixture("py-writable");
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/py-writable:1";
    build(&f.dir, None, tag);
    let c = serve(tag, 18342);
    get(18342, "/", &c);
    let body = get(18342, "/", &c);
    assert!(
        body.contains("py-writable: hello (media 2 writes as uid 65532; /app read-only)"),
        "{body}"
    );
    check_running(tag, &c, "[\"/venv/bin/python\",\"/app/app.py\"]");
}

/// A Django site as it ships: recognised, its static files collected into
/// STATIC_ROOT at build time, served by gunicorn from its WSGI module, and
/// writing to its media folder as 65532 while the rest of /app stays
/// read-only. `build-commands` replaces the detected command.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn django_collects_static_files_and_writes_media() {
    engine();
    let f = fixture("py-django");
    let explained = ok(&f.run(&["init", "--explain"]));
    assert!(
        explained.contains(
            "mysite/settings.py assigns STATIC_ROOT, so collectstatic runs at build time"
        ),
        "{explained}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/py-django:1";
    build(&f.dir, None, tag);
    let c = serve(tag, 18344);
    get(18344, "/", &c);
    let body = get(18344, "/", &c);
    assert!(
        body.contains(
            "py-django: hello (static css/site.css; media 2 writes as uid 65532; /app read-only)"
        ),
        "{body}"
    );
    check_running(
        tag,
        &c,
        "[\"/venv/bin/gunicorn\",\"--chdir\",\"/app\",\"--bind\",\"0.0.0.0:18344\",\"mysite.wsgi\"]",
    );
    drop(c);
    // The project's own commands instead: the static files are its to make.
    let mut config = f.read("distroless.toml");
    config.push_str("build-commands = [[\"python\", \"-c\", \"import pathlib; pathlib.Path('staticfiles/own.txt').parent.mkdir(); pathlib.Path('staticfiles/own.txt').write_text('x')\"]]\n");
    f.write("distroless.toml", &config);
    ok(&f.run(&["init"]));
    // Built by the tool: its report accounts for every byte above the base.
    let tag = "cargo-distroless-e2e/py-django:2";
    let out = f.run(&["build", "--network", "host", "--tag", tag]);
    ok(&out);
    let parts = common::report_adds_up(&stdout(&out), tag);
    assert!(
        parts.starts_with("  payload: /venv ") && parts.contains(" + /app "),
        "{parts}"
    );
    let c = serve(tag, 18344);
    let body = get(18344, "/", &c);
    assert!(body.contains("(static own.txt;"), "{body}");
}

/// A module with a syntax error fails the build at byte-compilation, naming
/// the file, rather than the container at start; `compile-exclude` leaves
/// out what is not Python to compile.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_syntax_error_fails_the_python_build() {
    engine();
    let f = fixture("py-flask");
    std::fs::create_dir_all(f.path("templates")).unwrap();
    f.write(
        "templates/page.py",
        "{% for x in items %}{{ x }}{% endfor %}\n",
    );
    ok(&f.run(&["init"]));
    let out = docker(&[
        "build",
        "--network",
        "host",
        "--progress",
        "plain",
        "-t",
        "cargo-distroless-e2e/syntax:1",
        &f.dir.to_string_lossy(),
    ]);
    assert!(!out.status.success(), "a syntax error passed the build");
    assert!(
        stderr(&out).contains("/app/templates/page.py"),
        "{}",
        stderr(&out)
    );
    f.write(
        "distroless.toml",
        "port = 18560\ncompile-exclude = [\"templates\"]\n",
    );
    ok(&f.run(&["init"]));
    build(&f.dir, None, "cargo-distroless-e2e/syntax:2");
    let c = serve("cargo-distroless-e2e/syntax:2", 18560);
    assert!(get(18560, "/", &c).contains("py-flask: hello from flask"));
}
