//! Python: requirements files, PEP 621 / Poetry projects, uv, Poetry and
//! Pipenv locks, built into a virtual environment by Debian's own CPython
//! and run on python3-debian13.

/// The ecosystem's name: its folders' (`src/ecosystems/python`, `templates/python`),
/// the plan's and the render context section's.
pub const NAME: &str = "python";

pub mod config;
pub mod detect;
pub mod django;
pub mod drift;
pub mod entrypoint;
pub mod explain;
pub mod installer;
pub mod interpreters;
pub mod inventory;
mod locks;
pub mod pins;
pub mod plan;
pub mod requirements;
pub mod section;
pub mod specifiers;
pub mod vcs;
pub mod version;
pub mod workspace;

pub use config::{Looked, named, pyproject};
pub use detect::{LOOKS_FOR, PythonProject, found, found_project_files, read};
pub use plan::plan;
