//! Python project → render context: Debian's own CPython in the builder
//! (the very interpreter python3-debian13 carries), a virtual environment at
//! a fixed path copied whole, dependencies installed by the project's own
//! tool. Pure: no I/O, so every decision is unit-tested here.

use anyhow::Result;

use super::detect::{Installer, PythonProject};
use crate::context::{Binary, Builder, Context, EnvVar, Generator, PythonBuild};
use crate::ecosystems::common::{self, Need, Planned};
use crate::error::fail;
use crate::images::{self, Variant};
use crate::layout::{APP_DIR, OUT_DIR, VENV};
use crate::version;

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

/// Plans the Dockerfile for a Python project.
pub fn plan(project: &PythonProject) -> Result<Planned> {
    let mut warnings = Vec::new();
    let (distro, family) = images::python_runtime();
    let version = distro.python.unwrap_or_default();
    let runtime = common::runtime(family, distro, Variant::Nonroot);
    check_python(project, version, &runtime.image)?;

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
    let (entrypoint, default_args, extra_env) = entrypoint(project, port)?;
    // A server this tool chose listens on `port`: expose it.
    let mut ports = settings.ports.clone();
    if ports.is_empty()
        && (entrypoint[0] != format!("{VENV}/bin/python") || !default_args.is_empty())
    {
        ports.push(port);
    }
    let apt = common::apt_needs(
        [
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
        ]
        .into_iter()
        .chain(
            settings
                .apt
                .iter()
                .map(|a| (a.name.clone(), Need::Setting(a.origin.clone()))),
        ),
    );

    let stage = common::stage_name(&project.name);
    let project_version = project.version.clone().unwrap_or_else(|| "0.0.0".into());
    let labels = common::labels(
        &project.name,
        &project_version,
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
    let args = settings.args.clone().unwrap_or(default_args);
    let binary = Binary {
        name: project.name.clone(),
        stage: stage.clone(),
        package: project.name.clone(),
        version: project_version.clone(),
        tags: common::image_tags(&stage, &project_version),
        path: entrypoint[0].clone(),
        entrypoint,
        default: true,
        ports,
        env: app_env,
        include: Vec::new(),
        args,
        labels,
    };

    let installer = project.installer.name();
    let context = Context {
        context_version: crate::context::CONTEXT_VERSION,
        generator: Generator::ours(),
        ecosystem: "python",
        project: stage,
        builder: Builder {
            image: images::debian_slim(distro),
            stage: "builder".into(),
            workdir: APP_DIR,
            out_dir: OUT_DIR,
            packages: common::apt_context(&apt),
        },
        runtime,
        rust: None,
        python: Some(PythonBuild {
            version: version.to_string(),
            installer,
            venv: VENV,
            manifests: steps.manifests,
            builder_env: env,
            tool_command: steps.tool,
            install_command: steps.install,
            cache_dir: steps.cache,
            project_command: steps.project,
        }),
        binaries: vec![binary],
        dockerignore: common::dockerignore(PYTHON_IGNORES),
        dockerignore_keep: keep,
        notes: Vec::new(),
        bake: false,
    };
    let explanation = super::explain::explain(project, &context, &apt);
    Ok(Planned {
        build_summary: super::drift::build_summary(project, version),
        explanation,
        context,
        warnings,
    })
}

/// How the environment gets built: the installer's commands.
struct Steps {
    manifests: Vec<String>,
    tool: Option<String>,
    install: Option<String>,
    cache: &'static str,
    project: Option<String>,
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
            Steps {
                manifests: vec!["pyproject.toml".into(), "uv.lock".into()],
                tool: Some(format!(
                    "python3 -m venv /opt/uv && /opt/uv/bin/pip install uv=={UV_VERSION}"
                )),
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

/// The entrypoint, default arguments and extra environment, in the order the
/// README gives: configured, a single console script, a package's
/// `__main__`, a script at the root.
fn entrypoint(
    project: &PythonProject,
    port: u16,
) -> Result<(Vec<String>, Vec<String>, Vec<EnvVar>)> {
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
        return Ok((ep.clone(), Vec::new(), Vec::new()));
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
        return Ok((
            vec![format!("{VENV}/bin/{}", project.scripts[0])],
            Vec::new(),
            Vec::new(),
        ));
    }
    if let [pkg] = project.main_packages.as_slice() {
        let env = if pkg.in_src && !project.installable {
            vec![EnvVar::new("PYTHONPATH", &format!("{APP_DIR}/src"))]
        } else {
            Vec::new()
        };
        return Ok((vec![python, "-m".into(), pkg.name.clone()], Vec::new(), env));
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
fn serve_script(
    project: &PythonProject,
    file: &str,
    port: u16,
) -> (Vec<String>, Vec<String>, Vec<EnvVar>) {
    let python = format!("{VENV}/bin/python");
    let script = vec![python, format!("{APP_DIR}/{file}")];
    if file == "manage.py" {
        let args = vec![
            "runserver".to_string(),
            format!("0.0.0.0:{port}"),
            "--noreload".to_string(),
        ];
        return (script, args, Vec::new());
    }
    let info = project.script_info.iter().find(|i| i.file == file);
    let Some(app) = info.filter(|i| !i.main_guard).and_then(|i| i.app.as_ref()) else {
        return (script, Vec::new(), Vec::new());
    };
    let has = |name: &str| project.dependency_names.iter().any(|d| d == name);
    let target = format!("{}:{}", file.trim_end_matches(".py"), app.name);
    let bin = |tool: &str| format!("{VENV}/bin/{tool}");
    let port = port.to_string();
    let entry = if app.asgi && has("uvicorn") {
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
        script
    };
    (entry, Vec::new(), Vec::new())
}

/// Refuses a project whose Python requirement excludes the runtime's CPython.
fn check_python(project: &PythonProject, version: &str, image: &str) -> Result<()> {
    for (source, requirement) in &project.python_requirements {
        let ok = if source == ".python-version" {
            version::python_version_file_allows(requirement, version)
        } else {
            version::specifier_allows(requirement, version)
        };
        if !ok {
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
    }
    Ok(())
}
