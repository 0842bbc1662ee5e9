//! Reads a Python project: requirements files, PEP 621 / Poetry
//! `pyproject.toml`, `uv.lock`, `poetry.lock`, `Pipfile.lock`, and its
//! configuration. Read as text, offline; every file is read here, so that
//! planning needs no disk.

use std::path::PathBuf;

use anyhow::Result;

pub use super::installer::Installer;

use super::config::{Looked, NO_CONFIG, read_config};
use super::locks::{check_pipfile_lock, check_uv_lock};
use super::requirements::{self, dep_name};
use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;
use crate::settings::{self, Settings};

/// A Python project as the plan needs it.
#[derive(Debug, Clone)]
pub struct PythonProject {
    pub root: PathBuf,
    pub name: String,
    pub version: super::version::Version,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub installer: Installer,
    /// Why the project itself is not a package to install, if it is not
    /// (it is one with a build backend, and in Poetry's package mode).
    pub not_installed: Option<NotInstalled>,
    /// The version control systems the installer fetches dependencies with.
    pub vcs: Vec<super::vcs::Vcs>,
    /// `[project.scripts]` (or Poetry's `[tool.poetry.scripts]`), sorted.
    pub scripts: Vec<String>,
    /// Top-level packages (also under `src/`) with a `__main__.py`, sorted.
    pub main_packages: Vec<MainPackage>,
    /// `app.py`, `main.py`, `manage.py` present at the root.
    pub root_scripts: Vec<String>,
    /// What each root script holds, in the same order.
    pub script_info: Vec<ScriptInfo>,
    /// Normalised names of the declared dependencies (`flask`, `uvicorn`…).
    pub dependency_names: Vec<String>,
    /// Where the Python version requirement came from, and the requirement.
    pub python_requirements: Vec<super::pins::PythonPin>,
    /// The shared settings, validated against the folder.
    pub settings: Settings,
    /// The configured `ENTRYPOINT`, if any.
    pub entrypoint: Option<Vec<String>>,
    /// The whole-project choices of the configuration (`compose`, `file`,
    /// `pin`, `mirror`), checked.
    pub choices: settings::ProjectSettings,
    /// `compile-exclude`: source paths not to byte-compile, checked.
    pub compile_exclude: Vec<String>,
    /// `exclude`: .dockerignore patterns the project adds, checked.
    pub exclude: Vec<String>,
    /// `writable`: folders under /app owned by the image's user, checked.
    pub writable: Vec<String>,
    /// `build-commands`, checked: `None` when not configured (then a
    /// Django project collects its static files), `Some([])` for none.
    pub build_commands: Option<Vec<Vec<String>>>,
    /// `python-version`, as configured (checked when the plan chooses).
    pub python_version: Option<String>,
    /// `runtime = "cc"`: the official image's CPython even for 3.13.
    pub runtime_cc: bool,
    /// A Django project: what its settings say.
    pub django: Option<super::django::Django>,
    /// Where the configuration is (or would be), for messages.
    pub config_origin: String,
    /// Where choices given as flags are recorded.
    pub config: crate::ecosystems::common::ConfigPlace,
    /// The uv workspace member this is, built from the workspace root.
    pub uv_member: Option<UvMember>,
}

impl PythonProject {
    /// The project itself is installed, and with it its console scripts.
    pub fn installable(&self) -> bool {
        self.not_installed.is_none()
    }
}

/// Why a project is not installed: uv, pip and Poetry then install its
/// dependencies only, and its console scripts do not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInstalled {
    /// pyproject.toml has no `[build-system]` with a `build-backend`.
    NoBackend,
    /// Poetry's `package-mode = false`.
    PoetryNonPackage,
}

impl NotInstalled {
    /// What keeps it from being installed.
    pub fn why(self) -> &'static str {
        match self {
            NotInstalled::NoBackend => "pyproject.toml has no [build-system] build-backend",
            NotInstalled::PoetryNonPackage => "[tool.poetry] sets package-mode = false",
        }
    }

    /// How to have it installed.
    pub fn fix(self) -> &'static str {
        match self {
            NotInstalled::NoBackend => {
                "add a [build-system] (e.g. requires = [\"hatchling\"], build-backend = \"hatchling.build\")"
            }
            NotInstalled::PoetryNonPackage => "remove `package-mode = false` from [tool.poetry]",
        }
    }
}

