//! Why a generated file is stale: compare the Dockerfile on disk with the one
//! that would be written, stage by stage, and name the input that changed.
//! Read from the files themselves, so generated files carry no extra state.

/// One stage of a Dockerfile: `FROM <from> AS <name>` and its instructions,
/// continuation lines joined, comments dropped.
#[derive(Debug, PartialEq)]
struct Stage {
    name: String,
    from: String,
    instructions: Vec<String>,
}

fn stages(text: &str) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head.trim());
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let instruction = std::mem::take(&mut pending);
        let mut words = instruction.split_whitespace();
        if words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            let from = words.next().unwrap_or_default().to_string();
            let name = match (words.next(), words.next()) {
                (Some(kw), Some(n)) if kw.eq_ignore_ascii_case("AS") => n.to_string(),
                _ => out.len().to_string(),
            };
            out.push(Stage {
                name,
                from,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = out.last_mut() {
            stage.instructions.push(instruction);
        }
    }
    out
}

fn keyword(instruction: &str) -> String {
    instruction
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// Words following `flag` in a command line: `--package a --package b` → [a, b].
fn flag_values<'a>(line: &'a str, flag: &str) -> Vec<&'a str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1])
        .collect()
}

fn added_removed<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let added = new.iter().filter(|x| !old.contains(x)).copied().collect();
    let removed = old.iter().filter(|x| !new.contains(x)).copied().collect();
    (added, removed)
}

/// The config key (or input) behind an instruction of a final stage.
fn input_of(keyword: &str, instruction: &str) -> &'static str {
    match keyword {
        "ENV" => "the `env` setting",
        "EXPOSE" => "the `port` setting",
        "CMD" => "the `args` setting",
        "COPY" if instruction.contains("--from=") => "the binary's path",
        "COPY" => "the `include` setting",
        "LABEL" => "the package metadata (version, description, license, repository)",
        _ => "the template",
    }
}

/// Reasons the Dockerfile on disk differs from the generated one.
pub fn dockerfile_reasons(old: &str, new: &str) -> Vec<String> {
    let (old, new) = (stages(old), stages(new));
    let mut reasons = Vec::new();
    let (Some((old_builder, old_finals)), Some((new_builder, new_finals))) =
        (old.split_first(), new.split_first())
    else {
        return reasons;
    };

    let names = |s: &[Stage]| s.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let (old_names, new_names) = (names(old_finals), names(new_finals));
    let old_refs: Vec<&str> = old_names.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new_names.iter().map(String::as_str).collect();
    let (added, removed) = added_removed(&old_refs, &new_refs);
    for b in &added {
        reasons.push(format!("a new binary to package: `{b}`"));
    }
    for b in &removed {
        reasons.push(format!("binary `{b}` is no longer packaged"));
    }
    if added.is_empty() && removed.is_empty() && old_names.last() != new_names.last() {
        reasons.push(format!(
            "the default image is now `{}` (was `{}`)",
            new_names.last().map_or("", String::as_str),
            old_names.last().map_or("", String::as_str)
        ));
    }

    if old_builder.from != new_builder.from {
        reasons.push(format!(
            "the builder image is now {} (was {})",
            new_builder.from, old_builder.from
        ));
    }
    let run_with = |s: &Stage, needle: &str| {
        s.instructions
            .iter()
            .find(|i| keyword(i) == "RUN" && i.contains(needle))
            .cloned()
            .unwrap_or_default()
    };
    let apt = |s: &Stage| -> Vec<String> {
        let line = run_with(s, "apt-get install");
        line.split_once("--no-install-recommends")
            .map(|(_, pkgs)| pkgs.split_whitespace().map(String::from).collect())
            .unwrap_or_default()
    };
    let (old_apt, new_apt) = (apt(old_builder), apt(new_builder));
    if old_apt != new_apt {
        let o: Vec<&str> = old_apt.iter().map(String::as_str).collect();
        let n: Vec<&str> = new_apt.iter().map(String::as_str).collect();
        let (added, removed) = added_removed(&o, &n);
        let mut what = Vec::new();
        if !added.is_empty() {
            what.push(format!(
                "now installs {} (a dependency needs it)",
                added.join(" ")
            ));
        }
        if !removed.is_empty() {
            what.push(format!("no longer installs {}", removed.join(" ")));
        }
        reasons.push(format!(
            "the builder's system packages changed: it {}",
            what.join(", and ")
        ));
    }
    let run = |s: &Stage| run_with(s, "cargo build");
    let (old_run, new_run) = (run(old_builder), run(new_builder));
    if old_run != new_run {
        let before = reasons.len();
        let (added, removed) = added_removed(
            &flag_values(&old_run, "--package"),
            &flag_values(&new_run, "--package"),
        );
        for p in added {
            reasons.push(format!(
                "workspace member `{p}` now has a binary to package"
            ));
        }
        for p in removed {
            reasons.push(format!(
                "workspace member `{p}` has no packaged binary any more"
            ));
        }
        match (old_run.contains(" --locked"), new_run.contains(" --locked")) {
            (false, true) => reasons.push("Cargo.lock now exists, so the build is --locked".into()),
            (true, false) => {
                reasons.push("Cargo.lock is gone, so the build is no longer --locked".into())
            }
            _ => {}
        }
        if flag_values(&old_run, "--features") != flag_values(&new_run, "--features") {
            reasons.push("the features enabled for the build changed".into());
        }
        if reasons.len() == before
            && added_removed(
                &flag_values(&old_run, "--bin"),
                &flag_values(&new_run, "--bin"),
            ) == (vec![], vec![])
        {
            reasons.push("the build command changed".into());
        }
    }

    for new_stage in new_finals {
        let Some(old_stage) = old_finals.iter().find(|s| s.name == new_stage.name) else {
            continue;
        };
        if old_stage.from != new_stage.from {
            reasons.push(format!(
                "`{}` now runs on {} (was {})",
                new_stage.name, new_stage.from, old_stage.from
            ));
        }
        let mut inputs: Vec<&str> = Vec::new();
        let all = old_stage.instructions.iter().chain(&new_stage.instructions);
        for i in all {
            let in_old = old_stage.instructions.contains(i);
            let in_new = new_stage.instructions.contains(i);
            if in_old != in_new {
                let input = input_of(&keyword(i), i);
                if !inputs.contains(&input) {
                    inputs.push(input);
                }
            }
        }
        for input in inputs {
            reasons.push(format!("`{}`: {input} changed", new_stage.name));
        }
    }
    reasons
}

