//! Reads a Rust project through `cargo metadata --no-deps` (and, when
//! Cargo.lock has a native crate, cargo's build graph), without changing
//! Cargo.lock.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use cargo_metadata::{Package, PackageId, TargetKind};

use super::cargo_config::CargoConfig;
use super::config::{Selection, Table};
use super::metadata::Started;
use super::version::RustVersion;
use crate::error::fail;
use crate::folder::{Folder, relative_slash};
use crate::grammar;
use crate::settings::{self, Origin, Settings};

/// A workspace (or single package) as the plan needs it.
#[derive(Debug, Clone)]
pub struct RustProject {
    /// The workspace root: the build context and where files are written.
    pub root: PathBuf,
    /// The root package's name; `None` for a virtual manifest.
    pub root_package: Option<String>,
    /// What to call the project: the root package, else the root folder.
    pub name: String,
    /// Every workspace member, sorted by name.
    pub packages: Vec<RustPackage>,
    /// Whether `Cargo.lock` exists at the root, which makes builds `--locked`.
    pub lockfile: bool,
    /// Names of every crate in Cargo.lock, sorted (empty without one).
    pub locked_crates: Vec<String>,
    /// The crates each member's build compiles, as cargo lists them; asked
    /// only when Cargo.lock has a known native crate.
    pub build_graph: super::graph::BuildGraph,
    /// A toolchain file at the root, if any.
    pub toolchain: Option<Toolchain>,
    /// The root manifest's `[profile.*]` tables.
    pub profiles: Vec<Profile>,
    /// Folders inside the root that `[patch]` or `[replace]` points at:
    /// other crates build against them, so the dependency plan copies them
    /// whole rather than standing in for them.
    pub patched: Vec<String>,
    /// What the root's `.cargo/config.toml` sets.
    pub cargo_config: super::cargo_config::CargoConfig,
    /// Choices recorded in the root's table (`packages`, `bins`, `rust-version`).
    pub selection: Selection,
    /// The whole-project choices of the root's table over the workspace's.
    pub choices: crate::settings::ProjectSettings,
    /// Where choices given as flags are recorded: the table that has
    /// choices already, else the workspace's (the root package's for a
    /// single package).
    pub config: crate::ecosystems::common::ConfigPlace,
}

/// One workspace member.
#[derive(Debug, Clone)]
pub struct RustPackage {
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    /// Folder relative to the root ("" for the root package).
    pub dir: String,
    /// Manifest path relative to the root, for messages.
    pub manifest: String,
    /// Binary targets, sorted by name.
    pub bins: Vec<Bin>,
    pub build_script: bool,
    /// Every target's root source file (libs, bins, examples, tests,
    /// benches, the build script), sorted: the dependency plan stands in
    /// for each.
    pub targets: Vec<TargetFile>,
    /// Path dependencies, as folders relative to the root.
    pub path_deps: Vec<String>,
    pub default_run: Option<String>,
    /// `rust-version`.
    pub rust_version: Option<RustVersion>,
    /// Its `distroless` settings, merged over the workspace's.
    pub settings: Settings,
}

/// A target's root source file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TargetFile {
    /// Relative to the workspace root, with `/`.
    pub path: String,
    /// A program (bin, example, test, bench, build script): its stand-in
    /// needs a `main`. A library's is empty.
    pub main: bool,
}

/// A binary target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    pub name: String,
    pub required_features: Vec<String>,
}

/// The channel a `rust-toolchain[.toml]` file pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The file name at the root.
    pub file: String,
    pub channel: String,
}

/// The manifest to read: `--manifest-path`, else the folder's Cargo.toml;
/// `None` when there is neither.
pub fn manifest(dir: &Path, manifest_path: Option<&Path>) -> Result<Option<PathBuf>> {
    match manifest_path {
        Some(path) if !path.is_file() => Err(fail(
            format!("--manifest-path {}: no such file", path.display()),
            "point --manifest-path at a Cargo.toml",
        )),
        Some(path) => Ok(Some(path.to_path_buf())),
        None => Ok(Some(dir.join("Cargo.toml")).filter(|p| p.exists())),
    }
}

/// A Cargo project being read: cargo runs, and meanwhile the files at the
/// manifest's folder, which is nearly always the workspace root, are read.
#[derive(Debug)]
pub struct Starting {
    started: Started,
    ahead: std::thread::JoinHandle<Ahead>,
}

