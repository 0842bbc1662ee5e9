//! The image catalogue: the Debian releases and the distroless runtime
//! families, what each holds, and how they pair. Kept as tables of data so
//! that a new Debian release is a one-line change; each ecosystem names its
//! own builder images.

/// Distroless images run as this user and group in their `nonroot` variants.
pub const NONROOT_UID: u32 = 65532;

/// The Debian release used unless the project asks for another.
pub const DEFAULT_DISTRO: &str = "debian13";

/// A Debian release that distroless publishes images for. Builder and runtime
/// always come from the same one, so the binary's glibc matches the image's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distro {
    /// The suffix of distroless image names, e.g. `debian13`.
    pub id: &'static str,
    /// The codename in builder tags, e.g. `trixie` in `rust:1-slim-trixie`.
    pub codename: &'static str,
    pub glibc: &'static str,
    /// Past its support date: usable on request, with a warning.
    pub end_of_life: bool,
}

pub const DISTROS: &[Distro] = &[
    Distro {
        id: "debian13",
        codename: "trixie",
        glibc: "2.41",
        end_of_life: false,
    },
    Distro {
        id: "debian12",
        codename: "bookworm",
        glibc: "2.36",
        end_of_life: true,
    },
];

/// A distroless runtime image family. Families are layered as the distroless
/// project builds them (static < base-nossl < base < cc < python3), so each
/// lists only what it adds to the one it extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// The family name, e.g. `cc` in `gcr.io/distroless/cc-debian13`.
    pub name: &'static str,
    /// The family this one is built on.
    pub extends: Option<&'static str>,
    /// Releases this family is published for.
    pub distros: &'static [&'static str],
    /// Shared libraries (sonames) this family adds on every release.
    pub adds: &'static [&'static str],
    /// Shared libraries it adds from Debian 13 on only.
    pub adds_since_debian13: &'static [&'static str],
    /// What the family is for, shown in explanations.
    pub use_for: &'static str,
}

pub const RUNTIMES: &[Runtime] = &[
    Runtime {
        name: "static",
        extends: None,
        distros: &["debian13", "debian12"],
        adds: &[],
        adds_since_debian13: &[],
        use_for: "fully static binaries",
    },
    Runtime {
        name: "base-nossl",
        extends: Some("static"),
        distros: &["debian13", "debian12"],
        adds: &[
            "ld-linux-x86-64.so.2",
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "librt.so.1",
            "libresolv.so.2",
            "libutil.so.1",
            "libanl.so.1",
            "libmvec.so.1",
            "libnss_files.so.2",
            "libnss_dns.so.2",
        ],
        adds_since_debian13: &[],
        use_for: "glibc programs that need neither libssl nor libgcc_s",
    },
    Runtime {
        name: "base",
        extends: Some("base-nossl"),
        distros: &["debian13", "debian12"],
        adds: &["libssl.so.3", "libcrypto.so.3"],
        adds_since_debian13: &["libz.so.1", "libzstd.so.1"],
        use_for: "glibc programs linking libssl that need no libgcc_s",
    },
    Runtime {
        name: "cc",
        extends: Some("base"),
        distros: &["debian13", "debian12"],
        adds: &["libgcc_s.so.1", "libstdc++.so.6", "libgomp.so.1"],
        adds_since_debian13: &[],
        use_for: "Rust on glibc: every Rust binary that unwinds needs libgcc_s.so.1",
    },
    Runtime {
        name: "python3",
        extends: Some("cc"),
        distros: &["debian13"],
        // CPython itself is linked statically; these are the libraries its
        // standard modules load.
        adds: &[
            "libbz2.so.1.0",
            "libcom_err.so.2",
            "libcrypt.so.1",
            "libdb-5.3.so",
            "libexpat.so.1",
            "libffi.so.8",
            "libformw.so.6",
            "libgssapi_krb5.so.2",
            "libhistory.so.8",
            "libk5crypto.so.3",
            "libkeyutils.so.1",
            "libkrb5.so.3",
            "libkrb5support.so.0",
            "liblzma.so.5",
            "libmenuw.so.6",
            "libncursesw.so.6",
            "libnsl.so.2",
            "libpanelw.so.6",
            "libreadline.so.8",
            "libsqlite3.so.0",
            "libtinfo.so.6",
            "libtirpc.so.3",
            "libuuid.so.1",
        ],
        adds_since_debian13: &[],
        use_for: "Python applications on Debian's CPython",
    },
    Runtime {
        name: "nodejs22",
        extends: Some("cc"),
        distros: &["debian13", "debian12"],
        // Node is one static-enough binary under /nodejs; it links what cc has.
        adds: &[],
        adds_since_debian13: &[],
        use_for: "Node.js 22 applications",
    },
    Runtime {
        name: "nodejs24",
        extends: Some("cc"),
        distros: &["debian13", "debian12"],
        adds: &[],
        adds_since_debian13: &[],
        use_for: "Node.js 24 applications",
    },
    Runtime {
        name: "nodejs26",
        extends: Some("cc"),
        distros: &["debian13", "debian12"],
        // Node 25 and later link libatomic.
        adds: &["libatomic.so.1"],
        adds_since_debian13: &[],
        use_for: "Node.js 26 applications",
    },
];

