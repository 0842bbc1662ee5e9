//! The Node section of the render context (`node.*`): read only by the
//! templates under `templates/node/`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::context::EnvVar;
use crate::render::schema::SectionSchema;

/// The section's schema, for `templates`.
pub fn schema() -> SectionSchema {
    SectionSchema {
        name: "node",
        about: "How the Node application is installed and built (Node projects; null otherwise).",
        schema: schemars::schema_for!(NodeBuild),
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NodeBuild {
    /// The Node major of builder and runtime, e.g. `24`.
    pub version: String,
    /// Why that major.
    pub version_source: String,
    /// `npm`, `pnpm`, `yarn` or `bun`.
    pub package_manager: &'static str,
    /// The lockfile the install follows, or null (`unlocked = true`).
    pub lockfile: Option<String>,
    /// Environment for the builder's tools.
    pub builder_env: Vec<EnvVar>,
    /// Installs the package manager at the project's version, if the
    /// builder lacks it.
    pub tool_command: Option<String>,
    /// Files copied (each to the same path) before the install: the
    /// manifests (every workspace member's too), the lockfile and the
    /// package manager's configuration.
    pub manifests: Vec<String>,
    /// Installs exactly what the lockfile locks, dev dependencies included.
    pub install_command: String,
    /// The package manager's cache, kept as a cache mount.
    pub cache_dir: &'static str,
    /// The production install's cache mount options after `target=`:
    /// `sharing=shared`, or, for a cache two installs cannot use at once
    /// (yarn 1's), an `id` of its own and `sharing=locked`.
    pub deps_cache: String,
    /// The full install's cache mount options, as `deps_cache`.
    pub build_cache: String,
    /// Runs the `build` script, if there is one.
    pub build_command: Option<String>,
    /// Installs the production dependencies alone, in a stage of their
    /// own that only the manifests key: the image's layer of them is the
    /// same until a dependency changes.
    pub production_command: String,
    /// The stage both installs start from: the builder image with the
    /// package manager and the manifests.
    pub base_stage: String,
    /// The stage of the production dependencies.
    pub deps_stage: String,
    /// Folders the app may write to (`writable`), absolute.
    pub writable: Vec<String>,
    /// Where the runtime image has node.
    pub node: &'static str,
    /// A Next.js app with standalone output: the image takes
    /// `.next/standalone` (its own traced node_modules included),
    /// `.next/static` and `public`, not the whole app.
    pub next_standalone: bool,
}
