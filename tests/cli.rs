//! The real binary, as users run it: help, dispatch through cargo, errors,
//! and what it does to files already there.

mod common;

use std::path::Path;

use common::{cmd, error, fixture, ok, stderr, stdout};

#[test]
fn help_and_version() {
    for args in [&["--help"][..], &["init", "--help"], &["help", "init"]] {
        let out = cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            stdout(&out).contains("Usage: cargo distroless"),
            "{args:?}: {}",
            stdout(&out)
        );
    }
    let init_help = stdout(&cmd().args(["init", "--help"]).output().unwrap());
    for flag in [
        "--manifest-path",
        "--package",
        "--bin",
        "--force",
        "--stdout",
        "--rust-version",
    ] {
        assert!(init_help.contains(flag), "init --help lacks {flag}");
    }
    let out = cmd().arg("--version").output().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        format!("cargo-distroless {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn runs_as_a_cargo_subcommand() {
    let f = fixture("one-bin");
    let exe_dir = Path::new(env!("CARGO_BIN_EXE_cargo-distroless"))
        .parent()
        .unwrap();
    let path = std::env::join_paths(
        std::iter::once(exe_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["distroless", "init", "--stdout"])
        .current_dir(&f.dir)
        .env("PATH", path)
        .output()
        .unwrap();
    ok(&out);
    let hello = common::Dockerfile::parse(&stdout(&out))
        .stage("hello")
        .image
        .clone();
    assert_eq!(hello, "gcr.io/distroless/cc-debian13:nonroot");
    assert!(!f.path("Dockerfile").exists(), "--stdout writes nothing");
}

#[test]
fn path_argument_and_manifest_path() {
    let f = fixture("one-bin");
    let elsewhere = tempfile::tempdir().unwrap();
    let out = cmd()
        .current_dir(elsewhere.path())
        .arg("init")
        .arg(&f.dir)
        .output()
        .unwrap();
    ok(&out);
    assert!(f.path("Dockerfile").exists());
    let out = cmd()
        .current_dir(elsewhere.path())
        .args(["init", "--stdout", "--manifest-path"])
        .arg(f.path("Cargo.toml"))
        .output()
        .unwrap();
    assert!(common::Dockerfile::parse(&stdout(&ok_out(out))).has_stage("hello"));
}

fn ok_out(out: std::process::Output) -> std::process::Output {
    ok(&out);
    out
}

#[test]
fn selecting_packages_and_binaries() {
    let f = fixture("workspace");
    let out = f.run(&["init", "--stdout", "-p", "worker"]);
    let parsed = common::Dockerfile::parse(&stdout(&ok_out(out)));
    assert!(
        parsed.has_stage("worker") && !parsed.has_stage("api-server"),
        "{:?}",
        parsed.names()
    );

    let out = f.run(&["init", "--stdout", "--bin", "worker", "--bin", "api-server"]);
    let text = stdout(&ok_out(out));
    let api = text.find("AS api-server").unwrap();
    let worker = text.find("AS worker").unwrap();
    assert!(api < worker, "the first --bin is the default, hence last");

    let text = error(&f.run(&["init", "--bin", "nope"]));
    assert!(
        text.contains("no binary named `nope`") && text.contains("api-server, worker"),
        "{text}"
    );

    let text = error(&f.run(&["init", "-p", "nope"]));
    assert!(
        text.contains("the members are: api, common, worker"),
        "{text}"
    );

    let text = error(&f.run(&["init", "-p", "common"]));
    assert!(
        text.contains("crates/common/Cargo.toml: it builds only a library"),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

#[test]
fn rust_version_flag_and_toolchain_file() {
    let f = fixture("one-bin");
    let text = stdout(&ok_out(f.run(&[
        "init",
        "--stdout",
        "--rust-version",
        "1.91.1",
    ])));
    assert_eq!(
        common::Dockerfile::parse(&text).stage("builder").image,
        "rust:1.91.1-slim-trixie"
    );
    let text = error(&f.run(&["init", "--rust-version", "latest"]));
    assert!(text.contains("--rust-version `latest`"), "{text}");

    let w = fixture("workspace");
    let out = w.run(&["init", "--stdout", "--rust-version", "1.90"]);
    let text = stdout(&out);
    assert_eq!(
        common::Dockerfile::parse(&text).stage("builder").image,
        "rust:1.95.0-slim-trixie",
        "rust-toolchain.toml wins"
    );
    assert!(
        stderr(&out).contains("--rust-version 1.90 is ignored"),
        "{}",
        stderr(&out)
    );

    f.write("rust-toolchain.toml", "[toolchain\nchannel = 1.9\n");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("rust-toolchain.toml") && text.contains("not a valid toolchain file"),
        "{text}"
    );
}

#[test]
fn no_project_here() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmd().current_dir(dir.path()).arg("init").output().unwrap();
    let text = error(&out);
    assert!(
        text.contains("no project found in") && text.contains("Cargo.toml"),
        "{text}"
    );
    assert!(text.contains("hint:"), "{text}");
    let out = cmd()
        .current_dir(dir.path())
        .args(["init", "--manifest-path", "nope/Cargo.toml"])
        .output()
        .unwrap();
    assert!(error(&out).contains("--manifest-path nope/Cargo.toml: no such file"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn broken_manifest_shows_cargos_message() {
    let f = fixture("one-bin");
    f.write("Cargo.toml", "[package]\nname = \"hello\"\nversion = \n");
    let text = error(&f.run(&["init"]));
    assert!(text.contains("cannot read the Cargo project at"), "{text}");
    assert!(text.contains("Cargo.toml"), "{text}");
    assert!(
        text.contains("Cargo.toml:3:11"),
        "cargo's own words, with the line: {text}"
    );
    assert!(text.contains("hint:"), "{text}");
    assert!(
        !text.contains('\x1b') && !text.contains("\\u{1b}"),
        "cargo's words without its colour codes: {text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

#[test]
fn bad_configuration_names_key_and_file() {
    let w = fixture("workspace");
    let manifest = w.read("crates/api/Cargo.toml");
    w.write(
        "crates/api/Cargo.toml",
        &manifest.replace("port = 8080", "prot = 8080"),
    );
    let text = error(&w.run(&["init"]));
    assert!(
        text.contains(
            "invalid [package.metadata.distroless] of crates/api/Cargo.toml: unknown key `prot`"
        ),
        "{text}"
    );

    w.write(
        "crates/api/Cargo.toml",
        &manifest.replace("include = [\"static\"]", "include = [\"assets\"]"),
    );
    let text = error(&w.run(&["init"]));
    assert!(
        text.contains("`crates/api/assets` does not exist"),
        "{text}"
    );
    assert!(!w.path("Dockerfile").exists());
}

#[test]
fn cargo_missing_from_path() {
    let f = fixture("one-bin");
    let empty = tempfile::tempdir().unwrap();
    let out = cmd()
        .current_dir(&f.dir)
        .env("PATH", empty.path())
        .env_remove("CARGO")
        .arg("init")
        .output()
        .unwrap();
    let text = error(&out);
    assert!(text.contains("cargo was not found on PATH"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

#[test]
fn path_dependency_outside_the_context() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::create_dir_all(tmp.path().join("shared/src")).unwrap();
    std::fs::write(
        tmp.path().join("shared/Cargo.toml"),
        "[package]\nname = \"shared\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("shared/src/lib.rs"), "").unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nshared = { path = \"../shared\" }\n",
    )
    .unwrap();
    std::fs::write(app.join("src/main.rs"), "fn main() {}").unwrap();
    let text = error(&cmd().current_dir(&app).arg("init").output().unwrap());
    assert!(
        text.contains("path dependency `shared`") && text.contains("outside the workspace root"),
        "{text}"
    );
}

#[test]
fn rerun_leaves_unchanged_files_alone() {
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let before = std::fs::metadata(f.path("Dockerfile"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let text = ok(&f.run(&["init"]));
    assert!(text.contains("up to date: Dockerfile"), "{text}");
    assert_eq!(
        std::fs::metadata(f.path("Dockerfile"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}

#[test]
fn regenerates_its_own_file_after_a_change() {
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace("port = 8080", "port = 3000"),
    );
    let text = ok(&f.run(&["init"]));
    assert!(text.contains("updated Dockerfile"), "{text}");
    assert_eq!(f.dockerfile().stage("hello").exposed(), ["3000"]);
}

#[test]
fn never_overwrites_the_users_file_without_force() {
    let f = fixture("one-bin");
    f.write("Dockerfile", "FROM scratch\n");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("Dockerfile was not written by cargo-distroless"),
        "{text}"
    );
    assert!(text.contains("-FROM scratch"), "shows the diff: {text}");
    assert!(text.contains("--force"), "{text}");
    assert_eq!(f.read("Dockerfile"), "FROM scratch\n");
    assert!(
        !f.path(".dockerignore").exists(),
        "nothing written when refusing"
    );

    ok(&f.run(&["init", "--force"]));
    let generated = f.read("Dockerfile");
    f.write(
        "Dockerfile",
        &generated.replace("EXPOSE 8080", "EXPOSE 8081"),
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("Dockerfile was edited since it was generated"),
        "{text}"
    );
    assert_eq!(
        f.dockerfile().stage("hello").exposed(),
        ["8081"],
        "the edit is kept"
    );
    ok(&f.run(&["init", "--force"]));
    assert_eq!(f.read("Dockerfile"), generated);
}

#[test]
fn missing_lockfile_warns_and_builds_unlocked() {
    let f = fixture("one-bin");
    let out = f.run(&["init", "--stdout"]);
    assert!(
        stderr(&out).contains("warning: no Cargo.lock"),
        "{}",
        stderr(&out)
    );
    let builds = |out: &std::process::Output, words: &[&str]| {
        common::Dockerfile::parse(&stdout(out))
            .stage("builder")
            .runs(words)
    };
    assert!(
        builds(
            &out,
            &[
                "cargo",
                "auditable",
                "build",
                "--release",
                "--package",
                "hello"
            ]
        ),
        "{}",
        stdout(&out)
    );
    let f = fixture("dash-name");
    let out = f.run(&["init", "--stdout"]);
    assert!(!stderr(&out).contains("Cargo.lock"));
    assert!(builds(
        &out,
        &["cargo", "auditable", "build", "--release", "--locked"]
    ));
}

#[test]
fn the_example_is_generated_and_current() {
    let f = common::example("hello-server");
    let committed = f.read("Dockerfile");
    let text = ok(&f.run(&["init"]));
    assert!(
        text.contains("up to date: Dockerfile") && text.contains("up to date: .dockerignore"),
        "{text}"
    );
    assert_eq!(f.read("Dockerfile"), committed);
}

#[test]
fn offline_with_an_empty_cargo_home_and_lockfile_untouched() {
    let f = fixture("build-script");
    let lock = f.read("Cargo.lock");
    let mtime = std::fs::metadata(f.path("Cargo.lock"))
        .unwrap()
        .modified()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = cmd()
        .current_dir(&f.dir)
        .env("CARGO_HOME", home.path())
        .env("CARGO_NET_OFFLINE", "true")
        .arg("init")
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(f.read("Cargo.lock"), lock);
    assert_eq!(
        std::fs::metadata(f.path("Cargo.lock"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );
    assert!(
        std::fs::read_dir(home.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("registry")),
        "nothing downloaded"
    );

    let g = fixture("one-bin");
    let out = cmd()
        .current_dir(&g.dir)
        .env("CARGO_HOME", home.path())
        .env("CARGO_NET_OFFLINE", "true")
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stale (no files yet), not an error: {}",
        stderr(&out)
    );
    assert!(!g.path("Cargo.lock").exists(), "no Cargo.lock is created");
}

#[test]
fn build_without_an_engine() {
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    let empty = tempfile::tempdir().unwrap();
    let cargo = std::env::var("CARGO").unwrap();
    let out = cmd()
        .current_dir(&f.dir)
        .env("PATH", empty.path())
        .env("CARGO", cargo)
        .arg("build")
        .output()
        .unwrap();
    let text = error(&out);
    assert!(
        text.contains(
            "no container engine found: looked for docker (with buildx), podman and buildah"
        ),
        "{text}"
    );
    let out = cmd()
        .current_dir(&f.dir)
        .env("PATH", empty.path())
        .env("CARGO", std::env::var("CARGO").unwrap())
        .args(["build", "--engine", "podman"])
        .output()
        .unwrap();
    assert!(error(&out).contains("--engine podman: `podman` was not found on PATH"));
}

#[test]
fn bake_file_follows_the_number_of_images() {
    let one = fixture("one-bin");
    ok(&one.run(&["init"]));
    assert!(
        !one.path("docker-bake.hcl").exists(),
        "one image needs no bake file"
    );
    let many = fixture("several-bins");
    ok(&many.run(&["init"]));
    assert!(
        many.read("docker-bake.hcl")
            .contains("targets = [\"tools\", \"worker\", \"admin\"]")
    );
    let manifest = many.read("Cargo.toml");
    many.write(
        "Cargo.toml",
        &format!("{manifest}\n[package.metadata.distroless]\nbake = false\n"),
    );
    let text = stdout(&many.run(&["check"]));
    assert!(
        text.contains("up to date"),
        "a bake file left behind is not checked: {text}"
    );
}

/// The README's table of the render context is what `templates --json`
/// lists, field for field and word for word.
#[test]
fn the_readme_documents_every_context_field() {
    let out = common::cmd()
        .args(["templates", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let listed: Vec<(String, String)> = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["about"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- context fields")
        .expect("the table's start marker");
    let end = readme
        .find("<!-- end of context fields -->")
        .expect("its end marker");
    let documented: Vec<(String, String)> = readme[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|row| {
            let (path, rest) = row.split_once("` | ").unwrap();
            let about = rest.strip_suffix(" |").unwrap().replace("\\|", "|");
            (path.to_string(), about)
        })
        .collect();
    assert!(listed.len() > 70, "{listed:?}");
    for (path, about) in &listed {
        let row = documented.iter().find(|(p, _)| p == path);
        assert_eq!(
            row.map(|(_, a)| a.as_str()),
            Some(about.as_str()),
            "README row for `{path}`"
        );
    }
    assert_eq!(
        documented, listed,
        "the README lists exactly these, in this order"
    );
}

/// A project with its own Dockerfile and .dockerignore can try the tool
/// beside them: `--file NAME` writes NAME and NAME.dockerignore (which
/// BuildKit reads for `-f NAME`), and check, the header and the hints follow.
#[test]
fn init_writes_beside_the_projects_own_dockerfile() {
    let f = fixture("several-bins");
    let manifest = f.read("Cargo.toml");
    f.write("Dockerfile", "FROM scratch\n# ours\n");
    f.write(".dockerignore", "src\n");
    let text = ok(&f.run(&["init", "--file", "Dockerfile.distroless"]));
    assert_eq!(f.read("Dockerfile"), "FROM scratch\n# ours\n");
    assert_eq!(f.read(".dockerignore"), "src\n");
    for file in [
        "wrote Dockerfile.distroless\n",
        "wrote Dockerfile.distroless.dockerignore\n",
        "wrote Dockerfile.distroless.bake.hcl\n",
        "docker build -f Dockerfile.distroless -t admin:0.4.0 -t admin:latest .",
        "build another: docker build -f Dockerfile.distroless --target worker -t worker:0.4.0 -t worker:latest .",
        "recorded file = \"Dockerfile.distroless\" in [package.metadata.distroless] of Cargo.toml",
    ] {
        assert!(text.contains(file), "missing {file:?}:\n{text}");
    }
    let dockerfile = f.read("Dockerfile.distroless");
    assert!(
        dockerfile
            .contains("#   docker build -f Dockerfile.distroless -t admin:0.4.0 -t admin:latest ."),
        "{dockerfile}"
    );
    assert!(
        f.read("Dockerfile.distroless.bake.hcl")
            .contains("dockerfile = \"Dockerfile.distroless\"")
    );
    assert!(
        f.read("Dockerfile.distroless.dockerignore")
            .contains("target/")
    );

    // Recorded in the table, check follows it and leaves the project's own alone.
    assert!(
        f.read("Cargo.toml")
            .contains("file = \"Dockerfile.distroless\"")
    );
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert!(common::stdout(&out).contains("Dockerfile.distroless is up to date"));

    let text = error(&f.run(&["init", "--file", "../Dockerfile"]));
    assert!(
        text.contains("invalid value '../Dockerfile' for '--file"),
        "{text}"
    );
    f.write(
        "Cargo.toml",
        &format!("{manifest}\n[package.metadata.distroless]\nfile = \"a/b\"\n"),
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("invalid `file` \"a/b\" in [package.metadata.distroless] of Cargo.toml"),
        "{text}"
    );
}

#[test]
fn build_cache_flags_are_checked() {
    let f = fixture("one-bin");
    ok(&f.run(&["init"]));
    for (flag, value) in [
        ("--cache-to", "type=registry, ref=x"),
        ("--cache-from", "mode=max"),
        ("--cache-from", "Not A Ref"),
    ] {
        let out = f.run(&["build", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let text = common::stderr(&out);
        assert!(
            text.contains(&format!("invalid value '{value}' for '{flag} <"))
                && text.contains("a cache is a registry reference, or `type=…` with its options"),
            "{text}"
        );
    }
}

#[test]
fn pinning_without_the_registry_writes_nothing() {
    let f = fixture("one-bin");
    // Nothing listens on port 1 of loopback: as good as no network.
    let out = f.run(&["init", "--pin", "--mirror", "127.0.0.1:1"]);
    let text = error(&out);
    assert!(
        text.contains("cannot reach 127.0.0.1:1 to pin 127.0.0.1:1/library/rust:")
            && text.contains("run it with network access (nothing was written)"),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists() && !f.path(".dockerignore").exists());
    for (flag, value) in [
        ("--mirror", "https://registry.example"),
        ("--mirror", "r.example/"),
    ] {
        let out = f.run(&["init", flag, value]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            common::stderr(&out).contains("a mirror is a registry host"),
            "{value}"
        );
    }
    // Without `pin`, a mirror needs no network: it is a rewrite of names.
    ok(&f.run(&["init", "--mirror", "registry.internal/dl"]));
    let parsed = f.dockerfile();
    assert_eq!(
        parsed.stage("builder").image,
        "registry.internal/dl/library/rust:1-slim-trixie"
    );
    assert_eq!(
        parsed.stage("hello").image,
        "registry.internal/dl/distroless/cc-debian13:nonroot"
    );
}

#[test]
fn patched_and_vendored_crates_must_be_inside_the_project() {
    let f = fixture("one-bin");
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &format!("{manifest}\n[patch.crates-io]\nitoa = {{ path = \"../itoa\" }}\n"),
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("Cargo.toml: the `path` of `itoa` in [patch.crates-io] is \"../itoa\": it must be a relative path inside the project")
            && text.contains("move the patched crate inside the workspace"),
        "{text}"
    );
    f.write("Cargo.toml", &manifest);
    std::fs::create_dir_all(f.path(".cargo")).unwrap();
    f.write(
        ".cargo/config.toml",
        "[source.crates-io]\nreplace-with = \"vendored\"\n\n[source.vendored]\ndirectory = \"/srv/vendor\"\n",
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains(
            ".cargo/config.toml: the `directory` of its [source] replacement is \"/srv/vendor\""
        ) && text.contains("cargo vendor vendor"),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

#[test]
fn every_flag_of_every_command_is_in_the_readme() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for command in ["init", "check", "update", "build", "eject", "templates"] {
        let out = common::cmd().args([command, "--help"]).output().unwrap();
        let help = stdout(&out);
        for flag in help
            .lines()
            .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
            .map(|w| w.trim_end_matches(','))
            .filter(|f| *f != "--help")
        {
            assert!(
                readme.contains(&format!("{flag} "))
                    || readme.contains(&format!("{flag}`"))
                    || readme.contains(&format!("{flag}=")),
                "`{command} {flag}` is not in the README"
            );
        }
    }
}

/// `update` takes the project, not init's choices; `templates` and `eject`
/// take a project path; `build --sbom` has a default folder.
#[test]
fn every_command_takes_the_project_and_only_its_own_options() {
    let help = common::stdout(&cmd().args(["update", "--help"]).output().unwrap());
    for absent in ["--features", "--bin", "--compose", "--pin", "--stdout"] {
        assert!(
            !help.contains(absent),
            "update --help offers {absent}:\n{help}"
        );
    }
    assert!(
        help.contains("[PATH]") && help.contains("--manifest-path"),
        "{help}"
    );

    let f = fixture("one-bin");
    std::fs::create_dir_all(f.path(".distroless/templates/rust")).unwrap();
    f.write(
        ".distroless/templates/rust/final.hbs",
        "# a final stage of our own\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let listed = cmd()
        .current_dir(elsewhere.path())
        .args(["templates", f.dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text = common::stdout(&listed);
    assert!(
        text.lines()
            .any(|l| l.contains("rust/final.hbs") && l.contains("overridden")),
        "{text}"
    );
    let out = cmd()
        .current_dir(elsewhere.path())
        .args(["eject", "common/header", "--path", f.dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(f.path(".distroless/templates/common/header.hbs").is_file());

    // `--sbom` alone parses (the build then stops: there is no Dockerfile).
    let out = f.run(&["build", "--sbom"]);
    let text = common::stderr(&out);
    assert!(text.contains("there is no Dockerfile"), "{text}");
}

/// Beside the project's own Dockerfile, the build reads NAME.dockerignore,
/// not .dockerignore: the project's own rules are carried into it.
#[test]
fn side_by_side_files_keep_the_projects_ignore_rules() {
    let f = fixture("one-bin");
    f.write("Dockerfile", "FROM scratch\n");
    f.write(".dockerignore", "# ours\nnotes/\n*.sqlite\n");
    ok(&f.run(&["init", "--file", "Dockerfile.distroless"]));
    assert_eq!(f.read(".dockerignore"), "# ours\nnotes/\n*.sqlite\n");
    let side = f.read("Dockerfile.distroless.dockerignore");
    assert!(side.contains("notes/\n*.sqlite\n"), "{side}");
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    f.write(".dockerignore", "# ours\nnotes/\n");
    let out = f.run(&["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a change to the project's rules is seen"
    );
}
