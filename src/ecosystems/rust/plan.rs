//! Rust project + choices → render context. Pure: no I/O, so every
//! decision is unit-tested here.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;

use super::cargo::CargoBuild;
use super::config::{ROOT_TABLE, Selection};
use super::decisions::Decisions;
use super::dependencies::{self, Cache};
use super::detect::{Bin, RustPackage, RustProject};
use super::native::{self, Linkage, NativeUse};
use super::section::{NativeDep, RustBuild};
use super::version::RustVersion;
use crate::context::{Binary, Builder, Context, EnvVar, Generator, Section};
use crate::ecosystems::common::{self, Need, Planned};
use crate::error::fail;
use crate::images::{self, Variant};
use crate::layout::{BUILD_DIR, OUT_DIR, PROBE};
use crate::settings::ProjectSettings;

/// Build output of Rust projects.
const RUST_IGNORES: (&str, &[&str]) = (
    "Build output: never needed inside the image build.",
    &["target/"],
);

/// Plans the Dockerfile for a Rust project; with `explain`, the `--explain`
/// lines too.
pub fn plan(
    project: &RustProject,
    opts: &Selection,
    choices: &ProjectSettings,
    explain: bool,
) -> Result<Planned> {
    decide(project, opts, choices, explain).map(|(planned, _)| planned)
}

/// The plan, with the typed decisions it was made from.
fn decide(
    project: &RustProject,
    opts: &Selection,
    choices: &ProjectSettings,
    explain: bool,
) -> Result<(Planned, Decisions)> {
    let mut warnings = Vec::new();
    let selected = select(project, opts, &mut warnings)?;
    let (distro, family, variant) = runtime_choice(opts, &mut warnings)?;
    let native = native_uses(project, opts, &selected)?;
    if !project.cargo_config.shell_only.is_empty() {
        warnings.push(format!(
            "{} {} set in this shell and configures the local build only: the image build does not see it; put it in .cargo/config.toml (or the profile) to build the image the same way",
            project.cargo_config.shell_only.join(", "),
            if project.cargo_config.shell_only.len() == 1 { "is" } else { "are" }
        ));
    }
    let static_build = family.name == "static";
    if static_build {
        refuse_system_library_in_static(&native, distro)?;
    }
    let floors: Vec<(RustVersion, &str)> = selected
        .iter()
        .filter_map(|s| s.package.rust_version.map(|v| (v, s.package.name.as_str())))
        .collect();
    let (version, version_source) =
        super::toolchain::rust_version(project, &floors, opts, &mut warnings)?;

    let stages: Vec<String> = selected
        .iter()
        .map(|s| common::stage_name(&s.bin))
        .collect();
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

    let cargo = cargo_build(project, opts, &selected, static_build);
    let cache = Cache::from_setting(opts.cache.as_deref());
    let init = selected.iter().any(|s| s.package.settings.init);
    let configured = project
        .cargo_config
        .packages()
        .into_iter()
        .map(|(p, why)| (p.to_string(), Need::Build(why)));
    let apt = common::apt_needs(
        init.then(common::init_package)
            .into_iter()
            .chain(configured)
            .chain(
                native
                    .iter()
                    .flat_map(|n| {
                        n.packages()
                            .iter()
                            .map(|p| (p.to_string(), Need::Crate(n.krate.krate)))
                    })
                    .chain(selected.iter().flat_map(|s| {
                        s.package
                            .settings
                            .apt
                            .iter()
                            .map(|a| (a.name.clone(), Need::Setting(a.origin.clone())))
                    })),
            ),
    );
    let project_name = crate::grammar::image_repository(&project.name);
    let mut binaries = selected
        .iter()
        .zip(&stages)
        .enumerate()
        .map(|(i, (s, stage))| binary(s, stage, i + 1 == selected.len()))
        .collect::<Result<Vec<_>>>()?;
    let settings: Vec<&crate::settings::Settings> =
        selected.iter().map(|s| &s.package.settings).collect();
    common::depends_on(&mut binaries, &settings)?;
    let probe = binaries.iter().any(|b| b.healthcheck.is_some());
    if probe && static_build {
        warnings.push("the health probe is linked statically for the static runtime, which has no glibc: about 1.1 MB instead of 0.3".into());
    }
    let mut keep: Vec<String> = selected
        .iter()
        .flat_map(|s| s.package.settings.include.iter().map(|inc| inc.src.clone()))
        .collect();
    keep.sort();
    keep.dedup();
    let after_keep =
        common::dockerignore_after_keep(&keep, "the Cargo.toml metadata", &mut warnings);
    let mut dockerignore = common::dockerignore(RUST_IGNORES);
    if let Some(t) = &project.toolchain {
        dockerignore.push(crate::context::IgnoreSection {
            comment: "The builder image already is the pinned toolchain; inside it rustup would download another copy.".into(),
            patterns: vec![t.file.clone()],
        });
    }

    let builder_image = super::toolchain::builder_image(&version, distro, true);
    let rust = RustBuild {
        version: version.clone(),
        version_source: version_source.clone(),
        locked: cargo.locked,
        profile: cargo.profile.clone(),
        build_command: cargo.command(),
        artifact_dir: cargo.artifact_dir(),
        static_build,
        native: native.iter().map(native_dep).collect(),
        target_cache_id: format!("{project_name}-target"),
        build_scripts: project
            .packages
            .iter()
            .filter(|p| p.build_script)
            .map(|p| p.name.clone())
            .collect(),
        toolchain_file: project.toolchain.as_ref().map(|t| t.file.clone()),
        probe,
        auditable: cargo.auditable.then_some(super::cargo::AUDITABLE_VERSION),
        cache: cache.name(),
        plan: (cache == Cache::Layers)
            .then(|| dependencies::plan(project, common::free_stage("plan", &stages))),
    };
    let context = Context {
        context_version: crate::context::CONTEXT_VERSION,
        generator: Generator::ours(),
        ecosystem: super::NAME,
        project: project_name.clone(),
        builder: Builder {
            from: builder_image.clone(),
            image: builder_image,
            stage: common::builder_stage(&stages),
            workdir: BUILD_DIR,
            out_dir: OUT_DIR,
            own_libraries: None,
            packages: common::apt_context(&apt),
        },
        runtime: common::runtime(family, distro, variant),
        section: Section::new(super::NAME, &rust),
        binaries,
        dockerignore,
        dockerignore_project: Vec::new(),
        dockerignore_keep: keep,
        dockerignore_after_keep: after_keep,
        notes,
        bake: opts.bake.unwrap_or(selected.len() > 1),
        compose: choices.compose(),
        dockerfile: choices.dockerfile(),
    };
    let decisions = Decisions {
        distro,
        family,
        cargo,
        native,
        apt,
        version,
        version_source,
        cache,
    };
    let planned = Planned {
        config: project.config.clone(),
        explanation: if explain {
            super::explain::explain(project, &context, &rust, &decisions)
        } else {
            Vec::new()
        },
        build: super::drift::build_facet(&decisions, &rust),
        reads: reads(project),
        inventory: super::inventory::INVENTORY,
        bases: choices.sourcing(),
        context,
        warnings,
    };
    Ok((planned, decisions))
}

