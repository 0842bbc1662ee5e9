//! The ecosystems the tool knows, one folder each, and the only place that
//! matches on which one a project is. Adding one means a new folder here, a
//! new folder under `templates/`, a variant of [`Detected`] and its arms below.

pub mod common;
pub mod node;
pub mod python;
pub mod record;
pub mod rust;

use std::path::Path;

use anyhow::Result;

pub use common::Planned;

use crate::error::{WithHint, fail};
use crate::folder::Folder;

/// A project, as its ecosystem read it (boxed: the two differ much in size).
#[derive(Debug, Clone)]
pub enum Detected {
    Rust(Box<rust::RustProject>),
    Python(Box<python::PythonProject>),
    Node(Box<node::NodeProject>),
}

/// The choices given as flags: the whole-project ones every ecosystem
/// takes, and each ecosystem's own (an error for another's project).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flags {
    pub shared: crate::settings::ProjectSettings,
    pub rust: rust::Selection,
}

impl Flags {
    /// Every choice given, as the configuration key and its value.
    pub fn keys(&self) -> Vec<record::Key> {
        let mut keys = self.shared.keys();
        keys.extend(self.rust.keys());
        keys
    }
}

/// An ecosystem a user can ask for (`--ecosystem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ecosystem {
    Rust,
    Python,
    Node,
}

impl Ecosystem {
    /// Its name, as its folders are named, and as `--ecosystem` and the
    /// `ecosystem` key write it.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Rust => rust::NAME,
            Ecosystem::Python => python::NAME,
            Ecosystem::Node => node::NAME,
        }
    }

    /// The ecosystem a configuration's `ecosystem` key names; anything else
    /// is an error naming where the key is (`origin`), with the names there
    /// are, the closest first.
    pub fn configured(value: &str, origin: impl std::fmt::Display) -> Result<Ecosystem> {
        use clap::ValueEnum;
        let all = Ecosystem::value_variants();
        if let Some(named) = all.iter().find(|e| e.name() == value) {
            return Ok(*named);
        }
        let mut names: Vec<&str> = all.iter().map(|e| e.name()).collect();
        if let Some(near) = crate::settings::closest(value, &names) {
            names.retain(|n| *n != near);
            names.insert(0, near);
        }
        Err(fail(
            format!("invalid `ecosystem` in {origin}: `{value}`"),
            format!(
                "{}: the ecosystem that reads the folder",
                ecosystem_choices(&names)
            ),
        ))
    }

    /// How to name any ecosystem but this one, for hints:
    /// `ecosystem = "python" (or "node")`.
    pub fn others(than: Ecosystem) -> String {
        use clap::ValueEnum;
        let names: Vec<&str> = Ecosystem::value_variants()
            .iter()
            .filter(|e| **e != than)
            .map(|e| e.name())
            .collect();
        ecosystem_choices(&names)
    }
}

/// `write ecosystem = "first" (or "second", "third")`.
fn ecosystem_choices(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_first() {
        Some((first, [])) => format!("write {ECOSYSTEM_KEY} = {first}"),
        Some((first, rest)) => format!("write {ECOSYSTEM_KEY} = {first} (or {})", rest.join(", ")),
        None => String::new(),
    }
}

