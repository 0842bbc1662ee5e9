//! Runtime choice, native libraries and build options: what the plan says and
//! what `--explain` tells, on the real binary.

mod common;

use common::{Dockerfile, error, fixture, ok, stderr, stdout, with_config};

#[test]
fn static_with_a_system_library_is_refused() {
    let f = with_config("openssl-service", "runtime = \"static\"");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("runtime = \"static\" cannot be met: `openssl-sys` links the system OpenSSL"),
        "{text}"
    );
    assert!(
        text.contains("enable the `vendored` feature of `openssl`"),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

#[test]
fn vendored_openssl_builds_in_and_static_is_allowed() {
    let f = with_config("openssl-service", "runtime = \"static\"");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace(
            "openssl = \"0.10\"",
            "openssl = { version = \"0.10\", features = [\"vendored\"] }",
        ),
    );
    // The feature adds a crate: Cargo.lock gets it, as any build would.
    let updated = std::process::Command::new("cargo")
        .args(["update", "--workspace", "--quiet"])
        .current_dir(&f.dir)
        .status()
        .unwrap();
    assert!(updated.success());
    let out = f.run(&["init", "--stdout", "--explain"]);
    let (text, explained) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{explained}");
    let parsed = Dockerfile::parse(&text);
    assert!(
        parsed.runs(&[
            "apt-get",
            "install",
            "-y",
            "--no-install-recommends",
            "make",
            "perl"
        ]),
        "{text}"
    );
    assert!(
        !parsed.run_words().iter().any(|w| w == "libssl-dev"),
        "{text}"
    );
    assert!(
        explained.contains("native: openssl-sys (OpenSSL) built in by openssl/vendored"),
        "{explained}"
    );
    assert!(
        text.contains("RUSTFLAGS=\"-C target-feature=+crt-static\""),
        "{text}"
    );
}

#[test]
fn explain_says_why() {
    let f = fixture("sqlite-service");
    let out = f.run(&["init", "--explain"]);
    let text = ok(&out);
    for want in [
        "project: notes at",
        "builder: rust:1-slim-trixie: Rust 1 (the newest stable: no toolchain is named, and each release moves the `1` tag)",
        "runtime: gcr.io/distroless/cc-debian13:nonroot: Rust on glibc",
        "native: libsqlite3-sys (SQLite) from the system; the builder installs libsqlite3-dev pkg-config",
        "libsqlite3.so.0 is not in cc, so it is copied from the builder",
        "minus the 19 libraries cc ships",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
}

/// The one-binary fixture on Debian 12's debug image, with a profile and a feature.
fn debian12_debug_dist() -> common::Fixture {
    let f = with_config(
        "one-bin",
        "distro = \"debian12\"\ndebug = true\nprofile = \"dist\"\nfeatures = [\"extra\"]",
    );
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &format!("{manifest}\n[features]\nextra = []\n\n[profile.dist]\ninherits = \"release\"\n"),
    );
    f
}

#[test]
#[ignore = "needs hadolint: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn hadolint_distro_debug_and_build_options() {
    let f = debian12_debug_dist();
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
}

