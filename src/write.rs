//! Writing generated files: atomically, never over a file the tool did not
//! write or that was edited since, and not at all when nothing changed.
//!
//! Each generated file ends with two lines: a digest of what it was rendered
//! from, then a fingerprint, a hash of the rest of the file. A file whose
//! fingerprint still matches is the tool's own and may be replaced; anything
//! else belongs to the user. The inputs digest lets a re-run with unchanged
//! inputs skip rendering.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::fail;

const MARK: &str = "# cargo-distroless fingerprint: ";
const INPUTS: &str = "# cargo-distroless inputs: ";

/// Appends the inputs line and the fingerprint line to generated text.
pub fn stamp(text: &str, inputs: &str) -> String {
    let body = format!("{text}{INPUTS}{inputs}\n");
    let fingerprint = digest(&body);
    format!("{body}{MARK}{fingerprint}\n")
}

/// The inputs digest an untouched generated file records.
pub fn recorded_inputs(text: &str) -> Option<&str> {
    if ownership(text) != Ownership::Generated {
        return None;
    }
    let body = &text[..text.rfind(MARK)?];
    let last = body.strip_suffix('\n')?.rsplit('\n').next()?;
    last.strip_prefix(INPUTS)
}

/// What a file records on its inputs line, whether or not it was edited
/// since: enough to say what changed, never to trust the file.
pub fn recorded_inputs_any(text: &str) -> Option<&str> {
    let start = text.rfind(INPUTS)?;
    if start != 0 && !text[..start].ends_with('\n') {
        return None;
    }
    text[start + INPUTS.len()..].lines().next()
}

/// The rendered part of a generated file: what comes before its inputs line.
fn rendered_part(text: &str) -> &str {
    match text.rfind(INPUTS) {
        Some(pos) if pos == 0 || text[..pos].ends_with('\n') => &text[..pos],
        _ => text,
    }
}

/// A 64-bit XXH3 of the text: it only has to notice edits, and it is stable
/// across releases and platforms.
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
    pub path: PathBuf,
    /// The name shown to the user, relative to the project root.
    pub name: String,
    /// The full content, fingerprint included.
    pub content: String,
}

/// What writing one file will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Same bytes on disk: leave it (and its mtime) alone.
    Unchanged,
    /// The tool's own file, out of date.
    Update,
    /// The tool's own file, rendered to the same text from other inputs
    /// (another release, a reworded template): up to date, but `init`
    /// records the new inputs digest, so the next run can skip rendering.
    Restamp,
    /// The user's file or edit: replaced only with `--force`.
    Conflict(Ownership),
}

