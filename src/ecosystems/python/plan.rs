//! Python project → render context: Debian's own CPython in the builder
//! (the very interpreter python3-debian13 carries), a virtual environment at
//! a fixed path copied whole, dependencies installed by the project's own
//! tool. Pure: no I/O, so every decision is unit-tested here.

use anyhow::Result;

use super::detect::{Installer, PythonProject};
use super::section::{BuildCommand, PythonBuild};
use super::specifiers as version;
use crate::context::{Binary, Builder, Context, EnvVar, Generator, IgnoreSection, Section};
use crate::ecosystems::common::{self, Need, Planned};
use crate::error::fail;
use crate::images::Variant;
use crate::layout::{APP_DIR, OUT_DIR, VENV};
use crate::settings::ProjectSettings;

/// The uv release the builder installs for uv.lock projects.
pub const UV_VERSION: &str = "0.13.9";
/// The Poetry release the builder installs for poetry.lock projects.
pub const POETRY_VERSION: &str = "2.5.1";

/// The port a server chosen by the tool listens on unless `port` says otherwise.
pub const DEFAULT_PORT: u16 = 8000;

/// Build debris of Python projects.
const PYTHON_IGNORES: (&str, &[&str]) = (
    "Virtual environments, caches and build output: rebuilt inside the image build.",
    &[
        "**/.venv/",
        "**/venv/",
        "**/__pycache__/",
        "**/*.py[cod]",
        "**/.pytest_cache/",
        "**/.mypy_cache/",
        "**/.ruff_cache/",
        "**/.tox/",
        "**/.nox/",
        "**/*.egg-info/",
        "**/.coverage",
        "**/htmlcov/",
        "dist/",
        "build/",
    ],
);

/// What a script project's `/app` does not need to run: left out unless
/// `include` names it.
const NOT_TO_RUN: (&str, &[&str]) = (
    "Tests, documentation and CI configuration: the app does not run them (`include` admits any of them).",
    &[
        "tests/",
        "test/",
        "docs/",
        ".github/",
        ".gitlab/",
        ".gitlab-ci.yml",
        ".circleci/",
        "tox.ini",
        "noxfile.py",
    ],
);

/// The .dockerignore sections: Python's debris, then the shared rules, what
/// a script project's `/app` does not need, and the project's `exclude`.
fn python_ignores(project: &PythonProject, copy_source: bool) -> Vec<IgnoreSection> {
    let mut sections = common::dockerignore(PYTHON_IGNORES);
    if copy_source {
        sections.push(IgnoreSection {
            comment: NOT_TO_RUN.0.into(),
            patterns: NOT_TO_RUN.1.iter().map(|p| p.to_string()).collect(),
        });
    }
    if !project.exclude.is_empty() {
        sections.push(IgnoreSection {
            comment: format!("Left out by `exclude` in {}.", project.config_origin),
            patterns: project.exclude.clone(),
        });
    }
    sections
}

/// A health probe the runtime's own interpreter runs with the standard
/// library: exit 0 when `http://127.0.0.1:PORT/PATH` answers below 400
/// (`urlopen` raises on 4xx and 5xx, and on a closed port).
const PY_PROBE: &str = "import sys, urllib.request as r; sys.exit(0 if r.urlopen('http://127.0.0.1:' + sys.argv[1] + sys.argv[2], timeout=int(sys.argv[3]) / 1000).status < 400 else 1)";

