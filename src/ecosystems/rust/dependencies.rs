//! The dependency plan (`cache = "layers"`): what the dependencies build
//! from in a layer of their own, so that any cache exporter keeps them and
//! a fresh CI runner recompiles only the workspace's crates. This is
//! cargo-chef's idea, written from `cargo metadata` at `init` time: the
//! manifests and Cargo.lock, and for every target cargo needs a stand-in
//! (an empty library, an empty `main`). `check` then names a new member or
//! target as a stale Dockerfile, rather than a build finding out.

use super::detect::RustProject;
use super::section::DependencyPlan;
use crate::shell::word;

/// Where compiled dependencies are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// In an image layer built from the dependency plan: every cache
    /// exporter (registry, GitHub Actions, local) keeps it.
    Layers,
    /// In a cache mount of the target folder: fast on a persistent builder,
    /// lost on a fresh one (cache mounts are never exported).
    Mounts,
}

impl Cache {
    /// The `cache` setting; `layers` when absent (values are checked when
    /// the configuration is read).
    pub fn from_setting(value: Option<&str>) -> Cache {
        match value {
            Some("mounts") => Cache::Mounts,
            _ => Cache::Layers,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cache::Layers => "layers",
            Cache::Mounts => "mounts",
        }
    }
}

/// Where the plan's stage gathers the files.
const PLAN_DIR: &str = "/plan";

/// The plan for a project: what is copied whole, and a stand-in for each
/// target of every other member. `stage` is the plan stage's name.
pub fn plan(project: &RustProject, stage: String) -> DependencyPlan {
    let members: Vec<&str> = project.packages.iter().map(|p| p.dir.as_str()).collect();
    // Crates other crates build against: copied whole, never stood in for.
    let mut whole: Vec<String> = project.patched.clone();
    whole.extend(
        project
            .packages
            .iter()
            .flat_map(|p| &p.path_deps)
            .filter(|d| !members.contains(&d.as_str()))
            .cloned(),
    );
    whole.extend(project.cargo_config.vendored.iter().cloned());
    whole.sort();
    whole.dedup();
    let under = |path: &str, dir: &str| {
        dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
    };
    let inside_whole = |path: &str| whole.iter().any(|w| under(path, w));

    let mut copy: Vec<String> = vec!["Cargo.toml".to_string()];
    if project.lockfile {
        copy.push("Cargo.lock".into());
    }
    copy.extend(project.cargo_config.file.iter().cloned());
    copy.extend(
        project
            .packages
            .iter()
            .map(|p| p.manifest.clone())
            .filter(|m| !inside_whole(m)),
    );
    copy.extend(whole.iter().cloned());

    let stood_in = project
        .packages
        .iter()
        .filter(|p| !inside_whole(&p.manifest));
    let mut manifests: Vec<String> = vec!["Cargo.toml".to_string()];
    manifests.extend(stood_in.clone().map(|p| p.manifest.clone()));
    if project.lockfile {
        manifests.push("Cargo.lock".into());
    }

    let (mut libs, mut mains, mut dirs) = (Vec::new(), Vec::new(), Vec::new());
    for target in project
        .packages
        .iter()
        .flat_map(|p| &p.targets)
        .filter(|t| !inside_whole(&t.path))
    {
        if let Some((dir, _)) = target.path.rsplit_once('/') {
            dirs.push(dir.to_string());
        }
        if target.main {
            mains.push(target.path.clone());
        } else {
            libs.push(target.path.clone());
        }
    }
    let quoted = |mut list: Vec<String>| -> Vec<String> {
        list.sort();
        list.dedup();
        list.iter().map(|p| word(p)).collect()
    };
    DependencyPlan {
        stage,
        dir: PLAN_DIR,
        copy: quoted(copy),
        dirs: quoted(dirs),
        libs: quoted(libs),
        mains: quoted(mains),
        manifests: quoted(manifests),
        members: quoted(stood_in.map(|p| p.name.clone()).collect()),
    }
}
