//! cargo-distroless: reads a project, picks the ABI-matched builder and
//! distroless runtime, and renders a multi-stage Dockerfile from templates.
//!
//! Data flows one way: project files → [`ecosystems`] (detect, plan) →
//! [`context`] → [`render`] → [`write`], driven by [`pipeline`]; the
//! [`commands`] only present what comes back.

mod bases;
mod cache;
pub mod cli;
pub mod commands;
pub mod context;
mod drift;
pub mod ecosystems;
pub mod engine;
mod epoch;
pub mod error;
mod escape;
mod folder;
pub mod grammar;
mod ignorefile;
mod images;
pub mod layout;
pub mod output;
mod parallel;
pub mod pipeline;
mod registry;
pub mod render;
mod reproducible;
pub mod sbom;
mod secrets;
pub mod settings;
mod shell;
mod status;
pub mod write;

pub use status::Status;
