use super::*;

/// A throw-away project folder holding these files.
pub(crate) fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Folder) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let p = Folder::new(dir.path());
    (dir, p)
}

#[test]
fn stale_uv_lock_is_an_error() {
    let (_d, p) = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1\"\ndependencies = [\"flask\", \"pyyaml\"]\n",
        ),
        (
            "uv.lock",
            "version = 1\n[[package]]\nname = \"app\"\nversion = \"1\"\n[package.metadata]\nrequires-dist = [{ name = \"flask\" }]\n",
        ),
    ]);
    let text = crate::error::format(&read(&p, None).unwrap_err());
    assert!(
        text.contains("out of date") && text.contains("pyyaml"),
        "{text}"
    );
}

#[test]
fn reads_pep621_scripts_and_config() {
    let (_d, p) = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"greeter\"\nversion = \"0.2.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"click\"]\n[project.scripts]\ngreet = \"greeter.cli:main\"\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n[tool.distroless]\nport = 8000\n",
        ),
        ("greeter/__init__.py", ""),
        ("greeter/__main__.py", ""),
    ]);
    let py = read(&p, None).unwrap();
    assert_eq!(py.scripts, ["greet"]);
    assert!(py.installable());
    assert_eq!(
        py.main_packages,
        [MainPackage {
            name: "greeter".into(),
            in_src: false
        }]
    );
    assert_eq!(
        py.installer,
        Installer::Pyproject {
            dependencies: vec!["click".into()]
        }
    );
    assert_eq!(py.python_requirements[0].requirement, ">=3.11");
    assert_eq!(py.settings.ports, [8000]);
}

#[test]
fn bad_toml_and_unknown_keys_name_the_file() {
    let (_d, p) = project(&[("pyproject.toml", "[project\nname = 1\n")]);
    let text = crate::error::format(&read(&p, None).unwrap_err());
    assert!(
        text.contains("pyproject.toml is not valid TOML") && text.contains("line 1"),
        "{text}"
    );
    let (_d, p) = project(&[
        ("distroless.toml", "prot = 80\n"),
        ("requirements.txt", "flask\n"),
    ]);
    let text = crate::error::format(&read(&p, None).unwrap_err());
    assert!(
        text.contains("invalid distroless.toml: unknown key `prot`")
            && text.contains("`entrypoint`"),
        "{text}"
    );
}
