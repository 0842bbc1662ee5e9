//! uv workspaces: one `uv.lock` at the root for every member. A member is
//! built from the root (the build context, where the files go) and installed
//! from that lock with `uv sync --frozen --package <member>`, whether `init`
//! runs in the member's folder or at a root that has a single member.

use std::path::{Path, PathBuf};

use anyhow::Result;
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::fail;
use crate::folder::{Folder, relative_slash};

/// A member of a uv workspace, as found from where `init` ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The workspace root: uv.lock and the root pyproject.toml.
    pub root: PathBuf,
    /// The member's folder, relative to the root, with `/`.
    pub member: String,
}

/// The workspace `dir` is a member of (or the root of, with one member);
/// `pyproject` is the folder's own, parsed.
pub fn find(dir: &Folder, pyproject: Option<&toml::Table>) -> Result<Option<Found>> {
    if dir.exists("uv.lock") {
        let Some(ws) = pyproject
            .map(|table| Workspace::of(dir.root(), table, &dir.path("pyproject.toml")))
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        if ws.root_is_project {
            return Ok(None);
        }
        let members = ws.members();
        return match members.as_slice() {
            [one] => Ok(Some(Found {
                root: dir.root().to_path_buf(),
                member: one.clone(),
            })),
            [] => Err(fail(
                format!(
                    "the uv workspace in {} has no member with a pyproject.toml",
                    dir.path("pyproject.toml").display()
                ),
                "check `members` in [tool.uv.workspace]",
            )),
            several => Err(fail(
                format!(
                    "the uv workspace in {} has several members: {}",
                    dir.root().display(),
                    several.join(", ")
                ),
                format!(
                    "run `cargo distroless init {}` for the one to package (with `file = \"Dockerfile.<member>\"` in each member's [tool.distroless] to keep them apart)",
                    several[0]
                ),
            )),
        };
    }
    if !dir.exists("pyproject.toml") {
        return Ok(None);
    }
    let here = dir
        .root()
        .canonicalize()
        .unwrap_or_else(|_| dir.root().to_path_buf());
    for ancestor in here.ancestors().skip(1) {
        if ancestor.join("uv.lock").is_file() {
            let Some(ws) = Workspace::at(ancestor)? else {
                return Ok(None);
            };
            let Some(rel) = relative_slash(&here, ancestor) else {
                return Ok(None);
            };
            return Ok(ws.contains(&rel).then(|| Found {
                root: ancestor.to_path_buf(),
                member: rel,
            }));
        }
        // A repository's top ends the search.
        if ancestor.join(".git").exists() {
            break;
        }
    }
    Ok(None)
}

/// The root pyproject.toml's `[tool.uv.workspace]`.
struct Workspace {
    root: PathBuf,
    members: GlobSet,
    exclude: GlobSet,
    /// The root has a `[project]` of its own, which is then the app.
    root_is_project: bool,
}

impl Workspace {
    fn at(root: &Path) -> Result<Option<Workspace>> {
        let folder = Folder::new(root);
        let Some(table) = folder.read_toml("pyproject.toml")? else {
            return Ok(None);
        };
        Workspace::of(root, &table, &folder.path("pyproject.toml"))
    }

    /// The workspace a root's parsed pyproject.toml (at `origin`) declares.
    fn of(root: &Path, table: &toml::Table, origin: &Path) -> Result<Option<Workspace>> {
        let Some(ws) = table
            .get("tool")
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get("workspace"))
        else {
            return Ok(None);
        };
        let globs = |key: &str| -> Result<GlobSet> {
            let mut set = GlobSetBuilder::new();
            for value in ws.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
                let pattern = value.as_str().unwrap_or_default();
                let glob = Glob::new(pattern.trim_end_matches('/')).map_err(|e| {
                    fail(
                        format!(
                            "invalid [tool.uv.workspace] {key} entry {pattern:?} in {}: {e}",
                            origin.display()
                        ),
                        "give folder paths or globs, e.g. members = [\"packages/*\"]",
                    )
                })?;
                set.add(glob);
            }
            Ok(set.build()?)
        };
        Ok(Some(Workspace {
            root: root.to_path_buf(),
            members: globs("members")?,
            exclude: globs("exclude")?,
            root_is_project: table.get("project").is_some(),
        }))
    }

    fn contains(&self, rel: &str) -> bool {
        self.members.is_match(rel) && !self.exclude.is_match(rel)
    }

    /// The member folders with a pyproject.toml, up to two levels down, sorted.
    fn members(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![(self.root.clone(), 0)];
        while let Some((dir, depth)) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if hidden || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let Some(rel) = relative_slash(&path, &self.root) else {
                    continue;
                };
                if self.contains(&rel) && path.join("pyproject.toml").is_file() {
                    out.push(rel);
                } else if depth < 1 {
                    todo.push((path, depth + 1));
                }
            }
        }
        out.sort();
        out
    }
}
