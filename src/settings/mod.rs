//! The settings every ecosystem shares, one type for all: `port`, `env`,
//! `include`, `args` and `apt`. An ecosystem's table is these keys plus its
//! own; [`parse_table`] reads both halves from it and refuses a key that
//! belongs to neither. Every value is checked against its grammar here.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use anyhow::Result;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::context::Include;
use crate::error::fail;
use crate::folder::inside;
use crate::grammar;
use crate::layout::APP_DIR;

/// The shared keys, as written in a configuration table. Other keys are
/// passed over here: [`parse_table`] refuses those that belong to no one.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImageSettings {
    /// Ports the service listens on, for `EXPOSE`.
    pub port: Option<Ports>,
    /// Environment variables set in the image.
    pub env: Option<BTreeMap<String, EnvValue>>,
    /// Files and folders, relative to the table's folder, for the image.
    pub include: Option<Vec<String>>,
    /// Default arguments: the `CMD` list.
    pub args: Option<Vec<String>>,
    /// Debian packages the builder installs (never the image).
    pub apt: Option<Vec<String>>,
    /// An HTTP path to probe, or a table with the probe's timing.
    pub healthcheck: Option<HealthcheckSetting>,
    /// Put a minimal init (tini) in front of the entrypoint as PID 1.
    pub init: Option<bool>,
    /// Images this one needs healthy first, in `compose.yaml`.
    pub depends_on: Option<Vec<String>>,
    /// The signal `docker stop` sends, over the one the tool chose.
    pub stop_signal: Option<String>,
}

impl ImageSettings {
    /// The keys, as written.
    pub const KEYS: &'static [&'static str] = &[
        "port",
        "env",
        "include",
        "args",
        "apt",
        "healthcheck",
        "init",
        "depends-on",
        "stop-signal",
    ];
}

/// `healthcheck = "/health"`, or a table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "an HTTP path such as \"/health\", or a table with `path` and optionally `port`, `interval`, `timeout`, `retries`, `start-period`"
)]
pub enum HealthcheckSetting {
    Path(String),
    Table(HealthcheckTable),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HealthcheckTable {
    pub path: String,
    pub port: Option<u16>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
}

/// A health check, validated: what the probe asks and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The HTTP path, starting with `/`.
    pub path: String,
    /// `None`: the image's first port.
    pub port: Option<u16>,
    /// Docker durations: `30s`, `1m30s`, `500ms`.
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    pub start_period: String,
    /// The table and file that set it, for messages.
    pub origin: String,
}

/// The whole-project choices every ecosystem takes, each with its flag:
/// flags over the configuration, the same for every ecosystem. A Cargo
/// workspace sets them in its root's table only.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProjectSettings {
    /// Write compose.yaml.
    pub compose: Option<bool>,
    /// The Dockerfile's name.
    pub file: Option<String>,
    /// Pin every base image by digest.
    pub pin: Option<bool>,
    /// The registry that mirrors the base images.
    pub mirror: Option<String>,
}

