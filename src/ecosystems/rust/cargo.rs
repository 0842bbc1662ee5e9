//! The cargo build as a typed value: what it builds and how. Turned into an
//! argument list, and into shell text only where the Dockerfile needs it.

/// One `cargo build` of every packaged binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoBuild {
    /// The cargo profile, `release` by default.
    pub profile: String,
    /// Cargo.lock exists: `--locked`.
    pub locked: bool,
    /// The packages that own the binaries, sorted.
    pub packages: Vec<String>,
    /// The binaries, sorted.
    pub bins: Vec<String>,
    /// `--features`, sorted: the configured ones and the binaries'
    /// `required-features` as `package/feature`.
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    /// A fully static glibc build for the builder's own target.
    pub static_target: bool,
    /// Strip the binaries' debug info (symbol names stay, for backtraces),
    /// overriding the profile through cargo's environment.
    pub strip_debuginfo: bool,
    /// Build from vendored sources only: `--offline`.
    pub offline: bool,
    /// The target `.cargo/config.toml` builds for, which moves the binaries
    /// under `target/<triple>/`.
    pub config_target: Option<String>,
    /// Build through cargo-auditable, which embeds each binary's crate list.
    pub auditable: bool,
}

/// The cargo-auditable the builder installs, pinned.
pub const AUDITABLE_VERSION: &str = "0.7.7";

/// The shell variable that holds the builder's target triple in a static build.
const TARGET_VAR: &str = "TARGET";

impl CargoBuild {
    /// The arguments after `cargo`, with `target` as the `--target` value of
    /// a static build.
    pub fn args(&self, target: &str) -> Vec<String> {
        let mut args = Vec::new();
        if self.auditable {
            args.push("auditable".to_string());
        }
        args.push("build".to_string());
        if self.profile == "release" {
            args.push("--release".into());
        } else {
            args.extend(["--profile".into(), self.profile.clone()]);
        }
        if self.locked {
            args.push("--locked".into());
        }
        if self.offline {
            args.push("--offline".into());
        }
        if self.static_target {
            args.extend(["--target".into(), target.to_string()]);
        }
        for p in &self.packages {
            args.extend(["--package".into(), p.clone()]);
        }
        for b in &self.bins {
            args.extend(["--bin".into(), b.clone()]);
        }
        if self.all_features {
            args.push("--all-features".into());
        } else if !self.features.is_empty() {
            args.extend(["--features".into(), self.features.join(",")]);
        }
        if self.no_default_features {
            args.push("--no-default-features".into());
        }
        args
    }

    /// The command as the builder's shell runs it: a static build first
    /// sets the target triple and `RUSTFLAGS`.
    pub fn command(&self) -> String {
        let target = format!("\"${TARGET_VAR}\"");
        let mut text = String::new();
        if self.static_target {
            text.push_str(&format!(
                "{TARGET_VAR}=\"$(rustc -vV | sed -n 's/^host: //p')\" && RUSTFLAGS=\"-C target-feature=+crt-static\" "
            ));
        }
        if self.strip_debuginfo {
            text.push_str(&format!("{}=debuginfo ", self.strip_variable()));
        }
        text.push_str("cargo");
        for arg in self.args(&target) {
            text.push(' ');
            if arg == target {
                text.push_str(&arg);
            } else {
                text.push_str(&crate::shell::word(&arg));
            }
        }
        text
    }

    /// The variable that sets the profile's `strip`: `CARGO_PROFILE_RELEASE_STRIP`.
    pub fn strip_variable(&self) -> String {
        format!(
            "CARGO_PROFILE_{}_STRIP",
            self.profile.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// The folder under `target/` that the profile builds into.
    pub fn profile_dir(&self) -> &str {
        match self.profile.as_str() {
            "dev" | "test" => "debug",
            "bench" => "release",
            other => other,
        }
    }

    /// Where the binaries are, relative to the workspace root.
    pub fn artifact_dir(&self) -> String {
        match (&self.config_target, self.static_target) {
            (_, true) => format!("target/${TARGET_VAR}/{}", self.profile_dir()),
            (Some(triple), false) => format!("target/{triple}/{}", self.profile_dir()),
            (None, false) => format!("target/{}", self.profile_dir()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build() -> CargoBuild {
        CargoBuild {
            profile: "release".into(),
            locked: true,
            packages: vec!["api".into(), "worker".into()],
            bins: vec!["api".into(), "worker".into()],
            features: vec![],
            all_features: false,
            no_default_features: false,
            static_target: false,
            strip_debuginfo: false,
            offline: false,
            config_target: None,
            auditable: false,
        }
    }

    #[test]
    fn arguments_in_cargo_order() {
        assert_eq!(
            build().command(),
            "cargo build --release --locked --package api --package worker --bin api --bin worker"
        );
        let b = CargoBuild {
            profile: "dist".into(),
            locked: false,
            features: vec!["api/cli".into(), "json".into()],
            no_default_features: true,
            ..build()
        };
        assert_eq!(
            b.args("x")[..3],
            ["build".to_string(), "--profile".into(), "dist".into()]
        );
        assert!(
            b.command()
                .ends_with("--features api/cli,json --no-default-features")
        );
        assert_eq!(b.artifact_dir(), "target/dist");
        let audited = CargoBuild {
            auditable: true,
            ..build()
        };
        assert!(
            audited
                .command()
                .starts_with("cargo auditable build --release")
        );
        let all = CargoBuild {
            all_features: true,
            ..b
        };
        assert!(
            all.command()
                .ends_with("--all-features --no-default-features")
        );
    }

    #[test]
    fn static_build_sets_the_target_first() {
        let b = CargoBuild {
            static_target: true,
            ..build()
        };
        let text = b.command();
        assert!(
            text.starts_with("TARGET=\"$(rustc -vV | sed -n 's/^host: //p')\" && RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release --locked --target \"$TARGET\" --package api"),
            "{text}"
        );
        assert_eq!(b.artifact_dir(), "target/$TARGET/release");
        assert_eq!(
            b.args("x86_64-unknown-linux-gnu")[3..5],
            ["--target".to_string(), "x86_64-unknown-linux-gnu".into()]
        );
    }

    #[test]
    fn debug_info_is_stripped_through_cargos_environment() {
        let b = CargoBuild {
            profile: "release-lto".into(),
            strip_debuginfo: true,
            ..build()
        };
        assert!(
            b.command().starts_with(
                "CARGO_PROFILE_RELEASE_LTO_STRIP=debuginfo cargo build --profile release-lto"
            ),
            "{}",
            b.command()
        );
    }

    #[test]
    fn profile_folders() {
        for (profile, dir) in [
            ("dev", "debug"),
            ("test", "debug"),
            ("bench", "release"),
            ("dist", "dist"),
        ] {
            let b = CargoBuild {
                profile: profile.into(),
                ..build()
            };
            assert_eq!(b.profile_dir(), dir);
        }
    }

    #[test]
    fn odd_words_are_quoted_for_the_shell() {
        let b = CargoBuild {
            features: vec!["a b".into()],
            ..build()
        };
        assert!(b.command().ends_with("--features 'a b'"), "{}", b.command());
    }
}