/// Decides what to do with one file, reading what is there.
pub fn action(file: &PendingFile) -> Result<(Action, Option<String>)> {
    let Some(current) = crate::folder::read_optional(&file.path)? else {
        return Ok((Action::Create, None));
    };
    let action = if current == file.content {
        Action::Unchanged
    } else if rendered_part(&current) == rendered_part(&file.content)
        && ownership(&current) == Ownership::Generated
    {
        Action::Restamp
    } else {
        match ownership(&current) {
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

/// Writes every file that is missing or stale. When any would overwrite a
/// file the user owns and `force` is off, writes nothing and says why, with
/// the diff. Returns each file's action.
pub fn apply(files: &[PendingFile], force: bool) -> Result<Vec<(String, Action)>> {
    let mut decided = Vec::new();
    let mut refusals = Vec::new();
    for f in files {
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
        decided.push((f, act));
    }
    if !refusals.is_empty() {
        return Err(fail(
            format!(
                "not overwriting your files; nothing was written.\n{}",
                refusals.join("\n")
            ),
            "keep a customisation by overriding a template in .distroless/templates/ (see the README), or replace the files with --force",
        ));
    }
    for (f, act) in &decided {
        if !matches!(act, Action::Unchanged) {
            write_atomic(&f.path, &f.content)?;
        }
    }
    Ok(decided
        .into_iter()
        .map(|(f, a)| (f.name.clone(), a))
        .collect())
}

/// Writes through a temporary file in the same folder and a rename, so a
/// reader sees the old file or the new one, never half of either. An existing
/// file keeps its permissions.
pub fn write_atomic(path: &Path, content: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cargo-distroless-");
    // A new file gets the usual 0644, less the umask as for any new file
    // (temporary files are otherwise created private).
    #[cfg(unix)]
    if existing.is_none() {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(content.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    if let Some(perms) = existing {
        std::fs::set_permissions(tmp.path(), perms)
            .with_context(|| format!("cannot set permissions on {}", tmp.path().display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(dir: &Path, name: &str, body: &str) -> PendingFile {
        PendingFile {
            path: dir.join(name),
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
    fn inputs_are_read_back_only_from_untouched_files() {
        let text = stamp("FROM x\n", "0123456789abcdef");
        assert!(text.starts_with(
            "FROM x\n# cargo-distroless inputs: 0123456789abcdef\n# cargo-distroless fingerprint: "
        ));
        assert_eq!(recorded_inputs(&text), Some("0123456789abcdef"));
        assert_eq!(recorded_inputs(&text.replace("FROM x", "FROM y")), None);
        assert_eq!(recorded_inputs("FROM x\n"), None);
    }

    #[test]
    fn same_render_from_other_inputs_is_restamped() {
        let dir = tempfile::tempdir().unwrap();
        let old = PendingFile {
            content: stamp("FROM a\n", "1111111111111111"),
            ..pending(dir.path(), "Dockerfile", "FROM a\n")
        };
        apply(std::slice::from_ref(&old), false).unwrap();
        let same = pending(dir.path(), "Dockerfile", "FROM a\n");
        assert_eq!(action(&same).unwrap().0, Action::Restamp);
        apply(std::slice::from_ref(&same), false).unwrap();
        assert_eq!(std::fs::read_to_string(&same.path).unwrap(), same.content);
        assert_eq!(action(&same).unwrap().0, Action::Unchanged);
        apply(std::slice::from_ref(&old), false).unwrap();
        let other = pending(dir.path(), "Dockerfile", "FROM b\n");
        assert_eq!(action(&other).unwrap().0, Action::Update);
        std::fs::write(&old.path, old.content.replace("FROM a", "FROM c")).unwrap();
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
        assert_eq!(
            apply(std::slice::from_ref(&f), false).unwrap()[0].1,
            Action::Create
        );
        let before = std::fs::metadata(&f.path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(
            apply(std::slice::from_ref(&f), false).unwrap()[0].1,
            Action::Unchanged
        );
        assert_eq!(
            std::fs::metadata(&f.path).unwrap().modified().unwrap(),
            before
        );
    }

    #[test]
    fn generated_file_updates_but_user_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = pending(dir.path(), "Dockerfile", "FROM a\n");
        apply(&[old], false).unwrap();
        let new = pending(dir.path(), "Dockerfile", "FROM b\n");
        assert_eq!(
            apply(std::slice::from_ref(&new), false).unwrap()[0].1,
            Action::Update
        );
        std::fs::write(&new.path, "FROM mine\n").unwrap();
        let ignore = pending(dir.path(), ".dockerignore", "target/\n");
        let err = apply(&[ignore.clone(), new.clone()], false).unwrap_err();
        let text = crate::error::format(&err);
        assert!(
            text.contains("was not written by cargo-distroless"),
            "{text}"
        );
        assert!(
            text.contains("-FROM mine") && text.contains("+FROM b"),
            "{text}"
        );
        assert_eq!(std::fs::read_to_string(&new.path).unwrap(), "FROM mine\n");
        assert!(
            !ignore.path.exists(),
            "nothing is written when one file is refused"
        );
        apply(&[ignore, new.clone()], true).unwrap();
        assert_eq!(std::fs::read_to_string(&new.path).unwrap(), new.content);
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
}