/// The ecosystem the folder's configuration names with its `ecosystem`
/// key, and where: in distroless.toml, or in the table of an ecosystem's own manifest
/// (`[tool.distroless]` of pyproject.toml, `"distroless"` of package.json).
/// Only that key is read here; the ecosystem that reads the project reads
/// the rest, from the files as parsed here. Two places that name different
/// ecosystems are an error, and so is a file that does not parse:
/// `beside_cargo` then says how to read the folder as the Cargo project it
/// also is.
fn named(folder: &Folder, beside_cargo: bool) -> Result<Named> {
    use crate::settings::{OWN_FILE, Origin};
    let read = || -> Result<Parsed> {
        Ok(Parsed {
            own: folder.read_toml(OWN_FILE)?,
            pyproject: python::pyproject(folder)?,
            manifest: node::manifest(folder)?,
        })
    };
    let parsed = if beside_cargo {
        read().hint(
            "fix it, or pass --ecosystem rust to read the folder as the Cargo project it also is",
        )?
    } else {
        read()?
    };
    let own = parsed.own.as_ref().and_then(|t| {
        let v = t.get(ECOSYSTEM_KEY)?;
        Some((key_text(v.as_str(), v), Origin::OWN_FILE))
    });
    let found = [
        own,
        parsed.pyproject.as_ref().and_then(python::named),
        parsed.manifest.as_ref().and_then(node::Manifest::named),
    ];
    let mut picked: Option<(Ecosystem, Origin<'static>)> = None;
    for (value, origin) in found.into_iter().flatten() {
        let named = Ecosystem::configured(&value, &origin)?;
        match &picked {
            Some((first, at)) if *first != named => {
                return Err(fail(
                    format!(
                        "`ecosystem` is \"{}\" in {at} and \"{}\" in {origin}",
                        first.name(),
                        named.name()
                    ),
                    "keep one `ecosystem`, naming the ecosystem that reads the folder",
                ));
            }
            Some(_) => {}
            None => picked = Some((named, origin)),
        }
    }
    Ok(Named { picked, parsed })
}

/// What [`named`] found: the ecosystem named and where, and the files it
/// parsed to learn it.
struct Named {
    picked: Option<(Ecosystem, crate::settings::Origin<'static>)>,
    parsed: Parsed,
}

/// The folder's distroless.toml and the manifests that may hold the tool's
/// table, parsed once: whichever ecosystem reads the folder reads them from
/// here.
struct Parsed {
    own: Option<toml::Table>,
    pyproject: Option<toml::Table>,
    manifest: Option<node::Manifest>,
}

impl Parsed {
    fn python(self) -> python::Looked {
        python::Looked {
            pyproject: self.pyproject,
            own: crate::settings::OwnTable::Read(self.own),
        }
    }

    fn node(self) -> Option<node::Looked> {
        let own = crate::settings::OwnTable::Read(self.own);
        self.manifest.map(|manifest| node::Looked { manifest, own })
    }
}

/// The key that names the ecosystem reading a folder.
pub const ECOSYSTEM_KEY: &str = "ecosystem";

/// The `ecosystem` key's value as text, from TOML or JSON alike: a
/// string's own text, any other value as the file writes it, which the
/// error for an unknown name then quotes.
pub(crate) fn key_text(string: Option<&str>, written: impl std::fmt::Display) -> String {
    string.map_or_else(|| written.to_string(), String::from)
}

/// Reads the project in `dir` (or behind `manifest_path`): [`identify`],
/// then [`Identified::start`] and [`Reading::read`].
pub fn detect(
    dir: &Path,
    manifest_path: Option<&Path>,
    asked: Option<Ecosystem>,
    flags: &Flags,
) -> Result<Detected> {
    identify(dir, manifest_path, asked)?.start()?.read(flags)
}

/// The ecosystem a folder is, found from its files' names and the
/// configuration that picks one, before anything slow reads the project:
/// the caller may start work that needs only the ecosystem meanwhile.
#[derive(Debug, Clone)]
pub struct Identified {
    dir: std::path::PathBuf,
    which: Which,
}

/// Which reader a folder calls for, with what it reads from.
#[derive(Debug, Clone)]
enum Which {
    /// A Cargo project, read from this Cargo.toml.
    Rust(std::path::PathBuf),
    /// A Python project, with its files if detection parsed them.
    Python(Option<python::Looked>),
    /// A Node project, with its files if detection parsed them.
    Node(Option<node::Looked>),
}

/// Finds which ecosystem reads `dir` (or `manifest_path`). The ecosystem
/// asked for reads it; otherwise the one the folder's configuration names
/// ([`named`]); otherwise the first whose files are there, Rust first. A
/// broken project is an error, never masked by a later match: a malformed
/// pyproject.toml, package.json or distroless.toml beside a Cargo.toml
/// fails unless `--ecosystem rust` says to leave it.
pub fn identify(
    dir: &Path,
    manifest_path: Option<&Path>,
    asked: Option<Ecosystem>,
) -> Result<Identified> {
    let folder = Folder::new(dir);
    let found = |which| Identified {
        dir: dir.to_path_buf(),
        which,
    };
    match asked {
        Some(Ecosystem::Rust) => {
            return match rust::manifest(dir, manifest_path)? {
                Some(manifest) => Ok(found(Which::Rust(manifest))),
                None => Err(fail(
                    format!("--ecosystem rust: no Cargo.toml in {}", dir.display()),
                    "run it in the Cargo project's folder, or pass --manifest-path",
                )),
            };
        }
        Some(Ecosystem::Python) => return Ok(found(Which::Python(None))),
        Some(Ecosystem::Node) => return Ok(found(Which::Node(None))),
        None => {}
    }
    let cargo = manifest_path.is_some() || folder.exists("Cargo.toml");
    // What the `ecosystem` look parsed, if it ran.
    let mut parsed = None;
    if manifest_path.is_none() {
        let named = named(&folder, cargo)?;
        match named.picked {
            Some((Ecosystem::Python, _)) => {
                return Ok(found(Which::Python(Some(named.parsed.python()))));
            }
            Some((Ecosystem::Node, _)) => return Ok(found(Which::Node(named.parsed.node()))),
            Some((Ecosystem::Rust, origin)) if !cargo => {
                return Err(fail(
                    format!(
                        "{origin} says ecosystem = \"rust\", and {} has no Cargo.toml",
                        dir.display()
                    ),
                    "run this in the Cargo project's folder, or name the ecosystem the folder is",
                ));
            }
            Some((Ecosystem::Rust, _)) | None => parsed = Some(named.parsed),
        }
    }
    if let Some(manifest) = rust::manifest(dir, manifest_path)? {
        return Ok(found(Which::Rust(manifest)));
    }
    // A package.json with no Python project file beside it is Node's, even
    // with a distroless.toml (which either ecosystem may have).
    if node::found(&folder) && !python::found_project_files(&folder) {
        return Ok(found(Which::Node(parsed.and_then(Parsed::node))));
    }
    if python::found(&folder) {
        return Ok(found(Which::Python(parsed.map(Parsed::python))));
    }
    Err(fail(
        format!(
            "no project found in {}: looked for {}, {}, {}",
            dir.display(),
            rust::LOOKS_FOR,
            python::LOOKS_FOR,
            node::LOOKS_FOR
        ),
        "run this in the project's folder, or pass its path (`cargo distroless init PATH`) or --manifest-path",
    ))
}

impl Identified {
    /// The ecosystem's name, as its folders are named.
    pub fn name(&self) -> &'static str {
        match self.which {
            Which::Rust(_) => Ecosystem::Rust,
            Which::Python(_) => Ecosystem::Python,
            Which::Node(_) => Ecosystem::Node,
        }
        .name()
    }

    /// The folder asked about (a Rust workspace's root may lie above it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts reading the project: a Rust project's `cargo metadata` runs
    /// from here on, while the caller starts its own work.
    pub fn start(self) -> Result<Reading> {
        let begun = match self.which {
            Which::Rust(manifest) => Begun::Rust(rust::start(&manifest)?),
            Which::Python(looked) => Begun::Python(looked),
            Which::Node(looked) => Begun::Node(looked),
        };
        Ok(Reading {
            dir: self.dir,
            begun,
        })
    }
}

/// A project being read: [`Identified::start`], then [`Reading::read`].
#[derive(Debug)]
pub struct Reading {
    dir: std::path::PathBuf,
    begun: Begun,
}

#[derive(Debug)]
enum Begun {
    Rust(rust::Starting),
    Python(Option<python::Looked>),
    Node(Option<node::Looked>),
}

impl Reading {
    /// Reads the project, as its ecosystem does.
    pub fn read(self, flags: &Flags) -> Result<Detected> {
        let folder = Folder::new(&self.dir);
        match self.begun {
            Begun::Rust(started) => {
                rust::read(started, &flags.rust).map(|p| Detected::Rust(Box::new(p)))
            }
            Begun::Python(looked) => {
                python::read(&folder, looked).map(|p| Detected::Python(Box::new(p)))
            }
            Begun::Node(looked) => node::read(&folder, looked).map(|p| Detected::Node(Box::new(p))),
        }
    }
}

/// Each ecosystem's section of the render context, for `templates`.
pub fn sections() -> Vec<crate::render::schema::SectionSchema> {
    vec![
        rust::section::schema(),
        python::section::schema(),
        node::section::schema(),
    ]
}

impl Detected {
    /// The build context: where the generated files go.
    pub fn root(&self) -> &Path {
        match self {
            Detected::Rust(p) => &p.root,
            Detected::Python(p) => &p.root,
            Detected::Node(p) => &p.root,
        }
    }

    /// Plans the files. The choices given as flags override the project's
    /// recorded ones; an ecosystem's own flags are an error elsewhere.
    /// `explain` asks for the `--explain` lines.
    pub fn plan(&self, flags: &Flags, explain: bool) -> Result<Planned> {
        match self {
            Detected::Rust(p) => rust::plan(
                p,
                &flags.rust.over(&p.selection),
                &flags.shared.over(&p.choices),
                explain,
            ),
            Detected::Python(p) => {
                only_shared(
                    flags,
                    "Python",
                    "in [tool.distroless] of pyproject.toml or in distroless.toml",
                )?;
                python::plan(p, &flags.shared.over(&p.choices), explain)
            }
            Detected::Node(p) => {
                only_shared(
                    flags,
                    "Node",
                    "in \"distroless\" of package.json or in distroless.toml",
                )?;
                node::plan(p, &flags.shared.over(&p.choices), explain)
            }
        }
    }
}

/// Refuses the Rust flags on another ecosystem's project.
fn only_shared(flags: &Flags, ecosystem: &str, configured: &str) -> Result<()> {
    match flags.rust.given().first() {
        Some((flag, key)) => Err(fail(
            format!(
                "{} applies to Rust projects, and this is a {ecosystem} project",
                flag.unwrap_or(key)
            ),
            format!("drop the flag; {ecosystem} projects are configured {configured}"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn the_key_and_the_flag_name_every_ecosystem_alike() {
        for e in Ecosystem::value_variants() {
            let flag = e.to_possible_value().unwrap();
            assert_eq!(flag.get_name(), e.name());
            assert_eq!(Ecosystem::configured(e.name(), "x").unwrap(), *e);
        }
        let text =
            crate::error::format(&Ecosystem::configured("Pyhton", "distroless.toml").unwrap_err());
        assert!(
            text.contains("invalid `ecosystem` in distroless.toml: `Pyhton`")
                && text.contains("hint: write ecosystem = \"python\" (or \"rust\", \"node\")"),
            "{text}"
        );
        let text =
            crate::error::format(&Ecosystem::configured("go", "distroless.toml").unwrap_err());
        assert!(
            text.contains("hint: write ecosystem = \"rust\" (or \"python\", \"node\")"),
            "{text}"
        );
        assert_eq!(
            Ecosystem::others(Ecosystem::Rust),
            "write ecosystem = \"python\" (or \"node\")"
        );
    }

    /// Reads a folder that is also a Cargo project, after detection: with
    /// `manifest` written as `before` and distroless.toml naming
    /// `ecosystem`, it is identified (`asked`); then the manifest becomes
    /// `after` and distroless.toml goes, so that a reader that parsed the
    /// files again would see the change.
    fn read_after_detection(
        dir: &Path,
        asked: Option<Ecosystem>,
        ecosystem: Ecosystem,
        manifest: &str,
        [before, after]: [&str; 2],
    ) -> Detected {
        let write = |file: &str, text: &str| std::fs::write(dir.join(file), text).unwrap();
        write("Cargo.toml", "[package]\nname = \"x\"\n");
        write(manifest, before);
        let key = format!("{ECOSYSTEM_KEY} = \"{}\"\n", ecosystem.name());
        write(crate::settings::OWN_FILE, &key);
        let identified = identify(dir, None, asked).unwrap();
        write(manifest, after);
        std::fs::remove_file(dir.join(crate::settings::OWN_FILE)).unwrap();
        identified.start().unwrap().read(&Flags::default()).unwrap()
    }

    #[test]
    fn the_ecosystem_key_reads_the_same_from_toml_and_json() {
        let toml: toml::Table = toml::from_str("a = \"node\"\nb = 3\nc = [\"x\"]").unwrap();
        let json: serde_json::Value =
            serde_json::from_str(r#"{"a": "node", "b": 3, "c": ["x"]}"#).unwrap();
        for key in ["a", "b", "c"] {
            let (t, j) = (&toml[key], &json[key]);
            assert_eq!(key_text(t.as_str(), t), key_text(j.as_str(), j), "{key}");
        }
        assert_eq!(key_text(toml["a"].as_str(), &toml["a"]), "node");
        assert_eq!(key_text(json["b"].as_str(), &json["b"]), "3");
    }

    #[test]
    fn a_node_project_is_read_as_detection_parsed_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package-lock.json"),
            r#"{ "lockfileVersion": 3 }"#,
        )
        .unwrap();
        let package = |name: &str| {
            format!(r#"{{ "name": "{name}", "scripts": {{ "start": "node index.js" }} }}"#)
        };
        let (before, after) = (package("parsed"), package("changed"));
        let read = |asked| {
            let files = [before.as_str(), after.as_str()];
            match read_after_detection(dir.path(), asked, Ecosystem::Node, "package.json", files) {
                Detected::Node(p) => (p.name, p.own.ecosystem),
                _ => panic!("read as Node"),
            }
        };
        // The `ecosystem` key's look parsed both files: that parse is read.
        assert_eq!(read(None), ("parsed".into(), Some("node".into())));
        // Asked for, Node reads its files itself.
        assert_eq!(read(Some(Ecosystem::Node)), ("changed".into(), None));
    }

    #[test]
    fn a_python_project_is_read_as_detection_parsed_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.py"), "print('hi')\n").unwrap();
        let pyproject = |name: &str| format!("[project]\nname = \"{name}\"\nversion = \"1.0\"\n");
        let (before, after) = (pyproject("parsed"), pyproject("changed"));
        let read = |asked| {
            let files = [before.as_str(), after.as_str()];
            let python = Ecosystem::Python;
            match read_after_detection(dir.path(), asked, python, "pyproject.toml", files) {
                Detected::Python(p) => (p.name, p.config_origin),
                _ => panic!("read as Python"),
            }
        };
        let (name, origin) = read(None);
        assert_eq!(
            (name.as_str(), origin.as_str()),
            ("parsed", "distroless.toml")
        );
        let (name, origin) = read(Some(Ecosystem::Python));
        assert_eq!(name, "changed");
        assert_ne!(origin, "distroless.toml");
    }
}
