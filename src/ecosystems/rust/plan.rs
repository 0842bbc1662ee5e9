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
    let (native, native_guess) = native_uses(project, opts, &selected);
    if let Some(why) = native_guess.as_ref().filter(|_| !native.is_empty()) {
        warnings.push(format!(
            "the native crates were guessed from Cargo.lock, which also lists optional crates a build may never compile ({why}); run `cargo fetch` and re-run for the exact answer"
        ));
    }
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
    let (version, version_source) = rust_version(project, &selected, opts, &mut warnings)?;

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

    let builder_image = builder_image(&version, distro, true);
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
        ecosystem: "rust",
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
        section: Section::new("rust", &rust),
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
        native_guess,
        apt,
        version,
        version_source,
        cache,
    };
    let planned = Planned {
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

/// The native crates the selected members build: from cargo's resolved
/// graph with its features when detect got one, else every native crate in
/// Cargo.lock with the features the members' manifests turn on (a guess).
/// The configured `features` count either way. With a guess, why.
fn native_uses(
    project: &RustProject,
    opts: &Selection,
    selected: &[Selected],
) -> (Vec<NativeUse>, Option<String>) {
    let configured: Vec<(String, String)> = opts
        .features
        .iter()
        .filter_map(|f| f.split_once('/'))
        .map(|(c, f)| (c.trim_end_matches('?').to_string(), f.to_string()))
        .collect();
    let on =
        |krate: &str, feature: &str| configured.iter().any(|(c, f)| c == krate && f == feature);
    let members = selected.iter().map(|s| s.package.name.as_str());
    use super::graph::BuildGraph;
    let wanted = super::graph::Features::of(opts);
    if let Some(built) = project.build_graph.compiled_by(members, &wanted) {
        let names: Vec<String> = built.keys().cloned().collect();
        let uses = native::uses(&names, |krate, feature| {
            built.get(krate).is_some_and(|f| f.contains(feature)) || on(krate, feature)
        });
        return (uses, None);
    }
    let why = match &project.build_graph {
        BuildGraph::Locked { why } => format!("cargo could not resolve offline: {why}"),
        BuildGraph::Resolved { .. } => {
            "cargo resolved other features than the ones asked for".into()
        }
    };
    let uses = native::uses(&project.locked_crates, |krate, feature| {
        let pair = (krate.to_string(), feature.to_string());
        project.enabled_features.contains(&pair) || on(krate, feature)
    });
    (uses, Some(why))
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

/// The builder's Rust, as the official image tags name it: `1` floats
/// with each stable release (pinning freezes its digest, `update` moves it);
/// an exact channel names exactly its tag. Returns the tag's version and
/// where it came from.
fn rust_version(
    project: &RustProject,
    selected: &[Selected],
    opts: &Selection,
    warnings: &mut Vec<String>,
) -> Result<(String, String)> {
    let flag = match &opts.rust_version {
        Some(v) => match RustVersion::parse(v) {
            Some(parsed) => Some((v.clone(), parsed)),
            None => {
                return Err(fail(
                    format!("--rust-version `{v}` is not a Rust version"),
                    "give it as X.Y or X.Y.Z, e.g. --rust-version 1.95",
                ));
            }
        },
        None => None,
    };
    let pinned = match &project.toolchain {
        Some(t) if t.channel == STABLE => None,
        Some(t) => match RustVersion::parse(&t.channel) {
            Some(v) => Some((t, v)),
            None => {
                return Err(fail(
                    format!(
                        "{} names the channel `{}`: only stable Rust releases have official images",
                        t.file, t.channel
                    ),
                    format!(
                        "name a release (channel = \"1.95\") or `stable` in {}; to build on your own toolchain image, override the builder (`cargo distroless eject rust/builder`)",
                        t.file
                    ),
                ));
            }
        },
        None => None,
    };
    let (version, have, source) = match (pinned, flag) {
        (Some((t, v)), flag) => {
            if let Some((f, _)) = flag.filter(|(f, _)| *f != t.channel) {
                warnings.push(format!(
                    "--rust-version {f} is ignored: {} pins {}",
                    t.file, t.channel
                ));
            }
            (t.channel.clone(), Some(v), format!("pinned by {}", t.file))
        }
        (None, Some((f, v))) => (f, Some(v), "--rust-version".to_string()),
        (None, None) => (
            FLOATING.to_string(),
            None,
            match &project.toolchain {
                Some(t) => format!(
                    "the newest stable: {} names `stable`, and each release moves the `{FLOATING}` tag",
                    t.file
                ),
                None => format!(
                    "the newest stable: no toolchain is named, and each release moves the `{FLOATING}` tag"
                ),
            },
        ),
    };
    let msrv = selected
        .iter()
        .filter_map(|s| s.package.rust_version.map(|v| (v, &s.package.name)))
        .max_by_key(|(v, _)| (v.major, v.minor, v.patch));
    if let (Some(have), Some((need, pkg))) = (have, msrv) {
        if have.older_than(need) {
            warnings.push(format!(
                "Rust {version} ({source}) is older than `{pkg}`'s rust-version {need}, so cargo will refuse to build it; raise the pin to {need} or later"
            ));
        }
    }
    Ok((version, source))
}

/// The toolchain channel that floats with each release.
const STABLE: &str = "stable";

/// The official image tag of the newest stable Rust.
const FLOATING: &str = "1";

/// The official Rust builder for a version on a release: the slim one unless
/// C build tools beyond gcc are needed.
fn builder_image(version: &str, distro: &images::Distro, slim: bool) -> String {
    let slim = if slim { "-slim" } else { "" };
    format!("rust:{version}{slim}-{}", distro.codename)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystems::common::AptNeed;
    use crate::ecosystems::rust::detect::{TargetFile, Toolchain};
    use crate::ecosystems::rust::graph::BuildGraph;
    use crate::settings::Settings;

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
            targets: bins
                .iter()
                .map(|b| TargetFile {
                    path: format!("src/bin/{b}.rs"),
                    main: true,
                })
                .collect(),
            path_deps: vec![],
            default_run: None,
            rust_version: None,
            settings: Settings::default(),
        }
    }

    #[test]
    fn the_dependency_plan_stands_in_for_members_and_copies_the_rest() {
        let mut api = pkg("api", &["api"]);
        api.dir = "crates/api".into();
        api.manifest = "crates/api/Cargo.toml".into();
        api.targets = vec![
            TargetFile {
                path: "crates/api/build.rs".into(),
                main: true,
            },
            TargetFile {
                path: "crates/api/src/main.rs".into(),
                main: true,
            },
        ];
        api.path_deps = vec!["crates/macros".into(), "third_party/fork".into()];
        let mut macros = pkg("macros", &[]);
        macros.dir = "crates/macros".into();
        macros.manifest = "crates/macros/Cargo.toml".into();
        macros.targets = vec![TargetFile {
            path: "crates/macros/src/lib.rs".into(),
            main: false,
        }];
        let mut patched = pkg("patched", &[]);
        patched.dir = "patches/patched".into();
        patched.manifest = "patches/patched/Cargo.toml".into();
        patched.targets = vec![TargetFile {
            path: "patches/patched/src/lib.rs".into(),
            main: false,
        }];
        let mut p = project(vec![api, macros, patched], None);
        p.patched = vec!["patches/patched".into()];
        p.cargo_config.file = Some(".cargo/config.toml".into());
        p.cargo_config.vendored = Some("vendor".into());
        let planned = plan(
            &p,
            &Selection::default(),
            &ProjectSettings::default(),
            false,
        )
        .unwrap();
        let rust = &planned.context.section.value;
        assert_eq!(rust["cache"], "layers");
        let deps = &rust["plan"];
        assert_eq!(deps["stage"], "plan");
        assert_eq!(
            deps["copy"],
            serde_json::json!([
                ".cargo/config.toml",
                "Cargo.lock",
                "Cargo.toml",
                "crates/api/Cargo.toml",
                "crates/macros/Cargo.toml",
                "patches/patched",
                "third_party/fork",
                "vendor"
            ]),
            "manifests, and whole: what [patch] names, path dependencies that are not members, vendored crates"
        );
        assert_eq!(
            deps["libs"],
            serde_json::json!(["crates/macros/src/lib.rs"])
        );
        assert_eq!(
            deps["mains"],
            serde_json::json!(["crates/api/build.rs", "crates/api/src/main.rs"])
        );
        assert_eq!(
            deps["dirs"],
            serde_json::json!(["crates/api", "crates/api/src", "crates/macros/src"])
        );
        let mounts = Selection {
            cache: Some("mounts".into()),
            ..Default::default()
        };
        let rust = plan(&p, &mounts, &ProjectSettings::default(), false)
            .unwrap()
            .context
            .section
            .value;
        assert_eq!(
            (rust["cache"].as_str(), rust["plan"].is_null()),
            (Some("mounts"), true)
        );
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
            build_graph: BuildGraph::Locked {
                why: "not asked".into(),
            },
            toolchain: None,
            profiles: vec![],
            patched: vec![],
            cargo_config: Default::default(),
            selection: Default::default(),
            choices: Default::default(),
        }
    }

    fn planned(p: &RustProject, opts: &Selection) -> Planned {
        plan(p, opts, &ProjectSettings::default(), true).unwrap()
    }

    fn decisions(p: &RustProject, opts: &Selection) -> Decisions {
        decide(p, opts, &ProjectSettings::default(), false)
            .unwrap()
            .1
    }

    fn stages(p: &Planned) -> Vec<&str> {
        p.context
            .binaries
            .iter()
            .map(|b| b.stage.as_str())
            .collect()
    }

    #[test]
    fn default_run_is_last() {
        let mut a = pkg("app", &["admin", "web", "zz"]);
        a.default_run = Some("web".into());
        let p = planned(&project(vec![a], Some("app")), &Selection::default());
        assert_eq!(stages(&p), ["admin", "zz", "web"]);
        assert!(p.context.binaries[2].default);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn ambiguous_default_warns_and_is_deterministic() {
        let ws = project(vec![pkg("b", &["beta"]), pkg("a", &["alpha"])], None);
        let p = planned(&ws, &Selection::default());
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
        let p = planned(&ws, &opts);
        assert_eq!(stages(&p), ["alpha", "gamma"]);
        let cargo = decisions(&ws, &opts).cargo;
        assert_eq!(cargo.packages, ["a"]);
        assert_eq!(cargo.bins, ["alpha", "gamma"]);
    }

    #[test]
    fn unknown_bin_lists_the_real_ones() {
        let ws = project(vec![pkg("a", &["alpha", "beta"])], Some("a"));
        let opts = Selection {
            bins: vec!["gama".into()],
            ..Default::default()
        };
        let text = crate::error::format(
            &plan(&ws, &opts, &ProjectSettings::default(), false).unwrap_err(),
        );
        assert!(text.contains("no binary named `gama`"), "{text}");
        assert!(text.contains("alpha, beta"), "{text}");
    }

    #[test]
    fn library_only_is_an_error() {
        let ws = project(vec![pkg("lib", &[])], Some("lib"));
        let text = crate::error::format(
            &plan(
                &ws,
                &Selection::default(),
                &ProjectSettings::default(),
                false,
            )
            .unwrap_err(),
        );
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
            crate::error::format(
                &plan(&ws, &opts, &ProjectSettings::default(), false).unwrap_err()
            )
            .contains("the members are: a")
        );
    }

    #[test]
    fn required_features_are_skipped_unless_named() {
        let mut a = pkg("a", &["main", "extra"]);
        a.bins[1].required_features = vec!["cli".into()];
        let ws = project(vec![a], Some("a"));
        let p = planned(&ws, &Selection::default());
        assert_eq!(stages(&p), ["main"]);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("requires the features cli"))
        );
        let named = Selection {
            bins: vec!["extra".into()],
            ..Default::default()
        };
        let cargo = decisions(&ws, &named).cargo;
        assert_eq!(cargo.bins, ["extra"]);
        assert_eq!(cargo.features, ["a/cli"]);
    }

    #[test]
    fn rust_version_order_of_precedence() {
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        let p = planned(&ws, &Selection::default());
        assert_eq!(
            p.context.builder.image, "rust:1-slim-trixie",
            "stable floats"
        );
        let flag = Selection {
            rust_version: Some("1.90.1".into()),
            ..Default::default()
        };
        assert_eq!(
            planned(&ws, &flag).context.builder.image,
            "rust:1.90.1-slim-trixie"
        );
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain.toml".into(),
            channel: "1.88".into(),
        });
        let p = planned(&ws, &flag);
        assert_eq!(p.context.builder.image, "rust:1.88-slim-trixie");
        assert!(p.warnings.iter().any(|w| w.contains("ignored")));
        ws.packages[0].rust_version = RustVersion::parse("1.91.0");
        let p = planned(&ws, &flag);
        assert_eq!(
            p.context.builder.image, "rust:1.88-slim-trixie",
            "an exact pin is honoured"
        );
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("older than `a`'s rust-version 1.91.0")),
            "{:?}",
            p.warnings
        );
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain.toml".into(),
            channel: "1.100".into(),
        });
        let p = planned(&ws, &Selection::default());
        assert_eq!(p.context.builder.image, "rust:1.100-slim-trixie");
        assert!(
            p.warnings.is_empty(),
            "1.100 is newer than 1.91: {:?}",
            p.warnings
        );
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain.toml".into(),
            channel: "stable".into(),
        });
        assert_eq!(
            planned(&ws, &Selection::default()).context.builder.image,
            "rust:1-slim-trixie"
        );
        for channel in [
            "nightly",
            "beta",
            "nightly-2026-11-01",
            "1.95-x86_64-unknown-linux-gnu",
        ] {
            ws.toolchain = Some(Toolchain {
                file: "rust-toolchain".into(),
                channel: channel.into(),
            });
            let text = crate::error::format(
                &plan(
                    &ws,
                    &Selection::default(),
                    &ProjectSettings::default(),
                    false,
                )
                .unwrap_err(),
            );
            assert!(
                text.contains(&format!("rust-toolchain names the channel `{channel}`"))
                    && text.contains("eject rust/builder"),
                "{text}"
            );
        }
        ws.toolchain = None;
        let bad = Selection {
            rust_version: Some("latest".into()),
            ..Default::default()
        };
        let text =
            crate::error::format(&plan(&ws, &bad, &ProjectSettings::default(), false).unwrap_err());
        assert!(
            text.contains("--rust-version `latest` is not a Rust version"),
            "{text}"
        );
    }

    #[test]
    fn debug_info_is_stripped_unless_the_profile_or_the_key_says_otherwise() {
        use crate::ecosystems::rust::detect::Profile;
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        assert!(decisions(&ws, &Selection::default()).cargo.strip_debuginfo);
        let keep = Selection {
            strip: Some(false),
            ..Default::default()
        };
        assert!(!decisions(&ws, &keep).cargo.strip_debuginfo);
        ws.profiles = vec![
            Profile {
                name: "release".into(),
                strip: true,
                inherits: None,
            },
            Profile {
                name: "dist".into(),
                strip: false,
                inherits: Some("release".into()),
            },
        ];
        let dist = Selection {
            profile: Some("dist".into()),
            ..Default::default()
        };
        assert!(
            !decisions(&ws, &dist).cargo.strip_debuginfo,
            "inherited from release"
        );
        assert!(!decisions(&ws, &Selection::default()).cargo.strip_debuginfo);
    }

    #[test]
    fn builder_stage_avoids_binary_names() {
        let ws = project(vec![pkg("a", &["builder"])], Some("a"));
        assert_eq!(
            planned(&ws, &Selection::default()).context.builder.stage,
            "builder-1"
        );
    }

    #[test]
    fn no_lockfile_warns_and_is_not_locked() {
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        ws.lockfile = false;
        let p = planned(&ws, &Selection::default());
        assert!(!decisions(&ws, &Selection::default()).cargo.locked);
        assert!(p.warnings.iter().any(|w| w.contains("Cargo.lock")));
    }

    #[test]
    fn apt_setting_reaches_the_builder_with_its_reason() {
        let mut a = pkg("a", &["a"]);
        a.settings.apt = vec![crate::settings::AptRequest {
            name: "clang".into(),
            origin: "[package.metadata.distroless] of Cargo.toml".into(),
        }];
        let ws = project(vec![a], Some("a"));
        let d = decisions(&ws, &Selection::default());
        assert_eq!(
            d.apt,
            [AptNeed {
                name: "clang".into(),
                needs: vec![Need::Setting(
                    "[package.metadata.distroless] of Cargo.toml".into()
                )]
            }]
        );
    }

    #[test]
    fn native_crates_decide_packages_and_linkage() {
        let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
        ws.locked_crates = vec!["libsqlite3-sys".into(), "openssl-sys".into()];
        ws.enabled_features = vec![("rusqlite".into(), "bundled".into())];
        let d = decisions(&ws, &Selection::default());
        let linkage: Vec<(&str, &Linkage)> = d
            .native
            .iter()
            .map(|n| (n.krate.krate, &n.linkage))
            .collect();
        assert_eq!(
            linkage,
            [
                ("openssl-sys", &Linkage::System),
                (
                    "libsqlite3-sys",
                    &Linkage::BuiltIn {
                        because: Some("rusqlite/bundled".into())
                    }
                ),
            ]
        );
        let names: Vec<&str> = d.apt.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libssl-dev", "pkg-config"]);
        let static_opts = Selection {
            runtime: Some("static".into()),
            ..Default::default()
        };
        let text = crate::error::format(
            &plan(&ws, &static_opts, &ProjectSettings::default(), false).unwrap_err(),
        );
        assert!(
            text.contains("`openssl-sys` links the system OpenSSL")
                && text.contains("enable the `vendored` feature of `openssl`"),
            "{text}"
        );
    }

    #[test]
    fn a_resolved_graph_drops_what_no_feature_builds() {
        // The sqlx shape: the lockfile lists the SQLite driver, the build does not.
        let mut ws = project(vec![pkg("api", &["api"]), pkg("tool", &["tool"])], None);
        ws.locked_crates = vec!["libsqlite3-sys".into(), "openssl-sys".into()];
        let crates = |list: &[(&str, &[&str])]| -> crate::ecosystems::rust::graph::Crates {
            list.iter()
                .map(|(c, f)| (c.to_string(), f.iter().map(|x| x.to_string()).collect()))
                .collect()
        };
        ws.build_graph = BuildGraph::Resolved {
            features: Default::default(),
            members: [
                (
                    "api".to_string(),
                    crates(&[("sqlx", &["postgres"]), ("openssl-sys", &[])]),
                ),
                ("tool".to_string(), crates(&[("libsqlite3-sys", &[])])),
            ]
            .into_iter()
            .collect(),
        };
        let api = Selection {
            packages: vec!["api".into()],
            ..Default::default()
        };
        let natives =
            |d: &Decisions| -> Vec<&str> { d.native.iter().map(|n| n.krate.krate).collect() };
        assert_eq!(natives(&decisions(&ws, &api)), ["openssl-sys"]);
        let tool = Selection {
            packages: vec!["tool".into()],
            ..Default::default()
        };
        assert_eq!(natives(&decisions(&ws, &tool)), ["libsqlite3-sys"]);
        // Features the resolve was not made for: back to the lockfile's guess.
        let bundled = Selection {
            packages: vec!["tool".into()],
            features: vec!["libsqlite3-sys/bundled".into()],
            ..Default::default()
        };
        let d = decisions(&ws, &bundled);
        assert_eq!(natives(&d), ["openssl-sys", "libsqlite3-sys"]);
        assert!(d.native[1].built_in());
    }
}
