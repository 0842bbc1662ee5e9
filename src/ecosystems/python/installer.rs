//! How a Python project's dependencies are installed, as detection found it.

/// How the dependencies are installed: by the project's own tool, from its
/// lockfile where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installer {
    /// `pip install -r` over these files (the first is the main one; the
    /// rest are its `-r`/`-c` includes), `--require-hashes` when hashed.
    /// `local`: the project's files and folders lines install from.
    Requirements {
        files: Vec<String>,
        hashes: bool,
        local: Vec<String>,
    },
    /// `uv sync --frozen` from uv.lock.
    Uv,
    /// `poetry install` from poetry.lock.
    Poetry,
    /// `pip install --require-hashes` of Pipfile.lock's default packages.
    Pipenv,
    /// A PEP 621 project without a lockfile: its `[project] dependencies`.
    Pyproject { dependencies: Vec<String> },
    /// No dependencies declared anywhere.
    Nothing,
}

impl Installer {
    /// Its name in the render context.
    pub fn name(&self) -> &'static str {
        match self {
            Installer::Requirements { .. } => "requirements",
            Installer::Uv => "uv",
            Installer::Poetry => "poetry",
            Installer::Pipenv => "pipenv",
            Installer::Pyproject { .. } => "pyproject",
            Installer::Nothing => "none",
        }
    }
}
