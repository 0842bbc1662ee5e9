//! Settings: parsing, merging and every key's grammar.
use super::*;
use crate::error::format;

pub(crate) const WS: Origin = Origin {
    table: "[workspace.metadata.distroless]",
    file: "Cargo.toml",
    dir: "",
};
pub(crate) const MEMBER: Origin = Origin {
    table: "[package.metadata.distroless]",
    file: "crates/api/Cargo.toml",
    dir: "crates/api",
};

#[derive(Debug, Default, Deserialize)]
struct Own {
    extra: Option<bool>,
}

impl OwnKeys for Own {
    const KEYS: &'static [&'static str] = &["extra"];
}

fn table(json: serde_json::Value) -> Result<(ImageSettings, Own)> {
    parse_table(&json, "[t] of crates/api/Cargo.toml", "see the README").map(|p| (p.image, p.own))
}

#[test]
fn project_choices_are_shared_keys_checked_and_flags_win() {
    let json = serde_json::json!({"compose": true, "mirror": "reg.example/m", "extra": true});
    let parsed: Parsed<Own> = parse_table(&json, "[t] of x", "see the README").unwrap();
    assert_eq!(parsed.project.compose, Some(true));
    assert_eq!(
        parsed.project.given(),
        [("--compose", "compose"), ("--mirror", "mirror")]
    );
    let flags = ProjectSettings {
        mirror: Some("other.example".into()),
        pin: Some(true),
        ..Default::default()
    };
    let merged = flags.over(&parsed.project);
    assert_eq!(merged.mirror.as_deref(), Some("other.example"));
    assert_eq!((merged.compose(), merged.sourcing().pin), (true, true));
    assert_eq!(merged.dockerfile(), "Dockerfile");
    for (bad, key) in [
        (serde_json::json!({"mirror": "a b"}), "`mirror`"),
        (serde_json::json!({"file": "../Dockerfile"}), "`file`"),
    ] {
        let err = crate::error::format(&parse_table::<Own>(&bad, "[t] of x", "").unwrap_err());
        assert!(
            err.contains(&format!("invalid {key}")) && err.contains("[t] of x"),
            "{err}"
        );
    }
}

fn shared(json: serde_json::Value) -> ImageSettings {
    table(json).unwrap().0
}

#[test]
fn splits_shared_and_own_keys() {
    let (s, own) = table(serde_json::json!({"port": 80, "extra": true})).unwrap();
    assert_eq!(s.port, Some(Ports::One(80)));
    assert_eq!(own.extra, Some(true));
}

#[test]
fn unknown_key_names_key_file_and_every_key() {
    let text = format(&table(serde_json::json!({"prot": 80})).unwrap_err());
    assert!(text.contains("unknown key `prot`"), "{text}");
    assert!(text.contains("did you mean `port`?"), "{text}");
    assert!(text.contains("crates/api/Cargo.toml"), "{text}");
    assert!(
        text.contains("the keys are `port`, `env`, `include`, `args`, `apt`, `healthcheck`, `init`, `depends-on`, `stop-signal`, `compose`, `file`, `pin`, `mirror`, `extra`"),
        "{text}"
    );
    let text = format(&table(serde_json::json!(["port"])).unwrap_err());
    assert!(text.contains("must be a table"), "{text}");
}

#[test]
fn typos_find_the_key_meant() {
    let keys = ["port", "env", "include", "depends-on", "healthcheck"];
    assert_eq!(closest("prot", &keys), Some("port"));
    assert_eq!(closest("depends_on", &keys), Some("depends-on"));
    assert_eq!(closest("helthcheck", &keys), Some("healthcheck"));
    assert_eq!(closest("includes", &keys), Some("include"));
    assert_eq!(closest("xyz", &keys), None);
    assert_eq!(closest("ev", &keys), Some("env"));
    assert_eq!(closest("image", &keys), None);
}

#[test]
fn wrong_type_names_the_key() {
    let text = format(&table(serde_json::json!({"args": "serve"})).unwrap_err());
    assert!(text.contains("at `args`"), "{text}");
    let text = format(&table(serde_json::json!({"port": "80"})).unwrap_err());
    assert!(text.contains("port number"), "{text}");
    let text = format(&table(serde_json::json!({"extra": 3})).unwrap_err());
    assert!(text.contains("at `extra`"), "{text}");
}

