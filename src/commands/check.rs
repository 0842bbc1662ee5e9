//! `check`: exit 1 with the diff and the reasons when a file is stale;
//! writes nothing.

use anyhow::Result;

use super::{report_plan, shown_dir, shown_file};
use crate::cli::ProjectArgs;
use crate::drift::{self, Now};
use crate::pipeline::{self, Render};
use crate::status::Status;
use crate::write::{self, Action, Ownership};

pub fn run(args: &ProjectArgs) -> Result<Status> {
    let generated = pipeline::generate(&args.request(), Render::Always)?;
    report_plan(&generated);
    let shown = shown_dir(&generated.root);
    let now = Now {
        context: &generated.planned.context,
        facets: &generated.facets,
        build_summary: &generated.planned.build.summary,
    };
    let mut stale = 0;
    for (file, f) in &generated.files {
        let name = shown_file(&shown, &f.name);
        let (action, current) = write::action(f)?;
        let current = current.unwrap_or_default();
        let mut reasons = match action {
            Action::Unchanged | Action::Restamp => {
                crate::outln!("{name} is up to date")?;
                continue;
            }
            Action::Create => {
                stale += 1;
                crate::outln!("{name} is missing: run `cargo distroless init`")?;
                continue;
            }
            Action::Conflict(Ownership::Foreign) => {
                vec!["it was not written by cargo-distroless".to_string()]
            }
            Action::Conflict(_) => vec!["it was edited by hand since it was generated".to_string()],
            Action::Update => Vec::new(),
        };
        let recorded = write::recorded_inputs_any(&current);
        reasons.extend(drift::reasons(
            *file,
            &current,
            &f.content,
            recorded.as_deref(),
            &now,
        ));
        stale += 1;
        crate::outln!("{name} is stale:")?;
        for r in &reasons {
            crate::outln!("  - {r}")?;
        }
        crate::out!("{}", write::diff(&name, &current, &f.content))?;
    }
    if stale == 0 {
        Ok(Status::Ok)
    } else {
        crate::outln!(
            "run `cargo distroless init` to update (it refuses to overwrite hand edits; see `--force`)"
        )?;
        Ok(Status::Stale)
    }
}
