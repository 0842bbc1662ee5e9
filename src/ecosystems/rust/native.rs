//! Crates that link system libraries, as data: what the builder must install
//! for each, which features build the library in instead, and what the binary
//! will then load at run time. The runtime libraries actually copied into an
//! image are computed from the built binary (see the builder template); this
//! table only decides build packages and explains.

/// A crate in the lockfile that needs something from the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeCrate {
    /// The crate's name in Cargo.lock.
    pub krate: &'static str,
    /// The library or tool, for people.
    pub library: &'static str,
    /// Debian packages the build needs when it uses the system's copy.
    pub packages: &'static [&'static str],
    /// Shared libraries (sonames) the binary then loads.
    pub runtime_libs: &'static [&'static str],
    /// `(crate, feature)` pairs that build the library into the binary instead.
    pub built_in_by: &'static [(&'static str, &'static str)],
    /// Debian packages a built-in build needs beyond the C compiler.
    pub built_in_packages: &'static [&'static str],
    /// Built in unless a feature asks for the system's copy.
    pub built_in_by_default: bool,
}

const NONE: &[&str] = &[];

/// Whether the table has this crate.
pub fn known(krate: &str) -> bool {
    NATIVE_CRATES.iter().any(|n| n.krate == krate)
}

/// The table. Package names are Debian's (the same in 12 and 13).
pub const NATIVE_CRATES: &[NativeCrate] = &[
    NativeCrate {
        krate: "openssl-sys",
        library: "OpenSSL",
        packages: &["pkg-config", "libssl-dev"],
        runtime_libs: &["libssl.so.3", "libcrypto.so.3"],
        built_in_by: &[
            ("openssl", "vendored"),
            ("openssl-sys", "vendored"),
            ("native-tls", "vendored"),
        ],
        built_in_packages: &["make", "perl"],
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "libsqlite3-sys",
        library: "SQLite",
        packages: &["pkg-config", "libsqlite3-dev"],
        runtime_libs: &["libsqlite3.so.0"],
        built_in_by: &[
            ("rusqlite", "bundled"),
            ("libsqlite3-sys", "bundled"),
            ("sqlx", "sqlite"),
            ("diesel", "sqlite-bundled"),
        ],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "pq-sys",
        library: "PostgreSQL's libpq",
        packages: &["pkg-config", "libpq-dev"],
        runtime_libs: &["libpq.so.5"],
        built_in_by: &[("pq-sys", "bundled")],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "mysqlclient-sys",
        library: "MySQL/MariaDB client",
        packages: &["pkg-config", "default-libmysqlclient-dev"],
        runtime_libs: &["libmariadb.so.3"],
        built_in_by: &[("mysqlclient-sys", "bundled")],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "libz-sys",
        library: "zlib",
        packages: &["pkg-config", "zlib1g-dev"],
        runtime_libs: &["libz.so.1"],
        built_in_by: &[
            ("libz-sys", "static"),
            ("libz-sys", "zlib-ng"),
            ("flate2", "zlib-ng"),
        ],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "zstd-sys",
        library: "zstd",
        packages: &["pkg-config", "libzstd-dev"],
        runtime_libs: &["libzstd.so.1"],
        built_in_by: &[],
        built_in_packages: NONE,
        built_in_by_default: true,
    },
    NativeCrate {
        krate: "curl-sys",
        library: "libcurl",
        packages: &["pkg-config", "libcurl4-openssl-dev"],
        runtime_libs: &["libcurl.so.4"],
        built_in_by: &[("curl-sys", "static-curl"), ("curl", "static-curl")],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "lzma-sys",
        library: "liblzma",
        packages: &["pkg-config", "liblzma-dev"],
        runtime_libs: &["liblzma.so.5"],
        built_in_by: &[("lzma-sys", "static"), ("xz2", "static")],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "libgit2-sys",
        library: "libgit2",
        packages: &["pkg-config"],
        runtime_libs: NONE,
        built_in_by: &[],
        built_in_packages: NONE,
        built_in_by_default: true,
    },
    NativeCrate {
        krate: "bindgen",
        library: "libclang (for bindgen, at build time)",
        packages: &["libclang-dev"],
        runtime_libs: NONE,
        built_in_by: &[],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "prost-build",
        library: "protoc (for prost-build, at build time)",
        packages: &["protobuf-compiler"],
        runtime_libs: NONE,
        built_in_by: &[("protoc-bin-vendored", "")],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
    NativeCrate {
        krate: "cmake",
        library: "CMake (at build time)",
        packages: &["cmake"],
        runtime_libs: NONE,
        built_in_by: &[],
        built_in_packages: NONE,
        built_in_by_default: false,
    },
];

/// How a native crate's library reaches the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linkage {
    /// Linked from the builder's packages, and loaded at run time.
    System,
    /// Built into the binary (vendored or bundled).
    BuiltIn {
        /// The `crate/feature` (or vendoring crate) that decided it; `None`
        /// when the crate builds it in by default.
        because: Option<String>,
    },
}

