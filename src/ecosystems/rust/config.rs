//! A Rust project's configuration: `[package.metadata.distroless]` of a
//! member and `[workspace.metadata.distroless]` (defaults for every member).
//! The shared keys are [`crate::settings`]'s; the keys here choose for the
//! whole project and belong in the root's table, where flags override them.

use anyhow::Result;
use serde::Deserialize;

use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;
use crate::settings::{ImageSettings, Origin, OwnKeys, Parsed, ProjectSettings, parse_table};

/// The Rust-only keys: choices about the whole project. Unknown keys are
/// errors (`parse_table` refuses them), so a typo never silently drops a
/// setting.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RustConfig {
    pub packages: Option<Vec<String>>,
    pub bins: Option<Vec<String>>,
    pub rust_version: Option<String>,
    pub runtime: Option<String>,
    pub distro: Option<String>,
    pub debug: Option<bool>,
    pub features: Option<Vec<String>>,
    pub no_default_features: Option<bool>,
    pub all_features: Option<bool>,
    pub profile: Option<String>,
    pub bake: Option<bool>,
    pub strip: Option<bool>,
    pub cache: Option<String>,
    pub auditable: Option<bool>,
}

impl RustConfig {
    /// Checks each value against its grammar, naming the key and table.
    fn check(&self, origin: &Origin) -> Result<()> {
        let lists: [(&str, &Option<Vec<String>>, grammar::Rule); 3] = [
            ("packages", &self.packages, grammar::cargo_name),
            ("bins", &self.bins, grammar::cargo_name),
            ("features", &self.features, grammar::cargo_feature),
        ];
        for (key, values, rule) in lists {
            for v in values.iter().flatten() {
                rule(v).map_err(|why| {
                    fail(
                        format!("invalid `{key}` entry {v:?} in {origin}: {why}"),
                        "fix the entry",
                    )
                })?;
            }
        }
        if let Some(c) = self.cache.as_deref().filter(|c| !CACHE_MODES.contains(c)) {
            return Err(fail(
                format!("invalid `cache` {c:?} in {origin}: it is \"layers\" or \"mounts\""),
                "cache = \"layers\" (the default) keeps the compiled dependencies in an image layer, which registry and GitHub caches keep; \"mounts\" keeps them in a cache mount of a persistent builder",
            ));
        }
        if let Some(p) = &self.profile {
            grammar::cargo_profile(p).map_err(|why| {
                fail(
                    format!("invalid `profile` {p:?} in {origin}: {why}"),
                    "name a profile of the workspace, e.g. profile = \"release\"",
                )
            })?;
        }
        Ok(())
    }
}

impl OwnKeys for RustConfig {
    const KEYS: &'static [&'static str] = &[
        "packages",
        "bins",
        "rust-version",
        "runtime",
        "distro",
        "debug",
        "features",
        "no-default-features",
        "all-features",
        "profile",
        "bake",
        "strip",
        "cache",
        "auditable",
    ];
}

/// The values of `cache`.
pub const CACHE_MODES: &[&str] = &["layers", "mounts"];

/// Where `runtime`, `distro` and the other whole-project keys are set.
pub const ROOT_TABLE: &str = "set in [workspace.metadata.distroless] or the root package's [package.metadata.distroless] of the root Cargo.toml";

/// One `distroless` table: the image's settings, the project's shared
/// choices and the Rust keys.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Table {
    pub settings: ImageSettings,
    pub project: ProjectSettings,
    pub rust: RustConfig,
}

impl Table {
    /// Reads the `distroless` key of a cargo `metadata` value; absent means
    /// default.
    pub fn from_metadata(metadata: &serde_json::Value, origin: &Origin) -> Result<Table> {
        let Some(value) = metadata.get("distroless") else {
            return Ok(Table::default());
        };
        let parsed: Parsed<RustConfig> = parse_table(
            value,
            &origin.to_string(),
            "`packages` and the keys after it belong in the root's table; see the README's Configuration section",
        )?;
        parsed.own.check(origin)?;
        Ok(Table {
            settings: parsed.image,
            project: parsed.project,
            rust: parsed.own,
        })
    }

    /// Refuses whole-project keys in a member's table, where they would be
    /// silently ignored.
    pub fn check_member(&self, origin: &Origin) -> Result<()> {
        let mut given: Vec<&str> = Selection::from_root(&self.rust, None)
            .given()
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        given.extend(self.project.given().into_iter().map(|(_, key)| key));
        let Some(key) = given.first() else {
            return Ok(());
        };
        Err(fail(
            format!("`{key}` in {origin} applies to the whole project"),
            "move it to [workspace.metadata.distroless] in the workspace root's Cargo.toml",
        ))
    }
}