/// A member of a uv workspace: `root` is the workspace's, the metadata the
/// member's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvMember {
    /// The member's project name (`uv sync --package`).
    pub name: String,
    /// Its folder, relative to the root, with `/`.
    pub dir: String,
}

/// A package that runs with `python -m`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainPackage {
    pub name: String,
    /// It lives under `src/`, so a project that is not installed needs
    /// `src` on `PYTHONPATH`.
    pub in_src: bool,
}

/// A web application object a root script defines, e.g. `app = Flask(__name__)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppObject {
    /// The variable, e.g. `app`.
    pub name: String,
    /// The class, e.g. `Flask`, `FastAPI`.
    pub framework: String,
    /// Served through ASGI (FastAPI, Starlette, Quart, Litestar) rather than WSGI.
    pub asgi: bool,
}

/// What a root script is: runnable itself, or an app for a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInfo {
    pub file: String,
    /// It has an `if __name__ == "__main__":` block, so running it starts something.
    pub main_guard: bool,
    pub app: Option<AppObject>,
}

/// Reads a root script for a `__main__` block and an application object.
fn script_info(project: &Folder, file: &str) -> Result<ScriptInfo> {
    let text = project.read_optional(file)?.unwrap_or_default();
    let main_guard = text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("if __name__") && l.contains("__main__")
    });
    let app = text.lines().find_map(|line| {
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        let (name, value) = line.split_once('=')?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let call = value.trim();
        let class = call.split('(').next()?.rsplit('.').next()?.trim();
        let asgi = match class {
            "Flask" => false,
            "FastAPI" | "Starlette" | "Quart" | "Litestar" => true,
            _ => return None,
        };
        call.contains('(').then(|| AppObject {
            name: name.to_string(),
            framework: class.to_string(),
            asgi,
        })
    });
    Ok(ScriptInfo {
        file: file.to_string(),
        main_guard,
        app,
    })
}

/// The files that make a folder a Python project.
const MARKERS: &[&str] = &[
    "pyproject.toml",
    "requirements.txt",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "distroless.toml",
];

/// Whether the folder holds a Python project.
pub fn found(project: &Folder) -> bool {
    MARKERS.iter().any(|m| project.exists(m))
}

/// Whether the folder has a Python project file, not only the tool's own
/// `distroless.toml` (which another ecosystem's project may have).
pub fn found_project_files(project: &Folder) -> bool {
    MARKERS
        .iter()
        .any(|m| *m != "distroless.toml" && project.exists(m))
}

/// The files that make a folder a Python project, for messages.
pub const LOOKS_FOR: &str =
    "pyproject.toml, requirements.txt, uv.lock, poetry.lock or Pipfile.lock";

fn string(table: &toml::Table, path: &[&str]) -> Option<String> {
    let mut value = table.get(path[0])?;
    for key in &path[1..] {
        value = value.get(key)?;
    }
    value.as_str().map(String::from)
}

/// Reads the project in the folder: a uv workspace member (found from its
/// folder, or from a root with one member) is read from its own folder and
/// built from the workspace root. `looked`: the folder's files, as
/// detection parsed them.
pub fn read(project: &Folder, looked: Option<Looked>) -> Result<PythonProject> {
    let detected = looked.is_some();
    let looked = match looked {
        Some(looked) => looked,
        None => Looked::read(project)?,
    };
    match super::workspace::find(project, looked.pyproject.as_ref())? {
        None => read_folder(project, looked.pyproject.as_ref(), looked.own),
        // Found from the member's own folder: detection parsed its files.
        Some(ws) if detected && ws.root != project.root() => read_member(ws, Some(looked)),
        // Found at a root with one member, the member reads its own.
        Some(ws) => read_member(ws, None),
    }
}