/// How a native crate is satisfied in this project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeUse {
    pub krate: &'static NativeCrate,
    pub linkage: Linkage,
}

impl NativeUse {
    pub fn built_in(&self) -> bool {
        matches!(self.linkage, Linkage::BuiltIn { .. })
    }

    /// The Debian packages the builder installs for it.
    pub fn packages(&self) -> &'static [&'static str] {
        if self.built_in() {
            self.krate.built_in_packages
        } else {
            self.krate.packages
        }
    }

    /// Whether the binary loads a system library at run time because of it.
    pub fn links_system_library(&self) -> bool {
        !self.built_in() && !self.krate.runtime_libs.is_empty()
    }
}

/// Matches the lockfile's crates against the table. `enabled(crate, feature)`
/// says whether a workspace member turns that feature on; a feature of `""`
/// means "the crate is in the lockfile at all".
pub fn uses(locked: &[String], enabled: impl Fn(&str, &str) -> bool) -> Vec<NativeUse> {
    let present = |name: &str| locked.iter().any(|l| l == name);
    NATIVE_CRATES
        .iter()
        .filter(|n| present(n.krate))
        .map(|n| {
            let because = n
                .built_in_by
                .iter()
                .find(|(krate, feature)| {
                    if feature.is_empty() {
                        present(krate)
                    } else {
                        enabled(krate, feature)
                    }
                })
                .map(|(krate, feature)| {
                    if feature.is_empty() {
                        krate.to_string()
                    } else {
                        format!("{krate}/{feature}")
                    }
                });
            let linkage = if n.built_in_by_default || because.is_some() {
                Linkage::BuiltIn { because }
            } else {
                Linkage::System
            };
            NativeUse { krate: n, linkage }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn system_openssl_needs_headers() {
        let u = uses(&locked(&["openssl", "openssl-sys", "libc"]), |_, _| false);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].linkage, Linkage::System);
        assert_eq!(u[0].packages(), ["pkg-config", "libssl-dev"]);
        assert!(u[0].links_system_library());
    }

    #[test]
    fn vendored_openssl_needs_perl_and_make_only() {
        let u = uses(&locked(&["openssl-sys"]), |c, f| {
            c == "openssl" && f == "vendored"
        });
        assert_eq!(
            u[0].linkage,
            Linkage::BuiltIn {
                because: Some("openssl/vendored".into())
            }
        );
        assert_eq!(u[0].packages(), ["make", "perl"]);
        assert!(!u[0].links_system_library());
    }

    #[test]
    fn bundled_sqlite_and_default_static_zstd() {
        let u = uses(&locked(&["libsqlite3-sys", "zstd-sys"]), |c, f| {
            c == "rusqlite" && f == "bundled"
        });
        assert!(
            u.iter().all(|x| x.built_in() && x.packages().is_empty()),
            "{u:?}"
        );
    }

    #[test]
    fn presence_of_a_vendoring_crate_counts() {
        let u = uses(&locked(&["prost-build", "protoc-bin-vendored"]), |_, _| {
            false
        });
        assert!(u[0].built_in());
    }

    #[test]
    fn every_row_is_unique_and_complete() {
        for (i, n) in NATIVE_CRATES.iter().enumerate() {
            assert!(
                !NATIVE_CRATES[..i].iter().any(|m| m.krate == n.krate),
                "{} twice",
                n.krate
            );
            assert!(
                n.built_in_by_default || !n.packages.is_empty(),
                "{} needs packages",
                n.krate
            );
        }
    }
}
