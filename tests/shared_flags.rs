//! Every shared flag and key, on every ecosystem: the same flag does the
//! same thing whatever made the project, and the key in each ecosystem's
//! configuration writes the same files as the flag.

mod common;

use common::{Fixture, fixture, ok, stderr};

/// Adds TOML keys to a project's configuration, wherever it keeps it.
type AddKeys = fn(&Fixture, &str);

/// One project of each ecosystem, and how to add keys to its configuration.
const PROJECTS: &[(&str, AddKeys)] = &[
    ("one-bin", |f, keys| {
        let manifest = f.read("Cargo.toml");
        f.write(
            "Cargo.toml",
            &manifest.replace(
                "[package.metadata.distroless]\n",
                &format!("[package.metadata.distroless]\n{keys}"),
            ),
        );
    }),
    ("py-flask", |f, keys| {
        let config = f.read("distroless.toml");
        f.write("distroless.toml", &format!("{keys}{config}"));
    }),
    ("node-express", |f, keys| {
        let pkg: serde_json::Value = serde_json::from_str(&f.read("package.json")).unwrap();
        let mut pkg = pkg;
        let table: toml::Table = toml::from_str(keys).unwrap();
        for (k, v) in table {
            pkg["distroless"][k] = serde_json::to_value(v).unwrap();
        }
        f.write("package.json", &serde_json::to_string_pretty(&pkg).unwrap());
    }),
];

/// A shared choice: its flags, the same as keys, and what must follow.
struct Choice {
    flags: &'static [&'static str],
    keys: &'static str,
    holds: fn(&Fixture) -> Result<(), String>,
}

const CHOICES: &[Choice] = &[
    Choice {
        flags: &["--mirror", "registry.example/mirror"],
        keys: "mirror = \"registry.example/mirror\"\n",
        holds: |f| {
            // Images, not earlier stages.
            let froms: Vec<String> = common::from_images(&f.read("Dockerfile"))
                .into_iter()
                .filter(|i| i.contains(':') || i.contains('/'))
                .collect();
            match froms
                .iter()
                .all(|i| i.starts_with("registry.example/mirror/"))
            {
                true => Ok(()),
                false => Err(format!("not every FROM is behind the mirror: {froms:?}")),
            }
        },
    },
    Choice {
        flags: &["--compose"],
        keys: "compose = true\n",
        holds: |f| {
            let compose = f.read("compose.yaml");
            match compose.contains("services:") && compose.contains("build:") {
                true => Ok(()),
                false => Err(format!("compose.yaml has no service: {compose}")),
            }
        },
    },
    Choice {
        flags: &["--file", "Dockerfile.distroless"],
        keys: "file = \"Dockerfile.distroless\"\n",
        holds: |f| {
            let written = f.path("Dockerfile.distroless").is_file()
                && f.path("Dockerfile.distroless.dockerignore").is_file();
            let untouched = !f.path("Dockerfile").exists();
            match written && untouched {
                true => Ok(()),
                false => {
                    Err("Dockerfile.distroless and its .dockerignore were not written alone".into())
                }
            }
        },
    },
];

