//! Python project → Plan: Debian's own CPython in the builder (the very
//! interpreter python3-debian13 carries), a virtual environment at a fixed
//! path copied whole, dependencies installed by the project's own tool.

use schemars::JsonSchema;
use serde::Serialize;

use super::{
    AptPackage, Binary, Builder, EnvVar, Generator, Plan, Planned, Runtime, dockerignore,
    image_tags, labels, stage_name,
};
use crate::config::APP_DIR;
use crate::detect::python::{Installer, PythonProject};
use crate::error::fail;
use crate::images::{self, NONROOT_UID, Variant};

/// The uv release the builder installs for uv.lock projects.
pub const UV_VERSION: &str = "0.13.9";
/// The Poetry release the builder installs for poetry.lock projects.
pub const POETRY_VERSION: &str = "2.5.1";

/// The port a server chosen by the tool listens on unless `port` says otherwise.
pub const DEFAULT_PORT: u16 = 8000;

/// Where the virtual environment lives, in the builder and in the image.
pub const VENV: &str = "/venv";

/// How the Python environment is built.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PythonBuild {
    /// CPython of builder and runtime, e.g. `3.13.5`.
    pub version: String,
    /// `requirements`, `uv`, `poetry`, `pipenv`, `pyproject` or `none`.
    pub installer: String,
    /// The virtual environment's path.
    pub venv: &'static str,
    /// Files copied (each to the same path) before dependencies are installed.
    pub manifests: Vec<String>,
    /// Environment for the builder's tools (trust store, caches, paths).
    pub builder_env: Vec<EnvVar>,
    /// Installs the pinned installer (uv, Poetry), if one is needed.
    pub tool_command: Option<String>,
    /// Installs the dependencies, in a layer of their own; none without any.
    pub install_command: Option<String>,
    /// The installer's cache directory, kept as a cache mount.
    pub cache_dir: String,
    /// Installs the project itself after its source is copied, if it is a package.
    pub project_command: Option<String>,
}

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
pub fn plan(project: &PythonProject) -> anyhow::Result<Planned> {
    let mut warnings = Vec::new();
    let distro =
        images::distro(images::DEFAULT_DISTRO).expect("default distro is in the catalogue");
    let family = images::runtime("python3").expect("python3 is in the catalogue");
    let version = distro.python.expect("the default distro has python3");
    check_python(
        project,
        version,
        &images::runtime_image(family, distro, Variant::Nonroot),
    )?;

    let mut env = vec![
        env_var("VIRTUAL_ENV", VENV),
        env_var(
            "PATH",
            &format!("{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ),
        env_var("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ];
    let Steps {
        name,
        manifests,
        tool,
        install,
        cache,
        project_cmd,
    } = steps(project, &mut env, &mut warnings);
    let cfg = &project.config;
    // Where settings live, for messages: the file in use, else both choices.
    let origin = project
        .config_file
        .as_deref()
        .unwrap_or("[tool.distroless] of pyproject.toml (or distroless.toml)");
    let (table, file) = if project.config_file.as_deref() == Some("distroless.toml") {
        ("the top-level table", "distroless.toml")
    } else {
        ("[tool.distroless]", "pyproject.toml")
    };
    let settings = crate::config::settings(
        None,
        (
            &crate::config::Config {
                port: cfg.port.clone(),
                env: cfg.env.clone(),
                include: cfg.include.clone(),
                ..Default::default()
            },
            &crate::config::Origin {
                table,
                file,
                dir: "",
            },
        ),
        &project.root,
    )?;
    let port = settings.ports.first().copied().unwrap_or(DEFAULT_PORT);
    let (entrypoint, default_args, extra_env) = entrypoint(project, origin, port)?;
    // A server this tool chose listens on `port`: expose it.
    let mut ports = settings.ports.clone();
    if ports.is_empty()
        && (entrypoint[0] != format!("{VENV}/bin/python") || !default_args.is_empty())
    {
        ports.push(port);
    }
    let mut packages = vec![
        AptPackage {
            name: "ca-certificates".into(),
            reason: "TLS to the package index".into(),
        },
        AptPackage {
            name: "python3-venv".into(),
            reason: format!("Debian's CPython {version}, the runtime's own interpreter"),
        },
    ];
    for name in cfg.apt.iter().flatten() {
        if !packages.iter().any(|p| &p.name == name) {
            packages.push(AptPackage {
                name: name.clone(),
                reason: format!("`apt` in {origin}"),
            });
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));

    let stage = stage_name(&project.name);
    let project_version = project.version.clone().unwrap_or_else(|| "0.0.0".into());
    let labels = labels(
        &project.name,
        &project_version,
        [&project.description, &project.license, &project.repository],
    );
    let mut app_env = vec![
        env_var("PYTHONUNBUFFERED", "1"),
        env_var("PYTHONDONTWRITEBYTECODE", "1"),
    ];
    app_env.extend(extra_env);
    for (k, v) in &settings.env {
        app_env.retain(|e| &e.name != k);
        app_env.push(env_var(k, v));
    }
    // The whole filtered source is copied into /app; `include` only admits
    // paths that .dockerignore would otherwise drop.
    let mut keep: Vec<String> = settings.include.iter().map(|i| i.src.clone()).collect();
    keep.sort();
    let args = cfg.args.clone().unwrap_or(default_args);
    let binary = Binary {
        name: project.name.clone(),
        stage: stage.clone(),
        package: project.name.clone(),
        version: project_version.clone(),
        tags: image_tags(&stage, &project_version),
        path: entrypoint[0].clone(),
        entrypoint,
        default: true,
        ports,
        env: app_env,
        include: Vec::new(),
        args,
        labels,
    };

    let plan = Plan {
        generator: Generator::ours(),
        ecosystem: "python",
        project: stage,
        builder: Builder {
            image: images::debian_slim(distro),
            stage: "builder".into(),
            workdir: APP_DIR,
            out_dir: "/out",
            packages,
        },
        runtime: Runtime {
            image: images::runtime_image(family, distro, Variant::Nonroot),
            family: family.name,
            distro: distro.id,
            user: format!("{NONROOT_UID}:{NONROOT_UID}"),
            workdir: APP_DIR,
            tag: Variant::Nonroot.tag(),
            libraries: family.libraries(distro).join(" "),
        },
        rust: None,
        python: Some(PythonBuild {
            version: version.to_string(),
            installer: name.to_string(),
            venv: VENV,
            manifests,
            builder_env: env,
            tool_command: tool,
            install_command: install,
            cache_dir: cache.to_string(),
            project_command: project_cmd,
        }),
        binaries: vec![binary],
        dockerignore: dockerignore(None, PYTHON_IGNORES),
        dockerignore_keep: keep,
        notes: Vec::new(),
        bake: false,
    };
    let explanation = vec![
        format!(
            "project: {} at {} (Python, installed with {name})",
            project.name,
            project.root.display()
        ),
        format!(
            "builder: {}: Debian's CPython {version}, the interpreter {} carries",
            plan.builder.image, plan.runtime.image
        ),
        format!(
            "entrypoint: {}",
            serde_json::to_string(&plan.binaries[0].entrypoint).unwrap_or_default()
        ),
    ];
    Ok(Planned {
        plan,
        warnings,
        explanation,
    })
}

/// How the environment gets built: the installer and its commands.
struct Steps {
    name: &'static str,
    manifests: Vec<String>,
    tool: Option<String>,
    install: Option<String>,
    cache: &'static str,
    project_cmd: Option<String>,
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
                name: "requirements",
                manifests: files.clone(),
                tool: None,
                install: Some(format!("{pip} install{hashes} -r {}", files[0])),
                cache: "/root/.cache/pip",
                project_cmd: pip_project,
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
                env.push(env_var(k, v));
            }
            Steps {
                name: "uv",
                manifests: vec!["pyproject.toml".into(), "uv.lock".into()],
                tool: Some(format!(
                    "python3 -m venv /opt/uv && /opt/uv/bin/pip install uv=={UV_VERSION}"
                )),
                install: Some("/opt/uv/bin/uv sync --frozen --no-dev --no-install-project".into()),
                cache: "/root/.cache/uv",
                project_cmd: project
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
                env.push(env_var(k, v));
            }
            Steps {
                name: "poetry",
                manifests: vec!["pyproject.toml".into(), "poetry.lock".into()],
                tool: Some(format!(
                    "python3 -m venv /opt/poetry && /opt/poetry/bin/pip install poetry=={POETRY_VERSION}"
                )),
                install: Some("/opt/poetry/bin/poetry install --only main --no-root".into()),
                cache: "/root/.cache/pypoetry",
                project_cmd: pip_project,
            }
        }
        Installer::Pipenv => Steps {
            name: "pipenv",
            manifests: vec!["Pipfile.lock".into()],
            tool: None,
            install: Some(format!(
                "python3 -c {} > /tmp/requirements.txt && {pip} install --require-hashes -r /tmp/requirements.txt",
                shell_quote(PIPFILE_TO_REQUIREMENTS)
            )),
            cache: "/root/.cache/pip",
            project_cmd: pip_project,
        },
        Installer::Pyproject { dependencies } => {
            warnings.push(
                "no lockfile: dependencies are resolved afresh at each build; lock them (uv lock, poetry lock, or a requirements file with hashes) for reproducible images".into(),
            );
            let deps: Vec<String> = dependencies.iter().map(|d| shell_quote(d)).collect();
            Steps {
                name: "pyproject",
                manifests: Vec::new(),
                tool: None,
                install: Some(format!("{pip} install {}", deps.join(" "))),
                cache: "/root/.cache/pip",
                project_cmd: pip_project,
            }
        }
        Installer::Nothing => Steps {
            name: "none",
            manifests: Vec::new(),
            tool: None,
            install: None,
            cache: "/root/.cache/pip",
            project_cmd: pip_project,
        },
    }
}

fn env_var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: value.to_string(),
    }
}

