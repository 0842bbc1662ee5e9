//! Reads a Node project: package.json, its lockfile and package manager,
//! the Node version it asks for, and the `distroless` settings in
//! package.json (or `distroless.toml`).

use anyhow::Result;
use serde::Deserialize;

use super::managers::{Manager, PackageManager};
use super::versions;
use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;
use crate::settings::{self, Origin, OwnKeys, Parsed, ProjectSettings, Settings, parse_table};

/// The files that make a folder a Node project, for messages.
pub const LOOKS_FOR: &str = "package.json";

/// Whether the folder holds a Node project.
pub fn found(project: &Folder) -> bool {
    project.exists("package.json")
}

/// A Node project, as read.
#[derive(Debug, Clone)]
pub struct NodeProject {
    pub root: std::path::PathBuf,
    /// `name` of package.json (the folder's name without one).
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
    /// The package manager and how it was found.
    pub manager: PackageManager,
    /// The Node major the image runs, and why.
    pub node: versions::Choice,
    /// `scripts` of package.json, by name.
    pub scripts: Vec<(String, String)>,
    /// `main` of package.json.
    pub main: Option<String>,
    /// `bin` of package.json: its programs, by name.
    pub bins: Vec<(String, String)>,
    /// The workspace's members (package.json's `workspaces`, or
    /// pnpm-workspace.yaml); empty for a single package.
    pub members: Vec<super::workspace::Member>,
    /// The shared settings, validated against the folder.
    pub settings: Settings,
    /// The whole-project choices (`compose`, `file`, `pin`, `mirror`).
    pub choices: ProjectSettings,
    /// The Node keys.
    pub own: NodeConfig,
    /// Where the configuration is (or would be), for messages.
    pub config_origin: String,
    /// It, or a member, depends on something fetched with git.
    pub git: bool,
    /// `typescript` is a dependency, and so on: what the build needs.
    pub dev_dependencies: Vec<String>,
    /// The project has an .npmrc (which never reaches the build context).
    pub npmrc: bool,
    /// A Next.js app: `next` is a dependency; with its config file, and
    /// whether that config asks for standalone output.
    pub next: Option<Next>,
    /// Where choices given as flags are recorded.
    pub config: crate::ecosystems::common::ConfigPlace,
}

/// The Node-only keys of the `distroless` table.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct NodeConfig {
    /// The ecosystem that reads the folder (`node` beside a Cargo.toml).
    pub ecosystem: Option<String>,
    /// The `ENTRYPOINT` list, absolute paths.
    pub entrypoint: Option<Vec<String>>,
    /// The script of package.json that starts the app (default `start`).
    pub start: Option<String>,
    /// The Node major, over what the project's files ask for.
    pub node_version: Option<String>,
    /// Folders under /app the app writes to.
    pub writable: Option<Vec<String>>,
    /// Install without a lockfile (not reproducible).
    pub unlocked: Option<bool>,
    /// Run the `build` script (default: when there is one).
    pub build: Option<bool>,
}

impl OwnKeys for NodeConfig {
    const KEYS: &'static [&'static str] = &[
        "ecosystem",
        "entrypoint",
        "start",
        "node-version",
        "writable",
        "unlocked",
        "build",
    ];
}

/// The `distroless` object of package.json.
const PACKAGE: Origin<'static> = Origin {
    table: "\"distroless\"",
    file: "package.json",
    dir: "",
};

/// Where settings live, for messages.
const CONFIG: &str = "\"distroless\" of package.json (or distroless.toml)";

/// package.json, parsed: one JSON object, or an error saying where it is not.
fn package_json(text: &str) -> Result<serde_json::Value> {
    let pkg: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        fail(
            format!(
                "package.json is not valid JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            ),
            "fix package.json; `npm pkg get name` shows whether npm can read it",
        )
    })?;
    if !pkg.is_object() {
        return Err(fail(
            "package.json is not a JSON object",
            "package.json holds one object: { \"name\": …, \"scripts\": … }",
        ));
    }
    Ok(pkg)
}

/// package.json, parsed: detection reads its `ecosystem` key from it, and
/// [`read`] the rest.
#[derive(Debug, Clone)]
pub struct Manifest(serde_json::Value);

/// The folder's package.json, parsed, if it has one; malformed is an error.
pub fn manifest(project: &Folder) -> Result<Option<Manifest>> {
    let Some(text) = project.read_optional("package.json")? else {
        return Ok(None);
    };
    package_json(&text).map(|pkg| Some(Manifest(pkg)))
}

