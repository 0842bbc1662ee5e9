//! Every setting passes its grammar before it reaches a file, and the tool's
//! own marks cannot be turned against the project: each bad value is an
//! error naming the file, the key and the rule, and nothing is written.

mod common;

use common::{Fixture, error, fixture, ok, stdout, with_config};

/// Refused with exit 2, naming each of `want`, and nothing written.
fn refused(f: &Fixture, args: &[&str], want: &[&str]) {
    let text = error(&f.run(args));
    for w in want {
        assert!(text.contains(w), "missing {w:?}:\n{text}");
    }
    assert!(!f.path("Dockerfile").exists(), "nothing is written");
}

/// The Python fixture with `lines` added to its distroless.toml.
fn python_with(lines: &str) -> Fixture {
    let f = fixture("py-flask");
    let config = f.read("distroless.toml");
    f.write("distroless.toml", &format!("{config}{lines}\n"));
    f
}

#[test]
fn the_file_setting_never_names_another_file() {
    for name in [
        "Cargo.toml",
        "Cargo.lock",
        "compose.yaml",
        "Dockerfile.dockerignore",
    ] {
        let f = with_config("one-bin", &format!("file = \"{name}\""));
        refused(&f, &["init", "--force"], &["invalid `file`", name]);
        assert!(
            f.read("Cargo.toml").contains("[package]"),
            "Cargo.toml kept"
        );
    }
    for name in ["requirements.txt", "distroless.toml", "app.py"] {
        let f = python_with(&format!("file = \"{name}\""));
        refused(&f, &["init", "--force"], &["invalid `file`", name]);
    }
    let f = fixture("one-bin");
    let out = f.run(&["init", "--file", "Cargo.toml", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(f.read("Cargo.toml").contains("[package]"));
}

#[test]
fn durations_ports_and_mirrors_are_bounded() {
    for (config, want) in [
        (
            "port = 8080\nhealthcheck = { path = \"/h\", timeout = \"0s\" }",
            "invalid `healthcheck` timeout \"0s\"",
        ),
        (
            "port = 8080\nhealthcheck = { path = \"/h\", interval = \"87600h\" }",
            "at most 24h",
        ),
        (
            "port = 8080\nhealthcheck = { path = \"/h\", interval = \"500ms\" }",
            "at least 1s",
        ),
        (
            "port = []",
            "invalid `port` in [package.metadata.distroless] of Cargo.toml: the list is empty",
        ),
        ("mirror = \"r.example:0\"", "invalid `mirror`"),
        ("mirror = \"r..example\"", "invalid `mirror`"),
        ("mirror = \"r.example/../x\"", "invalid `mirror`"),
    ] {
        // one-bin sets its own port: the case's lines take its place.
        let f = fixture("one-bin");
        let manifest = f.read("Cargo.toml").replace("port = 8080", config);
        f.write("Cargo.toml", &manifest);
        refused(&f, &["init"], &[want]);
    }
    let f = fixture("one-bin");
    refused(&f, &["init", "--mirror", "r.example:99999"], &["mirror"]);
}

#[test]
fn python_paths_patterns_and_words_are_checked() {
    for (config, want) in [
        (
            "exclude = [\"data/[a-\"]",
            "invalid `exclude` entry \"data/[a-\"",
        ),
        ("exclude = [\"x\\\\\"]", "invalid `exclude` entry"),
        (
            "writable = [\"./media\"]",
            "invalid `writable` entry \"./media\"",
        ),
        ("writable = [\"media//x\"]", "invalid `writable` entry"),
        ("writable = [\"app.py\"]", "it is a file"),
        (
            "entrypoint = [\"/venv/bin/python\", \"app.py\\nRUN x\"]",
            "`entrypoint` in distroless.toml holds",
        ),
    ] {
        refused(&python_with(config), &["init"], &[want]);
    }
}

#[test]
fn requirement_include_loops_are_named() {
    let f = fixture("py-flask");
    f.write("requirements.txt", "flask\n-r more.txt\n");
    f.write("more.txt", "-r requirements.txt\n");
    refused(
        &f,
        &["init"],
        &["include each other in a loop: requirements.txt → more.txt → requirements.txt"],
    );
    let f = fixture("py-flask");
    f.write("requirements.txt", "flask\n-r requirements.txt\n");
    refused(&f, &["init"], &["requirements.txt → requirements.txt"]);
    // Two files including the same third is no loop.
    let f = fixture("py-flask");
    f.write("requirements.txt", "-r a.txt\n-r b.txt\n");
    f.write("a.txt", "-r c.txt\n");
    f.write("b.txt", "-r c.txt\n");
    f.write("c.txt", "flask\n");
    ok(&f.run(&["init"]));
}

#[test]
fn compose_values_are_not_interpolated() {
    let f = with_config(
        "one-bin",
        "compose = true\nhealthcheck = \"/health?token=$HOME&x=$USER\"",
    );
    ok(&f.run(&["init"]));
    let compose = f.read("compose.yaml");
    assert!(
        compose.contains("$$HOME") && compose.contains("$$USER"),
        "{compose}"
    );
    assert!(!compose.replace("$$", "").contains('$'), "{compose}");
}

#[test]
fn stamps_removed_by_hand_make_files_stale_not_errors() {
    let f = with_config("one-bin", "include = [\"src\"]");
    ok(&f.run(&["init"]));
    for file in ["Dockerfile", ".dockerignore"] {
        let text = f.read(file);
        let edited: String = text
            .lines()
            .filter(|l| !l.starts_with("# cargo-distroless fingerprint"))
            .map(|l| format!("{l}\n"))
            .collect();
        f.write(file, &edited);
        let out = f.run(&["check"]);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stdout(&out));
        f.write(file, &text);
    }
    assert_eq!(f.run(&["check"]).status.code(), Some(0));
}

#[test]
fn the_mirror_and_pin_flags_apply_to_python_as_to_rust() {
    for name in ["py-flask", "one-bin"] {
        let f = fixture(name);
        let out = f.run(&["init", "--mirror", "registry.internal/dl", "--stdout"]);
        ok(&out);
        let text = stdout(&out);
        let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
        assert!(
            !froms.is_empty()
                && froms
                    .iter()
                    .all(|l| l.starts_with("FROM registry.internal/dl/")),
            "{name}: {froms:?}"
        );
        // Without a registry to ask, --pin stops and writes nothing.
        let out = f.run(&["init", "--pin", "--mirror", "127.0.0.1:1"]);
        let err = error(&out);
        assert!(err.contains("cannot reach 127.0.0.1:1"), "{name}: {err}");
        assert!(!f.path("Dockerfile").exists());
    }
}

#[test]
fn build_flags_pass_their_grammar() {
    let f = fixture("one-bin");
    for (flag, value) in [
        ("--platform", "linux/amd64\nx"),
        ("--platform", "amd64"),
        ("--network", "host bridge"),
        ("--network", "-x"),
    ] {
        let out = f.run(&["build", &format!("{flag}={value}")]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value:?}");
        assert!(
            common::stderr(&out).contains(&format!("for '{flag}")),
            "{}",
            common::stderr(&out)
        );
    }
}

#[test]
fn a_broken_pyproject_beside_a_cargo_toml_is_an_error_unless_rust_is_asked_for() {
    let f = fixture("one-bin");
    f.write("pyproject.toml", "[project\nname = \"x\"\n");
    let err = error(&f.run(&["init"]));
    assert!(
        err.contains("pyproject.toml is not valid TOML") && err.contains("--ecosystem rust"),
        "{err}"
    );
    assert!(!f.path("Dockerfile").exists());
    ok(&f.run(&["init", "--ecosystem", "rust"]));
    assert!(f.read("Dockerfile").contains("cargo"), "a Rust Dockerfile");

    // And the other way round: a folder that is both, read as Python.
    let f = fixture("one-bin");
    f.write("requirements.txt", "flask\n");
    f.write("app.py", "print('hi')\n");
    let out = f.run(&["init", "--ecosystem", "python", "--stdout"]);
    ok(&out);
    assert!(stdout(&out).contains("/venv"), "{}", stdout(&out));
    let err = error(&common::fixture("py-flask").run(&["init", "--ecosystem", "rust"]));
    assert!(err.contains("--ecosystem rust: no Cargo.toml"), "{err}");
}

#[test]
fn an_old_dockerignore_override_is_told_of_the_secret_section() {
    let f = with_config("one-bin", "include = [\"src\"]");
    let dir = f.path(".distroless/templates/common");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("dockerignore.hbs"),
        "target/\n{{#each dockerignore_keep}}\n!{{this}}\n{{/each}}\n",
    )
    .unwrap();
    let err = ok(&f.run(&["init"]));
    assert!(
        err.contains("does not render `dockerignore_after_keep`"),
        "{err}"
    );
}

