//! The CPython a Python image runs on, as data, and the choice of one.
//! Debian's own 3.13 runs on the distroless `python3` family, built on the
//! same release's slim Debian; any other supported CPython comes from the
//! official `python:3.X-slim-<codename>` builder and runs on `cc` of the same
//! release (same glibc), its interpreter and standard library copied over.

use anyhow::Result;

use super::pins::{PinKind, PythonPin};
use crate::error::fail;
use crate::images::{self, Distro, Runtime};

/// The distroless family that carries Debian's CPython.
const FAMILY: &str = "python3";

/// The family any other CPython runs on, with the interpreter copied in.
const OFFICIAL_FAMILY: &str = "cc";

/// Debian's CPython on each release that has a `python3` image.
const DEBIAN: &[(&str, &str)] = &[("debian13", "3.13.5")];

/// The CPython minors the official images carry and the tool supports,
/// newest first.
pub const SUPPORTED: &[&str] = &["3.14", "3.13", "3.12", "3.11", "3.10"];

/// Parts of the official image's standard library the image leaves out:
/// the installer, the IDE, Tk, demos, the 2to3 tool, the test suite, the
/// embedding headers and the image's own site-packages.
const LEFT_OUT: &[&str] = &[
    "ensurepip",
    "idlelib",
    "tkinter",
    "turtledemo",
    "lib2to3",
    "test",
    "site-packages",
    "config-*",
];

/// Where an interpreter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Debian's, which the `python3` image carries.
    Debian,
    /// The official image's, copied to `cc`.
    Official,
}

/// The interpreter an image gets: its runtime and CPython version.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub source: Source,
    pub distro: &'static Distro,
    pub family: &'static Runtime,
    /// `3.13.5` (Debian's), or the minor (`3.11`) the official tag follows.
    pub version: String,
    /// Why this one, for `--explain`.
    pub why: String,
}

impl Interpreter {
    /// Debian's CPython on the default release.
    pub fn debian(why: impl Into<String>) -> Interpreter {
        let distro = images::default_distro();
        let version = DEBIAN
            .iter()
            .find(|(id, _)| *id == distro.id)
            .map_or("", |(_, v)| v);
        Interpreter {
            source: Source::Debian,
            distro,
            family: images::runtime(FAMILY).unwrap_or(&images::RUNTIMES[0]),
            version: version.to_string(),
            why: why.into(),
        }
    }

    /// The official image's CPython `minor`, on `cc`.
    pub fn official(minor: &str, why: impl Into<String>) -> Interpreter {
        Interpreter {
            source: Source::Official,
            distro: images::default_distro(),
            family: images::runtime(OFFICIAL_FAMILY).unwrap_or(&images::RUNTIMES[0]),
            version: minor.to_string(),
            why: why.into(),
        }
    }

    /// The image the virtual environment is built in.
    pub fn builder(&self) -> String {
        match self.source {
            Source::Debian => format!(
                "debian:{}-slim",
                self.distro.id.trim_start_matches("debian")
            ),
            Source::Official => format!("python:{}-slim-{}", self.version, self.distro.codename),
        }
    }

    /// The interpreter's command in the builder.
    pub fn command(&self) -> String {
        match self.source {
            Source::Debian => "python3".into(),
            Source::Official => format!("python{}", self.minor()),
        }
    }

    /// `3.13` of `3.13.5`.
    pub fn minor(&self) -> &str {
        super::specifiers::major_minor(&self.version)
    }

    /// Whether a pin admits this interpreter. An official tag follows the
    /// newest patch of its minor, so a release pin is read by its minor
    /// and a specifier must admit some patch of it.
    pub fn admits(&self, pin: &PythonPin) -> bool {
        match (self.source, pin.kind) {
            (Source::Debian, _) => pin.allows(&self.version),
            (Source::Official, PinKind::Specifier(_)) => {
                pin.allows(&format!("{}.0", self.version))
                    || pin.allows(&format!("{}.99", self.version))
            }
            (Source::Official, _) => {
                super::specifiers::major_minor(pin.requirement.trim_start_matches("cpython-"))
                    == self.version
            }
        }
    }

    /// What the image copies of an official interpreter, or `None` for
    /// Debian's, which the runtime carries.
    pub fn copied(&self) -> Option<super::section::CopiedPython> {
        (self.source == Source::Official).then(|| {
            let minor = self.minor();
            super::section::CopiedPython {
                binary: format!("/usr/local/bin/python{minor}"),
                stdlib: format!("/usr/local/lib/python{minor}"),
                left_out: LEFT_OUT.iter().map(|s| s.to_string()).collect(),
            }
        })
    }
}

