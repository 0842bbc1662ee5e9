//! The package manager: from `packageManager` first, then the lockfile;
//! and the commands that install exactly what the lockfile locks (all of
//! it for the build, the production dependencies for the image) and run a
//! script, for each manager.

use anyhow::Result;

use crate::error::fail;
use crate::folder::Folder;
use crate::grammar;

/// A package manager the tool builds with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Npm,
    Pnpm,
    YarnClassic,
    YarnBerry,
    Bun,
}

impl Manager {
    /// Its name, as `packageManager` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Pnpm => "pnpm",
            Manager::YarnClassic | Manager::YarnBerry => "yarn",
            Manager::Bun => "bun",
        }
    }

    /// The version installed when the project names none: a release known
    /// to read the lockfiles its current majors write.
    fn default_version(self) -> &'static str {
        match self {
            Manager::Npm => "",
            Manager::Pnpm => "10.20.0",
            Manager::YarnClassic => "1.22.22",
            Manager::YarnBerry => "4.10.3",
            Manager::Bun => "1.3.1",
        }
    }

    /// The lockfiles it writes, preferred first.
    fn lockfiles(self) -> &'static [&'static str] {
        match self {
            Manager::Npm => &["package-lock.json", "npm-shrinkwrap.json"],
            Manager::Pnpm => &["pnpm-lock.yaml"],
            Manager::YarnClassic | Manager::YarnBerry => &["yarn.lock"],
            Manager::Bun => &["bun.lock", "bun.lockb"],
        }
    }
}

/// The package manager of a project, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageManager {
    pub manager: Manager,
    /// The exact version `packageManager` pins, if it does.
    pub version: Option<String>,
    /// The lockfile, or none (`unlocked = true`).
    pub lockfile: Option<String>,
    /// Why this manager: `packageManager`, or the lockfile.
    pub source: String,
    /// A committed yarn release (`yarnPath` of .yarnrc.yml).
    pub yarn_path: Option<String>,
    /// Yarn Plug'n'Play (no `nodeLinker: node-modules`).
    pub pnp: bool,
    /// Files the install reads besides package.json and the lockfile.
    pub config_files: Vec<String>,
}

