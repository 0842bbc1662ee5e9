//! What past renders wrote, kept in the user's own cache folder, so that a
//! re-run of `init` with the same inputs can prove the files on disk are what
//! it would render by comparing them byte for byte, and skip the render.
//! A file's own stamp proves nothing (anyone can recompute an unkeyed hash);
//! this cache lives outside the repository, out of any pull request's reach.
//! A fresh machine (a CI runner) has none and renders.

use std::path::PathBuf;

use crate::layout::GeneratedFile;

/// How many renders the cache keeps; the oldest go first.
const KEEP: usize = 64;

/// The cache folder: `CARGO_DISTROLESS_CACHE`, else `$XDG_CACHE_HOME` or
/// `~/.cache`, then `cargo-distroless/renders`. `None` when there is no home.
fn dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_DISTROLESS_CACHE") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("cargo-distroless").join("renders"))
}

/// The entry for a render's inputs (`digest/facets`): named by the digest.
fn entry(inputs: &str) -> Option<PathBuf> {
    let digest = inputs.split('/').next()?;
    let valid = digest.len() == 16 && digest.chars().all(|c| c.is_ascii_hexdigit());
    valid.then(|| dir().map(|d| d.join(digest)))?
}

/// The files a render with these inputs wrote, if the cache has it.
pub fn get(inputs: &str) -> Option<Vec<(GeneratedFile, String)>> {
    let text = std::fs::read_to_string(entry(inputs)?).ok()?;
    let stored: Vec<(String, String)> = serde_json::from_str(&text).ok()?;
    let (recorded, files) = stored.split_first()?;
    if recorded.1 != inputs {
        return None;
    }
    files
        .iter()
        .map(|(name, text)| Some((file_named(name)?, text.clone())))
        .collect()
}

fn file_named(name: &str) -> Option<GeneratedFile> {
    [
        GeneratedFile::Dockerfile,
        GeneratedFile::Dockerignore,
        GeneratedFile::Bake,
    ]
    .into_iter()
    .find(|f| f.file_name() == name)
}

/// Records what a render with these inputs wrote. A cache that cannot be
/// written only costs the next run its shortcut.
pub fn put(inputs: &str, files: &[(GeneratedFile, &str)]) {
    let (Some(path), Some(dir)) = (entry(inputs), dir()) else {
        return;
    };
    let mut stored = vec![("inputs".to_string(), inputs.to_string())];
    stored.extend(
        files
            .iter()
            .map(|(f, t)| (f.file_name().to_string(), t.to_string())),
    );
    let Ok(json) = serde_json::to_string(&stored) else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_ok() && crate::write::write_atomic(&path, &json).is_ok() {
        evict(&dir);
    }
}

/// Keeps the newest [`KEEP`] entries.
fn evict(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if found.len() <= KEEP {
        return;
    }
    found.sort();
    for (_, path) in &found[..found.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}
