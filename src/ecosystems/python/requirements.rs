//! requirements.txt and the files it includes: checked line by line, as
//! pip would read them, so a bad line fails `init` rather than the build.

use std::path::Path;
use std::str::FromStr;

use anyhow::Result;

use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;

/// What a requirements file and its includes hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Every file, relative to the root, the first the main one.
    pub files: Vec<String>,
    /// Whether any line carries `--hash`, so pip must `--require-hashes`.
    pub hashes: bool,
    /// The normalised names of the requirements.
    pub names: Vec<String>,
    /// The version control systems requirement URLs name.
    pub vcs: Vec<super::vcs::Vcs>,
    /// The project's own files and folders that lines install from
    /// (`./wheels/x.whl`, `./libs/pkg`), relative to the root, where pip runs.
    pub local: Vec<String>,
}

/// Reads a requirements file and its `-r`/`-c` includes; checks each line.
/// Returns every file (relative to the root, in order), whether hashes are
/// used, and the requirement names.
pub fn read(project: &Folder, first: &str) -> Result<Requirements> {
    let mut names: Vec<String> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    // Each file with the chain of files that included it, outermost first.
    let mut todo: Vec<(String, Vec<String>)> = vec![(first.to_string(), Vec::new())];
    let mut hashes = false;
    let mut vcs = Vec::new();
    let mut local: Vec<String> = Vec::new();
    while let Some((file, chain)) = todo.pop() {
        if let Some(at) = chain.iter().position(|f| *f == file) {
            let mut cycle = chain[at..].to_vec();
            cycle.push(file.clone());
            return Err(fail(
                format!(
                    "requirements files include each other in a loop: {}",
                    cycle.join(" → ")
                ),
                "remove the -r/-c line that closes the loop; pip stops on it",
            ));
        }
        if files.contains(&file) {
            continue;
        }
        let path = project.path(&file);
        let Some(text) = project.read_optional(&file)? else {
            return Err(fail(
                format!("{} does not exist", path.display()),
                "fix the -r/-c line that names it",
            ));
        };
        files.push(file.clone());
        let dir = Path::new(&file)
            .parent()
            .map(|d| d.to_path_buf())
            .unwrap_or_default();
        let mut logical = String::new();
        let mut start = 0;
        for (i, raw) in text.lines().enumerate() {
            if logical.is_empty() {
                start = i + 1;
            }
            let line = match raw
                .find(" #")
                .or_else(|| raw.trim_start().starts_with('#').then_some(0))
            {
                Some(pos) => &raw[..pos],
                None => raw,
            };
            if let Some(body) = line.trim_end().strip_suffix('\\') {
                logical.push_str(body);
                logical.push(' ');
                continue;
            }
            logical.push_str(line);
            let entry = std::mem::take(&mut logical);
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let at = format!("{}:{start}", path.display());
            if entry.contains("--hash") {
                hashes = true;
            }
            if let Some(rest) = entry.strip_prefix('-') {
                let (opt, value) = split_option(rest);
                match opt {
                    "r" | "-requirement" | "c" | "-constraint" => {
                        let value = value.trim();
                        if value.is_empty() {
                            return Err(fail(
                                format!("{at}: -r needs a file name"),
                                "write `-r other-requirements.txt`",
                            ));
                        }
                        let included = dir.join(value).to_string_lossy().replace('\\', "/");
                        let included = normalise(&included);
                        if let Err(rule) = grammar::project_path(&included) {
                            return Err(fail(
                                format!("{at}: `{value}` is not a file of the project: {rule}"),
                                "name a requirements file inside the project, relative to the file that includes it; the image build sees nothing else",
                            ));
                        }
                        let mut inner = chain.clone();
                        inner.push(file.clone());
                        todo.push((included, inner));
                    }
                    "e" | "-editable" => {
                        return Err(fail(
                            format!(
                                "{at}: editable installs (`{entry}`) cannot be built into an image"
                            ),
                            "list the dependency by name and version; the project's own code is copied into /app",
                        ));
                    }
                    "i" | "-index-url" | "-extra-index-url" | "-trusted-host" | "f"
                    | "-find-links" | "-no-binary" | "-only-binary" | "-prefer-binary" | "-pre"
                    | "-no-index" | "-hash" => {}
                    _ => {
                        return Err(fail(
                            format!("{at}: unknown option `-{opt}`"),
                            "requirements files take requirement lines and pip options such as -r, -c, --index-url and --hash",
                        ));
                    }
                }
                continue;
            }
            vcs.extend(super::vcs::of_requirement(entry));
            let is_url = entry.contains("://") || entry.starts_with('.') || entry.starts_with('/');
            if let Some(path) = local_path(entry) {
                let path = normalise(path);
                if let Err(rule) = grammar::project_path(&path) {
                    return Err(fail(
                        format!("{at}: `{entry}` installs from outside the project: {rule}"),
                        "move the package into the project and name it from the project's root (`./libs/pkg`), where pip runs; the image build sees nothing else",
                    ));
                }
                // A link that leaves the project: refused, its target unnamed.
                crate::folder::no_links_out(project.root(), &[path.as_str()])?;
                if !project.exists(&path) {
                    return Err(fail(
                        format!(
                            "{at}: `{entry}` installs from {path}, which the project does not have"
                        ),
                        "name the file or folder from the project's root, where pip runs (`./libs/pkg`)",
                    ));
                }
                if !local.contains(&path) {
                    local.push(path);
                }
            }
            if !is_url {
                // pip's per-line options (`--hash=…`) follow the requirement.
                let requirement = entry.split(" -").next().unwrap_or(entry).trim();
                // `${VAR}` is pip's, expanded before PEP 508 reads the line.
                if !requirement.contains("${")
                    && let Err(why) = pep508(requirement)
                {
                    return Err(fail(
                        format!("{at}: `{requirement}` is not a requirement: {why}"),
                        PEP508_HINT,
                    ));
                }
                names.push(dep_name(entry));
            }
        }
    }
    Ok(Requirements {
        files,
        hashes,
        names,
        vcs,
        local,
    })
}

