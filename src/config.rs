//! Per-project settings: `[package.metadata.distroless]` of a member and
//! `[workspace.metadata.distroless]` (defaults for every member).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use anyhow::Result;
use serde::Deserialize;

use crate::error::fail;
use crate::project::relative_slash;

/// Where the application's working directory is in every image.
pub const APP_DIR: &str = "/app";

/// The keys a `distroless` table may hold. Unknown keys are errors, so a typo
/// never silently drops a setting.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Ports the service listens on, for `EXPOSE`.
    pub port: Option<Ports>,
    /// Environment variables set in the image.
    pub env: Option<BTreeMap<String, EnvValue>>,
    /// Files and folders, relative to the manifest's folder, copied into the
    /// image's working directory at the same relative path.
    pub include: Option<Vec<String>>,
    /// Default arguments: the `CMD` list.
    pub args: Option<Vec<String>>,
    /// Workspace members whose binaries get images (`--package`). Root table only.
    pub packages: Option<Vec<String>>,
    /// Binaries that get images, the first the default (`--bin`). Root table only.
    pub bins: Option<Vec<String>>,
    /// The builder's Rust version (`--rust-version`). Root table only.
    pub rust_version: Option<String>,
    /// The distroless family: `cc` (default), `base`, `base-nossl` or
    /// `static`. Root table only.
    pub runtime: Option<String>,
    /// The Debian release of builder and runtime: `debian13` (default) or
    /// `debian12`. Root table only.
    pub distro: Option<String>,
    /// Use the `debug-nonroot` runtime tag (busybox at /busybox/sh). Root table only.
    pub debug: Option<bool>,
    /// Cargo features to enable (`--features`). Root table only.
    pub features: Option<Vec<String>>,
    /// `--no-default-features`. Root table only.
    pub no_default_features: Option<bool>,
    /// `--all-features`. Root table only.
    pub all_features: Option<bool>,
    /// The cargo profile (`--profile`, default `release`). Root table only.
    pub profile: Option<String>,
    /// Write docker-bake.hcl (default: with several binaries). Root table only.
    pub bake: Option<bool>,
}

/// Choices about the whole project: the root's table, with the command
/// line's flags over it. What the Rust plan is made from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub packages: Vec<String>,
    pub bins: Vec<String>,
    pub rust_version: Option<String>,
    pub runtime: Option<String>,
    pub distro: Option<String>,
    pub debug: bool,
    pub features: Vec<String>,
    pub no_default_features: bool,
    pub all_features: bool,
    pub profile: Option<String>,
    pub bake: Option<bool>,
}

impl Selection {
    /// The root package's table over the workspace's, key by key.
    pub fn from_root(workspace: &Config, root_package: Option<&Config>) -> Selection {
        fn pick<T: Clone>(
            ws: &Config,
            root: Option<&Config>,
            f: fn(&Config) -> &Option<T>,
        ) -> Option<T> {
            root.and_then(|c| f(c).clone()).or_else(|| f(ws).clone())
        }
        let (w, r) = (workspace, root_package);
        Selection {
            packages: pick(w, r, |c| &c.packages).unwrap_or_default(),
            bins: pick(w, r, |c| &c.bins).unwrap_or_default(),
            rust_version: pick(w, r, |c| &c.rust_version),
            runtime: pick(w, r, |c| &c.runtime),
            distro: pick(w, r, |c| &c.distro),
            debug: pick(w, r, |c| &c.debug).unwrap_or(false),
            features: pick(w, r, |c| &c.features).unwrap_or_default(),
            no_default_features: pick(w, r, |c| &c.no_default_features).unwrap_or(false),
            all_features: pick(w, r, |c| &c.all_features).unwrap_or(false),
            profile: pick(w, r, |c| &c.profile),
            bake: pick(w, r, |c| &c.bake),
        }
    }
}

/// One port or several.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "a port number (1-65535) or a list of port numbers"
)]
pub enum Ports {
    One(u16),
    Many(Vec<u16>),
}

/// An environment value; numbers and booleans are taken as their text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "a string, number or boolean")]
pub enum EnvValue {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl EnvValue {
    fn text(&self) -> String {
        match self {
            EnvValue::Text(s) => s.clone(),
            EnvValue::Integer(i) => i.to_string(),
            EnvValue::Float(f) => f.to_string(),
            EnvValue::Bool(b) => b.to_string(),
        }
    }
}

/// Where a `Config` was read from, for messages and for resolving paths.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The TOML table, e.g. `[package.metadata.distroless]`.
    pub table: &'static str,
    /// The manifest, as shown to the user.
    pub file: &'a str,
    /// The manifest's folder relative to the build context ("" at the root).
    pub dir: &'a str,
}

