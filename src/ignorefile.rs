//! The project's own `.dockerignore`. When the tool takes the file over,
//! the project's rules are kept at the top (the generated rules come after
//! them, so they decide where the two disagree), and they stay across every
//! later run. No rule may leave out a file the build reads.

use std::path::Path;

use anyhow::Result;

use crate::error::fail;
use crate::secrets::Ignore;
use crate::write::{Ownership, ownership};

/// The lines around the project's rules in a generated `.dockerignore`.
pub const START: &str = "# The project's own rules, kept by `init --force` (the generated rules below decide where they disagree):";
pub const END: &str = "# End of the project's own rules.";

/// The project's rules in the `.dockerignore` at `name`: the whole file
/// when it is the project's own, the kept part when the tool wrote it.
pub fn project_rules(root: &Path, name: &str) -> Result<Vec<String>> {
    let Some(text) = crate::folder::read_own(root, Path::new(name))? else {
        return Ok(Vec::new());
    };
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let marked = |l: &&str| *l == START || *l == END;
    // The tool's file ends with its stamp; with the fingerprint edited
    // away, its inputs line is still last.
    let stamped = lines
        .iter()
        .rev()
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("# cargo-distroless inputs: "));
    let kept: &[&str] = if ownership(&text) == Ownership::Foreign
        && !stamped
        && !lines.iter().any(marked)
    {
        // The tool finds its own parts by these lines: one of the
        // project's would pass for a stamp.
        if let Some((n, line)) = lines
            .iter()
            .enumerate()
            .find(|(_, l)| l.starts_with("# cargo-distroless "))
        {
            return Err(own_line(name, n, line));
        }
        &lines
    } else {
        // The tool's file, even with its stamp edited away: its rules are
        // between the markers, each of which appears once.
        for marker in [START, END] {
            let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == marker).collect();
            if at.len() > 1 {
                return Err(own_line(name, at[1], marker));
            }
        }
        let start = lines.iter().position(|l| *l == START);
        let end = lines.iter().position(|l| *l == END);
        let foreign = ownership(&text) == Ownership::Foreign && !stamped;
        match (start, end) {
            (None, None) => return Ok(Vec::new()),
            // A marker alone, or the end before the start: not the tool's
            // layout, so a line of the project's.
            (None, Some(at)) => return Err(own_line(name, at, END)),
            (Some(s), Some(e)) if e < s => return Err(own_line(name, e, END)),
            (Some(at), None) if foreign => return Err(own_line(name, at, START)),
            _ => {}
        }
        let start = start.unwrap_or_default();
        let Some(len) = lines[start + 1..].iter().position(|l| *l == END) else {
            return Err(fail(
                format!(
                    "{name}: the project's rules start on line {} but the line `{END}` that ends them is gone",
                    start + 1
                ),
                "put that line back after the project's rules, then run init again",
            ));
        };
        let kept = &lines[start + 1..start + 1 + len];
        if let Some((n, line)) = kept
            .iter()
            .enumerate()
            .find(|(_, l)| l.starts_with("# cargo-distroless "))
        {
            return Err(own_line(name, start + 1 + n, line));
        }
        kept
    };
    let first = kept
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(kept.len());
    let last = kept
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    let mut rules: Vec<String> = kept[first..last.max(first)]
        .iter()
        .map(|l| l.to_string())
        .collect();
    // One blank line at most between rules, as the rendered file has them.
    rules.dedup_by(|a, b| a.is_empty() && b.is_empty());
    Ok(rules)
}

/// A line of the tool's own among the project's rules.
fn own_line(name: &str, n: usize, line: &str) -> anyhow::Error {
    fail(
        format!(
            "{name} line {}: `{line}` is a line cargo-distroless writes to mark its own parts, and the project's rules cannot hold it",
            n + 1
        ),
        "remove that line from the project's rules, then run init again",
    )
}

