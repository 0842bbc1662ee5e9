//! Detection + options + catalogue → one `Plan`: the documented context every
//! template sees. Pure: no I/O, so every decision is unit-tested here.

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::{APP_DIR, Include, Selection};
use crate::detect::rust::{RustPackage, RustProject};
use crate::error::fail;
use crate::images::{self, NONROOT_UID, Variant};
use crate::native;

pub mod python;

/// The render context: everything a template may use. Field names are the
/// contract with user templates; `cargo distroless templates` lists them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plan {
    /// About the tool that wrote the file.
    pub generator: Generator,
    /// `rust` (more ecosystems later); picks the main template.
    pub ecosystem: &'static str,
    /// A short name for the project: the root package, else the root folder
    /// (lowercased to be a valid image name).
    pub project: String,
    /// The stage that compiles.
    pub builder: Builder,
    /// The distroless image every final stage starts from.
    pub runtime: Runtime,
    /// How the Rust build runs (Rust projects).
    pub rust: Option<RustBuild>,
    /// How the Python environment is built (Python projects).
    pub python: Option<python::PythonBuild>,
    /// One final stage each; the default (built without `--target`) is last.
    pub binaries: Vec<Binary>,
    /// `.dockerignore` sections.
    pub dockerignore: Vec<IgnoreSection>,
    /// Paths re-admitted after the ignore rules, because `include` needs them.
    pub dockerignore_keep: Vec<String>,
    /// Facts worth a comment at the top of the Dockerfile.
    pub notes: Vec<String>,
    /// Whether `docker-bake.hcl` is written beside the Dockerfile (several
    /// binaries, unless `bake = false`).
    pub bake: bool,
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Builder {
    /// e.g. `rust:1.95-slim-trixie`.
    pub image: String,
    /// The stage name, `builder` unless a binary is called that.
    pub stage: String,
    /// Where the build context is copied.
    pub workdir: &'static str,
    /// Folder in the builder stage where finished binaries are gathered;
    /// `<out_dir>/libs/<binary>/` holds the shared libraries each one needs
    /// that the runtime image lacks.
    pub out_dir: &'static str,
    /// Debian packages the builder installs, each with the crates that need it.
    pub packages: Vec<AptPackage>,
}