impl Config {
    /// Refuses whole-project keys in a member's table, where they would be
    /// silently ignored.
    pub fn check_member(&self, origin: &Origin) -> Result<()> {
        let set: Vec<&str> = [
            ("packages", self.packages.is_some()),
            ("bins", self.bins.is_some()),
            ("rust-version", self.rust_version.is_some()),
            ("runtime", self.runtime.is_some()),
            ("distro", self.distro.is_some()),
            ("debug", self.debug.is_some()),
            ("features", self.features.is_some()),
            ("no-default-features", self.no_default_features.is_some()),
            ("all-features", self.all_features.is_some()),
            ("profile", self.profile.is_some()),
            ("bake", self.bake.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        match set.first() {
            None => Ok(()),
            Some(key) => Err(fail(
                format!(
                    "`{key}` in {} of {} applies to the whole project",
                    origin.table, origin.file
                ),
                "move it to [workspace.metadata.distroless] in the workspace root's Cargo.toml",
            )),
        }
    }

    /// Reads the `distroless` key of a cargo `metadata` value; absent means
    /// default.
    pub fn from_metadata(metadata: &serde_json::Value, origin: &Origin) -> Result<Config> {
        let Some(value) = metadata.get("distroless") else {
            return Ok(Config::default());
        };
        parse(
            value,
            &format!("{} in {}", origin.table, origin.file),
            "the keys are `port`, `env`, `include`, `args`, and in the root's table `packages`, `bins`, `rust-version`, `runtime`, `distro`, `debug`, `features`, `no-default-features`, `all-features`, `profile`, `bake`; see the README's Configuration section",
        )
    }
}

/// Deserialises a configuration table, naming the key that is wrong, where
/// the table is (`origin`), and which keys there are (`hint`).
pub fn parse<'de, D, T>(table: D, origin: &str, hint: &str) -> Result<T>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
    T: Deserialize<'de>,
{
    serde_path_to_error::deserialize(table).map_err(|err| {
        let path = err.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        fail(format!("invalid {origin}{at}: {}", err.inner()), hint)
    })
}

/// An `include` entry resolved against the build context.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Include {
    /// Path in the build context, with forward slashes.
    pub src: String,
    /// Absolute path in the image.
    pub dest: String,
}

/// The settings of one package after merging, validated and resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub ports: Vec<u16>,
    pub env: BTreeMap<String, String>,
    pub include: Vec<Include>,
    pub args: Vec<String>,
}

/// Merges a member's table over the workspace's: a key the member sets
/// replaces the workspace's, except `env`, whose variables are merged.
/// `context` is the build context on disk, used to check `include` paths.
pub fn settings(
    workspace: Option<(&Config, &Origin)>,
    member: (&Config, &Origin),
    context: &Path,
) -> Result<Settings> {
    let (mcfg, morigin) = member;
    let pick = |f: fn(&Config) -> bool| -> Option<(&Config, &Origin)> {
        if f(mcfg) {
            Some((mcfg, morigin))
        } else {
            workspace.filter(|(w, _)| f(w))
        }
    };

    let mut out = Settings::default();
    if let Some((cfg, origin)) = pick(|c| c.port.is_some()) {
        out.ports = ports(cfg.port.as_ref(), origin)?;
    }
    for (cfg, origin) in workspace.into_iter().chain([(mcfg, morigin)]) {
        for (key, value) in cfg.env.iter().flatten() {
            check_env_name(key, origin)?;
            out.env.insert(key.clone(), value.text());
        }
    }
    if let Some((cfg, origin)) = pick(|c| c.include.is_some()) {
        for path in cfg.include.iter().flatten() {
            out.include.push(include(path, origin, context)?);
        }
    }
    if let Some((cfg, _)) = pick(|c| c.args.is_some()) {
        out.args = cfg.args.clone().unwrap_or_default();
    }
    Ok(out)
}

fn ports(ports: Option<&Ports>, origin: &Origin) -> Result<Vec<u16>> {
    let mut list = match ports {
        Some(Ports::One(p)) => vec![*p],
        Some(Ports::Many(ps)) => ps.clone(),
        None => vec![],
    };
    if list.contains(&0) {
        return Err(fail(
            format!(
                "invalid `port` in {} of {}: 0 is not a port",
                origin.table, origin.file
            ),
            "use the port the service listens on, 1-65535",
        ));
    }
    list.sort_unstable();
    list.dedup();
    Ok(list)
}

fn check_env_name(key: &str, origin: &Origin) -> Result<()> {
    let mut chars = key.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(fail(
            format!(
                "invalid `env` name `{key}` in {} of {}",
                origin.table, origin.file
            ),
            "environment variable names are letters, digits and `_`, not starting with a digit",
        ))
    }
}

