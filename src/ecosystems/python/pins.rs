//! Every Python version a project pins, wherever it says so: the image has
//! one interpreter (the runtime's), so a pin that excludes it must stop
//! `init` at once, not a build minutes later in a source build of numpy.

use anyhow::Result;

use super::specifiers::{Grammar, Requirement};
use crate::error::fail;
use crate::folder::Folder;

/// One place a project pins its Python.
#[derive(Debug, Clone)]
pub struct PythonPin {
    /// Where, for messages: e.g. `requires-python in pyproject.toml`.
    pub source: String,
    /// As written there.
    pub requirement: String,
    pub kind: PinKind,
    /// A specifier as parsed where it was read: each interpreter it is
    /// checked against reads it from here.
    specifier: Option<Requirement>,
}

/// How a pin is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// A specifier (`>=3.10`, `^3.11`): the versions the project supports.
    Specifier(Grammar),
    /// A release (`3.9`, `3.9.7`): that one, as Pipfile pins it.
    Release,
    /// A developer's interpreter (`.python-version`): narrower than the
    /// metadata is a warning, not an error.
    Development,
}

impl PythonPin {
    /// A pin as read; a specifier that does not parse is an error naming
    /// where it was read, with an example in its grammar.
    pub(crate) fn new(
        source: impl Into<String>,
        requirement: impl Into<String>,
        kind: PinKind,
    ) -> Result<Self> {
        let (source, requirement) = (source.into(), requirement.into().trim().to_string());
        let specifier = match kind {
            PinKind::Specifier(grammar) => {
                Some(Requirement::parse(&requirement, grammar).map_err(|why| {
                    let example = match grammar {
                        Grammar::Pep440 => "`>=3.11` or `>=3.11,<3.14` (PEP 440)",
                        Grammar::Poetry => "`^3.11` or `>=3.11,<3.14`",
                    };
                    fail(
                        format!("{source}: {requirement:?} is not a version requirement: {why}"),
                        format!("write one such as {example}"),
                    )
                })?)
            }
            PinKind::Release | PinKind::Development => None,
        };
        Ok(PythonPin {
            source,
            requirement,
            kind,
            specifier,
        })
    }

    /// Whether it admits this version.
    pub fn allows(&self, version: &str) -> bool {
        match &self.specifier {
            Some(specifier) => specifier.allows(version),
            None => super::specifiers::python_version_file_allows(&self.requirement, version),
        }
    }
}

/// A project's lock files, as its reading parsed them.
#[derive(Clone, Copy)]
pub struct Locks<'a> {
    pub uv: Option<&'a toml::Table>,
    /// Pipfile.lock, if it is JSON.
    pub pipfile: Option<&'a serde_json::Value>,
    /// poetry.lock, if it is TOML (a malformed one is Poetry's to report).
    pub poetry: Option<&'a toml::Table>,
}

/// The pins of the project in `folder` (`py` is its pyproject.toml, or
/// empty; `locks` its lock files, parsed).
pub fn read(folder: &Folder, py: &toml::Table, locks: Locks) -> Result<Vec<PythonPin>> {
    use PinKind::*;
    let mut pins = Vec::new();
    let text = |file: &str| folder.read_optional(file);
    let toml_of = |file: &str| -> Result<Option<toml::Table>> {
        // A malformed lock or Pipfile is its installer's error to report.
        Ok(text(file)?.and_then(|t| toml::from_str(&t).ok()))
    };
    let at = |table: &toml::Table, path: &[&str]| -> Option<String> {
        let mut v = table.get(path[0])?;
        for key in &path[1..] {
            v = v.get(key)?;
        }
        v.as_str().map(String::from)
    };

    if let Some(req) = at(py, &["project", "requires-python"]) {
        pins.push(PythonPin::new(
            "requires-python in pyproject.toml",
            req,
            Specifier(Grammar::Pep440),
        )?);
    }
    if let Some(req) = at(py, &["tool", "poetry", "dependencies", "python"]) {
        pins.push(PythonPin::new(
            "[tool.poetry.dependencies] python in pyproject.toml",
            req,
            Specifier(Grammar::Poetry),
        )?);
    }
    pins.extend(uv_lock(locks.uv)?);
    if let Some(lock) = locks.poetry
        && let Some(req) = at(lock, &["metadata", "python-versions"])
        && req != "*"
    {
        pins.push(PythonPin::new(
            "[metadata] python-versions in poetry.lock",
            req,
            Specifier(Grammar::Poetry),
        )?);
    }
    let pipfile = toml_of("Pipfile")?;
    let pipfile_pin = pipfile.as_ref().and_then(|p| {
        at(p, &["requires", "python_full_version"])
            .map(|v| ("[requires] python_full_version in Pipfile", v))
            .or_else(|| {
                at(p, &["requires", "python_version"])
                    .map(|v| ("[requires] python_version in Pipfile", v))
            })
    });
    match pipfile_pin {
        Some((source, v)) => pins.push(PythonPin::new(source, v, Release)?),
        // Without a Pipfile, its lock records the same pin.
        None => {
            if let Some(meta) = locks.pipfile.and_then(|v| v.get("_meta")?.get("requires")) {
                for key in ["python_full_version", "python_version"] {
                    if let Some(v) = meta.get(key).and_then(|v| v.as_str()) {
                        pins.push(PythonPin::new(
                            format!("_meta.requires.{key} in Pipfile.lock"),
                            v,
                            Release,
                        )?);
                        break;
                    }
                }
            }
        }
    }
    if let Some(req) = text("setup.cfg")?.and_then(|t| setup_cfg_requires(&t)) {
        pins.push(PythonPin::new(
            "[options] python_requires in setup.cfg",
            req,
            Specifier(Grammar::Pep440),
        )?);
    }
    if let Some(req) = text("setup.py")?.and_then(|t| setup_py_requires(&t)) {
        pins.push(PythonPin::new(
            "python_requires in setup.py",
            req,
            Specifier(Grammar::Pep440),
        )?);
    }
    if let Some(line) = text(".python-version")?.and_then(|t| {
        t.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
    }) {
        pins.push(PythonPin::new(".python-version", line, Development)?);
    }
    Ok(pins)
}

