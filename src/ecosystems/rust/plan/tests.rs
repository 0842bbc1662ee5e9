use super::*;
use crate::ecosystems::common::AptNeed;
use crate::ecosystems::rust::detect::{TargetFile, Toolchain};
use crate::ecosystems::rust::graph::BuildGraph;
use crate::settings::Settings;

fn pkg(name: &str, bins: &[&str]) -> RustPackage {
    RustPackage {
        name: name.into(),
        version: "0.1.0".into(),
        description: None,
        license: None,
        repository: None,
        dir: String::new(),
        manifest: "Cargo.toml".into(),
        bins: bins
            .iter()
            .map(|b| Bin {
                name: b.to_string(),
                required_features: vec![],
            })
            .collect(),
        build_script: false,
        targets: bins
            .iter()
            .map(|b| TargetFile {
                path: format!("src/bin/{b}.rs"),
                main: true,
            })
            .collect(),
        path_deps: vec![],
        default_run: None,
        rust_version: None,
        settings: Settings::default(),
    }
}

#[test]
fn the_dependency_plan_stands_in_for_members_and_copies_the_rest() {
    let mut api = pkg("api", &["api"]);
    api.dir = "crates/api".into();
    api.manifest = "crates/api/Cargo.toml".into();
    api.targets = vec![
        TargetFile {
            path: "crates/api/build.rs".into(),
            main: true,
        },
        TargetFile {
            path: "crates/api/src/main.rs".into(),
            main: true,
        },
    ];
    api.path_deps = vec!["crates/macros".into(), "third_party/fork".into()];
    let mut macros = pkg("macros", &[]);
    macros.dir = "crates/macros".into();
    macros.manifest = "crates/macros/Cargo.toml".into();
    macros.targets = vec![TargetFile {
        path: "crates/macros/src/lib.rs".into(),
        main: false,
    }];
    let mut patched = pkg("patched", &[]);
    patched.dir = "patches/patched".into();
    patched.manifest = "patches/patched/Cargo.toml".into();
    patched.targets = vec![TargetFile {
        path: "patches/patched/src/lib.rs".into(),
        main: false,
    }];
    let mut p = project(vec![api, macros, patched], None);
    p.patched = vec!["patches/patched".into()];
    p.cargo_config.file = Some(".cargo/config.toml".into());
    p.cargo_config.vendored = Some("vendor".into());
    let planned = plan(
        &p,
        &Selection::default(),
        &ProjectSettings::default(),
        false,
    )
    .unwrap();
    let rust = &planned.context.section.value;
    assert_eq!(rust["cache"], "layers");
    let deps = &rust["plan"];
    assert_eq!(deps["stage"], "plan");
    assert_eq!(
        deps["copy"],
        serde_json::json!([
            ".cargo/config.toml",
            "Cargo.lock",
            "Cargo.toml",
            "crates/api/Cargo.toml",
            "crates/macros/Cargo.toml",
            "patches/patched",
            "third_party/fork",
            "vendor"
        ]),
        "manifests, and whole: what [patch] names, path dependencies that are not members, vendored crates"
    );
    assert_eq!(
        deps["libs"],
        serde_json::json!(["crates/macros/src/lib.rs"])
    );
    assert_eq!(
        deps["mains"],
        serde_json::json!(["crates/api/build.rs", "crates/api/src/main.rs"])
    );
    assert_eq!(
        deps["dirs"],
        serde_json::json!(["crates/api", "crates/api/src", "crates/macros/src"])
    );
    let mounts = Selection {
        cache: Some("mounts".into()),
        ..Default::default()
    };
    let rust = plan(&p, &mounts, &ProjectSettings::default(), false)
        .unwrap()
        .context
        .section
        .value;
    assert_eq!(
        (rust["cache"].as_str(), rust["plan"].is_null()),
        (Some("mounts"), true)
    );
}