/// Plans the Dockerfile for a Python project with the project's choices
/// (flags over configuration); with `explain`, the `--explain` lines too.
pub fn plan(project: &PythonProject, choices: &ProjectSettings, explain: bool) -> Result<Planned> {
    let mut warnings = Vec::new();
    let interpreter = super::interpreters::Interpreter::debian();
    let (distro, family, version) = (interpreter.distro, interpreter.family, interpreter.version);
    let runtime = common::runtime(family, distro, Variant::Nonroot);
    check_python(project, version, &runtime.image, &mut warnings)?;

    let mut env = vec![
        EnvVar::new("VIRTUAL_ENV", VENV),
        EnvVar::new(
            "PATH",
            &format!("{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ),
        EnvVar::new("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ];
    let steps = steps(project, &mut env, &mut warnings);
    let settings = &project.settings;
    let port = settings.ports.first().copied().unwrap_or(DEFAULT_PORT);
    let Start {
        needs_source,
        mut entrypoint,
        args: default_args,
        env: extra_env,
        serves,
        stop_signal,
    } = entrypoint(project, port)?;
    let copy_source = !project.installable || needs_source;
    // Only a server this tool chose is known to listen on `port`.
    let mut ports = settings.ports.clone();
    if ports.is_empty() && serves {
        ports.push(port);
    }
    let program = entrypoint[0].clone();
    let init = common::init(settings, &mut entrypoint);
    let healthcheck = settings
        .healthcheck
        .as_ref()
        .map(|h| {
            let python = format!("{VENV}/bin/python");
            common::healthcheck(h, &ports, &python, |port, path, ms| {
                vec![
                    python.clone(),
                    "-c".into(),
                    PY_PROBE.into(),
                    port.to_string(),
                    path.into(),
                    ms.to_string(),
                ]
            })
        })
        .transpose()?;
    let apt = common::apt_needs(
        init.is_some()
            .then(common::init_package)
            .into_iter()
            .chain([
                (
                    "ca-certificates".to_string(),
                    Need::Build("TLS to the package index".into()),
                ),
                (
                    "python3-venv".to_string(),
                    Need::Build(format!(
                        "Debian's CPython {version}, the runtime's own interpreter"
                    )),
                ),
            ])
            .chain(
                settings
                    .apt
                    .iter()
                    .map(|a| (a.name.clone(), Need::Setting(a.origin.clone()))),
            ),
    );

    let stage = common::stage_name(&project.name);
    let project_version = project.version.value();
    let labels = common::labels(
        &project.name,
        project_version,
        [&project.description, &project.license, &project.repository],
    );
    let mut app_env = vec![
        EnvVar::new("PYTHONUNBUFFERED", "1"),
        EnvVar::new("PYTHONDONTWRITEBYTECODE", "1"),
    ];
    app_env.extend(extra_env);
    for (k, v) in &settings.env {
        app_env.retain(|e| &e.name != k);
        app_env.push(EnvVar::new(k, v));
    }
    // The whole filtered source is copied into /app; `include` only admits
    // paths that .dockerignore would otherwise drop.
    let mut keep: Vec<String> = settings.include.iter().map(|i| i.src.clone()).collect();
    keep.sort();
    let after_keep =
        common::dockerignore_after_keep(&keep, "the tool's configuration", &mut warnings);
    let args = settings.args.clone().unwrap_or(default_args);
    let binary = Binary {
        name: project.name.clone(),
        stage: stage.clone(),
        image: crate::grammar::image_repository(&stage),
        package: project.name.clone(),
        version: project_version.map(String::from),
        tags: common::image_tags(&stage, project_version),
        path: program,
        entrypoint,
        default: true,
        ports,
        env: app_env,
        include: if copy_source {
            Vec::new()
        } else {
            settings.include.clone()
        },
        args,
        labels,
        healthcheck,
        init,
        stop_signal: settings
            .stop_signal
            .clone()
            .or(stop_signal.map(String::from)),
        depends_on: Vec::new(),
    };
    let mut images = [binary];
    common::depends_on(&mut images, &[settings])?;
    let [binary] = images;

    let installer = project.installer.name();
    // The installer's files, and the script the image starts.
    let in_app = format!("{APP_DIR}/");
    let mut reads = steps.manifests.clone();
    reads.extend(
        binary
            .entrypoint
            .iter()
            .chain(&binary.args)
            .filter_map(|a| a.strip_prefix(&in_app))
            .filter(|a| a.ends_with(".py"))
            .map(String::from),
    );
    let builder_image = interpreter.builder();
    let python = PythonBuild {
        version: version.to_string(),
        installer,
        venv: VENV,
        manifests: steps.manifests,
        builder_env: env,
        tool_command: steps.tool,
        install_command: steps.install,
        dependencies_from: dependencies_from(project),
        cache_dir: steps.cache,
        project_command: steps.project,
        compile_exclude: compile_exclude(&project.compile_exclude),
        copy_source,
        build_commands: build_commands(project),
        writable: project
            .writable
            .iter()
            .map(|w| format!("{APP_DIR}/{w}"))
            .collect(),
    };
    let context = Context {
        context_version: crate::context::CONTEXT_VERSION,
        generator: Generator::ours(),
        ecosystem: "python",
        project: crate::grammar::image_repository(&project.name),
        builder: Builder {
            from: builder_image.clone(),
            image: builder_image,
            stage: "builder".into(),
            workdir: APP_DIR,
            out_dir: OUT_DIR,
            own_libraries: Some(format!("{VENV}/")),
            packages: common::apt_context(&apt),
        },
        runtime,
        section: Section::new("python", &python),
        binaries: vec![binary],
        dockerignore: python_ignores(project, copy_source),
        dockerignore_project: Vec::new(),
        dockerignore_keep: keep,
        dockerignore_after_keep: after_keep,
        notes: Vec::new(),
        bake: false,
        compose: choices.compose(),
        dockerfile: choices.dockerfile(),
    };
    let explanation = if explain {
        super::explain::explain(project, &context, &python, &apt)
    } else {
        Vec::new()
    };
    Ok(Planned {
        build: super::drift::build_facet(project, &python),
        reads,
        inventory: super::inventory::INVENTORY,
        bases: choices.sourcing(),
        explanation,
        context,
        warnings,
    })
}

/// What the builder runs after the install: `build-commands` as configured
/// (an empty list turns the detected ones off), else Django's
/// `collectstatic` when the settings assign `STATIC_ROOT`.
fn build_commands(project: &PythonProject) -> Vec<BuildCommand> {
    let command = |argv: Vec<String>, why: String| BuildCommand {
        shell: argv
            .iter()
            .map(|w| crate::shell::word(w))
            .collect::<Vec<_>>()
            .join(" "),
        argv,
        why,
    };
    if let Some(configured) = &project.build_commands {
        return configured
            .iter()
            .map(|argv| {
                command(
                    argv.clone(),
                    format!("`build-commands` in {}", project.config_origin),
                )
            })
            .collect();
    }
    let Some(file) = project
        .django
        .as_ref()
        .and_then(|d| d.static_root_in.as_ref())
    else {
        return Vec::new();
    };
    let argv = ["python", "manage.py", "collectstatic", "--noinput"];
    vec![command(
        argv.map(String::from).to_vec(),
        format!("Django's static files, collected into STATIC_ROOT, which {file} assigns"),
    )]
}

/// How the environment gets built: the installer's commands.
struct Steps {
    manifests: Vec<String>,
    tool: Option<String>,
    install: Option<String>,
    cache: &'static str,
    project: Option<String>,
}

/// What the dependencies come from, as the Dockerfile's comment says it.
fn dependencies_from(project: &PythonProject) -> String {
    match &project.installer {
        Installer::Requirements {
            files,
            hashes: true,
        } => format!("{}, hash-checked", files[0]),
        Installer::Requirements { files, .. } => files[0].clone(),
        Installer::Uv if project.uv_member.is_some() => "the workspace's lockfile uv.lock".into(),
        Installer::Uv => "the lockfile uv.lock".into(),
        Installer::Poetry => "the lockfile poetry.lock".into(),
        Installer::Pipenv => "the lockfile Pipfile.lock".into(),
        Installer::Pyproject { .. } => "pyproject.toml's [project] dependencies, unlocked".into(),
        Installer::Nothing => "nothing".into(),
    }
}

/// The installer's steps, adding the environment its tools need.
fn steps(project: &PythonProject, env: &mut Vec<EnvVar>, warnings: &mut Vec<String>) -> Steps {
    let shell_quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let pip = format!("{VENV}/bin/pip");
    let pip_project = project
        .installable
        .then(|| format!("{pip} install --no-deps ."));
    match &project.installer {
        Installer::Requirements { files, hashes } => {
            let hashes = if *hashes { " --require-hashes" } else { "" };
            Steps {
                manifests: files.clone(),
                tool: None,
                install: Some(format!("{pip} install{hashes} -r {}", files[0])),
                cache: "/root/.cache/pip",
                project: pip_project,
            }
        }
        Installer::Uv => {
            for (k, v) in [
                ("UV_PROJECT_ENVIRONMENT", VENV),
                ("UV_PYTHON", "/usr/bin/python3"),
                ("UV_PYTHON_DOWNLOADS", "never"),
                ("UV_NATIVE_TLS", "1"),
                ("UV_COMPILE_BYTECODE", "1"),
                ("UV_LINK_MODE", "copy"),
            ] {
                env.push(EnvVar::new(k, v));
            }
            let tool = Some(format!(
                "python3 -m venv /opt/uv && /opt/uv/bin/pip install uv=={UV_VERSION}"
            ));
            // A workspace member: the root's lock, the member's package only.
            if let Some(m) = &project.uv_member {
                let package = shell_quote(&m.name);
                return Steps {
                    manifests: vec![
                        "pyproject.toml".into(),
                        "uv.lock".into(),
                        format!("{}/pyproject.toml", m.dir),
                    ],
                    tool,
                    install: Some(format!(
                        "/opt/uv/bin/uv sync --frozen --no-dev --no-install-workspace --package {package}"
                    )),
                    cache: "/root/.cache/uv",
                    project: Some(format!(
                        "/opt/uv/bin/uv sync --frozen --no-dev --no-editable --package {package}"
                    )),
                };
            }
            Steps {
                manifests: vec!["pyproject.toml".into(), "uv.lock".into()],
                tool,
                install: Some("/opt/uv/bin/uv sync --frozen --no-dev --no-install-project".into()),
                cache: "/root/.cache/uv",
                project: project
                    .installable
                    .then(|| "/opt/uv/bin/uv sync --frozen --no-dev --no-editable".to_string()),
            }
        }
        Installer::Poetry => {
            for (k, v) in [
                ("POETRY_VIRTUALENVS_CREATE", "false"),
                ("POETRY_NO_INTERACTION", "1"),
                ("POETRY_CACHE_DIR", "/root/.cache/pypoetry"),
                ("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
            ] {
                env.push(EnvVar::new(k, v));
            }
            Steps {
                manifests: vec!["pyproject.toml".into(), "poetry.lock".into()],
                tool: Some(format!(
                    "python3 -m venv /opt/poetry && /opt/poetry/bin/pip install poetry=={POETRY_VERSION}"
                )),
                install: Some("/opt/poetry/bin/poetry install --only main --no-root".into()),
                cache: "/root/.cache/pypoetry",
                project: pip_project,
            }
        }
        Installer::Pipenv => Steps {
            manifests: vec!["Pipfile.lock".into()],
            tool: None,
            install: Some(format!(
                "python3 -c {} > /tmp/requirements.txt && {pip} install --require-hashes -r /tmp/requirements.txt",
                shell_quote(PIPFILE_TO_REQUIREMENTS)
            )),
            cache: "/root/.cache/pip",
            project: pip_project,
        },
        Installer::Pyproject { dependencies } => {
            warnings.push(
                "no lockfile: dependencies are resolved afresh at each build; lock them (uv lock, poetry lock, or a requirements file with hashes) for reproducible images".into(),
            );
            let deps: Vec<String> = dependencies.iter().map(|d| shell_quote(d)).collect();
            Steps {
                manifests: Vec::new(),
                tool: None,
                install: Some(format!("{pip} install {}", deps.join(" "))),
                cache: "/root/.cache/pip",
                project: pip_project,
            }
        }
        Installer::Nothing => Steps {
            manifests: Vec::new(),
            tool: None,
            install: None,
            cache: "/root/.cache/pip",
            project: pip_project,
        },
    }
}

/// Turns Pipfile.lock's default packages into hashed requirement lines.
const PIPFILE_TO_REQUIREMENTS: &str = r#"import json; lock = json.load(open("Pipfile.lock"))["default"]; print("\n".join(n + p.get("version", "") + ("; " + p["markers"] if p.get("markers") else "") + "".join(" --hash=" + h for h in p.get("hashes", [])) for n, p in sorted(lock.items())))"#;

/// How the image starts the application.
struct Start {
    /// It runs a file of the source, so the image needs `/app`.
    needs_source: bool,
    entrypoint: Vec<String>,
    /// The default `CMD`.
    args: Vec<String>,
    /// Environment the start needs.
    env: Vec<EnvVar>,
    /// A server the tool chose, which listens on the port.
    serves: bool,
    /// The signal that stops the program, when it is not SIGTERM.
    stop_signal: Option<&'static str>,
}

impl Start {
    fn plain(entrypoint: Vec<String>) -> Start {
        let needs_source = entrypoint.iter().any(|a| a.starts_with(APP_DIR));
        // A Python program installs no SIGTERM handler, and as PID 1 the
        // kernel ignores SIGTERM for it; SIGINT raises KeyboardInterrupt.
        Start {
            needs_source,
            entrypoint,
            args: Vec::new(),
            env: Vec::new(),
            serves: false,
            stop_signal: Some("SIGINT"),
        }
    }
}

/// The signal that stops a configured program at once, when it is one the
/// tool knows: the venv's Python (as PID 1 it ignores SIGTERM; SIGINT
/// raises KeyboardInterrupt) and uWSGI (SIGTERM reloads it unless
/// `--die-on-term`; SIGINT stops it). Other programs keep Docker's SIGTERM,
/// which gunicorn, uvicorn and hypercorn stop on; `stop-signal` sets another.
fn known_stop_signal(program: &str) -> Option<&'static str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    let python = name == "python"
        || name
            .strip_prefix("python3")
            .is_some_and(|v| v.is_empty() || v.starts_with('.'));
    (python || name == "uwsgi").then_some("SIGINT")
}

/// How the image starts, in the order the README gives: configured, a
/// single console script, a package's `__main__`, a script at the root.
fn entrypoint(project: &PythonProject, port: u16) -> Result<Start> {
    let origin = &project.config_origin;
    let python = format!("{VENV}/bin/python");
    if let Some(ep) = &project.entrypoint {
        if ep.is_empty() || !ep[0].starts_with('/') {
            return Err(fail(
                format!("`entrypoint` in {origin} must be a list starting with an absolute path"),
                format!(
                    "for example entrypoint = [\"{python}\", \"-m\", \"myapp\"] or [\"{VENV}/bin/gunicorn\", \"app:app\"]"
                ),
            ));
        }
        return Ok(Start {
            stop_signal: known_stop_signal(&ep[0]),
            ..Start::plain(ep.clone())
        });
    }
    let ambiguous = |what: &str, found: &[String]| {
        fail(
            format!(
                "the entrypoint is ambiguous: several {what}: {}",
                found.join(", ")
            ),
            format!(
                "choose one with `entrypoint` in {origin}, e.g. entrypoint = [\"{python}\", \"-m\", \"{}\"]",
                found[0].trim_end_matches(".py")
            ),
        )
    };
    if project.installable && !project.scripts.is_empty() {
        if project.scripts.len() > 1 {
            return Err(ambiguous(
                "console scripts in [project.scripts]",
                &project.scripts,
            ));
        }
        return Ok(Start::plain(vec![format!(
            "{VENV}/bin/{}",
            project.scripts[0]
        )]));
    }
    if let [pkg] = project.main_packages.as_slice() {
        let env = if pkg.in_src && !project.installable {
            vec![EnvVar::new("PYTHONPATH", &format!("{APP_DIR}/src"))]
        } else {
            Vec::new()
        };
        return Ok(Start {
            env,
            ..Start::plain(vec![python, "-m".into(), pkg.name.clone()])
        });
    }
    if project.main_packages.len() > 1 {
        let names: Vec<String> = project
            .main_packages
            .iter()
            .map(|p| p.name.clone())
            .collect();
        return Err(ambiguous("packages with a __main__.py", &names));
    }
    match project.root_scripts.as_slice() {
        [one] => Ok(serve_script(project, one, port)),
        [] => Err(fail(
            format!(
                "no entrypoint found in {}: looked for a single [project.scripts] entry, a package with __main__.py, and app.py, main.py or manage.py",
                project.root.display()
            ),
            format!(
                "set `entrypoint` in {origin}, e.g. entrypoint = [\"{python}\", \"-m\", \"myapp\"]"
            ),
        )),
        many => Err(ambiguous("scripts at the root", many)),
    }
}

/// How to run a root script. One with a `__main__` block runs itself; one
/// that only defines an app object (the usual Flask or FastAPI `app.py`)
/// would exit at once, so the server the project depends on serves it;
/// Django's manage.py gets `runserver`.
fn serve_script(project: &PythonProject, file: &str, port: u16) -> Start {
    let python = format!("{VENV}/bin/python");
    let script = vec![python, format!("{APP_DIR}/{file}")];
    let has = |name: &str| project.dependency_names.iter().any(|d| d == name);
    let wsgi = project.django.as_ref().and_then(|d| d.wsgi.as_ref());
    if let (true, Some(wsgi), true) = (file == "manage.py", wsgi, has("gunicorn")) {
        // A Django project that ships gunicorn serves its WSGI module with it,
        // from /app; gunicorn stops gracefully on SIGTERM.
        return Start {
            serves: true,
            stop_signal: None,
            ..Start::plain(vec![
                format!("{VENV}/bin/gunicorn"),
                "--chdir".into(),
                APP_DIR.into(),
                "--bind".into(),
                format!("0.0.0.0:{port}"),
                wsgi.clone(),
            ])
        };
    }
    if file == "manage.py" {
        let args = vec![
            "runserver".to_string(),
            format!("0.0.0.0:{port}"),
            "--noreload".to_string(),
        ];
        return Start {
            args,
            serves: true,
            ..Start::plain(script)
        };
    }
    let info = project.script_info.iter().find(|i| i.file == file);
    let Some(app) = info.filter(|i| !i.main_guard).and_then(|i| i.app.as_ref()) else {
        return Start::plain(script);
    };
    let target = format!("{}:{}", file.trim_end_matches(".py"), app.name);
    let bin = |tool: &str| format!("{VENV}/bin/{tool}");
    let port = port.to_string();
    let server = if app.asgi && has("uvicorn") {
        vec![
            bin("uvicorn"),
            target,
            "--host".into(),
            "0.0.0.0".into(),
            "--port".into(),
            port,
        ]
    } else if app.asgi && has("hypercorn") {
        vec![
            bin("hypercorn"),
            "--bind".into(),
            format!("0.0.0.0:{port}"),
            target,
        ]
    } else if !app.asgi && has("gunicorn") {
        vec![
            bin("gunicorn"),
            "--bind".into(),
            format!("0.0.0.0:{port}"),
            target,
        ]
    } else if app.framework == "Flask" {
        vec![
            bin("flask"),
            "--app".into(),
            target,
            "run".into(),
            "--host".into(),
            "0.0.0.0".into(),
            "--port".into(),
            port,
        ]
    } else {
        return Start::plain(script);
    };
    // gunicorn, uvicorn and hypercorn stop gracefully on SIGTERM; flask's
    // development server, a Python program, on SIGINT.
    let stop_signal = server[0].ends_with("/flask").then_some("SIGINT");
    Start {
        serves: true,
        stop_signal,
        ..Start::plain(server)
    }
}

/// The `compileall -x` argument for the excluded paths: a regular expression
/// matching each under the builder's workdir, shell-quoted.
fn compile_exclude(paths: &[String]) -> Option<String> {
    if paths.is_empty() {
        return None;
    }
    let escape = |p: &str| {
        p.chars()
            .flat_map(|c| {
                let special = "\\.^$|?*+()[]{}".contains(c);
                special.then_some('\\').into_iter().chain([c])
            })
            .collect::<String>()
    };
    let alternatives: Vec<String> = paths.iter().map(|p| escape(p)).collect();
    let regex = format!("^{APP_DIR}/({})(/|$)", alternatives.join("|"));
    Some(crate::shell::word(&regex))
}

/// Refuses a project whose Python requirement excludes the runtime's CPython.
fn check_python(
    project: &PythonProject,
    version: &str,
    image: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    use super::pins::PinKind;
    let pins = &project.python_requirements;
    // The metadata (every pin but a developer's interpreter) admits the runtime.
    let metadata: Vec<_> = pins
        .iter()
        .filter(|p| p.kind != PinKind::Development)
        .collect();
    let metadata_allows = !metadata.is_empty() && metadata.iter().all(|p| p.allows(version));
    for pin in pins.iter().filter(|p| !p.allows(version)) {
        let (source, requirement) = (&pin.source, &pin.requirement);
        if pin.kind == PinKind::Development && metadata_allows {
            let allowed: Vec<String> = metadata
                .iter()
                .map(|m| format!("{} `{}`", m.source, m.requirement))
                .collect();
            warnings.push(format!(
                "{source} is `{requirement}`, narrower than {}, which admits Python {version}: the image runs {version}; test on it, or set {source} to {}",
                allowed.join(" and "),
                version::major_minor(version)
            ));
            continue;
        }
        return Err(fail(
            format!(
                "{source} is `{requirement}`, which excludes Python {version}: {image} carries Debian's CPython {version} only, and a virtual environment must be built by the interpreter that runs it"
            ),
            format!(
                "allow {} in {source} (test the project on it first), or keep a Python {requirement} image outside this tool",
                version::major_minor(version)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystems::python::detect::{AppObject, MainPackage, ScriptInfo};
    use crate::ecosystems::python::version::Version;
    use crate::settings::{AptRequest, Settings};

    /// A project with nothing detected; each test adds what it needs.
    fn project() -> PythonProject {
        PythonProject {
            root: "/p".into(),
            name: "app".into(),
            version: Version::Declared("1.2.0".into()),
            description: None,
            license: None,
            repository: None,
            installer: Installer::Nothing,
            installable: false,
            scripts: vec![],
            main_packages: vec![],
            root_scripts: vec![],
            script_info: vec![],
            dependency_names: vec![],
            python_requirements: vec![],
            settings: Settings::default(),
            entrypoint: None,
            choices: Default::default(),
            compile_exclude: vec![],
            exclude: vec![],
            writable: vec![],
            build_commands: None,
            django: None,
            config_origin: "[tool.distroless] of pyproject.toml".into(),
            uv_member: None,
        }
    }

    fn root_script(p: &mut PythonProject, file: &str, main_guard: bool, app: Option<(&str, bool)>) {
        p.root_scripts.push(file.into());
        p.script_info.push(ScriptInfo {
            file: file.into(),
            main_guard,
            app: app.map(|(framework, asgi)| AppObject {
                name: "app".into(),
                framework: framework.into(),
                asgi,
            }),
        });
    }

    fn image(p: &PythonProject) -> crate::context::Binary {
        plan(p, &ProjectSettings::default(), true)
            .unwrap()
            .context
            .binaries
            .remove(0)
    }

    fn error(p: &PythonProject) -> String {
        crate::error::format(&plan(p, &ProjectSettings::default(), true).unwrap_err())
    }

    fn django(static_root_in: Option<&str>) -> crate::ecosystems::python::django::Django {
        crate::ecosystems::python::django::Django {
            settings: Some("site.settings".into()),
            static_root_in: static_root_in.map(String::from),
            wsgi: Some("site.wsgi".into()),
        }
    }

    #[test]
    fn build_commands_configured_or_djangos_collectstatic() {
        let commands = |p: &PythonProject| -> Vec<(String, String)> {
            let ctx = plan(p, &ProjectSettings::default(), false).unwrap().context;
            let commands = ctx.section.value["build_commands"].as_array().cloned();
            commands
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    (
                        c["shell"].as_str().unwrap().into(),
                        c["why"].as_str().unwrap().into(),
                    )
                })
                .collect()
        };
        let mut p = project();
        root_script(&mut p, "manage.py", false, None);
        assert!(commands(&p).is_empty(), "no Django, no commands");
        p.django = Some(django(None));
        assert!(
            commands(&p).is_empty(),
            "no STATIC_ROOT, nothing to collect"
        );
        p.django = Some(django(Some("site/settings.py")));
        assert_eq!(
            commands(&p),
            [(
                "python manage.py collectstatic --noinput".to_string(),
                "Django's static files, collected into STATIC_ROOT, which site/settings.py assigns"
                    .to_string()
            )]
        );
        p.build_commands = Some(vec![vec![
            "python".into(),
            "-c".into(),
            "print('it''s')".into(),
        ]]);
        assert_eq!(
            commands(&p),
            [(
                r#"python -c 'print('\''it'\'''\''s'\'')'"#.to_string(),
                "`build-commands` in [tool.distroless] of pyproject.toml".to_string()
            )]
        );
        p.build_commands = Some(vec![]);
        assert!(commands(&p).is_empty(), "an empty list turns detection off");
    }

    #[test]
    fn entrypoint_in_the_readme_order() {
        /// What the case is, how to set the project up, and the expected
        /// entrypoint, `CMD` and exposed ports.
        type Case = (
            &'static str,
            fn(&mut PythonProject),
            &'static [&'static str],
            &'static [&'static str],
            &'static [u16],
        );
        let cases: &[Case] = &[
            (
                "configured",
                |p| {
                    p.entrypoint = Some(vec!["/venv/bin/gunicorn".into(), "app:app".into()]);
                    p.scripts = vec!["cli".into()];
                    p.installable = true;
                },
                &["/venv/bin/gunicorn", "app:app"],
                &[],
                &[],
            ),
            (
                "one console script",
                |p| {
                    p.scripts = vec!["serve".into()];
                    p.installable = true;
                },
                &["/venv/bin/serve"],
                &[],
                &[],
            ),
            (
                "a package's __main__",
                |p| {
                    p.main_packages = vec![MainPackage {
                        name: "app".into(),
                        in_src: false,
                    }]
                },
                &["/venv/bin/python", "-m", "app"],
                &[],
                &[],
            ),
            (
                "a script that runs itself",
                |p| root_script(p, "main.py", true, None),
                &["/venv/bin/python", "/app/main.py"],
                &[],
                &[],
            ),
            (
                "Flask served by gunicorn",
                |p| {
                    root_script(p, "app.py", false, Some(("Flask", false)));
                    p.dependency_names = vec!["flask".into(), "gunicorn".into()];
                },
                &["/venv/bin/gunicorn", "--bind", "0.0.0.0:8000", "app:app"],
                &[],
                &[8000],
            ),
            (
                "Flask alone",
                |p| root_script(p, "app.py", false, Some(("Flask", false))),
                &[
                    "/venv/bin/flask",
                    "--app",
                    "app:app",
                    "run",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    "8000",
                ],
                &[],
                &[8000],
            ),
            (
                "FastAPI on the configured port",
                |p| {
                    root_script(p, "main.py", false, Some(("FastAPI", true)));
                    p.dependency_names = vec!["fastapi".into(), "uvicorn".into()];
                    p.settings.ports = vec![9000];
                },
                &[
                    "/venv/bin/uvicorn",
                    "main:app",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    "9000",
                ],
                &[],
                &[9000],
            ),
            (
                "Django's manage.py",
                |p| root_script(p, "manage.py", false, None),
                &["/venv/bin/python", "/app/manage.py"],
                &["runserver", "0.0.0.0:8000", "--noreload"],
                &[8000],
            ),
            (
                "Django with gunicorn",
                |p| {
                    root_script(p, "manage.py", false, None);
                    p.dependency_names = vec!["django".into(), "gunicorn".into()];
                    p.django = Some(django(Some("site/settings.py")));
                },
                &[
                    "/venv/bin/gunicorn",
                    "--chdir",
                    "/app",
                    "--bind",
                    "0.0.0.0:8000",
                    "site.wsgi",
                ],
                &[],
                &[8000],
            ),
        ];
        for (what, setup, entrypoint, args, ports) in cases {
            let mut p = project();
            setup(&mut p);
            let b = image(&p);
            assert_eq!(b.entrypoint, *entrypoint, "{what}");
            assert_eq!(b.args, *args, "{what}");
            assert_eq!(b.ports, *ports, "{what}");
            assert_eq!(b.path, entrypoint[0], "{what}");
        }
    }

    #[test]
    fn a_package_under_src_that_is_not_installed_gets_pythonpath() {
        let mut p = project();
        p.main_packages = vec![MainPackage {
            name: "app".into(),
            in_src: true,
        }];
        let env = image(&p).env;
        assert!(
            env.contains(&EnvVar::new("PYTHONPATH", "/app/src")),
            "{env:?}"
        );
        p.installable = true;
        let env = image(&p).env;
        assert!(!env.iter().any(|e| e.name == "PYTHONPATH"), "{env:?}");
    }

    #[test]
    fn entrypoint_errors_name_the_setting_and_the_choices() {
        let mut p = project();
        let text = error(&p);
        assert!(
            text.contains("no entrypoint found in /p")
                && text.contains("set `entrypoint` in [tool.distroless] of pyproject.toml"),
            "{text}"
        );
        p.installable = true;
        p.scripts = vec!["a".into(), "b".into()];
        let text = error(&p);
        assert!(
            text.contains("several console scripts in [project.scripts]: a, b"),
            "{text}"
        );
        p.entrypoint = Some(vec!["gunicorn".into()]);
        let text = error(&p);
        assert!(
            text.contains(
                "`entrypoint` in [tool.distroless] of pyproject.toml must be a list starting with an absolute path"
            ),
            "{text}"
        );
    }

    #[test]
    fn each_installer_copies_its_manifests_and_installs_from_them() {
        let cases: &[(Installer, &str, &[&str], &str)] = &[
            (
                Installer::Requirements {
                    files: vec!["requirements.txt".into(), "base.txt".into()],
                    hashes: true,
                },
                "requirements",
                &["requirements.txt", "base.txt"],
                "/venv/bin/pip install --require-hashes -r requirements.txt",
            ),
            (
                Installer::Uv,
                "uv",
                &["pyproject.toml", "uv.lock"],
                "/opt/uv/bin/uv sync --frozen --no-dev --no-install-project",
            ),
            (
                Installer::Poetry,
                "poetry",
                &["pyproject.toml", "poetry.lock"],
                "/opt/poetry/bin/poetry install --only main --no-root",
            ),
            (
                Installer::Pyproject {
                    dependencies: vec!["flask>=3".into(), "it's".into()],
                },
                "pyproject",
                &[],
                "/venv/bin/pip install 'flask>=3' 'it'\\''s'",
            ),
        ];
        for (installer, name, manifests, install) in cases {
            let mut p = project();
            p.installer = installer.clone();
            root_script(&mut p, "main.py", true, None);
            let planned = plan(&p, &ProjectSettings::default(), true).unwrap();
            let py = &planned.context.section.value;
            assert_eq!(py["installer"], *name);
            assert_eq!(py["manifests"], serde_json::json!(manifests), "{name}");
            assert_eq!(py["install_command"], *install, "{name}");
            assert_eq!(
                planned.warnings.iter().any(|w| w.contains("no lockfile")),
                *name == "pyproject",
                "{name}"
            );
        }
    }

    #[test]
    fn an_installable_project_is_installed_after_its_dependencies() {
        let mut p = project();
        p.installable = true;
        p.scripts = vec!["serve".into()];
        p.installer = Installer::Uv;
        let py = plan(&p, &ProjectSettings::default(), true)
            .unwrap()
            .context
            .section
            .value;
        assert_eq!(
            py["project_command"],
            "/opt/uv/bin/uv sync --frozen --no-dev --no-editable"
        );
        p.installer = Installer::Poetry;
        let py = plan(&p, &ProjectSettings::default(), true)
            .unwrap()
            .context
            .section
            .value;
        assert_eq!(py["project_command"], "/venv/bin/pip install --no-deps .");
    }

    #[test]
    fn python_pins_that_exclude_the_runtime_stop_with_the_source() {
        for (source, pin, ok) in [
            ("requires-python in pyproject.toml", ">=3.14", false),
            ("requires-python in pyproject.toml", ">=3.10", true),
            (".python-version", "3.12", false),
            (".python-version", "3.13", true),
        ] {
            let mut p = project();
            root_script(&mut p, "main.py", true, None);
            let kind = if source == ".python-version" {
                crate::ecosystems::python::pins::PinKind::Development
            } else {
                crate::ecosystems::python::pins::PinKind::Specifier
            };
            p.python_requirements = vec![crate::ecosystems::python::pins::PythonPin {
                source: source.into(),
                requirement: pin.into(),
                kind,
            }];
            match plan(&p, &ProjectSettings::default(), true) {
                Ok(_) => assert!(ok, "{source} {pin}"),
                Err(err) => {
                    let text = crate::error::format(&err);
                    assert!(!ok, "{source} {pin}: {text}");
                    assert!(
                        text.contains(&format!(
                            "{source} is `{pin}`, which excludes Python 3.13.5"
                        )),
                        "{text}"
                    );
                    assert!(text.contains("hint: allow 3.13 in"), "{text}");
                }
            }
        }
    }

    #[test]
    fn settings_reach_the_image_and_the_builder() {
        let mut p = project();
        root_script(&mut p, "main.py", true, None);
        p.settings.env.insert("PYTHONUNBUFFERED".into(), "0".into());
        p.settings.env.insert("MODE".into(), "prod".into());
        p.settings.args = Some(vec!["--fast".into()]);
        p.settings.apt = vec![AptRequest {
            name: "libpq-dev".into(),
            origin: "distroless.toml".into(),
        }];
        let ctx = plan(&p, &ProjectSettings::default(), true).unwrap().context;
        let b = &ctx.binaries[0];
        assert_eq!(b.args, ["--fast"]);
        assert!(b.env.contains(&EnvVar::new("PYTHONUNBUFFERED", "0")));
        assert!(!b.env.contains(&EnvVar::new("PYTHONUNBUFFERED", "1")));
        assert!(b.env.contains(&EnvVar::new("MODE", "prod")));
        let packages: Vec<(&str, &str)> = ctx
            .builder
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            packages,
            [
                ("ca-certificates", "TLS to the package index"),
                ("libpq-dev", "`apt` in distroless.toml"),
                (
                    "python3-venv",
                    "Debian's CPython 3.13.5, the runtime's own interpreter"
                ),
            ]
        );
        assert_eq!(
            ctx.runtime.image,
            "gcr.io/distroless/python3-debian13:nonroot"
        );
        assert_eq!(ctx.builder.image, "debian:13-slim");
    }

    #[test]
    fn compile_exclusions_become_one_quoted_expression() {
        assert_eq!(compile_exclude(&[]), None);
        assert_eq!(
            compile_exclude(&["templates".into(), "scripts/legacy.py".into()]).as_deref(),
            Some("'^/app/(templates|scripts/legacy\\.py)(/|$)'")
        );
    }

    #[test]
    fn a_version_less_project_gets_no_version_label_or_tag() {
        let mut p = project();
        p.version = Version::Unknown("no version is declared".into());
        root_script(&mut p, "main.py", true, None);
        let b = image(&p);
        assert_eq!(b.tags, ["app:latest"]);
        assert_eq!(b.version, None);
        assert!(
            !b.labels
                .iter()
                .any(|l| l.key == "org.opencontainers.image.version")
        );
    }
}