/// The pin of a uv.lock, parsed: a workspace's lock pins every member.
pub fn uv_lock(lock: Option<&toml::Table>) -> Result<Option<PythonPin>> {
    lock.and_then(|l| l.get("requires-python")?.as_str())
        .map(|req| {
            PythonPin::new(
                "requires-python in uv.lock",
                req,
                PinKind::Specifier(Grammar::Pep440),
            )
        })
        .transpose()
}

/// `python_requires` of setup.cfg's `[options]`.
fn setup_cfg_requires(text: &str) -> Option<String> {
    let mut in_options = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_options = line == "[options]";
        } else if in_options
            && let Some((key, value)) = line.split_once(['=', ':'])
            && key.trim() == "python_requires"
        {
            return Some(value.trim().to_string()).filter(|v| !v.is_empty());
        }
    }
    None
}

/// `python_requires="…"` in setup.py, when it is a string literal.
fn setup_py_requires(text: &str) -> Option<String> {
    let at = text.find("python_requires")?;
    let rest = text[at + "python_requires".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    inner.find(quote).map(|end| inner[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_files_give_their_literal_pins() {
        assert_eq!(
            setup_cfg_requires(
                "[metadata]\nname = x\n[options]\npackages = find:\npython_requires = >=3.8\n"
            )
            .as_deref(),
            Some(">=3.8")
        );
        assert_eq!(
            setup_cfg_requires("[metadata]\npython_requires = >=3.8\n"),
            None
        );
        assert_eq!(
            setup_py_requires("setup(\n    name='x',\n    python_requires=\">=3.7, <3.11\",\n)\n")
                .as_deref(),
            Some(">=3.7, <3.11")
        );
        assert_eq!(setup_py_requires("setup(python_requires=PY_REQ)\n"), None);
    }

    #[test]
    fn a_specifier_that_does_not_parse_is_an_error_where_it_is_read() {
        // A workspace's members read the root's uv.lock on their own, and
        // get the same error as the root's reading.
        let lock: toml::Table =
            toml::from_str("version = 1\nrequires-python = \">=3.x\"\n").unwrap();
        let err = uv_lock(Some(&lock)).unwrap_err().to_string();
        assert!(
            err.contains("requires-python in uv.lock: \">=3.x\" is not a version requirement"),
            "{err}"
        );
        let lock: toml::Table = toml::from_str("requires-python = \">=3.11\"\n").unwrap();
        let pin = uv_lock(Some(&lock)).unwrap().unwrap();
        assert!(uv_lock(None).unwrap().is_none());
        assert!(pin.allows("3.13.5") && !pin.allows("3.10.14"));
    }

    #[test]
    fn kinds_read_their_own_way() {
        let release = PythonPin::new("Pipfile", "3.9", PinKind::Release).unwrap();
        assert!(!release.allows("3.13.5") && release.allows("3.9.18"));
        let spec =
            PythonPin::new("pyproject", ">=3.9", PinKind::Specifier(Grammar::Pep440)).unwrap();
        assert!(spec.allows("3.13.5"));
    }
}