fn project(packages: Vec<RustPackage>, root: Option<&str>) -> RustProject {
    RustProject {
        name: root.unwrap_or("w").into(),
        root: "/w".into(),
        root_package: root.map(String::from),
        packages,
        lockfile: true,
        locked_crates: vec![],
        build_graph: BuildGraph::NoNativeCrate,
        toolchain: None,
        profiles: vec![],
        patched: vec![],
        cargo_config: Default::default(),
        selection: Default::default(),
        choices: Default::default(),
        config: Default::default(),
    }
}

fn planned(p: &RustProject, opts: &Selection) -> Planned {
    plan(p, opts, &ProjectSettings::default(), true).unwrap()
}

fn decisions(p: &RustProject, opts: &Selection) -> Decisions {
    decide(p, opts, &ProjectSettings::default(), false)
        .unwrap()
        .1
}

fn stages(p: &Planned) -> Vec<&str> {
    p.context
        .binaries
        .iter()
        .map(|b| b.stage.as_str())
        .collect()
}

#[test]
fn default_run_is_last() {
    let mut a = pkg("app", &["admin", "web", "zz"]);
    a.default_run = Some("web".into());
    let p = planned(&project(vec![a], Some("app")), &Selection::default());
    assert_eq!(stages(&p), ["admin", "zz", "web"]);
    assert!(p.context.binaries[2].default);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn ambiguous_default_warns_and_is_deterministic() {
    let ws = project(vec![pkg("b", &["beta"]), pkg("a", &["alpha"])], None);
    let p = planned(&ws, &Selection::default());
    assert_eq!(stages(&p), ["beta", "alpha"]);
    assert!(p.warnings.iter().any(|w| w.contains("no `default-run`")));
}

#[test]
fn first_bin_flag_is_default() {
    let ws = project(vec![pkg("a", &["alpha", "beta", "gamma"])], Some("a"));
    let opts = Selection {
        bins: vec!["gamma".into(), "alpha".into()],
        ..Default::default()
    };
    let p = planned(&ws, &opts);
    assert_eq!(stages(&p), ["alpha", "gamma"]);
    let cargo = decisions(&ws, &opts).cargo;
    assert_eq!(cargo.packages, ["a"]);
    assert_eq!(cargo.bins, ["alpha", "gamma"]);
}

#[test]
fn unknown_bin_lists_the_real_ones() {
    let ws = project(vec![pkg("a", &["alpha", "beta"])], Some("a"));
    let opts = Selection {
        bins: vec!["gama".into()],
        ..Default::default()
    };
    let text =
        crate::error::format(&plan(&ws, &opts, &ProjectSettings::default(), false).unwrap_err());
    assert!(text.contains("no binary named `gama`"), "{text}");
    assert!(text.contains("alpha, beta"), "{text}");
}

#[test]
fn library_only_is_an_error() {
    let ws = project(vec![pkg("lib", &[])], Some("lib"));
    let text = crate::error::format(
        &plan(
            &ws,
            &Selection::default(),
            &ProjectSettings::default(),
            false,
        )
        .unwrap_err(),
    );
    assert!(text.contains("no binary target"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

#[test]
fn unknown_package_is_an_error() {
    let ws = project(vec![pkg("a", &["a"])], Some("a"));
    let opts = Selection {
        packages: vec!["b".into()],
        ..Default::default()
    };
    assert!(
        crate::error::format(&plan(&ws, &opts, &ProjectSettings::default(), false).unwrap_err())
            .contains("the members are: a")
    );
}

#[test]
fn required_features_are_skipped_unless_named() {
    let mut a = pkg("a", &["main", "extra"]);
    a.bins[1].required_features = vec!["cli".into()];
    let ws = project(vec![a], Some("a"));
    let p = planned(&ws, &Selection::default());
    assert_eq!(stages(&p), ["main"]);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("requires the features cli"))
    );
    let named = Selection {
        bins: vec!["extra".into()],
        ..Default::default()
    };
    let cargo = decisions(&ws, &named).cargo;
    assert_eq!(cargo.bins, ["extra"]);
    assert_eq!(cargo.features, ["a/cli"]);
}

#[test]
fn rust_version_order_of_precedence() {
    let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
    let p = planned(&ws, &Selection::default());
    assert_eq!(
        p.context.builder.image, "rust:1-slim-trixie",
        "stable floats"
    );
    let flag = Selection {
        rust_version: Some("1.90.1".into()),
        ..Default::default()
    };
    assert_eq!(
        planned(&ws, &flag).context.builder.image,
        "rust:1.90.1-slim-trixie"
    );
    ws.toolchain = Some(Toolchain {
        file: "rust-toolchain.toml".into(),
        channel: "1.88".into(),
    });
    let p = planned(&ws, &flag);
    assert_eq!(p.context.builder.image, "rust:1.88-slim-trixie");
    assert!(p.warnings.iter().any(|w| w.contains("ignored")));
    ws.packages[0].rust_version = RustVersion::parse("1.91.0");
    let p = planned(&ws, &flag);
    assert_eq!(
        p.context.builder.image, "rust:1.88-slim-trixie",
        "an exact pin is honoured"
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("older than `a`'s rust-version 1.91.0")),
        "{:?}",
        p.warnings
    );
    ws.toolchain = Some(Toolchain {
        file: "rust-toolchain.toml".into(),
        channel: "1.100".into(),
    });
    let p = planned(&ws, &Selection::default());
    assert_eq!(p.context.builder.image, "rust:1.100-slim-trixie");
    assert!(
        p.warnings.is_empty(),
        "1.100 is newer than 1.91: {:?}",
        p.warnings
    );
    ws.toolchain = Some(Toolchain {
        file: "rust-toolchain.toml".into(),
        channel: "stable".into(),
    });
    assert_eq!(
        planned(&ws, &Selection::default()).context.builder.image,
        "rust:1-slim-trixie"
    );
    for channel in [
        "nightly",
        "beta",
        "nightly-2026-11-01",
        "1.95-x86_64-unknown-linux-gnu",
    ] {
        ws.toolchain = Some(Toolchain {
            file: "rust-toolchain".into(),
            channel: channel.into(),
        });
        let text = crate::error::format(
            &plan(
                &ws,
                &Selection::default(),
                &ProjectSettings::default(),
                false,
            )
            .unwrap_err(),
        );
        assert!(
            text.contains(&format!("rust-toolchain names the channel `{channel}`"))
                && text.contains("eject rust/builder"),
            "{text}"
        );
    }
    ws.toolchain = None;
    let bad = Selection {
        rust_version: Some("latest".into()),
        ..Default::default()
    };
    let text =
        crate::error::format(&plan(&ws, &bad, &ProjectSettings::default(), false).unwrap_err());
    assert!(
        text.contains("--rust-version `latest` is not a Rust version"),
        "{text}"
    );
}

#[test]
fn debug_info_is_stripped_unless_the_profile_or_the_key_says_otherwise() {
    use crate::ecosystems::rust::detect::Profile;
    let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
    assert!(decisions(&ws, &Selection::default()).cargo.strip_debuginfo);
    let keep = Selection {
        strip: Some(false),
        ..Default::default()
    };
    assert!(!decisions(&ws, &keep).cargo.strip_debuginfo);
    ws.profiles = vec![
        Profile {
            name: "release".into(),
            strip: true,
            inherits: None,
        },
        Profile {
            name: "dist".into(),
            strip: false,
            inherits: Some("release".into()),
        },
    ];
    let dist = Selection {
        profile: Some("dist".into()),
        ..Default::default()
    };
    assert!(
        !decisions(&ws, &dist).cargo.strip_debuginfo,
        "inherited from release"
    );
    assert!(!decisions(&ws, &Selection::default()).cargo.strip_debuginfo);
}

#[test]
fn builder_stage_avoids_binary_names() {
    let ws = project(vec![pkg("a", &["builder"])], Some("a"));
    assert_eq!(
        planned(&ws, &Selection::default()).context.builder.stage,
        "builder-1"
    );
}

#[test]
fn no_lockfile_warns_and_is_not_locked() {
    let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
    ws.lockfile = false;
    let p = planned(&ws, &Selection::default());
    assert!(!decisions(&ws, &Selection::default()).cargo.locked);
    assert!(p.warnings.iter().any(|w| w.contains("Cargo.lock")));
}

#[test]
fn apt_setting_reaches_the_builder_with_its_reason() {
    let mut a = pkg("a", &["a"]);
    a.settings.apt = vec![crate::settings::AptRequest {
        name: "clang".into(),
        origin: "[package.metadata.distroless] of Cargo.toml".into(),
    }];
    let ws = project(vec![a], Some("a"));
    let d = decisions(&ws, &Selection::default());
    assert_eq!(
        d.apt,
        [AptNeed {
            name: "clang".into(),
            needs: vec![Need::Setting(
                "[package.metadata.distroless] of Cargo.toml".into()
            )]
        }]
    );
}

#[test]
fn native_crates_decide_packages_and_linkage() {
    let mut ws = project(vec![pkg("a", &["a"])], Some("a"));
    ws.locked_crates = vec!["libsqlite3-sys".into(), "openssl-sys".into()];
    ws.build_graph = BuildGraph::resolved_with_no_feature(&[(
        "a",
        &[
            ("openssl-sys", &[]),
            ("libsqlite3-sys", &[]),
            ("rusqlite", &["bundled"]),
        ],
    )]);
    let d = decisions(&ws, &Selection::default());
    let linkage: Vec<(&str, &Linkage)> = d
        .native
        .iter()
        .map(|n| (n.krate.krate, &n.linkage))
        .collect();
    assert_eq!(
        linkage,
        [
            ("openssl-sys", &Linkage::System),
            (
                "libsqlite3-sys",
                &Linkage::BuiltIn {
                    because: Some("rusqlite/bundled".into())
                }
            ),
        ]
    );
    let names: Vec<&str> = d.apt.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["libssl-dev", "pkg-config"]);
    let static_opts = Selection {
        runtime: Some("static".into()),
        ..Default::default()
    };
    let text = crate::error::format(
        &plan(&ws, &static_opts, &ProjectSettings::default(), false).unwrap_err(),
    );
    assert!(
        text.contains("`openssl-sys` links the system OpenSSL")
            && text.contains("enable the `vendored` feature of `openssl`"),
        "{text}"
    );
}

