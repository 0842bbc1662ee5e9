//! Writing generated files: as one set, atomically, never over a file the
//! tool did not write or that was edited since, never through a symbolic
//! link, and not at all when nothing changed.
//!
//! Each generated file ends with two lines: what it was rendered from (the
//! inputs digest and the plan's facets), then a fingerprint, a hash of the
//! rest of the file. A file whose fingerprint still matches is the tool's
//! own and may be replaced; anything else belongs to the user. Line endings
//! do not count: a CRLF checkout of a generated file is still untouched.

use std::borrow::Cow;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

use crate::error::fail;
use crate::folder::{no_links, read_own};

const MARK: &str = "# cargo-distroless fingerprint: ";
const INPUTS: &str = "# cargo-distroless inputs: ";

/// Temporary files of unfinished writes: `.cargo-distroless-XXXXXX.tmp`.
pub const TEMP_PREFIX: &str = ".cargo-distroless-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file older than this is left from a write that was killed.
const STALE_TEMP: Duration = Duration::from_secs(60);

/// Appends the inputs line and the fingerprint line to generated text, in
/// its own buffer: a large workspace's Dockerfile runs to many pages, and a
/// copy would touch as many new ones.
pub fn stamp(text: impl Into<String>, inputs: &str) -> String {
    let mut out = text.into();
    out.reserve(INPUTS.len() + inputs.len() + MARK.len() + 80);
    out.push_str(INPUTS);
    out.push_str(inputs);
    out.push('\n');
    let fingerprint = digest(&out);
    out.push_str(MARK);
    out.push_str(&fingerprint);
    out.push('\n');
    out
}

/// The text with LF line endings, as the tool writes it and hashes it.
fn lf(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What a file records on its inputs line, whether or not it was edited
/// since: enough to say what changed, never to trust the file.
pub fn recorded_inputs_any(text: &str) -> Option<String> {
    let text = lf(text);
    let start = text.rfind(INPUTS)?;
    if start != 0 && !text[..start].ends_with('\n') {
        return None;
    }
    text[start + INPUTS.len()..]
        .lines()
        .next()
        .map(String::from)
}

/// The rendered part of a generated file: what comes before its inputs line.
fn rendered_part(text: &str) -> &str {
    match text.rfind(INPUTS) {
        Some(pos) if pos == 0 || text[..pos].ends_with('\n') => &text[..pos],
        _ => text,
    }
}

/// A 64-bit XXH3 of the text, `FROM` digests included: it only has to
/// notice edits, and it is stable across releases and platforms. Pins are
/// the one part of a file that `check` reads back rather than renders, so a
/// pin changed by hand (removed, swapped, bumped by a bot) is an edit that
/// `check` reports; `update` moves pins. Not a seal: anyone can recompute
/// it, so nothing else is trusted for it; `check` always renders and
/// compares.
fn digest(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Who a file on disk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Written by the tool and untouched since.
    Generated,
    /// Written by the tool, then edited.
    Edited,
    /// No fingerprint: the user's own file.
    Foreign,
}

/// Tells a generated, untouched file from an edited or foreign one.
pub fn ownership(text: &str) -> Ownership {
    let text = lf(text);
    let Some(pos) = text.rfind(MARK) else {
        return Ownership::Foreign;
    };
    let (body, line) = text.split_at(pos);
    let recorded = line[MARK.len()..].trim_end();
    if (pos == 0 || body.ends_with('\n'))
        && recorded == digest(body)
        && line.ends_with('\n')
        && line.lines().count() == 1
    {
        Ownership::Generated
    } else {
        Ownership::Edited
    }
}

/// A file the tool wants on disk.
#[derive(Debug, Clone)]
pub struct PendingFile {
    /// The project root, below which no symbolic link is followed.
    pub root: PathBuf,
    /// Its path relative to the root, as shown to the user.
    pub name: String,
    /// The full content, fingerprint included.
    pub content: String,
}

impl PendingFile {
    pub fn path(&self) -> PathBuf {
        self.root.join(&self.name)
    }
}

/// What writing one file will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Same text on disk (line endings aside): leave it, and its mtime, alone.
    Unchanged,
    /// The tool's own file, out of date.
    Update,
    /// The tool's own file, rendered to the same text from other inputs
    /// (another release, a reworded template): up to date, but `init`
    /// records the new inputs, so the next run can skip rendering.
    Restamp,
    /// The user's file or edit: replaced only with `--force`.
    Conflict(Ownership),
}

