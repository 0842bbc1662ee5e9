//! What every ecosystem's planner shares: names, labels, tags, the base
//! `.dockerignore`, the runtime's part of the context, and the builder's
//! Debian packages with the typed reasons behind each.

use anyhow::Result;

use crate::context::{
    AptPackage, Binary, DependsOn, EnvVar, Healthcheck, IgnoreSection, Init, Label, Runtime,
};
use crate::error::fail;
use crate::grammar;
use crate::images::{self, NONROOT_UID, Variant};
use crate::layout::APP_DIR;
use crate::layout::{INIT, INIT_FROM};
use crate::settings::{Health, Settings};

/// A plan: the render context, with what the run should tell the user.
#[derive(Debug)]
pub struct Planned {
    pub context: crate::context::Context,
    pub warnings: Vec<String>,
    /// What was detected and why each image, package and library was chosen
    /// (`--explain`), written from the typed decisions.
    pub explanation: Vec<String>,
    /// The build as `check` compares and names it.
    pub build: BuildFacet,
    /// Files the build reads from the context (manifests, lockfiles),
    /// relative to the root: no `.dockerignore` rule may leave one out.
    pub reads: Vec<String>,
    /// Where the base images come from: `mirror` and `pin`.
    pub bases: crate::bases::Sourcing,
    /// Where an SBOM finds the application's packages.
    pub inventory: crate::sbom::Inventory,
    /// Where choices given as flags are recorded.
    pub config: ConfigPlace,
}

/// Where a project's configuration lives, for recording choices in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigPlace {
    /// The file, relative to the project's root.
    pub file: String,
    /// The table's path in it; empty for the whole file.
    pub table: Vec<&'static str>,
    /// Whether the tool can edit it (TOML); else the user adds the keys.
    pub editable: bool,
}

impl std::fmt::Display for ConfigPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.table.is_empty() {
            f.write_str(&self.file)
        } else if self.editable {
            write!(f, "[{}] of {}", self.table.join("."), self.file)
        } else {
            write!(f, "\"{}\" of {}", self.table.join("."), self.file)
        }
    }
}

/// The build, typed by its ecosystem, as `check` sees it.
#[derive(Debug, Clone)]
pub struct BuildFacet {
    /// A short digest of the typed build: it changes when the build does.
    pub digest: String,
    /// The build in a line: what is built, from what, how.
    pub summary: String,
}

/// Why the builder installs a Debian package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// A crate of the native-library table needs it.
    Crate(&'static str),
    /// An `apt` setting lists it; the table and file.
    Setting(String),
    /// The build itself needs it; what for.
    Build(String),
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Need::Crate(c) => f.write_str(c),
            Need::Setting(origin) => write!(f, "`apt` in {origin}"),
            Need::Build(why) => f.write_str(why),
        }
    }
}

/// A version control system whose client an installer runs for the
/// dependencies fetched from it: no builder image has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Vcs {
    Git,
    Mercurial,
    Subversion,
    Bazaar,
}

impl Vcs {
    /// Its client's command.
    pub fn client(self) -> &'static str {
        match self {
            Vcs::Git => "git",
            Vcs::Mercurial => "hg",
            Vcs::Subversion => "svn",
            Vcs::Bazaar => "bzr",
        }
    }

    /// The Debian package with the client, and why the builder installs it.
    pub fn apt_need(self) -> (String, Need) {
        let package = match self {
            Vcs::Git => "git",
            Vcs::Mercurial => "mercurial",
            Vcs::Subversion => "subversion",
            Vcs::Bazaar => "brz",
        };
        let why = format!(
            "`{}`, which clones the dependencies fetched from it",
            self.client()
        );
        (package.to_string(), Need::Build(why))
    }
}

/// A Debian package the builder installs, and every reason for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptNeed {
    pub name: String,
    pub needs: Vec<Need>,
}