/// The root files and cargo configuration of a folder, read ahead.
type Ahead = (PathBuf, Result<(RootFiles, CargoConfig)>);

/// Starts `cargo metadata`, and reads the manifest folder's own files on a
/// thread while it runs.
pub fn start(manifest: &Path) -> Result<Starting> {
    let started = super::metadata::start(manifest)?;
    let dir = started.dir().to_path_buf();
    let ahead = std::thread::spawn(move || {
        let read = root_files(&dir).and_then(|f| Ok((f, super::cargo_config::read(&dir)?)));
        (dir, read)
    });
    Ok(Starting { started, ahead })
}

/// Reads the project behind a manifest; `flags` are the command line's
/// choices, whose features the build graph is resolved for.
pub fn read(starting: Starting, flags: &Selection) -> Result<RustProject> {
    let Starting { started, ahead } = starting;
    let manifest = started.manifest().to_path_buf();
    let printed = started.metadata()?;
    let meta = &printed.workspace;
    let root = meta.workspace_root.clone().into_std_path_buf();
    let ws_origin = Origin {
        table: "[workspace.metadata.distroless]",
        file: "Cargo.toml",
        dir: "",
    };
    let ws_config = Table::from_metadata(&meta.workspace_metadata, &ws_origin)?;

    let mut packages = Vec::new();
    // The root package, if any: the member whose folder is the root.
    let mut root_member = (None, None);
    // cargo_metadata's workspace_packages() scans the member list once per
    // package; a set keeps this linear in the size of the workspace.
    let members: HashSet<&PackageId> = meta.workspace_members.iter().collect();
    // Each package is parsed and read on its own: on the machine's cores
    // in a large workspace, the first failure in cargo's order reported.
    let read = crate::parallel::map(
        printed.package_count(),
        || {},
        |i| -> Result<Option<(RustPackage, Table)>> {
            let p = printed.package(i)?;
            if !members.contains(&p.id) {
                return Ok(None);
            }
            package(&p, &root, (&ws_config, &ws_origin)).map(Some)
        },
    );
    for member in read {
        let Some((package, config)) = member? else {
            continue;
        };
        if package.dir.is_empty() {
            root_member = (Some(package.name.clone()), Some(config));
        }
        packages.push(package);
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));

    let (root_package, root_config) = root_member;
    let selection = Selection::from_root(&ws_config.rust, root_config.as_ref().map(|t| &t.rust));
    let choices = match &root_config {
        Some(root) => root.project.over(&ws_config.project),
        None => ws_config.project.clone(),
    };
    selection.check_rust_version(meta.workspace_root.join("Cargo.toml").as_str())?;
    let config = super::config::record_place(
        &ws_config,
        root_config.as_ref(),
        root_package.is_none() || packages.len() > 1,
    );
    // A workspace whose root lies above the manifest's folder reads its own.
    let (files, cargo_config) = match ahead.join() {
        Ok((dir, read)) if dir == root => read?,
        _ => (root_files(&root)?, super::cargo_config::read(&root)?),
    };
    let build_graph = build_graph(
        &manifest,
        &root.join("Cargo.lock"),
        &files.locked_crates,
        &cargo_config,
        &flags.over(&selection),
    )?;
    let folder = root.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(RustProject {
        name: root_package
            .clone()
            .or(folder)
            .unwrap_or_else(|| "app".into()),
        root_package,
        packages,
        lockfile: files.lockfile,
        locked_crates: files.locked_crates,
        build_graph,
        toolchain: files.toolchain,
        profiles: files.profiles,
        patched: files.patched,
        cargo_config,
        selection,
        choices,
        config,
        root,
    })
}

