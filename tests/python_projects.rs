//! Python projects on the real binary: versions the build backend keeps
//! elsewhere (dynamic, from git), uv workspaces, console scripts that
//! nothing installs, and dependencies fetched from version control.

mod common;

use common::{cmd, error, init_in as init, ok, project, stderr, stdout};

/// A pyproject.toml with a dynamic version, its backend table and module.
fn dynamic(backend_table: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let pyproject = format!(
        "[project]\nname = \"dyn-app\"\ndynamic = [\"version\"]\ndependencies = []\n\n[project.scripts]\ndyn-app = \"dyn_app:main\"\n\n[build-system]\nrequires = [\"setuptools>=68\"]\nbuild-backend = \"setuptools.build_meta\"\n\n{backend_table}"
    );
    let mut all = vec![("pyproject.toml", pyproject.as_str())];
    all.extend_from_slice(files);
    project(&all)
}

fn version_label(d: &tempfile::TempDir) -> Option<String> {
    let text = std::fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("org.opencontainers.image.version=\""))
        .map(|v| v.trim_end_matches(['"', '\\', ' ']).to_string())
}

#[test]
fn dynamic_versions_are_read_where_the_backend_keeps_them() {
    let module = "\"\"\"Dyn.\"\"\"\n__version__: str = \"3.1.4\"\n\ndef main():\n    pass\n";
    let cases: Vec<(&str, tempfile::TempDir, &str)> = vec![
        (
            "setuptools attr",
            dynamic(
                "[tool.setuptools.dynamic]\nversion = { attr = \"dyn_app.__version__\" }\n",
                &[("src/dyn_app/__init__.py", module)],
            ),
            "read from __version__ in src/dyn_app/__init__.py ([tool.setuptools.dynamic] attr)",
        ),
        (
            "setuptools file",
            dynamic(
                "[tool.setuptools.dynamic]\nversion = { file = \"VERSION\" }\n",
                &[("VERSION", "3.1.4\n"), ("dyn_app.py", module)],
            ),
            "read from VERSION ([tool.setuptools.dynamic] file)",
        ),
        (
            "hatch path",
            dynamic(
                "[tool.hatch.version]\npath = \"dyn_app/__about__.py\"\n",
                &[
                    ("dyn_app/__about__.py", "__version__ = '3.1.4'\n"),
                    ("dyn_app/__init__.py", "def main():\n    pass\n"),
                ],
            ),
            "read from dyn_app/__about__.py ([tool.hatch.version] path)",
        ),
        (
            "__version__ in the module",
            dynamic("", &[("dyn_app/__init__.py", module)]),
            "read from __version__ in dyn_app/__init__.py",
        ),
    ];
    for (what, d, from) in cases {
        let text = ok(&init(&d, &["--explain"]));
        assert!(
            text.contains(&format!("version: 3.1.4, dynamic, {from}")),
            "{what}:\n{text}"
        );
        assert_eq!(version_label(&d).as_deref(), Some("3.1.4"), "{what}");
    }
}

#[test]
fn a_version_from_git_is_the_release_tag_at_head_or_no_label() {
    let d = dynamic(
        "[tool.setuptools_scm]\n",
        &[("dyn_app/__init__.py", "def main():\n    pass\n")],
    );
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "first"]);
    let text = ok(&init(&d, &["--explain"]));
    assert!(
        text.contains("version: unknown (the version comes from git, and HEAD is not at a release tag): the image gets no version label and only the `latest` tag"),
        "{text}"
    );
    assert_eq!(version_label(&d), None);

    git(&["tag", "v2.0.1"]);
    let text = ok(&init(&d, &["--explain", "--force"]));
    assert!(
        text.contains("version: 2.0.1, dynamic, read from the git tag v2.0.1 at HEAD"),
        "{text}"
    );
    assert_eq!(version_label(&d).as_deref(), Some("2.0.1"));
}

/// The uv workspace fixture's files, in a throw-away folder.
fn uv_workspace(member_pyproject: &str, lock_requires: &str) -> tempfile::TempDir {
    let lock = std::fs::read_to_string("tests/fixtures/py-uv-workspace/uv.lock")
        .unwrap()
        .replace("requires-python = \">=3.11\"", lock_requires);
    project(&[
        (
            "pyproject.toml",
            "[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/old\"]\n",
        ),
        ("uv.lock", &lock),
        ("packages/backend/pyproject.toml", member_pyproject),
        ("packages/backend/backend_app/__init__.py", ""),
        ("packages/old/pyproject.toml", "[project]\nname = \"old\"\n"),
    ])
}

const MEMBER: &str = "[project]\nname = \"backend-app\"\nversion = \"0.2.0\"\ndependencies = [\"itsdangerous==2.2.0\"]\n[project.scripts]\nbackend-app = \"backend_app:main\"\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n";

