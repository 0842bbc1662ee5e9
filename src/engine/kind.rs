//! Which engine: a leaf, so that driving an engine and reading its layers
//! both name it without importing each other.

/// A container engine the tool can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Docker with the buildx plugin.
    Docker,
    Podman,
    Buildah,
}

impl Engine {
    pub fn program(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
        }
    }
}
