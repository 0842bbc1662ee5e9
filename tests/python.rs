//! Python projects on the real binary: detection, entrypoints, the
//! interpreter check, configuration and errors.

mod common;

use common::{Dockerfile, error, init_in as init, ok, project, stderr, stdout};

#[test]
fn python_version_outside_the_runtime_is_refused() {
    // A pin the official images carry chooses one; one none carries stops.
    for (files, builder) in [
        (
            vec![
                ("requirements.txt", "flask\n"),
                ("app.py", ""),
                (".python-version", "3.12\n"),
            ],
            "python:3.12-slim-trixie",
        ),
        (
            vec![
                (
                    "pyproject.toml",
                    "[tool.poetry]\nname = \"x\"\nversion = \"1\"\n[tool.poetry.dependencies]\npython = \"~3.11\"\n",
                ),
                ("poetry.lock", ""),
                ("main.py", ""),
            ],
            "python:3.11-slim-trixie",
        ),
    ] {
        let d = project(&files);
        let out = init(&d, &["--stdout"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(common::from_images(&stdout(&out))[0], builder);
    }
    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        (".python-version", "3.9\n"),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains(".python-version is `3.9`, which excludes Python 3.13.5"),
        "{text}"
    );
}

#[test]
fn entrypoint_order_and_errors() {
    let d = project(&[("requirements.txt", "flask\n")]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("no entrypoint found") && text.contains("app.py, main.py or manage.py"),
        "{text}"
    );
    assert!(text.contains("set `entrypoint`"), "{text}");

    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        ("main.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("several scripts at the root: app.py, main.py"),
        "{text}"
    );

    // A package's __main__ comes before a root script; config comes first of all.
    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        ("svc/__init__.py", ""),
        ("svc/__main__.py", ""),
    ]);
    let text = stdout(&init(&d, &["--stdout"]));
    assert_eq!(
        Dockerfile::parse(&text).last().entrypoint(),
        ["/venv/bin/python", "-m", "svc"]
    );
    std::fs::write(
        d.path().join("distroless.toml"),
        "entrypoint = [\"/venv/bin/gunicorn\", \"app:app\"]\nargs = [\"-b\", \"0.0.0.0:8000\"]\n",
    )
    .unwrap();
    let text = stdout(&init(&d, &["--stdout"]));
    assert!(
        text.contains(
            "ENTRYPOINT [\"/venv/bin/gunicorn\", \"app:app\"]\nCMD [\"-b\", \"0.0.0.0:8000\"]"
        ),
        "{text}"
    );
    std::fs::write(
        d.path().join("distroless.toml"),
        "entrypoint = [\"gunicorn\"]\n",
    )
    .unwrap();
    assert!(error(&init(&d, &[])).contains("must be a list starting with an absolute path"));
}

#[test]
fn malformed_inputs_name_file_and_line() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = 1.0.0\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("pyproject.toml is not valid TOML") && text.contains("line 3"),
        "{text}"
    );

    let d = project(&[
        ("requirements.txt", "flask\n-r other.txt\n"),
        ("other.txt", "ok==1\n<bad>\n"),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("other.txt:2: `<bad>` is not a requirement"),
        "{text}"
    );

    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.distroless]\nprot = 8000\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("invalid [tool.distroless] of pyproject.toml: unknown key `prot`"),
        "{text}"
    );
}

#[test]
fn stale_uv_lock_is_refused() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"flask\", \"requests\"]\n",
        ),
        (
            "uv.lock",
            "version = 1\n[[package]]\nname = \"app\"\nversion = \"1\"\nsource = { virtual = \".\" }\n[package.metadata]\nrequires-dist = [{ name = \"flask\" }]\n",
        ),
        ("main.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("uv.lock is out of date with pyproject.toml: pyproject.toml lists requests"),
        "{text}"
    );
    assert!(text.contains("run `uv lock`"), "{text}");
}

#[test]
fn rust_wins_unless_configured() {
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"both\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/main.rs", "fn main() {}\n"),
        (
            "pyproject.toml",
            "[project]\nname = \"both\"\nversion = \"1\"\n",
        ),
        ("app.py", ""),
    ];
    let d = project(&files);
    let rust = Dockerfile::parse(&stdout(&init(&d, &["--stdout"])));
    assert_eq!(rust.stage("builder").image, "rust:1-slim-trixie");
    std::fs::write(
        d.path().join("pyproject.toml"),
        "[project]\nname = \"both\"\nversion = \"1\"\n[tool.distroless]\necosystem = \"python\"\n",
    )
    .unwrap();
    let out = init(&d, &["--stdout"]);
    assert_eq!(
        Dockerfile::parse(&stdout(&out)).last().image,
        "gcr.io/distroless/python3-debian13:nonroot",
        "{}",
        stderr(&out)
    );
    assert!(error(&init(&d, &["--bin", "x"])).contains("--bin applies to Rust projects"));
}