#[test]
fn a_uv_workspace_member_is_found_from_its_folder_or_the_root() {
    for from in ["packages/backend", "."] {
        let d = uv_workspace(MEMBER, "requires-python = \">=3.11\"");
        let out = cmd()
            .current_dir(d.path().join(from))
            .args(["init", "--explain"])
            .output()
            .unwrap();
        let text = ok(&out);
        assert!(
            text.contains("uv workspace: member backend-app (packages/backend/pyproject.toml)"),
            "from {from}: {text}"
        );
        let text = std::fs::read_to_string(d.path().join("Dockerfile")).unwrap();
        let builder = common::Dockerfile::parse(&text).stage("builder").clone();
        let manifest = "packages/backend/pyproject.toml".to_string();
        assert!(
            builder
                .copies()
                .contains(&(None, vec![manifest.clone(), manifest]))
                && builder.runs(&["--no-install-workspace", "--package", "backend-app"]),
            "{text}"
        );
        assert!(!d.path().join("packages/backend/Dockerfile").exists());
    }
    // `include` names a path of the member; the context is the root.
    let d = uv_workspace(
        &format!(
            "{MEMBER}[tool.distroless]\ninclude = [\"static\"]\nexclude = [\"*.csv\"]\ncompile-exclude = [\"scaffold\"]\n"
        ),
        "requires-python = \">=3.11\"",
    );
    std::fs::create_dir_all(d.path().join("packages/backend/static")).unwrap();
    ok(&init(&d, &[]));
    let dockerfile = std::fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    let parsed = common::Dockerfile::parse(&dockerfile);
    assert!(
        parsed.last().copies().iter().any(|(_, words)| words
            .iter()
            .any(|w| w.starts_with("packages/backend/static"))),
        "{dockerfile}"
    );
    assert!(
        parsed.runs(&["-x", "^/app/(packages/backend/scaffold)(/|$)"]),
        "{dockerfile}"
    );
    let ignore = std::fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    assert!(ignore.contains("\npackages/backend/*.csv\n"), "{ignore}");
}

#[test]
fn a_uv_workspace_lock_is_checked() {
    // The lock's requires-python is read: it chooses the interpreter, and
    // one that admits none the tool supports stops init, naming it.
    let d = uv_workspace(MEMBER, "requires-python = \">=3.14\"");
    let out = init(&d, &["--stdout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::from_images(&stdout(&out))[0],
        "python:3.14-slim-trixie"
    );
    let d = uv_workspace(MEMBER, "requires-python = \"<3.10\"");
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("requires-python in uv.lock `<3.10` admits no CPython"),
        "{text}"
    );
    // The member lists a dependency the root's lock lacks.
    let d = uv_workspace(
        &MEMBER.replace(
            "\"itsdangerous==2.2.0\"",
            "\"itsdangerous==2.2.0\", \"click\"",
        ),
        "requires-python = \">=3.11\"",
    );
    let text = error(&init(&d, &[]));
    assert!(
        text.contains("uv.lock is out of date with packages/backend/pyproject.toml: packages/backend/pyproject.toml lists click that uv.lock lacks"),
        "{text}"
    );
    // A member that is not a package cannot be installed from the lock.
    let d = uv_workspace(
        "[project]\nname = \"backend-app\"\nversion = \"0.2.0\"\ndependencies = [\"itsdangerous==2.2.0\"]\n",
        "requires-python = \">=3.11\"",
    );
    let text = error(&init(&d, &[]));
    assert!(text.contains("and it has no [build-system]"), "{text}");
}

