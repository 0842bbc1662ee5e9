//! The render context: everything a template may use, and the tool's one
//! public contract with the templates users override. Plain data, made by
//! the ecosystems' planners; `cargo distroless templates` lists every field
//! with the doc comment written here.
//!
//! The shape only grows: a field is never renamed or removed without a new
//! [`CONTEXT_VERSION`], so overrides written against it keep rendering.

use schemars::JsonSchema;
use serde::Serialize;

use crate::layout;

/// The version of this contract. Templates may test it to stay compatible.
pub const CONTEXT_VERSION: u32 = 1;

/// The render context.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Context {
    /// The version of this context's shape (1).
    pub context_version: u32,
    /// About the tool that wrote the file.
    pub generator: Generator,
    /// The ecosystem's name; picks the main template (`<ecosystem>/Dockerfile`).
    pub ecosystem: &'static str,
    /// A short name for the project: the root package, else the root folder,
    /// made a valid image name.
    pub project: String,
    /// The stage that builds.
    pub builder: Builder,
    /// The distroless image every final stage starts from.
    pub runtime: Runtime,
    /// The ecosystem's own section, under its name (`rust.*`,
    /// `python.*`): read only by that ecosystem's templates.
    #[serde(flatten)]
    #[schemars(skip)]
    pub section: Section,
    /// One final stage each; the default (built without `--target`) is last.
    pub binaries: Vec<Binary>,
    /// The project's own `.dockerignore` lines, kept above the generated
    /// sections when the tool took the file over (comments included).
    pub dockerignore_project: Vec<String>,
    /// `.dockerignore` sections.
    pub dockerignore: Vec<IgnoreSection>,
    /// Paths re-admitted after the ignore rules, because `include` needs them.
    pub dockerignore_keep: Vec<String>,
    /// `.dockerignore` sections after the re-admissions: the secret
    /// patterns again (so a re-admitted folder keeps its secrets out on
    /// every engine), then any secret-looking path `include` names.
    #[serde(default)]
    pub dockerignore_after_keep: Vec<IgnoreSection>,
    /// Facts worth a comment at the top of the Dockerfile.
    pub notes: Vec<String>,
    /// Whether `docker-bake.hcl` is written beside the Dockerfile (several
    /// binaries, unless `bake = false`).
    pub bake: bool,
    /// Whether `compose.yaml` is written beside the Dockerfile (`compose =
    /// true`, or `init --compose`).
    pub compose: bool,
    /// The Dockerfile's name: `Dockerfile`, or the `file` setting (then the
    /// other files follow it: `NAME.dockerignore`, `NAME.bake.hcl`, …).
    pub dockerfile: String,
}

/// An ecosystem's section of the context: its name and its data, which
/// only that ecosystem's templates read. The core passes it through.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: &'static str,
    pub value: serde_json::Value,
}

impl Section {
    /// The section `name`, holding `data` as the templates will see it.
    pub fn new<T: Serialize>(name: &'static str, data: &T) -> Section {
        Section {
            name,
            // Plain data of strings, numbers and lists always serialises.
            value: serde_json::to_value(data).unwrap_or_default(),
        }
    }
}

impl Serialize for Section {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.name, &self.value)?;
        map.end()
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Generator {
    /// `cargo-distroless`.
    pub name: &'static str,
    /// The command that regenerates the files.
    pub command: &'static str,
    /// Where per-repository template overrides live.
    pub templates_dir: &'static str,
}

