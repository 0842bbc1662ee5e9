//! The CPython a Python image runs on, as data: Debian's own, which the
//! distroless `python3` family carries, built on the same release's slim
//! Debian image.

use crate::images::{self, Distro, Runtime};

/// The distroless family that carries Debian's CPython.
const FAMILY: &str = "python3";

/// Debian's CPython on each release that has a `python3` image.
const DEBIAN: &[(&str, &str)] = &[("debian13", "3.13.5")];

/// The interpreter an image gets: its runtime and CPython version.
#[derive(Debug, Clone, Copy)]
pub struct Interpreter {
    pub distro: &'static Distro,
    pub family: &'static Runtime,
    /// e.g. `3.13.5`.
    pub version: &'static str,
}

impl Interpreter {
    /// Debian's CPython on the default release.
    pub fn debian() -> Interpreter {
        let distro = images::default_distro();
        let version = DEBIAN
            .iter()
            .find(|(id, _)| *id == distro.id)
            .map_or("", |(_, v)| v);
        Interpreter {
            distro,
            family: images::runtime(FAMILY).unwrap_or(&images::RUNTIMES[0]),
            version,
        }
    }

    /// The image the virtual environment is built in: the same release's
    /// slim Debian, whose python3 is the runtime's.
    pub fn builder(&self) -> String {
        format!(
            "debian:{}-slim",
            self.distro.id.trim_start_matches("debian")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debians_cpython_is_where_the_python3_family_is() {
        let i = Interpreter::debian();
        assert_eq!((i.family.name, i.version), (FAMILY, "3.13.5"));
        assert!(i.family.distros.contains(&i.distro.id));
        assert_eq!(i.builder(), "debian:13-slim");
        for d in images::DISTROS {
            let has = DEBIAN.iter().any(|(id, _)| *id == d.id);
            assert_eq!(i.family.distros.contains(&d.id), has, "{}", d.id);
        }
    }
}
