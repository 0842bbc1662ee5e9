//! Why a generated file is stale. Each file records, beside its inputs
//! digest, a short digest of each facet of the plan it was rendered from
//! (the images, the builder, the packages, the build, each setting…);
//! `check` compares them with the plan of now and names the facets that
//! changed. The digests come from the render context, never from the
//! rendered text, so the reasons stay right whatever the templates make of
//! it. Stage names, which are Dockerfile syntax rather than template text,
//! name the images that came or went.

use crate::context::Context;
use crate::layout::GeneratedFile;
use crate::render::digest;

/// The facets of a plan: a short digest per key, in the order of [`KEYS`].
/// Sixteen bits each: a collision could only hide a reason, never a change,
/// since `check` always compares the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facets(Vec<String>);

/// The facet keys, in the order they are recorded.
const KEYS: &[&str] = &[
    "images",
    "builder",
    "runtime",
    "packages",
    "build",
    "port",
    "env",
    "include",
    "args",
    "labels",
    "ignore",
    "templates",
    "health",
];

impl Facets {
    /// The facets of a context rendered with these templates; `build` is
    /// the build facet's digest, which the ecosystem computes.
    pub fn of(ctx: &Context, build: &str, templates: &[(&str, &str)]) -> Facets {
        let images = &ctx.binaries;
        let values = [
            digest::short(
                &images
                    .iter()
                    .map(|b| {
                        (
                            &b.name,
                            &b.stage,
                            &b.package,
                            &b.path,
                            &b.entrypoint,
                            b.default,
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            digest::short(&ctx.builder.image),
            digest::short(&ctx.runtime),
            digest::short(&ctx.builder.packages),
            build.to_string(),
            digest::short(&images.iter().map(|b| &b.ports).collect::<Vec<_>>()),
            digest::short(&images.iter().map(|b| &b.env).collect::<Vec<_>>()),
            digest::short(&(
                images.iter().map(|b| &b.include).collect::<Vec<_>>(),
                &ctx.dockerignore_keep,
            )),
            digest::short(&images.iter().map(|b| &b.args).collect::<Vec<_>>()),
            digest::short(
                &images
                    .iter()
                    .map(|b| (&b.labels, &b.tags, &b.version))
                    .collect::<Vec<_>>(),
            ),
            digest::short(&(&ctx.dockerignore_project, &ctx.dockerignore)),
            digest::short(&(env!("CARGO_PKG_VERSION"), templates)),
            digest::short(
                &images
                    .iter()
                    .map(|b| (&b.healthcheck, &b.init, &b.stop_signal, &b.depends_on))
                    .collect::<Vec<_>>(),
            ),
        ];
        Facets(values.into())
    }

    /// As recorded after the inputs digest: `bff7.448e.…`.
    pub fn to_line(&self) -> String {
        self.0.join(".")
    }

    /// Reads what a file records on its inputs line (`<digest>/<facets>`);
    /// `None` when it records no facets of this release's kind.
    pub fn parse(recorded: &str) -> Option<Facets> {
        let (_, facets) = recorded.trim().split_once('/')?;
        let values: Vec<String> = facets.split('.').map(String::from).collect();
        let valid = values.len() == KEYS.len()
            && values
                .iter()
                .all(|v| v.len() == 4 && v.chars().all(|c| c.is_ascii_hexdigit()));
        valid.then_some(Facets(values))
    }

    /// The keys whose digests differ.
    fn changed(&self, now: &Facets) -> Vec<&'static str> {
        KEYS.iter()
            .zip(self.0.iter().zip(&now.0))
            .filter(|(_, (a, b))| a != b)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The facets that shape each file.
fn relevant(file: GeneratedFile, key: &str) -> bool {
    match file {
        GeneratedFile::Dockerfile => key != "ignore",
        GeneratedFile::Dockerignore => matches!(key, "ignore" | "include" | "templates"),
        GeneratedFile::Bake => matches!(key, "images" | "labels" | "templates"),
        GeneratedFile::Compose => {
            matches!(key, "images" | "labels" | "port" | "health" | "templates")
        }
    }
}

/// What `check` knows about the plan of now.
pub struct Now<'a> {
    pub context: &'a Context,
    pub facets: &'a Facets,
    /// The build in a line, from the ecosystem's typed plan.
    pub build_summary: &'a str,
}

/// Reasons a file on disk differs from the one that would be written.
/// `recorded` is what the file on disk records after its inputs digest.
pub fn reasons(
    file: GeneratedFile,
    old: &str,
    new: &str,
    recorded: Option<&str>,
    now: &Now,
) -> Vec<String> {
    let ctx = now.context;
    let mut reasons = Vec::new();
    let Some(then) = recorded.and_then(Facets::parse) else {
        reasons.extend(generic(file, old, new));
        if reasons.is_empty() {
            reasons.push(
                "it records no plan to compare with: another release of cargo-distroless wrote it"
                    .to_string(),
            );
        }
        return reasons;
    };
    let changed = then.changed(now.facets);
    // A digest over every image changes when an image comes or goes; a
    // setting changed only if an image that stayed differs.
    let images_changed = changed.contains(&"images");
    let differing = match file {
        GeneratedFile::Dockerfile => stages_that_differ(old, new),
        _ => Vec::new(),
    };
    for key in changed {
        if !relevant(file, key) {
            continue;
        }
        let per_image = matches!(
            key,
            "port" | "env" | "include" | "args" | "labels" | "health"
        );
        if per_image && images_changed && differing.is_empty() {
            continue;
        }
        match key {
            "images" => {
                let named = match file {
                    GeneratedFile::Dockerfile => stage_changes(old, new),
                    _ => Vec::new(),
                };
                if named.is_empty() {
                    reasons.push(format!(
                        "the images changed: now {}",
                        list(ctx.binaries.iter().map(|b| b.stage.as_str()))
                    ));
                }
                reasons.extend(named);
            }
            "builder" => reasons.push(format!("the builder image is now {}", ctx.builder.image)),
            "runtime" => reasons.push(format!("the runtime image is now {}", ctx.runtime.image)),
            "packages" if ctx.builder.packages.is_empty() => {
                reasons.push("the builder installs no Debian packages now".into())
            }
            "packages" => reasons.push(format!(
                "the builder's Debian packages are now {}",
                list(ctx.builder.packages.iter().map(|p| p.name.as_str()))
            )),
            "build" => reasons.push(format!("the build changed: {}", now.build_summary)),
            "health" => reasons.push(
                "the `healthcheck`, `init` or `depends-on` setting changed, or the stop signal"
                    .into(),
            ),
            "labels" => reasons.push(
                "the package metadata changed (name, version, description, license or repository)"
                    .into(),
            ),
            _ if per_image && !differing.is_empty() => reasons.push(format!(
                "the `{key}` setting changed (in {})",
                list(differing.iter().map(String::as_str))
            )),
            _ if per_image => reasons.push(format!("the `{key}` setting changed")),
            "ignore" => reasons.extend(ignore_changes(old, new)),
            _ => reasons.push(
                "the templates changed (an override in .distroless/templates/, or another release of cargo-distroless)"
                    .into(),
            ),
        }
    }
    if reasons.is_empty() {
        reasons.push(
            "its text is not what its recorded inputs render: it was changed after it was generated (its fingerprint rewritten to match), or another release wrote it"
                .into(),
        );
    }
    reasons
}

/// Reasons read from the texts alone, for files that record no facets.
fn generic(file: GeneratedFile, old: &str, new: &str) -> Vec<String> {
    match file {
        GeneratedFile::Dockerfile => stage_changes(old, new),
        GeneratedFile::Dockerignore => ignore_changes(old, new),
        GeneratedFile::Bake | GeneratedFile::Compose => Vec::new(),
    }
}

/// At most eight names, then how many more.
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    match names.len().saturating_sub(8) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The stage names of a Dockerfile, in order: the `AS` of each `FROM`.
fn stage_names(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if !words.next()?.eq_ignore_ascii_case("FROM") {
                return None;
            }
            let words: Vec<&str> = words.collect();
            let at = words.iter().position(|w| w.eq_ignore_ascii_case("AS"))?;
            words.get(at + 1).map(|n| n.to_string())
        })
        .collect()
}

/// Each stage's name and its instructions, comments and blank lines left out.
fn stages(text: &str) -> Vec<(String, Vec<&str>)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match stage_names(line).pop() {
            Some(name) => out.push((name, Vec::new())),
            None => {
                if let Some((_, body)) = out.last_mut() {
                    body.push(line);
                }
            }
        }
    }
    out
}

