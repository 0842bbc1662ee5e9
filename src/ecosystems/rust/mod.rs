//! Rust: a Cargo package or workspace, read through `cargo metadata`, built
//! once by cargo in the builder, one final stage per binary.

/// The ecosystem's name: its folders' (`src/ecosystems/rust`, `templates/rust`),
/// the plan's and the render context section's.
pub const NAME: &str = "rust";

pub mod cargo;
pub mod cargo_config;
pub mod config;
pub mod decisions;
pub mod dependencies;
pub mod detect;
pub mod drift;
pub mod explain;
pub mod graph;
pub mod inventory;
pub mod metadata;
pub mod native;
pub mod plan;
pub mod section;
pub mod toolchain;
pub mod version;

pub use config::Selection;
pub use detect::{RustProject, Starting, manifest, read, start};
pub use plan::plan;

/// The files that make a folder a Rust project, for messages.
pub const LOOKS_FOR: &str = "Cargo.toml";
