//! The generated files stay what the tool means them to be, whatever the
//! project holds: values outside their grammar are refused, `check` cannot
//! be fooled, links are never followed, and writes are all or nothing.

mod common;

use common::{Fixture, error, fixture, ok, stderr, stdout, with_config};

/// Refused with exit 2, naming `want`, and nothing written.
fn refused(f: &Fixture, args: &[&str], want: &str) {
    let text = error(&f.run(args));
    assert!(text.contains(want), "missing {want:?}:\n{text}");
    assert!(!f.path("Dockerfile").exists(), "nothing is written");
    assert!(!f.path(".dockerignore").exists(), "nothing is written");
}

#[test]
fn values_that_would_reshape_the_dockerfile_are_refused() {
    let cases = [
        (
            "features = [\"y\\nRUN echo INJECTED\"]",
            "invalid `features` entry \"y\\nRUN echo INJECTED\" in [package.metadata.distroless] of Cargo.toml",
        ),
        (
            "profile = \"release$(id)\"",
            "invalid `profile` \"release$(id)\" in [package.metadata.distroless] of Cargo.toml",
        ),
        (
            "env = { A = \"x\\nRUN echo INJECTED\" }",
            "invalid `env` value of `A` in [package.metadata.distroless] of Cargo.toml",
        ),
        (
            "apt = [\"curl\\nRUN echo INJECTED\"]",
            "invalid `apt` entry",
        ),
        ("include = [\"src\\n!**\"]", "invalid `include` entry"),
        ("include = [\".\"]", "it names the whole build context"),
        (
            "include = [\"src/ma?n.rs\"]",
            "Docker reads them as patterns",
        ),
    ];
    for (config, want) in cases {
        refused(&with_config("one-bin", config), &["init"], want);
    }
    let f = fixture("one-bin");
    let out = f.run(&["init", "--features", "x y", "--stdout"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'x y' for '--features"),
        "{}",
        stderr(&out)
    );
    let out = f.run(&["init", "--profile", "a\"b"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_binary_name_with_a_newline_is_refused() {
    let f = fixture("several-bins");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[[bin]]\nname = \"evil\\nRUN echo INJECTED\"\npath = \"src/serve.rs\"\n"
        ),
    );
    refused(
        &f,
        &["init"],
        "invalid binary name \"evil\\nRUN echo INJECTED\" in Cargo.toml",
    );
}

#[test]
fn image_references_and_stage_names_are_valid_for_odd_names() {
    let f = fixture("several-bins");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &format!(
            "{}\n[[bin]]\nname = \"_worker_\"\npath = \"src/serve.rs\"\n\n[[bin]]\nname = \"scratch\"\npath = \"src/serve.rs\"\n\n[[bin]]\nname = \"context\"\npath = \"src/serve.rs\"\n",
            manifest.replace(
                "version = \"0.4.0\"",
                "version = \"1.0.0+build.5\"\ndefault-run = \"tools\""
            )
        ),
    );
    let hints = ok(&f.run(&["init"]));
    let dockerfile = f.read("Dockerfile");
    let command =
        "docker build --target bin-_worker_ -t bin-worker:1.0.0-build.5 -t bin-worker:latest ";
    assert!(
        dockerfile.contains(&format!("#   {command}.")),
        "{dockerfile}"
    );
    assert!(
        hints.contains(&format!("build another: {command}")),
        "{hints}"
    );
    let stages = common::Dockerfile::parse(&dockerfile).names();
    for stage in ["bin-_worker_", "bin-scratch", "bin-context"] {
        assert!(stages.iter().any(|s| s == stage), "{stage}: {stages:?}");
    }
    assert!(
        !stages.iter().any(|s| s == "scratch" || s == "context"),
        "{stages:?}"
    );
    let bake = f.read("docker-bake.hcl");
    for tag in [
        "\"${REGISTRY}bin-worker:1.0.0-build.5\"",
        "\"${REGISTRY}bin-scratch:1.0.0-build.5\"",
    ] {
        assert!(bake.contains(tag), "{tag}:\n{bake}");
    }
    assert!(!bake.contains('+'), "{bake}");
    let out = f.run(&["build", "--bin", "tools", "--tag", "Tools:1+x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'Tools:1+x' for '--tag"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_requirements_include_outside_the_project_is_refused() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("requirements.txt"), "flask\n-r /etc/passwd\n").unwrap();
    std::fs::write(d.path().join("app.py"), "").unwrap();
    let out = common::cmd()
        .current_dir(d.path())
        .arg("init")
        .output()
        .unwrap();
    let text = error(&out);
    assert!(
        text.contains("requirements.txt:2: `/etc/passwd` is not a file of the project"),
        "{text}"
    );
    assert!(!text.contains("root:"), "{text}");
    assert!(!d.path().join("Dockerfile").exists());
}

/// A tampered file whose fingerprint was recomputed to match: `check`
/// renders and compares, so it fails the gate; `init`, whose shortcut needs
/// proof from the user's own render cache, puts it right.
#[test]
fn a_rewritten_fingerprint_fools_neither_check_nor_init() {
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let text = f.read("Dockerfile");
    let at = text.find("# cargo-distroless inputs: ").unwrap();
    let inputs = text[at..].lines().next().unwrap();
    let inputs = inputs.trim_start_matches("# cargo-distroless inputs: ");
    let tampered =
        cargo_distroless::write::stamp(text[..at].replace("USER 65532:65532", "USER root"), inputs);
    assert_eq!(
        cargo_distroless::write::ownership(&tampered),
        cargo_distroless::write::Ownership::Generated,
        "the fingerprint matches"
    );
    f.write("Dockerfile", &tampered);
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("-USER root"), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("it was changed after it was generated (its fingerprint rewritten to match)"),
        "{}",
        stdout(&out)
    );
    let text2 = ok(&f.run(&["init"]));
    assert!(text2.contains("updated Dockerfile"), "{text2}");
    assert_eq!(f.read("Dockerfile"), text);

    let ignore = f.read(".dockerignore");
    let at = ignore.find("# cargo-distroless inputs: ").unwrap();
    let stripped = cargo_distroless::write::stamp(
        ignore[..at].replace("**/.env\n", ""),
        ignore[at..]
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# cargo-distroless inputs: "),
    );
    f.write(".dockerignore", &stripped);
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("+**/.env"), "{}", stdout(&out));
}

