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

/// The entry for a render's inputs (`digest/facets`): a folder named by
/// the digest, holding the files and, written last, the inputs.
fn entry(inputs: &str) -> Option<PathBuf> {
    let digest = inputs.split('/').next()?;
    let valid = digest.len() == 16 && digest.chars().all(|c| c.is_ascii_hexdigit());
    valid.then(|| dir().map(|d| d.join(digest)))?
}

/// The file a render with these inputs wrote, if the cache has it.
pub fn get(inputs: &str, file: GeneratedFile) -> Option<String> {
    let entry = entry(inputs)?;
    if std::fs::read_to_string(entry.join(INPUTS)).ok()? != inputs {
        return None;
    }
    std::fs::read_to_string(entry.join(file.file_name())).ok()
}

/// The name of the entry's record of its inputs.
const INPUTS: &str = "inputs";

/// Records what a render with these inputs wrote. A cache that cannot be
/// written only costs the next run its shortcut.
pub fn put(inputs: &str, files: &[(GeneratedFile, String)]) {
    let (Some(entry), Some(dir)) = (entry(inputs), dir()) else {
        return;
    };
    if std::fs::create_dir_all(&entry).is_err() {
        return;
    }
    let _ = std::fs::remove_file(entry.join(INPUTS));
    for (file, text) in files {
        // A new file rather than one cut short: ext4 flushes a file
        // truncated and written again as it is closed, which a cache need
        // not wait for.
        let path = entry.join(file.file_name());
        let _ = std::fs::remove_file(&path);
        if std::fs::write(path, text).is_err() {
            return;
        }
    }
    // Written last: an entry whose inputs file is missing is incomplete. A
    // cache needs no fsync: one lost in a crash only costs a render.
    if std::fs::write(entry.join(INPUTS), inputs).is_ok() {
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
        let _ = std::fs::remove_dir_all(path);
    }
}