impl ProjectSettings {
    /// Each choice as (flag, key), in the order [`ProjectSettings::given`] lists them.
    pub const CHOICES: &'static [(&'static str, &'static str)] = &[
        ("--compose", "compose"),
        ("--file", "file"),
        ("--pin", "pin"),
        ("--mirror", "mirror"),
    ];

    /// The keys, as written.
    pub const KEYS: &'static [&'static str] = &["compose", "file", "pin", "mirror"];

    /// The choices made, as (flag, key).
    pub fn given(&self) -> Vec<(&'static str, &'static str)> {
        let made = [
            self.compose.is_some(),
            self.file.is_some(),
            self.pin.is_some(),
            self.mirror.is_some(),
        ];
        Self::CHOICES
            .iter()
            .zip(made)
            .filter_map(|(c, made)| made.then_some(*c))
            .collect()
    }

    /// The choices made, as configuration keys and values.
    pub fn keys(&self) -> Vec<(&'static str, toml_edit::Value)> {
        use toml_edit::Value;
        let mut keys = Vec::new();
        keys.extend(self.compose.map(|v| ("compose", Value::from(v))));
        keys.extend(self.file.as_deref().map(|v| ("file", Value::from(v))));
        keys.extend(self.pin.map(|v| ("pin", Value::from(v))));
        keys.extend(self.mirror.as_deref().map(|v| ("mirror", Value::from(v))));
        keys
    }

    /// These choices (from flags) over `recorded` (from the configuration).
    pub fn over(&self, recorded: &ProjectSettings) -> ProjectSettings {
        ProjectSettings {
            compose: self.compose.or(recorded.compose),
            file: self.file.clone().or_else(|| recorded.file.clone()),
            pin: self.pin.or(recorded.pin),
            mirror: self.mirror.clone().or_else(|| recorded.mirror.clone()),
        }
    }

    /// Checks the values against their grammars, naming the key and table.
    pub fn check(&self, origin: &str) -> Result<()> {
        if let Some(f) = &self.file {
            grammar::dockerfile_name(f).map_err(|why| {
                fail(
                    format!("invalid `file` {f:?} in {origin}: {why}"),
                    "name the Dockerfile to write, e.g. file = \"Dockerfile.distroless\"",
                )
            })?;
        }
        if let Some(m) = &self.mirror {
            grammar::mirror(m).map_err(|why| {
                fail(
                    format!("invalid `mirror` {m:?} in {origin}: {why}"),
                    "name the registry that mirrors the base images, e.g. mirror = \"registry.internal/mirror\"",
                )
            })?;
        }
        Ok(())
    }

    /// Whether compose.yaml is written.
    pub fn compose(&self) -> bool {
        self.compose.unwrap_or(false)
    }

    /// The Dockerfile's name.
    pub fn dockerfile(&self) -> String {
        self.file
            .clone()
            .unwrap_or_else(|| crate::layout::DOCKERFILE.to_string())
    }

    /// Where the base images come from.
    pub fn sourcing(&self) -> crate::bases::Sourcing {
        crate::bases::Sourcing {
            mirror: self.mirror.clone(),
            pin: self.pin.unwrap_or(false),
        }
    }
}

/// A configuration table, read: the image's settings, the project's
/// choices, and the ecosystem's own keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed<E> {
    pub image: ImageSettings,
    pub project: ProjectSettings,
    pub own: E,
}

/// An ecosystem's own keys, beside the shared ones (its struct passes over
/// the shared keys rather than denying unknown ones).
pub trait OwnKeys: DeserializeOwned + Default {
    /// The keys, as written.
    const KEYS: &'static [&'static str];
}

/// Parses a configuration table into the shared settings and the
/// ecosystem's own. A key that is neither is an error naming it, `origin`
/// (the table and file) and, in the hint, every key there is.
pub fn parse_table<E: OwnKeys>(
    value: &serde_json::Value,
    origin: &str,
    more: &str,
) -> Result<Parsed<E>> {
    let lists = [ImageSettings::KEYS, ProjectSettings::KEYS, E::KEYS];
    let keys = || -> Vec<&str> { lists.concat() };
    // Spelled out only when something is wrong: most tables are valid.
    let hint = || {
        format!(
            "the keys are {}; {more}",
            keys()
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let Some(table) = value.as_object() else {
        return Err(fail(
            format!("invalid {origin}: it must be a table of settings"),
            hint(),
        ));
    };
    let known = |k: &str| lists.iter().any(|ks| ks.contains(&k));
    if let Some(key) = table.keys().find(|k| !known(k)) {
        let hint = match closest(key, &keys()) {
            Some(near) => format!("did you mean `{near}`? {}", hint()),
            None => hint(),
        };
        return Err(fail(format!("invalid {origin}: unknown key `{key}`"), hint));
    }
    // Each half reads its own keys from the same table and passes over the
    // other's, which the check above has vouched for. Most tables are
    // valid: they are read plainly, and only a failure is read again to
    // name the key at fault.
    let image = ImageSettings::deserialize(value).or_else(|_| parse(value, origin, &hint()))?;
    let project: ProjectSettings =
        ProjectSettings::deserialize(value).or_else(|_| parse(value, origin, &hint()))?;
    project.check(origin)?;
    let own = E::deserialize(value).or_else(|_| parse(value, origin, &hint()))?;
    Ok(Parsed {
        image,
        project,
        own,
    })
}

/// The known key closest to a mistyped one, when it is close enough to be
/// what was meant (a typo, a swapped letter, `_` for `-`).
pub fn closest<'a>(key: &str, keys: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase().replace('_', "-");
    keys.iter()
        .map(|k| (strsim::damerau_levenshtein(&key, k), *k))
        .filter(|(d, k)| *d <= 2.min(k.len() / 2))
        .min()
        .map(|(_, k)| k)
}

/// Deserialises a configuration value, naming the key that is wrong, where
/// the table is (`origin`), and what to do (`hint`).
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

/// Where a table was read from, for messages and for resolving paths.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The TOML table, e.g. `[package.metadata.distroless]`; empty when
    /// the settings are the whole file.
    pub table: &'static str,
    /// The file, as shown to the user.
    pub file: &'a str,
    /// The file's folder relative to the build context ("" at the root).
    pub dir: &'a str,
}