/// Chooses the interpreter: the `python-version` key (over the project's
/// files); else a `.python-version`; else Debian's 3.13 when every pin
/// admits it; else the newest supported CPython that every pin admits.
/// `runtime = "cc"` takes 3.13 from the official image too.
pub fn choose(
    pins: &[PythonPin],
    key: Option<&str>,
    runtime_cc: bool,
    origin: &str,
) -> Result<Interpreter> {
    let pick = |minor: &str, why: String| {
        if minor == "3.13" && !runtime_cc {
            Interpreter::debian(why)
        } else {
            Interpreter::official(minor, why)
        }
    };
    let supported = || {
        SUPPORTED
            .iter()
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(v) = key {
        let minor = super::specifiers::major_minor(v.trim());
        if !SUPPORTED.contains(&minor) || minor != v.trim() {
            return Err(fail(
                format!(
                    "invalid `python-version` {v:?} in {origin}: it is a CPython minor the tool supports"
                ),
                format!(
                    "write one of {} (e.g. python-version = \"3.12\")",
                    supported()
                ),
            ));
        }
        return Ok(pick(minor, format!("`python-version` in {origin}")));
    }
    if let Some(pin) = pins.iter().find(|p| p.kind == PinKind::Development) {
        let minor = super::specifiers::major_minor(pin.requirement.trim_start_matches("cpython-"));
        if let Some(m) = SUPPORTED.iter().find(|s| **s == minor) {
            return Ok(pick(m, format!("{} `{}`", pin.source, pin.requirement)));
        }
    }
    let metadata: Vec<&PythonPin> = pins
        .iter()
        .filter(|p| p.kind != PinKind::Development)
        .collect();
    let debian = Interpreter::debian("");
    if !runtime_cc && metadata.iter().all(|p| debian.admits(p)) {
        let why = if metadata.is_empty() {
            "no version asked for: Debian's own, which python3-debian13 carries".to_string()
        } else {
            "every pin admits Debian's own, which python3-debian13 carries".to_string()
        };
        return Ok(Interpreter::debian(why));
    }
    for minor in SUPPORTED {
        let candidate = Interpreter::official(minor, "");
        if metadata.iter().all(|p| candidate.admits(p)) {
            let pinned: Vec<String> = metadata
                .iter()
                .map(|p| format!("{} `{}`", p.source, p.requirement))
                .collect();
            let why = if pinned.is_empty() {
                "runtime = \"cc\"".to_string()
            } else {
                format!(
                    "the newest supported CPython that {} admits",
                    pinned.join(" and ")
                )
            };
            return Ok(pick(minor, why));
        }
    }
    let pinned: Vec<String> = pins
        .iter()
        .map(|p| format!("{} `{}`", p.source, p.requirement))
        .collect();
    Err(fail(
        format!(
            "{} admits no CPython the tool supports ({})",
            pinned.join(" and "),
            supported()
        ),
        format!("allow one of them, or set `python-version` in {origin}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(source: &str, requirement: &str, kind: PinKind) -> PythonPin {
        PythonPin::new(source, requirement, kind).unwrap()
    }

    #[test]
    fn debians_cpython_is_where_the_python3_family_is() {
        let i = Interpreter::debian("");
        assert_eq!((i.family.name, i.version.as_str()), (FAMILY, "3.13.5"));
        assert!(i.family.distros.contains(&i.distro.id));
        assert_eq!(i.builder(), "debian:13-slim");
        assert_eq!(i.copied(), None);
        for d in images::DISTROS {
            let has = DEBIAN.iter().any(|(id, _)| *id == d.id);
            assert_eq!(i.family.distros.contains(&d.id), has, "{}", d.id);
        }
    }

    #[test]
    fn the_choice_follows_key_development_pin_then_metadata() {
        use PinKind::*;
        let choose = |pins: &[PythonPin], key: Option<&str>, cc: bool| {
            choose(pins, key, cc, "[tool.distroless] of pyproject.toml").unwrap()
        };
        let none = choose(&[], None, false);
        assert_eq!(
            (none.source, none.version.as_str()),
            (Source::Debian, "3.13.5")
        );
        let dev = [pin(".python-version", "3.11", Development)];
        let i = choose(&dev, None, false);
        assert_eq!((i.source, i.version.as_str()), (Source::Official, "3.11"));
        assert_eq!(i.builder(), "python:3.11-slim-trixie");
        assert_eq!(i.command(), "python3.11");
        assert_eq!(i.copied().unwrap().stdlib, "/usr/local/lib/python3.11");
        assert_eq!(
            choose(&dev, Some("3.12"), false).version,
            "3.12",
            "the key wins"
        );
        let upper = [pin(
            "requires-python in pyproject.toml",
            ">=3.10,<3.13",
            Specifier(crate::ecosystems::python::specifiers::Grammar::Pep440),
        )];
        assert_eq!(choose(&upper, None, false).version, "3.12");
        let new = [pin(
            "requires-python in pyproject.toml",
            ">=3.14",
            Specifier(crate::ecosystems::python::specifiers::Grammar::Pep440),
        )];
        assert_eq!(choose(&new, None, false).version, "3.14");
        let both = [pin(
            "requires-python in pyproject.toml",
            ">=3.10",
            Specifier(crate::ecosystems::python::specifiers::Grammar::Pep440),
        )];
        assert_eq!(choose(&both, None, false).source, Source::Debian);
        let cc = choose(&both, Some("3.13"), true);
        assert_eq!(
            (cc.source, cc.builder().as_str()),
            (Source::Official, "python:3.13-slim-trixie")
        );
        let release = [pin(
            "[requires] python_full_version in Pipfile",
            "3.12.4",
            Release,
        )];
        assert_eq!(choose(&release, None, false).version, "3.12");
    }

    #[test]
    fn unsupported_versions_name_the_supported_ones() {
        let text = |r: Result<Interpreter>| crate::error::format(&r.unwrap_err());
        let old = [pin(
            "requires-python in pyproject.toml",
            "<3.9",
            PinKind::Specifier(crate::ecosystems::python::specifiers::Grammar::Pep440),
        )];
        let t = text(choose(&old, None, false, "x"));
        assert!(
            t.contains("admits no CPython the tool supports (3.10, 3.11, 3.12, 3.13, 3.14)"),
            "{t}"
        );
        for bad in ["3.9", "3.15", "3", "3.12.1", "latest"] {
            let t = text(choose(&[], Some(bad), false, "x"));
            assert!(
                t.contains("invalid `python-version`") && t.contains("3.10, 3.11"),
                "{bad}: {t}"
            );
        }
    }
}
