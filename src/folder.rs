//! The project folder: the one place that touches the user's files for reading.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A project folder, with paths given relative to it.
#[derive(Debug, Clone)]
pub struct Folder {
    root: PathBuf,
}

impl Folder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Folder { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    pub fn exists(&self, rel: impl AsRef<Path>) -> bool {
        self.path(rel).exists()
    }

    /// Reads a file if it exists; `None` when it does not.
    pub fn read_optional(&self, rel: impl AsRef<Path>) -> Result<Option<String>> {
        read_optional(&self.path(rel))
    }
}

/// Reads a file if it exists; `None` when it does not. Any other failure
/// names the file.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A path relative to a base, with forward slashes, as Dockerfiles want it.
/// `None` when `path` is not under `base`.
pub fn relative_slash(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes() {
        let base = Path::new("/w");
        assert_eq!(
            relative_slash(Path::new("/w/a/b"), base).as_deref(),
            Some("a/b")
        );
        assert_eq!(relative_slash(Path::new("/w"), base).as_deref(), Some(""));
        assert_eq!(relative_slash(Path::new("/x/a"), base), None);
    }

    #[test]
    fn optional_read_distinguishes_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = Folder::new(dir.path());
        assert_eq!(p.read_optional("nope").unwrap(), None);
        std::fs::write(dir.path().join("yes"), "y").unwrap();
        assert_eq!(p.read_optional("yes").unwrap().as_deref(), Some("y"));
    }
}
