//! Node.js: package.json and its lockfile → a distroless nodejs image.

/// The ecosystem's name: its folders' (`src/ecosystems/node`, `templates/node`),
/// the plan's and the render context section's.
pub const NAME: &str = "node";

pub mod detect;
pub mod git;
pub mod inventory;
pub mod managers;
pub mod plan;
pub mod section;
pub mod versions;
pub mod workspace;

pub use detect::{LOOKS_FOR, Looked, Manifest, NodeProject, found, manifest, read};
pub use plan::plan;
