//! `init`: write the files (or print the Dockerfile), then the next steps.

use anyhow::Result;

use super::{report_plan, shown_dir, shown_file};
use crate::cli::InitArgs;
use crate::context::Binary;
use crate::layout::GeneratedFile;
use crate::pipeline::{self, Render};
use crate::status::Status;
use crate::write::{self, Action, Ownership};

/// How many other images get a command of their own in the next steps.
const SHOWN: usize = 8;

pub fn run(args: &InitArgs) -> Result<Status> {
    let request = pipeline::Request {
        resolve: crate::bases::Resolve::Missing,
        scan_secrets: true,
        ..args.project.request()
    };
    let generated = pipeline::generate(&request, Render::UnlessCached)?;
    report_plan(&generated);
    if args.stdout {
        for w in pipeline::exposed_secrets(&generated) {
            crate::error::warn(&w);
        }
        if let Some(f) = generated.file(GeneratedFile::Dockerfile) {
            crate::out!("{}", f.content)?;
        }
        return Ok(Status::Ok);
    }
    // The scan reads nothing the writes change: it runs beside them, and
    // its warnings come first, as they would have.
    let pending: Vec<_> = generated.files.iter().map(|(_, p)| p).collect();
    let (warnings, applied) = std::thread::scope(|s| {
        let scan = s.spawn(|| pipeline::exposed_secrets(&generated));
        let applied = write::apply(&pending, args.force);
        let warnings = crate::parallel::joined(scan);
        (warnings, applied)
    });
    for w in warnings {
        crate::error::warn(&w);
    }
    let shown = shown_dir(&generated.root);
    let ctx = &generated.planned.context;
    let ignore = GeneratedFile::Dockerignore.name_beside(&ctx.dockerfile);
    let kept = ctx.dockerignore_project.iter().filter(|l| rule(l)).count();
    for (name, action) in applied? {
        let what = match action {
            Action::Create => "wrote",
            Action::Update => "updated",
            Action::Conflict(Ownership::Foreign) if name == ignore => "merged",
            Action::Conflict(_) => "replaced",
            Action::Unchanged | Action::Restamp => "up to date:",
        };
        if what == "merged" {
            crate::errln!(
                "{what} {}: its {kept} rules are kept at the top, and the generated ones follow",
                shown_file(&shown, &name)
            );
        } else {
            crate::errln!("{what} {}", shown_file(&shown, &name));
        }
    }
    // The tags `cargo distroless build` gives each image, so that either
    // way of building names it the same.
    let tags = |b: &Binary| -> String { b.tags.iter().map(|t| format!(" -t {t}")).collect() };
    let (default, default_tags) = ctx
        .binaries
        .last()
        .map(|b| (b.name.as_str(), tags(b)))
        .unwrap_or_default();
    let file = if ctx.dockerfile == crate::layout::DOCKERFILE {
        String::new()
    } else {
        format!(" -f {}", shown_file(&shown, &ctx.dockerfile))
    };
    crate::errln!("build the default image ({default}): docker build{file}{default_tags} {shown}");
    let others: Vec<&Binary> = ctx.binaries.iter().filter(|b| !b.default).collect();
    for b in others.iter().take(SHOWN) {
        crate::errln!(
            "build another: docker build{file} --target {}{} {shown}",
            b.stage,
            tags(b)
        );
    }
    if others.len() > SHOWN {
        crate::errln!(
            "and {} more images: the Dockerfile's header lists each one's command",
            others.len() - SHOWN
        );
    }
    record_choices(args, &generated)?;
    Ok(Status::Ok)
}

/// Writes the choices given as flags into the project's configuration, so
/// that `check`, `update` and the next `init` make the same files; where
/// the configuration is not TOML, says which keys to add.
fn record_choices(args: &InitArgs, generated: &pipeline::Generated) -> Result<()> {
    let keys = args.project.flags().keys();
    if keys.is_empty() {
        return Ok(());
    }
    let place = &generated.planned.config;
    let names: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    if !place.editable {
        crate::error::warn(&format!(
            "to keep these choices when the files are regenerated or checked, add {} to {place}",
            names.join(", ")
        ));
        return Ok(());
    }
    if crate::ecosystems::record::set_keys(&generated.root, &place.file, &place.table, &keys)? {
        crate::errln!(
            "recorded {} in {place}: `check`, `update` and the next `init` make the same files",
            names.join(", ")
        );
    }
    Ok(())
}

/// Whether a `.dockerignore` line is a rule (not blank, not a comment).
fn rule(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && !line.starts_with('#')
}
