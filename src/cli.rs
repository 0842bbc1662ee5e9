//! Command-line types. Cargo runs `cargo-distroless distroless <cmd>` for
//! `cargo distroless <cmd>`; the extra word is dropped before clap sees it, so
//! both spellings take the same arguments.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::ecosystems::{Flags, rust::Selection};
use crate::pipeline::Request;
use crate::settings::ProjectSettings;

/// Write a Dockerfile that builds your project and runs it, non-root, on the
/// smallest correct gcr.io/distroless image.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-distroless",
    bin_name = "cargo distroless",
    version,
    about
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect the project and write `Dockerfile` and `.dockerignore` at its root.
    Init(InitArgs),
    /// Exit 1 (with the diff and the reason) if a generated file is stale, 0 if
    /// all are current, 2 on errors. Writes nothing.
    Check(ProjectArgs),
    /// Copy built-in templates into `.distroless/templates/` for editing.
    Eject(EjectArgs),
    /// List the templates, which ones this repository overrides, and the
    /// fields of the render context.
    Templates(TemplatesArgs),
    /// Build the images with the container engine found on PATH, then report
    /// each one's size, base, binary, user and entrypoint.
    Build(BuildArgs),
    /// Ask the registries again for every pinned base image's digest and
    /// rewrite the pins (only the pins), one line per image: old → new.
    Update(TargetArgs),
}

/// Options of `build`.
#[derive(Debug, Args, Default, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Build only this binary's image (repeatable; default: every image).
    #[arg(long = "bin", value_name = "NAME")]
    pub bins: Vec<String>,

    /// Tag the image with this name (one --bin only; default: <stage>:<version>
    /// and <stage>:latest).
    #[arg(long, value_name = "TAG", value_parser = image_reference)]
    pub tag: Option<String>,

    /// Target platform(s), e.g. linux/amd64,linux/arm64.
    #[arg(long, value_name = "PLATFORM", value_parser = platforms)]
    pub platform: Option<String>,

    /// Push the images instead of loading them locally.
    #[arg(long)]
    pub push: bool,

    /// The engine: docker (with buildx), podman or buildah (default: the first found).
    #[arg(long, value_enum)]
    pub engine: Option<crate::engine::Engine>,

    /// Network mode for RUN steps, e.g. `host`.
    #[arg(long, value_name = "MODE", value_parser = network)]
    pub network: Option<String>,

    /// Import build cache from here (repeatable), passed to the engine, e.g.
    /// `type=registry,ref=ghcr.io/acme/app-cache:api`.
    #[arg(long, value_name = "SOURCE", value_parser = cache_spec)]
    pub cache_from: Vec<String>,

    /// Export the build cache here (repeatable), passed to the engine, e.g.
    /// `type=registry,ref=ghcr.io/acme/app-cache:api,mode=max`.
    #[arg(long, value_name = "DEST", value_parser = cache_spec)]
    pub cache_to: Vec<String>,

    /// Build each image twice, the builder's cache emptied in between
    /// (`docker builder prune -af`), and fail unless both builds have one
    /// digest. Needs docker with the containerd image store.
    #[arg(long, conflicts_with = "push")]
    pub reproducible: bool,

    /// Write an SPDX 2.3 JSON document per image into this folder (`sbom`
    /// when none is named): `<image>.spdx.json` lists the base image, the
    /// Debian packages copied in, and the application's packages.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "push",
        num_args = 0..=1,
        default_missing_value = "sbom"
    )]
    pub sbom: Option<PathBuf>,
}

/// Which project, as its files record it, with no choices: what `update`
/// takes.
#[derive(Debug, Args, Default, Clone)]
pub struct TargetArgs {
    /// The project directory (default: the current one).
    pub path: Option<PathBuf>,

