//! Cargo's configuration, as cargo reads it in the builder: the workspace
//! root's `.cargo/config.toml` (or `.cargo/config`) travels with the source,
//! so cargo applies it there. What the tool must do is install what it asks
//! for (a linker), follow where it puts the binaries (`[build] target`), keep
//! a vendored build offline, and say so; and refuse a configuration above the
//! project, which applies here but that the image build never sees.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;

/// The builder's target: the only one a `[target.<triple>]` table of which
/// applies there.
pub const HOST: &str = "x86_64-unknown-linux-gnu";

/// What the configuration sets that the plan must follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoConfig {
    /// The file read, relative to the root.
    pub file: Option<String>,
    /// `linker` of the builder's target.
    pub linker: Option<String>,
    /// `rustflags` of `[build]` and of the builder's target (and `cfg()` tables).
    pub rustflags: Vec<String>,
    /// `[build] target`.
    pub target: Option<String>,
    /// Names that `[env]` sets for the build.
    pub env: Vec<String>,
    /// The folder a `[source]` replacement vendors crates into.
    pub vendored: Option<String>,
    /// `[registries]` or `[net]` is set: passed through with the file.
    pub registries: bool,
    /// Configuration variables set in this shell (`RUSTFLAGS`,
    /// `CARGO_BUILD_*`, …), sorted: they change the local build, and the
    /// image build never sees them.
    pub shell_only: Vec<String>,
}

impl CargoConfig {
    /// The Debian packages the builder needs for the linker and flags, with
    /// what asks for each.
    pub fn packages(&self) -> Vec<(&'static str, String)> {
        let file = self.file.as_deref().unwrap_or(".cargo/config.toml");
        let mut out = Vec::new();
        if let Some(l) = &self.linker {
            let name = l.rsplit('/').next().unwrap_or(l);
            if name.starts_with("clang") {
                out.push(("clang", format!("`linker = \"{l}\"` in {file}")));
            }
            if name.contains("mold") {
                out.push(("mold", format!("`linker = \"{l}\"` in {file}")));
            }
        }
        for flag in &self.rustflags {
            for (tool, package) in [("lld", "lld"), ("mold", "mold")] {
                if flag.contains(&format!("fuse-ld={tool}")) {
                    out.push((package, format!("`{flag}` in the rustflags of {file}")));
                }
            }
            if flag.contains("linker=clang") {
                out.push(("clang", format!("`{flag}` in the rustflags of {file}")));
            }
        }
        out
    }
}

/// Reads the root's configuration, and refuses one above the root.
pub fn read(root: &Path) -> Result<CargoConfig> {
    check_ancestors(root)?;
    let folder = Folder::new(root);
    let mut config = CargoConfig::default();
    for file in [".cargo/config.toml", ".cargo/config"] {
        let Some(text) = folder.read_optional(file)? else {
            continue;
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            fail(
                format!(
                    "{} is not valid TOML: {}",
                    folder.path(file).display(),
                    e.to_string().trim_end()
                ),
                "fix it at the line shown; cargo reads it too",
            )
        })?;
        config.file = Some(file.to_string());
        apply(&table, &mut config);
        check_values(&config, file)?;
        check_target(&config, file)?;
        if let Some(dir) = config.vendored.take() {
            let dir = dir
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            crate::grammar::project_path(&dir).map_err(|why| {
                fail(
                    format!("{file}: the `directory` of its [source] replacement is {dir:?}: {why}"),
                    "vendor the crates inside the project (`cargo vendor vendor`): the image build sees only the project",
                )
            })?;
            config.vendored = Some(dir);
        }
        break;
    }
    config.shell_only = shell_only(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()));
    Ok(config)
}