#[test]
fn a_resolved_graph_drops_what_no_feature_builds() {
    // The sqlx shape: the lockfile lists the SQLite driver, the build does not.
    let mut ws = project(vec![pkg("api", &["api"]), pkg("tool", &["tool"])], None);
    ws.locked_crates = vec!["libsqlite3-sys".into(), "openssl-sys".into()];
    ws.build_graph = BuildGraph::resolved_with_no_feature(&[
        ("api", &[("sqlx", &["postgres"]), ("openssl-sys", &[])]),
        ("tool", &[("libsqlite3-sys", &[])]),
    ]);
    let api = Selection {
        packages: vec!["api".into()],
        ..Default::default()
    };
    let natives = |d: &Decisions| -> Vec<&str> { d.native.iter().map(|n| n.krate.krate).collect() };
    assert_eq!(natives(&decisions(&ws, &api)), ["openssl-sys"]);
    let tool = Selection {
        packages: vec!["tool".into()],
        ..Default::default()
    };
    assert_eq!(natives(&decisions(&ws, &tool)), ["libsqlite3-sys"]);
    // Features the resolve was not made for: a fault, never a guess.
    let bundled = Selection {
        packages: vec!["tool".into()],
        features: vec!["libsqlite3-sys/bundled".into()],
        ..Default::default()
    };
    let text =
        crate::error::format(&plan(&ws, &bundled, &ProjectSettings::default(), false).unwrap_err());
    assert!(text.contains("resolved for"), "{text}");
}
