//! The lock files a Python project ships, checked where a build would
//! otherwise fail on them minutes later.

use anyhow::Result;

use super::requirements::dep_name;
use crate::error::fail;
use crate::folder::Folder;

/// uv.lock (`lock`, parsed from `project`) records the dependencies it was
/// resolved for; a pyproject.toml (`manifest`, of the project `name`) that
/// lists others means the lock is out of date.
pub(super) fn check_uv_lock(
    project: &Folder,
    lock: &toml::Table,
    manifest: &str,
    name: &str,
    dependencies: &[String],
) -> Result<()> {
    let own = lock
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(|n| n.as_str()).map(dep_name) == Some(dep_name(name)));
    let Some(own) = own else { return Ok(()) };
    let mut locked: Vec<String> = own
        .get("metadata")
        .and_then(|m| m.get("requires-dist"))
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("name").and_then(|n| n.as_str()).map(dep_name))
        .collect();
    let mut wanted: Vec<String> = dependencies.iter().map(|d| dep_name(d)).collect();
    locked.sort();
    locked.dedup();
    wanted.sort();
    wanted.dedup();
    if locked != wanted {
        let missing: Vec<&str> = wanted
            .iter()
            .filter(|w| !locked.contains(w))
            .map(String::as_str)
            .collect();
        let extra: Vec<&str> = locked
            .iter()
            .filter(|l| !wanted.contains(l))
            .map(String::as_str)
            .collect();
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!(
                "{manifest} lists {} that uv.lock lacks",
                missing.join(", ")
            ));
        }
        if !extra.is_empty() {
            why.push(format!("uv.lock still has {}", extra.join(", ")));
        }
        return Err(fail(
            format!(
                "{} is out of date with {manifest}: {}",
                project.path("uv.lock").display(),
                why.join("; ")
            ),
            "run `uv lock` and commit uv.lock",
        ));
    }
    Ok(())
}

/// Pipfile.lock (`parsed` from `project`) is JSON with `default` packages.
pub(super) fn check_pipfile_lock(
    project: &Folder,
    parsed: &serde_json::Result<serde_json::Value>,
) -> Result<()> {
    let value = parsed.as_ref().map_err(|e| {
        fail(
            format!(
                "{} is not valid JSON: {e}",
                project.path("Pipfile.lock").display()
            ),
            "regenerate it with `pipenv lock`",
        )
    })?;
    if !value.get("default").is_some_and(|d| d.is_object()) {
        return Err(fail(
            format!(
                "{} has no `default` packages",
                project.path("Pipfile.lock").display()
            ),
            "regenerate it with `pipenv lock`",
        ));
    }
    Ok(())
}
