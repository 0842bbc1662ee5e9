//! Native libraries on a real engine: system OpenSSL and SQLite, a static
//! build, the base runtime with libgcc copied in, an optional native crate.
//!
//! Ignored unless asked for (`.ci/run` starts the engines and runs them):
//! `CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored`.

mod common;

use common::images::*;
use common::{fixture, ok};

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
        free_port(),
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
        free_port(),
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
    assert_eq!(
        f.dockerfile().stage("tiny").image,
        "gcr.io/distroless/static-debian13:nonroot"
    );
    native_fixture(
        &f,
        "static-service",
        "tiny",
        free_port(),
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
        free_port(),
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
    let words = f.dockerfile().run_words();
    assert!(
        !words
            .iter()
            .any(|w| w == "libsqlite3-dev" || w == "apt-get"),
        "{words:?}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/optional-native:1";
    build(&f.dir, None, tag);
    let port = free_port();
    let c = serve(tag, port);
    let body = get(port, "/", &c);
    assert!(body.contains("pg-service: hello [postgres]"), "{body}");
    check_image(tag, "pg-service", &c);
}