/// A Debian package the builder installs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AptPackage {
    /// The package name.
    pub name: String,
    /// Why: the crates that need it.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Runtime {
    /// e.g. `gcr.io/distroless/cc-debian13:nonroot`.
    pub image: String,
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RustBuild {
    /// The builder's Rust version, e.g. `1.95`.
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

/// One binary and its final stage.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Binary {
    /// The binary's name, as cargo builds it.
    pub name: String,
    /// The stage name (`docker build --target <stage>`).
    pub stage: String,
    /// The package that defines it.
    pub package: String,
    /// The package's version.
    pub version: String,
    /// Image tags for it: `<stage>:<version>` and `<stage>:latest`.
    pub tags: Vec<String>,
    /// Where the binary lives in the image.
    pub path: String,
    /// The exec-form `ENTRYPOINT` list.
    pub entrypoint: Vec<String>,
    /// Whether this is the last stage, the one built by default.
    pub default: bool,
    /// Ports to `EXPOSE` (the `port` setting).
    pub ports: Vec<u16>,
    /// Variables to set (the `env` setting), sorted by name.
    pub env: Vec<EnvVar>,
    /// Files copied into the image (the `include` setting).
    pub include: Vec<Include>,
    /// The `CMD` list.
    pub args: Vec<String>,
    /// OCI labels from the package metadata.
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Its value, literal (quote it with `dq`).
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Label {
    /// e.g. `org.opencontainers.image.version`.
    pub key: String,
    /// The value, literal (quote it with `dq`).
    pub value: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IgnoreSection {
    /// What the rules are for.
    pub comment: String,
    /// `.dockerignore` patterns.
    pub patterns: Vec<String>,
}

/// A plan and the warnings to show while making it.
#[derive(Debug)]
pub struct Planned {
    pub plan: Plan,
    pub warnings: Vec<String>,
    /// What was detected and why each image, package and library was chosen.
    pub explanation: Vec<String>,
}

/// Plans the Dockerfile for a Rust project.
pub fn rust(project: &RustProject, opts: &Selection) -> anyhow::Result<Planned> {
    let mut warnings = Vec::new();
    let selected = select(project, opts, &mut warnings)?;
    let (distro, family, variant) = runtime_choice(opts, &mut warnings)?;
    let native = native_uses(project, opts);
    let static_build = family.name == "static";
    if static_build {
        if let Some(n) = native.iter().find(|n| n.links_system_library()) {
            let fix = n
                .krate
                .built_in_by
                .iter()
                .find(|(_, f)| !f.is_empty())
                .map(|(c, f)| {
                    format!(
                        "enable the `{f}` feature of `{c}` to build {} in, or",
                        n.krate.library
                    )
                })
                .unwrap_or_default();
            return Err(fail(
                format!(
                    "runtime = \"static\" cannot be met: `{}` links the system {} ({}) at run time, and static-{} has no shared libraries",
                    n.krate.krate,
                    n.krate.library,
                    n.krate.runtime_libs.join(", "),
                    distro.id
                ),
                format!(
                    "{fix} use runtime = \"cc\" (the default), which gets the library copied in"
                ),
            ));
        }
    }

    let (version, version_source) = rust_version(project, &selected, opts, &mut warnings)?;

    let stages: Vec<String> = selected.iter().map(|s| stage_name(&s.bin)).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, stage) in stages.iter().enumerate() {
        if let Some(&j) = first_with.get(stage.as_str()) {
            return Err(fail(
                format!(
                    "binaries `{}` and `{}` would both be the stage `{stage}`",
                    selected[j].bin, selected[i].bin
                ),
                "pick one with --bin, or rename one of them",
            ));
        }
        first_with.insert(stage, i);
    }
    let builder_stage = (0..)
        .map(|i| {
            if i == 0 {
                "builder".to_string()
            } else {
                format!("builder-{i}")
            }
        })
        .find(|n| !stages.contains(n))
        .expect("an unused stage name exists");

    let mut notes = Vec::new();
    if static_build {
        notes.push(
            "The binaries are static (glibc, crt-static): they cannot load NSS modules, so names resolve through /etc/hosts and DNS only.".into(),
        );
    }
    if !project.lockfile {
        warnings.push(
            "no Cargo.lock: the image build resolves dependencies afresh each time; run `cargo generate-lockfile` and commit Cargo.lock for reproducible builds".into(),
        );
        notes.push(
            "No Cargo.lock: dependencies are resolved afresh at build time (not --locked).".into(),
        );
    }

    let profile = opts.profile.clone().unwrap_or_else(|| "release".into());
    let profile_dir = match profile.as_str() {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    }
    .to_string();
    let mut build_command = String::new();
    if static_build {
        build_command.push_str(
            "TARGET=\"$(rustc -vV | sed -n 's/^host: //p')\" && RUSTFLAGS=\"-C target-feature=+crt-static\" ",
        );
    }
    build_command.push_str("cargo build");
    if profile == "release" {
        build_command.push_str(" --release");
    } else {
        build_command.push_str(&format!(" --profile {profile}"));
    }
    if project.lockfile {
        build_command.push_str(" --locked");
    }
    if static_build {
        build_command.push_str(" --target \"$TARGET\"");
    }
    let mut features: BTreeSet<String> = opts.features.iter().cloned().collect();
    let mut seen_packages: BTreeSet<&str> = BTreeSet::new();
    for s in &selected {
        seen_packages.insert(&s.package.name);
        for f in &s.required_features {
            features.insert(format!("{}/{f}", s.package.name));
        }
    }
    for p in &seen_packages {
        build_command.push_str(&format!(" --package {p}"));
    }
    let mut bin_names: Vec<&str> = selected.iter().map(|s| s.bin.as_str()).collect();
    bin_names.sort_unstable();
    for b in &bin_names {
        build_command.push_str(&format!(" --bin {b}"));
    }
    if opts.all_features {
        build_command.push_str(" --all-features");
    } else if !features.is_empty() {
        let list: Vec<&str> = features.iter().map(String::as_str).collect();
        build_command.push_str(&format!(" --features {}", list.join(",")));
    }
    if opts.no_default_features {
        build_command.push_str(" --no-default-features");
    }
    let artifact_dir = if static_build {
        format!("target/$TARGET/{profile_dir}")
    } else {
        format!("target/{profile_dir}")
    };

    let mut packages: Vec<AptPackage> = Vec::new();
    for n in &native {
        for name in n.packages() {
            match packages.iter_mut().find(|p| p.name == *name) {
                Some(p) => p.reason.push_str(&format!(", {}", n.krate.krate)),
                None => packages.push(AptPackage {
                    name: name.to_string(),
                    reason: n.krate.krate.to_string(),
                }),
            }
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let runtime_libraries = family.libraries(distro);

    let build_scripts: Vec<String> = project
        .packages
        .iter()
        .filter(|p| p.build_script)
        .map(|p| p.name.clone())
        .collect();

    let project_name = crate::plan::stage_name(&project.name);

    let binaries = selected
        .iter()
        .zip(&stages)
        .enumerate()
        .map(|(i, (s, stage))| binary(s, stage, i + 1 == selected.len()))
        .collect();

    let mut keep: Vec<String> = selected
        .iter()
        .flat_map(|s| s.package.settings.include.iter().map(|inc| inc.src.clone()))
        .collect();
    keep.sort();
    keep.dedup();

    let plan = Plan {
        generator: Generator::ours(),
        ecosystem: "rust",
        project: project_name.clone(),
        builder: Builder {
            image: images::rust_builder(&version, distro, true),
            stage: builder_stage,
            workdir: "/build",
            out_dir: "/out",
            packages,
        },
        runtime: Runtime {
            image: images::runtime_image(family, distro, variant),
            family: family.name,
            distro: distro.id,
            user: format!("{NONROOT_UID}:{NONROOT_UID}"),
            workdir: APP_DIR,
            tag: variant.tag(),
            libraries: runtime_libraries.join(" "),
        },
        rust: Some(RustBuild {
            version,
            version_source,
            locked: project.lockfile,
            profile,
            build_command,
            artifact_dir,
            static_build,
            native: native
                .iter()
                .map(|n| NativeDep {
                    krate: n.krate.krate.to_string(),
                    library: n.krate.library.to_string(),
                    linkage: if n.built_in { "built in" } else { "system" }.to_string(),
                    because: n.because.clone(),
                    runtime_libs: if n.links_system_library() {
                        n.krate.runtime_libs.iter().map(|l| l.to_string()).collect()
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            target_cache_id: format!("{project_name}-target"),
            build_scripts,
            toolchain_file: project.toolchain.as_ref().map(|t| t.file.clone()),
        }),
        python: None,
        binaries,
        dockerignore: dockerignore(
            project.toolchain.as_ref().map(|t| t.file.as_str()),
            RUST_IGNORES,
        ),
        dockerignore_keep: keep,
        notes,
        bake: opts.bake.unwrap_or(selected.len() > 1),
    };
    let explanation = explain(project, &plan, distro, family);
    Ok(Planned {
        plan,
        warnings,
        explanation,
    })
}

/// Distro, runtime family and tag from the options, checked against the
/// catalogue.
fn runtime_choice(
    opts: &Selection,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(&'static images::Distro, &'static images::Runtime, Variant)> {
    let distro_id = opts.distro.as_deref().unwrap_or(images::DEFAULT_DISTRO);
    let Some(distro) = images::distro(distro_id) else {
        let ids: Vec<&str> = images::DISTROS.iter().map(|d| d.id).collect();
        return Err(fail(
            format!(
                "distro = \"{distro_id}\" is not a Debian release distroless publishes images for ({ROOT_TABLE})"
            ),
            format!("use one of: {}", ids.join(", ")),
        ));
    };
    if distro.end_of_life {
        warnings.push(format!(
            "{} ({}) images are past their support date and receive no security updates; prefer {}",
            distro.id,
            distro.codename,
            images::DEFAULT_DISTRO
        ));
    }
    let name = opts.runtime.as_deref().unwrap_or("cc");
    let rust_families = ["cc", "base", "base-nossl", "static"];
    let family = images::runtime(name).filter(|r| rust_families.contains(&r.name));
    let Some(family) = family else {
        return Err(fail(
            format!("runtime = \"{name}\" is not a runtime for Rust binaries ({ROOT_TABLE})"),
            format!("use one of: {}", rust_families.join(", ")),
        ));
    };
    if !family.distros.contains(&distro.id) {
        return Err(fail(
            format!(
                "there is no {}-{} image ({ROOT_TABLE})",
                family.name, distro.id
            ),
            "choose another runtime or distro",
        ));
    }
    let variant = if opts.debug {
        Variant::DebugNonroot
    } else {
        Variant::Nonroot
    };
    Ok((distro, family, variant))
}

/// The native crates in the lockfile, with the features members (and the
/// configured `features`) turn on.
fn native_uses(project: &RustProject, opts: &Selection) -> Vec<native::NativeUse> {
    let configured: Vec<(String, String)> = opts
        .features
        .iter()
        .filter_map(|f| f.split_once('/'))
        .map(|(c, f)| (c.trim_end_matches('?').to_string(), f.to_string()))
        .collect();
    native::uses(&project.locked_crates, |krate, feature| {
        let pair = (krate.to_string(), feature.to_string());
        project.enabled_features.contains(&pair) || configured.contains(&pair)
    })
}

/// What was detected and why each image, package and library was chosen.
fn explain(
    project: &RustProject,
    plan: &Plan,
    distro: &images::Distro,
    family: &images::Runtime,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(rust) = &plan.rust else { return out };
    let kind = match (&project.root_package, project.packages.len()) {
        (Some(_), 1) => "a single package".to_string(),
        (Some(_), n) => format!("a workspace of {n} members with a root package"),
        (None, n) => format!("a virtual workspace of {n} members"),
    };
    out.push(format!(
        "project: {} at {}, {kind}",
        plan.project,
        project.root.display()
    ));
    for p in &project.packages {
        let mut facts = Vec::new();
        if !p.bins.is_empty() {
            facts.push(format!(
                "binaries {}",
                p.bins
                    .iter()
                    .map(|b| b.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if p.build_script {
            facts.push("a build script".into());
        }
        if !p.path_deps.is_empty() {
            facts.push(format!("path dependencies {}", p.path_deps.join(", ")));
        }
        if let Some(d) = &p.default_run {
            facts.push(format!("default-run {d}"));
        }
        let facts = if facts.is_empty() {
            "a library".to_string()
        } else {
            facts.join("; ")
        };
        out.push(format!("  member {} ({}): {facts}", p.name, p.manifest));
    }
    let stages: Vec<String> = plan
        .binaries
        .iter()
        .map(|b| {
            if b.default {
                format!("{} (default)", b.stage)
            } else {
                b.stage.clone()
            }
        })
        .collect();
    out.push(format!("images: {}", stages.join(", ")));
    out.push(format!(
        "builder: {}: Rust {} ({}), on Debian {} (glibc {}), the release of the runtime",
        plan.builder.image, rust.version, rust.version_source, distro.codename, distro.glibc
    ));
    out.push(format!(
        "runtime: {}: {}",
        plan.runtime.image, family.use_for
    ));
    out.push(format!(
        "build: {}{}",
        rust.build_command,
        if rust.locked {
            " (Cargo.lock exists)"
        } else {
            " (no Cargo.lock)"
        }
    ));
    if rust.native.is_empty() {
        out.push("native libraries: none of the known -sys crates is in Cargo.lock".into());
    }
    let shipped: Vec<&str> = plan.runtime.libraries.split_whitespace().collect();
    for n in &rust.native {
        let how = match (&n.because, n.linkage.as_str()) {
            (Some(b), _) => format!("built in by {b}"),
            (None, "built in") => "built in by default".to_string(),
            _ => "from the system".to_string(),
        };
        let pkgs: Vec<&str> = plan
            .builder
            .packages
            .iter()
            .filter(|p| p.reason.split(", ").any(|r| r == n.krate))
            .map(|p| p.name.as_str())
            .collect();
        let mut line = format!("native: {} ({}) {how}", n.krate, n.library);
        if !pkgs.is_empty() {
            line.push_str(&format!("; the builder installs {}", pkgs.join(" ")));
        }
        for lib in &n.runtime_libs {
            if shipped.contains(&lib.as_str()) {
                line.push_str(&format!("; {lib} is in {}", family.name));
            } else {
                line.push_str(&format!(
                    "; {lib} is not in {}, so it is copied from the builder",
                    family.name
                ));
            }
        }
        out.push(line);
    }
    if rust.static_build {
        out.push("libraries: none; the binaries are linked statically (glibc's NSS modules cannot load: DNS uses files and dns only)".into());
    } else {
        out.push(format!(
            "libraries: at build time each binary's shared-library closure (ldd) minus the {} libraries {} ships is copied into its image",
            shipped.len(),
            family.name
        ));
    }
    out
}

/// A binary chosen for the image, with its package.
struct Selected<'a> {
    bin: String,
    package: &'a RustPackage,
    required_features: Vec<String>,
}

/// Picks the binaries to package, default last.
fn select<'a>(
    project: &'a RustProject,
    opts: &Selection,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<Selected<'a>>> {
    for name in &opts.packages {
        if !project.packages.iter().any(|p| &p.name == name) {
            let members: Vec<&str> = project.packages.iter().map(|p| p.name.as_str()).collect();
            return Err(fail(
                format!(
                    "no workspace member named `{name}` in {}",
                    project.root.join("Cargo.toml").display()
                ),
                format!("the members are: {}", members.join(", ")),
            ));
        }
    }
    let in_scope: Vec<&RustPackage> = project
        .packages
        .iter()
        .filter(|p| opts.packages.is_empty() || opts.packages.contains(&p.name))
        .collect();
    let all: Vec<(&RustPackage, &crate::detect::rust::Bin)> = in_scope
        .iter()
        .flat_map(|p| p.bins.iter().map(move |b| (*p, b)))
        .collect();

    if all.is_empty() {
        let manifests: Vec<&str> = in_scope.iter().map(|p| p.manifest.as_str()).collect();
        return Err(fail(
            format!(
                "no binary target to containerise in {}: {} only a library",
                manifests.join(", "),
                if manifests.len() == 1 {
                    "it builds"
                } else {
                    "they build"
                }
            ),
            "add src/main.rs (or a [[bin]] target) to the package that should run in the image, or pass -p for a member that has one",
        ));
    }

    // Same name in two packages: cargo would overwrite one with the other.
    let mut owner: HashMap<&str, &RustPackage> = HashMap::new();
    for (p, b) in &all {
        if let Some(q) = owner.insert(&b.name, p) {
            return Err(fail(
                format!(
                    "the binary name `{}` is used by both `{}` and `{}`",
                    b.name, q.name, p.name
                ),
                "rename one of them, or choose one package with -p",
            ));
        }
    }

    let mut chosen: Vec<Selected> = Vec::new();
    if opts.bins.is_empty() {
        for (p, b) in &all {
            if b.required_features.is_empty() {
                chosen.push(Selected {
                    bin: b.name.clone(),
                    package: p,
                    required_features: vec![],
                });
            } else {
                warnings.push(format!(
                    "skipping binary `{}`: it requires the features {}; pass --bin {} to include it",
                    b.name,
                    b.required_features.join(", "),
                    b.name
                ));
            }
        }
        if chosen.is_empty() {
            return Err(fail(
                "every binary requires features that are not enabled by default",
                "name the binaries to package with --bin",
            ));
        }
    } else {
        for name in &opts.bins {
            let Some((p, b)) = all.iter().find(|(_, b)| &b.name == name) else {
                let names: Vec<&str> = all.iter().map(|(_, b)| b.name.as_str()).collect();
                return Err(fail(
                    format!(
                        "no binary named `{name}` in {}",
                        project.root.join("Cargo.toml").display()
                    ),
                    format!("the binaries are: {}", names.join(", ")),
                ));
            };
            if !chosen.iter().any(|s| &s.bin == name) {
                chosen.push(Selected {
                    bin: b.name.clone(),
                    package: p,
                    required_features: b.required_features.clone(),
                });
            }
        }
    }

    let default = default_index(project, opts, &chosen, warnings);
    let default = chosen.remove(default);
    chosen.sort_by(|a, b| a.bin.cmp(&b.bin));
    chosen.push(default);
    Ok(chosen)
}

/// Which binary the last (default) stage runs: a `default-run` (the root
/// package's first), else the only one, else the first `--bin`, else the
/// root package's only binary, else the first by name, with a warning.
fn default_index(
    project: &RustProject,
    opts: &Selection,
    chosen: &[Selected],
    warnings: &mut Vec<String>,
) -> usize {
    let is_default_run = |s: &Selected| s.package.default_run.as_deref() == Some(s.bin.as_str());
    let is_root = |s: &Selected| project.root_package.as_deref() == Some(s.package.name.as_str());
    if let Some(i) = chosen.iter().position(|s| is_default_run(s) && is_root(s)) {
        return i;
    }
    let runs: Vec<usize> = (0..chosen.len())
        .filter(|&i| is_default_run(&chosen[i]))
        .collect();
    if runs.len() == 1 {
        return runs[0];
    }
    if chosen.len() == 1 {
        return 0;
    }
    if !opts.bins.is_empty() {
        return 0;
    }
    let root_bins: Vec<usize> = (0..chosen.len()).filter(|&i| is_root(&chosen[i])).collect();
    if root_bins.len() == 1 {
        return root_bins[0];
    }
    let first = (0..chosen.len())
        .min_by(|&a, &b| chosen[a].bin.cmp(&chosen[b].bin))
        .unwrap_or(0);
    warnings.push(format!(
        "several binaries and no `default-run`: `{}` is the default stage; set `default-run` in its package, or name the default first with --bin",
        chosen[first].bin
    ));
    first
}

fn binary(s: &Selected, stage: &str, default: bool) -> Binary {
    let p = s.package;
    let labels = labels(
        &s.bin,
        &p.version,
        [&p.description, &p.license, &p.repository],
    );
    Binary {
        name: s.bin.clone(),
        stage: stage.to_string(),
        package: p.name.clone(),
        version: p.version.clone(),
        tags: image_tags(stage, &p.version),
        path: format!("/usr/local/bin/{}", s.bin),
        entrypoint: vec![format!("/usr/local/bin/{}", s.bin)],
        default,
        ports: p.settings.ports.clone(),
        env: p
            .settings
            .env
            .iter()
            .map(|(k, v)| EnvVar {
                name: k.clone(),
                value: v.clone(),
            })
            .collect(),
        include: p.settings.include.clone(),
        args: p.settings.args.clone(),
        labels,
    }
}

impl Generator {
    /// This tool, as the generated files name it.
    pub fn ours() -> Generator {
        Generator {
            name: "cargo-distroless",
            command: "cargo distroless init",
            templates_dir: crate::render::OVERRIDE_DIR,
        }
    }
}

/// OCI labels: title and version always; description, licenses and source
/// when the project has them, each on one line.
pub(crate) fn labels(title: &str, version: &str, optional: [&Option<String>; 3]) -> Vec<Label> {
    let label = |key: &str, value: String| Label {
        key: format!("org.opencontainers.image.{key}"),
        value,
    };
    let mut labels = vec![
        label("title", title.to_string()),
        label("version", version.to_string()),
    ];
    for (key, value) in ["description", "licenses", "source"]
        .into_iter()
        .zip(optional)
    {
        if let Some(v) = value.as_deref().map(one_line).filter(|v| !v.is_empty()) {
            labels.push(label(key, v));
        }
    }
    labels
}

/// An image's tags: `<stage>:<version>` and `<stage>:latest`.
pub(crate) fn image_tags(stage: &str, version: &str) -> Vec<String> {
    vec![format!("{stage}:{version}"), format!("{stage}:latest")]
}

/// Collapses whitespace runs (newlines included) to single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Docker stage name for a binary: lowercase letters, digits, `-`, `_`, `.`,
/// starting with a letter.
pub fn stage_name(bin: &str) -> String {
    let mut s: String = bin
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert_str(0, "bin-");
    }
    s
}

/// Lists the fields of the render context from its JSON Schema, as
/// (`path`, description) pairs: `binaries[].name`, …
pub fn context_fields(
    schema: &serde_json::Value,
    root: &serde_json::Value,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    let resolve = |v: &serde_json::Value| -> serde_json::Value {
        let mut v = v.clone();
        // `Option<T>` is `anyOf: [{$ref}, {type: null}]`; `T` is `$ref`.
        if let Some(any) = v.get("anyOf").and_then(|a| a.as_array()) {
            if let Some(first) = any
                .iter()
                .find(|x| x.get("type") != Some(&serde_json::json!("null")))
            {
                v = first.clone();
            }
        }
        if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
            let name = r.trim_start_matches("#/$defs/");
            if let Some(def) = root.get("$defs").and_then(|d| d.get(name)) {
                return def.clone();
            }
        }
        v
    };
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    for (name, prop) in props {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let about = prop
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let target = resolve(prop);
        let items = target.get("items").map(&resolve);
        match items {
            Some(item) if item.get("properties").is_some() => {
                out.push((format!("{path}[]"), about));
                context_fields(&item, root, &format!("{path}[]"), out);
            }
            _ if target.get("properties").is_some() => {
                out.push((path.clone(), about));
                context_fields(&target, root, &path, out);
            }
            _ => out.push((path, about)),
        }
    }
}

type Version = (u64, u64, Option<u64>);

/// Where `runtime`, `distro` and the other whole-project keys are set.
const ROOT_TABLE: &str = "set in [workspace.metadata.distroless] or the root package's [package.metadata.distroless] of the root Cargo.toml";

/// Whether text is a Rust version, X.Y or X.Y.Z.
pub(crate) fn is_rust_version(text: &str) -> bool {
    parse_version(text).is_some()
}

fn parse_version(text: &str) -> Option<Version> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = match parts.next() {
        Some(p) => Some(p.parse().ok()?),
        None => None,
    };
    parts.next().is_none().then_some((major, minor, patch))
}

fn older(a: Version, b: Version) -> bool {
    (a.0, a.1, a.2.unwrap_or(u64::MAX)) < (b.0, b.1, b.2.unwrap_or(0))
}

/// The builder's Rust version: a numeric toolchain pin, else `--rust-version`,
/// else the newest stable the catalogue knows; never below `rust-version`.
fn rust_version(
    project: &RustProject,
    selected: &[Selected],
    opts: &Selection,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(String, String)> {
    let flag = match &opts.rust_version {
        Some(v) if parse_version(v).is_none() => {
            return Err(fail(
                format!("--rust-version `{v}` is not a Rust version"),
                "give it as X.Y or X.Y.Z, e.g. --rust-version 1.95",
            ));
        }
        other => other.clone(),
    };
    let pinned = project
        .toolchain
        .as_ref()
        .and_then(|t| parse_version(&t.channel).map(|_| t));
    if let Some(t) = &project.toolchain {
        if pinned.is_none() && t.channel != "stable" {
            warnings.push(format!(
                "{} names the channel `{}`, which has no official Rust image; the builder uses stable Rust",
                t.file, t.channel
            ));
        }
    }
    let (mut version, mut source) = match (pinned, flag) {
        (Some(t), flag) => {
            if let Some(f) = flag.filter(|f| *f != t.channel) {
                warnings.push(format!(
                    "--rust-version {f} is ignored: {} pins {}",
                    t.file, t.channel
                ));
            }
            (t.channel.clone(), format!("pinned by {}", t.file))
        }
        (None, Some(f)) => (f, "--rust-version".to_string()),
        (None, None) => (
            images::RUST_STABLE.to_string(),
            "the newest stable Rust the catalogue knows".to_string(),
        ),
    };
    let msrv = selected
        .iter()
        .filter_map(|s| s.package.rust_version.map(|v| (v, &s.package.name)))
        .max_by_key(|(v, _)| *v);
    if let Some(((major, minor, patch), pkg)) = msrv {
        let need = (major, minor, Some(patch));
        let have = parse_version(&version).expect("validated above");
        if older(have, need) {
            let text = if patch == 0 {
                format!("{major}.{minor}")
            } else {
                format!("{major}.{minor}.{patch}")
            };
            warnings.push(format!(
                "Rust {version} is older than `{pkg}`'s rust-version; the builder uses Rust {text}"
            ));
            version = text;
            source = format!("the rust-version of {pkg}");
        }
    }
    Ok((version, source))
}

/// Build output of Rust projects.
const RUST_IGNORES: (&str, &[&str]) = (
    "Build output: never needed inside the image build.",
    &["target/"],
);

/// The `.dockerignore` rules: the ecosystem's build debris, then secrets,
/// editor debris, this tool's templates, and a pinned toolchain file.
pub(crate) fn dockerignore(
    toolchain_file: Option<&str>,
    first: (&str, &[&str]),
) -> Vec<IgnoreSection> {
    let section = |comment: &str, patterns: &[&str]| IgnoreSection {
        comment: comment.to_string(),
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
    };
    let mut sections = vec![
        section(first.0, first.1),
        section("Version control.", &[".git/", ".hg/", ".svn/"]),
        section(
            "Secrets: keep credentials out of the build context.",
            &[
                "**/.env",
                "**/.env.*",
                "**/*.pem",
                "**/*.key",
                "**/*.p12",
                "**/*.pfx",
                "**/id_rsa*",
                "**/id_ed25519*",
                "**/.ssh/",
                "**/.aws/",
                "**/.netrc",
                "**/.npmrc",
                "**/.pypirc",
                "**/.docker/config.json",
            ],
        ),
        section(
            "Editor and OS debris.",
            &[
                "**/.idea/",
                "**/.vscode/",
                "**/*.swp",
                "**/*.swo",
                "**/*~",
                "**/.DS_Store",
                "**/Thumbs.db",
            ],
        ),
        section(
            "Templates for this tool: not part of the build.",
            &[".distroless/"],
        ),
    ];
    if let Some(file) = toolchain_file {
        sections.push(IgnoreSection {
            comment: "The builder image already is the pinned toolchain; inside it rustup would download another copy.".into(),
            patterns: vec![file.to_string()],
        });
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::detect::rust::{Bin, Toolchain};

    fn pkg(name: &str, bins: &[&str]) -> RustPackage {
        RustPackage {
            name: name.into(),
            version: "0.1.0".into(),
            description: None,
            license: None,
            repository: None,
            dir: String::new(),
            manifest: "Cargo.toml".into(),
            bins: bins
                .iter()
                .map(|b| Bin {
                    name: b.to_string(),
                    required_features: vec![],
                })
                .collect(),
            build_script: false,
            path_deps: vec![],
            default_run: None,
            rust_version: None,
            settings: Settings::default(),
        }
    }

    fn project(packages: Vec<RustPackage>, root: Option<&str>) -> RustProject {
        RustProject {
            name: root.unwrap_or("w").into(),
            root: "/w".into(),
            root_package: root.map(String::from),
            packages,
            lockfile: true,
            locked_crates: vec![],
            enabled_features: vec![],
            toolchain: None,
            selection: Default::default(),
        }
    }

    fn plan(p: &RustProject, opts: &Selection) -> Planned {
        rust(p, opts).unwrap()
    }

    fn stages(p: &Planned) -> Vec<&str> {
        p.plan.binaries.iter().map(|b| b.stage.as_str()).collect()
    }

    #[test]
    fn default_run_is_last() {
        let mut a = pkg("app", &["admin", "web", "zz"]);
        a.default_run = Some("web".into());
        let p = plan(&project(vec![a], Some("app")), &Selection::default());
        assert_eq!(stages(&p), ["admin", "zz", "web"]);
        assert!(p.plan.binaries[2].default);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn ambiguous_default_warns_and_is_deterministic() {
        let ws = project(vec![pkg("b", &["beta"]), pkg("a", &["alpha"])], None);
        let p = plan(&ws, &Selection::default());
        assert_eq!(stages(&p), ["beta", "alpha"]);
        assert!(p.warnings.iter().any(|w| w.contains("no `default-run`")));
    }

    #[test]
    fn first_bin_flag_is_default() {
        let ws = project(vec![pkg("a", &["alpha", "beta", "gamma"])], Some("a"));
        let opts = Selection {
            bins: vec!["gamma".into(), "alpha".into()],
            ..Default::default()
        };
        let p = plan(&ws, &opts);
        assert_eq!(stages(&p), ["alpha", "gamma"]);
        assert!(
            p.plan
                .rust
                .as_ref()
                .unwrap()
                .build_command
                .ends_with("--package a --bin alpha --bin gamma")
        );
    }

    #[test]
    fn unknown_bin_lists_the_real_ones() {
        let ws = project(vec![pkg("a", &["alpha", "beta"])], Some("a"));
        let opts = Selection {
            bins: vec!["gama".into()],
            ..Default::default()
        };
        let text = crate::error::format(&rust(&ws, &opts).unwrap_err());
        assert!(text.contains("no binary named `gama`"), "{text}");
        assert!(text.contains("alpha, beta"), "{text}");
    }

    #[test]
    fn library_only_is_an_error() {
        let ws = project(vec![pkg("lib", &[])], Some("lib"));
        let text = crate::error::format(&rust(&ws, &Selection::default()).unwrap_err());
        assert!(text.contains("no binary target"), "{text}");
        assert!(text.contains("hint:"), "{text}");
    }

    #[test]
    fn unknown_package_is_an_error() {
        let ws = project(vec![pkg("a", &["a"])], Some("a"));
        let opts = Selection {
            packages: vec!["b".into()],
            ..Default::default()
        };
        assert!(
            crate::error::format(&rust(&ws, &opts).unwrap_err()).contains("the members are: a")
        );
    }

    #[test]
    fn required_features_are_skipped_unless_named() {
        let mut a = pkg("a", &["main", "extra"]);
        a.bins[1].required_features = vec!["cli".into()];
        let ws = project(vec![a], Some("a"));
        let p = plan(&ws, &Selection::default());
        assert_eq!(stages(&p), ["main"]);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("requires the features cli"))
        );
        let p = plan(
            &ws,
            &Selection {
                bins: vec!["extra".into()],
                ..Default::default()
            },
        );
        assert!(
            p.plan
                .rust
                .as_ref()
                .unwrap()
                .build_command
                .ends_with("--bin extra --features a/cli"),
            "{}",
            p.plan.rust.as_ref().unwrap().build_command
        );
    }

    #[test]
    fn rust_version_order_of_precedence() {
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        assert_eq!(
            plan(&ws, &Selection::default()).plan.builder.image,
            "rust:1.95-slim-trixie"
        );
        let flag = Selection {
            rust_version: Some("1.90.1".into()),
            ..Default::default()
        };
        assert_eq!(
            plan(&ws, &flag).plan.builder.image,
            "rust:1.90.1-slim-trixie"
        );
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain.toml".into(),
            channel: "1.88".into(),
        });
        let p = plan(&ws, &flag);
        assert_eq!(p.plan.builder.image, "rust:1.88-slim-trixie");
        assert!(p.warnings.iter().any(|w| w.contains("ignored")));
        ws.packages[0].rust_version = Some((1, 91, 0));
        let p = plan(&ws, &flag);
        assert_eq!(p.plan.builder.image, "rust:1.91-slim-trixie");
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain".into(),
            channel: "nightly".into(),
        });
        let p = plan(&ws, &Selection::default());
        assert_eq!(p.plan.builder.image, "rust:1.95-slim-trixie");
        assert!(p.warnings.iter().any(|w| w.contains("nightly")));
        let bad = Selection {
            rust_version: Some("latest".into()),
            ..Default::default()
        };
        assert!(rust(&ws, &bad).is_err());
    }

    #[test]
    fn version_comparison() {
        assert!(older((1, 85, None), (1, 86, Some(0))));
        assert!(!older((1, 86, None), (1, 86, Some(1))));
        assert!(older((1, 86, Some(0)), (1, 86, Some(1))));
        assert!(!older((1, 95, Some(0)), (1, 95, Some(0))));
    }

    #[test]
    fn stage_names_are_valid() {
        assert_eq!(stage_name("api-server"), "api-server");
        assert_eq!(stage_name("My_App"), "my_app");
        assert_eq!(stage_name("1up"), "bin-1up");
    }

    #[test]
    fn builder_stage_avoids_binary_names() {
        let ws = project(vec![pkg("a", &["builder"])], Some("a"));
        assert_eq!(
            plan(&ws, &Selection::default()).plan.builder.stage,
            "builder-1"
        );
    }

    #[test]
    fn no_lockfile_warns_and_is_not_locked() {
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        ws.lockfile = false;
        let p = plan(&ws, &Selection::default());
        assert!(
            !p.plan
                .rust
                .as_ref()
                .unwrap()
                .build_command
                .contains("--locked")
        );
        assert!(p.warnings.iter().any(|w| w.contains("Cargo.lock")));
    }
}