/// A Pipfile.lock project whose builder installs compilers.
fn pipenv_with_apt() -> tempfile::TempDir {
    let lock = r#"{"_meta": {}, "default": {"six": {"version": "==1.17.0", "hashes": ["sha256:aa"]}}, "develop": {}}"#;
    project(&[
        ("Pipfile.lock", lock),
        ("main.py", ""),
        (
            "distroless.toml",
            "apt = [\"build-essential\", \"python3-dev\"]\nport = [8000]\n",
        ),
    ])
}

#[test]
#[ignore = "needs hadolint: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn hadolint_pipfile_lock_and_apt_packages() {
    let d = pipenv_with_apt();
    ok(&init(&d, &[]));
    common::hadolint(&d.path().join("Dockerfile"));
}

#[test]
fn pipfile_lock_and_apt_packages() {
    let d = pipenv_with_apt();
    let out = init(&d, &[]);
    ok(&out);
    let text = std::fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    let parsed = Dockerfile::parse(&text);
    assert!(
        parsed.runs(&[
            "/venv/bin/pip",
            "install",
            "--require-hashes",
            "-r",
            "/tmp/requirements.txt"
        ]),
        "{text}"
    );
    assert!(
        parsed
            .stage("builder")
            .copies()
            .contains(&(None, vec!["Pipfile.lock".into(), "Pipfile.lock".into()])),
        "{text}"
    );
    assert!(
        parsed.runs(&[
            "--no-install-recommends",
            "build-essential",
            "ca-certificates",
            "python3-dev",
            "python3-venv"
        ]),
        "{text}"
    );
    assert!(
        text.contains("#   build-essential: `apt` in distroless.toml"),
        "{text}"
    );
    let ignore = std::fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    for p in [
        "**/__pycache__/",
        "**/.venv/",
        "**/.pytest_cache/",
        "**/.env",
    ] {
        assert!(ignore.contains(p), "{p} in {ignore}");
    }

    let d = project(&[("Pipfile.lock", "{not json"), ("main.py", "")]);
    assert!(error(&init(&d, &[])).contains("Pipfile.lock is not valid JSON"));
}

#[test]
fn an_app_object_without_a_main_block_is_served() {
    let flask_app = "from flask import Flask\n\napp = Flask(__name__)\n";
    let d = project(&[
        ("requirements.txt", "flask==3.1.3\n"),
        ("app.py", flask_app),
    ]);
    let app = Dockerfile::parse(&stdout(&init(&d, &["--stdout"])))
        .last()
        .clone();
    assert_eq!(
        app.entrypoint(),
        [
            "/venv/bin/flask",
            "--app",
            "app:app",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );
    assert_eq!(app.exposed(), ["8000"]);

    let d = project(&[
        ("requirements.txt", "flask\ngunicorn\n"),
        ("app.py", flask_app),
        ("distroless.toml", "port = 5000\n"),
    ]);
    let text = stdout(&init(&d, &["--stdout"]));
    assert!(
        text.contains(
            "ENTRYPOINT [\"/venv/bin/gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]"
        ),
        "{text}"
    );

    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"api\"\nversion = \"1\"\ndependencies = [\"fastapi\", \"uvicorn[standard]\"]\n",
        ),
        ("main.py", "import fastapi\n\napi = fastapi.FastAPI()\n"),
    ]);
    let app = Dockerfile::parse(&stdout(&init(&d, &["--stdout"])))
        .last()
        .clone();
    assert_eq!(
        app.entrypoint(),
        [
            "/venv/bin/uvicorn",
            "main:api",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ]
    );

    // A script that runs itself keeps running itself.
    let d = project(&[
        ("requirements.txt", "flask\n"),
        (
            "app.py",
            &format!("{flask_app}\nif __name__ == \"__main__\":\n    app.run()\n"),
        ),
    ]);
    let app = Dockerfile::parse(&stdout(&init(&d, &["--stdout"])))
        .last()
        .clone();
    assert_eq!(app.entrypoint(), ["/venv/bin/python", "/app/app.py"]);
    assert!(app.exposed().is_empty(), "{app:?}");

    let d = project(&[("requirements.txt", "django\n"), ("manage.py", "")]);
    let app = Dockerfile::parse(&stdout(&init(&d, &["--stdout"])))
        .last()
        .clone();
    assert_eq!(app.entrypoint(), ["/venv/bin/python", "/app/manage.py"]);
    assert_eq!(
        app.cmd().expect("a CMD"),
        ["runserver", "0.0.0.0:8000", "--noreload"]
    );
}