/// Finds the package manager: `packageManager` first, then the lockfile.
/// Without a lockfile the install is not reproducible: an error unless
/// `unlocked` allows it.
pub fn detect(project: &Folder, pkg: &serde_json::Value, unlocked: bool) -> Result<PackageManager> {
    let yarnrc = project.read_optional(".yarnrc.yml")?;
    let berry_lock = || -> Result<bool> {
        Ok(project
            .read_optional("yarn.lock")?
            .is_some_and(|t| t.contains("__metadata:")))
    };
    let named = match pkg.get("packageManager") {
        None => None,
        Some(serde_json::Value::String(spec)) => Some(parse_spec(spec)?),
        Some(_) => {
            return Err(fail(
                "`packageManager` in package.json is not a string",
                "write it as \"pnpm@9.12.3\" (name@version)",
            ));
        }
    };
    let (manager, version, source) = match named {
        Some((name, version)) => {
            let manager = match name.as_str() {
                "npm" => Manager::Npm,
                "pnpm" => Manager::Pnpm,
                "bun" => Manager::Bun,
                "yarn" if version.split('.').next().is_some_and(|m| m == "1") => {
                    Manager::YarnClassic
                }
                "yarn" => Manager::YarnBerry,
                other => {
                    return Err(fail(
                        format!(
                            "`packageManager` in package.json names `{other}`, which the tool does not build with"
                        ),
                        "name npm, pnpm, yarn or bun",
                    ));
                }
            };
            (
                manager,
                Some(version),
                "`packageManager` in package.json".to_string(),
            )
        }
        None => {
            let by_lock = [
                ("package-lock.json", Manager::Npm),
                ("npm-shrinkwrap.json", Manager::Npm),
                ("pnpm-lock.yaml", Manager::Pnpm),
                ("bun.lock", Manager::Bun),
                ("bun.lockb", Manager::Bun),
                ("yarn.lock", Manager::YarnClassic),
            ];
            match by_lock.iter().find(|(file, _)| project.exists(file)) {
                Some((file, Manager::YarnClassic)) if yarnrc.is_some() || berry_lock()? => (
                    Manager::YarnBerry,
                    None,
                    format!("{file} (yarn 2 or later)"),
                ),
                Some((file, m)) => (*m, None, file.to_string()),
                None if unlocked => (Manager::Npm, None, "no lockfile: npm".to_string()),
                None => {
                    return Err(fail(
                        "package.json has no lockfile beside it (package-lock.json, pnpm-lock.yaml, yarn.lock or bun.lock): an install without one is not reproducible",
                        "run your package manager's install (`npm install`) and commit the lockfile, or set `unlocked = true` in \"distroless\" of package.json to install without one",
                    ));
                }
            }
        }
    };
    let lockfile = manager
        .lockfiles()
        .iter()
        .find(|f| project.exists(f))
        .map(|f| f.to_string());
    if lockfile.is_none() && !unlocked {
        return Err(fail(
            format!(
                "{source} names {}, and its lockfile ({}) is missing: an install without one is not reproducible",
                manager.name(),
                manager.lockfiles().join(" or ")
            ),
            format!(
                "run `{} install` and commit the lockfile, or set `unlocked = true` in \"distroless\" of package.json",
                manager.name()
            ),
        ));
    }
    let yarn_setting = |key: &str| -> Option<String> {
        yarnrc.as_deref().and_then(|t| {
            t.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_string())
            })
        })
    };
    let yarn_path = (manager == Manager::YarnBerry)
        .then(|| yarn_setting("yarnPath"))
        .flatten()
        .filter(|p| project.exists(p));
    if let Some(p) = &yarn_path {
        grammar::project_path(p).map_err(|why| {
            fail(
                format!("`yarnPath` in .yarnrc.yml is {p:?}: {why}"),
                "commit yarn under .yarn/releases/ and name it relative to the project",
            )
        })?;
    }
    let pnp = manager == Manager::YarnBerry
        && yarn_setting("nodeLinker").as_deref() != Some("node-modules");
    let mut config_files: Vec<String> = [
        ".yarnrc.yml",
        ".yarnrc",
        "pnpm-workspace.yaml",
        "bunfig.toml",
    ]
    .into_iter()
    .filter(|f| project.exists(f))
    .map(String::from)
    .collect();
    config_files.extend(yarn_path.iter().cloned());
    Ok(PackageManager {
        manager,
        version,
        lockfile,
        source,
        yarn_path,
        pnp,
        config_files,
    })
}

/// `name@version[+hash]` of `packageManager`.
fn parse_spec(spec: &str) -> Result<(String, String)> {
    let bad = || {
        fail(
            format!("`packageManager` in package.json is {spec:?}: it is not name@version"),
            "write it as \"pnpm@9.12.3\" (an exact version; a +sha… suffix is allowed)",
        )
    };
    let (name, rest) = spec.split_once('@').ok_or_else(bad)?;
    let (version, hash) = rest.split_once('+').unwrap_or((rest, ""));
    // An exact version, as npm writes it back: no range, nothing after it
    // but a `+sha512.<hex>` integrity hash.
    let plain = |text: &str, extra: &[char]| {
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    let exact = plain(version, &['.', '-'])
        && plain(hash, &['.'])
        && nodejs_semver::Version::parse(version).is_ok_and(|v| v.to_string() == version);
    if name.is_empty() || !exact || grammar::no_control(spec).is_err() {
        return Err(bad());
    }
    Ok((name.to_string(), version.to_string()))
}

/// How the builder runs one package manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commands {
    /// Installs the manager itself, if the builder lacks it.
    pub tool: Option<String>,
    /// Installs the locked dependencies, dev ones included.
    pub install: String,
    /// Runs a script of package.json: `{}` stands for its name.
    pub run: String,
    /// Runs `build` in every workspace member that has one, when the root
    /// has none (yarn 1 has no such command).
    pub recursive_build: Option<String>,
    /// Installs the production dependencies alone, for the image.
    pub production: String,
    /// The manager's download cache, kept as a cache mount.
    pub cache: &'static str,
    /// Whether two installs may use the cache at once (yarn 1's cannot:
    /// one install reads what the other is still writing).
    pub cache_concurrent: bool,
}

