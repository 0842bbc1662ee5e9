//! Rust projects built and run on a real engine: single binaries, several,
//! workspaces, build scripts and the dependency cache, cargo configuration,
//! vendored sources.
//!
//! Ignored unless asked for (`.ci/run` starts the engines and runs them):
//! `CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored`.

mod common;

use std::time::Instant;

use common::images::*;
use common::{example, fixture, ok, stderr};

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn one_binary() {
    engine();
    run_fixture(
        "one-bin",
        &[Case {
            stage: "hello",
            bin: "hello",
            port: free_port(),
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
            port: free_port(),
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
                port: free_port(),
                answers: &[("/", "tools: hello")],
            },
            Case {
                stage: "worker",
                bin: "worker",
                port: free_port(),
                answers: &[("/", "worker: hello")],
            },
            Case {
                stage: "admin",
                bin: "admin",
                port: free_port(),
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
                port: free_port(),
                answers: &[("/", "worker: from the workspace")],
            },
            Case {
                stage: "api-server",
                bin: "api-server",
                port: free_port(),
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
                port: free_port(),
                answers: &[("/", "site: hello (not the default)")],
            },
            Case {
                stage: "server",
                bin: "server",
                port: free_port(),
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
        port: free_port(),
        answers: &[("/", "stamped: hello [made by build.rs; 42 bytes]")],
    };
    let f = run_fixture("build-script", std::slice::from_ref(&case));

    let started = Instant::now();
    rebuilds_only_the_application(&f, "cargo-distroless-e2e/build-script:changed", case.port);
    eprintln!(
        "rebuild after a source change: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A release: a new version, a description and a new setting, with
    // Cargo.lock brought up to date and the files made again. None of it is
    // read by the dependency build, so the dependency layer is kept.
    let manifest = f.read("Cargo.toml").replacen(
        "version = \"0.2.0\"",
        "version = \"0.3.0\"\ndescription = \"Stamps its answers.\"\nauthors = [\n  \"A. Person\",\n]",
        1,
    );
    f.write(
        "Cargo.toml",
        &manifest.replace("port = 8080", "port = 8080\nenv = { RELEASE = \"3\" }"),
    );
    let updated = std::process::Command::new(env!("CARGO"))
        .args(["update", "--workspace", "--offline", "--quiet"])
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert!(updated.status.success(), "{}", stderr(&updated));
    ok(&f.run(&["init"]));
    let tag = "cargo-distroless-e2e/build-script:released";
    compiles_only_the_application(&f, tag, "Compiling stamped v0.3.0");
    assert_eq!(
        inspect(
            tag,
            "{{index .Config.Labels \"org.opencontainers.image.version\"}}"
        ),
        "0.3.0"
    );
    let port = free_port();
    let c = serve(tag, port);
    assert!(get(port, "/", &c).contains("stamped: hello"));
}

/// `cache = "mounts"`: no dependency plan, the target folder in a cache
/// mount; a persistent builder still rebuilds only the application.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn the_mounts_cache_keeps_dependencies_in_a_cache_mount() {
    engine();
    let f = common::with_config("build-script", "cache = \"mounts\"");
    ok(&f.run(&["init"]));
    let dockerfile = f.dockerfile();
    assert!(!dockerfile.has_stage("plan"), "{:?}", dockerfile.names());
    assert!(
        dockerfile.stage("builder").mounts(&[
            "type=cache",
            "id=stamped-target",
            "target=/build/target"
        ]),
        "{dockerfile:?}"
    );
    common::hadolint(&f.path("Dockerfile"));
    build(&f.dir, None, "cargo-distroless-e2e/mounts:1");
    rebuilds_only_the_application(&f, "cargo-distroless-e2e/mounts:2", free_port());
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
            port: free_port(),
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
            port: free_port(),
            answers: &[
                ("/", "Hello from a distroless image, running as uid 65532"),
                ("/healthz", "ok"),
                ("/about.txt", "Static files copied into the image"),
            ],
        }],
    );
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
            let c = serve(tag, free_port());
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
    let dockerfile = f.dockerfile();
    assert!(
        dockerfile.runs(&["--no-install-recommends", "clang", "lld"]),
        "{dockerfile:?}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/cargo-config:1";
    build(&f.dir, Some("api-server"), tag);
    let port = free_port();
    let c = serve(tag, port);
    assert!(
        get(port, "/", &c).contains("api-server: from the api (built with clang and lld)"),
        "{}",
        get(port, "/", &c)
    );
    check_image(tag, "api-server", &c);
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
        f.dockerfile()
            .runs(&["cargo", "build", "--release", "--locked", "--offline"])
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
    let port = free_port();
    let c = serve(tag, port);
    let body = get(port, "/", &c);
    assert!(
        body.contains("vendored-app: hello [cfg-if on linux]"),
        "{body}"
    );
    check_image(tag, "vendored-app", &c);
}