#[test]
fn configuration_errors_name_the_table_and_file() {
    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        ("distroless.toml", "port = 0\n"),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("invalid `port` in distroless.toml: 0 is not a port"),
        "{text}"
    );
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"a\"\n[tool.distroless]\ninclude = [\"../secrets\"]\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains(
            "invalid `include` entry `../secrets` in [tool.distroless] of pyproject.toml"
        ),
        "{text}"
    );
    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        ("static/.env.example", "A=1\n"),
        ("distroless.toml", "include = [\"static/.env.example\"]\n"),
    ]);
    ok(&init(&d, &[]));
    let ignore = std::fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    assert!(ignore.contains("!static/.env.example"), "{ignore}");
}

#[test]
fn an_unknown_ecosystem_is_an_error() {
    let d = project(&[
        ("requirements.txt", "flask\n"),
        ("app.py", ""),
        ("distroless.toml", "ecosystem = \"pyhton\"\n"),
    ]);
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("invalid `ecosystem` in distroless.toml: `pyhton`"),
        "{text}"
    );
    assert!(text.contains("hint:"), "{text}");
}

/// Every place a project pins its Python is read; one that excludes the
/// runtime's 3.13.5 stops `init` at once, naming the file.
#[test]
fn every_python_pin_is_read() {
    let pipfile_lock = "{\"_meta\": {\"requires\": {\"python_version\": \"3.9\"}, \"sources\": []}, \"default\": {}, \"develop\": {}}";
    type Files<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, Files, &str)> = vec![
        (
            "a Pipenv project pinned to 3.9",
            vec![
                (
                    "Pipfile",
                    "[packages]\nnumpy = \"==1.21.0\"\n\n[requires]\npython_version = \"3.9\"\n",
                ),
                ("Pipfile.lock", pipfile_lock),
                ("app.py", ""),
            ],
            "[requires] python_version in Pipfile `3.9` admits no CPython the tool supports",
        ),
        (
            "only the lock",
            vec![("Pipfile.lock", pipfile_lock), ("app.py", "")],
            "_meta.requires.python_version in Pipfile.lock `3.9` admits no CPython",
        ),
        (
            "poetry.lock",
            vec![
                (
                    "pyproject.toml",
                    "[tool.poetry]\nname = \"x\"\nversion = \"1\"\npackage-mode = false\n",
                ),
                (
                    "poetry.lock",
                    "[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.8,<3.10\"\ncontent-hash = \"0\"\n",
                ),
                ("main.py", ""),
            ],
            "[metadata] python-versions in poetry.lock `>=3.8,<3.10` admits no CPython",
        ),
        (
            "setup.cfg",
            vec![
                (
                    "setup.cfg",
                    "[metadata]\nname = x\n\n[options]\npython_requires = <3.10\n",
                ),
                ("requirements.txt", ""),
                ("app.py", ""),
            ],
            "[options] python_requires in setup.cfg `<3.10` admits no CPython",
        ),
        (
            "setup.py",
            vec![
                (
                    "setup.py",
                    "from setuptools import setup\nsetup(name='x', python_requires='~=3.8.0')\n",
                ),
                ("requirements.txt", ""),
                ("app.py", ""),
            ],
            "python_requires in setup.py `~=3.8.0` admits no CPython",
        ),
    ];
    for (what, files, want) in cases {
        let d = project(&files);
        let out = init(&d, &[]);
        let text = error(&out);
        assert!(text.contains(want), "{what}: {text}");
        assert!(
            text.contains("hint: allow one of them, or set `python-version`"),
            "{what}: {text}"
        );
        assert!(!d.path().join("Dockerfile").exists(), "{what}");
    }
}

