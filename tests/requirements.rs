//! Python requirements read by their standards: version requirements as
//! PEP 440 (Poetry's as the PEP 440 they stand for) and dependency lines as
//! PEP 508, each refused with its file, key or line when it cannot be read.

mod common;

use common::{error, init_in as init, ok, project};

/// A version requirement no parser can read stops `init`, naming the file,
/// the key and what it holds, wherever the project writes one.
#[test]
fn an_unreadable_version_requirement_is_an_error() {
    for (file, text, named) in [
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \"~~=3.11\"\n",
            "requires-python in pyproject.toml: \"~~=3.11\" is not a version requirement",
        ),
        (
            "pyproject.toml",
            "[tool.poetry]\nname = \"x\"\nversion = \"1\"\n[tool.poetry.dependencies]\npython = \"^3.x\"\n",
            "[tool.poetry.dependencies] python in pyproject.toml: \"^3.x\" is not a version requirement",
        ),
        (
            "setup.cfg",
            "[options]\npython_requires = >=three\n",
            "[options] python_requires in setup.cfg: \">=three\" is not a version requirement",
        ),
    ] {
        let d = project(&[
            ("requirements.txt", "flask\n"),
            ("app.py", ""),
            (file, text),
        ]);
        let err = error(&init(&d, &[]));
        assert!(err.contains(named), "{err}");
        assert!(err.contains("hint: write one such as"), "{err}");
        assert!(!d.path().join("Dockerfile").exists());
    }
}

/// Each requirement line is read as pip reads it (PEP 508, then pip's own
/// options): a line pip would refuse stops `init` with its file and line.
#[test]
fn requirement_lines_are_pep_508() {
    let good = "Flask[async]>=3.1 ; python_version >= \"3.11\"\n\
        requests==2.32.3 --hash=sha256:abc\n\
        private @ https://example.com/private-1.0.whl\n\
        private2 @ https://${TOKEN}@example.com/private-2.0.whl\n";
    let d = project(&[("requirements.txt", good), ("app.py", "")]);
    ok(&init(&d, &["--stdout"]));
    for bad in [
        "flask>=>3\n",
        "flask[async>=3\n",
        "requests ; python_version >\n",
    ] {
        let d = project(&[("requirements.txt", bad), ("app.py", "")]);
        let err = error(&init(&d, &[]));
        assert!(
            err.contains("requirements.txt:1: `") && err.contains("is not a requirement"),
            "{bad}: {err}"
        );
        assert!(err.contains("hint: write a PEP 508 requirement"), "{err}");
    }
}

#[test]
fn pyproject_dependencies_are_pep_508() {
    let d = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"flask>=3\", \"uvicorn[standard\"]\n",
        ),
        ("app.py", ""),
    ]);
    let err = error(&init(&d, &[]));
    assert!(
        err.contains(
            "pyproject.toml: `uvicorn[standard` in [project] dependencies is not a requirement"
        ),
        "{err}"
    );
    assert!(err.contains("hint: write a PEP 508 requirement"), "{err}");
}
