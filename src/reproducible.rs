//! `build --reproducible`: each image is built twice, the builder's cache
//! emptied in between, and the two digests must match. BuildKit exports
//! with `rewrite-timestamp=true` (every file's time clamped to
//! `SOURCE_DATE_EPOCH`), which needs Docker's containerd image store; the
//! second build is then loaded under the image's tags.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::engine::{self, Engine, Request};
use crate::error::fail;

/// One image, built twice to the same digest.
#[derive(Debug)]
pub struct Reproduced {
    pub tag: String,
    pub digest: String,
}

/// Builds every target twice and compares; loads the second build.
pub fn run(engine: Engine, program: &Path, req: &Request) -> Result<Vec<Reproduced>> {
    if engine != Engine::Docker {
        return Err(fail(
            format!(
                "--reproducible needs docker with the containerd image store, not {}",
                engine.program()
            ),
            "build with --engine docker",
        ));
    }
    if !containerd_store(program) {
        return Err(fail(
            "--reproducible needs an engine with the containerd image store, whose BuildKit rewrites every file's time (`rewrite-timestamp`); this engine stores images the classic way",
            "turn it on (`\"features\": {\"containerd-snapshotter\": true}` in daemon.json; Docker 29 has it by default), or point DOCKER_HOST at such an engine",
        ));
    }
    let Some(epoch) = req.epoch else {
        return Err(fail(
            "--reproducible needs SOURCE_DATE_EPOCH: the project is not a git checkout with a commit, and the environment sets none",
            "commit the project, or set SOURCE_DATE_EPOCH to a Unix time",
        ));
    };
    let dir = tempfile::tempdir().context("cannot create a folder for the image archives")?;
    let mut done = Vec::new();
    for b in &req.targets {
        let tags = req.tags(b);
        let mut digests = Vec::new();
        for round in 1..=2 {
            prune(program)?;
            let archive = dir.path().join(format!("{}-{round}.tar", b.stage));
            let metadata = dir.path().join(format!("{}-{round}.json", b.stage));
            let mut args = engine::build_args(engine, req, b);
            // The archive replaces the load: rewrite-timestamp cannot unpack.
            args.retain(|a| a != "--load");
            let at = args.len() - 1;
            args.splice(
                at..at,
                [
                    "--output".to_string(),
                    format!(
                        "type=oci,dest={},name={},rewrite-timestamp=true",
                        archive.display(),
                        tags[0]
                    ),
                    "--metadata-file".to_string(),
                    metadata.display().to_string(),
                ],
            );
            let mut cmd = Command::new(program);
            cmd.current_dir(req.root).args(&args);
            engine::stream(
                cmd,
                &format!(
                    "build {round} of 2 of `{}` (SOURCE_DATE_EPOCH={epoch})",
                    b.stage
                ),
            )?;
            digests.push(digest(&metadata)?);
            if round == 2 {
                let mut load = Command::new(program);
                load.arg("load").arg("-i").arg(&archive);
                engine::stream(load, "docker load")?;
            }
        }
        if digests[0] != digests[1] {
            return Err(fail(
                format!(
                    "`{}` is not reproducible: the first build is {}, the second {}",
                    b.stage, digests[0], digests[1]
                ),
                "something in the build depends on the time or the machine; compare the two images' layers (e.g. with diffoci) to find it",
            ));
        }
        for other in &tags[1..] {
            let mut tag = Command::new(program);
            tag.args(["tag", &tags[0], other]);
            engine::stream(tag, "docker tag")?;
        }
        done.push(Reproduced {
            tag: tags[0].clone(),
            digest: digests.swap_remove(0),
        });
    }
    Ok(done)
}

/// Whether the engine keeps images in containerd's store.
fn containerd_store(program: &Path) -> bool {
    Command::new(program)
        .args(["info", "--format", "{{json .DriverStatus}}"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("io.containerd.snapshotter"))
}

/// Empties the builder's cache, so a build starts from nothing.
fn prune(program: &Path) -> Result<()> {
    let mut cmd = Command::new(program);
    cmd.args(["builder", "prune", "-af"])
        .stdout(std::process::Stdio::null());
    engine::stream(cmd, "docker builder prune")
}

/// The image digest BuildKit wrote to the metadata file.
fn digest(metadata: &Path) -> Result<String> {
    let text = std::fs::read_to_string(metadata)
        .with_context(|| format!("cannot read {}", metadata.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", metadata.display()))?;
    json["containerimage.digest"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| {
            fail(
                format!("{} names no image digest", metadata.display()),
                "use a buildx that writes `containerimage.digest` (0.10 or later)",
            )
        })
}
