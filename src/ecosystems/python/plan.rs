//! Python project → render context: Debian's own CPython in the builder
//! (the very interpreter python3-debian13 carries), a virtual environment at
//! a fixed path copied whole, dependencies installed by the project's own
//! tool. Pure: no I/O, so every decision is unit-tested here.

use anyhow::Result;

use super::detect::{Installer, PythonProject};
use super::entrypoint::Start;
use super::interpreters::Source;
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
    let interpreter = super::interpreters::choose(
        &project.python_requirements,
        project.python_version.as_deref(),
        project.runtime_cc,
        &project.config_origin,
    )?;
    let (distro, family) = (interpreter.distro, interpreter.family);
    let version = interpreter.version.as_str();
    let runtime = common::runtime(family, distro, Variant::Nonroot);
    check_python(project, &interpreter, &runtime.image, &mut warnings)?;

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
    } = super::entrypoint::entrypoint(project, port)?;
    let copy_source = !project.installable() || needs_source;
    if let Some(reason) = project
        .not_installed
        .filter(|_| project.entrypoint.is_none())
    {
        if !project.scripts.is_empty() {
            warnings.push(format!(
                "console script `{}` is not installed ({}): the image runs `{}` instead",
                project.scripts.join("`, `"),
                reason.why(),
                entrypoint.join(" ")
            ));
        }
    }
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
            .chain(
                (interpreter.source == Source::Debian)
                    .then(|| {
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
                    })
                    .into_iter()
                    .flatten(),
            )
            .chain(project.vcs.iter().map(|vcs| vcs.apt_need()))
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
    if interpreter.source == Source::Official {
        // As python3-debian13 sets it; and programs that embed Python
        // (uWSGI) find libpython where the official image keeps it.
        app_env.push(EnvVar::new("LANG", "C.UTF-8"));
        app_env.push(EnvVar::new("LD_LIBRARY_PATH", "/usr/local/lib"));
    }
    app_env.extend(extra_env);
    let app_env = common::image_env(app_env, settings);
    // The whole filtered source is copied into /app; `include` only admits
    // paths that .dockerignore would otherwise drop.
    let (keep, after_keep) = common::kept(settings, "the tool's configuration", &mut warnings);
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
        command: interpreter.command(),
        interpreter: interpreter.copied(),
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
        ecosystem: super::NAME,
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
        section: Section::new(super::NAME, &python),
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
        super::explain::explain(project, &context, &python, &interpreter, &apt)
    } else {
        Vec::new()
    };
    Ok(Planned {
        config: project.config.clone(),
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
            ..
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
        .installable()
        .then(|| format!("{pip} install --no-deps ."));
    match &project.installer {
        Installer::Requirements {
            files,
            hashes,
            local,
        } => {
            let hashes = if *hashes { " --require-hashes" } else { "" };
            Steps {
                manifests: files.iter().chain(local).cloned().collect(),
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
                    .installable()
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
    interpreter: &super::interpreters::Interpreter,
    image: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    use super::pins::PinKind;
    let version = interpreter.version.as_str();
    let pins = &project.python_requirements;
    // The metadata (every pin but a developer's interpreter) admits the runtime.
    let metadata: Vec<_> = pins
        .iter()
        .filter(|p| p.kind != PinKind::Development)
        .collect();
    let metadata_allows = !metadata.is_empty() && metadata.iter().all(|p| interpreter.admits(p));
    let keyed = project.python_version.is_some();
    for pin in pins.iter().filter(|p| !interpreter.admits(p)) {
        let (source, requirement) = (&pin.source, &pin.requirement);
        if pin.kind == PinKind::Development && (metadata_allows || keyed) {
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
                "{source} is `{requirement}`, which excludes Python {version}, the interpreter of {image} ({}), and a virtual environment must be built by the interpreter that runs it",
                interpreter.why
            ),
            format!(
                "allow {} in {source} (test the project on it first), or set `python-version` in {} to a version it admits",
                version::major_minor(version),
                project.config_origin
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