/// Reasons the .dockerignore on disk differs from the generated one.
pub fn dockerignore_reasons(old: &str, new: &str) -> Vec<String> {
    let rules = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    let (old, new) = (rules(old), rules(new));
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let (added, removed) = added_removed(&old_refs, &new_refs);
    let mut reasons = Vec::new();
    if !added.is_empty() {
        reasons.push(format!("new rules: {}", added.join(" ")));
    }
    if !removed.is_empty() {
        reasons.push(format!("rules dropped: {}", removed.join(" ")));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# header\nFROM rust:1.94-slim-trixie AS builder\nRUN cargo build --release \\\n    --package api --bin api\nFROM cc AS api\nENV A=\"1\"\nENTRYPOINT [\"/a\"]\n";

    #[test]
    fn stages_join_continuations_and_skip_comments() {
        let s = stages(OLD);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].instructions,
            ["RUN cargo build --release --package api --bin api"]
        );
        assert_eq!(s[1].name, "api");
    }

    #[test]
    fn names_each_kind_of_change() {
        let new = "FROM rust:1.95-slim-trixie AS builder\nRUN cargo build --release --locked --package api --package worker --bin api --bin worker\nFROM cc AS worker\nENTRYPOINT [\"/w\"]\nFROM cc AS api\nENV A=\"2\"\nEXPOSE 80\nENTRYPOINT [\"/a\"]\n";
        let r = dockerfile_reasons(OLD, new);
        let text = r.join("\n");
        for want in [
            "a new binary to package: `worker`",
            "the builder image is now rust:1.95-slim-trixie (was rust:1.94-slim-trixie)",
            "workspace member `worker` now has a binary to package",
            "Cargo.lock now exists",
            "`api`: the `env` setting changed",
            "`api`: the `port` setting changed",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn names_new_system_packages() {
        let new = OLD.replace(
            "AS builder\n",
            "AS builder\nRUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev pkg-config\n",
        );
        let r = dockerfile_reasons(OLD, &new);
        assert_eq!(
            r,
            [
                "the builder's system packages changed: it now installs libsqlite3-dev pkg-config (a dependency needs it)"
            ]
        );
    }

    #[test]
    fn comment_only_change_has_no_named_input() {
        assert!(dockerfile_reasons(OLD, &OLD.replace("# header", "# other")).is_empty());
    }

    #[test]
    fn dockerignore_rule_changes() {
        let r = dockerignore_reasons("target/\n.git/\n", "target/\n!static\n");
        assert_eq!(r, ["new rules: !static", "rules dropped: .git/"]);
    }
}