    /// Path to Cargo.toml, instead of PATH/Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// Read the folder as this ecosystem's project, whatever else it holds
    /// (a Cargo.toml beside a pyproject.toml, say); the configuration's
    /// `ecosystem` key does the same.
    #[arg(long, value_enum)]
    pub ecosystem: Option<crate::ecosystems::Ecosystem>,
}

impl TargetArgs {
    /// What the pipeline is asked for: the project as its files record it.
    pub fn request(&self) -> Request {
        Request {
            path: self.path.clone(),
            manifest_path: self.manifest_path.clone(),
            ecosystem: self.ecosystem,
            ..Request::default()
        }
    }
}

/// Which project, and the choices that shape its files.
#[derive(Debug, Args, Default, Clone)]
pub struct ProjectArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Package only the binaries of this workspace member (repeatable).
    /// Config key: `packages`.
    #[arg(short = 'p', long = "package", value_name = "SPEC", value_parser = cargo_name)]
    pub packages: Vec<String>,

    /// Package only this binary (repeatable); the first named becomes the
    /// default stage unless a package's `default-run` is among them.
    /// Config key: `bins`.
    #[arg(long = "bin", value_name = "NAME", value_parser = cargo_name)]
    pub bins: Vec<String>,

    /// Rust version of the builder image, X.Y or X.Y.Z (a numeric channel in
    /// rust-toolchain.toml takes precedence; never below `rust-version`).
    /// Config key: `rust-version`.
    #[arg(long, value_name = "X.Y[.Z]")]
    pub rust_version: Option<String>,

    /// Cargo features to enable in the image build (comma-separated or
    /// repeated). Config key: `features`.
    #[arg(short = 'F', long, value_name = "FEATURES", value_delimiter = ',', value_parser = cargo_feature)]
    pub features: Vec<String>,

    /// Build without the default features. Config key: `no-default-features`.
    #[arg(long)]
    pub no_default_features: bool,

    /// Build with every feature. Config key: `all-features`.
    #[arg(long)]
    pub all_features: bool,

    /// The cargo profile to build with (default: release). Config key: `profile`.
    #[arg(long, value_name = "NAME", value_parser = cargo_profile)]
    pub profile: Option<String>,

    /// Also write compose.yaml: one service per image, with ports, health
    /// checks and `depends-on`. Config key: `compose`.
    #[arg(long)]
    pub compose: bool,

    /// Write the Dockerfile under this name, beside the project's own
    /// (`NAME.dockerignore` and the rest follow it). Config key: `file`.
    #[arg(long, value_name = "NAME", value_parser = dockerfile_name)]
    pub file: Option<String>,

    /// Pin every base image by digest (`image:tag@sha256:…`, the
    /// multi-platform index's), asked of its registry. Config key: `pin`.
    #[arg(long)]
    pub pin: bool,

    /// Take the base images from this registry, keeping their paths
    /// (`<mirror>/distroless/cc-debian13`, `<mirror>/library/rust`).
    /// Config key: `mirror`.
    #[arg(long, value_name = "HOST[/PATH]", value_parser = mirror)]
    pub mirror: Option<String>,

    /// Print what was detected and why each image, package and library was
    /// chosen (to standard error).
    #[arg(long)]
    pub explain: bool,
}

impl ProjectArgs {
    /// The choices given as flags.
    pub fn flags(&self) -> Flags {
        Flags {
            shared: ProjectSettings {
                compose: self.compose.then_some(true),
                file: self.file.clone(),
                pin: self.pin.then_some(true),
                mirror: self.mirror.clone(),
            },
            rust: self.rust_flags(),
        }
    }

    /// The Rust choices given as flags.
    fn rust_flags(&self) -> Selection {
        Selection {
            packages: self.packages.clone(),
            bins: self.bins.clone(),
            rust_version: self.rust_version.clone(),
            features: self.features.clone(),
            no_default_features: self.no_default_features,
            all_features: self.all_features,
            profile: self.profile.clone(),
            ..Selection::default()
        }
    }