impl std::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.table.is_empty() {
            f.write_str(self.file)
        } else {
            write!(f, "{} of {}", self.table, self.file)
        }
    }
}

/// The file that holds the settings on its own, beside a manifest table.
pub const OWN_FILE: &str = "distroless.toml";

/// The project's distroless.toml: as detection parsed it to read the
/// `ecosystem` key, or not read yet. Either way it is parsed once.
#[derive(Debug, Clone, Default)]
pub enum OwnTable {
    #[default]
    Unread,
    Read(Option<toml::Table>),
}

impl OwnTable {
    /// The table, if the folder has the file: read now unless it was.
    pub fn table(self, folder: &crate::folder::Folder) -> Result<Option<toml::Table>> {
        match self {
            OwnTable::Read(table) => Ok(table),
            OwnTable::Unread => folder.read_toml(OWN_FILE),
        }
    }

    /// Refuses settings in a manifest's table (`origin`) when the file is
    /// there too: only the table would be read, and the file's settings
    /// would be lost without a word. Detection's parse, when it ran, says
    /// whether the file is there.
    pub fn only_beside(&self, origin: &Origin, folder: &crate::folder::Folder) -> Result<()> {
        let there = match self {
            OwnTable::Read(table) => table.is_some(),
            OwnTable::Unread => folder.exists(OWN_FILE),
        };
        if !there {
            return Ok(());
        }
        Err(fail(
            format!(
                "{origin} and {OWN_FILE} both hold this project's settings, and only one is read"
            ),
            format!(
                "move the keys of {OWN_FILE} into {origin} and delete {OWN_FILE} (or the other way round)"
            ),
        ))
    }
}

impl Origin<'static> {
    /// distroless.toml at the project's root.
    pub const OWN_FILE: Origin<'static> = Origin {
        table: "",
        file: OWN_FILE,
        dir: "",
    };
}

/// A Debian package the builder installs because a table asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptRequest {
    pub name: String,
    /// The table and file that list it.
    pub origin: String,
}

/// The shared settings of one image after merging: validated and resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Sorted, without duplicates.
    pub ports: Vec<u16>,
    pub env: BTreeMap<String, String>,
    pub include: Vec<Include>,
    /// `None` when no table sets it, so a default can apply.
    pub args: Option<Vec<String>>,
    /// From every table that applies, in order, without duplicates.
    pub apt: Vec<AptRequest>,
    pub healthcheck: Option<Health>,
    pub init: bool,
    /// Stage names of images this one needs healthy first.
    pub depends_on: Vec<String>,
    /// `stop-signal`, validated.
    pub stop_signal: Option<String>,
}