/// The image stages: those no other stage copies from (the builder and
/// the dependency plan are copied from).
fn image_stages(text: &str) -> Vec<String> {
    let used: Vec<&str> = text
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("--from="))
        .collect();
    stage_names(text)
        .into_iter()
        .filter(|n| !used.contains(&n.as_str()))
        .collect()
}

/// The image stages in both texts whose instructions differ.
fn stages_that_differ(old: &str, new: &str) -> Vec<String> {
    let images = image_stages(new);
    let old = stages(old);
    stages(new)
        .into_iter()
        .filter(|(name, _)| images.contains(name))
        .filter(|(name, body)| old.iter().any(|(n, b)| n == name && b != body))
        .map(|(name, _)| name)
        .collect()
}

/// Images that came, went, or became the default.
fn stage_changes(old: &str, new: &str) -> Vec<String> {
    let (old, new) = (image_stages(old), image_stages(new));
    let mut reasons = Vec::new();
    for s in new.iter().filter(|s| !old.contains(s)) {
        reasons.push(format!("a new image: `{s}`"));
    }
    for s in old.iter().filter(|s| !new.contains(s)) {
        reasons.push(format!("`{s}` is no longer built"));
    }
    if reasons.is_empty() && old.last() != new.last() {
        if let (Some(n), Some(o)) = (new.last(), old.last()) {
            reasons.push(format!("the default image is now `{n}` (was `{o}`)"));
        }
    }
    reasons
}

