//! Hostile input: whatever text a project puts in any field of any of its
//! files (manifests, cargo configuration, toolchain and version files,
//! requirements, the tool's own configuration), the generated files have
//! the same structure as a plain project's (the same Dockerfile
//! instructions, no new shell operator in a `RUN`, the same lines in every
//! other file), or `init` refuses with an error. Each field gets random
//! text built from the characters that break generated files: newlines,
//! `\r`, NUL, Unicode line separators, quotes, `$`, backslashes, shell
//! operators and pattern characters.

use std::path::Path;

use cargo_distroless::layout::GeneratedFile;
use cargo_distroless::pipeline::{self, Render, Request};
use parse_dockerfile::{Command, Instruction};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Where a value goes: the ecosystem's project, a file and a line with
/// `{V}` (a TOML string of the value) or `{RAW}` (the value as it is).
struct Field {
    name: &'static str,
    eco: Eco,
    file: &'static str,
    line: &'static str,
    /// A value the field takes, for the plain project.
    plain: &'static str,
}

/// The ecosystem a field belongs to, and so the project it is tried in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Eco {
    Rust,
    Python,
    Node,
}

const fn field(
    name: &'static str,
    eco: Eco,
    file: &'static str,
    line: &'static str,
    plain: &'static str,
) -> Field {
    Field {
        name,
        eco,
        file,
        line,
        plain,
    }
}

