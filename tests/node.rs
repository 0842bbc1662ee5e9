//! Node projects on the real binary: what is refused, and how the error
//! names the file, the key and the way out; what the builder installs.

mod common;

use common::{error, fixture, from_images, init_in as init, ok, project, stdout};

#[test]
fn node_projects_that_cannot_be_built_as_they_are_say_why() {
    let lock = ("package-lock.json", "{ \"lockfileVersion\": 3 }\n");
    for (files, want) in [
        (
            vec![(
                "package.json",
                "{ \"scripts\": { \"start\": \"node a.js\" } }",
            )],
            "package.json has no lockfile beside it",
        ),
        (
            vec![
                ("package.json", "{ \"engines\": { \"node\": \"^18\" } }"),
                lock,
                ("index.js", ""),
            ],
            "`engines.node` in package.json asks for Node ^18, and distroless carries Node 26, 24, 22 only",
        ),
        (
            vec![
                (
                    "package.json",
                    "{ \"scripts\": { \"start\": \"tsx src/index.ts\" } }",
                ),
                lock,
            ],
            "`scripts.start` of package.json is `tsx src/index.ts`, which needs a shell or a tool the image does not have",
        ),
        (
            vec![
                (
                    "package.json",
                    "{ \"dependencies\": { \"next\": \"16.0.0\" }, \"scripts\": { \"start\": \"next start\" } }",
                ),
                lock,
                ("next.config.js", "module.exports = {};\n"),
            ],
            "this Next.js app's next.config.js does not ask for standalone output",
        ),
        (
            vec![("package.json", "{ \"name\": 3 }"), lock],
            "`name` in package.json is 3, not a string",
        ),
        (
            vec![("package.json", "{ oops"), lock],
            "package.json is not valid JSON",
        ),
        (
            vec![
                ("package.json", "{ \"distroless\": { \"prot\": 8080 } }"),
                lock,
                ("index.js", ""),
            ],
            "did you mean `port`?",
        ),
    ] {
        let d = project(&files);
        let text = error(&init(&d, &[]));
        assert!(text.contains(want), "{want}:\n{text}");
        assert!(text.contains("hint: "), "{text}");
        assert!(!d.path().join("Dockerfile").exists());
    }
}

/// A folder that is a Cargo project and a Node one is read as the one its
/// configuration names with `ecosystem`, in distroless.toml or in
/// package.json, so that `check` in CI needs no flag; a name that is no
/// ecosystem, or two places that disagree, stop `init` with the place.
#[test]
fn the_ecosystem_key_names_node_beside_a_cargo_project() {
    let both = |name: &str| {
        let f = fixture(name);
        f.write(
            "Cargo.toml",
            "[package]\nname = \"both\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        std::fs::create_dir_all(f.path("src")).unwrap();
        f.write("src/main.rs", "fn main() {}\n");
        f
    };
    // `init` writes a Node image, and `check` without flags agrees.
    let read_as_node = |f: &common::Fixture| {
        ok(&f.run(&["init"]));
        let runtime = from_images(&f.read("Dockerfile")).pop().unwrap();
        assert!(runtime.starts_with("gcr.io/distroless/nodejs"), "{runtime}");
        ok(&f.run(&["check"]));
    };
    let f = both("node-pnpm");
    ok(&f.run(&["init"]));
    assert!(from_images(&f.read("Dockerfile"))[0].starts_with("rust:"));
    f.write("distroless.toml", "ecosystem = \"node\"\n");
    read_as_node(&f);

    let f = both("node-express");
    let manifest = f.read("package.json");
    let named = |value: &str| {
        manifest.replace(
            "\"distroless\": {\n",
            &format!("\"distroless\": {{\n    \"ecosystem\": \"{value}\",\n"),
        )
    };
    f.write("package.json", &named("node"));
    read_as_node(&f);
    // `--ecosystem` still reads the folder as the one it names.
    let rust = stdout(&f.run(&["init", "--stdout", "--ecosystem", "rust"]));
    assert!(from_images(&rust)[0].starts_with("rust:"));

    f.write("package.json", &named("nod"));
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("invalid `ecosystem` in \"distroless\" of package.json: `nod`")
            && text.contains("hint: write ecosystem = \"node\" (or \"rust\", \"python\")"),
        "{text}"
    );
    // A package.json that does not parse may name anything: it stops a
    // folder that is also a Cargo project, with the way round it.
    f.write("package.json", "{ \"distroless\": ");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("package.json is not valid JSON")
            && text.contains("hint: fix it, or pass --ecosystem rust"),
        "{text}"
    );
    f.write("package.json", &named("node"));
    f.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\nversion = \"1\"\n[tool.distroless]\necosystem = \"python\"\n",
    );
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains(
            "`ecosystem` is \"python\" in [tool.distroless] of pyproject.toml and \"node\" in \"distroless\" of package.json"
        ),
        "{text}"
    );
    // A Node project alone that names Rust has no Cargo project to read.
    let f = fixture("node-pnpm");
    f.write("distroless.toml", "ecosystem = \"rust\"\n");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("distroless.toml says ecosystem = \"rust\"")
            && text.contains("has no Cargo.toml"),
        "{text}"
    );
    assert!(!f.path("Dockerfile").exists());
}

#[test]
fn a_dependency_fetched_with_git_gets_git_in_the_builder() {
    let apt_installs_git = |dir: &std::path::Path| {
        let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        common::Dockerfile::parse(&text).apt_installs("git")
    };
    let lock = ("package-lock.json", "{ \"lockfileVersion\": 3 }\n");
    let with = |deps: &str| format!("{{ \"name\": \"app\", \"main\": \"index.js\", {deps} }}");
    for (deps, git) in [
        (
            "\"dependencies\": { \"lib\": \"git+https://example.com/org/lib.git#v1\" }",
            true,
        ),
        ("\"devDependencies\": { \"lib\": \"github:org/lib\" }", true),
        (
            "\"optionalDependencies\": { \"lib\": \"org/lib#v1\" }",
            true,
        ),
        (
            "\"dependencies\": { \"lib\": \"^1.2.0\", \"other\": \"npm:lib@^2\" }",
            false,
        ),
    ] {
        let dir = project(&[("package.json", &with(deps)), lock, ("index.js", "")]);
        ok(&init(&dir, &[]));
        assert_eq!(apt_installs_git(dir.path()), git, "{deps}");
    }
    // A workspace member's own dependency counts too.
    let f = fixture("node-workspace");
    ok(&f.run(&["init"]));
    assert!(!apt_installs_git(&f.dir));
    let member = f.read("packages/worker/package.json");
    f.write(
        "packages/worker/package.json",
        &member.replace(
            "\"@acme/greeting\": \"1.0.0\"",
            "\"@acme/greeting\": \"1.0.0\", \"lib\": \"gitlab:org/lib\"",
        ),
    );
    ok(&f.run(&["init"]));
    assert!(apt_installs_git(&f.dir));
}
