//! `update`: every pinned base image's digest asked of its registry again,
//! the Dockerfile rewritten with the new pins, one line per image.

use anyhow::Result;

use super::{report_plan, shown_dir, shown_file};
use crate::bases::Resolve;
use crate::cli::TargetArgs;
use crate::error::fail;
use crate::pipeline::{self, Render};
use crate::status::Status;
use crate::write::{self, Action};

pub fn run(args: &TargetArgs) -> Result<Status> {
    let request = pipeline::Request {
        resolve: Resolve::All,
        ..args.request()
    };
    let generated = pipeline::generate(&request, Render::Always)?;
    report_plan(&generated);
    if !generated.planned.bases.pin {
        return Err(fail(
            "nothing is pinned, so there is nothing to update",
            "pin the base images with `cargo distroless init --pin` (or pin = true in the configuration)",
        ));
    }
    for pin in &generated.pins {
        let new = pin.new.as_deref().unwrap_or("?");
        match pin.old.as_deref() {
            Some(old) if old == new => crate::outln!("{}: {new} (unchanged)", pin.image)?,
            Some(old) => crate::outln!("{}: {old} → {new}", pin.image)?,
            None => crate::outln!("{}: {new} (newly pinned)", pin.image)?,
        }
    }
    let shown = shown_dir(&generated.root);
    let pending: Vec<_> = generated.files.iter().map(|(_, p)| p).collect();
    for (name, action) in write::apply(&pending, false)? {
        let what = match action {
            Action::Create => "wrote",
            Action::Update | Action::Conflict(_) => "updated",
            Action::Unchanged | Action::Restamp => "up to date:",
        };
        crate::errln!("{what} {}", shown_file(&shown, &name));
    }
    Ok(Status::Ok)
}