/// Decides what to do with one file, reading what is there (never through a
/// symbolic link).
pub fn action(file: &PendingFile) -> Result<(Action, Option<String>)> {
    let Some(current) = read_own(&file.root, Path::new(&file.name))? else {
        return Ok((Action::Create, None));
    };
    let on_disk = lf(&current);
    let action = if on_disk == file.content {
        Action::Unchanged
    } else if rendered_part(&on_disk) == rendered_part(&file.content)
        && ownership(&on_disk) == Ownership::Generated
    {
        Action::Restamp
    } else {
        match ownership(&on_disk) {
            Ownership::Generated => Action::Update,
            other => Action::Conflict(other),
        }
    };
    Ok((action, Some(current)))
}

/// A unified diff from what is on disk to what would be written.
pub fn diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (on disk)"), &format!("{name} (generated)"))
        .to_string()
}

/// Writes every file that is missing or stale, as one set: all of them or
/// none. When any would overwrite a file the user owns and `force` is off,
/// writes nothing and says why, with the diff. Returns each file's action.
pub fn apply(files: &[&PendingFile], force: bool) -> Result<Vec<(String, Action)>> {
    if let Some(root) = files.first().map(|f| f.root.as_path()) {
        remove_stale_temps(root);
    }
    let mut decided = Vec::new();
    let mut refusals = Vec::new();
    for &f in files {
        let (act, current) = action(f)?;
        if let (Action::Conflict(kind), false) = (&act, force) {
            let why = match kind {
                Ownership::Edited => "was edited since it was generated",
                _ => "was not written by cargo-distroless",
            };
            refusals.push(format!(
                "{} {why}; it differs from what would be written:\n{}",
                f.name,
                diff(&f.name, current.as_deref().unwrap_or(""), &f.content)
            ));
        }
        decided.push((f, act, current));
    }
    if !refusals.is_empty() {
        return Err(fail(
            format!(
                "not overwriting your files; nothing was written.\n{}",
                refusals.join("\n")
            ),
            "keep a customisation by overriding a template in .distroless/templates/ (see the README), or replace the files with --force (a .dockerignore of your own keeps its rules, at the top)",
        ));
    }
    let writes: Vec<(&PendingFile, Option<&str>)> = decided
        .iter()
        .filter(|(_, act, _)| !matches!(act, Action::Unchanged))
        .map(|(f, _, current)| (*f, current.as_deref()))
        .collect();
    write_set(&writes)?;
    Ok(decided
        .into_iter()
        .map(|(f, a, _)| (f.name.clone(), a))
        .collect())
}

/// Writes every file's temporary copy first, then renames them into place.
/// A failure before the renames leaves nothing behind; one during them puts
/// back the files already renamed (`before` is what each held).
fn write_set(files: &[(&PendingFile, Option<&str>)]) -> Result<()> {
    let mut temps = Vec::with_capacity(files.len());
    for (f, _) in files {
        temps.push(temp_with(&f.path(), &f.content)?);
    }
    for (i, tmp) in temps.into_iter().enumerate() {
        let path = files[i].0.path();
        if let Err(e) = tmp.persist(&path) {
            for (f, before) in &files[..i] {
                let _ = match before {
                    Some(text) => write_atomic(&f.path(), text),
                    None => std::fs::remove_file(f.path()).map_err(Into::into),
                };
            }
            return Err(e.error).with_context(|| format!("cannot write {}", path.display()));
        }
    }
    Ok(())
}