/// The path a line installs from, when it names a file or folder (`./x.whl`,
/// `../libs/pkg[extra]`, `/abs/x.tar.gz`, `file:///abs/x.whl`): its first
/// word, extras left off.
fn local_path(entry: &str) -> Option<&str> {
    let word = entry.split_whitespace().next()?;
    let path = match word.strip_prefix("file://") {
        Some(rest) => rest,
        None if word.starts_with(['.', '/']) => word,
        None => return None,
    };
    Some(path.split('[').next().unwrap_or(path))
}

/// `a/./b` → `a/b`; `a/../b` → `b`; a `..` that climbs above the start
/// stays, for the grammar to refuse.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn split_option(rest: &str) -> (&str, &str) {
    let rest = rest.trim();
    if let Some((opt, value)) = rest.split_once(['=', ' ']) {
        (opt, value)
    } else if rest.len() > 1 && !rest.starts_with('-') {
        (&rest[..1], &rest[1..])
    } else {
        (rest, "")
    }
}

/// How to write a requirement, for the errors that refuse one.
pub const PEP508_HINT: &str = "write a PEP 508 requirement: a package name, optionally with extras, a version and a marker: `flask[async]>=3.1 ; python_version >= \"3.11\"`";

/// Reads one requirement as PEP 508 does; the error is the parser's first line.
pub fn pep508(requirement: &str) -> std::result::Result<(), String> {
    // pep508_rs 0.9 panics on a name that ends in `.`, `-` or `_`, which
    // PEP 508 does not allow: such a name is refused here first.
    let name = requirement
        .trim_start()
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .next()
        .unwrap_or_default();
    if name.ends_with(['.', '_', '-']) || name.starts_with(['.', '_', '-']) {
        return Err(format!(
            "`{name}` is not a package name: it must start and end with a letter or digit"
        ));
    }
    pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(requirement)
        .map(drop)
        .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_string())
}