/// Merges a member's settings over the workspace's: a key the member sets
/// replaces the workspace's, except `env`, whose variables merge, and `apt`,
/// whose packages add up. `context` is the build context on disk, where
/// `include` paths must exist.
pub fn resolve(
    workspace: Option<(&ImageSettings, &Origin)>,
    member: (&ImageSettings, &Origin),
    context: &Path,
) -> Result<Settings> {
    let (mcfg, morigin) = member;
    let pick = |f: fn(&ImageSettings) -> bool| -> Option<(&ImageSettings, &Origin)> {
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
    let tables = || workspace.into_iter().chain([(mcfg, morigin)]);
    for (cfg, origin) in tables() {
        for (key, value) in cfg.env.iter().flatten() {
            check_env_name(key, origin)?;
            let value = value.text();
            if let Err(rule) = grammar::no_control(&value) {
                return Err(fail(
                    format!("invalid `env` value of `{key}` in {origin}: {rule}"),
                    "an ENV value is one line: write it without newlines or other control characters",
                ));
            }
            out.env.insert(key.clone(), value);
        }
        for name in cfg.apt.iter().flatten() {
            check_apt_name(name, origin)?;
            if !out.apt.iter().any(|a| &a.name == name) {
                out.apt.push(AptRequest {
                    name: name.clone(),
                    origin: origin.to_string(),
                });
            }
        }
    }
    if let Some((cfg, origin)) = pick(|c| c.include.is_some()) {
        for path in cfg.include.iter().flatten() {
            out.include.push(include(path, origin, context)?);
        }
    }
    if let Some((cfg, _)) = pick(|c| c.args.is_some()) {
        out.args.clone_from(&cfg.args);
    }
    if let Some((cfg, origin)) = pick(|c| c.healthcheck.is_some()) {
        out.healthcheck = cfg
            .healthcheck
            .as_ref()
            .map(|h| health(h, origin))
            .transpose()?;
    }
    if let Some((cfg, _)) = pick(|c| c.init.is_some()) {
        out.init = cfg.init.unwrap_or(false);
    }
    if let Some((cfg, origin)) = pick(|c| c.stop_signal.is_some()) {
        let signal = cfg.stop_signal.clone().unwrap_or_default();
        grammar::stop_signal(&signal).map_err(|rule| {
            fail(
                format!("invalid `stop-signal` {signal:?} in {origin}: {rule}"),
                "name the signal the program stops on at once, e.g. stop-signal = \"SIGINT\"",
            )
        })?;
        out.stop_signal = Some(signal);
    }
    if let Some((cfg, origin)) = pick(|c| c.depends_on.is_some()) {
        for name in cfg.depends_on.iter().flatten() {
            grammar::cargo_name(name).map_err(|rule| {
                fail(
                    format!("invalid `depends-on` entry {name:?} in {origin}: {rule}"),
                    "name another image of the project by its stage, e.g. depends-on = [\"api\"]",
                )
            })?;
            out.depends_on.push(name.clone());
        }
    }
    Ok(out)
}

/// Validates a health check setting, filling in Docker's usual timing.
fn health(setting: &HealthcheckSetting, origin: &Origin) -> Result<Health> {
    let table = match setting {
        HealthcheckSetting::Path(path) => HealthcheckTable {
            path: path.clone(),
            port: None,
            interval: None,
            timeout: None,
            retries: None,
            start_period: None,
        },
        HealthcheckSetting::Table(t) => t.clone(),
    };
    let bad = |key: &str, value: &str, rule: &str, hint: &str| {
        fail(
            format!("invalid `healthcheck` {key} {value:?} in {origin}: {rule}"),
            hint.to_string(),
        )
    };
    grammar::http_path(&table.path).map_err(|rule| {
        bad(
            "path",
            &table.path,
            rule,
            "write the path the probe asks for, e.g. healthcheck = \"/health\"",
        )
    })?;
    if table.port == Some(0) {
        return Err(bad(
            "port",
            "0",
            "0 is not a port",
            "use the port the service listens on, 1-65535",
        ));
    }
    let duration = |key: &str, value: Option<&String>, default: &str| -> Result<String> {
        let value = value.map_or(default, String::as_str);
        let min_ms = if key == "start-period" { 0 } else { 1000 };
        grammar::bounded_duration(value, min_ms)
            .map(|()| value.to_string())
            .map_err(|rule| {
                bad(
                    key,
                    value,
                    rule,
                    "write a duration from 1s (0s for start-period) to 24h, such as 30s or 1m30s",
                )
            })
    };
    let retries = table.retries.unwrap_or(3);
    if retries == 0 {
        return Err(bad("retries", "0", "at least one try", "write retries = 3"));
    }
    Ok(Health {
        interval: duration("interval", table.interval.as_ref(), "30s")?,
        timeout: duration("timeout", table.timeout.as_ref(), "3s")?,
        start_period: duration("start-period", table.start_period.as_ref(), "5s")?,
        retries,
        path: table.path,
        port: table.port,
        origin: origin.to_string(),
    })
}

fn ports(ports: Option<&Ports>, origin: &Origin) -> Result<Vec<u16>> {
    let mut list = match ports {
        Some(Ports::One(p)) => vec![*p],
        Some(Ports::Many(ps)) => ps.clone(),
        None => vec![],
    };
    if list.is_empty() {
        return Err(fail(
            format!("invalid `port` in {origin}: the list is empty"),
            "name the port the service listens on (port = 8080), or leave the key out for the default",
        ));
    }
    if list.contains(&0) {
        return Err(fail(
            format!("invalid `port` in {origin}: 0 is not a port"),
            "use the port the service listens on, 1-65535",
        ));
    }
    list.sort_unstable();
    list.dedup();
    Ok(list)
}

fn check_env_name(key: &str, origin: &Origin) -> Result<()> {
    grammar::env_name(key).map_err(|rule| {
        fail(
            format!("invalid `env` name `{key}` in {origin}"),
            format!("{rule}, e.g. RUST_LOG"),
        )
    })
}

fn check_apt_name(name: &str, origin: &Origin) -> Result<()> {
    grammar::debian_package(name).map_err(|rule| {
        fail(
            format!("invalid `apt` entry `{name}` in {origin}: not a Debian package name"),
            format!("{rule}, e.g. apt = [\"libpq-dev\", \"pkg-config\"]"),
        )
    })
}

fn include(path: &str, origin: &Origin, context: &Path) -> Result<Include> {
    let bad = |why: &str, hint: &str| {
        fail(
            format!("invalid `include` entry `{path}` in {origin}: {why}"),
            hint.to_string(),
        )
    };
    let inside_hint = "name a file or folder below the file that lists it; in a workspace, list files from elsewhere in the root's table";
    if let Err(rule) = grammar::project_path(path) {
        return Err(bad(rule, inside_hint));
    }
    if Path::new(path)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(bad(
            "it must be a plain relative path inside the manifest's folder",
            inside_hint,
        ));
    }
    let rel: Vec<&str> = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    let rel = rel.join("/");
    let src = match (origin.dir.is_empty(), rel.is_empty()) {
        (true, true) => {
            return Err(bad(
                "it names the whole build context",
                "list the files and folders the image needs, e.g. include = [\"static\", \"config.toml\"]",
            ));
        }
        (true, false) => rel.clone(),
        (false, true) => origin.dir.to_string(),
        (false, false) => format!("{}/{rel}", origin.dir),
    };
    if !context.join(&src).exists() {
        return Err(bad(
            &format!("`{src}` does not exist"),
            "paths are relative to the folder of the file that lists them",
        ));
    }
    if !inside(context, &src)? {
        return Err(bad(
            &format!("`{src}` leads out of the project through a symbolic link"),
            "copy the file into the project, or point the link inside it",
        ));
    }
    let dest = if rel.is_empty() {
        format!("{APP_DIR}/")
    } else {
        format!("{APP_DIR}/{rel}")
    };
    Ok(Include { dest, src })
}

#[cfg(test)]
pub(crate) mod tests;
