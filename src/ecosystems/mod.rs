//! The ecosystems the tool knows, one folder each, and the only place that
//! matches on which one a project is. Adding one means a new folder here, a
//! new folder under `templates/`, a variant of [`Detected`] and its arms below.

pub mod common;
pub mod python;
pub mod rust;

use std::path::Path;

use anyhow::Result;

pub use common::Planned;

use crate::error::fail;
use crate::folder::Folder;

/// A project, as its ecosystem read it (boxed: the two differ much in size).
#[derive(Debug, Clone)]
pub enum Detected {
    Rust(Box<rust::RustProject>),
    Python(Box<python::PythonProject>),
}

/// Reads the project in `dir` (or behind `manifest_path`). Rust is tried
/// first unless the folder's Python configuration says `ecosystem =
/// "python"`; the first ecosystem whose files are there reads it, and a
/// broken project is an error, never masked by a later match.
pub fn detect(
    dir: &Path,
    manifest_path: Option<&Path>,
    flags: &rust::Selection,
) -> Result<Detected> {
    let folder = Folder::new(dir);
    if manifest_path.is_none() && python::prefers_python(&folder) {
        return python::read(&folder).map(|p| Detected::Python(Box::new(p)));
    }
    if let Some(manifest) = rust::manifest(dir, manifest_path)? {
        return rust::read(&manifest, flags).map(|p| Detected::Rust(Box::new(p)));
    }
    if python::found(&folder) {
        return python::read(&folder).map(|p| Detected::Python(Box::new(p)));
    }
    Err(fail(
        format!(
            "no project found in {}: looked for {}, {}",
            dir.display(),
            rust::LOOKS_FOR,
            python::LOOKS_FOR
        ),
        "run this in the project's folder, or pass its path (`cargo distroless init PATH`) or --manifest-path",
    ))
}

impl Detected {
    /// The build context: where the generated files go.
    pub fn root(&self) -> &Path {
        match self {
            Detected::Rust(p) => &p.root,
            Detected::Python(p) => &p.root,
        }
    }

    /// Plans the files. `rust` holds the Rust choices given as flags, which
    /// override the project's recorded ones; they are an error elsewhere.
    /// `explain` asks for the `--explain` lines.
    pub fn plan(&self, rust: &rust::Selection, explain: bool) -> Result<Planned> {
        match self {
            Detected::Rust(p) => rust::plan(p, &rust.over(&p.selection), explain),
            Detected::Python(p) => {
                let rust_only: Vec<_> = rust
                    .given()
                    .into_iter()
                    .filter(|(_, key)| !matches!(*key, "compose" | "file" | "pin" | "mirror"))
                    .collect();
                if let Some((flag, key)) = rust_only.first() {
                    return Err(fail(
                        format!(
                            "{} applies to Rust projects, and this is a Python project",
                            flag.unwrap_or(key)
                        ),
                        "drop the flag; Python projects are configured in [tool.distroless] of pyproject.toml or in distroless.toml",
                    ));
                }
                python::plan(p, rust, explain)
            }
        }
    }
}
