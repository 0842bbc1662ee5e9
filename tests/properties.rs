//! Property test: whatever string a project puts in a field, the rendered
//! Dockerfile has the same instructions as with a plain value, no string
//! becomes a new instruction or a new shell word, and free text lands as the
//! very text it was. The output is read back with a real Dockerfile parser.
//! A value the field's grammar refuses is an error, never output.

use std::collections::BTreeMap;

use cargo_distroless::context::Context;
use cargo_distroless::ecosystems::rust::detect::{Bin, RustPackage};
use cargo_distroless::ecosystems::rust::{self, RustProject, Selection};
use cargo_distroless::grammar;
use cargo_distroless::layout::GeneratedFile;
use cargo_distroless::render::{self, Overrides, Renderer};
use cargo_distroless::settings::{self, EnvValue, ImageSettings, Origin};
use parse_dockerfile::{Command, Instruction};
use proptest::prelude::*;

const ORIGIN: Origin = Origin {
    table: "[package.metadata.distroless]",
    file: "Cargo.toml",
    dir: "",
};

/// One renderer for every case: parsing the templates is the slow part.
fn renderer() -> &'static Renderer {
    static R: std::sync::OnceLock<Renderer> = std::sync::OnceLock::new();
    R.get_or_init(|| Renderer::new(&Overrides::default(), None).unwrap())
}

/// The values a case puts in the project, each field plain by default.
#[derive(Clone, Debug)]
struct Fields {
    bin: String,
    feature: String,
    profile: String,
    apt: String,
    env_value: String,
    description: String,
    arg: String,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            bin: "zzbin".into(),
            feature: "zzfeat".into(),
            profile: "zzprof".into(),
            apt: "zzapt".into(),
            env_value: "zzvalue".into(),
            description: "zzdesc".into(),
            arg: "zzarg".into(),
        }
    }
}

/// The project's Dockerfile, or `None` when a grammar refuses a value, as
/// the tool's front doors do: cargo names and choices checked by their
/// grammars, settings by `settings::resolve`.
fn dockerfile(f: &Fields) -> Option<String> {
    grammar::cargo_name(&f.bin).ok()?;
    grammar::cargo_feature(&f.feature).ok()?;
    grammar::cargo_profile(&f.profile).ok()?;
    let shared = ImageSettings {
        env: Some(BTreeMap::from([(
            "KEY".to_string(),
            EnvValue::Text(f.env_value.clone()),
        )])),
        args: Some(vec![f.arg.clone()]),
        apt: Some(vec![f.apt.clone()]),
        ..ImageSettings::default()
    };
    let dir = std::env::temp_dir();
    let resolved = settings::resolve(None, (&shared, &ORIGIN), &dir).ok()?;
    let package = RustPackage {
        name: "zzpkg".into(),
        version: "1.0.0".into(),
        description: Some(f.description.clone()),
        license: None,
        repository: None,
        dir: String::new(),
        manifest: "Cargo.toml".into(),
        bins: vec![Bin {
            name: f.bin.clone(),
            required_features: vec![],
        }],
        build_script: false,
        targets: vec![],
        path_deps: vec![],
        default_run: None,
        rust_version: None,
        settings: resolved,
    };
    let project = RustProject {
        root: dir,
        root_package: Some("zzpkg".into()),
        name: "zzpkg".into(),
        packages: vec![package],
        lockfile: true,
        locked_crates: vec![],
        build_graph: cargo_distroless::ecosystems::rust::graph::BuildGraph::NoNativeCrate,
        toolchain: None,
        profiles: vec![],
        patched: vec![],
        cargo_config: Default::default(),
        selection: Selection::default(),
        choices: Default::default(),
        config: Default::default(),
    };
    let choices = Selection {
        features: vec![f.feature.clone()],
        profile: Some(f.profile.clone()),
        ..Selection::default()
    };
    let ctx: Context = rust::plan(&project, &choices, &Default::default(), false)
        .ok()?
        .context;
    let prepared = render::Prepared::new(renderer(), &ctx).unwrap();
    Some(prepared.file(GeneratedFile::Dockerfile).unwrap())
}

/// The instructions, as the parser reads them.
fn keywords(text: &str) -> Vec<&'static str> {
    let parsed = parse_dockerfile::parse(text).expect("the output parses");
    parsed
        .instructions
        .iter()
        .map(|i| match i {
            Instruction::From(_) => "FROM",
            Instruction::Run(_) => "RUN",
            Instruction::Copy(_) => "COPY",
            Instruction::Env(_) => "ENV",
            Instruction::Label(_) => "LABEL",
            Instruction::Workdir(_) => "WORKDIR",
            Instruction::User(_) => "USER",
            Instruction::Entrypoint(_) => "ENTRYPOINT",
            Instruction::Cmd(_) => "CMD",
            Instruction::Expose(_) => "EXPOSE",
            Instruction::Shell(_) => "SHELL",
            _ => "OTHER",
        })
        .collect()
}

/// The shell words of every `RUN`, continuation lines joined.
fn run_words(text: &str) -> Vec<Vec<String>> {
    let parsed = parse_dockerfile::parse(text).unwrap();
    parsed
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Run(run) => match &run.arguments {
                Command::Shell(s) => Some(s.value.replace("\\\n", " ")),
                _ => None,
            },
            _ => None,
        })
        .map(|cmd| shell_words::split(&cmd).expect("the RUN command is one shell text"))
        .collect()
}