/// A uv workspace member: its own metadata and configuration, the root's
/// lock (checked against its dependencies), the root as the build context.
/// `looked`: the member folder's files, when detection parsed them.
fn read_member(ws: super::workspace::Found, looked: Option<Looked>) -> Result<PythonProject> {
    let root = Folder::new(&ws.root);
    let member = Folder::within(ws.root.join(&ws.member), &ws.root);
    let Looked { pyproject, own } = match looked {
        Some(looked) => looked,
        None => Looked::read(&member)?,
    };
    let mut p = read_folder(&member, pyproject.as_ref(), own)?;
    let manifest = format!("{}/pyproject.toml", ws.member);
    if !p.installable() {
        return Err(fail(
            format!(
                "{} is a member of the uv workspace at {}, which is installed from the root's uv.lock as a package, and it has no [build-system]",
                member.path("pyproject.toml").display(),
                ws.root.display()
            ),
            "add a [build-system] (e.g. requires = [\"hatchling\"], build-backend = \"hatchling.build\") and a [project.scripts] entry to run",
        ));
    }
    let py = pyproject.unwrap_or_default();
    let lock = root.read_toml("uv.lock")?;
    if let Some(lock) = &lock {
        check_uv_lock(&root, lock, &manifest, &p.name, &pep621_dependencies(&py))?;
    }
    // The root's lock pins every member.
    p.python_requirements
        .extend(super::pins::uv_lock(lock.as_ref())?);
    p.installer = Installer::Uv;
    let locks = super::pins::Locks {
        uv: lock.as_ref(),
        pipfile: None,
        poetry: None,
    };
    p.vcs = super::vcs::needed(&p.installer, &[], &locks);
    // Paths were checked in the member's folder; the context is the root.
    let in_member = |path: &str| format!("{}/{path}", ws.member);
    for i in &mut p.settings.include {
        i.src = in_member(&i.src);
    }
    for path in p.compile_exclude.iter_mut().chain(&mut p.exclude) {
        *path = in_member(path);
    }
    p.uv_member = Some(UvMember {
        name: p.name.clone(),
        dir: ws.member,
    });
    p.root = ws.root;
    Ok(p)
}