#[test]
fn distro_debug_and_build_options() {
    let f = debian12_debug_dist();
    let out = f.run(&["init"]);
    let text = ok(&out);
    assert!(
        text.contains("warning: debian12 (bookworm) images are past their support date"),
        "{text}"
    );
    let dockerfile = f.read("Dockerfile");
    insta::with_settings!({filters => vec![
        (r"# cargo-distroless inputs: [^\n]*", "# cargo-distroless inputs: [inputs]"),
        (r"# cargo-distroless fingerprint: [0-9a-f]+", "# cargo-distroless fingerprint: [fingerprint]"),
    ]}, {
        insta::assert_snapshot!("one-bin-debian12-debug.Dockerfile", dockerfile);
    });
    let parsed = Dockerfile::parse(&dockerfile);
    assert_eq!(parsed.stage("builder").image, "rust:1-slim-bookworm");
    assert_eq!(
        parsed.stage("hello").image,
        "gcr.io/distroless/cc-debian12:debug-nonroot"
    );
    let builder = parsed.stage("builder");
    assert!(
        builder.runs(&[
            "cargo",
            "auditable",
            "build",
            "--profile",
            "dist",
            "--package",
            "hello",
            "--bin",
            "hello",
            "--features",
            "extra"
        ]),
        "{dockerfile}"
    );
    assert!(builder.runs(&["cp", "target/dist/$1"]), "{dockerfile}");

    // Flags override the recorded features and add build switches.
    let out = f.run(&[
        "init",
        "--stdout",
        "--no-default-features",
        "-F",
        "a,b",
        "--profile",
        "dev",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "--profile dev --package hello --bin hello --features a,b --no-default-features"
        ),
        "{text}"
    );
    assert!(text.contains("cp \"target/debug/$1\""), "{text}");
    let text = stdout(&f.run(&["init", "--stdout", "--all-features"]));
    assert!(
        text.contains("--all-features") && !text.contains("--features extra"),
        "{text}"
    );
}

#[test]
fn unknown_runtime_and_distro_are_errors() {
    let f = with_config("one-bin", "runtime = \"python3\"");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("runtime = \"python3\" is not a runtime for Rust binaries"),
        "{text}"
    );
    assert!(text.contains("cc, base, base-nossl, static"), "{text}");
    let f = with_config("one-bin", "distro = \"debian11\"");
    let text = error(&f.run(&["init"]));
    assert!(text.contains("use one of: debian13, debian12"), "{text}");
}

/// A feature that turns on a native crate makes the files stale.
#[test]
fn a_new_native_dependency_makes_the_file_stale() {
    let f = fixture("optional-native");
    ok(&f.run(&["init"]));
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace(
            "features = [\"postgres\"]",
            "features = [\"postgres\", \"sqlite\"]",
        ),
    );
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("+#   libsqlite3-dev: libsqlite3-sys"),
        "{report}"
    );
    assert!(
        report.contains("- the builder's Debian packages are now `libsqlite3-dev`, `pkg-config`"),
        "{report}"
    );
    assert!(!report.contains("the build changed"), "{report}");
}

#[test]
fn root_table_errors_say_where_the_setting_is() {
    let f = with_config("one-bin", "rust-version = \"latest\"");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("invalid `rust-version` = \"latest\" in the distroless table of"),
        "{text}"
    );
    assert!(
        text.contains("Cargo.toml") && !text.contains("--rust-version"),
        "{text}"
    );
    let f = with_config("one-bin", "runtime = \"scratch\"");
    let text = error(&f.run(&["init"]));
    assert!(text.contains("of the root Cargo.toml"), "{text}");
}

