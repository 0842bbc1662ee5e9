//! Python projects built and run on a real engine: every installer, console
//! scripts, servers, uv workspaces, uWSGI, writable folders, Django, and
//! dependencies fetched with git or installed from the project's folders.
//!
//! Ignored unless asked for (`.ci/run` starts the engines and runs them):
//! `CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored`.

mod common;

use std::time::{Duration, Instant};

use common::images::*;
use common::{fixture, ok, stderr, stdout};

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_flask_from_requirements_with_compiled_markupsafe() {
    engine();
    python_fixture(
        "py-flask",
        free_port(),
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
        free_port(),
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
        free_port(),
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
        free_port(),
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
        free_port(),
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
    let port = free_port();
    let c = serve("cargo-distroless-e2e/py-uv:changed", port);
    assert!(get(port, "/", &c).contains(&format!("uv-app-{nonce}: hello")));
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
        free_port(),
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "pipenv-app: hello (six 1.17.0)",
    );
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
    let dockerfile = f.dockerfile();
    assert!(
        dockerfile.runs(&[
            "/opt/uv/bin/uv",
            "sync",
            "--frozen",
            "--no-dev",
            "--no-editable",
            "--package",
            "backend-app"
        ]),
        "{dockerfile:?}"
    );
    common::hadolint(&f.path("Dockerfile"));
    let tag = "cargo-distroless-e2e/py-uv-workspace:1";
    build(&f.dir, None, tag);
    let port = free_port();
    let c = serve(tag, port);
    let body = get(port, "/", &c);
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
    let port = free_port();
    f.write(
        "distroless.toml",
        &format!("port = {port}\ncompile-exclude = [\"templates\"]\n"),
    );
    ok(&f.run(&["init"]));
    build(&f.dir, None, "cargo-distroless-e2e/syntax:2");
    let c = serve("cargo-distroless-e2e/syntax:2", port);
    assert!(get(port, "/", &c).contains("py-flask: hello from flask"));
}

/// A project whose `.python-version` names 3.11 runs on the official
/// image's CPython 3.11, copied to distroless cc: the standard library's C
/// modules load, and the image is the cc base + interpreter, standard
/// library and their libraries + venv + app + 1 MiB.
#[test]
#[ignore = "needs a Docker engine and the python stand-ins: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn cpython_311_on_cc_from_a_python_version_file() {
    engine();
    let (f, added) = python_image(
        fixture("py-311"),
        "py-311",
        free_port(),
        "[\"/venv/bin/python\",\"/app/app.py\"]",
        "py-311: hello from python 3.11 as uid 65532; sqlite 3.",
        "gcr.io/distroless/cc-debian13:nonroot",
    );
    assert_eq!(
        f.dockerfile().stage("builder").image,
        "python:3.11-slim-trixie"
    );
    let check = f.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    eprintln!("py-311 on cc adds {added} B to its base");
}

/// The same app on 3.13 asked for with `runtime = "cc"`: the official
/// image's 3.13 rather than Debian's, on cc.
#[test]
#[ignore = "needs a Docker engine and the python stand-ins: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn cpython_313_on_cc_when_asked() {
    engine();
    let f = fixture("py-311");
    std::fs::remove_file(f.path(".python-version")).unwrap();
    let config = f.read("distroless.toml");
    f.write(
        "distroless.toml",
        &format!("{config}python-version = \"3.13\"\nruntime = \"cc\"\n"),
    );
    let (f, added) = python_image(
        f,
        "py-313-cc",
        free_port(),
        "[\"/venv/bin/python\",\"/app/app.py\"]",
        "py-311: hello from python 3.13 as uid 65532",
        "gcr.io/distroless/cc-debian13:nonroot",
    );
    assert_eq!(
        f.dockerfile().stage("builder").image,
        "python:3.13-slim-trixie"
    );
    eprintln!("py-311 as 3.13 on cc adds {added} B to its base");
}