impl Manifest {
    /// The `ecosystem` that its `distroless` object names, and where.
    pub fn named(&self) -> Option<(String, Origin<'static>)> {
        let value = self
            .0
            .get("distroless")
            .and_then(|d| d.get(crate::ecosystems::ECOSYSTEM_KEY))?;
        Some((crate::ecosystems::key_text(value.as_str(), value), PACKAGE))
    }
}

/// A Node project's files as detection parsed them to read the
/// `ecosystem` key: package.json, and distroless.toml.
#[derive(Debug, Clone)]
pub struct Looked {
    pub manifest: Manifest,
    pub own: settings::OwnTable,
}

/// Reads the project in the folder, from its files as detection parsed
/// them, if it did.
pub fn read(project: &Folder, looked: Option<Looked>) -> Result<NodeProject> {
    let Looked {
        manifest: Manifest(pkg),
        own,
    } = match looked {
        Some(looked) => looked,
        None => Looked {
            manifest: manifest(project)?
                .ok_or_else(|| fail("no package.json", "run this in the Node project's folder"))?,
            own: settings::OwnTable::Unread,
        },
    };
    let text_field = |key: &str| -> Result<Option<String>> {
        match pkg.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => {
                grammar::no_control(s).map_err(|why| {
                    fail(
                        format!("`{key}` in package.json: {why}"),
                        "write it on one line, without control characters",
                    )
                })?;
                Ok(Some(s.clone()))
            }
            Some(_) if key == "repository" => Ok(pkg[key]
                .get("url")
                .and_then(|u| u.as_str())
                .filter(|u| grammar::no_control(u).is_ok())
                .map(String::from)),
            Some(_) if key == "license" => Ok(None),
            Some(other) => Err(fail(
                format!("`{key}` in package.json is {other}, not a string"),
                format!("write \"{key}\": \"…\""),
            )),
        }
    };
    let folder_name = project
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let name = text_field("name")?
        .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string())
        .or(folder_name)
        .unwrap_or_else(|| "app".into());
    let (parsed, origin) = read_config(project, &pkg, own)?;
    let origin_text = origin
        .as_ref()
        .map_or(CONFIG.to_string(), |o| o.to_string());
    let settings = match &origin {
        Some(o) => {
            let mut s = settings::resolve(None, (&parsed.image, o), project.root())?;
            // Node as PID 1 ignores SIGTERM: an init forwards it, unless
            // the configuration says `init = false`.
            s.init = parsed.image.init.unwrap_or(true);
            s
        }
        None => Settings {
            init: true,
            ..Settings::default()
        },
    };
    let own = parsed.own;
    for (key, list) in [("entrypoint", &own.entrypoint), ("writable", &own.writable)] {
        for word in list.iter().flatten() {
            grammar::no_control(word).map_err(|why| {
                fail(
                    format!("`{key}` in {origin_text} holds {word:?}: {why}"),
                    "write each entry as one word of the list",
                )
            })?;
        }
    }
    for w in own.writable.iter().flatten() {
        grammar::writable_path(w).map_err(|why| {
            fail(
                format!("invalid `writable` entry {w:?} in {origin_text}: {why}"),
                "name a folder under the project the app writes to, e.g. writable = [\"uploads\"]",
            )
        })?;
    }
    let scripts = string_map(&pkg, "scripts")?;
    if let Some(start) = &own.start {
        if !scripts.iter().any(|(n, _)| n == start) {
            let names: Vec<&str> = scripts.iter().map(|(n, _)| n.as_str()).collect();
            return Err(fail(
                format!(
                    "`start` in {origin_text} names the script `{start}`, which package.json does not have"
                ),
                format!(
                    "the scripts are: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
    }
    let bins = match pkg.get("bin") {
        Some(serde_json::Value::String(file)) => vec![(name.clone(), file.clone())],
        Some(serde_json::Value::Object(_)) => string_map(&pkg, "bin")?,
        _ => Vec::new(),
    };
    let manager = super::managers::detect(project, &pkg, own.unlocked.unwrap_or(false))?;
    let node = versions::choose(project, &pkg, own.node_version.as_deref(), &origin_text)?;
    let mut dev_dependencies: Vec<String> = pkg
        .get("devDependencies")
        .and_then(|d| d.as_object())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    dev_dependencies.sort();
    let (patterns, origin) = super::workspace::patterns(project, &pkg)?;
    let members = super::workspace::members(project, (&patterns, origin))?;
    let members_git = members.iter().any(|m| m.git);
    if manager.manager == Manager::YarnBerry && manager.pnp {
        return Err(fail(
            "this yarn project uses Plug'n'Play (no node_modules), which the image cannot run without yarn's loader",
            "set `nodeLinker: node-modules` in .yarnrc.yml, run `yarn install`, and commit the lockfile",
        ));
    }
    Ok(NodeProject {
        root: project.root().to_path_buf(),
        name,
        version: text_field("version")?,
        description: text_field("description")?,
        license: text_field("license")?,
        repository: text_field("repository")?,
        manager,
        node,
        scripts,
        main: text_field("main")?,
        bins,
        members,
        settings,
        choices: parsed.project,
        own,
        config_origin: origin_text,
        git: super::git::any(&pkg) || members_git,
        dev_dependencies,
        npmrc: project.exists(".npmrc"),
        next: next(project, &pkg)?,
        config: match pkg.get("distroless") {
            Some(_) => crate::ecosystems::common::ConfigPlace {
                file: "package.json".into(),
                table: vec!["distroless"],
                editable: false,
            },
            None => crate::ecosystems::common::ConfigPlace {
                file: "distroless.toml".into(),
                table: Vec::new(),
                editable: true,
            },
        },
    })
}

/// A map of strings in package.json (`scripts`, `bin`), each checked.
fn string_map(pkg: &serde_json::Value, key: &str) -> Result<Vec<(String, String)>> {
    let Some(map) = pkg.get(key) else {
        return Ok(Vec::new());
    };
    let Some(map) = map.as_object() else {
        return Err(fail(
            format!("`{key}` in package.json is not an object"),
            format!("write \"{key}\": {{ \"name\": \"…\" }}"),
        ));
    };
    map.iter()
        .map(|(k, v)| {
            let v = v.as_str().ok_or_else(|| {
                fail(
                    format!("`{key}.{k}` in package.json is not a string"),
                    "write each entry as a string",
                )
            })?;
            grammar::no_control(v).map_err(|why| {
                fail(
                    format!("`{key}.{k}` in package.json: {why}"),
                    "write it on one line, without control characters",
                )
            })?;
            Ok((k.clone(), v.to_string()))
        })
        .collect()
}

/// The `distroless` object of package.json, else distroless.toml.
fn read_config(
    project: &Folder,
    pkg: &serde_json::Value,
    own: settings::OwnTable,
) -> Result<(Parsed<NodeConfig>, Option<Origin<'static>>)> {
    let parse = |value: &serde_json::Value, origin: Origin<'static>| {
        let parsed =
            parse_table::<NodeConfig>(value, &origin.to_string(), "see the README's Node section")?;
        if let Some(named) = &parsed.own.ecosystem {
            crate::ecosystems::Ecosystem::configured(named, &origin)?;
        }
        Ok((parsed, Some(origin)))
    };
    if let Some(cfg) = pkg.get("distroless") {
        own.only_beside(&PACKAGE, project)?;
        return parse(cfg, PACKAGE);
    }
    if let Some(table) = own.table(project)? {
        let json = serde_json::to_value(&table).unwrap_or_default();
        return parse(&json, Origin::OWN_FILE);
    }
    Ok((Parsed::default(), None))
}

/// A Next.js app, as its config file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// `next.config.js` (or `.mjs`, `.ts`, `.cjs`), if there is one.
    pub config: Option<String>,
    /// The config asks for `output: "standalone"`.
    pub standalone: bool,
}

/// The Next.js app in the folder, when `next` is a dependency.
fn next(project: &Folder, pkg: &serde_json::Value) -> Result<Option<Next>> {
    if pkg
        .get("dependencies")
        .and_then(|d| d.get("next"))
        .is_none()
    {
        return Ok(None);
    }
    for file in [
        "next.config.js",
        "next.config.mjs",
        "next.config.ts",
        "next.config.cjs",
    ] {
        if let Some(text) = project.read_optional(file)? {
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let standalone = [
                "output:\"standalone\"",
                "output:'standalone'",
                "output:`standalone`",
            ]
            .iter()
            .any(|w| squeezed.contains(w));
            return Ok(Some(Next {
                config: Some(file.to_string()),
                standalone,
            }));
        }
    }
    Ok(Some(Next {
        config: None,
        standalone: false,
    }))
}