#[test]
fn member_overrides_workspace_env_merges_apt_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("crates/api/static")).unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let ws = shared(serde_json::json!({
        "port": [9000, 8080, 9000], "env": {"A": "ws", "B": 1},
        "include": ["config.toml"], "args": ["x"], "apt": ["libpq-dev"]
    }));
    let member = shared(serde_json::json!({
        "env": {"A": "member"}, "include": ["static"], "apt": ["clang", "libpq-dev"]
    }));
    let s = resolve(Some((&ws, &WS)), (&member, &MEMBER), dir.path()).unwrap();
    assert_eq!(s.ports, [8080, 9000]);
    assert_eq!(s.env["A"], "member");
    assert_eq!(s.env["B"], "1");
    assert_eq!(
        s.include,
        [Include {
            src: "crates/api/static".into(),
            dest: "/app/static".into()
        }]
    );
    assert_eq!(s.args, Some(vec!["x".to_string()]));
    let apt: Vec<(&str, &str)> = s
        .apt
        .iter()
        .map(|a| (a.name.as_str(), a.origin.as_str()))
        .collect();
    assert_eq!(
        apt,
        [
            ("libpq-dev", "[workspace.metadata.distroless] of Cargo.toml"),
            (
                "clang",
                "[package.metadata.distroless] of crates/api/Cargo.toml"
            )
        ]
    );
}

#[test]
fn include_must_exist_and_stay_inside() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = shared(serde_json::json!({"include": ["missing"]}));
    let text = format(&resolve(None, (&cfg, &MEMBER), dir.path()).unwrap_err());
    assert!(
        text.contains("`crates/api/missing` does not exist"),
        "{text}"
    );
    for (entry, origin, why) in [
        ("../x", &MEMBER, "without `..`"),
        ("/etc/passwd", &MEMBER, "without `..`"),
        ("data[1].txt", &MEMBER, "Docker reads them as patterns"),
        ("a\nRUN x", &MEMBER, "control characters"),
        (".", &WS, "it names the whole build context"),
        ("./", &WS, "it names the whole build context"),
    ] {
        let cfg = shared(serde_json::json!({ "include": [entry] }));
        let text = format(&resolve(None, (&cfg, origin), dir.path()).unwrap_err());
        assert!(
            text.contains(&format!("invalid `include` entry `{entry}` in {origin}"))
                && text.contains(why),
            "{text}"
        );
    }
    // In a member's folder, `.` is that folder.
    std::fs::create_dir_all(dir.path().join("crates/api")).unwrap();
    let cfg = shared(serde_json::json!({"include": ["."]}));
    let s = resolve(None, (&cfg, &MEMBER), dir.path()).unwrap();
    assert_eq!(
        s.include,
        [Include {
            src: "crates/api".into(),
            dest: "/app/".into()
        }]
    );
}

#[cfg(unix)]
#[test]
fn an_include_that_leaves_through_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc", dir.path().join("conf")).unwrap();
    let cfg = shared(serde_json::json!({"include": ["conf"]}));
    let text = format(&resolve(None, (&cfg, &WS), dir.path()).unwrap_err());
    assert!(
        text.contains("leads out of the project through a symbolic link"),
        "{text}"
    );
}

#[test]
fn env_values_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = shared(serde_json::json!({"env": {"A": "x\nRUN echo INJECTED"}}));
    let text = format(&resolve(None, (&cfg, &WS), dir.path()).unwrap_err());
    assert!(
        text.contains("invalid `env` value of `A` in [workspace.metadata.distroless] of Cargo.toml: control characters"),
        "{text}"
    );
    let cfg = shared(serde_json::json!({"env": {"A": "quotes \" and $HOME are fine"}}));
    assert!(resolve(None, (&cfg, &WS), dir.path()).is_ok());
}

#[test]
fn bad_env_name_port_and_apt_name_the_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    for (json, want) in [
        (
            serde_json::json!({"env": {"1X": "a"}}),
            "invalid `env` name `1X` in [workspace.metadata.distroless] of Cargo.toml",
        ),
        (
            serde_json::json!({"port": 0}),
            "invalid `port` in [workspace.metadata.distroless] of Cargo.toml: 0 is not a port",
        ),
        (
            serde_json::json!({"apt": ["libpq-dev; rm -rf /"]}),
            "invalid `apt` entry `libpq-dev; rm -rf /` in [workspace.metadata.distroless] of Cargo.toml",
        ),
        (
            serde_json::json!({"apt": ["LibPQ"]}),
            "not a Debian package name",
        ),
    ] {
        let cfg = shared(json);
        let text = format(&resolve(None, (&cfg, &WS), dir.path()).unwrap_err());
        assert!(text.contains(want), "{text}");
        assert!(text.contains("hint:"), "{text}");
    }
}