/// `[project] dependencies`.
fn pep621_dependencies(py: &toml::Table) -> Vec<String> {
    py.get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the project in one folder, from its pyproject.toml (parsed) and
/// distroless.toml.
fn read_folder(
    project: &Folder,
    pyproject: Option<&toml::Table>,
    own: settings::OwnTable,
) -> Result<PythonProject> {
    let empty = toml::Table::new();
    let py = pyproject.unwrap_or(&empty);
    let poetry = py
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.as_table());
    let pep621 = py.get("project").and_then(|p| p.as_table());

    let folder = project
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    let declared = string(py, &["project", "name"])
        .map(|n| (n, "[project] name"))
        .or_else(|| {
            poetry
                .and_then(|p| p.get("name")?.as_str().map(String::from))
                .map(|n| (n, "[tool.poetry] name"))
        });
    let name = match declared {
        Some((name, key)) => {
            if let Err(rule) = grammar::pep508_name(&name) {
                return Err(fail(
                    format!(
                        "invalid {key} {name:?} in {}: {rule}",
                        project.path("pyproject.toml").display()
                    ),
                    "name the project as PyPI would accept it, e.g. name = \"my-service\"",
                ));
            }
            name
        }
        // The folder's name, made one a project could have.
        None => crate::grammar::image_repository(&folder),
    };
    let field = |key: &str| {
        string(py, &["project", key])
            .or_else(|| poetry.and_then(|p| p.get(key)?.as_str().map(String::from)))
    };
    let license = string(py, &["project", "license"])
        .or_else(|| string(py, &["project", "license", "text"]))
        .or_else(|| poetry.and_then(|p| p.get("license")?.as_str().map(String::from)));
    let repository = string(py, &["project", "urls", "Repository"])
        .or_else(|| string(py, &["project", "urls", "Source"]))
        .or_else(|| poetry.and_then(|p| p.get("repository")?.as_str().map(String::from)));

    let has_backend = py
        .get("build-system")
        .and_then(|b| b.get("build-backend"))
        .is_some();
    let poetry_package_mode = poetry
        .and_then(|p| p.get("package-mode"))
        .and_then(|v| v.as_bool())
        .unwrap_or(true);

    let dependencies = pep621_dependencies(py);
    for dependency in &dependencies {
        if let Err(why) = requirements::pep508(dependency) {
            return Err(fail(
                format!(
                    "{}: `{dependency}` in [project] dependencies is not a requirement: {why}",
                    project.path("pyproject.toml").display()
                ),
                requirements::PEP508_HINT,
            ));
        }
    }

    let mut dependency_names: Vec<String> = dependencies.iter().map(|d| dep_name(d)).collect();
    if let Some(deps) = poetry
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        dependency_names.extend(deps.keys().filter(|k| *k != "python").map(|k| dep_name(k)));
    }
    // Parsed once, for the names it pins and the check when it installs.
    let pipfile_lock = project
        .read_optional("Pipfile.lock")?
        .map(|text| serde_json::from_str::<serde_json::Value>(&text));
    if let Some(Ok(lock)) = &pipfile_lock
        && let Some(default) = lock.get("default").and_then(|d| d.as_object())
    {
        dependency_names.extend(default.keys().map(|k| dep_name(k)));
    }
    // Parsed once, for the check and for the Python version it pins.
    let uv_lock = project.read_toml("uv.lock")?;
    let mut in_requirements = Vec::new();
    let installer = if let Some(lock) = &uv_lock {
        check_uv_lock(project, lock, "pyproject.toml", &name, &dependencies)?;
        Installer::Uv
    } else if project.exists("poetry.lock") {
        Installer::Poetry
    } else if let Some(parsed) = &pipfile_lock {
        check_pipfile_lock(project, parsed)?;
        Installer::Pipenv
    } else if project.exists("requirements.txt") {
        let r = requirements::read(project, "requirements.txt")?;
        dependency_names.extend(r.names);
        in_requirements = r.vcs;
        Installer::Requirements {
            files: r.files,
            hashes: r.hashes,
            local: r.local,
        }
    } else if !dependencies.is_empty() {
        Installer::Pyproject { dependencies }
    } else {
        Installer::Nothing
    };
    let poetry_lock = project
        .read_optional("poetry.lock")?
        .and_then(|t| toml::from_str(&t).ok());
    let locks = super::pins::Locks {
        uv: uv_lock.as_ref(),
        pipfile: pipfile_lock.as_ref().and_then(|l| l.as_ref().ok()),
        poetry: poetry_lock.as_ref(),
    };
    let vcs = super::vcs::needed(&installer, &in_requirements, &locks);
    let not_installed = if !has_backend {
        Some(NotInstalled::NoBackend)
    } else if matches!(installer, Installer::Poetry) && !poetry_package_mode {
        Some(NotInstalled::PoetryNonPackage)
    } else {
        None
    };

    let mut scripts: Vec<String> = pep621
        .and_then(|p| p.get("scripts"))
        .or_else(|| poetry.and_then(|p| p.get("scripts")))
        .and_then(|s| s.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    scripts.sort();

    let python_requirements = super::pins::read(project, py, locks)?;

    let config = read_config(project, pyproject, own)?;
    let (settings, entrypoint, choices, config_origin) = match &config {
        Some(c) => (
            settings::resolve(None, (&c.shared, &c.origin), project.root())?,
            c.own.entrypoint.clone(),
            c.choices.clone(),
            c.origin.to_string(),
        ),
        None => (
            Settings::default(),
            None,
            settings::ProjectSettings::default(),
            NO_CONFIG.to_string(),
        ),
    };
    let config_place = super::config::record_place(config.as_ref(), project);
    if let (Some(ep), Some(c)) = (&entrypoint, &config) {
        if let Some(word) = ep.iter().find(|w| grammar::no_control(w).is_err()) {
            return Err(fail(
                format!(
                    "`entrypoint` in {} holds {word:?}: each word is one line, without control characters",
                    c.origin
                ),
                "write each argument as one word of the list, e.g. entrypoint = [\"/venv/bin/python\", \"-m\", \"app\"]",
            ));
        }
    }
    let mut compile_exclude = Vec::new();
    if let Some(c) = &config {
        for path in c.own.compile_exclude.iter().flatten() {
            grammar::project_path(path).map_err(|why| {
                fail(
                    format!(
                        "invalid `compile-exclude` entry {path:?} in {}: {why}",
                        c.origin
                    ),
                    "name a file or folder of the project, e.g. compile-exclude = [\"templates\"]",
                )
            })?;
            compile_exclude.push(path.trim_end_matches('/').to_string());
        }
    }
    let mut exclude = Vec::new();
    if let Some(c) = &config {
        for pattern in c.own.exclude.iter().flatten() {
            grammar::ignore_pattern(pattern)
                .and_then(|()| grammar::matchable_pattern(pattern))
                .map_err(|why| {
                fail(
                    format!(
                        "invalid `exclude` entry {pattern:?} in {}: {why}",
                        c.origin
                    ),
                    "give .dockerignore patterns of what the image must not hold, e.g. exclude = [\"notebooks/\", \"*.csv\"]",
                )
            })?;
            exclude.push(pattern.clone());
        }
    }
    let mut writable = Vec::new();
    if let Some(c) = &config {
        for path in c.own.writable.iter().flatten() {
            let whole = path.trim_matches('/');
            (whole != "." && !whole.is_empty())
                .then_some(())
                .ok_or("it names /app itself, which stays read-only")
                .and_then(|()| grammar::writable_path(path))
                .and_then(|()| {
                    (!project.path(path).is_file())
                        .then_some(())
                        .ok_or("it is a file: `writable` names folders the app writes into")
                })
                .map_err(|why| {
                    fail(
                        format!(
                            "invalid `writable` entry {path:?} in {}: {why}",
                            c.origin
                        ),
                        "name a folder under the project the app writes to, e.g. writable = [\"media\"]",
                    )
                })?;
            writable.push(path.trim_matches('/').to_string());
        }
        writable.sort();
        writable.dedup();
    }
    let runtime_cc = config
        .as_ref()
        .map(|c| c.own.runtime_cc(&c.origin.to_string()))
        .transpose()?
        .unwrap_or(false);
    let build_commands = match &config {
        Some(c) => c
            .own
            .build_commands
            .as_ref()
            .map(|commands| build_commands(commands, &c.origin.to_string()))
            .transpose()?,
        None => None,
    };

    dependency_names.sort();
    dependency_names.dedup();
    let django = super::django::detect(
        project,
        &dependency_names,
        settings
            .env
            .get("DJANGO_SETTINGS_MODULE")
            .map(String::as_str),
    )?;
    Ok(PythonProject {
        root: project.root().to_path_buf(),
        name,
        version: match field("version") {
            Some(v) => super::version::Version::Declared(v),
            None => super::version::dynamic(project, py).unwrap_or_else(|| {
                super::version::Version::Unknown("no version is declared".into())
            }),
        },
        description: field("description"),
        license,
        repository,
        installer,
        not_installed,
        vcs,
        scripts,
        main_packages: main_packages(project.root()),
        script_info: ["app.py", "main.py", "manage.py"]
            .into_iter()
            .filter(|f| project.exists(f))
            .map(|f| script_info(project, f))
            .collect::<Result<_>>()?,
        dependency_names,
        root_scripts: ["app.py", "main.py", "manage.py"]
            .into_iter()
            .filter(|f| project.exists(f))
            .map(String::from)
            .collect(),
        python_requirements,
        settings,
        entrypoint,
        choices,
        compile_exclude,
        exclude,
        writable,
        build_commands,
        python_version: config.as_ref().and_then(|c| c.own.python_version.clone()),
        runtime_cc,
        django,
        config_origin,
        config: config_place,
        uv_member: None,
    })
}

