//! cargo-distroless: reads a project, picks the ABI-matched builder and
//! distroless runtime, and renders a multi-stage Dockerfile from templates.
//!
//! Data flows one way: project files → [`detect`] → [`plan`] → [`render`] →
//! [`write`].

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod detect;
pub mod error;
pub mod images;
pub mod native;
pub mod plan;
pub mod project;
pub mod render;
pub mod write;

use std::process::ExitCode;

/// How a command ended, as an exit code: 0 ok, 1 a check found stale files,
/// 2 an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Stale,
    Error,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(match s {
            Status::Ok => 0,
            Status::Stale => 1,
            Status::Error => 2,
        })
    }
}

mod commands;

/// Runs a parsed command line.
pub fn run(cli: cli::Cli) -> anyhow::Result<Status> {
    match cli.command {
        cli::Command::Init(args) => commands::init(&args),
        cli::Command::Check(args) => commands::check(&args),
        cli::Command::Eject(args) => commands::eject(&args),
        cli::Command::Templates(args) => commands::templates(&args),
        cli::Command::Build(args) => commands::build(&args),
    }
}
