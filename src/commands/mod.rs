//! The commands. Each runs the pipeline (or reads templates) and presents
//! what came back; none decides anything about the project.

mod build;
mod check;
mod eject;
mod init;
mod templates;
mod update;

use std::path::Path;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::error::warn;
use crate::pipeline::Generated;
use crate::status::Status;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Status> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Eject(args) => eject::run(&args),
        Command::Templates(args) => templates::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Update(args) => update::run(&args),
    }
}

/// Prints what the run should tell the user before anything else: the
/// explanation (when it was asked for), then the warnings.
fn report_plan(generated: &Generated) {
    for line in &generated.planned.explanation {
        crate::errln!("{line}");
    }
    for w in generated
        .planned
        .warnings
        .iter()
        .chain(&generated.template_warnings)
    {
        warn(w);
    }
}

/// A folder as the user would type it: `.` for the current one, else relative
/// to it when inside it.
fn shown_dir(dir: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    let dir_c = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    match cwd.as_deref().and_then(|c| dir_c.strip_prefix(c).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => ".".into(),
        Some(rel) => rel.display().to_string(),
        None => dir.display().to_string(),
    }
}

fn shown_file(dir: &str, name: &str) -> String {
    if dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