/// The variables among `names` that configure cargo's build the way
/// `.cargo/config.toml` would (cargo's own bookkeeping ones aside).
pub fn shell_only(names: impl Iterator<Item = String>) -> Vec<String> {
    let target_key = |n: &str| {
        n.strip_prefix("CARGO_TARGET_").is_some_and(|rest| {
            ["_LINKER", "_RUSTFLAGS"]
                .iter()
                .any(|suffix| rest.ends_with(suffix))
        })
    };
    let mut out: Vec<String> = names
        .filter(|n| grammar::env_name(n).is_ok())
        .filter(|n| {
            matches!(n.as_str(), "RUSTFLAGS" | "CARGO_ENCODED_RUSTFLAGS")
                || (n.starts_with("CARGO_BUILD_") && n != "CARGO_BUILD_TARGET_DIR")
                || n.starts_with("CARGO_PROFILE_")
                || target_key(n)
        })
        .collect();
    out.sort();
    out
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    match value {
        Some(toml::Value::String(s)) => s.split_whitespace().map(String::from).collect(),
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn apply(table: &toml::Table, config: &mut CargoConfig) {
    let build = table.get("build");
    config
        .rustflags
        .extend(strings(build.and_then(|b| b.get("rustflags"))));
    config.target = build
        .and_then(|b| b.get("target"))
        .and_then(|t| t.as_str())
        .map(String::from);
    if let Some(targets) = table.get("target").and_then(|t| t.as_table()) {
        for (key, t) in targets {
            if key == HOST || key.starts_with("cfg(") {
                config.rustflags.extend(strings(t.get("rustflags")));
                if key == HOST {
                    config.linker = t.get("linker").and_then(|l| l.as_str()).map(String::from);
                }
            }
        }
    }
    if let Some(env) = table.get("env").and_then(|e| e.as_table()) {
        config.env = env.keys().cloned().collect();
    }
    if let Some(sources) = table.get("source").and_then(|s| s.as_table()) {
        config.vendored = sources.values().find_map(|s| {
            s.get("directory")
                .and_then(|d| d.as_str())
                .map(String::from)
        });
    }
    config.registries = table.contains_key("registries") || table.contains_key("net");
}

/// Refuses values that could not pass into a generated file as the text
/// they are: the linker, rustflags, target and `[env]` names reach the
/// Dockerfile's comments and `--explain`.
fn check_values(config: &CargoConfig, file: &str) -> Result<()> {
    let bad = |key: &str, value: &str, why: &str| {
        fail(
            format!("invalid {key} {value:?} in {file}: {why}"),
            "write it as cargo takes it, one line without control characters",
        )
    };
    let one_word = |value: &str| {
        grammar::no_control(value)?;
        if value.is_empty() || value.chars().any(char::is_whitespace) {
            return Err("it must be one word");
        }
        Ok(())
    };
    if let Some(linker) = &config.linker {
        one_word(linker).map_err(|why| bad("`linker`", linker, why))?;
    }
    for flag in &config.rustflags {
        grammar::no_control(flag).map_err(|why| bad("`rustflags` entry", flag, why))?;
    }
    if let Some(target) = &config.target {
        one_word(target).map_err(|why| bad("`[build] target`", target, why))?;
    }
    for name in &config.env {
        grammar::env_name(name).map_err(|why| bad("`[env]` name", name, why))?;
    }
    if let Some(dir) = &config.vendored {
        grammar::no_control(dir).map_err(|why| bad("[source] `directory`", dir, why))?;
    }
    Ok(())
}

/// The builder builds for its own target; a configured other one is a
/// cross build it cannot do.
fn check_target(config: &CargoConfig, file: &str) -> Result<()> {
    match &config.target {
        Some(t) if t != HOST => Err(fail(
            format!(
                "`[build] target = \"{t}\"` in {file}: the builder builds for {HOST}, the runtime image's target, and cannot build for another"
            ),
            "drop the target from the configuration the image build sees, or build that target outside this tool",
        )),
        _ => Ok(()),
    }
}

/// A configuration above the root applies to cargo on this machine, but the
/// image build never sees it: the build would differ. `CARGO_HOME`'s own is
/// the user's (credentials, mirrors), and is left to them.
fn check_ancestors(root: &Path) -> Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for dir in root.ancestors().skip(1) {
        let cargo = dir.join(".cargo");
        if cargo_home.as_deref() == Some(cargo.as_path()) {
            continue;
        }
        for file in ["config.toml", "config"] {
            let path = cargo.join(file);
            if path.is_file() {
                return Err(fail(
                    format!(
                        "{} configures cargo for this project, but it lies outside the build context ({}), so the image build would not see it",
                        path.display(),
                        root.display()
                    ),
                    "move the settings into the project's .cargo/config.toml, or remove the file",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> CargoConfig {
        let mut c = CargoConfig {
            file: Some(".cargo/config.toml".into()),
            ..CargoConfig::default()
        };
        apply(&toml::from_str(text).unwrap(), &mut c);
        c
    }

    #[test]
    fn clang_and_lld_from_the_target_table() {
        let c = config(
            "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang\"\nrustflags = [\"-C\", \"link-arg=-fuse-ld=lld\"]\n[target.aarch64-unknown-linux-gnu]\nlinker = \"aarch64-linux-gnu-gcc\"\n",
        );
        assert_eq!(c.linker.as_deref(), Some("clang"));
        let packages: Vec<&str> = c.packages().iter().map(|(p, _)| *p).collect();
        assert_eq!(packages, ["clang", "lld"]);
        assert_eq!(
            c.packages()[0].1,
            "`linker = \"clang\"` in .cargo/config.toml"
        );
    }

    #[test]
    fn build_table_env_vendoring_and_registries() {
        let c = config(
            "[build]\nrustflags = \"-C target-cpu=native -C link-arg=-fuse-ld=mold\"\ntarget = \"x86_64-unknown-linux-gnu\"\n[env]\nAPP_BUILD = \"x\"\n[source.crates-io]\nreplace-with = \"vendored\"\n[source.vendored]\ndirectory = \"vendor\"\n[net]\noffline = true\n",
        );
        assert_eq!(c.target.as_deref(), Some(HOST));
        assert_eq!(c.env, ["APP_BUILD"]);
        assert_eq!(c.vendored.as_deref(), Some("vendor"));
        assert!(c.registries);
        assert_eq!(c.packages()[0].0, "mold");
    }

    #[test]
    fn another_target_and_a_config_above_the_project_are_refused() {
        let c = config("[build]\ntarget = \"aarch64-unknown-linux-gnu\"\n");
        let text = crate::error::format(&check_target(&c, ".cargo/config.toml").unwrap_err());
        assert!(
            text.contains("`[build] target = \"aarch64-unknown-linux-gnu\"` in .cargo/config.toml"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
        std::fs::write(dir.path().join(".cargo/config.toml"), "[build]\n").unwrap();
        std::fs::create_dir_all(dir.path().join("project")).unwrap();
        let text = crate::error::format(&read(&dir.path().join("project")).unwrap_err());
        assert!(
            text.contains(".cargo/config.toml configures cargo for this project, but it lies outside the build context"),
            "{text}"
        );
    }

    #[test]
    fn shell_variables_that_configure_the_build_are_found() {
        let names = [
            "RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "CARGO_BUILD_TARGET_DIR",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
            "CARGO_TARGET_DIR",
            "CARGO_TARGET_TMPDIR",
            "CARGO_PROFILE_RELEASE_DEBUG",
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "PATH",
        ];
        assert_eq!(
            shell_only(names.iter().map(|s| s.to_string())),
            [
                "CARGO_BUILD_TARGET",
                "CARGO_PROFILE_RELEASE_DEBUG",
                "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
                "RUSTFLAGS"
            ]
        );
    }
}
