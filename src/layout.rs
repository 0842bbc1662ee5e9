//! Fixed names and paths: the files the tool writes, where overrides live,
//! and the folders every generated image uses. A leaf: it imports nothing.

/// Where a repository keeps its template overrides, relative to its root.
pub const OVERRIDE_DIR: &str = ".distroless/templates";

/// The application's working directory in every image.
pub const APP_DIR: &str = "/app";

/// Where the Rust builder copies the build context.
pub const BUILD_DIR: &str = "/build";

/// Where the builder gathers what the final stages copy: binaries, and
/// `libs/` with the shared libraries the runtime lacks.
pub const OUT_DIR: &str = "/out";

/// Where a Python project's virtual environment lives, in builder and image.
pub const VENV: &str = "/venv";

/// Where a Rust image carries the health probe: off PATH, where no binary of
/// the project lands.
pub const PROBE: &str = "/usr/local/lib/cargo-distroless/healthcheck";

/// Debian's static tini in the builder, and where images carry it.
pub const INIT_FROM: &str = "/usr/bin/tini-static";
pub const INIT: &str = "/usr/bin/tini";

/// The tool's name, as generated files name it.
pub const TOOL: &str = "cargo-distroless";

/// The command that regenerates the files.
pub const REGENERATE: &str = "cargo distroless init";

/// The Dockerfile's usual name.
pub const DOCKERFILE: &str = "Dockerfile";

/// A file the tool generates at the project root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GeneratedFile {
    Dockerfile,
    Dockerignore,
    /// `docker-bake.hcl`, with several images (or `bake = true`).
    Bake,
    /// `compose.yaml`, when asked for.
    Compose,
}

impl GeneratedFile {
    /// Its file name beside a Dockerfile named `dockerfile`: the usual names
    /// beside `Dockerfile`; beside another, names that follow it
    /// (`NAME.dockerignore`, which BuildKit reads for `-f NAME`).
    pub fn name_beside(self, dockerfile: &str) -> String {
        if dockerfile == DOCKERFILE {
            return self.file_name().to_string();
        }
        match self {
            GeneratedFile::Dockerfile => dockerfile.to_string(),
            GeneratedFile::Dockerignore => format!("{dockerfile}.dockerignore"),
            GeneratedFile::Bake => format!("{dockerfile}.bake.hcl"),
            GeneratedFile::Compose => format!("{dockerfile}.compose.yaml"),
        }
    }

    /// Its usual file name at the project root.
    pub fn file_name(self) -> &'static str {
        match self {
            GeneratedFile::Dockerfile => DOCKERFILE,
            GeneratedFile::Dockerignore => ".dockerignore",
            GeneratedFile::Bake => "docker-bake.hcl",
            GeneratedFile::Compose => "compose.yaml",
        }
    }
}