/// The manifests and the lockfile: cargo reads them before anything else.
fn reads(project: &RustProject) -> Vec<String> {
    let mut reads: Vec<String> = std::iter::once("Cargo.toml".to_string())
        .chain(project.lockfile.then(|| "Cargo.lock".to_string()))
        .chain(project.packages.iter().map(|p| p.manifest.clone()))
        .collect();
    reads.sort();
    reads.dedup();
    reads
}

/// A native crate as the context lists it.
fn native_dep(n: &NativeUse) -> NativeDep {
    let (linkage, because) = match &n.linkage {
        Linkage::System => ("system", None),
        Linkage::BuiltIn { because } => ("built in", because.clone()),
    };
    NativeDep {
        krate: n.krate.krate.to_string(),
        library: n.krate.library.to_string(),
        linkage: linkage.to_string(),
        because,
        runtime_libs: if n.links_system_library() {
            n.krate.runtime_libs.iter().map(|l| l.to_string()).collect()
        } else {
            Vec::new()
        },
    }
}

/// A static binary cannot load the shared library a native crate links.
fn refuse_system_library_in_static(native: &[NativeUse], distro: &images::Distro) -> Result<()> {
    let Some(n) = native.iter().find(|n| n.links_system_library()) else {
        return Ok(());
    };
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
    Err(fail(
        format!(
            "runtime = \"static\" cannot be met: `{}` links the system {} ({}) at run time, and static-{} has no shared libraries",
            n.krate.krate,
            n.krate.library,
            n.krate.runtime_libs.join(", "),
            distro.id
        ),
        format!("{fix} use runtime = \"cc\" (the default), which gets the library copied in"),
    ))
}