#[test]
fn a_console_script_of_a_project_that_is_not_installed_is_named_with_the_reason() {
    // The script is declared, but without a build backend (or in Poetry's
    // non-package mode) uv, pip and Poetry install only the dependencies.
    let pep621 = "[project]\nname = \"svc\"\nversion = \"1.0\"\ndependencies = []\n\n[project.scripts]\nserve = \"svc:main\"\n";
    let poetry = "[tool.poetry]\nname = \"svc\"\nversion = \"1.0\"\ndescription = \"\"\nauthors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n\n[tool.poetry.scripts]\nserve = \"svc:main\"\n\n[build-system]\nrequires = [\"poetry-core>=2.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n";
    let module = ("svc/__init__.py", "def main():\n    pass\n");
    let lock =
        "[metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.11\"\ncontent-hash = \"0\"\n";
    let cases = [
        (
            project(&[("pyproject.toml", pep621), module]),
            "pyproject.toml has no [build-system] build-backend",
            "add a [build-system] (e.g. requires = [\"hatchling\"], build-backend = \"hatchling.build\")",
        ),
        (
            project(&[("pyproject.toml", poetry), ("poetry.lock", lock), module]),
            "[tool.poetry] sets package-mode = false",
            "remove `package-mode = false` from [tool.poetry]",
        ),
    ];
    for (dir, why, fix) in cases {
        let text = error(&init(&dir, &[]));
        assert!(
            text.contains("console script `serve` is not installed, because")
                && text.contains(why)
                && text.contains(&format!("hint: {fix}, or set `entrypoint` in")),
            "{text}"
        );
        assert!(!dir.path().join("Dockerfile").exists());
    }
    // Another way to start is taken, and the script left out is named.
    let runnable = project(&[
        ("pyproject.toml", pep621),
        module,
        ("svc/__main__.py", "from svc import main\nmain()\n"),
    ]);
    let text = ok(&init(&runnable, &[]));
    assert!(
        text.contains("warning: console script `serve` is not installed (pyproject.toml has no [build-system] build-backend): the image runs `/venv/bin/python -m svc` instead"),
        "{text}"
    );
    // An entrypoint the project sets is its own choice.
    let chosen = format!(
        "{pep621}\n[tool.distroless]\nentrypoint = [\"/venv/bin/python\", \"-m\", \"svc\"]\n"
    );
    let dir = project(&[("pyproject.toml", &chosen), module]);
    let text = ok(&init(&dir, &[]));
    assert!(!text.contains("console script"), "{text}");
    // With a build backend, the project is installed and the script runs.
    let built = format!(
        "{pep621}\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
    );
    let dir = project(&[("pyproject.toml", &built), module]);
    ok(&init(&dir, &[]));
    let dockerfile = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/venv/bin/serve\"]"),
        "{dockerfile}"
    );
}

#[test]
fn a_dependency_fetched_from_git_gets_git_in_the_builder() {
    // pip, uv and Poetry run `git clone` for it, and no builder image has git.
    let app = (
        "main.py",
        "if __name__ == \"__main__\":\n    print(\"up\")\n",
    );
    let pep621 = |deps: &str| {
        format!(
            "[project]\nname = \"svc\"\nversion = \"1.0\"\nrequires-python = \">=3.11\"\ndependencies = [{deps}]\n"
        )
    };
    let uv_lock = "version = 1\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"lib\"\nversion = \"1.0\"\nsource = { git = \"https://example.com/org/lib?rev=v1#0123abc\" }\n\n[[package]]\nname = \"svc\"\nversion = \"1.0\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"lib\" }]\n\n[package.metadata]\nrequires-dist = [{ name = \"lib\", git = \"https://example.com/org/lib?rev=v1\" }]\n";
    let poetry = "[tool.poetry]\nname = \"svc\"\nversion = \"1.0\"\ndescription = \"\"\nauthors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nlib = { git = \"https://example.com/org/lib.git\", tag = \"v1\" }\n";
    let poetry_lock = "[[package]]\nname = \"lib\"\nversion = \"1.0\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/org/lib.git\"\nreference = \"v1\"\nresolved_reference = \"0123abc\"\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.11\"\ncontent-hash = \"0\"\n";
    let pipfile_lock = r#"{"_meta": {"requires": {"python_version": "3.13"}}, "default": {"lib": {"git": "https://example.com/org/lib.git", "ref": "0123abc"}}, "develop": {}}"#;
    let git_dep = pep621("\"lib @ git+https://example.com/org/lib@v1\"");
    let cases: Vec<(&str, tempfile::TempDir)> = vec![
        (
            "requirements.txt",
            project(&[
                ("requirements.txt", "-r base.txt\n"),
                ("base.txt", "git+https://example.com/org/lib@v1#egg=lib\n"),
                app,
            ]),
        ),
        (
            "[project] dependencies",
            project(&[("pyproject.toml", &git_dep), app]),
        ),
        (
            "uv.lock",
            project(&[("pyproject.toml", &git_dep), ("uv.lock", uv_lock), app]),
        ),
        (
            "poetry.lock",
            project(&[
                ("pyproject.toml", poetry),
                ("poetry.lock", poetry_lock),
                app,
            ]),
        ),
        (
            "Pipfile.lock",
            project(&[
                ("Pipfile", "[packages]\n"),
                ("Pipfile.lock", pipfile_lock),
                app,
            ]),
        ),
    ];
    let apt_installs_git = |dir: &tempfile::TempDir| {
        let text = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
        common::Dockerfile::parse(&text).apt_installs("git")
    };
    for (source, dir) in &cases {
        ok(&init(dir, &[]));
        assert!(apt_installs_git(dir), "{source}");
    }
    // A dependency from an index needs no git.
    let indexed = project(&[("requirements.txt", "lib==1.0\n"), app]);
    ok(&init(&indexed, &[]));
    assert!(!apt_installs_git(&indexed));
}