/// Every text field a project can set, by file.
const FIELDS: &[Field] = &[
    field(
        "py env value",
        Eco::Python,
        "distroless.toml",
        "env = { KEY = {V} }",
        "zz",
    ),
    field(
        "py env name",
        Eco::Python,
        "distroless.toml",
        "env = { {V} = \"1\" }",
        "ZZ",
    ),
    field(
        "py args",
        Eco::Python,
        "distroless.toml",
        "args = [{V}]",
        "zz",
    ),
    field(
        "py entrypoint",
        Eco::Python,
        "distroless.toml",
        "entrypoint = [\"/venv/bin/python\", {V}]",
        "app.py",
    ),
    field(
        "py include",
        Eco::Python,
        "distroless.toml",
        "include = [{V}]",
        "app.py",
    ),
    field(
        "py exclude",
        Eco::Python,
        "distroless.toml",
        "exclude = [{V}]",
        "zz",
    ),
    field(
        "py writable",
        Eco::Python,
        "distroless.toml",
        "writable = [{V}]",
        "zz",
    ),
    field(
        "py healthcheck",
        Eco::Python,
        "distroless.toml",
        "healthcheck = {V}",
        "/zz",
    ),
    field(
        "py apt",
        Eco::Python,
        "distroless.toml",
        "apt = [{V}]",
        "zz",
    ),
    field(
        "py build-commands",
        Eco::Python,
        "distroless.toml",
        "build-commands = [[\"python\", {V}]]",
        "zz",
    ),
    field(
        "py mirror",
        Eco::Python,
        "distroless.toml",
        "mirror = {V}",
        "zz.example",
    ),
    field(
        "py file",
        Eco::Python,
        "distroless.toml",
        "file = {V}",
        "Dockerfile.zz",
    ),
    field(
        "py compile-exclude",
        Eco::Python,
        "distroless.toml",
        "compile-exclude = [{V}]",
        "app.py",
    ),
    field(
        "requirement",
        Eco::Python,
        "requirements.txt",
        "{RAW}",
        "flask",
    ),
    field(
        "py project name",
        Eco::Python,
        "pyproject.toml",
        "[project]\nname = {V}\nversion = \"1.0\"",
        "zz",
    ),
    field(
        "py project version",
        Eco::Python,
        "pyproject.toml",
        "[project]\nname = \"zz\"\nversion = {V}",
        "1.0",
    ),
    field(
        "py project description",
        Eco::Python,
        "pyproject.toml",
        "[project]\nname = \"zz\"\nversion = \"1.0\"\ndescription = {V}",
        "zz",
    ),
    field(
        "py requires-python",
        Eco::Python,
        "pyproject.toml",
        "[project]\nname = \"zz\"\nversion = \"1.0\"\nrequires-python = {V}",
        ">=3.10",
    ),
    field(
        "py dependency",
        Eco::Python,
        "pyproject.toml",
        "[project]\nname = \"zz\"\nversion = \"1.0\"\ndependencies = [{V}]",
        "flask",
    ),
    field(
        "python-version",
        Eco::Python,
        ".python-version",
        "{RAW}",
        "3.13",
    ),
    field(
        "rust description",
        Eco::Rust,
        "Cargo.toml",
        "description = {V}",
        "zz",
    ),
    field(
        "rust bin name",
        Eco::Rust,
        "Cargo.toml",
        "[[bin]]\nname = {V}\npath = \"src/main.rs\"",
        "zz",
    ),
    field(
        "rust env value",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nenv = { KEY = {V} }",
        "zz",
    ),
    field(
        "rust args",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nargs = [{V}]",
        "zz",
    ),
    field(
        "rust features",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nfeatures = [{V}]",
        "zz",
    ),
    field(
        "rust profile",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nprofile = {V}",
        "release",
    ),
    field(
        "rust apt",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\napt = [{V}]",
        "zz",
    ),
    field(
        "rust healthcheck",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nport = 8080\nhealthcheck = {V}",
        "/zz",
    ),
    field(
        "rust mirror",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nmirror = {V}",
        "zz.example",
    ),
    field(
        "rust include",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\ninclude = [{V}]",
        "src",
    ),
    field(
        "rust rust-version",
        Eco::Rust,
        "Cargo.toml",
        "[package.metadata.distroless]\nrust-version = {V}",
        "1.95",
    ),
    field(
        "cargo linker",
        Eco::Rust,
        ".cargo/config.toml",
        "[target.x86_64-unknown-linux-gnu]\nlinker = {V}",
        "clang",
    ),
    field(
        "cargo rustflags",
        Eco::Rust,
        ".cargo/config.toml",
        "[build]\nrustflags = [{V}]",
        "-Clink-arg=-fuse-ld=lld",
    ),
    field(
        "cargo env name",
        Eco::Rust,
        ".cargo/config.toml",
        "[env]\n{V} = \"1\"",
        "ZZ",
    ),
    field(
        "rust-toolchain",
        Eco::Rust,
        "rust-toolchain",
        "{RAW}",
        "1.95",
    ),
    field(
        "node name",
        Eco::Node,
        "package.json",
        "\"name\": {J}",
        "zz",
    ),
    field(
        "node version",
        Eco::Node,
        "package.json",
        "\"version\": {J}",
        "1.0.0",
    ),
    field(
        "node description",
        Eco::Node,
        "package.json",
        "\"description\": {J}",
        "zz",
    ),
    field(
        "node main",
        Eco::Node,
        "package.json",
        "\"main\": {J}",
        "server.js",
    ),
    field(
        "node start script",
        Eco::Node,
        "package.json",
        "\"scripts\": { \"start\": {J} }",
        "node server.js",
    ),
    field(
        "node engines",
        Eco::Node,
        "package.json",
        "\"engines\": { \"node\": {J} }",
        "24",
    ),
    field(
        "node packageManager",
        Eco::Node,
        "package.json",
        "\"packageManager\": {J}",
        "npm@10.9.0",
    ),
    field(
        "node env value",
        Eco::Node,
        "package.json",
        "\"distroless\": { \"env\": { \"KEY\": {J} } }",
        "zz",
    ),
    field(
        "node entrypoint",
        Eco::Node,
        "package.json",
        "\"distroless\": { \"entrypoint\": [\"/nodejs/bin/node\", {J}] }",
        "/app/server.js",
    ),
    field(
        "node start key",
        Eco::Node,
        "package.json",
        "\"scripts\": { \"prod\": \"node server.js\" }, \"distroless\": { \"start\": {J} }",
        "prod",
    ),
    field(
        "node writable",
        Eco::Node,
        "package.json",
        "\"distroless\": { \"writable\": [{J}] }",
        "uploads",
    ),
    field("nvmrc", Eco::Node, ".nvmrc", "{RAW}", "24"),
];

