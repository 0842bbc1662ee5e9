//! What `check` compares and says when a Python build changed: the installer
//! and what it installs from, the same whatever the templates make of it.

use super::detect::{Installer, PythonProject};
use super::section::PythonBuild;
use crate::ecosystems::common::BuildFacet;
use crate::render::digest;

/// The build facet: how the virtual environment is made.
pub fn build_facet(project: &PythonProject, python: &PythonBuild) -> BuildFacet {
    BuildFacet {
        digest: digest::short(python),
        summary: build_summary(project, python),
    }
}

/// The build in a line.
fn build_summary(project: &PythonProject, python: &PythonBuild) -> String {
    let version = &python.version;
    let from = match &project.installer {
        Installer::Requirements { files, hashes, .. } => format!(
            "pip from {}{}",
            files.join(", "),
            if *hashes { " (hash-checked)" } else { "" }
        ),
        Installer::Uv => "uv from uv.lock".into(),
        Installer::Poetry => "Poetry from poetry.lock".into(),
        Installer::Pipenv => "pip from Pipfile.lock (hash-checked)".into(),
        Installer::Pyproject { dependencies } => format!(
            "pip from pyproject.toml's {} dependencies, unlocked",
            dependencies.len()
        ),
        Installer::Nothing => "no dependencies".into(),
    };
    let itself = if project.installable() {
        ", then the project itself"
    } else {
        ""
    };
    let then = match python.build_commands.len() {
        0 => String::new(),
        1 => ", then 1 build command".to_string(),
        n => format!(", then {n} build commands"),
    };
    format!("CPython {version} with {from}{itself}{then}")
}