/// Rules added to or dropped from a .dockerignore.
fn ignore_changes(old: &str, new: &str) -> Vec<String> {
    let rules = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    let (old, new) = (rules(old), rules(new));
    let added: Vec<&str> = new
        .iter()
        .filter(|r| !old.contains(r))
        .map(String::as_str)
        .collect();
    let dropped: Vec<&str> = old
        .iter()
        .filter(|r| !new.contains(r))
        .map(String::as_str)
        .collect();
    let mut reasons = Vec::new();
    if !added.is_empty() {
        reasons.push(format!("new rules: {}", added.join(" ")));
    }
    if !dropped.is_empty() {
        reasons.push(format!("rules dropped: {}", dropped.join(" ")));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# header\nFROM rust:1.94-slim-trixie AS builder\nRUN cargo build\nFROM cc AS api\nENTRYPOINT [\"/a\"]\n";

    #[test]
    fn stage_names_skip_comments_and_read_as() {
        assert_eq!(stage_names(OLD), ["builder", "api"]);
        assert_eq!(stage_names("from x as Y\nFROM z\n"), ["Y"]);
    }

    #[test]
    fn images_that_came_went_or_became_default() {
        let new = "FROM r AS builder\nFROM cc AS worker\nFROM cc AS api\n";
        assert_eq!(stage_changes(OLD, new), ["a new image: `worker`"]);
        assert_eq!(stage_changes(new, OLD), ["`worker` is no longer built"]);
        let swapped = "FROM r AS builder\nFROM cc AS api\nFROM cc AS worker\n";
        assert_eq!(
            stage_changes(new, swapped),
            ["the default image is now `worker` (was `api`)"]
        );
    }

    #[test]
    fn stages_whose_instructions_differ() {
        let new = OLD.replace("ENTRYPOINT [\"/a\"]", "EXPOSE 80\nENTRYPOINT [\"/a\"]");
        assert_eq!(stages_that_differ(OLD, &new), ["api"]);
        assert!(stages_that_differ(OLD, &OLD.replace("# header", "# other")).is_empty());
    }

    #[test]
    fn dockerignore_rule_changes() {
        assert_eq!(
            ignore_changes("target/\n.git/\n", "target/\n!static\n"),
            ["new rules: !static", "rules dropped: .git/"]
        );
    }

    #[test]
    fn facets_round_trip_and_name_what_changed() {
        let values = |env: &str| -> Vec<String> {
            KEYS.iter()
                .map(|k| {
                    if *k == "env" {
                        env.to_string()
                    } else {
                        "0001".into()
                    }
                })
                .collect()
        };
        let f = Facets(values("0002"));
        let line = format!("0123456789abcdef/{}", f.to_line());
        assert_eq!(Facets::parse(&line), Some(f.clone()));
        assert_eq!(
            Facets::parse("0123456789abcdef"),
            None,
            "an older release's line"
        );
        assert_eq!(
            Facets::parse("0123456789abcdef/0001.0002"),
            None,
            "another release's keys"
        );
        assert_eq!(f.changed(&Facets(values("0003"))), ["env"]);
        assert!(f.changed(&f).is_empty());
    }

    #[test]
    fn long_lists_are_cut() {
        let names: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
        assert_eq!(
            list(names.iter().map(String::as_str)),
            "`s0`, `s1`, `s2`, `s3`, `s4`, `s5`, `s6`, `s7` and 2 more"
        );
    }
}
