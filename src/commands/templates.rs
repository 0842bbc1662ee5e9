//! `templates`: the templates, which are overridden, and the render context.

use anyhow::{Context as _, Result};

use crate::cli::TemplatesArgs;
use crate::context::CONTEXT_VERSION;
use crate::layout::OVERRIDE_DIR;
use crate::pipeline;
use crate::render::{Overrides, builtins, schema};
use crate::status::Status;

pub fn run(args: &TemplatesArgs) -> Result<Status> {
    let root = match pipeline::detect(&args.request()) {
        Ok(found) => Some(found.root().to_path_buf()),
        Err(_) if args.manifest_path.is_none() && args.path.is_none() => None,
        Err(e) => return Err(e),
    };
    let overrides = match &root {
        Some(r) => Overrides::read(r)?,
        None => Overrides::default(),
    };
    let sections = crate::ecosystems::sections();
    let fields = schema::fields(&sections);
    if args.json {
        let list: Vec<serde_json::Value> = builtins()
            .iter()
            .map(|b| {
                serde_json::json!({
                    "name": b.name,
                    "file": b.file,
                    "about": b.about,
                    "old_name": b.old.as_ref().map(|(n, _)| n),
                    "old_file": b.old.as_ref().map(|(_, f)| f),
                    "overridden": overrides.overrides(b.name),
                })
            })
            .collect();
        let out = serde_json::json!({
            "override_dir": OVERRIDE_DIR,
            "context_version": CONTEXT_VERSION,
            "templates": list,
            "fields": fields,
            "context": schema::schema(&sections),
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&out).context("cannot format JSON")?
        )?;
        return Ok(Status::Ok);
    }
    crate::outln!("Templates (a file at the same path under {OVERRIDE_DIR}/ replaces one):")?;
    let width = builtins().iter().map(|b| b.file.len()).max().unwrap_or(0);
    for b in builtins() {
        let state = if overrides.overrides(b.name) {
            "overridden"
        } else {
            "built in"
        };
        crate::outln!("  {:<width$}  {:<10}  {}", b.file, state, b.about)?;
    }
    crate::outln!(
        "\nHelpers: {{{{json x}}}} writes JSON; {{{{dq x}}}} writes a double-quoted Dockerfile word; \
         {{{{yaml x}}}} writes a compose.yaml string; \
         {{{{include \"name\"}}}} renders another template here; {{{{include_each \"name\" list}}}} renders \
         one per item, a blank line between."
    )?;
    crate::outln!(
        "\nRender context, version {CONTEXT_VERSION} (strict: any other name is an error):"
    )?;
    let width = fields.iter().map(|f| f.path.len()).max().unwrap_or(0);
    for f in fields {
        crate::outln!("  {:<width$}  {}", f.path, f.about)?;
    }
    Ok(Status::Ok)
}