/// Where `init` records choices: the table that has choices already, else
/// the workspace's (the root package's for a single package).
pub fn record_place(
    workspace: &Table,
    root_package: Option<&Table>,
    is_workspace: bool,
) -> crate::ecosystems::common::ConfigPlace {
    let has = |t: &Table| *t != Table::default();
    let in_workspace = has(workspace) || (!root_package.is_some_and(has) && is_workspace);
    crate::ecosystems::common::ConfigPlace {
        file: "Cargo.toml".into(),
        table: if in_workspace {
            vec!["workspace", "metadata", "distroless"]
        } else {
            vec!["package", "metadata", "distroless"]
        },
        editable: true,
    }
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
    /// `false` keeps the binaries' debug info (stripped by default).
    pub strip: Option<bool>,
    /// Where compiled dependencies are kept: `layers` or `mounts`.
    pub cache: Option<String>,
    /// `false` builds without cargo-auditable.
    pub auditable: Option<bool>,
}

/// Every choice, as (flag, config key): a choice without a flag has `None`.
/// The one list that the CLI's notes, the merge and the member check use.
pub const CHOICES: &[(Option<&str>, &str)] = &[
    (Some("--package"), "packages"),
    (Some("--bin"), "bins"),
    (Some("--rust-version"), "rust-version"),
    (None, "runtime"),
    (None, "distro"),
    (None, "debug"),
    (Some("--features"), "features"),
    (Some("--no-default-features"), "no-default-features"),
    (Some("--all-features"), "all-features"),
    (Some("--profile"), "profile"),
    (None, "bake"),
    (None, "strip"),
    (None, "cache"),
    (None, "auditable"),
];

impl Selection {
    /// The root package's table over the workspace's, key by key.
    pub fn from_root(workspace: &RustConfig, root_package: Option<&RustConfig>) -> Selection {
        fn pick<T: Clone>(
            ws: &RustConfig,
            root: Option<&RustConfig>,
            f: fn(&RustConfig) -> &Option<T>,
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
            strip: pick(w, r, |c| &c.strip),
            cache: pick(w, r, |c| &c.cache),
            auditable: pick(w, r, |c| &c.auditable),
        }
    }

    /// Whether each choice of [`CHOICES`] is made, in that order.
    fn made(&self) -> [bool; 14] {
        [
            !self.packages.is_empty(),
            !self.bins.is_empty(),
            self.rust_version.is_some(),
            self.runtime.is_some(),
            self.distro.is_some(),
            self.debug,
            !self.features.is_empty(),
            self.no_default_features,
            self.all_features,
            self.profile.is_some(),
            self.bake.is_some(),
            self.strip.is_some(),
            self.cache.is_some(),
            self.auditable.is_some(),
        ]
    }

    /// Refuses a `rust-version` that is not a Rust version, naming `manifest`.
    pub fn check_rust_version(&self, manifest: &str) -> Result<()> {
        match self
            .rust_version
            .as_deref()
            .filter(|v| super::version::RustVersion::parse(v).is_none())
        {
            Some(v) => Err(fail(
                format!(
                    "invalid `rust-version` = \"{v}\" in the distroless table of {manifest}: it is not a Rust version"
                ),
                "give it as X.Y or X.Y.Z, e.g. rust-version = \"1.95\"",
            )),
            None => Ok(()),
        }
    }

    /// The choices made, as configuration keys and values.
    pub fn keys(&self) -> Vec<crate::ecosystems::record::Key> {
        use crate::ecosystems::record::strings;
        use toml_edit::Value;
        let mut keys = Vec::new();
        if !self.packages.is_empty() {
            keys.push(("packages", strings(&self.packages)));
        }
        if !self.bins.is_empty() {
            keys.push(("bins", strings(&self.bins)));
        }
        keys.extend(
            self.rust_version
                .as_deref()
                .map(|v| ("rust-version", Value::from(v))),
        );
        if !self.features.is_empty() {
            keys.push(("features", strings(&self.features)));
        }
        if self.no_default_features {
            keys.push(("no-default-features", Value::from(true)));
        }
        if self.all_features {
            keys.push(("all-features", Value::from(true)));
        }
        keys.extend(self.profile.as_deref().map(|v| ("profile", Value::from(v))));
        keys
    }

    /// The choices made, as (flag, key).
    pub fn given(&self) -> Vec<(Option<&'static str>, &'static str)> {
        CHOICES
            .iter()
            .zip(self.made())
            .filter_map(|(choice, made)| made.then_some(*choice))
            .collect()
    }

    /// These choices (from flags) over `recorded` (from the root's table):
    /// a flag given replaces the recorded value.
    pub fn over(&self, recorded: &Selection) -> Selection {
        let or = |flag: &Vec<String>, rec: &Vec<String>| {
            if flag.is_empty() { rec } else { flag }.clone()
        };
        Selection {
            packages: or(&self.packages, &recorded.packages),
            bins: or(&self.bins, &recorded.bins),
            rust_version: self.rust_version.clone().or(recorded.rust_version.clone()),
            runtime: self.runtime.clone().or(recorded.runtime.clone()),
            distro: self.distro.clone().or(recorded.distro.clone()),
            debug: self.debug || recorded.debug,
            features: or(&self.features, &recorded.features),
            no_default_features: self.no_default_features || recorded.no_default_features,
            all_features: self.all_features || recorded.all_features,
            profile: self.profile.clone().or(recorded.profile.clone()),
            bake: self.bake.or(recorded.bake),
            strip: self.strip.or(recorded.strip),
            cache: self.cache.clone().or(recorded.cache.clone()),
            auditable: self.auditable.or(recorded.auditable),
        }
    }
}