/// Fails when a rule of the `.dockerignore` text leaves out a file the
/// build reads (a manifest, a lockfile): the build could not succeed.
pub fn check_reads(name: &str, text: &str, reads: &[String]) -> Result<()> {
    let ignore = Ignore::parse(text);
    let mut folders = std::collections::HashMap::new();
    let left_out: Vec<String> = reads
        .iter()
        .filter_map(|path| {
            ignore
                .excluded_by_any(path, &mut folders)
                .map(|rule| format!("`{rule}` leaves out {path}"))
        })
        .collect();
    if left_out.is_empty() {
        return Ok(());
    }
    Err(fail(
        format!(
            "{name} would leave out of the build context files the build reads: {}",
            left_out.join("; ")
        ),
        format!(
            "narrow that rule (the project's own rules are at the top of {name}, and `exclude` in the configuration adds others), or re-admit the file with a `!` rule after it; nothing was written"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dockerignore"), text).unwrap();
        project_rules(dir.path(), ".dockerignore").unwrap()
    }

    #[test]
    fn a_file_of_the_projects_own_is_kept_whole() {
        assert_eq!(
            rules("\u{feff}\n# ours\r\nnode_modules/  \n\n\n*.log\n\n"),
            ["# ours", "node_modules/", "", "*.log"]
        );
        assert!(rules("").is_empty());
    }

    #[test]
    fn a_generated_file_keeps_what_is_between_the_lines() {
        let body = format!("# header\n{START}\nnotes/\n!notes/keep.md\n{END}\n\ntarget/\n");
        let text = crate::write::stamp(&body, "x");
        assert_eq!(rules(&text), ["notes/", "!notes/keep.md"]);
        // Edited between the lines: the edit is what is kept.
        let edited = text.replace("notes/\n", "drafts/\n");
        assert_eq!(rules(&edited), ["drafts/", "!notes/keep.md"]);
        // Without the lines, a generated file has no rules of the project's.
        assert!(rules(&crate::write::stamp("target/\n", "x")).is_empty());
    }

    #[test]
    fn the_tools_own_lines_are_refused_in_the_projects() {
        // An inputs line that is not the last is not the tool's stamp.
        for line in [START, END, "# cargo-distroless inputs: 0123\nmore/"] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join(".dockerignore"),
                format!("notes/\n{line}\n"),
            )
            .unwrap();
            let err = project_rules(dir.path(), ".dockerignore").unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(".dockerignore line 2"), "{msg}");
        }
    }

    #[test]
    fn a_marker_among_the_kept_rules_is_refused_not_dropped() {
        for extra in [START, END, "# cargo-distroless fingerprint: 0"] {
            let text = crate::write::stamp(
                format!("{START}\nnotes/\n{extra}\nmore/\n{END}\ntarget/\n"),
                "x",
            );
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(".dockerignore"), text).unwrap();
            let err = project_rules(dir.path(), ".dockerignore").unwrap_err();
            let msg = crate::error::format(&err);
            assert!(msg.contains("line 3") || msg.contains("line 5"), "{msg}");
        }
        // The tool's file with its stamp removed is still read as the tool's.
        let text = format!("{START}\nnotes/\n{END}\ntarget/\n");
        assert_eq!(rules(&text), ["notes/"]);
    }

    #[test]
    fn a_lost_end_line_is_an_error_not_a_loss() {
        let text = crate::write::stamp(format!("{START}\nnotes/\n"), "x");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dockerignore"), text).unwrap();
        let err = project_rules(dir.path(), ".dockerignore").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("line 1") && msg.contains(END), "{msg}");
    }

    #[test]
    fn a_rule_that_hides_a_read_file_is_named() {
        let reads = ["Cargo.toml".to_string(), "Cargo.lock".to_string()];
        assert!(check_reads(".dockerignore", "target/\n", &reads).is_ok());
        let err = check_reads(".dockerignore", "*\n!Cargo.toml\n", &reads).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("`*` leaves out Cargo.lock"), "{msg}");
        assert!(!msg.contains("Cargo.toml"), "{msg}");
        assert!(check_reads(".dockerignore", "*\n!Cargo.*\n", &reads).is_ok());
    }
}
