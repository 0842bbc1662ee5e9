//! `build`: build the images from the files on disk, then report on each.

use anyhow::Result;

use super::{report_plan, shown_dir};
use crate::cli::BuildArgs;
use crate::context::Binary;
use crate::engine::{self, Request};
use crate::error::{fail, warn};
use crate::layout::GeneratedFile;
use crate::pipeline::{self, Render};
use crate::status::Status;
use crate::write::{self, Action};

pub fn run(args: &BuildArgs) -> Result<Status> {
    let generated = pipeline::generate(&args.request(), Render::Always)?;
    report_plan(&generated);
    let root = &generated.root;
    let shown = shown_dir(root);
    let dockerfile = generated
        .file(GeneratedFile::Dockerfile)
        .ok_or_else(|| anyhow::anyhow!("the pipeline rendered no Dockerfile"))?;
    match write::action(dockerfile)?.0 {
        Action::Create => {
            return Err(fail(
                format!("there is no Dockerfile in {shown}"),
                "write one with `cargo distroless init`",
            ));
        }
        Action::Unchanged | Action::Restamp => {}
        _ => warn(
            "the Dockerfile differs from what `cargo distroless init` would write now; building it as it is (see `cargo distroless check`)",
        ),
    }
    let ctx = &generated.planned.context;
    let targets: Vec<&Binary> = if args.bins.is_empty() {
        ctx.binaries.iter().collect()
    } else {
        args.bins
            .iter()
            .map(|name| {
                ctx.binaries
                    .iter()
                    .find(|b| &b.name == name || &b.stage == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            ctx.binaries.iter().map(|b| b.name.as_str()).collect();
                        fail(
                            format!("no image for a binary named `{name}`"),
                            format!("the images are: {}", names.join(", ")),
                        )
                    })
            })
            .collect::<Result<_>>()?
    };
    if args.tag.is_some() && targets.len() != 1 {
        return Err(fail(
            "--tag names one image",
            "pass exactly one --bin with --tag",
        ));
    }
    let (engine, program) = engine::find_engine(args.engine)?;
    let bake = root.join(GeneratedFile::Bake.name_beside(&ctx.dockerfile));
    let req = Request {
        root,
        all: targets.len() == ctx.binaries.len(),
        targets,
        tag: args.tag.clone(),
        platform: args.platform.clone(),
        push: args.push,
        network: args.network.clone(),
        bake_file: bake.exists().then_some(bake),
        dockerfile: &ctx.dockerfile,
        runtime_image: &ctx.runtime.from,
        cache_from: args.cache_from.clone(),
        cache_to: args.cache_to.clone(),
        epoch: crate::epoch::find(root)?,
    };
    if args.reproducible {
        for r in crate::reproducible::run(engine, &program, &req)? {
            crate::outln!("reproducible: {} is {} in both builds", r.tag, r.digest)?;
        }
    } else {
        engine::run(engine, &program, &req)?;
    }
    if let Some(dir) = &args.sbom {
        if engine == engine::Engine::Buildah {
            return Err(fail(
                "--sbom reads the built image through `export`, which buildah does not have",
                "build with --engine docker or podman",
            ));
        }
        let dir = if dir.is_absolute() {
            dir.clone()
        } else {
            std::env::current_dir()?.join(dir)
        };
        for b in &req.targets {
            let tag = req.tags(b).swap_remove(0);
            let image = crate::sbom::Image {
                tag: &tag,
                base: &ctx.runtime.from,
                project_root: req.root,
                inventory: generated.planned.inventory,
            };
            let path = crate::sbom::write(&program, &image, &b.stage, &dir, req.epoch)?;
            crate::errln!("wrote {}", path.display());
        }
    }
    if args.push {
        let pushed: Vec<String> = req.targets.iter().flat_map(|b| req.tags(b)).collect();
        crate::outln!("pushed: {}", pushed.join(", "))?;
        return Ok(Status::Ok);
    }
    crate::outln!(
        "{:<32} {:>9} {:>9} {:>9}  {:<12} entrypoint",
        "image",
        "size",
        "base",
        "payload",
        "user"
    )?;
    for r in engine::report(engine, &program, &req) {
        crate::outln!(
            "{:<32} {:>9} {:>9} {:>9}  {:<12} {}",
            r.tag,
            engine::mb(r.size),
            engine::mb(r.base),
            engine::mb(r.payload),
            r.user,
            r.entrypoint
        )?;
        if !r.parts.is_empty() {
            let parts: Vec<String> = r
                .parts
                .iter()
                .map(|p| format!("{} {}", p.what, engine::mb(Some(p.size))))
                .collect();
            crate::outln!("  payload: {}", parts.join(" + "))?;
        }
    }
    Ok(Status::Ok)
}