fn include(path: &str, origin: &Origin, context: &Path) -> Result<Include> {
    let bad = |why: &str, hint: &str| {
        fail(
            format!(
                "invalid `include` entry `{path}` in {} of {}: {why}",
                origin.table, origin.file
            ),
            hint.to_string(),
        )
    };
    let p = Path::new(path);
    if path.trim().is_empty() {
        return Err(bad(
            "it is empty",
            "name a file or folder next to the manifest",
        ));
    }
    if p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(bad(
            "it must be a plain relative path inside the manifest's folder",
            "name a path below the file that lists it; in a Cargo workspace, list files from elsewhere in [workspace.metadata.distroless] of the root Cargo.toml",
        ));
    }
    let rel = relative_slash(&Path::new("/").join(p), Path::new("/")).unwrap_or_default();
    let src = if origin.dir.is_empty() {
        rel.clone()
    } else {
        format!("{}/{rel}", origin.dir)
    };
    if !context.join(&src).exists() {
        return Err(bad(
            &format!("`{src}` does not exist"),
            "paths are relative to the folder of the file that lists them",
        ));
    }
    Ok(Include {
        dest: format!("{APP_DIR}/{rel}"),
        src,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::format;

    const WS: Origin = Origin {
        table: "[workspace.metadata.distroless]",
        file: "Cargo.toml",
        dir: "",
    };
    const MEMBER: Origin = Origin {
        table: "[package.metadata.distroless]",
        file: "crates/api/Cargo.toml",
        dir: "crates/api",
    };

    fn parse(json: serde_json::Value, origin: &Origin) -> Result<Config> {
        Config::from_metadata(&serde_json::json!({ "distroless": json }), origin)
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let err = parse(serde_json::json!({"prot": 80}), &MEMBER).unwrap_err();
        let text = format(&err);
        assert!(text.contains("unknown field `prot`"), "{text}");
        assert!(text.contains("crates/api/Cargo.toml"), "{text}");
        assert!(text.contains("hint:"), "{text}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = parse(serde_json::json!({"args": "serve"}), &MEMBER).unwrap_err();
        assert!(format(&err).contains("at `args`"), "{}", format(&err));
        let err = parse(serde_json::json!({"port": "80"}), &MEMBER).unwrap_err();
        assert!(format(&err).contains("port number"), "{}", format(&err));
    }

    #[test]
    fn selection_keys_belong_to_the_root() {
        let cfg = parse(
            serde_json::json!({"bins": ["a"], "rust-version": "1.90"}),
            &MEMBER,
        )
        .unwrap();
        let text = format(&cfg.check_member(&MEMBER).unwrap_err());
        assert!(
            text.contains("`bins`") && text.contains("crates/api/Cargo.toml"),
            "{text}"
        );
        let ws = parse(serde_json::json!({"bins": ["w"], "packages": ["p"]}), &WS).unwrap();
        let sel = Selection::from_root(&ws, Some(&cfg));
        assert_eq!(sel.bins, ["a"]);
        assert_eq!(sel.packages, ["p"]);
        assert_eq!(sel.rust_version.as_deref(), Some("1.90"));
    }

    #[test]
    fn absent_table_is_default() {
        assert_eq!(
            Config::from_metadata(&serde_json::Value::Null, &WS).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn member_overrides_workspace_and_env_merges() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("crates/api/static")).unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        let ws = parse(
            serde_json::json!({"port": [9000, 8080, 9000], "env": {"A": "ws", "B": 1}, "include": ["config.toml"], "args": ["x"]}),
            &WS,
        )
        .unwrap();
        let member = parse(
            serde_json::json!({"env": {"A": "member"}, "include": ["static"]}),
            &MEMBER,
        )
        .unwrap();
        let s = settings(Some((&ws, &WS)), (&member, &MEMBER), dir.path()).unwrap();
        assert_eq!(s.ports, [8080, 9000]);
        assert_eq!(s.env["A"], "member");
        assert_eq!(s.env["B"], "1");
        assert_eq!(
            s.include,
            [Include {
                src: "crates/api/static".into(),
                dest: "/app/static".into()
            }]
        );
        assert_eq!(s.args, ["x"]);
    }

    #[test]
    fn include_must_exist_and_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = parse(serde_json::json!({"include": ["missing"]}), &MEMBER).unwrap();
        let err = settings(None, (&cfg, &MEMBER), dir.path()).unwrap_err();
        assert!(
            format(&err).contains("`crates/api/missing` does not exist"),
            "{}",
            format(&err)
        );
        let cfg = parse(serde_json::json!({"include": ["../x"]}), &MEMBER).unwrap();
        let err = settings(None, (&cfg, &MEMBER), dir.path()).unwrap_err();
        assert!(
            format(&err).contains("plain relative path"),
            "{}",
            format(&err)
        );
    }

    #[test]
    fn bad_env_name_and_zero_port_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = parse(serde_json::json!({"env": {"1X": "a"}}), &WS).unwrap();
        assert!(settings(None, (&cfg, &WS), dir.path()).is_err());
        let cfg = parse(serde_json::json!({"port": 0}), &WS).unwrap();
        assert!(settings(None, (&cfg, &WS), dir.path()).is_err());
    }
}
