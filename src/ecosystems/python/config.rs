//! A Python project's configuration: `[tool.distroless]` of pyproject.toml,
//! else `distroless.toml`; the shared keys and the Python ones.

use anyhow::Result;
use serde::Deserialize;

use crate::ecosystems::common::ConfigPlace;
use crate::error::fail;
use crate::folder::Folder;
use crate::settings::{self, Origin, OwnKeys, parse_table};

/// The Python-only keys of `[tool.distroless]` (or `distroless.toml`).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PyConfig {
    /// The ecosystem that reads the folder (`python` beside a Cargo.toml).
    pub ecosystem: Option<String>,
    /// The `ENTRYPOINT` list, absolute paths (e.g. `["/venv/bin/gunicorn"]`).
    pub entrypoint: Option<Vec<String>>,
    /// Paths of the source that are not Python to compile (templates).
    pub compile_exclude: Option<Vec<String>>,
    /// .dockerignore patterns to add.
    pub exclude: Option<Vec<String>>,
    /// Folders under /app the app writes to.
    pub writable: Option<Vec<String>>,
    /// Commands run in the builder after the install, exec form.
    pub build_commands: Option<Vec<Vec<String>>>,
    /// The CPython minor, over what the project's files say.
    pub python_version: Option<String>,
    /// `python3` (Debian's 3.13) or `cc` (the official image's CPython).
    pub runtime: Option<String>,
}

impl PyConfig {
    /// `runtime = "cc"`: the official image's CPython even for 3.13.
    pub fn runtime_cc(&self, origin: &str) -> Result<bool> {
        match self.runtime.as_deref() {
            None | Some("python3") => Ok(false),
            Some("cc") => Ok(true),
            Some(other) => Err(fail(
                format!("invalid `runtime` {other:?} in {origin}: it is \"python3\" or \"cc\""),
                "runtime = \"python3\" (Debian's CPython 3.13, the default) or \"cc\" (the official image's CPython, copied in)",
            )),
        }
    }
}

impl OwnKeys for PyConfig {
    const KEYS: &'static [&'static str] = &[
        "entrypoint",
        "ecosystem",
        "compile-exclude",
        "exclude",
        "writable",
        "build-commands",
        "python-version",
        "runtime",
    ];
}

/// A configuration table, read, with where it came from.
pub struct Config {
    pub shared: settings::ImageSettings,
    pub choices: settings::ProjectSettings,
    pub own: PyConfig,
    pub origin: Origin<'static>,
}

/// `[tool.distroless]` of pyproject.toml.
const PYPROJECT: Origin<'static> = Origin {
    table: "[tool.distroless]",
    file: "pyproject.toml",
    dir: "",
};

/// Where settings live when there are none, for messages.
pub const NO_CONFIG: &str = "[tool.distroless] of pyproject.toml (or distroless.toml)";

/// The folder's pyproject.toml, parsed, if it has one; malformed is an
/// error naming the line.
pub fn pyproject(project: &Folder) -> Result<Option<toml::Table>> {
    project.read_toml("pyproject.toml")
}

/// The `ecosystem` that `[tool.distroless]` of a pyproject.toml names, and
/// where.
pub fn named(pyproject: &toml::Table) -> Option<(String, Origin<'static>)> {
    let value = pyproject
        .get("tool")
        .and_then(|t| t.get("distroless"))
        .and_then(|t| t.get(crate::ecosystems::ECOSYSTEM_KEY))?;
    Some((
        crate::ecosystems::key_text(value.as_str(), value),
        PYPROJECT,
    ))
}

/// A Python project's files: pyproject.toml, parsed, and distroless.toml,
/// as detection parsed them to read the `ecosystem` key or as read here.
#[derive(Debug, Clone)]
pub struct Looked {
    pub pyproject: Option<toml::Table>,
    pub own: settings::OwnTable,
}

impl Looked {
    /// The folder's pyproject.toml; its distroless.toml is read when needed.
    pub fn read(folder: &Folder) -> Result<Looked> {
        Ok(Looked {
            pyproject: pyproject(folder)?,
            own: settings::OwnTable::Unread,
        })
    }
}

/// Reads `[tool.distroless]` of the (already parsed) pyproject.toml, else
/// distroless.toml.
pub fn read_config(
    project: &Folder,
    pyproject: Option<&toml::Table>,
    own: settings::OwnTable,
) -> Result<Option<Config>> {
    let parse = |json: serde_json::Value, origin: Origin<'static>| -> Result<Config> {
        let parsed: settings::Parsed<PyConfig> = parse_table(
            &json,
            &origin.to_string(),
            "see the README's Python section",
        )?;
        let (shared, choices, own) = (parsed.image, parsed.project, parsed.own);
        if let Some(named) = &own.ecosystem {
            crate::ecosystems::Ecosystem::configured(named, &origin)?;
        }
        Ok(Config {
            shared,
            choices,
            own,
            origin,
        })
    };
    if let Some(cfg) = pyproject
        .and_then(|t| t.get("tool"))
        .and_then(|t| t.get("distroless"))
    {
        own.only_beside(&PYPROJECT, project)?;
        return parse(serde_json::to_value(cfg).unwrap_or_default(), PYPROJECT).map(Some);
    }
    if let Some(table) = own.table(project)? {
        return parse(
            serde_json::to_value(table).unwrap_or_default(),
            Origin::OWN_FILE,
        )
        .map(Some);
    }
    Ok(None)
}

/// Where `init` records choices: the table the configuration is in, else
/// `[tool.distroless]` of pyproject.toml, else distroless.toml.
pub fn record_place(config: Option<&Config>, project: &Folder) -> ConfigPlace {
    let in_pyproject = match config {
        Some(c) => c.origin.file == "pyproject.toml",
        None => project.exists("pyproject.toml"),
    };
    ConfigPlace {
        file: if in_pyproject {
            "pyproject.toml"
        } else {
            "distroless.toml"
        }
        .into(),
        table: if in_pyproject {
            vec!["tool", "distroless"]
        } else {
            Vec::new()
        },
        editable: true,
    }
}