/// Checks `build-commands`: each a list of words, the first the program.
/// The words are shell-quoted into the builder's `RUN`, so any text is
/// safe but a line break, which a Dockerfile cannot carry in one.
fn build_commands(commands: &[Vec<String>], origin: &str) -> Result<Vec<Vec<String>>> {
    for (i, command) in commands.iter().enumerate() {
        let why = if command.is_empty() {
            Some("it is empty".to_string())
        } else if command[0].trim().is_empty() {
            Some("its first word, the program, is blank".to_string())
        } else {
            command
                .iter()
                .find(|w| w.contains(['\n', '\r', '\0']))
                .map(|w| format!("the word {w:?} holds a line break"))
        };
        if let Some(why) = why {
            return Err(fail(
                format!(
                    "invalid `build-commands` entry {} in {origin}: {why}",
                    i + 1
                ),
                "give each command as a list of words; they run in the builder's /app with the venv on PATH, e.g. build-commands = [[\"python\", \"manage.py\", \"collectstatic\", \"--noinput\"]]",
            ));
        }
    }
    Ok(commands.to_vec())
}

/// Packages with a `__main__.py`, at the root or under `src/`.
fn main_packages(root: &std::path::Path) -> Vec<MainPackage> {
    let mut found: Vec<MainPackage> = Vec::new();
    for (base, in_src) in [(root.to_path_buf(), false), (root.join("src"), true)] {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.join("__main__.py").is_file()
                && path.join("__init__.py").is_file()
                && !name.starts_with('.')
            {
                match found.iter_mut().find(|p| p.name == name) {
                    Some(p) => p.in_src |= in_src,
                    None => found.push(MainPackage { name, in_src }),
                }
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

#[cfg(test)]
pub(crate) mod tests;
