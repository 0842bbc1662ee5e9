//! The container engines that `cargo distroless build` drives over the
//! generated files, and what each built image holds. The tool runs no engine
//! of its own: scaling out is BuildKit's job (bake, remote builders).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::context::Binary;
use crate::error::{fail, warn};
use crate::layout::GeneratedFile;

/// A container engine the tool can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Docker with the buildx plugin.
    Docker,
    Podman,
    Buildah,
}

impl Engine {
    fn program(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
        }
    }
}

/// Finds the engine: the one asked for, else docker with buildx, else podman,
/// else buildah.
pub fn find_engine(asked: Option<Engine>) -> Result<(Engine, PathBuf)> {
    let usable = |e: Engine| -> Option<PathBuf> {
        let path = which::which(e.program()).ok()?;
        if e == Engine::Docker {
            let ok = Command::new(&path)
                .args(["buildx", "version"])
                .output()
                .ok()?
                .status
                .success();
            if !ok {
                return None;
            }
        }
        Some(path)
    };
    if let Some(e) = asked {
        return usable(e).map(|p| (e, p)).ok_or_else(|| {
            fail(
                format!(
                    "--engine {}: `{}` was not found on PATH{}",
                    e.program(),
                    e.program(),
                    if e == Engine::Docker {
                        " (with the buildx plugin)"
                    } else {
                        ""
                    }
                ),
                "install it, or choose another with --engine",
            )
        });
    }
    for e in [Engine::Docker, Engine::Podman, Engine::Buildah] {
        if let Some(p) = usable(e) {
            return Ok((e, p));
        }
    }
    Err(fail(
        "no container engine found: looked for docker (with buildx), podman and buildah on PATH",
        "install one of them, or build with any BuildKit client from the generated Dockerfile and docker-bake.hcl",
    ))
}

/// What to build and how.
pub struct Request<'a> {
    pub root: &'a Path,
    pub targets: Vec<&'a Binary>,
    /// Every image of the project, so bake may build the default group.
    pub all: bool,
    pub tag: Option<String>,
    pub platform: Option<String>,
    pub push: bool,
    pub network: Option<String>,
    pub bake_file: Option<PathBuf>,
    /// The runtime image, for the size report.
    pub runtime_image: &'a str,
    /// What the report measures in each image: the binary, or (for Python)
    /// the virtual environment.
    pub payload: Option<&'a str>,
}

impl Request<'_> {
    /// An image's tags: the one `--tag` gives, else the plan's.
    pub fn tags(&self, b: &Binary) -> Vec<String> {
        match &self.tag {
            Some(t) => vec![t.clone()],
            None => b.tags.clone(),
        }
    }
}

/// Runs the build, streaming the engine's output.
pub fn run(engine: Engine, program: &Path, req: &Request) -> Result<()> {
    if engine == Engine::Docker && req.all && req.tag.is_none() {
        if let Some(bake) = &req.bake_file {
            let buildx = buildx_version(program);
            // The bake file has no `network` of its own (older buildx rejects
            // the attribute), and `--set` cannot set it, so a network comes
            // in a second, throw-away bake file that names every target.
            if req.network.is_none() || buildx >= (0, 17) {
                let mut cmd = Command::new(program);
                cmd.current_dir(req.root)
                    .args(["buildx", "bake", "-f"])
                    .arg(bake);
                let _network_file = match &req.network {
                    Some(n) => {
                        let file = network_override(&req.targets, n)?;
                        cmd.arg("-f").arg(file.path());
                        // Since 0.19 bake asks for the entitlement up front.
                        if n == "host" && buildx >= (0, 19) {
                            cmd.arg("--allow=network.host");
                        }
                        Some(file)
                    }
                    None => None,
                };
                if let Some(p) = &req.platform {
                    cmd.arg("--set").arg(format!("*.platform={p}"));
                }
                cmd.arg(if req.push { "--push" } else { "--load" });
                return stream(cmd, "docker buildx bake");
            }
            warn(
                "this buildx cannot set the network in bake (0.17 can); building the images one by one",
            );
        }
    }
    for b in &req.targets {
        let mut cmd = Command::new(program);
        cmd.current_dir(req.root);
        match engine {
            Engine::Docker => {
                cmd.args(["buildx", "build"]);
            }
            Engine::Podman | Engine::Buildah => {
                cmd.arg("build");
            }
        }
        cmd.args([
            "-f",
            GeneratedFile::Dockerfile.file_name(),
            "--target",
            &b.stage,
        ]);
        for t in req.tags(b) {
            cmd.args(["-t", &t]);
        }
        if let Some(p) = &req.platform {
            cmd.args(["--platform", p]);
        }
        if let Some(n) = &req.network {
            cmd.args(["--network", n]);
        }
        if engine == Engine::Docker {
            cmd.arg(if req.push { "--push" } else { "--load" });
        }
        cmd.arg(".");
        stream(cmd, &format!("{} build of `{}`", engine.program(), b.stage))?;
        if req.push && engine != Engine::Docker {
            for t in req.tags(b) {
                let mut push = Command::new(program);
                push.args(["push", &t]);
                stream(push, &format!("{} push {t}", engine.program()))?;
            }
        }
    }
    Ok(())
}