/// Removes temporary files that a killed write left in `dir`.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(TEMP_PREFIX) || !name.ends_with(TEMP_SUFFIX) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if meta.is_file() && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A temporary file beside `path` holding `content`, with the permissions
/// `path` has (or a new file's usual 0644 less the umask). It is synced
/// when it is to replace a file, so that a crash after the rename cannot
/// leave that file's place empty. One that fills an empty place is not: at
/// worst a crash leaves it empty, and nothing that was there is lost.
fn temp_with(path: &Path, content: &str) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let there = std::fs::symlink_metadata(path).ok();
    let existing = there
        .as_ref()
        .filter(|m| m.is_file())
        .map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(content.as_bytes())
        .and_then(|()| match there {
            Some(_) => tmp.as_file().sync_all(),
            None => Ok(()),
        })
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    if let Some(perms) = existing {
        std::fs::set_permissions(tmp.path(), perms)
            .with_context(|| format!("cannot set permissions on {}", tmp.path().display()))?;
    }
    Ok(tmp)
}

/// Writes through a temporary file in the same folder and a rename, so a
/// reader sees the old file or the new one, never half of either. An
/// existing file keeps its permissions.
pub fn write_atomic(path: &Path, content: &str) -> Result<()> {
    temp_with(path, content)?
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes one of the tool's files below `root` (a template `eject` copies
/// out), creating its folders, never through a symbolic link.
pub fn write_own(root: &Path, rel: &Path, content: &str) -> Result<()> {
    no_links(root, rel)?;
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    no_links(root, rel)?;
    write_atomic(&path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_pin_is_an_edit() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let text = stamp(
            format!("FROM gcr.io/distroless/cc-debian13:nonroot@sha256:{a} AS api\nUSER 65532\n"),
            "x",
        );
        assert_eq!(ownership(&text), Ownership::Generated);
        assert_eq!(ownership(&text.replace(&a, &b)), Ownership::Edited);
        let unpinned = text.replace(&format!("@sha256:{a}"), "");
        assert_eq!(ownership(&unpinned), Ownership::Edited);
    }

    fn pending(dir: &Path, name: &str, body: &str) -> PendingFile {
        PendingFile {
            root: dir.to_path_buf(),
            name: name.into(),
            content: stamp(body, "0123456789abcdef"),
        }
    }

    #[test]
    fn fingerprint_tells_generated_edited_and_foreign() {
        let text = stamp("FROM x\n", "0123456789abcdef");
        assert_eq!(ownership(&text), Ownership::Generated);
        assert_eq!(
            ownership(&text.replace("0123456789abcdef", "0123456789abcdee")),
            Ownership::Edited,
            "the inputs line is covered by the fingerprint"
        );
        assert_eq!(
            ownership(&text.replace("FROM x", "FROM y")),
            Ownership::Edited
        );
        assert_eq!(ownership(&format!("{text}RUN x\n")), Ownership::Edited);
        assert_eq!(ownership("FROM x\n"), Ownership::Foreign);
    }

    #[test]
    fn inputs_are_read_back_whatever_the_line_endings() {
        let text = stamp("FROM x\n", "0123456789abcdef");
        assert!(text.starts_with(
            "FROM x\n# cargo-distroless inputs: 0123456789abcdef\n# cargo-distroless fingerprint: "
        ));
        assert_eq!(
            recorded_inputs_any(&text).as_deref(),
            Some("0123456789abcdef")
        );
        assert_eq!(
            recorded_inputs_any(&text.replace("\n", "\r\n")).as_deref(),
            Some("0123456789abcdef")
        );
        assert_eq!(recorded_inputs_any("FROM x\n"), None);
    }

    #[test]
    fn same_render_from_other_inputs_is_restamped() {
        let dir = tempfile::tempdir().unwrap();
        let old = PendingFile {
            content: stamp("FROM a\n", "1111111111111111"),
            ..pending(dir.path(), "Dockerfile", "FROM a\n")
        };
        apply(&[&old], false).unwrap();
        let same = pending(dir.path(), "Dockerfile", "FROM a\n");
        assert_eq!(action(&same).unwrap().0, Action::Restamp);
        apply(&[&same], false).unwrap();
        assert_eq!(std::fs::read_to_string(same.path()).unwrap(), same.content);
        assert_eq!(action(&same).unwrap().0, Action::Unchanged);
        apply(&[&old], false).unwrap();
        let other = pending(dir.path(), "Dockerfile", "FROM b\n");
        assert_eq!(action(&other).unwrap().0, Action::Update);
        std::fs::write(old.path(), old.content.replace("FROM a", "FROM c")).unwrap();
        assert_eq!(
            action(&same).unwrap().0,
            Action::Conflict(Ownership::Edited),
            "an edited file is never taken as the same render"
        );
    }

    #[test]
    fn unchanged_file_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let f = pending(dir.path(), "Dockerfile", "FROM a\n");
        assert_eq!(apply(&[&f], false).unwrap()[0].1, Action::Create);
        let before = std::fs::metadata(f.path()).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(apply(&[&f], false).unwrap()[0].1, Action::Unchanged);
        assert_eq!(
            std::fs::metadata(f.path()).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn generated_file_updates_but_user_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = pending(dir.path(), "Dockerfile", "FROM a\n");
        apply(&[&old], false).unwrap();
        let new = pending(dir.path(), "Dockerfile", "FROM b\n");
        assert_eq!(apply(&[&new], false).unwrap()[0].1, Action::Update);
        std::fs::write(new.path(), "FROM mine\n").unwrap();
        let ignore = pending(dir.path(), ".dockerignore", "target/\n");
        let err = apply(&[&ignore, &new], false).unwrap_err();
        let text = crate::error::format(&err);
        assert!(
            text.contains("was not written by cargo-distroless"),
            "{text}"
        );
        assert!(
            text.contains("-FROM mine") && text.contains("+FROM b"),
            "{text}"
        );
        assert_eq!(std::fs::read_to_string(new.path()).unwrap(), "FROM mine\n");
        assert!(
            !ignore.path().exists(),
            "nothing is written when one file is refused"
        );
        apply(&[&ignore, &new], true).unwrap();
        assert_eq!(std::fs::read_to_string(new.path()).unwrap(), new.content);
    }

    #[cfg(unix)]
    #[test]
    fn rewrite_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, "y").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A new file has the mode any new file gets: 0644 less the umask,
        // which is what std::fs::write gives a sibling.
        let fresh = dir.path().join("new");
        write_atomic(&fresh, "z").unwrap();
        let sibling = dir.path().join("sibling");
        std::fs::write(&sibling, "s").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&sibling) & 0o644);
    }

    #[test]
    fn a_failed_write_leaves_every_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let old = pending(dir.path(), "Dockerfile", "FROM old\n");
        apply(&[&old], false).unwrap();
        // A folder where the second file goes: its rename must fail.
        std::fs::create_dir_all(dir.path().join(".dockerignore/inside")).unwrap();
        let new = pending(dir.path(), "Dockerfile", "FROM new\n");
        let ignore = pending(dir.path(), ".dockerignore", "target/\n");
        let err = write_set(&[(&new, Some(old.content.as_str())), (&ignore, None)]).unwrap_err();
        assert!(format!("{err:#}").contains(".dockerignore"), "{err:#}");
        assert_eq!(std::fs::read_to_string(old.path()).unwrap(), old.content);
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect();
        assert!(left.is_empty(), "{left:?}");

        // A new file is removed again.
        let fresh = pending(dir.path(), "docker-bake.hcl", "group {}\n");
        assert!(write_set(&[(&fresh, None), (&ignore, None)]).is_err());
        assert!(!fresh.path().exists());
    }
}
