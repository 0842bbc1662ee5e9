//! Node.js: package.json and its lockfile → a distroless nodejs image.

pub mod detect;
pub mod inventory;
pub mod managers;
pub mod plan;
pub mod section;
pub mod versions;
pub mod workspace;

pub use detect::{LOOKS_FOR, NodeProject, found, read};
pub use plan::plan;
