//! Writes choices given as flags into a project's TOML configuration,
//! keeping the file's formatting and comments, so that `check`, `update`
//! and a teammate's `init` make the same files.

use std::path::Path;

use anyhow::{Context as _, Result};
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::error::fail;

/// A key and the value it is given.
pub type Key = (&'static str, Value);

/// Sets `keys` in the table at `path` (e.g. `["tool", "distroless"]`) of
/// the TOML file `file` under `root`, creating the file, the table and the
/// tables above it as needed; other lines are kept as they are. Returns
/// whether the file changed.
pub fn set_keys(root: &Path, file: &str, path: &[&str], keys: &[Key]) -> Result<bool> {
    let full = root.join(file);
    let text = match std::fs::read_to_string(&full) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {file}")),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e| {
        fail(
            format!("{file} is not valid TOML, so the choices cannot be recorded in it: {e}"),
            "fix the file, or record the keys by hand",
        )
    })?;
    let mut table = doc.as_table_mut();
    for (depth, part) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        let item = table.entry(part).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(!last);
            Item::Table(t)
        });
        table = item.as_table_mut().ok_or_else(|| {
            fail(
                format!(
                    "`{}` in {file} is not a table, so the choices cannot be recorded there",
                    path[..=depth].join(".")
                ),
                "make it a table, or record the keys by hand",
            )
        })?;
    }
    let mut changed = false;
    for (key, value) in keys {
        let same = table
            .get(key)
            .and_then(|i| i.as_value())
            .is_some_and(|v| v.to_string().trim() == value.to_string().trim());
        if !same {
            table.insert(key, Item::Value(value.clone()));
            changed = true;
        }
    }
    if changed {
        crate::write::write_atomic(&full, &doc.to_string())?;
    }
    Ok(changed)
}

/// A list of strings, as a TOML array.
pub fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().map(String::as_str).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_land_in_their_table_and_the_rest_of_the_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# the project\n[package]\nname = \"x\" # named\n\n[package.metadata.distroless]\nport = 8080 # the port\n";
        std::fs::write(dir.path().join("Cargo.toml"), text).unwrap();
        let path = ["package", "metadata", "distroless"];
        let changed = set_keys(
            dir.path(),
            "Cargo.toml",
            &path,
            &[
                ("pin", Value::from(true)),
                ("mirror", Value::from("reg.example/m")),
            ],
        )
        .unwrap();
        assert!(changed);
        let after = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(
            after.starts_with("# the project\n[package]\nname = \"x\" # named\n"),
            "{after}"
        );
        assert!(
            after.contains("port = 8080 # the port\npin = true\nmirror = \"reg.example/m\"\n"),
            "{after}"
        );
        let again = set_keys(
            dir.path(),
            "Cargo.toml",
            &path,
            &[("pin", Value::from(true))],
        )
        .unwrap();
        assert!(!again, "a key already set is left alone");

        let created = set_keys(
            dir.path(),
            "pyproject.toml",
            &["tool", "distroless"],
            &[("compose", Value::from(true))],
        )
        .unwrap();
        assert!(created);
        let py = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert_eq!(py, "[tool.distroless]\ncompose = true\n");

        std::fs::write(dir.path().join("bad.toml"), "tool = 1\n").unwrap();
        let text = crate::error::format(
            &set_keys(dir.path(), "bad.toml", &["tool", "distroless"], &[]).unwrap_err(),
        );
        assert!(text.contains("`tool` in bad.toml is not a table"), "{text}");
    }
}