    /// What the pipeline is asked for.
    pub fn request(&self) -> Request {
        Request {
            flags: self.flags(),
            explain: self.explain,
            resolve: crate::bases::Resolve::Never,
            ..self.target.request()
        }
    }
}

impl BuildArgs {
    /// What the pipeline is asked for: the project as its files record it.
    pub fn request(&self) -> Request {
        self.target.request()
    }
}

impl EjectArgs {
    /// The project whose override folder gets the templates.
    pub fn request(&self) -> Request {
        Request {
            path: self.path.clone(),
            manifest_path: self.manifest_path.clone(),
            ..Request::default()
        }
    }
}

impl TemplatesArgs {
    /// The project whose overrides are listed.
    pub fn request(&self) -> Request {
        Request {
            path: self.path.clone(),
            manifest_path: self.manifest_path.clone(),
            ..Request::default()
        }
    }
}

/// Options of `init`.
#[derive(Debug, Args, Default, Clone)]
pub struct InitArgs {
    #[command(flatten)]
    pub project: ProjectArgs,

    /// Replace existing files even when they were written or edited by hand.
    #[arg(long)]
    pub force: bool,

    /// Print the Dockerfile to standard output and write nothing.
    #[arg(long)]
    pub stdout: bool,
}

/// Options of `eject`.
#[derive(Debug, Args, Default, Clone)]
pub struct EjectArgs {
    /// Templates to copy, by name or file (default: all); see `templates`.
    pub names: Vec<String>,

    /// The project directory, whose `.distroless/templates/` gets them
    /// (default: the current one).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Path to Cargo.toml of the project (default: the one here).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// Overwrite templates already in `.distroless/templates/`.
    #[arg(long)]
    pub force: bool,
}

/// Options of `templates`.
#[derive(Debug, Args, Default, Clone)]
pub struct TemplatesArgs {
    /// The project directory, whose overrides are listed (default: the
    /// current one).
    pub path: Option<PathBuf>,

    /// Print as JSON (templates, and the render context as a JSON Schema).
    #[arg(long)]
    pub json: bool,

    /// Path to Cargo.toml of the project (default: the one here).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

/// A flag value in a grammar of [`crate::grammar`].
fn grammar_value(check: crate::grammar::Rule) -> impl Fn(&str) -> Result<String, String> {
    move |value| {
        check(value)
            .map(|()| value.to_string())
            .map_err(String::from)
    }
}

fn cargo_name(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::cargo_name)(value)
}

fn cargo_feature(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::cargo_feature)(value)
}

fn cargo_profile(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::cargo_profile)(value)
}

fn dockerfile_name(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::dockerfile_name)(value)
}

fn image_reference(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::image_reference)(value)
}

fn mirror(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::mirror)(value)
}

fn cache_spec(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::cache_spec)(value)
}

fn platforms(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::platforms)(value)
}

fn network(value: &str) -> Result<String, String> {
    grammar_value(crate::grammar::network)(value)
}

/// Parses the process arguments.
pub fn parse() -> Cli {
    Cli::parse_from(strip_cargo_word(std::env::args_os()))
}

/// Drops the `distroless` that cargo inserts when it runs us as a subcommand.
pub fn strip_cargo_word(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a == "distroless") {
        args.remove(1);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cargo_word_is_optional() {
        let via_cargo =
            strip_cargo_word(["cargo-distroless", "distroless", "init"].map(OsString::from));
        let direct = strip_cargo_word(["cargo-distroless", "init"].map(OsString::from));
        assert_eq!(via_cargo, direct);
    }

    #[test]
    fn bins_and_packages_repeat() {
        let cli = Cli::parse_from([
            "x", "init", "--bin", "a", "--bin", "b", "-p", "p1", "-p", "p2",
        ]);
        let Command::Init(args) = cli.command else {
            panic!("init")
        };
        assert_eq!(args.project.bins, ["a", "b"]);
        assert_eq!(args.project.packages, ["p1", "p2"]);
    }
}