/// A double-quoted Dockerfile word, as Docker unquotes it.
fn unquote(word: &str) -> String {
    let inner = word
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .expect("quoted");
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n @ ('"' | '\\' | '$'))) => {
                out.push(n);
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// The double-quoted word a text starts with, quotes included.
fn first_quoted(text: &str) -> &str {
    let mut escaped = false;
    for (n, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return &text[..n + 1],
            _ => {}
        }
    }
    panic!("no closing quote in {text:?}")
}

/// What the final stage's instructions hold: ENV's value, the description
/// label, the `CMD` array.
fn landed(text: &str) -> (String, String, Vec<String>) {
    let parsed = parse_dockerfile::parse(text).unwrap();
    let mut env = String::new();
    let mut description = String::new();
    let mut cmd = Vec::new();
    for i in &parsed.instructions {
        match i {
            Instruction::Env(e) if e.arguments.value.starts_with("KEY=") => {
                env = unquote(&e.arguments.value["KEY=".len()..]);
            }
            Instruction::Label(l) => {
                let key = "org.opencontainers.image.description=";
                if let Some(at) = l.arguments.value.find(key) {
                    description = unquote(first_quoted(&l.arguments.value[at + key.len()..]));
                }
            }
            Instruction::Cmd(c) => {
                if let Command::Exec(args) = &c.arguments {
                    cmd = args.value.iter().map(|a| a.value.to_string()).collect();
                }
            }
            _ => {}
        }
    }
    (env, description, cmd)
}

/// Any string, weighted towards what shells, Dockerfiles and ignore files
/// treat specially.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z\\n\\r\\t\"'$`\\\\;&|(){}\\[\\]*?!#= /-]{0,24}",
        "[a-z0-9_-]{1,12}",
    ]
}

fn baseline() -> (Vec<&'static str>, Vec<usize>) {
    let text = dockerfile(&Fields::default()).unwrap();
    let words = run_words(&text).iter().map(Vec::len).collect();
    (keywords(&text), words)
}

/// The shape every accepted value must leave unchanged.
fn same_shape(text: &str) -> Result<(), TestCaseError> {
    let (keys, words) = baseline();
    prop_assert_eq!(keywords(text), keys, "instructions changed:\n{}", text);
    let now: Vec<usize> = run_words(text).iter().map(Vec::len).collect();
    prop_assert_eq!(now, words, "shell words changed:\n{}", text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_binary_name(s in nasty()) {
        let f = Fields { bin: s.clone(), ..Fields::default() };
        match dockerfile(&f) {
            None => prop_assert!(grammar::cargo_name(&s).is_err()),
            Some(text) => {
                same_shape(&text)?;
                let entrypoint = format!("ENTRYPOINT [\"/usr/local/bin/{s}\"]");
                prop_assert!(text.contains(&entrypoint));
            }
        }
    }

    #[test]
    fn a_feature(s in nasty()) {
        let f = Fields { feature: s.clone(), ..Fields::default() };
        match dockerfile(&f) {
            None => prop_assert!(grammar::cargo_feature(&s).is_err()),
            Some(text) => {
                same_shape(&text)?;
                let words = run_words(&text).concat();
                prop_assert!(words.contains(&s), "{} is not one word", s);
            }
        }
    }

    #[test]
    fn a_profile(s in nasty()) {
        let f = Fields { profile: s.clone(), ..Fields::default() };
        match dockerfile(&f) {
            None => prop_assert!(grammar::cargo_profile(&s).is_err()),
            Some(text) => same_shape(&text)?,
        }
    }

    #[test]
    fn an_apt_package(s in nasty()) {
        let f = Fields { apt: s.clone(), ..Fields::default() };
        match dockerfile(&f) {
            None => prop_assert!(grammar::debian_package(&s).is_err()),
            Some(text) => same_shape(&text)?,
        }
    }

    #[test]
    fn an_env_value(s in nasty()) {
        let f = Fields { env_value: s.clone(), ..Fields::default() };
        match dockerfile(&f) {
            None => prop_assert!(grammar::no_control(&s).is_err()),
            Some(text) => {
                same_shape(&text)?;
                prop_assert_eq!(landed(&text).0, s);
            }
        }
    }

    #[test]
    fn a_description(s in nasty()) {
        let f = Fields { description: s.clone(), ..Fields::default() };
        let text = dockerfile(&f).expect("free text is never refused");
        let one_line: Vec<String> = s
            .split_whitespace()
            .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        if one_line.is_empty() {
            // An empty description gets no label: one LABEL line fewer.
            prop_assert!(!text.contains("image.description"));
        } else {
            same_shape(&text)?;
            prop_assert_eq!(landed(&text).1, one_line.join(" "));
        }
    }

    #[test]
    fn an_argument(s in nasty()) {
        let f = Fields { arg: s.clone(), ..Fields::default() };
        let text = dockerfile(&f).expect("arguments are JSON: never refused");
        same_shape(&text)?;
        prop_assert_eq!(landed(&text).2, vec![s]);
    }
}