#[test]
fn stop_signals_from_the_key_and_from_known_programs() {
    let f = with_config("one-bin", "stop-signal = \"SIGQUIT\"");
    let out = f.run(&["init", "--stdout"]);
    ok(&out);
    let signal = |out: &std::process::Output| {
        common::Dockerfile::parse(&stdout(out))
            .last()
            .value("STOPSIGNAL")
    };
    assert_eq!(signal(&out).as_deref(), Some("SIGQUIT"));
    let f = with_config("one-bin", "stop-signal = \"SIGINT\\nRUN x\"");
    refused(&f, &["init"], &["invalid `stop-signal`"]);
    for (entrypoint, want) in [
        (
            "[\"/venv/bin/uwsgi\", \"--http-socket\", \":8000\"]",
            Some("SIGINT"),
        ),
        ("[\"/venv/bin/python\", \"-m\", \"app\"]", Some("SIGINT")),
        ("[\"/venv/bin/gunicorn\", \"app:app\"]", None),
    ] {
        let f = python_with(&format!("entrypoint = {entrypoint}"));
        let out = f.run(&["init", "--stdout"]);
        ok(&out);
        assert_eq!(signal(&out).as_deref(), want, "{entrypoint}");
    }
    let f = python_with("entrypoint = [\"/venv/bin/uwsgi\"]\nstop-signal = \"SIGQUIT\"");
    let out = f.run(&["init", "--stdout"]);
    ok(&out);
    assert_eq!(signal(&out).as_deref(), Some("SIGQUIT"));
}

#[test]
fn django_settings_named_in_env_decide_collectstatic() {
    let f = fixture("py-django");
    // manage.py's default names settings without STATIC_ROOT; the env names
    // the ones the image runs with.
    let settings = f.read("mysite/settings.py");
    f.write(
        "mysite/settings.py",
        &settings
            .lines()
            .filter(|l| !l.starts_with("STATIC_ROOT"))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    let out = f.run(&["init", "--stdout"]);
    ok(&out);
    assert!(!stdout(&out).contains("collectstatic"), "{}", stdout(&out));
    f.write("mysite/production.py", &format!("{settings}\n"));
    let config = f.read("distroless.toml");
    f.write(
        "distroless.toml",
        &format!("{config}env = {{ DJANGO_SETTINGS_MODULE = \"mysite.production\" }}\n"),
    );
    let out = f.run(&["init", "--stdout"]);
    ok(&out);
    assert!(stdout(&out).contains("collectstatic"), "{}", stdout(&out));
}