/// Gathers (package, reason) pairs into one entry per package, sorted by
/// name, reasons in the order given.
pub fn apt_needs(pairs: impl IntoIterator<Item = (String, Need)>) -> Vec<AptNeed> {
    let mut out: Vec<AptNeed> = Vec::new();
    for (name, need) in pairs {
        match out.iter_mut().find(|p| p.name == name) {
            Some(p) if p.needs.contains(&need) => {}
            Some(p) => p.needs.push(need),
            None => out.push(AptNeed {
                name,
                needs: vec![need],
            }),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The packages as the context lists them: reasons joined for a comment.
pub fn apt_context(needs: &[AptNeed]) -> Vec<AptPackage> {
    needs
        .iter()
        .map(|p| AptPackage {
            name: p.name.clone(),
            reason: p
                .needs
                .iter()
                .map(Need::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

/// The runtime image's part of the context.
pub fn runtime(
    family: &'static images::Runtime,
    distro: &'static images::Distro,
    variant: Variant,
) -> Runtime {
    let image = images::runtime_image(family, distro, variant);
    Runtime {
        from: image.clone(),
        digest: None,
        image,
        family: family.name,
        distro: distro.id,
        user: format!("{NONROOT_UID}:{NONROOT_UID}"),
        workdir: APP_DIR,
        tag: variant.tag(),
        libraries: family.libraries(distro).join(" "),
    }
}

/// The `HEALTHCHECK` for an image: `test` makes the probe command from the
/// port, path and timeout in milliseconds. The port is the setting's, else
/// the image's first.
pub fn healthcheck(
    health: &Health,
    ports: &[u16],
    probe: &str,
    test: impl Fn(u16, &str, u64) -> Vec<String>,
) -> Result<Healthcheck> {
    let Some(port) = health.port.or(ports.first().copied()) else {
        return Err(fail(
            format!(
                "the `healthcheck` in {} has no port to probe: the image exposes none",
                health.origin
            ),
            "set `port` (the port the service listens on), or `port` in the healthcheck table",
        ));
    };
    let timeout = grammar::duration_ms(&health.timeout).unwrap_or(3000);
    Ok(Healthcheck {
        test: test(port, &health.path, timeout),
        probe: probe.to_string(),
        port,
        path: health.path.clone(),
        interval: health.interval.clone(),
        timeout: health.timeout.clone(),
        start_period: health.start_period.clone(),
        retries: health.retries,
    })
}

/// `--explain` lines about how each image runs: its health check, its init
/// and its stop signal.
pub fn explain_running(images: &[Binary]) -> Vec<String> {
    let mut out = Vec::new();
    for b in images {
        if let Some(h) = &b.healthcheck {
            out.push(format!(
                "health: `{}` is healthy when GET http://127.0.0.1:{}{} answers 2xx or 3xx, asked every {} by {} ({} failures in a row make it unhealthy)",
                b.name, h.port, h.path, h.interval, h.probe, h.retries
            ));
        }
        if let Some(init) = &b.init {
            out.push(format!(
                "init: `{}` runs under {} as PID 1, which forwards signals and reaps zombies",
                b.name, init.path
            ));
        }
        if let Some(signal) = &b.stop_signal {
            out.push(format!(
                "stop: `docker stop` sends {signal} to `{}`",
                b.name
            ));
        }
    }
    out
}

/// The init in front of an entrypoint, when the setting asks for one.
pub fn init(settings: &Settings, entrypoint: &mut Vec<String>) -> Option<Init> {
    settings.init.then(|| {
        entrypoint.splice(0..0, [INIT.to_string(), "--".to_string()]);
        Init {
            from: INIT_FROM,
            path: INIT,
        }
    })
}

/// The builder package that provides the init.
pub fn init_package() -> (String, Need) {
    (
        "tini".to_string(),
        Need::Build("`init = true`: a PID 1 that forwards signals and reaps zombies".into()),
    )
}

/// Turns each image's `depends-on` setting (binary or stage names) into
/// the other images it names, waited on healthy when they have a health
/// check; a name of no other image is refused.
pub fn depends_on(images: &mut [Binary], settings: &[&Settings]) -> Result<()> {
    let known: Vec<(String, String, String, bool)> = images
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                b.stage.clone(),
                b.image.clone(),
                b.healthcheck.is_some(),
            )
        })
        .collect();
    for (b, s) in images.iter_mut().zip(settings) {
        for name in &s.depends_on {
            let other = known
                .iter()
                .find(|(n, stage, _, _)| *stage != b.stage && (n == name || stage == name));
            let Some((_, _, image, healthy)) = other else {
                let others: Vec<&str> = known
                    .iter()
                    .filter(|(_, stage, _, _)| *stage != b.stage)
                    .map(|(n, _, _, _)| n.as_str())
                    .collect();
                return Err(fail(
                    format!(
                        "`depends-on` of `{}` names `{name}`, which is no other image of this project",
                        b.name
                    ),
                    if others.is_empty() {
                        "this project has one image; services of other projects go into compose.yaml by hand".to_string()
                    } else {
                        format!("the other images are: {}", others.join(", "))
                    },
                ));
            };
            if !b.depends_on.iter().any(|d| &d.service == image) {
                b.depends_on.push(DependsOn {
                    service: image.clone(),
                    condition: if *healthy {
                        "service_healthy"
                    } else {
                        "service_started"
                    },
                });
            }
        }
    }
    Ok(())
}

/// The first of `builder`, `builder-1`, … that names no other stage.
pub fn builder_stage(stages: &[String]) -> String {
    free_stage("builder", stages)
}

/// `base`, or `base-1`, `base-2`, … if an image's stage has that name.
pub fn free_stage(base: &str, stages: &[String]) -> String {
    (0..)
        .map(|i| {
            if i == 0 {
                base.to_string()
            } else {
                format!("{base}-{i}")
            }
        })
        .find(|n| !stages.contains(n))
        .unwrap_or_else(|| base.to_string())
}

/// OCI labels: title and version always; description, licenses and source
/// when the project has them, each on one line.
pub fn labels(title: &str, version: Option<&str>, optional: [&Option<String>; 3]) -> Vec<Label> {
    let label = |key: &str, value: String| Label {
        key: format!("org.opencontainers.image.{key}"),
        value,
    };
    let mut labels = vec![label("title", one_line(title))];
    // An unknown version gets no label rather than a made-up one.
    labels.extend(version.map(|v| label("version", one_line(v))));
    for (key, value) in ["description", "licenses", "source"]
        .into_iter()
        .zip(optional)
    {
        if let Some(v) = value.as_deref().map(one_line).filter(|v| !v.is_empty()) {
            labels.push(label(key, v));
        }
    }
    labels
}

/// An image's tags: `<name>:<version>` (when the version is known) and
/// `<name>:latest`, the name made from the stage and the version made a
/// valid tag (`+` becomes `-`).
pub fn image_tags(stage: &str, version: Option<&str>) -> Vec<String> {
    let name = grammar::image_repository(stage);
    version
        .map(|v| format!("{name}:{}", grammar::image_tag(v)))
        .into_iter()
        .chain([format!("{name}:latest")])
        .collect()
}

/// Collapses whitespace runs (newlines included) to single spaces and drops
/// other control characters: a label value is one line of text.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Docker stage name for a binary: lowercase letters, digits, `-`, `_`, `.`,
/// starting with a letter, and none of the names BuildKit keeps for itself.
pub fn stage_name(bin: &str) -> String {
    let mut s: String = bin
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase())
        || grammar::RESERVED_STAGES.contains(&s.as_str())
    {
        s.insert_str(0, "bin-");
    }
    s
}

/// The `.dockerignore` rules that follow the `include` re-admissions. An
/// The image's environment: `defaults`, with the `env` setting over them.
pub fn image_env(mut defaults: Vec<EnvVar>, settings: &Settings) -> Vec<EnvVar> {
    for (k, v) in &settings.env {
        defaults.retain(|e| &e.name != k);
        defaults.push(EnvVar::new(k, v));
    }
    defaults
}

/// What `include` re-admits to the build context of an application whose
/// whole filtered source is copied, and the `.dockerignore` section that
/// follows the re-admissions (see [`dockerignore_after_keep`]).
pub fn kept(
    settings: &Settings,
    origin: &str,
    warnings: &mut Vec<String>,
) -> (Vec<String>, Vec<IgnoreSection>) {
    let mut keep: Vec<String> = settings.include.iter().map(|i| i.src.clone()).collect();
    keep.sort();
    let after = dockerignore_after_keep(&keep, origin, warnings);
    (keep, after)
}

/// `!folder` rule re-admits the whole folder under podman's and buildah's
/// classic rules (BuildKit keeps what an earlier rule excluded inside it),
/// so the secret patterns come again after them, and the same file means
/// the same context on every engine. A path `include` names that itself
/// looks like a secret is re-admitted last, with a warning naming the keys.
pub fn dockerignore_after_keep(
    keep: &[String],
    origin: &str,
    warnings: &mut Vec<String>,
) -> Vec<IgnoreSection> {
    if keep.is_empty() {
        return Vec::new();
    }
    let mut sections = vec![IgnoreSection {
        comment: "Secrets stay out inside what `include` admits, on every engine.".to_string(),
        patterns: crate::secrets::PATTERNS
            .iter()
            .map(|p| p.to_string())
            .collect(),
    }];
    let secret: Vec<&String> = keep
        .iter()
        .filter(|k| crate::secrets::excluded_as_secret(k))
        .collect();
    if !secret.is_empty() {
        for k in &secret {
            warnings.push(format!(
                "`include` in {origin} re-admits {k}, which looks like a secret: it goes into the image; if it should not, drop it from `include` (and keep it out with `exclude` or a rule of the project's own .dockerignore)"
            ));
        }
        sections.push(IgnoreSection {
            comment: "Named by `include` although it looks like a secret.".to_string(),
            patterns: secret.iter().map(|k| format!("!{k}")).collect(),
        });
    }
    sections
}

/// The `.dockerignore` rules: the ecosystem's build debris first, then
/// version control, secrets, editor debris and this tool's templates.
pub fn dockerignore(first: (&str, &[&str])) -> Vec<IgnoreSection> {
    let section = |comment: &str, patterns: &[&str]| IgnoreSection {
        comment: comment.to_string(),
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
    };
    vec![
        section(first.0, first.1),
        section(
            "Version control, at any depth.",
            &["**/.git/", "**/.hg/", "**/.svn/"],
        ),
        section(
            "Secrets: keep credentials out of the build context.",
            crate::secrets::PATTERNS,
        ),
        section(
            "Editor and OS debris.",
            &[
                "**/.idea/",
                "**/.vscode/",
                "**/*.swp",
                "**/*.swo",
                "**/*~",
                "**/.DS_Store",
                "**/Thumbs.db",
            ],
        ),
        section(
            "This tool's templates and unfinished writes: not part of the build.",
            &[".distroless/", ".cargo-distroless-*.tmp"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_are_valid() {
        assert_eq!(stage_name("api-server"), "api-server");
        assert_eq!(stage_name("My_App"), "my_app");
        assert_eq!(stage_name("1up"), "bin-1up");
        assert_eq!(stage_name("scratch"), "bin-scratch");
        assert_eq!(stage_name("context"), "bin-context");
    }

    #[test]
    fn tags_and_labels_are_valid_whatever_the_metadata() {
        assert_eq!(
            image_tags("_worker_", Some("1.0.0+build.5")),
            ["worker:1.0.0-build.5", "worker:latest"]
        );
        assert_eq!(image_tags("api", None), ["api:latest"]);
        assert_eq!(labels("api", None, [&None, &None, &None]).len(), 1);
        let labels = labels(
            "a\u{7}b",
            Some("1.0"),
            [&Some("two\nlines\r\u{1b}[31m red".into()), &None, &None],
        );
        assert_eq!(labels[0].value, "ab");
        assert_eq!(labels[2].value, "two lines [31m red");
    }

    #[test]
    fn builder_stage_avoids_image_names() {
        assert_eq!(builder_stage(&["api".into()]), "builder");
        assert_eq!(
            builder_stage(&["builder".into(), "builder-1".into()]),
            "builder-2"
        );
    }

    #[test]
    fn apt_needs_merge_by_package_and_keep_every_reason() {
        let needs = apt_needs([
            ("pkg-config".to_string(), Need::Crate("openssl-sys")),
            ("libssl-dev".to_string(), Need::Crate("openssl-sys")),
            ("pkg-config".to_string(), Need::Crate("libsqlite3-sys")),
            ("pkg-config".to_string(), Need::Crate("openssl-sys")),
            (
                "clang".to_string(),
                Need::Setting("[t] of Cargo.toml".into()),
            ),
        ]);
        let ctx = apt_context(&needs);
        let pairs: Vec<(&str, &str)> = ctx
            .iter()
            .map(|p| (p.name.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("clang", "`apt` in [t] of Cargo.toml"),
                ("libssl-dev", "openssl-sys"),
                ("pkg-config", "openssl-sys, libsqlite3-sys"),
            ]
        );
    }
}