impl PackageManager {
    /// The builder's commands on a Node major (26 has no corepack or yarn).
    pub fn commands(&self, node_major: u32) -> Commands {
        let locked = self.lockfile.is_some();
        let version = self
            .version
            .clone()
            .unwrap_or_else(|| self.manager.default_version().to_string());
        let global = |package: &str| {
            Some(format!(
                "npm install --global --no-audit --no-fund {package}@{version}"
            ))
        };
        match self.manager {
            Manager::Npm => Commands {
                tool: self
                    .version
                    .as_ref()
                    .map(|v| format!("npm install --global --no-audit --no-fund npm@{v}")),
                install: if locked {
                    "npm ci --no-audit --no-fund".into()
                } else {
                    "npm install --no-audit --no-fund".into()
                },
                run: "npm run {}".into(),
                recursive_build: Some("npm run build --workspaces --if-present".into()),
                production: if locked {
                    "npm ci --omit=dev --no-audit --no-fund".into()
                } else {
                    "npm install --omit=dev --no-audit --no-fund".into()
                },
                cache: "/root/.npm",
                cache_concurrent: true,
            },
            Manager::Pnpm => Commands {
                tool: global("pnpm"),
                install: if locked {
                    "pnpm install --frozen-lockfile".into()
                } else {
                    "pnpm install --no-frozen-lockfile".into()
                },
                run: "pnpm run {}".into(),
                recursive_build: Some("pnpm -r --if-present run build".into()),
                production: if locked {
                    "pnpm install --frozen-lockfile --prod".into()
                } else {
                    "pnpm install --no-frozen-lockfile --prod".into()
                },
                cache: "/root/.local/share/pnpm/store",
                cache_concurrent: true,
            },
            Manager::YarnClassic => Commands {
                // Node 22 and 24 carry yarn 1.22; 26 none.
                tool: (node_major >= 26).then(|| global("yarn")).flatten(),
                install: if locked {
                    "yarn install --frozen-lockfile --non-interactive".into()
                } else {
                    "yarn install --non-interactive".into()
                },
                run: "yarn run {}".into(),
                recursive_build: None,
                production: if locked {
                    "yarn install --frozen-lockfile --production --non-interactive".into()
                } else {
                    "yarn install --production --non-interactive".into()
                },
                cache: "/usr/local/share/.cache/yarn",
                cache_concurrent: false,
            },
            Manager::YarnBerry => {
                let yarn = match &self.yarn_path {
                    Some(p) => format!("node {}", crate::shell::word(p)),
                    None => "yarn".to_string(),
                };
                Commands {
                    tool: self
                        .yarn_path
                        .is_none()
                        .then(|| global("@yarnpkg/cli-dist"))
                        .flatten(),
                    install: if locked {
                        format!("{yarn} install --immutable")
                    } else {
                        format!("{yarn} install")
                    },
                    run: format!("{yarn} run {{}}"),
                    recursive_build: Some(format!("{yarn} workspaces foreach -A run build")),
                    production: format!("{yarn} workspaces focus --all --production"),
                    cache: "/root/.yarn/berry/cache",
                    cache_concurrent: true,
                }
            }
            Manager::Bun => Commands {
                tool: global("bun"),
                install: if locked {
                    "bun install --frozen-lockfile".into()
                } else {
                    "bun install".into()
                },
                run: "bun run {}".into(),
                recursive_build: Some("bun run --filter '*' build".into()),
                production: if locked {
                    "bun install --frozen-lockfile --production".into()
                } else {
                    "bun install --production".into()
                },
                cache: "/root/.bun/install/cache",
                cache_concurrent: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> (tempfile::TempDir, Folder) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let f = Folder::new(dir.path());
        (dir, f)
    }

    #[test]
    fn package_manager_field_first_then_the_lockfile() {
        let pkg = serde_json::json!({"packageManager": "pnpm@9.12.3+sha512.abc"});
        let (_d, f) = folder(&[("pnpm-lock.yaml", ""), ("package-lock.json", "{}")]);
        let m = detect(&f, &pkg, false).unwrap();
        assert_eq!(
            (m.manager, m.version.as_deref()),
            (Manager::Pnpm, Some("9.12.3"))
        );
        assert_eq!(m.lockfile.as_deref(), Some("pnpm-lock.yaml"));
        let none = serde_json::json!({});
        for (file, text, want) in [
            ("package-lock.json", "{}", Manager::Npm),
            ("npm-shrinkwrap.json", "{}", Manager::Npm),
            ("pnpm-lock.yaml", "lockfileVersion: '9.0'", Manager::Pnpm),
            ("yarn.lock", "# yarn lockfile v1\n", Manager::YarnClassic),
            (
                "yarn.lock",
                "__metadata:\n  version: 8\n",
                Manager::YarnBerry,
            ),
            ("bun.lock", "{}", Manager::Bun),
        ] {
            let (_d, f) = folder(&[(file, text)]);
            assert_eq!(detect(&f, &none, false).unwrap().manager, want, "{file}");
        }
    }

    #[test]
    fn no_lockfile_is_an_error_unless_unlocked() {
        let (_d, f) = folder(&[]);
        let text = crate::error::format(&detect(&f, &serde_json::json!({}), false).unwrap_err());
        assert!(
            text.contains("no lockfile") && text.contains("unlocked = true"),
            "{text}"
        );
        let m = detect(&f, &serde_json::json!({}), true).unwrap();
        assert_eq!(m.commands(24).install, "npm install --no-audit --no-fund");
        let pkg = serde_json::json!({"packageManager": "pnpm@9.1.0"});
        let text = crate::error::format(&detect(&f, &pkg, false).unwrap_err());
        assert!(
            text.contains("its lockfile (pnpm-lock.yaml) is missing"),
            "{text}"
        );
        for bad in [
            "pnpm",
            "pnpm@latest",
            "pnpm@^9",
            "@9.0.0",
            "pnpm@9.0.0\n",
            "npm@10.9.0$(id)",
            "pnpm@9.0.0 && id",
            "pnpm@9.0.0+sha512.a;b",
        ] {
            let pkg = serde_json::json!({"packageManager": bad});
            let text = crate::error::format(&detect(&f, &pkg, true).unwrap_err());
            assert!(text.contains("not name@version"), "{bad}: {text}");
        }
        let pkg = serde_json::json!({"packageManager": "deno@2.0.0"});
        let text = crate::error::format(&detect(&f, &pkg, true).unwrap_err());
        assert!(text.contains("names `deno`"), "{text}");
    }

    #[test]
    fn yarn_berry_with_a_committed_release_and_its_linker() {
        let (d, _) = folder(&[
            ("yarn.lock", "__metadata:\n"),
            (
                ".yarnrc.yml",
                "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n",
            ),
        ]);
        std::fs::create_dir_all(d.path().join(".yarn/releases")).unwrap();
        std::fs::write(d.path().join(".yarn/releases/yarn-4.5.0.cjs"), "").unwrap();
        let m = detect(&Folder::new(d.path()), &serde_json::json!({}), false).unwrap();
        assert_eq!(
            m.yarn_path.as_deref(),
            Some(".yarn/releases/yarn-4.5.0.cjs")
        );
        assert!(!m.pnp);
        let c = m.commands(26);
        assert_eq!(c.tool, None, "the committed release is the project's yarn");
        assert_eq!(
            c.install,
            "node .yarn/releases/yarn-4.5.0.cjs install --immutable"
        );
    }

    #[test]
    fn each_manager_installs_exactly_all_or_production() {
        let m = |manager, version: Option<&str>| PackageManager {
            manager,
            version: version.map(String::from),
            lockfile: Some("x".into()),
            source: String::new(),
            yarn_path: None,
            pnp: false,
            config_files: vec![],
        };
        let npm = m(Manager::Npm, None).commands(24);
        assert_eq!(
            (npm.tool, npm.install.as_str()),
            (None, "npm ci --no-audit --no-fund")
        );
        let pnpm = m(Manager::Pnpm, Some("9.12.3")).commands(26);
        assert_eq!(
            pnpm.tool.as_deref(),
            Some("npm install --global --no-audit --no-fund pnpm@9.12.3")
        );
        assert_eq!(pnpm.install, "pnpm install --frozen-lockfile");
        assert_eq!(m(Manager::YarnClassic, None).commands(24).tool, None);
        assert!(
            m(Manager::YarnClassic, None).commands(26).tool.is_some(),
            "26 has no yarn"
        );
        assert_eq!(
            m(Manager::Bun, None).commands(22).install,
            "bun install --frozen-lockfile"
        );
    }
}
