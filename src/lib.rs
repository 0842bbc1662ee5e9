//! cargo-distroless: reads a project, picks the ABI-matched builder and
//! distroless runtime, and renders a multi-stage Dockerfile from templates.
//!
//! Data flows one way: project files → [`ecosystems`] (detect, plan) →
//! [`context`] → [`render`] → [`write`], driven by [`pipeline`]; the
//! [`commands`] only present what comes back.

pub mod bases;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod context;
pub mod drift;
pub mod ecosystems;
pub mod engine;
pub mod epoch;
pub mod error;
pub mod escape;
pub mod folder;
pub mod grammar;
pub mod ignorefile;
pub mod images;
pub mod layout;
pub mod output;
pub mod pipeline;
pub mod registry;
pub mod render;
pub mod reproducible;
pub mod sbom;
pub mod secrets;
pub mod settings;
pub mod shell;
pub mod status;
pub mod write;

pub use commands::run;
pub use status::Status;
