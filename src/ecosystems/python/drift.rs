//! What `check` compares and says when a Python build changed: the installer
//! and what it installs from, the same whatever the templates make of it.

use super::detect::{Installer, PythonProject};
use crate::context::Context;
use crate::ecosystems::common::BuildFacet;
use crate::render::digest;

/// The build facet: how the virtual environment is made.
pub fn build_facet(project: &PythonProject, ctx: &Context) -> BuildFacet {
    let version = ctx.python.as_ref().map_or("", |p| p.version.as_str());
    BuildFacet {
        digest: digest::short(&ctx.python),
        summary: build_summary(project, version, ctx),
    }
}

/// The build in a line.
fn build_summary(project: &PythonProject, version: &str, ctx: &Context) -> String {
    let from = match &project.installer {
        Installer::Requirements { files, hashes } => format!(
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
    let itself = if project.installable {
        ", then the project itself"
    } else {
        ""
    };
    let commands = ctx.python.as_ref().map_or(0, |p| p.build_commands.len());
    let then = match commands {
        0 => String::new(),
        1 => ", then 1 build command".to_string(),
        n => format!(", then {n} build commands"),
    };
    format!("CPython {version} with {from}{itself}{then}")
}
