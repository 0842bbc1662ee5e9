//! The Python section of the render context (`python.*`): read only by
//! the templates under `templates/python/`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::render::schema::SectionSchema;

/// The section's schema, for `templates`.
pub fn schema() -> SectionSchema {
    SectionSchema {
        name: "python",
        about: "How the Python environment is built (Python projects; null otherwise).",
        schema: schemars::schema_for!(PythonBuild),
    }
}

use crate::context::EnvVar;

/// How the Python environment is built.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PythonBuild {
    /// CPython of builder and runtime: `3.13.5` (Debian's), or the minor
    /// whose newest patch the official image carries (`3.11`).
    pub version: String,
    /// The interpreter's command in the builder: `python3`, `python3.11`.
    pub command: String,
    /// What the image copies of an interpreter the runtime lacks (any
    /// CPython but Debian's, on `cc`), or null.
    pub interpreter: Option<CopiedPython>,
    /// `requirements`, `uv`, `poetry`, `pipenv`, `pyproject` or `none`.
    pub installer: &'static str,
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
    /// What the dependencies are installed from, for the comment: e.g.
    /// `the lockfile uv.lock` or `requirements.txt, hash-checked`.
    pub dependencies_from: String,
    /// The installer's cache directory, kept as a cache mount.
    pub cache_dir: &'static str,
    /// Installs the project itself after its source is copied, if it is a package.
    pub project_command: Option<String>,
    /// `compileall -x`: a shell-quoted regular expression of the paths not
    /// meant to compile (the `compile-exclude` setting), or null.
    pub compile_exclude: Option<String>,
    /// Folders the app may write to (the `writable` setting), absolute:
    /// created in the builder and owned by the image's user in the final
    /// stage. Everything else stays root-owned.
    pub writable: Vec<String>,
    /// Commands the builder runs in its workdir after the install, with the
    /// venv on `PATH` (`build-commands`, or Django's `collectstatic`).
    pub build_commands: Vec<BuildCommand>,
    /// Whether the final stage copies the source (the builder's workdir):
    /// script projects run from it. An installed project's code is in the
    /// venv already, so its image gets the venv and `include` only.
    pub copy_source: bool,
}

/// A command the Python builder runs after the install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BuildCommand {
    /// Its words, exec form.
    pub argv: Vec<String>,
    /// The same words for the builder's `RUN`, each shell-quoted.
    pub shell: String,
    /// Why it runs: the setting, or what was detected.
    pub why: String,
}

/// An official image's CPython, copied into the runtime at the same paths:
/// Python finds its prefix from its own location. libpython comes with
/// the libraries the interpreter loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CopiedPython {
    /// The interpreter, e.g. `/usr/local/bin/python3.11`.
    pub binary: String,
    /// The standard library folder, e.g. `/usr/local/lib/python3.11`.
    pub stdlib: String,
    /// Entries of the standard library folder left out (shell patterns).
    pub left_out: Vec<String>,
}