/// A developer's `.python-version` chooses the interpreter: narrower than
/// metadata that admits it, it is honoured (3.12 here); alone, too.
#[test]
fn a_development_pin_chooses_the_interpreter() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.11\"\n",
        ),
        (".python-version", "3.12\n"),
        ("app.py", ""),
    ]);
    let out = init(&d, &["--stdout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(
        common::from_images(&stdout(&out))[0],
        "python:3.12-slim-trixie"
    );
    let alone = project(&[
        (".python-version", "3.12\n"),
        ("requirements.txt", ""),
        ("app.py", ""),
    ]);
    let out = init(&alone, &["--stdout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::from_images(&stdout(&out))[0],
        "python:3.12-slim-trixie",
        "alone, the development pin chooses the interpreter"
    );
}

/// `exclude` adds .dockerignore patterns; a script project's tests, docs
/// and CI files stay out unless `include` names them; bad patterns say why.
#[test]
fn exclude_and_the_files_a_script_project_does_not_run() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\n[tool.distroless]\nexclude = [\"notebooks/\", \"*.csv\"]\ninclude = [\"docs\"]\n",
        ),
        ("app.py", "if __name__ == \"__main__\":\n    pass\n"),
        ("docs/index.md", "hi"),
        ("tests/test_app.py", ""),
    ]);
    ok(&init(&d, &[]));
    let ignore = std::fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    let after = |marker: &str| ignore.split(marker).nth(1).unwrap_or_default().to_string();
    assert!(
        after("the app does not run them").contains("\ntests/\n"),
        "{ignore}"
    );
    assert!(
        after("Left out by `exclude` in [tool.distroless] of pyproject.toml.")
            .starts_with("\nnotebooks/\n*.csv\n"),
        "{ignore}"
    );
    assert!(
        ignore.contains("\n!docs\n"),
        "`include` re-admits docs: {ignore}"
    );

    let bad = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\n[tool.distroless]\nexclude = [\"!keep\"]\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&bad, &[]));
    assert!(
        text.contains("invalid `exclude` entry \"!keep\" in [tool.distroless] of pyproject.toml: a `!` rule re-admits paths, which is what `include` is for"),
        "{text}"
    );
}

#[test]
fn writable_entries_are_checked() {
    for (entry, why) in [
        (".", "it names /app itself, which stays read-only"),
        ("up loads", "a writable folder's name takes letters, digits"),
        ("../var", "it must be a relative path inside the project"),
    ] {
        let d = project(&[
            (
                "pyproject.toml",
                &format!(
                    "[project]\nname = \"x\"\nversion = \"1\"\n[tool.distroless]\nwritable = [{entry:?}]\n"
                ),
            ),
            ("app.py", ""),
        ]);
        let text = error(&init(&d, &[]));
        assert!(
            text.contains(&format!(
                "invalid `writable` entry {entry:?} in [tool.distroless] of pyproject.toml: {why}"
            )),
            "{entry}: {text}"
        );
        assert!(
            text.contains("hint: name a folder under the project the app writes to"),
            "{text}"
        );
    }
}

#[test]
fn build_commands_are_checked() {
    for (value, why) in [
        (
            "[[]]",
            "invalid `build-commands` entry 1 in distroless.toml: it is empty",
        ),
        (
            "[[\"python\", \"x.py\"], [\" \", \"x\"]]",
            "invalid `build-commands` entry 2 in distroless.toml: its first word, the program, is blank",
        ),
        (
            "[[\"python\", \"-c\", \"print(1)\\nprint(2)\"]]",
            "holds a line break",
        ),
        ("[\"python manage.py migrate\"]", "build-commands"),
    ] {
        let d = project(&[
            ("distroless.toml", &format!("build-commands = {value}\n")),
            ("requirements.txt", ""),
            ("main.py", "if __name__ == \"__main__\":\n    pass\n"),
        ]);
        let text = error(&init(&d, &[]));
        assert!(text.contains(why), "{value}: {text}");
        assert!(text.contains("distroless.toml"), "{value}: {text}");
        assert!(!d.path().join("Dockerfile").exists());
    }
}

