//! `init --explain` for Rust: what was detected and why each image, package
//! and library was chosen, written from the typed decisions.

use super::decisions::Decisions;
use super::detect::RustProject;
use super::native::Linkage;
use super::section::RustBuild;
use crate::context::Context;
use crate::ecosystems::common::Need;

/// The explanation, one line per fact.
pub fn explain(
    project: &RustProject,
    ctx: &Context,
    rust: &RustBuild,
    d: &Decisions,
) -> Vec<String> {
    let mut out = Vec::new();
    let kind = match (&project.root_package, project.packages.len()) {
        (Some(_), 1) => "a single package".to_string(),
        (Some(_), n) => format!("a workspace of {n} members with a root package"),
        (None, n) => format!("a virtual workspace of {n} members"),
    };
    out.push(format!(
        "project: {} at {}, {kind}",
        ctx.project,
        project.root.display()
    ));
    for p in &project.packages {
        let mut facts = Vec::new();
        if !p.bins.is_empty() {
            let names: Vec<&str> = p.bins.iter().map(|b| b.name.as_str()).collect();
            facts.push(format!("binaries {}", names.join(", ")));
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
    let stages: Vec<String> = ctx
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
        ctx.builder.image, d.version, d.version_source, d.distro.codename, d.distro.glibc
    ));
    out.push(format!(
        "runtime: {}: {}",
        ctx.runtime.image, d.family.use_for
    ));
    out.push(format!(
        "build: {}{}",
        d.cargo.command(),
        if d.cargo.locked {
            " (Cargo.lock exists)"
        } else {
            " (no Cargo.lock)"
        }
    ));
    let cc = &project.cargo_config;
    if let Some(file) = &cc.file {
        out.push(format!(
            "cargo config: {file} travels with the source; cargo applies it in the builder"
        ));
        if let Some(l) = &cc.linker {
            out.push(format!("  linker = \"{l}\""));
        }
        if !cc.rustflags.is_empty() {
            out.push(format!("  rustflags: {}", cc.rustflags.join(" ")));
        }
        for (package, why) in cc.packages() {
            out.push(format!("  the builder installs {package}: {why}"));
        }
        if let Some(t) = &cc.target {
            out.push(format!(
                "  [build] target = \"{t}\": the binaries are under {}",
                d.cargo.artifact_dir()
            ));
        }
        if !cc.env.is_empty() {
            out.push(format!("  [env] sets {} for the build", cc.env.join(", ")));
        }
        if let Some(v) = &cc.vendored {
            out.push(format!("  vendored sources in {v}: the build is --offline"));
        }
        if cc.registries {
            out.push("  [registries] / [net]: passed through with the file".into());
        }
    }
    out.push(if d.cargo.strip_debuginfo {
        format!(
            "strip: the binaries' debug info is stripped ({}=debuginfo), symbol names stay for backtraces; strip = false keeps it",
            d.cargo.strip_variable()
        )
    } else {
        "strip: left to the profile (it sets `strip`, or strip = false)".to_string()
    });
    out.push(match (d.cargo.auditable, d.cargo.offline) {
        (true, _) => format!(
            "auditable: built with cargo-auditable {}, which embeds each binary's crate list for scanners (syft, trivy, grype); auditable = false turns it off",
            super::cargo::AUDITABLE_VERSION
        ),
        (false, true) => "auditable: no crate list is embedded: the build is offline (vendored), and cargo-auditable would have to be downloaded".into(),
        (false, false) => "auditable: off (auditable = false): scanners see no crate list in the binaries".into(),
    });
    out.push(match &rust.plan {
        Some(plan) => format!(
            "cache: layers: the dependencies compile in a layer of their own from a plan of {} copied files and {} stand-ins, which registry and GitHub Actions caches keep; cache = \"mounts\" uses cache mounts instead",
            plan.copy.len(),
            plan.libs.len() + plan.mains.len()
        ),
        None => "cache: mounts: the target folder is a cache mount, which only a persistent builder keeps (no cache export carries it); cache = \"layers\" (the default) survives a fresh runner".into(),
    });
    let listed = project
        .locked_crates
        .iter()
        .any(|c| super::native::known(c));
    out.push(match (listed, d.native.is_empty()) {
        (false, _) => "native libraries: none of the known -sys crates is in Cargo.lock",
        (true, true) => "native libraries: none; Cargo.lock lists a known -sys crate, but cargo's build graph (`cargo tree` for the target, with the selected features) does not build it",
        (true, false) => "native libraries: from cargo's build graph (`cargo tree` for the target, with the selected features)",
    }.to_string());
    let shipped = d.family.libraries(d.distro);
    for n in &d.native {
        let how = match &n.linkage {
            Linkage::BuiltIn { because: Some(b) } => format!("built in by {b}"),
            Linkage::BuiltIn { because: None } => "built in by default".to_string(),
            Linkage::System => "from the system".to_string(),
        };
        let pkgs: Vec<&str> = d
            .apt
            .iter()
            .filter(|p| p.needs.contains(&Need::Crate(n.krate.krate)))
            .map(|p| p.name.as_str())
            .collect();
        let mut line = format!("native: {} ({}) {how}", n.krate.krate, n.krate.library);
        if !pkgs.is_empty() {
            line.push_str(&format!("; the builder installs {}", pkgs.join(" ")));
        }
        if n.links_system_library() {
            for lib in n.krate.runtime_libs {
                if shipped.contains(lib) {
                    line.push_str(&format!("; {lib} is in {}", d.family.name));
                } else {
                    line.push_str(&format!(
                        "; {lib} is not in {}, so it is copied from the builder",
                        d.family.name
                    ));
                }
            }
        }
        out.push(line);
    }
    for p in &d.apt {
        for need in &p.needs {
            if let Need::Setting(origin) = need {
                out.push(format!(
                    "apt: the builder installs {} (`apt` in {origin})",
                    p.name
                ));
            }
        }
    }
    out.extend(crate::ecosystems::common::explain_running(&ctx.binaries));
    if d.cargo.static_target {
        out.push("libraries: none; the binaries are linked statically (glibc's NSS modules cannot load: DNS uses files and dns only)".into());
    } else {
        out.push(format!(
            "libraries: at build time each binary's shared-library closure (ldd) minus the {} libraries {} ships is copied into its image",
            shipped.len(),
            d.family.name
        ));
    }
    out
}
