//! npm, yarn and pnpm workspaces: the members the root's `workspaces` (or
//! pnpm-workspace.yaml's `packages`) names, each with its package.json.
//! Every member that can start is an image of its own, with the local
//! packages it uses beside it.

use anyhow::Result;
use globset::{Glob, GlobSetBuilder};

use crate::error::fail;
use crate::folder::Folder;

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its folder, relative to the root, with `/`.
    pub dir: String,
    /// `name` of its package.json (the folder's name without one).
    pub name: String,
    pub version: Option<String>,
    /// Its `scripts.start`, `main` and first `bin`.
    pub start: Option<String>,
    pub main: Option<String>,
    pub bin: Option<String>,
    /// It has a `build` script.
    pub build: bool,
    /// It depends on something fetched with git.
    pub git: bool,
}

/// How deep member patterns are matched: `packages/*`, `apps/*/*`.
const DEPTH: usize = 3;

/// Where member patterns are written, for messages.
const IN_PACKAGE_JSON: &str = "`workspaces` of package.json";
const IN_PNPM: &str = "`packages` of pnpm-workspace.yaml";

/// The member patterns of the root's package.json, else of
/// pnpm-workspace.yaml, with where they are written; none when the project
/// is not a workspace.
pub fn patterns(project: &Folder, pkg: &serde_json::Value) -> Result<(Vec<String>, &'static str)> {
    let list = match pkg.get("workspaces") {
        Some(serde_json::Value::Array(a)) => Some(a.clone()),
        Some(serde_json::Value::Object(o)) => o.get("packages").and_then(|p| p.as_array()).cloned(),
        Some(_) => {
            return Err(fail(
                "`workspaces` in package.json is neither a list nor { \"packages\": [...] }",
                "write \"workspaces\": [\"packages/*\"]",
            ));
        }
        None => None,
    };
    if let Some(list) = list {
        let patterns = list
            .iter()
            .map(|v| {
                v.as_str().map(String::from).ok_or_else(|| {
                    fail(
                        "an entry of `workspaces` in package.json is not a string",
                        "write each as a folder pattern, e.g. \"packages/*\"",
                    )
                })
            })
            .collect::<Result<_>>()?;
        return Ok((patterns, IN_PACKAGE_JSON));
    }
    // pnpm-workspace.yaml: the `packages:` list, one `- pattern` a line.
    let Some(text) = project.read_optional("pnpm-workspace.yaml")? else {
        return Ok((Vec::new(), IN_PACKAGE_JSON));
    };
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if !line.starts_with([' ', '-']) && !trimmed.is_empty() {
            inside = trimmed == "packages:";
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ").filter(|_| inside) {
            out.push(item.trim().trim_matches(['"', '\'']).to_string());
        }
    }
    Ok((out, IN_PNPM))
}

/// The members the patterns name, sorted by folder. `!pattern` leaves a
/// folder out.
pub fn members(project: &Folder, (patterns, origin): (&[String], &str)) -> Result<Vec<Member>> {
    let (mut take, mut leave) = (GlobSetBuilder::new(), GlobSetBuilder::new());
    for p in patterns {
        let (set, p) = match p.strip_prefix('!') {
            Some(rest) => (&mut leave, rest),
            None => (&mut take, p.as_str()),
        };
        let glob = Glob::new(p.trim_start_matches("./").trim_end_matches('/')).map_err(|e| {
            fail(
                format!("{p:?} in {origin} is not a folder pattern: {e}"),
                "write folder patterns such as \"packages/*\"",
            )
        })?;
        set.add(glob);
    }
    let (take, leave) = (take.build()?, leave.build()?);
    let mut found = Vec::new();
    let mut stack = vec![(String::new(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(project.path(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !is_dir || name.starts_with('.') || name == "node_modules" {
                continue;
            }
            let rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if take.is_match(&rel) && !leave.is_match(&rel) {
                if let Some(m) = member(project, &rel)? {
                    found.push(m);
                }
            }
            if depth + 1 < DEPTH {
                stack.push((rel, depth + 1));
            }
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(found)
}

/// A member folder's package.json, read; `None` without one.
fn member(project: &Folder, dir: &str) -> Result<Option<Member>> {
    let file = format!("{dir}/package.json");
    let Some(text) = project.read_optional(&file)? else {
        return Ok(None);
    };
    let pkg: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        fail(
            format!("{file} is not valid JSON: {e}"),
            format!("fix {file}"),
        )
    })?;
    let text_at = |path: &[&str]| -> Result<Option<String>> {
        match path.iter().try_fold(&pkg, |v, k| v.get(k)) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => {
                crate::grammar::no_control(s).map_err(|why| {
                    fail(
                        format!("`{}` in {file}: {why}", path.join(".")),
                        "write it on one line, without control characters",
                    )
                })?;
                Ok(Some(s.clone()))
            }
            Some(_) => Ok(None),
        }
    };
    let bin = match pkg.get("bin") {
        Some(serde_json::Value::String(_)) => text_at(&["bin"])?,
        Some(serde_json::Value::Object(o)) => match o.keys().next() {
            Some(k) => text_at(&["bin", k])?,
            None => None,
        },
        _ => None,
    };
    let folder = dir.rsplit('/').next().unwrap_or(dir).to_string();
    Ok(Some(Member {
        dir: dir.to_string(),
        name: text_at(&["name"])?
            .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string())
            .unwrap_or(folder),
        version: text_at(&["version"])?,
        start: text_at(&["scripts", "start"])?,
        main: text_at(&["main"])?,
        bin,
        build: pkg.get("scripts").and_then(|s| s.get("build")).is_some(),
        git: super::git::any(&pkg),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_from_workspaces_or_pnpm_workspace_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "packages/api/package.json",
            r#"{"name": "@acme/api", "scripts": {"start": "node server.js"}}"#,
        );
        write(
            "packages/lib/package.json",
            r#"{"name": "@acme/lib", "main": "index.js"}"#,
        );
        write("packages/old/package.json", r#"{"name": "old"}"#);
        write("packages/notes/README.md", "");
        let f = Folder::new(dir.path());
        let pkg = serde_json::json!({"workspaces": ["packages/*", "!packages/old"]});
        let (pats, origin) = patterns(&f, &pkg).unwrap();
        assert_eq!(origin, IN_PACKAGE_JSON);
        let names: Vec<String> = members(&f, (&pats, origin))
            .unwrap()
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["api", "lib"]);
        write(
            "pnpm-workspace.yaml",
            "packages:\n  - 'packages/api'\n  - \"packages/lib\"\nonlyBuiltDependencies:\n  - esbuild\n",
        );
        let (pats, origin) = patterns(&f, &serde_json::json!({})).unwrap();
        assert_eq!(
            (pats.as_slice(), origin),
            (
                &["packages/api".to_string(), "packages/lib".to_string()][..],
                IN_PNPM
            )
        );
        let text =
            crate::error::format(&members(&f, (&["packages/[".to_string()], IN_PNPM)).unwrap_err());
        assert!(
            text.contains(
                "\"packages/[\" in `packages` of pnpm-workspace.yaml is not a folder pattern"
            ),
            "{text}"
        );
        let bad = serde_json::json!({"workspaces": "packages/*"});
        assert!(patterns(&f, &bad).is_err());
    }
}