#[test]
fn django_is_recognised_and_build_commands_replace_collectstatic() {
    let files = [
        ("requirements.txt", "Django==5.2.19\n"),
        (
            "manage.py",
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\n",
        ),
        ("site_conf/__init__.py", ""),
        ("site_conf/settings.py", "from .base import *\n"),
        ("site_conf/base.py", "STATIC_ROOT = BASE_DIR / 'static'\n"),
    ];
    let d = project(&files);
    let out = init(&d, &["--explain", "--stdout"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("django: recognised (django among the dependencies, manage.py at the root); settings site_conf.settings (from manage.py); site_conf/base.py assigns STATIC_ROOT"),
        "{text}"
    );
    let parsed = Dockerfile::parse(&stdout(&out));
    assert!(
        parsed.stage("builder").runs(&[
            "python",
            "manage.py",
            "collectstatic",
            "--noinput",
            "&&",
            "python",
            "-m",
            "compileall"
        ]),
        "{text}"
    );
    // No wsgi.py and no gunicorn: Django's own server.
    assert_eq!(
        parsed.last().cmd().expect("a CMD"),
        ["runserver", "0.0.0.0:8000", "--noreload"]
    );
    std::fs::write(
        d.path().join("distroless.toml"),
        "build-commands = [[\"env\", \"SECRET=build only\", \"python\", \"manage.py\", \"collectstatic\", \"--noinput\"]]\n",
    )
    .unwrap();
    let out = init(&d, &["--stdout"]);
    let text = stdout(&out);
    assert!(
        Dockerfile::parse(&text).stage("builder").runs(&[
            "env",
            "SECRET=build only",
            "python",
            "manage.py",
            "collectstatic",
            "--noinput",
            "&&"
        ]),
        "{text}"
    );
    assert!(
        text.contains("# - `build-commands` in distroless.toml."),
        "{text}"
    );
    std::fs::write(d.path().join("distroless.toml"), "build-commands = []\n").unwrap();
    let text = stdout(&init(&d, &["--stdout"]));
    assert!(!text.contains("collectstatic"), "{text}");
}

/// Every supported CPython gets its builder and runtime, read from the
/// project's pins: 3.13 Debian's on python3 (or the official one on cc
/// when asked), any other the official image's on cc, its interpreter
/// copied in; an unsupported one is refused naming the supported ones.
#[test]
fn every_supported_cpython_builds_on_its_official_image_and_runs_on_cc() {
    for (requires, runtime, builder) in [
        (
            "==3.10.*",
            "gcr.io/distroless/cc-debian13:nonroot",
            "python:3.10-slim-trixie",
        ),
        (
            ">=3.11,<3.12",
            "gcr.io/distroless/cc-debian13:nonroot",
            "python:3.11-slim-trixie",
        ),
        (
            "~=3.12.0",
            "gcr.io/distroless/cc-debian13:nonroot",
            "python:3.12-slim-trixie",
        ),
        (
            ">=3.10",
            "gcr.io/distroless/python3-debian13:nonroot",
            "debian:13-slim",
        ),
        (
            ">=3.14",
            "gcr.io/distroless/cc-debian13:nonroot",
            "python:3.14-slim-trixie",
        ),
    ] {
        let d = project(&[
            (
                "pyproject.toml",
                &format!(
                    "[project]\nname = \"app\"\nversion = \"1.0\"\nrequires-python = \"{requires}\"\ndependencies = [\"flask\"]\n"
                ),
            ),
            ("app.py", "if __name__ == \"__main__\":\n    pass\n"),
        ]);
        let out = init(&d, &["--stdout"]);
        let text = stdout(&out);
        assert!(out.status.success(), "{requires}: {}", stderr(&out));
        assert_eq!(
            common::from_images(&text),
            [builder.to_string(), runtime.to_string()],
            "{requires}"
        );
        let copied = Dockerfile::parse(&text).last().copies().contains(&(
            Some("builder".into()),
            vec!["/out/python/".into(), "/".into()],
        ));
        assert_eq!(copied, builder.starts_with("python:"), "{requires}: {text}");
    }
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nrequires-python = \"<3.10\"\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &["--stdout"]));
    assert!(
        text.contains("admits no CPython the tool supports (3.10, 3.11, 3.12, 3.13, 3.14)"),
        "{text}"
    );
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\n\n[tool.distroless]\npython-version = \"3.9\"\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &["--stdout"]));
    assert!(
        text.contains("invalid `python-version` \"3.9\" in [tool.distroless] of pyproject.toml"),
        "{text}"
    );
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\n\n[tool.distroless]\nruntime = \"alpine\"\n",
        ),
        ("app.py", ""),
    ]);
    let text = error(&init(&d, &["--stdout"]));
    assert!(text.contains("invalid `runtime` \"alpine\""), "{text}");
}

/// A 3.14 project's files are generated and lint clean (3.14 cannot be
/// built here).
#[test]
#[ignore = "needs hadolint: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn hadolint_a_cpython_314_project() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nrequires-python = \">=3.14\"\ndependencies = [\"flask\"]\n",
        ),
        ("app.py", "if __name__ == \"__main__\":\n    pass\n"),
    ]);
    ok(&init(&d, &[]));
    common::hadolint(&d.path().join("Dockerfile"));
}