/// The files a run wrote, by name and text.
fn written(f: &Fixture) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(&f.dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            let generated =
                name.starts_with("Dockerfile") || name == ".dockerignore" || name == "compose.yaml";
            generated.then(|| (name.clone(), f.read(&name)))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_shared_flag_and_key_works_on_every_ecosystem() {
    for (project, add_keys) in PROJECTS {
        for choice in CHOICES {
            let by_flag = fixture(project);
            let mut args = vec!["init"];
            args.extend(choice.flags);
            let out = by_flag.run(&args);
            assert!(
                out.status.success(),
                "{project} {:?}: {}",
                choice.flags,
                stderr(&out)
            );
            if let Err(why) = (choice.holds)(&by_flag) {
                panic!("{project} {:?}: {why}", choice.flags);
            }
            let by_key = fixture(project);
            add_keys(&by_key, choice.keys);
            ok(&by_key.run(&["init"]));
            if let Err(why) = (choice.holds)(&by_key) {
                panic!("{project} `{}`: {why}", choice.keys.trim());
            }
            let strip = |files: Vec<(String, String)>| -> Vec<(String, String)> {
                files
                    .into_iter()
                    .map(|(n, t)| {
                        let body: Vec<&str> = t
                            .lines()
                            .filter(|l| !l.starts_with("# cargo-distroless "))
                            .collect();
                        (n, body.join("\n"))
                    })
                    .collect()
            };
            assert_eq!(
                strip(written(&by_flag)),
                strip(written(&by_key)),
                "{project}: {:?} and `{}` write different files",
                choice.flags,
                choice.keys.trim()
            );
        }
    }
}

/// An ecosystem's own flags are refused on another's project, naming where
/// that project is configured.
#[test]
fn rust_flags_are_refused_elsewhere() {
    for (project, configured) in [
        ("py-flask", "[tool.distroless] of pyproject.toml"),
        ("node-express", "\"distroless\" of package.json"),
    ] {
        let f = fixture(project);
        let text = common::error(&f.run(&["init", "--features", "x"]));
        assert!(
            text.contains("--features applies to Rust projects") && text.contains(configured),
            "{project}: {text}"
        );
    }
}

/// `init` records the choices its flags make in the project's own
/// configuration, keeping the file's comments: a plain `check` afterwards
/// passes, and a plain `init` changes nothing.
#[test]
fn init_records_its_flags_and_check_agrees() {
    for (project, config, table) in [
        ("one-bin", "Cargo.toml", "[package.metadata.distroless]"),
        ("workspace", "Cargo.toml", "[workspace.metadata.distroless]"),
        ("py-uv", "pyproject.toml", "[tool.distroless]"),
        ("py-flask", "distroless.toml", ""),
        ("node-pnpm", "distroless.toml", ""),
    ] {
        let f = fixture(project);
        let before = std::fs::read_to_string(f.path(config)).unwrap_or_default();
        if !before.is_empty() {
            f.write(config, &format!("# kept comment\n{before}"));
        }
        let out = f.run(&[
            "init",
            "--compose",
            "--mirror",
            "registry.example/m",
            "--file",
            "Dockerfile.x",
        ]);
        let said = stderr(&out);
        assert!(out.status.success(), "{project}: {said}");
        assert!(
            said.contains("recorded compose = true"),
            "{project}: {said}"
        );
        let after = f.read(config);
        assert!(
            before.is_empty() || after.starts_with("# kept comment\n"),
            "{project}: {after}"
        );
        assert!(after.contains(table), "{project}: {after}");
        assert!(
            after.contains("mirror = \"registry.example/m\""),
            "{project}: {after}"
        );
        let check = f.run(&["check"]);
        assert!(
            check.status.success(),
            "{project}: check after init: {}",
            stderr(&check)
        );
        let again = f.run(&["init"]);
        assert!(
            !stderr(&again).contains("recorded"),
            "{project}: {}",
            stderr(&again)
        );
        assert!(f.path("Dockerfile.x").is_file(), "{project}");
    }
    // package.json is not edited: init says which keys to add there.
    let f = fixture("node-express");
    let before = f.read("package.json");
    let said = stderr(&f.run(&["init", "--compose"]));
    assert!(
        said.contains("add compose = true to \"distroless\" of package.json"),
        "{said}"
    );
    assert_eq!(f.read("package.json"), before);
}

/// Settings in a manifest's table and in distroless.toml beside it: only
/// one would be read, so neither is, and the error names both. A Cargo
/// project reads Cargo.toml alone: settings in its distroless.toml are
/// refused rather than passed over.
#[test]
fn settings_in_two_places_are_refused() {
    // Asked for by name (`--ecosystem`), the ecosystem looks for
    // distroless.toml itself.
    let node =
        "\"distroless\" of package.json and distroless.toml both hold this project's settings";
    let python =
        "[tool.distroless] of pyproject.toml and distroless.toml both hold this project's settings";
    for (name, file, text, said, args) in [
        (
            "node-express",
            "distroless.toml",
            "port = 3000\n",
            node,
            &[][..],
        ),
        (
            "py-flask",
            "pyproject.toml",
            "[tool.distroless]\nport = 8000\n",
            python,
            &[],
        ),
        (
            "one-bin",
            "distroless.toml",
            "port = 3000\n",
            "distroless.toml sets `port` for a Cargo project",
            &[],
        ),
        (
            "node-express",
            "distroless.toml",
            "port = 3000\n",
            node,
            &["--ecosystem", "node"],
        ),
        (
            "py-flask",
            "pyproject.toml",
            "[tool.distroless]\nport = 8000\n",
            python,
            &["--ecosystem", "python"],
        ),
    ] {
        let f = fixture(name);
        f.write(file, text);
        let err = common::error(&f.run(&[&["init"][..], args].concat()));
        assert!(
            err.contains(said) && err.contains("distroless.toml") && err.contains("hint: move"),
            "{name} {args:?}: {err}"
        );
        assert!(!f.path("Dockerfile").exists(), "{name}: nothing written");
    }
    // A distroless.toml that only names the ecosystem is no settings.
    let f = fixture("one-bin");
    f.write("distroless.toml", "ecosystem = \"rust\"\n");
    ok(&f.run(&["init"]));
    // A member's folder is no place for them either; a file that names
    // another ecosystem is that one's.
    let f = fixture("workspace");
    f.write("crates/api/distroless.toml", "port = 3000\n");
    let err = common::error(&f.run(&["init"]));
    assert!(
        err.contains("crates/api/distroless.toml sets `port` for a Cargo project")
            && err.contains("[package.metadata.distroless] of crates/api/Cargo.toml"),
        "{err}"
    );
    assert!(!f.path("Dockerfile").exists(), "nothing written");
    f.write(
        "crates/api/distroless.toml",
        "ecosystem = \"pyhton\"\nport = 3000\n",
    );
    let err = common::error(&f.run(&["init"]));
    assert!(
        err.contains("invalid `ecosystem` in")
            && err.contains("crates/api/distroless.toml: `pyhton`")
            && err.contains("hint: write ecosystem = \"python\""),
        "{err}"
    );
    f.write(
        "crates/api/distroless.toml",
        "ecosystem = \"python\"\nport = 3000\n",
    );
    ok(&f.run(&["init"]));
}