/// A dependency's normalised name: `Flask[async]>=3` → `flask`.
pub fn dep_name(spec: &str) -> String {
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    // PEP 503: lower case, each run of `-`, `_` and `.` one `-`.
    pep508_rs::PackageName::from_str(&spec[..end])
        .map(|name| name.to_string())
        .unwrap_or_else(|_| spec[..end].to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystems::python::detect::tests::project;

    #[test]
    fn requirements_with_includes_and_hashes() {
        let (_d, p) = project(&[
            (
                "requirements.txt",
                "# app\n-r base.txt\nflask==3.1.0 \\\n    --hash=sha256:abc\n",
            ),
            (
                "base.txt",
                "requests>=2  # http\n--index-url https://pypi.org/simple\n",
            ),
        ]);
        let r = read(&p, "requirements.txt").unwrap();
        assert_eq!(r.names, ["flask", "requests"]);
        assert_eq!(r.files, ["requirements.txt", "base.txt"]);
        assert!(r.hashes);
    }

    #[test]
    fn lines_that_install_from_the_project_name_what_the_build_copies_first() {
        let (_d, p) = project(&[
            (
                "requirements.txt",
                "./wheels/a-1.0-py3-none-any.whl\n./libs/b[extra] --hash=sha256:abc\n-r sub/more.txt\n",
            ),
            ("sub/more.txt", "./libs/c/../b\nflask==3.1.0\n"),
            ("wheels/a-1.0-py3-none-any.whl", ""),
            ("libs/b/pyproject.toml", ""),
        ]);
        let r = read(&p, "requirements.txt").unwrap();
        // From the root, where pip runs, even in an included file.
        assert_eq!(r.local, ["wheels/a-1.0-py3-none-any.whl", "libs/b"]);
        assert_eq!(r.names, ["flask"]);
        let (_d, p) = project(&[("requirements.txt", "./wheels/gone.whl\n")]);
        let err = format!("{:#}", read(&p, "requirements.txt").unwrap_err());
        assert!(
            err.contains("installs from wheels/gone.whl, which the project does not have"),
            "{err}"
        );
        for line in [
            "../outside.whl",
            "/abs/x.whl",
            "file:///abs/x.whl",
            "./a/../../x",
        ] {
            let (_d, p) = project(&[("requirements.txt", line)]);
            let err = format!("{:#}", read(&p, "requirements.txt").unwrap_err());
            assert!(
                err.contains("requirements.txt:1")
                    && err.contains("installs from outside the project"),
                "{line}: {err}"
            );
        }
    }

    #[test]
    fn includes_stay_inside_the_project() {
        for line in [
            "-r /etc/passwd",
            "-r ../secrets.txt",
            "-c sub/../../x.txt",
            "-r data[1].txt",
        ] {
            let (_d, p) = project(&[("requirements.txt", &format!("flask\n{line}\n"))]);
            let text = crate::error::format(&read(&p, "requirements.txt").unwrap_err());
            assert!(
                text.contains("requirements.txt:2:")
                    && text.contains("is not a file of the project"),
                "{line}: {text}"
            );
        }
        let (_d, p) = project(&[
            ("requirements.txt", "-r sub/../base.txt\n"),
            ("base.txt", "flask\n"),
        ]);
        assert_eq!(
            read(&p, "requirements.txt").unwrap().files,
            ["requirements.txt", "base.txt"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_requirements_file_that_leaves_the_project_is_refused() {
        let (d, p) = project(&[("requirements.txt", "-r base.txt\n")]);
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("base.txt")).unwrap();
        let text = crate::error::format(&read(&p, "requirements.txt").unwrap_err());
        assert!(text.contains("base.txt leads out of the project"), "{text}");
        assert!(
            !text.contains("root:"),
            "nothing of the target is shown: {text}"
        );
    }

    #[test]
    fn requirements_errors_name_file_and_line() {
        let (_d, p) = project(&[("requirements.txt", "flask\n\n==3.0\n")]);
        let text = crate::error::format(&read(&p, "requirements.txt").unwrap_err());
        assert!(
            text.contains("requirements.txt:3: `==3.0` is not a requirement"),
            "{text}"
        );
        let (_d, p) = project(&[("requirements.txt", "-r missing.txt\n")]);
        assert!(
            crate::error::format(&read(&p, "requirements.txt").unwrap_err())
                .contains("missing.txt does not exist")
        );
        let (_d, p) = project(&[("requirements.txt", "-e .\n")]);
        assert!(
            crate::error::format(&read(&p, "requirements.txt").unwrap_err()).contains("editable")
        );
        let (_d, p) = project(&[("requirements.txt", "--frobnicate\n")]);
        assert!(
            crate::error::format(&read(&p, "requirements.txt").unwrap_err())
                .contains("unknown option `--frobnicate`")
        );
    }

    #[test]
    fn names_normalise() {
        assert_eq!(dep_name("Flask[async]>=3"), "flask");
        assert_eq!(dep_name("zope.interface"), "zope-interface");
        assert_eq!(dep_name("Typing__Extensions"), "typing-extensions");
        for bad in [
            "e.",
            "flask.. >= 1",
            "-x",
            "flask_ ; python_version > \"3\"",
        ] {
            assert!(
                pep508(bad).unwrap_err().contains("is not a package name"),
                "{bad}"
            );
        }
        assert!(pep508("flask>=3 ; python_version >= \"3.11\"").is_ok());
    }
}
