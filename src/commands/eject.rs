//! `eject`: copy built-in templates out for editing, never over an existing one.

use std::path::Path;

use anyhow::Result;

use super::{shown_dir, shown_file};
use crate::cli::EjectArgs;
use crate::error::fail;
use crate::layout::OVERRIDE_DIR;
use crate::pipeline;
use crate::render::{self, Builtin, builtins};
use crate::status::Status;
use crate::write;

pub fn run(args: &EjectArgs) -> Result<Status> {
    let root = pipeline::detect(&args.request())?.root().to_path_buf();
    let chosen: Vec<&Builtin> = if args.names.is_empty() {
        builtins().iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| {
                render::find(n).ok_or_else(|| {
                    let names: Vec<&str> = builtins().iter().map(|b| b.name).collect();
                    fail(
                        format!("no template named `{n}`"),
                        format!("the templates are: {}", names.join(", ")),
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    let shown = shown_dir(&root);
    for t in chosen {
        let rel = Path::new(OVERRIDE_DIR).join(t.file);
        let name = shown_file(&shown, &format!("{OVERRIDE_DIR}/{}", t.file));
        if crate::folder::read_own(&root, &rel)?.is_some() && !args.force {
            crate::errln!("kept {name}: it exists (--force replaces it)");
            continue;
        }
        write::write_own(&root, &rel, t.source)?;
        crate::errln!("wrote {name}");
    }
    crate::errln!(
        "edit them, then run `cargo distroless init`; delete one to go back to the built-in"
    );
    Ok(Status::Ok)
}
