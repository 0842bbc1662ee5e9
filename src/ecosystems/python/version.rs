//! A project's version when pyproject.toml declares it `dynamic`: read the
//! way the build backend would (setuptools' `attr`/`file`, hatch's `path`,
//! flit's `__version__`, a git tag for setuptools-scm and hatch-vcs), or
//! left unknown, so that the image gets no version label rather than a
//! made-up `0.0.0`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::folder::Folder;

/// The version and where it came from, or why it is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    /// `[project] version` (or `[tool.poetry] version`).
    Declared(String),
    /// Read from elsewhere: the version and where, for `--explain`.
    Dynamic { version: String, from: String },
    /// Dynamic and unreadable here: why.
    Unknown(String),
}

impl Version {
    pub fn value(&self) -> Option<&str> {
        match self {
            Version::Declared(v) | Version::Dynamic { version: v, .. } => Some(v),
            Version::Unknown(_) => None,
        }
    }
}

/// The dynamic version of a pyproject.toml, `None` when it is not dynamic.
pub fn dynamic(project: &Folder, py: &toml::Table) -> Option<Version> {
    let is_dynamic = py
        .get("project")?
        .get("dynamic")?
        .as_array()?
        .iter()
        .any(|d| d.as_str() == Some("version"));
    is_dynamic.then(|| read_dynamic(project, py))
}

/// Where each backend keeps a dynamic version, in the order they are tried.
fn read_dynamic(project: &Folder, py: &toml::Table) -> Version {
    let tool = |path: &[&str]| -> Option<&toml::Value> {
        let mut v = py.get("tool")?;
        for key in path {
            v = v.get(key)?;
        }
        Some(v)
    };
    let found = |version: Option<String>, from: String| match version {
        Some(v) if valid(&v) => Version::Dynamic { version: v, from },
        Some(v) => Version::Unknown(format!("{from} gives {v:?}, which is not a version")),
        None => Version::Unknown(format!("{from} has no version to read")),
    };

    if let Some(attr) = tool(&["setuptools", "dynamic", "version", "attr"]).and_then(|a| a.as_str())
    {
        let (module, name) = attr.rsplit_once('.').unwrap_or((attr, "__version__"));
        return match module_file(project, module) {
            Some(file) => found(
                read(project, &file).and_then(|t| assignment(&t, name)),
                format!("{name} in {file} ([tool.setuptools.dynamic] attr)"),
            ),
            None => Version::Unknown(format!(
                "[tool.setuptools.dynamic] attr = {attr:?}: no module {module} in the project"
            )),
        };
    }
    if let Some(file) = tool(&["setuptools", "dynamic", "version", "file"]).and_then(|f| {
        f.as_str()
            .or_else(|| f.as_array()?.first()?.as_str())
            .map(String::from)
    }) {
        return found(
            read(project, &file).map(|t| t.trim().to_string()),
            format!("{file} ([tool.setuptools.dynamic] file)"),
        );
    }
    let scm = tool(&["hatch", "version", "source"]).and_then(|s| s.as_str()) == Some("vcs")
        || tool(&["setuptools_scm"]).is_some()
        || tool(&["pdm", "version", "source"]).and_then(|s| s.as_str()) == Some("scm");
    if scm {
        return match git_tag(project.root()) {
            Some(tag) => found(
                Some(tag.trim_start_matches('v').to_string()),
                format!("the git tag {tag} at HEAD"),
            ),
            None => Version::Unknown(
                "the version comes from git, and HEAD is not at a release tag".into(),
            ),
        };
    }
    if let Some(path) = tool(&["hatch", "version", "path"]).and_then(|p| p.as_str()) {
        return found(
            read(project, path)
                .and_then(|t| assignment(&t, "__version__").or_else(|| assignment(&t, "VERSION"))),
            format!("{path} ([tool.hatch.version] path)"),
        );
    }
    // flit and others: `__version__` in the project's own module.
    let name = py
        .get("project")
        .and_then(|p| p.get("name")?.as_str())
        .unwrap_or_default();
    let module = name.replace(['-', '.'], "_").to_lowercase();
    if let Some(file) = module_file(project, &module) {
        return found(
            read(project, &file).and_then(|t| assignment(&t, "__version__")),
            format!("__version__ in {file}"),
        );
    }
    Version::Unknown(format!(
        "the version is dynamic and none of [tool.setuptools.dynamic], [tool.hatch.version] or __version__ in {module}/__init__.py gives it"
    ))
}

/// A file of the project; unreadable counts as absent (the version is then
/// unknown, which only drops a label).
fn read(project: &Folder, path: &str) -> Option<String> {
    crate::grammar::project_path(path).ok()?;
    project.read_optional(path).ok().flatten()
}

/// The file of a dotted module, at the root or under `src/`.
fn module_file(project: &Folder, module: &str) -> Option<String> {
    let path = module.replace('.', "/");
    ["", "src/"]
        .iter()
        .flat_map(|base| {
            [
                format!("{base}{path}/__init__.py"),
                format!("{base}{path}.py"),
            ]
        })
        .find(|f| project.exists(f))
}

/// The string a top-level `name = "..."` (or `name: str = '...'`) assigns.
fn assignment(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.trim_start();
        let rest = match rest.strip_prefix(':') {
            Some(annotated) => annotated.trim_start().strip_prefix("str")?.trim_start(),
            None => rest,
        };
        let value = rest.strip_prefix('=')?.trim();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &value[1..];
        inner.find(quote).map(|end| inner[..end].to_string())
    })
}

/// The tag at HEAD: setuptools-scm and hatch-vcs version a tagged commit
/// by its tag (`v1.2.3` is `1.2.3`).
fn git_tag(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["describe", "--tags", "--exact-match", "HEAD"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let tag = String::from_utf8(out.stdout).ok()?;
    let tag = tag.trim();
    (out.status.success() && !tag.is_empty()).then(|| tag.to_string())
}

/// A PEP 440-looking version: starts with a digit, only version characters.
fn valid(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_read_as_python_writes_them() {
        let text = "\"\"\"Doc.\"\"\"\nimport os\n__version__: str = '2.1.0'\nVERSION = \"9\"\n";
        assert_eq!(assignment(text, "__version__").as_deref(), Some("2.1.0"));
        assert_eq!(assignment(text, "VERSION").as_deref(), Some("9"));
        assert_eq!(assignment("__version__ = get()\n", "__version__"), None);
        assert_eq!(
            assignment("__version_info__ = (1, 2)\n", "__version__"),
            None
        );
        assert!(valid("1.2.3rc1+local.7") && !valid("latest") && !valid("1 2"));
    }
}