impl Generator {
    /// This tool, as the generated files name it.
    pub fn ours() -> Generator {
        Generator {
            name: layout::TOOL,
            command: layout::REGENERATE,
            templates_dir: layout::OVERRIDE_DIR,
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Builder {
    /// e.g. `rust:1-slim-trixie` (behind the `mirror`, when set).
    pub image: String,
    /// What `FROM` names: the image, with `@sha256:…` when pinned.
    pub from: String,
    /// The stage name, `builder` unless a binary is called that.
    pub stage: String,
    /// Where the build context is copied.
    pub workdir: &'static str,
    /// Folder in the builder stage where finished binaries are gathered;
    /// `<out_dir>/libs/<binary>/` holds the shared libraries each one needs
    /// that the runtime image lacks.
    pub out_dir: &'static str,
    /// Debian packages the builder installs, each with the reason.
    pub packages: Vec<AptPackage>,
    /// A folder the final stage copies whole (a virtual environment, say):
    /// the library step leaves the libraries under it, or null.
    pub own_libraries: Option<String>,
}

/// A Debian package the builder installs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AptPackage {
    /// The package name.
    pub name: String,
    /// Why: the crates or settings that need it, comma-separated.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Runtime {
    /// e.g. `gcr.io/distroless/cc-debian13:nonroot` (behind the `mirror`,
    /// when set).
    pub image: String,
    /// What `FROM` names: the image, with `@sha256:…` when pinned.
    pub from: String,
    /// The pinned digest (the multi-platform index's), or null.
    pub digest: Option<String>,
    /// The distroless family, e.g. `cc`.
    pub family: &'static str,
    /// e.g. `debian13`.
    pub distro: &'static str,
    /// `65532:65532`, the image's nonroot user.
    pub user: String,
    /// The application's working directory.
    pub workdir: &'static str,
    /// The image tag: `nonroot`, or `debug-nonroot` with `debug = true`.
    pub tag: &'static str,
    /// Shared libraries (sonames) the image ships, space-separated: the
    /// builder copies in any other library a binary loads.
    pub libraries: String,
}

/// One image and its final stage: a Rust binary, or the Python application.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Binary {
    /// The binary's name, as cargo builds it (the project's, for Python).
    pub name: String,
    /// The stage name (`docker build --target <stage>`).
    pub stage: String,
    /// The image name its tags use: the stage name made a valid reference.
    pub image: String,
    /// The package that defines it.
    pub package: String,
    /// The package's version; null when a Python project's version is
    /// dynamic and cannot be read (no version label, no version tag).
    pub version: Option<String>,
    /// Image tags for it: `<stage>:<version>` (when known) and `<stage>:latest`.
    pub tags: Vec<String>,
    /// Where the binary lives in the image (the entrypoint's program).
    pub path: String,
    /// The exec-form `ENTRYPOINT` list.
    pub entrypoint: Vec<String>,
    /// Whether this is the last stage, the one built by default.
    pub default: bool,
    /// Ports to `EXPOSE` (the `port` setting).
    pub ports: Vec<u16>,
    /// Variables to set (the `env` setting), sorted by name.
    pub env: Vec<EnvVar>,
    /// Files copied into the image from the build context (the `include`
    /// setting; empty for a Python script project, whose whole filtered
    /// source is copied).
    pub include: Vec<Include>,
    /// The `CMD` list.
    pub args: Vec<String>,
    /// OCI labels from the package metadata.
    pub labels: Vec<Label>,
    /// The `HEALTHCHECK`, exec form (the `healthcheck` setting), or null.
    pub healthcheck: Option<Healthcheck>,
    /// The init that runs as PID 1 in front of the entrypoint (`init = true`),
    /// or null.
    pub init: Option<Init>,
    /// The signal `docker stop` sends, when the program wants another than
    /// SIGTERM (a Python program ignores SIGTERM as PID 1; uWSGI reloads on
    /// it), or the `stop-signal` key's; null for SIGTERM.
    pub stop_signal: Option<String>,
    /// The images this one needs first (`depends-on`), for compose.yaml.
    pub depends_on: Vec<DependsOn>,
}

/// An image another needs first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DependsOn {
    /// Its image (and compose service) name.
    pub service: String,
    /// `service_healthy` when it has a health check, else `service_started`.
    pub condition: &'static str,
}

/// A health check run by a probe the image carries, needing no shell.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Healthcheck {
    /// The probe command, exec form: exit 0 when the path answers 2xx or 3xx.
    pub test: Vec<String>,
    /// Where the probe program is in the image.
    pub probe: String,
    /// The port probed on 127.0.0.1.
    pub port: u16,
    /// The HTTP path probed.
    pub path: String,
    /// How often, a Docker duration such as `30s`.
    pub interval: String,
    /// How long one probe may take.
    pub timeout: String,
    /// How long after the start failures do not count.
    pub start_period: String,
    /// Failures in a row before the container is unhealthy.
    pub retries: u32,
}

/// The init process: Debian's static tini.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Init {
    /// Where the builder has it.
    pub from: &'static str,
    /// Where the image has it; the entrypoint starts with it.
    pub path: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Its value, literal (quote it with `dq`).
    pub value: String,
}

impl EnvVar {
    pub fn new(name: &str, value: &str) -> EnvVar {
        EnvVar {
            name: name.to_string(),
            value: value.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Label {
    /// e.g. `org.opencontainers.image.version`.
    pub key: String,
    /// The value, literal (quote it with `dq`).
    pub value: String,
}

/// An `include` entry resolved against the build context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Include {
    /// Path in the build context, with forward slashes.
    pub src: String,
    /// Absolute path in the image.
    pub dest: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IgnoreSection {
    /// What the rules are for.
    pub comment: String,
    /// `.dockerignore` patterns.
    pub patterns: Vec<String>,
}