/// The resolved build graph when Cargo.lock has a crate from the native
/// table (a project without one never pays for the resolve).
fn build_graph(
    manifest: &Path,
    lock: &Path,
    locked: &[String],
    config: &super::cargo_config::CargoConfig,
    selection: &Selection,
) -> Result<super::graph::BuildGraph> {
    use super::graph::BuildGraph;
    let Some(native) = locked.iter().find(|c| super::native::known(c)) else {
        return Ok(BuildGraph::NoNativeCrate);
    };
    let target = config
        .target
        .clone()
        .unwrap_or_else(|| super::cargo_config::HOST.to_string());
    let features = super::graph::Features::of(selection);
    super::graph::resolve(&super::metadata::cargo_path()?, manifest, &target, &features).map_err(|why| {
        fail(
            format!(
                "cannot tell which native libraries the build links: {} names {native}, which may link one, and cargo could not list the crates the build compiles: {why}",
                lock.display()
            ),
            if why.contains("--locked") {
                "bring Cargo.lock up to date with Cargo.toml (`cargo update --workspace`, or any `cargo build`), then run again"
            } else {
                "run `cargo fetch` where crates.io (or the project's registry) can be reached, so that the crates Cargo.lock names are in cargo's cache, then run again"
            },
        )
    })
}

/// What the plan needs from the files at the workspace root.
struct RootFiles {
    lockfile: bool,
    locked_crates: Vec<String>,
    toolchain: Option<Toolchain>,
    profiles: Vec<Profile>,
    patched: Vec<String>,
}

/// A `[profile.NAME]` of the root manifest, as far as stripping goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// It sets `strip` itself.
    pub strip: bool,
    pub inherits: Option<String>,
}

/// What the root manifest says that cargo metadata does not report: its
/// profiles, and the folders `[patch]` and `[replace]` point at.
fn root_manifest(project: &Folder) -> Result<(Vec<Profile>, Vec<String>)> {
    let Some(text) = project.read_optional("Cargo.toml")? else {
        return Ok((Vec::new(), Vec::new()));
    };
    // cargo metadata has parsed it already: a failure here is no news.
    let table: toml::Table = toml::from_str(&text).unwrap_or_default();
    let mut profiles: Vec<Profile> = table
        .get("profile")
        .and_then(|p| p.as_table())
        .into_iter()
        .flatten()
        .map(|(name, p)| Profile {
            name: name.clone(),
            strip: p.get("strip").is_some(),
            inherits: p.get("inherits").and_then(|i| i.as_str()).map(String::from),
        })
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let sections = table
        .get("patch")
        .and_then(|p| p.as_table())
        .into_iter()
        .flatten()
        .map(|(source, deps)| (format!("[patch.{source}]"), deps))
        .chain(
            table
                .get("replace")
                .map(|deps| ("[replace]".to_string(), deps)),
        );
    let mut patched = Vec::new();
    for (section, deps) in sections {
        for (krate, dep) in deps.as_table().into_iter().flatten() {
            let Some(path) = dep.get("path").and_then(|p| p.as_str()) else {
                continue;
            };
            let rel = path.trim_start_matches("./").trim_end_matches('/');
            grammar::project_path(rel).map_err(|why| {
                fail(
                    format!("Cargo.toml: the `path` of `{krate}` in {section} is {path:?}: {why}"),
                    "move the patched crate inside the workspace: the image build sees only the workspace",
                )
            })?;
            patched.push(rel.to_string());
        }
    }
    patched.sort();
    patched.dedup();
    Ok((profiles, patched))
}

/// Reads Cargo.lock and the toolchain file at the root.
fn root_files(root: &Path) -> Result<RootFiles> {
    let project = Folder::new(root);
    super::config::own_file_unread(&project, None)?;
    let lockfile = project.read_optional("Cargo.lock")?;
    let locked_crates = match &lockfile {
        Some(text) => lockfile_crates(text).map_err(|why| {
            fail(
                format!("{}: {why}", project.path("Cargo.lock").display()),
                "regenerate it with `cargo generate-lockfile` (or `cargo update`)",
            )
        })?,
        None => Vec::new(),
    };
    let (profiles, patched) = root_manifest(&project)?;
    Ok(RootFiles {
        lockfile: lockfile.is_some(),
        locked_crates,
        toolchain: toolchain(&project)?,
        profiles,
        patched,
    })
}

