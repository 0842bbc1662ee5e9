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

/// Whether `rel`, resolved with every symbolic link followed, stays inside
/// `root`.
pub fn inside(root: &Path, rel: &str) -> Result<bool> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot read {}", root.display()))?;
    let path = root.join(rel);
    let real = path
        .canonicalize()
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(real.starts_with(&root))
}

/// Refuses a symbolic link at `rel` or at any folder between `root` and it:
/// the tool reads and writes its own files and templates only as plain
/// files, so a link can neither leak what it points to nor redirect a write.
/// The error names the link and nothing of its target.
pub fn no_links(root: &Path, rel: &Path) -> Result<()> {
    let mut path = root.to_path_buf();
    for part in rel.components() {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(crate::error::fail(
                    format!("{} is a symbolic link", path.display()),
                    "cargo-distroless reads and writes its files and templates only as plain files and folders: replace the link with a copy, or remove it",
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    Ok(())
}

/// Reads one of the tool's own files (a generated file or a template) below
/// `root`, refusing symbolic links on the way; `None` when it does not exist.
pub fn read_own(root: &Path, rel: &Path) -> Result<Option<String>> {
    no_links(root, rel)?;
    read_optional(&root.join(rel))
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

    #[cfg(unix)]
    #[test]
    fn links_are_refused_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/file"), "secret").unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("Dockerfile")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("linked")).unwrap();
        for rel in ["Dockerfile", "linked/file"] {
            let text = crate::error::format(&read_own(dir.path(), Path::new(rel)).unwrap_err());
            assert!(
                text.contains("is a symbolic link") && !text.contains("secret"),
                "{text}"
            );
        }
        assert_eq!(
            read_own(dir.path(), Path::new("real/file"))
                .unwrap()
                .as_deref(),
            Some("secret")
        );
        assert_eq!(read_own(dir.path(), Path::new("nope/file")).unwrap(), None);
        assert!(inside(dir.path(), "linked/file").unwrap());
        std::os::unix::fs::symlink("/etc", dir.path().join("out")).unwrap();
        assert!(!inside(dir.path(), "out/passwd").unwrap());
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