/// Turns Pipfile.lock's default packages into hashed requirement lines.
const PIPFILE_TO_REQUIREMENTS: &str = r#"import json; lock = json.load(open("Pipfile.lock"))["default"]; print("\n".join(n + p.get("version", "") + ("; " + p["markers"] if p.get("markers") else "") + "".join(" --hash=" + h for h in p.get("hashes", [])) for n, p in sorted(lock.items())))"#;

/// The entrypoint, default arguments and extra environment, in the order the
/// README gives: configured, a single console script, a package's
/// `__main__`, a script at the root.
fn entrypoint(
    project: &PythonProject,
    origin: &str,
    port: u16,
) -> anyhow::Result<(Vec<String>, Vec<String>, Vec<EnvVar>)> {
    let python = format!("{VENV}/bin/python");
    if let Some(ep) = &project.config.entrypoint {
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
    if !project.main_packages.is_empty() {
        if project.main_packages.len() > 1 {
            return Err(ambiguous(
                "packages with a __main__.py",
                &project.main_packages,
            ));
        }
        let pkg = &project.main_packages[0];
        let in_src = project
            .root
            .join("src")
            .join(pkg)
            .join("__main__.py")
            .is_file();
        let env = if in_src && !project.installable {
            vec![env_var("PYTHONPATH", &format!("{APP_DIR}/src"))]
        } else {
            Vec::new()
        };
        return Ok((vec![python, "-m".into(), pkg.clone()], Vec::new(), env));
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
fn check_python(project: &PythonProject, version: &str, image: &str) -> anyhow::Result<()> {
    for (source, requirement) in &project.python_requirements {
        let ok = if source == ".python-version" {
            python_version_file_allows(requirement, version)
        } else {
            specifier_allows(requirement, version)
        };
        if !ok {
            return Err(fail(
                format!(
                    "{source} is `{requirement}`, which excludes Python {version}: {image} carries Debian's CPython {version} only, and a virtual environment must be built by the interpreter that runs it"
                ),
                format!(
                    "allow {} in {source} (test the project on it first), or keep a Python {requirement} image outside this tool",
                    &version[..version.rfind('.').unwrap_or(version.len())]
                ),
            ));
        }
    }
    Ok(())
}

fn parse(v: &str) -> Vec<u64> {
    v.trim()
        .trim_end_matches(".*")
        .split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect()
}

fn cmp(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The version just above every version with this prefix: [3, 12] → [3, 13].
fn bump(prefix: &[u64]) -> Vec<u64> {
    let mut upper = prefix.to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    upper
}

/// PEP 440 specifiers (`>=3.10,<3.14`, `~=3.11`, `==3.13.*`) and Poetry's
/// (`^3.11`, `~3.12`, `3.13.*`, `||`), evaluated for one version.
pub fn specifier_allows(spec: &str, version: &str) -> bool {
    let v = parse(version);
    spec.split("||").any(|alt| {
        alt.split(',')
            .flat_map(|s| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .chunks(1)
                    .map(|c| c[0].to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|c| !c.is_empty())
            .all(|clause| {
                let clause = clause.trim();
                let (op, rest) = ["===", "~=", "==", "!=", "<=", ">=", "<", ">", "^", "~", "="]
                    .iter()
                    .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
                    .unwrap_or(("==", clause));
                if rest == "*" {
                    return true;
                }
                let wildcard = rest.ends_with(".*");
                let r = parse(rest);
                let prefix_eq = || v.iter().zip(&r).all(|(a, b)| a == b);
                use std::cmp::Ordering::*;
                match op {
                    "==" | "===" | "=" if wildcard => prefix_eq(),
                    "==" | "===" | "=" => {
                        cmp(&v, &r) == Equal || (r.len() < 3 && prefix_eq() && op == "=")
                    }
                    "!=" if wildcard => !prefix_eq(),
                    "!=" => cmp(&v, &r) != Equal,
                    "<=" => cmp(&v, &r) != Greater,
                    ">=" => cmp(&v, &r) != Less,
                    "<" => cmp(&v, &r) == Less,
                    ">" => cmp(&v, &r) == Greater,
                    // ~=X.Y means >=X.Y,==X.*; ~=X.Y.Z means >=X.Y.Z,==X.Y.*
                    "~=" => {
                        cmp(&v, &r) != Less
                            && cmp(&v, &bump(&r[..r.len().saturating_sub(1).max(1)])) == Less
                    }
                    "^" => {
                        let i = r
                            .iter()
                            .position(|x| *x != 0)
                            .unwrap_or(r.len().saturating_sub(1));
                        let mut upper = r[..=i].to_vec();
                        upper[i] += 1;
                        cmp(&v, &r) != Less && cmp(&v, &upper) == Less
                    }
                    "~" => cmp(&v, &r) != Less && cmp(&v, &bump(&r[..r.len().min(2)])) == Less,
                    _ => true,
                }
            })
    })
}

/// `.python-version` names a version (`3.12`, `3.13.1`, `cpython-3.13`):
/// it allows ours when it is a prefix of it.
fn python_version_file_allows(text: &str, version: &str) -> bool {
    let wanted = text
        .trim()
        .trim_start_matches("cpython-")
        .trim_start_matches("python");
    if !wanted.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let (w, v) = (parse(wanted), parse(version));
    w.iter().zip(&v).all(|(a, b)| a == b) && w.len() <= v.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_and_poetry_specifiers() {
        for (spec, ok) in [
            (">=3.9", true),
            (">=3.9,<3.13", false),
            (">=3.10, <4", true),
            ("~=3.11", true),
            ("~=3.12.0", false),
            ("==3.13.*", true),
            ("==3.12.*", false),
            ("!=3.13.*", false),
            ("^3.11", true),
            ("~3.12", false),
            ("~3.13", true),
            ("3.13.*", true),
            (">=3.14", false),
            ("^3.8 || ^3.13", true),
            ("*", true),
        ] {
            assert_eq!(specifier_allows(spec, "3.13.5"), ok, "{spec}");
        }
    }

    #[test]
    fn python_version_files() {
        assert!(python_version_file_allows("3.13", "3.13.5"));
        assert!(python_version_file_allows("3.13.5", "3.13.5"));
        assert!(python_version_file_allows("cpython-3.13", "3.13.5"));
        assert!(!python_version_file_allows("3.12", "3.13.5"));
        assert!(!python_version_file_allows("3.13.6", "3.13.5"));
        assert!(!python_version_file_allows("pypy3.10", "3.13.5"));
    }
}
