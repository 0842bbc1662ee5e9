//! How a Python image starts: the configured entrypoint, a console
//! script, a package's `__main__`, or a root script served by the server
//! the project depends on; and the signal that stops each at once.

use anyhow::Result;

use super::detect::PythonProject;
use crate::context::EnvVar;
use crate::error::fail;
use crate::layout::{APP_DIR, VENV};

/// How the image starts the application.
pub struct Start {
    /// It runs a file of the source, so the image needs `/app`.
    pub needs_source: bool,
    pub entrypoint: Vec<String>,
    /// The default `CMD`.
    pub args: Vec<String>,
    /// Environment the start needs.
    pub env: Vec<EnvVar>,
    /// A server the tool chose, which listens on the port.
    pub serves: bool,
    /// The signal that stops the program, when it is not SIGTERM.
    pub stop_signal: Option<&'static str>,
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
pub fn entrypoint(project: &PythonProject, port: u16) -> Result<Start> {
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
    if project.installable() && !project.scripts.is_empty() {
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
        let env = if pkg.in_src && !project.installable() {
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
    let example = format!("entrypoint = [\"{python}\", \"-m\", \"myapp\"]");
    // Console scripts are declared, but nothing installs them.
    let unbuilt = project
        .not_installed
        .filter(|_| !project.scripts.is_empty());
    match (project.root_scripts.as_slice(), unbuilt) {
        ([one], _) => Ok(serve_script(project, one, port)),
        ([], Some(reason)) => Err(fail(
            format!(
                "no entrypoint found in {}: console script `{}` is not installed, because {}",
                project.root.display(),
                project.scripts.join("`, `"),
                reason.why()
            ),
            format!("{}, or set `entrypoint` in {origin}", reason.fix()),
        )),
        ([], None) => Err(fail(
            format!(
                "no entrypoint found in {}: looked for a single [project.scripts] entry, a package with __main__.py, and app.py, main.py or manage.py",
                project.root.display()
            ),
            format!("set `entrypoint` in {origin}, e.g. {example}"),
        )),
        (many, _) => Err(ambiguous("scripts at the root", many)),
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