/// Whether the profile (or one it inherits from) sets `strip` itself in the
/// root manifest; then the tool leaves stripping to it.
fn profile_strips(project: &RustProject, profile: &str) -> bool {
    let mut name = Some(profile.to_string());
    let mut seen = Vec::new();
    while let Some(n) = name.take() {
        if seen.contains(&n) {
            break;
        }
        let Some(p) = project.profiles.iter().find(|p| p.name == n) else {
            break;
        };
        if p.strip {
            return true;
        }
        name = p.inherits.clone();
        seen.push(n);
    }
    false
}

/// The one cargo build of every selected binary.
fn cargo_build(
    project: &RustProject,
    opts: &Selection,
    selected: &[Selected],
    static_build: bool,
) -> CargoBuild {
    let mut features: BTreeSet<String> = opts.features.iter().cloned().collect();
    let mut packages: BTreeSet<String> = BTreeSet::new();
    for s in selected {
        packages.insert(s.package.name.clone());
        for f in &s.required_features {
            features.insert(format!("{}/{f}", s.package.name));
        }
    }
    let mut bins: Vec<String> = selected.iter().map(|s| s.bin.clone()).collect();
    bins.sort_unstable();
    let profile = opts.profile.clone().unwrap_or_else(|| "release".into());
    let strip_debuginfo = opts.strip != Some(false) && !profile_strips(project, &profile);
    CargoBuild {
        strip_debuginfo,
        offline: project.cargo_config.vendored.is_some(),
        config_target: project.cargo_config.target.clone(),
        profile,
        locked: project.lockfile,
        packages: packages.into_iter().collect(),
        bins,
        features: features.into_iter().collect(),
        all_features: opts.all_features,
        no_default_features: opts.no_default_features,
        static_target: static_build,
        // Installing cargo-auditable needs the network, which a vendored
        // build does without.
        auditable: opts.auditable != Some(false) && project.cargo_config.vendored.is_none(),
    }
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

/// The native crates the selected members build, from cargo's resolved
/// graph with its features (none when Cargo.lock names no native crate);
/// the configured `features` count too.
fn native_uses(
    project: &RustProject,
    opts: &Selection,
    selected: &[Selected],
) -> Result<Vec<NativeUse>> {
    let configured: Vec<(String, String)> = opts
        .features
        .iter()
        .filter_map(|f| f.split_once('/'))
        .map(|(c, f)| (c.trim_end_matches('?').to_string(), f.to_string()))
        .collect();
    let on =
        |krate: &str, feature: &str| configured.iter().any(|(c, f)| c == krate && f == feature);
    let members = selected.iter().map(|s| s.package.name.as_str());
    let wanted = super::graph::Features::of(opts);
    let built = project
        .build_graph
        .compiled_by(members, &wanted)
        .map_err(|why| {
            fail(
                why,
                "this is a fault of the tool; run again, and report it if it stays",
            )
        })?;
    let names: Vec<String> = built.keys().cloned().collect();
    Ok(native::uses(&names, |krate, feature| {
        built.get(krate).is_some_and(|f| f.contains(feature)) || on(krate, feature)
    }))
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
    let all: Vec<(&RustPackage, &Bin)> = in_scope
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

fn binary(s: &Selected, stage: &str, default: bool) -> Result<Binary> {
    let p = s.package;
    let labels = common::labels(
        &s.bin,
        Some(&p.version),
        [&p.description, &p.license, &p.repository],
    );
    let path = format!("/usr/local/bin/{}", s.bin);
    let mut entrypoint = vec![path.clone()];
    let init = common::init(&p.settings, &mut entrypoint);
    let healthcheck = p
        .settings
        .healthcheck
        .as_ref()
        .map(|h| {
            common::healthcheck(h, &p.settings.ports, PROBE, |port, path, ms| {
                vec![PROBE.into(), port.to_string(), path.into(), ms.to_string()]
            })
        })
        .transpose()?;
    Ok(Binary {
        name: s.bin.clone(),
        stage: stage.to_string(),
        image: crate::grammar::image_repository(stage),
        package: p.name.clone(),
        version: Some(p.version.clone()),
        tags: common::image_tags(stage, Some(&p.version)),
        path,
        entrypoint,
        default,
        ports: p.settings.ports.clone(),
        env: p
            .settings
            .env
            .iter()
            .map(|(k, v)| EnvVar::new(k, v))
            .collect(),
        include: p.settings.include.clone(),
        args: p.settings.args.clone().unwrap_or_default(),
        labels,
        healthcheck,
        init,
        stop_signal: p.settings.stop_signal.clone(),
        depends_on: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