#[cfg(unix)]
#[test]
fn links_are_never_followed_and_their_targets_never_shown() {
    let marker = "cargo-distroless-test-secret-4711";
    for file in ["Dockerfile", ".dockerignore"] {
        let f = fixture("one-bin");
        ok(&f.run(&["init"]));
        std::fs::remove_file(f.path(file)).unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", f.path(file)).unwrap();
        for cmd in ["check", "init"] {
            let out = common::cmd()
                .current_dir(&f.dir)
                .env("DEPLOY_TOKEN", marker)
                .arg(cmd)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd} {file}");
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(all.contains(&format!("{file} is a symbolic link")), "{all}");
            assert!(
                !all.contains(marker),
                "{cmd} printed the link's target: {all}"
            );
        }
        assert!(
            std::fs::symlink_metadata(f.path(file))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    // A template override that is a link, and a linked .distroless folder.
    let f = fixture("one-bin");
    std::fs::create_dir_all(f.path(".distroless/templates/common")).unwrap();
    std::os::unix::fs::symlink(
        "/proc/self/environ",
        f.path(".distroless/templates/common/header.hbs"),
    )
    .unwrap();
    let out = common::cmd()
        .current_dir(&f.dir)
        .env("DEPLOY_TOKEN", marker)
        .arg("check")
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("header.hbs is a symbolic link") && !all.contains(marker),
        "{all}"
    );

    let f = fixture("one-bin");
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), f.path(".distroless")).unwrap();
    let text = error(&f.run(&["eject", "common/header"]));
    assert!(text.contains(".distroless is a symbolic link"), "{text}");
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).unwrap().count(),
        0,
        "nothing written through it"
    );
}

#[test]
fn a_crlf_checkout_is_not_an_edit() {
    let f = fixture("workspace");
    ok(&f.run(&["init"]));
    for file in ["Dockerfile", ".dockerignore", "docker-bake.hcl"] {
        f.write(file, &f.read(file).replace('\n', "\r\n"));
    }
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = ok(&f.run(&["init"]));
    assert!(text.contains("up to date: Dockerfile"), "{text}");
    assert!(
        f.read("Dockerfile").contains("\r\n"),
        "left as the checkout has it"
    );
}

#[test]
fn temporary_files_of_a_killed_run_are_cleaned_up_and_ignored() {
    let f = fixture("one-bin");
    let stale = f.path(".cargo-distroless-Ab12Cd.tmp");
    let fresh = f.path(".cargo-distroless-Ef34Gh.tmp");
    for p in [&stale, &fresh] {
        std::fs::write(p, "half a Dockerfile").unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    ok(&f.run(&["init"]));
    assert!(!stale.exists(), "a leftover of a killed run is removed");
    assert!(
        fresh.exists(),
        "a temporary file another run may still be writing is kept"
    );
    assert!(
        f.read(".dockerignore")
            .contains("\n.cargo-distroless-*.tmp\n")
    );
}

/// A file whose name says it holds a secret, which no rule knows, is named
/// once in a warning, whether `init` writes the files or prints the
/// Dockerfile; one the generated `.dockerignore` keeps out is not named.
#[test]
fn init_warns_of_a_secret_left_in_the_build_context() {
    let f = fixture("one-bin");
    std::fs::create_dir_all(f.path("config")).unwrap();
    f.write("config/client_secret.json", "{}\n");
    f.write("server.pem", "key\n");
    let warning = "warning: config/client_secret.json looks like a secret";
    for args in [&["init", "--stdout"][..], &["init"]] {
        let out = f.run(args);
        let text = ok(&out);
        assert_eq!(text.matches(warning).count(), 1, "{args:?}: {text}");
        assert!(!text.contains("server.pem"), "{args:?}: {text}");
    }
    assert!(f.path("Dockerfile").exists());
}