/// Refuses settings in a distroless.toml beside the root Cargo.toml or a
/// member's (`member` names its manifest), which a Cargo project does not
/// read: it may say `ecosystem` only. A file whose `ecosystem` names
/// another reader is that project's, read when the folder is read as one.
pub fn own_file_unread(folder: &Folder, member: Option<&str>) -> Result<()> {
    let Some(table) = folder.read_toml(crate::settings::OWN_FILE)? else {
        return Ok(());
    };
    let path = folder.path(crate::settings::OWN_FILE);
    if let Some(value) = table.get("ecosystem") {
        let named = crate::ecosystems::key_text(value.as_str(), value);
        if crate::ecosystems::Ecosystem::configured(&named, path.display())?
            != crate::ecosystems::Ecosystem::Rust
        {
            return Ok(());
        }
    }
    let keys: Vec<&str> = table
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "ecosystem")
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let place = match member {
        Some(manifest) => format!(
            "[package.metadata.distroless] of {manifest} (or [workspace.metadata.distroless] of the root Cargo.toml, for every member)"
        ),
        None => "[workspace.metadata.distroless] (or [package.metadata.distroless]) of Cargo.toml"
            .to_string(),
    };
    Err(fail(
        format!(
            "{} sets {} for a Cargo project, whose settings are read from Cargo.toml alone",
            path.display(),
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "move them to {place} and delete distroless.toml; if the folder is also another ecosystem's project, name it in the file: {}",
            crate::ecosystems::Ecosystem::others(crate::ecosystems::Ecosystem::Rust)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::format;
    use crate::settings::tests::{MEMBER, WS};

    fn table(json: serde_json::Value, origin: &Origin) -> Result<Table> {
        Table::from_metadata(&serde_json::json!({ "distroless": json }), origin)
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let text = format(&table(serde_json::json!({"prot": 80}), &MEMBER).unwrap_err());
        assert!(
            text.contains(
                "invalid [package.metadata.distroless] of crates/api/Cargo.toml: unknown key `prot`"
            ),
            "{text}"
        );
        assert!(text.contains("`rust-version`"), "{text}");
    }

    #[test]
    fn selection_keys_belong_to_the_root() {
        let cfg = table(
            serde_json::json!({"bins": ["a"], "rust-version": "1.90", "port": 80}),
            &MEMBER,
        )
        .unwrap();
        let text = format(&cfg.check_member(&MEMBER).unwrap_err());
        assert!(
            text.contains(
                "`bins` in [package.metadata.distroless] of crates/api/Cargo.toml applies to the whole project"
            ),
            "{text}"
        );
        let only_shared =
            table(serde_json::json!({"port": 80, "apt": ["clang"]}), &MEMBER).unwrap();
        assert!(only_shared.check_member(&MEMBER).is_ok());
        let ws = table(serde_json::json!({"bins": ["w"], "packages": ["p"]}), &WS).unwrap();
        let sel = Selection::from_root(&ws.rust, Some(&cfg.rust));
        assert_eq!(sel.bins, ["a"]);
        assert_eq!(sel.packages, ["p"]);
        assert_eq!(sel.rust_version.as_deref(), Some("1.90"));
    }

    #[test]
    fn cache_is_layers_or_mounts() {
        let text = format(&table(serde_json::json!({"cache": "disk"}), &WS).unwrap_err());
        assert!(
            text.contains(
                "invalid `cache` \"disk\" in [workspace.metadata.distroless] of Cargo.toml: it is \"layers\" or \"mounts\""
            ),
            "{text}"
        );
        assert!(
            text.contains("hint: cache = \"layers\" (the default)"),
            "{text}"
        );
        let ok = table(serde_json::json!({"cache": "mounts"}), &WS).unwrap();
        assert_eq!(ok.rust.cache.as_deref(), Some("mounts"));
    }

    #[test]
    fn absent_table_is_default() {
        assert_eq!(
            Table::from_metadata(&serde_json::Value::Null, &WS).unwrap(),
            Table::default()
        );
    }

    #[test]
    fn flags_replace_recorded_choices() {
        let recorded = Selection {
            bins: vec!["a".into()],
            features: vec!["x".into()],
            runtime: Some("base".into()),
            ..Default::default()
        };
        let flags = Selection {
            bins: vec!["b".into()],
            profile: Some("dist".into()),
            ..Default::default()
        };
        let merged = flags.over(&recorded);
        assert_eq!(merged.bins, ["b"]);
        assert_eq!(merged.features, ["x"]);
        assert_eq!(merged.runtime.as_deref(), Some("base"));
        assert_eq!(merged.profile.as_deref(), Some("dist"));
        assert_eq!(
            flags.given(),
            [(Some("--bin"), "bins"), (Some("--profile"), "profile")]
        );
    }
}
