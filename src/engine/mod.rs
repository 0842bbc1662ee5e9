//! The container engines that `cargo distroless build` drives over the
//! generated files, and what each built image holds. The tool runs no engine
//! of its own: scaling out is BuildKit's job (bake, remote builders).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::context::Binary;
use crate::error::{fail, warn};

mod buildx;
pub use buildx::parse_buildx;
mod kind;
pub mod layers;

pub use kind::Engine;

/// Finds the engine: the one asked for, else docker with buildx, else podman,
/// else buildah.
pub fn find_engine(asked: Option<Engine>) -> Result<(Engine, PathBuf)> {
    // An engine runs by the name PATH finds it under, so that the commands
    // the tool prints read as a user would type them.
    let usable = |e: Engine| -> Option<PathBuf> {
        which::which(e.program()).ok()?;
        if e == Engine::Docker {
            let ok = Command::new(e.program())
                .args(["buildx", "version"])
                .output()
                .ok()?
                .status
                .success();
            if !ok {
                return None;
            }
        }
        Some(PathBuf::from(e.program()))
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
#[derive(Clone)]
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
    /// The Dockerfile's name.
    pub dockerfile: &'a str,
    /// The runtime image, for the size report.
    pub runtime_image: &'a str,
    /// `--cache-from` and `--cache-to`, as the user gave them.
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    /// `SOURCE_DATE_EPOCH`: passed as the build argument BuildKit stamps
    /// the image with, and as the `org.opencontainers.image.created` label.
    pub epoch: Option<u64>,
}

impl Request<'_> {
    /// `(build argument, label)` pairs the epoch sets, as `KEY=value`.
    fn dated(&self) -> Option<(String, String)> {
        self.epoch.map(|e| {
            (
                format!("SOURCE_DATE_EPOCH={e}"),
                format!(
                    "org.opencontainers.image.created={}",
                    crate::epoch::rfc3339(e)
                ),
            )
        })
    }
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
                if let Some((arg, label)) = req.dated() {
                    cmd.arg("--set").arg(format!("*.args.{arg}"));
                    cmd.arg("--set").arg(format!("*.labels.{label}"));
                }
                for (key, specs) in [("cache-from", &req.cache_from), ("cache-to", &req.cache_to)] {
                    for spec in specs {
                        cmd.arg("--set").arg(format!("*.{key}={spec}"));
                    }
                }
                cmd.arg(if req.push { "--push" } else { "--load" });
                return stream(cmd, "docker buildx bake");
            }
            warn(
                "this buildx cannot set the network in bake (0.17 can); building the images one by one",
            );
        }
    }
    if engine != Engine::Docker {
        if let Some(spec) = req
            .cache_from
            .iter()
            .chain(&req.cache_to)
            .find(|s| crate::grammar::cache_repository(s).is_none())
        {
            return Err(fail(
                format!(
                    "{} keeps build cache in a registry only, not `{spec}`",
                    engine.program()
                ),
                "give a registry repository, e.g. --cache-to type=registry,ref=registry.example.com/app-cache (or build with docker)",
            ));
        }
    }
    for b in &req.targets {
        let mut cmd = Command::new(program);
        cmd.current_dir(req.root).args(build_args(engine, req, b));
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

/// The arguments of one image's build, after the program. podman and
/// buildah build in Docker's image format, whose config keeps the
/// Dockerfile's `SHELL` (bash with `-e` and `pipefail`): the OCI format they
/// default to drops it, and a pipeline that fails part-way would then pass.
/// buildah also keeps each step as a layer (`--layers`), as BuildKit and
/// podman do, so an unchanged step is not run again.
pub(crate) fn build_args(engine: Engine, req: &Request, b: &Binary) -> Vec<String> {
    let mut args: Vec<String> = match engine {
        Engine::Docker => vec!["buildx".into(), "build".into()],
        Engine::Podman => vec!["build".into(), "--format".into(), "docker".into()],
        Engine::Buildah => vec![
            "build".into(),
            "--format".into(),
            "docker".into(),
            "--layers".into(),
        ],
    };
    args.extend([
        "-f".into(),
        req.dockerfile.into(),
        "--target".into(),
        b.stage.clone(),
    ]);
    for t in req.tags(b) {
        args.extend(["-t".into(), t]);
    }
    if let Some(p) = &req.platform {
        args.extend(["--platform".into(), p.clone()]);
    }
    if let Some(n) = &req.network {
        args.extend(["--network".into(), n.clone()]);
    }
    if let Some((arg, label)) = req.dated() {
        args.extend(["--build-arg".into(), arg, "--label".into(), label]);
    }
    for (flag, specs) in [
        ("--cache-from", &req.cache_from),
        ("--cache-to", &req.cache_to),
    ] {
        for spec in specs {
            // podman and buildah take the registry repository alone.
            let value = match engine {
                Engine::Docker => spec.as_str(),
                _ => crate::grammar::cache_repository(spec).unwrap_or(spec),
            };
            args.extend([flag.into(), value.into()]);
        }
    }
    if engine == Engine::Docker {
        args.push(if req.push { "--push" } else { "--load" }.into());
    }
    args.push(".".into());
    args
}

/// Runs an engine command, printed first as a line that can be pasted,
/// its output streaming through.
pub(crate) fn stream(mut cmd: Command, what: &str) -> Result<()> {
    crate::errln!("$ {}", crate::shell::command(&cmd));
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
    buildx::parse_buildx(&String::from_utf8_lossy(&out.stdout))
}

/// One built image, as the report shows it.
#[derive(Debug)]
pub struct ImageReport {
    pub tag: String,
    pub size: Option<u64>,
    pub base: Option<u64>,
    /// Everything above the base: the sum of `parts`.
    pub payload: Option<u64>,
    /// The payload by where it lands (`/venv`, `/app`, the binary, libraries).
    pub parts: Vec<layers::Part>,
    pub user: String,
    pub entrypoint: String,
}

/// What an engine's JSON says of an image.
#[derive(Debug, Default, PartialEq)]
pub struct Inspected {
    /// Bytes, as the engine counts them.
    pub size: Option<u64>,
    pub user: Option<String>,
    /// The exec-form entrypoint, as JSON.
    pub entrypoint: Option<String>,
    /// The manifest's media type, which tells Docker's format from OCI's.
    pub manifest_type: Option<String>,
}

/// Reads an image from the engine's JSON (`image inspect`, or buildah's
/// `inspect`), which keeps its shape across versions where format
/// templates do not.
pub fn inspect(engine: Engine, program: &Path, image: &str) -> Option<Inspected> {
    let out = match engine {
        Engine::Buildah => Command::new(program)
            .args(["inspect", "--type", "image", image])
            .output(),
        _ => Command::new(program)
            .args(["image", "inspect", image])
            .output(),
    }
    .ok()?;
    if !out.status.success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(match engine {
        Engine::Buildah => from_buildah(&json),
        _ => from_image_inspect(json.get(0)?),
    })
}

/// `docker|podman image inspect`: one object per image.
fn from_image_inspect(image: &serde_json::Value) -> Inspected {
    let config = &image["Config"];
    Inspected {
        size: image["Size"].as_u64(),
        user: config["User"].as_str().map(String::from),
        entrypoint: Some(crate::render::helpers::json(&config["Entrypoint"])),
        manifest_type: image["ManifestType"].as_str().map(String::from),
    }
}

/// `buildah inspect --type image`: the config in Docker's and OCI's shape,
/// and the manifest as a string, whose layers give the size.
fn from_buildah(image: &serde_json::Value) -> Inspected {
    let config = ["Docker", "OCIv1"]
        .iter()
        .map(|k| &image[k]["config"])
        .find(|c| c.is_object())
        .cloned()
        .unwrap_or_default();
    let manifest: serde_json::Value = image["Manifest"]
        .as_str()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default();
    let size = manifest["layers"].as_array().map(|layers| {
        let layers: u64 = layers.iter().filter_map(|l| l["size"].as_u64()).sum();
        layers + manifest["config"]["size"].as_u64().unwrap_or(0)
    });
    Inspected {
        size,
        user: config["User"].as_str().map(String::from),
        entrypoint: Some(crate::render::helpers::json(&config["Entrypoint"])),
        manifest_type: manifest["mediaType"].as_str().map(String::from),
    }
}

/// Inspects each built image: size, base size, the payload's parts, user,
/// entrypoint.
pub fn report(engine: Engine, program: &Path, req: &Request) -> Vec<ImageReport> {
    let base = inspect(engine, program, req.runtime_image).and_then(|i| i.size);
    let base_layers = layers::history(engine, program, req.runtime_image);
    req.targets
        .iter()
        .map(|b| {
            let tag = req.tags(b).swap_remove(0);
            let image = inspect(engine, program, &tag).unwrap_or_default();
            let parts = layers::history(engine, program, &tag)
                .zip(base_layers.as_ref())
                .and_then(|(layers, base)| layers::payload(&layers, base));
            ImageReport {
                size: image.size,
                base,
                payload: parts.as_ref().map(|p| p.iter().map(|p| p.size).sum()),
                parts: parts.unwrap_or_default(),
                user: image.user.unwrap_or_else(|| "?".into()),
                entrypoint: image.entrypoint.unwrap_or_else(|| "?".into()),
                tag,
            }
        })
        .collect()
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

    fn binary(stage: &str) -> Binary {
        Binary {
            name: stage.into(),
            stage: stage.into(),
            image: stage.into(),
            package: stage.into(),
            version: Some("1.0.0".into()),
            tags: vec![format!("{stage}:1.0.0"), format!("{stage}:latest")],
            path: format!("/usr/local/bin/{stage}"),
            entrypoint: vec![format!("/usr/local/bin/{stage}")],
            default: true,
            ports: vec![],
            env: vec![],
            include: vec![],
            args: vec![],
            labels: vec![],
            healthcheck: None,
            init: None,
            stop_signal: None,
            depends_on: vec![],
        }
    }

    #[test]
    fn podman_and_buildah_build_in_docker_format() {
        let api = binary("api");
        let req = Request {
            root: Path::new("/p"),
            targets: vec![&api],
            all: true,
            tag: None,
            platform: Some("linux/amd64".into()),
            push: false,
            network: Some("host".into()),
            bake_file: None,
            dockerfile: "Dockerfile",
            runtime_image: "gcr.io/distroless/cc-debian13:nonroot",
            cache_from: vec![],
            cache_to: vec![],
            epoch: None,
        };
        let cached = Request {
            cache_from: vec!["type=registry,ref=127.0.0.1:5000/cache:api".into()],
            cache_to: vec!["type=registry,ref=127.0.0.1:5000/cache:api,mode=max".into()],
            ..req.clone()
        };
        assert!(
            build_args(Engine::Podman, &cached, &api)
                .join(" ")
                .ends_with(
                    "--cache-from 127.0.0.1:5000/cache:api --cache-to 127.0.0.1:5000/cache:api ."
                )
        );
        assert!(
            build_args(Engine::Docker, &cached, &api)
                .join(" ")
                .contains("--cache-to type=registry,ref=127.0.0.1:5000/cache:api,mode=max --load")
        );
        let dated = Request {
            epoch: Some(1_700_000_000),
            ..req.clone()
        };
        assert!(
            build_args(Engine::Buildah, &dated, &api).join(" ").contains(
                "--build-arg SOURCE_DATE_EPOCH=1700000000 --label org.opencontainers.image.created=2023-11-14T22:13:20Z"
            )
        );
        let line = |e| build_args(e, &req, &api).join(" ");
        assert_eq!(
            line(Engine::Podman),
            "build --format docker -f Dockerfile --target api -t api:1.0.0 -t api:latest --platform linux/amd64 --network host ."
        );
        assert_eq!(
            line(Engine::Buildah),
            "build --format docker --layers -f Dockerfile --target api -t api:1.0.0 -t api:latest --platform linux/amd64 --network host ."
        );
        assert_eq!(
            line(Engine::Docker),
            "buildx build -f Dockerfile --target api -t api:1.0.0 -t api:latest --platform linux/amd64 --network host --load ."
        );
    }

    #[test]
    fn reports_read_each_engines_json() {
        let podman = serde_json::json!({
            "Size": 27310727u64,
            "ManifestType": "application/vnd.docker.distribution.manifest.v2+json",
            "Config": {"User": "65532:65532", "Entrypoint": ["/usr/local/bin/api"]}
        });
        assert_eq!(
            from_image_inspect(&podman),
            Inspected {
                size: Some(27310727),
                user: Some("65532:65532".into()),
                entrypoint: Some("[\"/usr/local/bin/api\"]".into()),
                manifest_type: Some("application/vnd.docker.distribution.manifest.v2+json".into()),
            }
        );
        let manifest = serde_json::json!({
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"size": 1788},
            "layers": [{"size": 3010560}, {"size": 1024}]
        });
        let buildah = serde_json::json!({
            "Docker": {"config": {"User": "65532:65532", "Entrypoint": ["/bin/true"]}},
            "OCIv1": {"config": {"User": "65532:65532"}},
            "Manifest": manifest.to_string()
        });
        let i = from_buildah(&buildah);
        assert_eq!(i.size, Some(3010560 + 1024 + 1788));
        assert_eq!(i.entrypoint.as_deref(), Some("[\"/bin/true\"]"));
        assert_eq!(i.user.as_deref(), Some("65532:65532"));
        assert_eq!(
            i.manifest_type.as_deref(),
            Some("application/vnd.docker.distribution.manifest.v2+json")
        );
    }
}
