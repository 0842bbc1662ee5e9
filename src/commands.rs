//! The commands: each wires detect → plan → render → write.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::Status;
use crate::cli::InitArgs;
use crate::detect::{self, Detected, rust::RustDetector};
use crate::error::warn;
use crate::plan::{self, Plan};
use crate::project::Project;
use crate::render::{self, Rendered};
use crate::write::{self, Action, Planned};

/// Detects, plans and renders; the shared front half of every command.
pub fn generate(args: &InitArgs) -> Result<(Plan, PathBuf, Rendered)> {
    let dir = match &args.path {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let project = Project::new(&dir);
    let rust = RustDetector {
        manifest_path: args.manifest_path.clone(),
    };
    let Detected::Rust(found) = detect::detect(&project, &[&rust])?;
    let opts = plan::Options {
        packages: args.packages.clone(),
        bins: args.bins.clone(),
        rust_version: args.rust_version.clone(),
    };
    let planned = plan::rust(&found, &opts)?;
    for w in &planned.warnings {
        warn(w);
    }
    let rendered = render::render(&planned.plan, &found.root)?;
    let stamped = Rendered {
        dockerfile: write::stamp(&rendered.dockerfile),
        dockerignore: write::stamp(&rendered.dockerignore),
    };
    Ok((planned.plan, found.root, stamped))
}

/// `init`: write the Dockerfile and .dockerignore (or print the Dockerfile).
pub fn init(args: &InitArgs) -> Result<Status> {
    let (plan, root, rendered) = generate(args)?;
    if args.stdout {
        print!("{}", rendered.dockerfile);
        return Ok(Status::Ok);
    }
    let files = [
        Planned {
            path: root.join("Dockerfile"),
            name: "Dockerfile".into(),
            content: rendered.dockerfile,
        },
        Planned {
            path: root.join(".dockerignore"),
            name: ".dockerignore".into(),
            content: rendered.dockerignore,
        },
    ];
    let shown = shown_dir(&root);
    for (name, action) in write::apply(&files, args.force)? {
        let what = match action {
            Action::Create => "wrote",
            Action::Update => "updated",
            Action::Conflict(_) => "replaced",
            Action::Unchanged => "up to date:",
        };
        let file = if shown == "." {
            name
        } else {
            format!("{shown}/{name}")
        };
        eprintln!("{what} {file}");
    }
    let default = plan
        .binaries
        .last()
        .map(|b| b.name.as_str())
        .unwrap_or_default();
    eprintln!(
        "build the default image ({default}): docker build -t {} {shown}",
        plan.project
    );
    let others: Vec<&str> = plan
        .binaries
        .iter()
        .filter(|b| !b.default)
        .map(|b| b.stage.as_str())
        .collect();
    if !others.is_empty() {
        eprintln!(
            "build another: docker build --target <{}> {shown}",
            others.join("|")
        );
    }
    Ok(Status::Ok)
}

/// A folder as the user would type it: `.` for the current one, else relative
/// to it when inside it.
fn shown_dir(dir: &std::path::Path) -> String {
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