#[test]
fn apt_in_a_rust_table_reaches_the_builder_with_its_reason() {
    let f = with_config("sqlite-service", "apt = [\"clang\", \"libsqlite3-dev\"]");
    let out = f.run(&["init", "--stdout", "--explain"]);
    let (text, explained) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{explained}");
    for want in [
        "#   clang: `apt` in [package.metadata.distroless] of Cargo.toml\n",
        "#   libsqlite3-dev: libsqlite3-sys, `apt` in [package.metadata.distroless] of Cargo.toml\n",
        "apt-get install -y --no-install-recommends clang libsqlite3-dev pkg-config\n",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
    assert!(
        explained.contains(
            "apt: the builder installs clang (`apt` in [package.metadata.distroless] of Cargo.toml)"
        ),
        "{explained}"
    );

    let f = with_config("one-bin", "apt = [\"clang; curl evil\"]");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains(
            "invalid `apt` entry `clang; curl evil` in [package.metadata.distroless] of Cargo.toml: not a Debian package name"
        ),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

/// Cargo.lock lists the SQLite driver of a kit whose `sqlite` feature nothing
/// turns on, and whose `postgres` feature sets a driver option through a
/// weak `libsqlite3-sys?/unlock_notify`; cargo's build graph says the driver
/// is never built, so the builder installs nothing for it. Asking for the
/// feature brings it back, from the same graph.
#[test]
fn an_optional_native_crate_no_feature_builds_needs_nothing() {
    let f = fixture("optional-native");
    assert!(f.read("Cargo.lock").contains("name = \"libsqlite3-sys\""));
    let text = ok(&f.run(&["init", "--explain"]));
    assert!(
        text.contains("native libraries: none; Cargo.lock lists a known -sys crate, but cargo's build graph (`cargo tree` for the target, with the selected features) does not build it"),
        "{text}"
    );
    let dockerfile = f.dockerfile();
    assert!(
        !dockerfile.run_words().contains(&"apt-get".to_string()),
        "{dockerfile:?}"
    );

    let with_sqlite = fixture("optional-native");
    let text = ok(&with_sqlite.run(&["init", "--explain", "--features", "dbkit/sqlite"]));
    for want in [
        "native libraries: from cargo's build graph (`cargo tree` for the target, with the selected features)",
        "native: libsqlite3-sys (SQLite) from the system; the builder installs libsqlite3-dev pkg-config",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
}

/// The native-library answer does not depend on what the machine's cargo
/// cache holds: with an empty cache, cargo fetches what Cargo.lock names
/// and the files are the same; where it cannot fetch either, the command
/// fails, saying how to get the crates, and writes nothing.
#[test]
fn native_libraries_do_not_depend_on_the_cargo_cache() {
    let usual = fixture("sqlite-service");
    ok(&usual.run(&["init"]));
    let empty = tempfile::tempdir().unwrap();
    let home = empty.path().to_str().unwrap();
    let fresh = fixture("sqlite-service");
    ok(&fresh.run_with(&["init"], &[("CARGO_HOME", home)]));
    assert_eq!(fresh.read("Dockerfile"), usual.read("Dockerfile"));
    assert!(
        fresh
            .dockerfile()
            .run_words()
            .contains(&"libsqlite3-dev".to_string())
    );
    ok(&usual.run_with(&["check"], &[("CARGO_HOME", home)]));

    let offline = tempfile::tempdir().unwrap();
    let cut_off = [
        ("CARGO_HOME", offline.path().to_str().unwrap()),
        ("CARGO_NET_OFFLINE", "true"),
    ];
    let stranded = fixture("sqlite-service");
    let lock = stranded.read("Cargo.lock");
    for cmd in ["init", "check"] {
        let out = stranded.run_with(&[cmd], &cut_off);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stderr(&out));
        let text = stderr(&out);
        assert!(
            text.contains("error: cannot tell which native libraries the build links: ")
                && text.contains("Cargo.lock names libsqlite3-sys")
                && text.contains("hint: run `cargo fetch`"),
            "{cmd}: {text}"
        );
    }
    assert!(!stranded.path("Dockerfile").exists());
    assert_eq!(stranded.read("Cargo.lock"), lock, "Cargo.lock untouched");
}

/// A Cargo.lock that Cargo.toml has outgrown cannot list the build graph
/// (`--locked`): an error that says how to bring it up to date, and the
/// lockfile is left as it was.
#[test]
fn an_outgrown_lockfile_is_an_error_with_its_remedy() {
    let f = fixture("sqlite-service");
    let lock = format!(
        "{}\n[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        f.read("Cargo.lock")
    );
    f.write("Cargo.lock", &lock);
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("Cargo.lock names libsqlite3-sys")
            && text.contains(
                "hint: bring Cargo.lock up to date with Cargo.toml (`cargo update --workspace`"
            ),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
    assert_eq!(f.read("Cargo.lock"), lock, "Cargo.lock untouched");
}

/// A build setting that lives only in the shell changes the local build and
/// not the image's: `init` says so, naming it.
#[test]
fn shell_build_settings_are_named() {
    let f = fixture("one-bin");
    let out = f.run_with(&["init"], &[("RUSTFLAGS", "-C target-cpu=native")]);
    let text = stderr(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("warning: RUSTFLAGS is set in this shell and configures the local build only: the image build does not see it"),
        "{text}"
    );
}