/// Reads one member, returning its own `distroless` table beside it.
fn package(p: &Package, root: &Path, workspace: (&Table, &Origin)) -> Result<(RustPackage, Table)> {
    let manifest_dir = p
        .manifest_path
        .parent()
        .map(|d| d.as_std_path())
        .unwrap_or(root);
    let dir = relative_slash(manifest_dir, root).unwrap_or_default();
    if let Err(rule) = grammar::no_control(&dir) {
        return Err(fail(
            format!(
                "the folder of package `{}` ({dir:?}) has a name the Dockerfile cannot hold: {rule}",
                p.name
            ),
            "rename the folder",
        ));
    }
    let manifest = if dir.is_empty() {
        "Cargo.toml".to_string()
    } else {
        format!("{dir}/Cargo.toml")
    };

    let origin = Origin {
        table: "[package.metadata.distroless]",
        file: &manifest,
        dir: &dir,
    };
    let config = Table::from_metadata(&p.metadata, &origin)?;
    if !dir.is_empty() {
        config.check_member(&origin)?;
        // One look per member: most have no such file.
        if std::fs::symlink_metadata(manifest_dir.join(settings::OWN_FILE)).is_ok() {
            super::config::own_file_unread(&Folder::within(manifest_dir, root), Some(&manifest))?;
        }
    }
    let (ws, ws_origin) = workspace;
    let settings = settings::resolve(
        Some((&ws.settings, ws_origin)),
        (&config.settings, &origin),
        root,
    )?;

    let mut bins: Vec<Bin> = p
        .targets
        .iter()
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| Bin {
            name: t.name.clone(),
            required_features: t.required_features.clone(),
        })
        .collect();
    bins.sort_by(|a, b| a.name.cmp(&b.name));
    check_names(&p.name, &bins, &manifest)?;

    let mut path_deps = Vec::new();
    for dep in &p.dependencies {
        let Some(path) = &dep.path else { continue };
        let Some(rel) = relative_slash(path.as_std_path(), root) else {
            return Err(fail(
                format!(
                    "{manifest}: path dependency `{}` at {path} lies outside the workspace root {}, so a container build cannot see it",
                    dep.name,
                    root.display()
                ),
                "move the crate inside the workspace (or make it a workspace member), or depend on it by version or git",
            ));
        };
        if !path_deps.contains(&rel) {
            path_deps.push(rel);
        }
    }
    path_deps.sort();

    let targets = target_files(p, root, &manifest)?;
    let package = RustPackage {
        name: p.name.to_string(),
        version: p.version.to_string(),
        description: p.description.clone(),
        license: p.license.clone(),
        repository: p.repository.clone(),
        dir,
        manifest,
        bins,
        build_script: p
            .targets
            .iter()
            .any(|t| t.kind.contains(&TargetKind::CustomBuild)),
        targets,
        path_deps,
        default_run: p.default_run.clone(),
        rust_version: p.rust_version.as_ref().map(|v| RustVersion {
            major: v.major,
            minor: v.minor,
            patch: Some(v.patch),
        }),
        settings,
    };
    Ok((package, config))
}

