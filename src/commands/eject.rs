//! `eject`: copy built-in templates out for editing, never over an existing one.

use anyhow::{Context as _, Result};

use super::{shown_dir, shown_file};
use crate::cli::EjectArgs;
use crate::error::fail;
use crate::layout::OVERRIDE_DIR;
use crate::pipeline;
use crate::render::{self, BUILTINS, Builtin};
use crate::status::Status;
use crate::write;

pub fn run(args: &EjectArgs) -> Result<Status> {
    let root = pipeline::detect(&args.request())?.root().to_path_buf();
    let chosen: Vec<&Builtin> = if args.names.is_empty() {
        BUILTINS.iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| {
                render::find(n).ok_or_else(|| {
                    let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
                    fail(
                        format!("no template named `{n}`"),
                        format!("the templates are: {}", names.join(", ")),
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    let dir = root.join(OVERRIDE_DIR);
    let shown = shown_dir(&root);
    for t in chosen {
        let path = dir.join(t.file);
        let name = shown_file(&shown, &format!("{OVERRIDE_DIR}/{}", t.file));
        if path.exists() && !args.force {
            eprintln!("kept {name}: it exists (--force replaces it)");
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        write::write_atomic(&path, t.source)?;
        eprintln!("wrote {name}");
    }
    eprintln!("edit them, then run `cargo distroless init`; delete one to go back to the built-in");
    Ok(Status::Ok)
}