/// Fields whose plain value adds to the files (a linker's package), with a
/// value that adds nothing: a text may take either shape.
const NEUTRAL: &[(&str, &str)] = &[("cargo linker", "cc"), ("cargo rustflags", "-Dwarnings")];

/// A TOML string holding `value` exactly.
fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

/// Writes the project with `value` in `f`, in a fresh folder.
fn project(f: &Field, value: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let line = f
        .line
        .replace("{V}", &toml_string(value))
        .replace(
            "{J}",
            &serde_json::Value::String(value.to_string()).to_string(),
        )
        .replace("{RAW}", value);
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    if f.eco == Eco::Node {
        let inner = if f.file == "package.json" {
            line.as_str()
        } else {
            "\"private\": true"
        };
        write("package.json", &format!("{{ {inner} }}\n"));
        write("package-lock.json", "{ \"lockfileVersion\": 3 }\n");
        write(
            "server.js",
            "require('http').createServer().listen(3000);\n",
        );
    } else if f.eco == Eco::Rust {
        let mut manifest =
            String::from("[package]\nname = \"zzpkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
        if f.file == "Cargo.toml" {
            if line.starts_with("description") {
                manifest.push_str(&line);
                manifest.push('\n');
            } else {
                manifest.push_str(&format!("\n{line}\n"));
            }
        }
        manifest.push_str("\n[workspace]\n");
        write("Cargo.toml", &manifest);
        write("src/main.rs", "fn main() {}\n");
        write(
            "Cargo.lock",
            "version = 4\n\n[[package]]\nname = \"zzpkg\"\nversion = \"0.1.0\"\n",
        );
    } else {
        write("app.py", "print('zz')\n");
        write("requirements.txt", "flask\n");
        write("distroless.toml", "port = 8000\n");
    }
    if f.file != "Cargo.toml" && f.file != "package.json" {
        let base = std::fs::read_to_string(root.join(f.file)).unwrap_or_default();
        let text = if f.file == "distroless.toml" {
            format!("{base}{line}\n")
        } else {
            format!("{line}\n")
        };
        write(f.file, &text);
    }
    dir
}

/// The generated files, or the error when the tool refused the project.
fn generate(root: &Path) -> Result<Vec<(GeneratedFile, String)>, String> {
    let req = Request {
        path: Some(root.to_path_buf()),
        ..Request::default()
    };
    let generated = pipeline::generate(&req, Render::Always)
        .map_err(|e| cargo_distroless::error::format(&e))?;
    Ok(generated
        .files
        .iter()
        .map(|(f, p)| (*f, p.content.clone()))
        .collect())
}

/// The structure of a Dockerfile: each instruction's keyword, and for each
/// `RUN` the shell operators it has outside quotes.
fn structure(dockerfile: &str) -> Vec<String> {
    let parsed = parse_dockerfile::parse(dockerfile).expect("the output parses");
    parsed
        .instructions
        .iter()
        .map(|i| match i {
            Instruction::Run(run) => match &run.arguments {
                Command::Shell(s) => format!("RUN {}", operators(s.value)),
                _ => "RUN []".to_string(),
            },
            other => format!("{other:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// The shell operators and expansions outside single and double quotes.
fn operators(shell: &str) -> String {
    let mut out = String::new();
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in shell.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '$' | '`' if !single => out.push(c),
            ';' | '|' | '&' | '(' | ')' | '<' | '>' | '\n' if !single && !double => out.push(c),
            _ => {}
        }
    }
    out
}

/// Compares a hostile project's files with the plain one's.
fn same_shape(
    name: &str,
    value: &str,
    plain: &[(GeneratedFile, String)],
    got: &[(GeneratedFile, String)],
) {
    let files = |fs: &[(GeneratedFile, String)]| fs.iter().map(|(f, _)| *f).collect::<Vec<_>>();
    assert_eq!(
        files(plain),
        files(got),
        "{name} = {value:?}: the same files"
    );
    for ((file, want), (_, have)) in plain.iter().zip(got) {
        if *file == GeneratedFile::Dockerfile {
            assert_eq!(
                structure(want),
                structure(have),
                "{name} = {value:?} changed the Dockerfile's instructions:\n{have}"
            );
        }
        assert_eq!(
            want.lines().count(),
            have.lines().count(),
            "{name} = {value:?} changed the lines of {file:?}:\n{have}"
        );
    }
}

/// Text made of the characters that break generated files, and letters.
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(vec![
                '\n', '\r', '\0', '\u{85}', '\u{2028}', '\u{2029}', '\u{1b}', '\t', '"', '\'',
                '$', '\\', '`', ';', '|', '&', '(', ')', '<', '>', '#', '!', '*', '?', '[',
                ']', '{', '}', '=', ':', ',', '.', '/', '-', ' ', 'é',
            ]),
            2 => prop::char::range('a', 'z'),
        ],
        0..14,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Values with a known bad shape, tried on every field before the random ones.
const CLASSICS: &[&str] = &[
    "zz\nRUN echo INJECTED",
    "zz\r\nFROM evil",
    "zz\u{2028}RUN echo INJECTED",
    "zz\u{85}x: y",
    "zz\0",
    "zz\"; echo INJECTED; \"",
    "zz' && echo INJECTED && '",
    "$(echo INJECTED)",
    "`echo INJECTED`",
    "${HOME}",
    "zz\\",
    "!zz",
    "# zz",
    "../../etc/passwd",
    "/etc/passwd",
    "",
];

fn cases() -> u32 {
    std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16)
}

fn run_fields(eco: Eco) {
    for f in FIELDS.iter().filter(|f| f.eco == eco) {
        let plains: Vec<_> = std::iter::once(f.plain)
            .chain(
                NEUTRAL
                    .iter()
                    .filter(|(n, _)| *n == f.name)
                    .map(|(_, v)| *v),
            )
            .map(|value| {
                let dir = project(f, value);
                generate(dir.path()).unwrap_or_else(|e| {
                    panic!("{}: the plain project {value:?} generates: {e}", f.name)
                })
            })
            .collect();
        let check_one = |value: &str| {
            let dir = project(f, value);
            // A blank value may drop what it fills (a description label).
            if value.trim().is_empty() {
                return;
            }
            if let Ok(got) = generate(dir.path()) {
                let fits = |plain: &Vec<_>| {
                    std::panic::catch_unwind(|| same_shape(f.name, value, plain, &got)).is_ok()
                };
                if !plains[1..].iter().any(fits) {
                    same_shape(f.name, value, &plains[0], &got);
                }
            }
        };
        // Each text alone, and after the plain value (a linker is only
        // read on when it names a known one).
        let check = |text: &str| {
            check_one(&format!("{}{text}", f.plain));
            check_one(text);
        };
        for value in CLASSICS {
            check(value);
        }
        let mut runner = proptest::test_runner::TestRunner::new(Config {
            cases: cases(),
            rng_seed: RngSeed::Fixed(0x5eed),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&hostile(), |value| {
                check(&value);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
    }
}

#[test]
fn every_python_field_keeps_the_files_shape_or_is_refused() {
    run_fields(Eco::Python);
}

#[test]
fn every_rust_field_keeps_the_files_shape_or_is_refused() {
    run_fields(Eco::Rust);
}

#[test]
fn every_node_field_keeps_the_files_shape_or_is_refused() {
    run_fields(Eco::Node);
}