/// The root file of each target cargo needs to load the package: every
/// library, binary and build script, and the examples, tests and benches
/// the manifest declares (`[[test]]`, …). Discovered ones are left out: a
/// missing file is then a target cargo does not find, not an error, and a
/// new test does not make the Dockerfile stale. Relative to the root; a
/// file outside it could not be in the build context.
fn target_files(p: &Package, root: &Path, manifest: &str) -> Result<Vec<TargetFile>> {
    const DECLARABLE: [(TargetKind, &str); 3] = [
        (TargetKind::Example, "example"),
        (TargetKind::Test, "test"),
        (TargetKind::Bench, "bench"),
    ];
    let declarable = |t: &cargo_metadata::Target| {
        DECLARABLE
            .iter()
            .find(|(kind, _)| t.kind.contains(kind))
            .map(|(_, key)| *key)
    };
    // Read only when the package has such targets (most have tests).
    let declared: Vec<(String, String)> = if p.targets.iter().any(|t| declarable(t).is_some()) {
        declared_targets(root, p.manifest_path.as_std_path())
    } else {
        Vec::new()
    };
    let mut files = Vec::new();
    for t in &p.targets {
        if let Some(key) = declarable(t) {
            if !declared.iter().any(|(k, n)| k == key && *n == t.name) {
                continue;
            }
        }
        let Some(path) = relative_slash(t.src_path.as_std_path(), root) else {
            return Err(fail(
                format!(
                    "{manifest}: target `{}` is built from {}, outside the workspace root {}, so a container build cannot see it",
                    t.name,
                    t.src_path,
                    root.display()
                ),
                "move the file inside the workspace",
            ));
        };
        grammar::no_control(&path).map_err(|rule| {
            fail(
                format!(
                    "{manifest}: target `{}` is built from {path:?}: {rule}",
                    t.name
                ),
                "rename the file",
            )
        })?;
        let main = t.kind.iter().any(|k| {
            matches!(
                k,
                TargetKind::Bin
                    | TargetKind::Example
                    | TargetKind::Test
                    | TargetKind::Bench
                    | TargetKind::CustomBuild
            )
        });
        files.push(TargetFile { path, main });
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The `[[example]]`, `[[test]]` and `[[bench]]` names a manifest declares,
/// as (key, name). A manifest cargo accepted is TOML; anything unreadable
/// declares nothing.
fn declared_targets(root: &Path, manifest: &Path) -> Vec<(String, String)> {
    let bound = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let Ok(Some(text)) = crate::folder::read_inside(&bound, manifest) else {
        return Vec::new();
    };
    let Ok(table) = toml::from_str::<toml::Table>(&text) else {
        return Vec::new();
    };
    ["example", "test", "bench"]
        .iter()
        .flat_map(|key| {
            table
                .get(*key)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
                .map(|name| (key.to_string(), name.to_string()))
        })
        .collect()
}

/// Refuses a package, binary or required feature whose name would not pass
/// into a Dockerfile unchanged (cargo accepts more than it builds well,
/// newlines in `[[bin]] name` among them).
fn check_names(package: &str, bins: &[Bin], manifest: &str) -> Result<()> {
    if let Err(rule) = grammar::cargo_name(package) {
        return Err(fail(
            format!("invalid package name {package:?} in {manifest}: {rule}"),
            "rename the package",
        ));
    }
    for b in bins {
        if let Err(rule) = grammar::cargo_name(&b.name) {
            return Err(fail(
                format!(
                    "invalid binary name {:?} in {manifest} (`[[bin]] name`): {rule}",
                    b.name
                ),
                "rename the binary target; its name becomes the image's stage and entrypoint",
            ));
        }
        for f in &b.required_features {
            if let Err(rule) = grammar::cargo_feature(f) {
                return Err(fail(
                    format!(
                        "invalid feature {f:?} in `required-features` of binary `{}` in {manifest}: {rule}",
                        b.name
                    ),
                    "rename the feature",
                ));
            }
        }
    }
    Ok(())
}

/// The crate names in a Cargo.lock.
fn lockfile_crates(text: &str) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Locked>,
    }
    #[derive(serde::Deserialize)]
    struct Locked {
        name: String,
    }
    let lock: Lock = toml::from_str(text).map_err(|e| format!("not a valid lockfile: {e}"))?;
    let mut names: Vec<String> = lock.package.into_iter().map(|p| p.name).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Reads the root's toolchain file. rustup prefers `rust-toolchain` when both
/// exist, and so do we.
fn toolchain(project: &Folder) -> Result<Option<Toolchain>> {
    for file in ["rust-toolchain", "rust-toolchain.toml"] {
        let Some(text) = project.read_optional(file)? else {
            continue;
        };
        let channel = parse_toolchain(&text, file.ends_with(".toml")).map_err(|why| {
            fail(
                format!("{}: {why}", project.path(file).display()),
                "write `[toolchain]` with `channel = \"1.95\"` (or a plain channel name in `rust-toolchain`)",
            )
        })?;
        return Ok(Some(Toolchain {
            file: file.to_string(),
            channel,
        }));
    }
    Ok(None)
}

/// The channel in a toolchain file: TOML with `[toolchain] channel`, or (in
/// the legacy `rust-toolchain`) a bare channel name.
fn parse_toolchain(text: &str, toml_only: bool) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct File {
        toolchain: Section,
    }
    #[derive(serde::Deserialize)]
    struct Section {
        channel: Option<String>,
    }
    let trimmed = text.trim();
    if !toml_only
        && !trimmed.is_empty()
        && !trimmed.contains('\n')
        && !trimmed.contains('=')
        && !trimmed.starts_with('[')
    {
        return Ok(trimmed.to_string());
    }
    let file: File =
        toml::from_str(text).map_err(|e| format!("not a valid toolchain file: {}", e.message()))?;
    file.toolchain
        .channel
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| "[toolchain] has no `channel`".to_string())
}

#[cfg(test)]
mod tests;
