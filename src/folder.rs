//! The project folder: the one place that touches the user's files for
//! reading. Every input is read through [`Folder`], which refuses a path
//! that resolves (through a symbolic link) outside the project, anything
//! that is not a plain file, and files too large to be an input, before it
//! reads a byte: a pull request cannot make the tool read, and echo in an
//! error, a file of the machine it runs on.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The largest input the tool reads: far above any real manifest, lockfile
/// or ignore file, and far below what could exhaust memory.
pub const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// A project folder, with paths given relative to it.
#[derive(Debug, Clone)]
pub struct Folder {
    root: PathBuf,
    /// What reads may not leave: the project (build context), resolved.
    bound: PathBuf,
}

impl Folder {
    /// A project folder that is its own bound.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Folder::within(root.clone(), &root)
    }

    /// A folder inside a project (a workspace member) whose reads may reach
    /// the rest of `bound` but never leave it.
    pub fn within(root: impl Into<PathBuf>, bound: &Path) -> Self {
        let bound = bound.canonicalize().unwrap_or_else(|_| bound.to_path_buf());
        Folder {
            root: root.into(),
            bound,
        }
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

    /// Reads a file if it exists; `None` when it does not. A file reached
    /// through a link that leaves the project is an error that names the
    /// link and nothing of what it points to.
    pub fn read_optional(&self, rel: impl AsRef<Path>) -> Result<Option<String>> {
        read_inside(&self.bound, &self.path(rel))
    }

    /// A TOML file of the folder, if it has one; malformed is an error
    /// naming it and the line.
    pub fn read_toml(&self, file: &str) -> Result<Option<toml::Table>> {
        let Some(text) = self.read_optional(file)? else {
            return Ok(None);
        };
        toml::from_str::<toml::Table>(&text).map(Some).map_err(|e| {
            crate::error::fail(
                format!(
                    "{} is not valid TOML: {}",
                    self.path(file).display(),
                    e.to_string().trim_end()
                ),
                format!("fix {file} at the line shown"),
            )
        })
    }
}

/// Reads `path` if it exists and resolves inside `bound` (a resolved
/// folder); `None` when it does not exist. Refuses links that leave
/// `bound`, anything but a plain file, and files over [`MAX_INPUT`].
pub fn read_inside(bound: &Path, path: &Path) -> Result<Option<String>> {
    match resolve_inside(bound, path)? {
        Some(real) => read_plain(path, &real).map(Some),
        None => Ok(None),
    }
}

/// Where `path` leads, when it exists and stays inside `bound` (resolved);
/// `None` when it does not exist; an error naming the link when it leads out.
fn resolve_inside(bound: &Path, path: &Path) -> Result<Option<PathBuf>> {
    match path.canonicalize() {
        Ok(real) if real.starts_with(bound) => Ok(Some(real)),
        Ok(_) => Err(link_out(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Reads a resolved path that must be a plain file of reasonable size.
fn read_plain(shown: &Path, real: &Path) -> Result<String> {
    // Looked at before it is opened: opening a FIFO would wait for a writer.
    let meta =
        std::fs::metadata(real).with_context(|| format!("cannot read {}", shown.display()))?;
    if !meta.is_file() {
        return Err(crate::error::fail(
            format!("{} is not a plain file", shown.display()),
            "cargo-distroless reads its inputs only from plain files: replace it with one",
        ));
    }
    if meta.len() > MAX_INPUT {
        return Err(too_large(shown));
    }
    let file =
        std::fs::File::open(real).with_context(|| format!("cannot read {}", shown.display()))?;
    let mut text = String::new();
    file.take(MAX_INPUT + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} as UTF-8 text", shown.display()))?;
    if text.len() as u64 > MAX_INPUT {
        return Err(too_large(shown));
    }
    Ok(text)
}

fn too_large(shown: &Path) -> anyhow::Error {
    crate::error::fail(
        format!(
            "{} is larger than {} MiB, more than any input of a project",
            shown.display(),
            MAX_INPUT / 1024 / 1024
        ),
        "point the tool at the project's own manifest, lockfile and configuration",
    )
}

/// Reads a file if it exists; `None` when it does not. Any other failure
/// names the file. For files outside any project (the tool's own cache):
/// project inputs go through [`Folder`].
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Refuses any of `names` in `dir` that resolves outside `dir`, before a
/// tool that would quote it (cargo, rustup) reads it.
pub fn no_links_out(dir: &Path, names: &[&str]) -> Result<()> {
    let bound = dir
        .canonicalize()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    for name in names {
        resolve_inside(&bound, &dir.join(name))?;
    }
    Ok(())
}

/// When a tool's error text quotes (between backticks) a file that leads
/// out of `dir`, the error to report instead of that text.
pub fn quoted_link_out(dir: &Path, text: &str) -> Option<anyhow::Error> {
    let bound = dir.canonicalize().ok()?;
    let lexical = std::path::absolute(dir).ok()?;
    let backticked = text.split('`').skip(1).step_by(2);
    // rustc-style excerpts: `--> path:line:column`.
    let arrowed = text.lines().filter_map(|l| {
        let at = l.trim_start().strip_prefix("--> ")?;
        let mut parts = at.rsplitn(3, ':');
        let (_, _, path) = (parts.next()?, parts.next()?, parts.next()?);
        Some(path)
    });
    backticked
        .chain(arrowed)
        .map(Path::new)
        .find(|p| {
            // In the project by its name, outside it once resolved.
            std::path::absolute(p).is_ok_and(|a| a.starts_with(&lexical))
                && p.canonicalize().is_ok_and(|real| !real.starts_with(&bound))
        })
        .map(link_out)
}

fn link_out(path: &Path) -> anyhow::Error {
    crate::error::fail(
        format!(
            "{} leads out of the project through a symbolic link",
            path.display()
        ),
        "cargo-distroless reads only files inside the project (the image build sees nothing else): replace the link with a copy of the file",
    )
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