/// uWSGI, built from source against the official image's CPython 3.11 and
/// linking its libpython, runs on distroless cc (the library step copies
/// libpython, and `LD_LIBRARY_PATH` finds it where the interpreter's own
/// RUNPATH does not reach) and stops at once on its STOPSIGNAL.
#[test]
#[ignore = "needs a Docker engine and the python stand-ins: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn uwsgi_on_cpython_311_on_cc() {
    engine();
    let f = fixture("py-uwsgi");
    let config = f
        .read("distroless.toml")
        .replace(
            "apt = [\"build-essential\", \"python3-dev\"]",
            "apt = [\"build-essential\"]",
        )
        .replace("18340", "18341");
    f.write(
        "distroless.toml",
        &format!("python-version = \"3.11\"\n{config}"),
    );
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let dockerfile = f.read("Dockerfile");
    assert_eq!(
        common::from_images(&dockerfile)
            .iter()
            .filter(|i| i.contains(':'))
            .collect::<Vec<_>>(),
        [
            "python:3.11-slim-trixie",
            "gcr.io/distroless/cc-debian13:nonroot"
        ]
    );
    let tag = "cargo-distroless-e2e/py-uwsgi-311:1";
    build(&f.dir, None, tag);
    let c = serve(tag, 18341);
    let body = get(18341, "/", &c);
    assert!(
        body.contains("py-uwsgi: hello") && body.contains("uid 65532"),
        "{body}"
    );
    let files = check_running(tag, &c, "[\"/venv/bin/uwsgi\"]");
    assert!(
        files
            .lines()
            .any(|l| l == "usr/local/lib/libpython3.11.so.1.0"),
        "libpython is in the image"
    );
    let took = stop_time(&c, 10);
    assert!(took < Duration::from_secs(2), "uWSGI took {took:?} to stop");
}

/// A requirement on a library that only a git repository holds: the
/// builder installs git, and pip clones it there.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_dependency_fetched_from_git() {
    engine();
    let repo = git_repository(&[
        (
            "pyproject.toml",
            "[project]\nname = \"gitlib\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"setuptools>=70\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        ),
        ("gitlib/__init__.py", "WORD = \"cloned\"\n"),
    ]);
    let f = poetry_server_alone();
    f.write(
        "requirements.txt",
        &format!("gitlib @ git+{}@main\n", repo.url),
    );
    f.write(
        "main.py",
        "import gitlib\n\nfrom pyserve import serve\n\nserve(\"git-dep\", lambda: f\" ({gitlib.WORD})\")\n",
    );
    python_image(
        f,
        "py-git-dep",
        free_port(),
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "git-dep: hello (cloned)",
        PYTHON_RUNTIME,
    );
}

/// The poetry fixture's stdlib server, without Poetry's files: a project
/// for a requirements file of the test's own.
fn poetry_server_alone() -> common::Fixture {
    let f = fixture("py-poetry");
    for gone in ["pyproject.toml", "poetry.lock"] {
        std::fs::remove_file(f.path(gone)).unwrap();
    }
    std::fs::remove_dir_all(f.path("scaffold")).unwrap();
    f
}

/// A requirement on a package the project holds (`./libs/greet`): it is
/// in the builder before pip installs from it.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn python_dependency_from_a_folder_of_the_project() {
    engine();
    let f = poetry_server_alone();
    std::fs::create_dir_all(f.path("libs/greet/greet")).unwrap();
    f.write(
        "libs/greet/pyproject.toml",
        "[project]\nname = \"greet\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"setuptools>=70\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    f.write("libs/greet/greet/__init__.py", "WORD = \"local\"\n");
    f.write("requirements.txt", "./libs/greet\n");
    f.write(
        "main.py",
        "import greet\n\nfrom pyserve import serve\n\nserve(\"local-dep\", lambda: f\" ({greet.WORD})\")\n",
    );
    python_image(
        f,
        "py-local-dep",
        free_port(),
        "[\"/venv/bin/python\",\"/app/main.py\"]",
        "local-dep: hello (local)",
        PYTHON_RUNTIME,
    );
}
