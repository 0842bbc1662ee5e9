//! What the engines read stays what the tool means: the written
//! `.dockerignore` gives the same build context on Docker's BuildKit, podman
//! and buildah (classic rules, under which a re-admitted folder brings back
//! what earlier rules left out), each engine copying the real context into
//! an image whose files are then listed; and reading an image for its SBOM
//! never follows a link inside it to a file of this machine. Needs the
//! engines with the base images, so ignored unless asked for.

mod common;

use std::process::Command;

use common::{ok, stderr};

/// Runs a command, returning stdout; fails the test with its stderr.
fn run(program: &str, args: &[&str], dir: &std::path::Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The files under `/ctx` of an image, from a container's export.
fn listed(program: &str, image: &str, dir: &std::path::Path) -> Vec<String> {
    let id = run(program, &["create", image, "x"], dir)
        .trim()
        .to_string();
    let tar = Command::new(program)
        .args(["export", &id])
        .current_dir(dir)
        .output()
        .unwrap();
    run(program, &["rm", &id], dir);
    let mut archive = tar::Archive::new(tar.stdout.as_slice());
    let mut files: Vec<String> = archive
        .entries()
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let path = e.path().ok()?.to_string_lossy().into_owned();
            let rel = path.strip_prefix("ctx/")?.trim_end_matches('/').to_string();
            (e.header().entry_type().is_file() && !rel.is_empty()).then_some(rel)
        })
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "needs Docker, podman and buildah with the base images: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn the_build_context_is_the_same_on_docker_podman_and_buildah() {
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "set up the engines (.ci/run does), then set CARGO_DISTROLESS_E2E=1"
    );
    let f = common::fixture("py-flask");
    let config = f.read("distroless.toml");
    f.write(
        "distroless.toml",
        &format!("{config}include = [\"config\"]\n"),
    );
    for (rel, text) in [
        ("config/app.toml", "name = 'app'\n"),
        ("config/tls.pem", "-----BEGIN PRIVATE KEY-----\n"),
        ("config/.env", "TOKEN=x\n"),
        ("config/sub/id_rsa", "key\n"),
        ("config/.aws/credentials", "[default]\n"),
        ("secrets.yaml", "token: x\n"),
        (".npmrc", "//registry.npmjs.org/:_authToken=x\n"),
    ] {
        let path = f.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    ok(&f.run(&["init"]));
    f.write(
        "Listing.Dockerfile",
        "FROM gcr.io/distroless/static-debian13:nonroot\nCOPY . /ctx\n",
    );
    let tag = "cargo-distroless-test-context";
    // buildah and podman share one image store: podman lists both.
    let mut contexts = Vec::new();
    for (program, verb, lister) in [
        ("docker", "build", "docker"),
        ("podman", "build", "podman"),
        ("buildah", "bud", "podman"),
    ] {
        let args = [
            verb,
            "--network",
            "host",
            "-q",
            "-f",
            "Listing.Dockerfile",
            "-t",
            tag,
            ".",
        ];
        run(program, &args, &f.dir);
        contexts.push((program, listed(lister, tag, &f.dir)));
        let _ = Command::new(lister).args(["rmi", tag]).output();
    }
    let docker = contexts[0].1.clone();
    for (program, files) in &contexts[1..] {
        assert_eq!(files, &docker, "{program}'s context differs from Docker's");
    }
    assert!(
        docker.contains(&"config/app.toml".to_string()),
        "{docker:?}"
    );
    assert!(docker.contains(&"app.py".to_string()), "{docker:?}");
    for secret in [
        "config/tls.pem",
        "config/.env",
        "config/sub/id_rsa",
        "config/.aws/credentials",
        "secrets.yaml",
        ".npmrc",
    ] {
        assert!(
            !docker.iter().any(|p| p == secret),
            "{secret} reached the context: {docker:?}"
        );
    }
}

/// Builds an image whose dpkg records include links to a file of this
/// machine, reads its SBOM with `program`, and checks the file was never
/// read: only the image's own record is listed.
fn sbom_never_follows_links(program: &str, build: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().join("host-record");
    std::fs::write(
        &host,
        "Package: host-secret\nStatus: install ok installed\nVersion: 1.0\n",
    )
    .unwrap();
    let records = dir.path().join("ctx/status.d");
    std::fs::create_dir_all(&records).unwrap();
    std::fs::write(
        records.join("app-record"),
        "Package: app-record\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&host, records.join("host-link")).unwrap();
    std::os::unix::fs::symlink(dir.path(), records.join("host-dir")).unwrap();
    std::fs::write(
        dir.path().join("ctx/Dockerfile"),
        "FROM gcr.io/distroless/static-debian13:nonroot\nCOPY status.d/ /var/lib/dpkg/status.d/\n",
    )
    .unwrap();
    let tag = format!("cargo-distroless-test-sbom-links-{program}");
    let ctx = dir.path().join("ctx");
    let mut args = build.to_vec();
    args.extend(["-t", &tag, "."]);
    run(program, &args, &ctx);
    let out = dir.path().join("sbom");
    let image = cargo_distroless::sbom::Image {
        tag: &tag,
        base: "gcr.io/distroless/static-debian13:nonroot",
        project_root: &ctx,
        inventory: cargo_distroless::ecosystems::python::inventory::INVENTORY,
    };
    let path = cargo_distroless::sbom::write(
        &which::which(program).unwrap(),
        &image,
        "app",
        &out,
        Some(0),
    )
    .unwrap();
    let _ = Command::new(program).args(["rmi", &tag]).output();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("app-record"), "{program}: {text}");
    assert!(
        !text.contains("host-secret"),
        "{program} read the host: {text}"
    );
}

#[test]
#[ignore = "needs Docker and podman with the base images: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn an_sbom_never_reads_the_host_through_an_images_links() {
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "set up the engines (.ci/run does), then set CARGO_DISTROLESS_E2E=1"
    );
    sbom_never_follows_links("docker", &["build", "--network", "host", "-q"]);
    sbom_never_follows_links("podman", &["build", "--network", "host", "-q"]);
}