impl Runtime {
    /// Every shared library the image ships on a release, sorted.
    pub fn libraries(&self, distro: &Distro) -> Vec<&'static str> {
        let mut libs = Vec::new();
        let mut family = Some(self);
        while let Some(r) = family {
            libs.extend_from_slice(r.adds);
            if distro.id != "debian12" {
                libs.extend_from_slice(r.adds_since_debian13);
            }
            family = r.extends.and_then(runtime);
        }
        libs.sort_unstable();
        libs
    }
}

/// The tag of a runtime image: who it runs as and whether it carries busybox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    Nonroot,
    DebugNonroot,
}

impl Variant {
    pub fn tag(self) -> &'static str {
        match self {
            Variant::Nonroot => "nonroot",
            Variant::DebugNonroot => "debug-nonroot",
        }
    }
}

/// Looks up a Debian release by its distroless suffix.
pub fn distro(id: &str) -> Option<&'static Distro> {
    DISTROS.iter().find(|d| d.id == id)
}

/// Looks up a runtime family by name.
pub fn runtime(name: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|r| r.name == name)
}

/// `gcr.io/distroless/<family>-<distro>:<tag>`; always with an explicit
/// distro suffix, since the unsuffixed tags move between releases.
pub fn runtime_image(runtime: &Runtime, distro: &Distro, variant: Variant) -> String {
    debug_assert!(runtime.distros.contains(&distro.id));
    format!(
        "gcr.io/distroless/{}-{}:{}",
        runtime.name,
        distro.id,
        variant.tag()
    )
}

/// The release every image comes from unless the project asks for another.
pub fn default_distro() -> &'static Distro {
    distro(DEFAULT_DISTRO).unwrap_or(&DISTROS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pairing_matches_the_facts() {
        let d = default_distro();
        assert_eq!(d.codename, "trixie");
        assert_eq!(
            runtime_image(runtime("cc").unwrap(), d, Variant::Nonroot),
            "gcr.io/distroless/cc-debian13:nonroot"
        );
    }

    #[test]
    fn every_runtime_names_known_distros() {
        for r in RUNTIMES {
            for id in r.distros {
                assert!(distro(id).is_some(), "{} names unknown {id}", r.name);
            }
        }
    }

    #[test]
    fn cc_holds_everything_base_does_and_libgcc() {
        let d13 = distro("debian13").unwrap();
        let base = runtime("base").unwrap().libraries(d13);
        let cc = runtime("cc").unwrap().libraries(d13);
        assert!(base.iter().all(|l| cc.contains(l)));
        assert!(cc.contains(&"libgcc_s.so.1"));
        assert!(!base.contains(&"libgcc_s.so.1"));
        assert!(runtime("static").unwrap().libraries(d13).is_empty());
    }

    #[test]
    fn zlib_and_zstd_only_in_debian13_base() {
        let base = runtime("base").unwrap();
        assert!(
            base.libraries(distro("debian13").unwrap())
                .contains(&"libzstd.so.1")
        );
        assert!(
            !base
                .libraries(distro("debian12").unwrap())
                .contains(&"libzstd.so.1")
        );
    }

    #[test]
    fn every_extended_family_exists() {
        for r in RUNTIMES {
            if let Some(parent) = r.extends {
                assert!(
                    runtime(parent).is_some(),
                    "{} extends unknown {parent}",
                    r.name
                );
            }
        }
    }
}
