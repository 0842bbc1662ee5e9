//! The Rust section of the render context (`rust.*`): read only by the
//! templates under `templates/rust/`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::render::schema::SectionSchema;

/// The section's schema, for `templates`.
pub fn schema() -> SectionSchema {
    SectionSchema {
        name: "rust",
        about: "How the Rust build runs (Rust projects; null otherwise).",
        schema: schemars::schema_for!(RustBuild),
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RustBuild {
    /// The builder image's Rust tag: `1`, the newest stable release (the
    /// tag moves with each), or the exact `X.Y[.Z]` a toolchain file pins.
    pub version: String,
    /// Why that version.
    pub version_source: String,
    /// Whether Cargo.lock exists, so the build is `--locked`.
    pub locked: bool,
    /// The cargo profile.
    pub profile: String,
    /// The shell command that builds (a static build first sets `TARGET`
    /// and `RUSTFLAGS`).
    pub build_command: String,
    /// Where cargo leaves the binaries, relative to the builder's workdir.
    pub artifact_dir: String,
    /// A fully static build (`runtime = "static"`): no shared libraries.
    pub static_build: bool,
    /// Crates that link system libraries or need build tools.
    pub native: Vec<NativeDep>,
    /// Cache-mount id of the target directory, unique to the project.
    pub target_cache_id: String,
    /// Packages with a build script (they run in the builder).
    pub build_scripts: Vec<String>,
    /// The toolchain file kept out of the build context, if any: the builder
    /// image already is that toolchain, and rustup would otherwise fetch it.
    pub toolchain_file: Option<String>,
    /// Whether the builder builds the health probe, some image having a
    /// `healthcheck`.
    pub probe: bool,
    /// The cargo-auditable version the builder installs to embed each
    /// binary's crate list (scanners read it), or null (`auditable =
    /// false`, or a vendored build, which runs offline).
    pub auditable: Option<&'static str>,
    /// Where the compiled dependencies are kept (the `cache` setting):
    /// `layers`, an image layer built from the dependency plan, which every
    /// cache export keeps; or `mounts`, a cache mount of the target folder,
    /// which only a persistent builder keeps.
    pub cache: &'static str,
    /// The dependency plan, with `cache = "layers"`; null with mounts.
    pub plan: Option<DependencyPlan>,
}

/// What the dependencies are built from: the manifests, Cargo.lock and a
/// stand-in for each target, gathered in a stage of their own so that only
/// these files key the dependency layer. Paths are relative to the
/// workspace root and shell-quoted.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DependencyPlan {
    /// The stage that gathers the plan.
    pub stage: String,
    /// Where that stage gathers it.
    pub dir: &'static str,
    /// Copied as they are: manifests, Cargo.lock, cargo's configuration,
    /// vendored crates, and the crates `[patch]` points at or that are
    /// path dependencies but not members.
    pub copy: Vec<String>,
    /// Folders the stand-ins go in.
    pub dirs: Vec<String>,
    /// Stand-ins for libraries: empty files.
    pub libs: Vec<String>,
    /// Stand-ins for programs (bins, build scripts, declared examples,
    /// tests and benches): `fn main() {}`.
    pub mains: Vec<String>,
    /// The manifests of the members stood in for, and Cargo.lock: the plan
    /// keeps of them only what the dependency build reads (no
    /// `[*.metadata]` tables, descriptions or authors; members at version
    /// 0.0.0), so settings, a release or a new description keep the layer.
    pub manifests: Vec<String>,
    /// The members whose version Cargo.lock records as 0.0.0 in the plan.
    pub members: Vec<String>,
}

/// A crate from the native-library table found in Cargo.lock.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NativeDep {
    /// The crate, e.g. `openssl-sys`.
    pub krate: String,
    /// The library it stands for, e.g. `OpenSSL`.
    pub library: String,
    /// `system` (linked from the builder's packages) or `built in`
    /// (vendored/bundled into the binary).
    pub linkage: String,
    /// The feature that built it in, if any.
    pub because: Option<String>,
    /// Shared libraries the binary loads because of it.
    pub runtime_libs: Vec<String>,
}