fn stream(mut cmd: Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(
            format!("{what} failed ({status}); the engine's error is above"),
            "fix what the engine reports; `cargo distroless check` tells whether the Dockerfile is current",
        ))
    }
}

/// A bake file that puts every target on `network`.
fn network_override(targets: &[&Binary], network: &str) -> Result<tempfile::NamedTempFile> {
    let stages: Vec<&str> = targets.iter().map(|b| b.stage.as_str()).collect();
    let mut file = tempfile::Builder::new()
        .prefix("cargo-distroless-network-")
        .suffix(".hcl")
        .tempfile()
        .context("cannot create a temporary bake file for --network")?;
    std::io::Write::write_all(&mut file, network_hcl(&stages, network).as_bytes())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    Ok(file)
}

fn network_hcl(stages: &[&str], network: &str) -> String {
    // JSON strings are valid HCL strings, quotes and backslashes escaped.
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    stages
        .iter()
        .map(|s| {
            format!(
                "target {} {{\n  network = {}\n}}\n",
                quote(s),
                quote(network)
            )
        })
        .collect()
}

/// `docker buildx version` as (major, minor); (0, 0) when it cannot be read.
fn buildx_version(program: &Path) -> (u64, u64) {
    let Ok(out) = Command::new(program).args(["buildx", "version"]).output() else {
        return (0, 0);
    };
    crate::version::parse_buildx(&String::from_utf8_lossy(&out.stdout))
}

/// One built image, as the report shows it.
#[derive(Debug)]
pub struct ImageReport {
    pub tag: String,
    pub size: Option<u64>,
    pub base: Option<u64>,
    /// The binary, or the virtual environment.
    pub payload: Option<u64>,
    pub user: String,
    pub entrypoint: String,
}

/// Inspects each built image: size, base size, binary size, user, entrypoint.
pub fn report(engine: Engine, program: &Path, req: &Request) -> Vec<ImageReport> {
    let inspect = |what: &str, format: &str| -> Option<String> {
        let out = match engine {
            Engine::Buildah => Command::new(program)
                .args(["inspect", "--type", "image", "--format", format, what])
                .output(),
            _ => Command::new(program)
                .args(["image", "inspect", "--format", format, what])
                .output(),
        }
        .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let (user_fmt, entry_fmt) = match engine {
        Engine::Buildah => (
            "{{.OCIv1.Config.User}}",
            "{{json .OCIv1.Config.Entrypoint}}",
        ),
        _ => ("{{.Config.User}}", "{{json .Config.Entrypoint}}"),
    };
    let size = |what: &str| -> Option<u64> {
        if engine == Engine::Buildah {
            return None;
        }
        inspect(what, "{{.Size}}")?.parse().ok()
    };
    let base = size(req.runtime_image);
    req.targets
        .iter()
        .map(|b| {
            let tag = req.tags(b).swap_remove(0);
            ImageReport {
                size: size(&tag),
                base,
                payload: if engine == Engine::Buildah {
                    None
                } else {
                    payload_size(program, &tag, req.payload.unwrap_or(&b.path))
                },
                user: inspect(&tag, user_fmt).unwrap_or_else(|| "?".into()),
                entrypoint: inspect(&tag, entry_fmt).unwrap_or_else(|| "?".into()),
                tag,
            }
        })
        .collect()
}

/// The size of a file or folder in an image: create a container, copy it out.
fn payload_size(program: &Path, tag: &str, path: &str) -> Option<u64> {
    let out = Command::new(program).args(["create", tag]).output().ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || id.is_empty() {
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    let dest = dir.path().join("binary");
    let copied = Command::new(program)
        .arg("cp")
        .arg(format!("{id}:{path}"))
        .arg(&dest)
        .output();
    let _ = Command::new(program).args(["rm", &id]).output();
    copied.ok()?.status.success().then(|| tree_size(&dest))
}

/// Bytes of a file, or of every file under a folder (links not followed).
fn tree_size(path: &Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| tree_size(&e.path()))
            .sum(),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
}

/// Bytes in MB with one decimal.
pub fn mb(bytes: Option<u64>) -> String {
    bytes.map_or("?".to_string(), |b| {
        format!("{:.1} MB", b as f64 / 1_000_000.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_names_every_target() {
        assert_eq!(
            network_hcl(&["api", "worker"], "host"),
            "target \"api\" {\n  network = \"host\"\n}\ntarget \"worker\" {\n  network = \"host\"\n}\n"
        );
    }
}
