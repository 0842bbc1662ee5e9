use super::*;
use crate::ecosystems::python::detect::{AppObject, MainPackage, NotInstalled, ScriptInfo};
use crate::ecosystems::python::version::Version;
use crate::settings::{AptRequest, Settings};

/// A project with nothing detected; each test adds what it needs.
fn project() -> PythonProject {
    PythonProject {
        root: "/p".into(),
        name: "app".into(),
        version: Version::Declared("1.2.0".into()),
        description: None,
        license: None,
        repository: None,
        installer: Installer::Nothing,
        vcs: Vec::new(),
        not_installed: Some(NotInstalled::NoBackend),
        scripts: vec![],
        main_packages: vec![],
        root_scripts: vec![],
        script_info: vec![],
        dependency_names: vec![],
        python_requirements: vec![],
        settings: Settings::default(),
        entrypoint: None,
        choices: Default::default(),
        compile_exclude: vec![],
        exclude: vec![],
        writable: vec![],
        build_commands: None,
        python_version: None,
        runtime_cc: false,
        django: None,
        config_origin: "[tool.distroless] of pyproject.toml".into(),
        config: Default::default(),
        uv_member: None,
    }
}

fn root_script(p: &mut PythonProject, file: &str, main_guard: bool, app: Option<(&str, bool)>) {
    p.root_scripts.push(file.into());
    p.script_info.push(ScriptInfo {
        file: file.into(),
        main_guard,
        app: app.map(|(framework, asgi)| AppObject {
            name: "app".into(),
            framework: framework.into(),
            asgi,
        }),
    });
}

fn image(p: &PythonProject) -> crate::context::Binary {
    plan(p, &ProjectSettings::default(), true)
        .unwrap()
        .context
        .binaries
        .remove(0)
}

fn error(p: &PythonProject) -> String {
    crate::error::format(&plan(p, &ProjectSettings::default(), true).unwrap_err())
}

fn django(static_root_in: Option<&str>) -> crate::ecosystems::python::django::Django {
    crate::ecosystems::python::django::Django {
        settings: Some("site.settings".into()),
        static_root_in: static_root_in.map(String::from),
        wsgi: Some("site.wsgi".into()),
    }
}

#[test]
fn build_commands_configured_or_djangos_collectstatic() {
    let commands = |p: &PythonProject| -> Vec<(String, String)> {
        let ctx = plan(p, &ProjectSettings::default(), false).unwrap().context;
        let commands = ctx.section.value["build_commands"].as_array().cloned();
        commands
            .unwrap_or_default()
            .iter()
            .map(|c| {
                (
                    c["shell"].as_str().unwrap().into(),
                    c["why"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let mut p = project();
    root_script(&mut p, "manage.py", false, None);
    assert!(commands(&p).is_empty(), "no Django, no commands");
    p.django = Some(django(None));
    assert!(
        commands(&p).is_empty(),
        "no STATIC_ROOT, nothing to collect"
    );
    p.django = Some(django(Some("site/settings.py")));
    assert_eq!(
        commands(&p),
        [(
            "python manage.py collectstatic --noinput".to_string(),
            "Django's static files, collected into STATIC_ROOT, which site/settings.py assigns"
                .to_string()
        )]
    );
    p.build_commands = Some(vec![vec![
        "python".into(),
        "-c".into(),
        "print('it''s')".into(),
    ]]);
    assert_eq!(
        commands(&p),
        [(
            r#"python -c 'print('\''it'\'''\''s'\'')'"#.to_string(),
            "`build-commands` in [tool.distroless] of pyproject.toml".to_string()
        )]
    );
    p.build_commands = Some(vec![]);
    assert!(commands(&p).is_empty(), "an empty list turns detection off");
}

#[test]
fn entrypoint_in_the_readme_order() {
    /// What the case is, how to set the project up, and the expected
    /// entrypoint, `CMD` and exposed ports.
    type Case = (
        &'static str,
        fn(&mut PythonProject),
        &'static [&'static str],
        &'static [&'static str],
        &'static [u16],
    );
    let cases: &[Case] = &[
        (
            "configured",
            |p| {
                p.entrypoint = Some(vec!["/venv/bin/gunicorn".into(), "app:app".into()]);
                p.scripts = vec!["cli".into()];
                p.not_installed = None;
            },
            &["/venv/bin/gunicorn", "app:app"],
            &[],
            &[],
        ),
        (
            "one console script",
            |p| {
                p.scripts = vec!["serve".into()];
                p.not_installed = None;
            },
            &["/venv/bin/serve"],
            &[],
            &[],
        ),
        (
            "a package's __main__",
            |p| {
                p.main_packages = vec![MainPackage {
                    name: "app".into(),
                    in_src: false,
                }]
            },
            &["/venv/bin/python", "-m", "app"],
            &[],
            &[],
        ),
        (
            "a script that runs itself",
            |p| root_script(p, "main.py", true, None),
            &["/venv/bin/python", "/app/main.py"],
            &[],
            &[],
        ),
        (
            "Flask served by gunicorn",
            |p| {
                root_script(p, "app.py", false, Some(("Flask", false)));
                p.dependency_names = vec!["flask".into(), "gunicorn".into()];
            },
            &["/venv/bin/gunicorn", "--bind", "0.0.0.0:8000", "app:app"],
            &[],
            &[8000],
        ),
        (
            "Flask alone",
            |p| root_script(p, "app.py", false, Some(("Flask", false))),
            &[
                "/venv/bin/flask",
                "--app",
                "app:app",
                "run",
                "--host",
                "0.0.0.0",
                "--port",
                "8000",
            ],
            &[],
            &[8000],
        ),
        (
            "FastAPI on the configured port",
            |p| {
                root_script(p, "main.py", false, Some(("FastAPI", true)));
                p.dependency_names = vec!["fastapi".into(), "uvicorn".into()];
                p.settings.ports = vec![9000];
            },
            &[
                "/venv/bin/uvicorn",
                "main:app",
                "--host",
                "0.0.0.0",
                "--port",
                "9000",
            ],
            &[],
            &[9000],
        ),
        (
            "Django's manage.py",
            |p| root_script(p, "manage.py", false, None),
            &["/venv/bin/python", "/app/manage.py"],
            &["runserver", "0.0.0.0:8000", "--noreload"],
            &[8000],
        ),
        (
            "Django with gunicorn",
            |p| {
                root_script(p, "manage.py", false, None);
                p.dependency_names = vec!["django".into(), "gunicorn".into()];
                p.django = Some(django(Some("site/settings.py")));
            },
            &[
                "/venv/bin/gunicorn",
                "--chdir",
                "/app",
                "--bind",
                "0.0.0.0:8000",
                "site.wsgi",
            ],
            &[],
            &[8000],
        ),
    ];
    for (what, setup, entrypoint, args, ports) in cases {
        let mut p = project();
        setup(&mut p);
        let b = image(&p);
        assert_eq!(b.entrypoint, *entrypoint, "{what}");
        assert_eq!(b.args, *args, "{what}");
        assert_eq!(b.ports, *ports, "{what}");
        assert_eq!(b.path, entrypoint[0], "{what}");
    }
}

#[test]
fn a_package_under_src_that_is_not_installed_gets_pythonpath() {
    let mut p = project();
    p.main_packages = vec![MainPackage {
        name: "app".into(),
        in_src: true,
    }];
    let env = image(&p).env;
    assert!(
        env.contains(&EnvVar::new("PYTHONPATH", "/app/src")),
        "{env:?}"
    );
    p.not_installed = None;
    let env = image(&p).env;
    assert!(!env.iter().any(|e| e.name == "PYTHONPATH"), "{env:?}");
}

#[test]
fn entrypoint_errors_name_the_setting_and_the_choices() {
    let mut p = project();
    let text = error(&p);
    assert!(
        text.contains("no entrypoint found in /p")
            && text.contains("set `entrypoint` in [tool.distroless] of pyproject.toml"),
        "{text}"
    );
    p.not_installed = None;
    p.scripts = vec!["a".into(), "b".into()];
    let text = error(&p);
    assert!(
        text.contains("several console scripts in [project.scripts]: a, b"),
        "{text}"
    );
    p.entrypoint = Some(vec!["gunicorn".into()]);
    let text = error(&p);
    assert!(
        text.contains(
            "`entrypoint` in [tool.distroless] of pyproject.toml must be a list starting with an absolute path"
        ),
        "{text}"
    );
}

#[test]
fn each_installer_copies_its_manifests_and_installs_from_them() {
    let cases: &[(Installer, &str, &[&str], &str)] = &[
        (
            Installer::Requirements {
                files: vec!["requirements.txt".into(), "base.txt".into()],
                hashes: true,
                local: vec!["libs/pkg".into()],
            },
            "requirements",
            &["requirements.txt", "base.txt", "libs/pkg"],
            "/venv/bin/pip install --require-hashes -r requirements.txt",
        ),
        (
            Installer::Uv,
            "uv",
            &["pyproject.toml", "uv.lock"],
            "/opt/uv/bin/uv sync --frozen --no-dev --no-install-project",
        ),
        (
            Installer::Poetry,
            "poetry",
            &["pyproject.toml", "poetry.lock"],
            "/opt/poetry/bin/poetry install --only main --no-root",
        ),
        (
            Installer::Pyproject {
                dependencies: vec!["flask>=3".into(), "it's".into()],
            },
            "pyproject",
            &[],
            "/venv/bin/pip install 'flask>=3' 'it'\\''s'",
        ),
    ];
    for (installer, name, manifests, install) in cases {
        let mut p = project();
        p.installer = installer.clone();
        root_script(&mut p, "main.py", true, None);
        let planned = plan(&p, &ProjectSettings::default(), true).unwrap();
        let py = &planned.context.section.value;
        assert_eq!(py["installer"], *name);
        assert_eq!(py["manifests"], serde_json::json!(manifests), "{name}");
        assert_eq!(py["install_command"], *install, "{name}");
        assert_eq!(
            planned.warnings.iter().any(|w| w.contains("no lockfile")),
            *name == "pyproject",
            "{name}"
        );
    }
}

#[test]
fn an_installable_project_is_installed_after_its_dependencies() {
    let mut p = project();
    p.not_installed = None;
    p.scripts = vec!["serve".into()];
    p.installer = Installer::Uv;
    let py = plan(&p, &ProjectSettings::default(), true)
        .unwrap()
        .context
        .section
        .value;
    assert_eq!(
        py["project_command"],
        "/opt/uv/bin/uv sync --frozen --no-dev --no-editable"
    );
    p.installer = Installer::Poetry;
    let py = plan(&p, &ProjectSettings::default(), true)
        .unwrap()
        .context
        .section
        .value;
    assert_eq!(py["project_command"], "/venv/bin/pip install --no-deps .");
}

#[test]
fn python_pins_choose_the_builder_or_stop_with_the_source() {
    use crate::ecosystems::python::pins::{PinKind, PythonPin};
    for (source, pin, builder) in [
        (
            "requires-python in pyproject.toml",
            ">=3.14",
            Some("python:3.14-slim-trixie"),
        ),
        (
            "requires-python in pyproject.toml",
            ">=3.10",
            Some("debian:13-slim"),
        ),
        ("requires-python in pyproject.toml", "<3.10", None),
        (".python-version", "3.12", Some("python:3.12-slim-trixie")),
        (".python-version", "3.13", Some("debian:13-slim")),
        (".python-version", "3.9", None),
    ] {
        let mut p = project();
        root_script(&mut p, "main.py", true, None);
        let kind = if source == ".python-version" {
            PinKind::Development
        } else {
            PinKind::Specifier(crate::ecosystems::python::specifiers::Grammar::Pep440)
        };
        p.python_requirements = vec![PythonPin::new(source, pin, kind).unwrap()];
        match (plan(&p, &ProjectSettings::default(), true), builder) {
            (Ok(planned), Some(want)) => {
                assert_eq!(planned.context.builder.image, want, "{source} {pin}")
            }
            (Err(err), None) => {
                let text = crate::error::format(&err);
                assert!(text.contains(source) && text.contains(pin), "{text}");
                assert!(text.contains("`python-version`"), "{text}");
            }
            (Ok(p), None) => panic!("{source} {pin}: {}", p.context.builder.image),
            (Err(e), Some(_)) => panic!("{source} {pin}: {}", crate::error::format(&e)),
        }
    }
}

#[test]
fn settings_reach_the_image_and_the_builder() {
    let mut p = project();
    root_script(&mut p, "main.py", true, None);
    p.settings.env.insert("PYTHONUNBUFFERED".into(), "0".into());
    p.settings.env.insert("MODE".into(), "prod".into());
    p.settings.args = Some(vec!["--fast".into()]);
    p.settings.apt = vec![AptRequest {
        name: "libpq-dev".into(),
        origin: "distroless.toml".into(),
    }];
    let ctx = plan(&p, &ProjectSettings::default(), true).unwrap().context;
    let b = &ctx.binaries[0];
    assert_eq!(b.args, ["--fast"]);
    assert!(b.env.contains(&EnvVar::new("PYTHONUNBUFFERED", "0")));
    assert!(!b.env.contains(&EnvVar::new("PYTHONUNBUFFERED", "1")));
    assert!(b.env.contains(&EnvVar::new("MODE", "prod")));
    let packages: Vec<(&str, &str)> = ctx
        .builder
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        packages,
        [
            ("ca-certificates", "TLS to the package index"),
            ("libpq-dev", "`apt` in distroless.toml"),
            (
                "python3-venv",
                "Debian's CPython 3.13.5, the runtime's own interpreter"
            ),
        ]
    );
    assert_eq!(
        ctx.runtime.image,
        "gcr.io/distroless/python3-debian13:nonroot"
    );
    assert_eq!(ctx.builder.image, "debian:13-slim");
}

#[test]
fn compile_exclusions_become_one_quoted_expression() {
    assert_eq!(compile_exclude(&[]), None);
    assert_eq!(
        compile_exclude(&["templates".into(), "scripts/legacy.py".into()]).as_deref(),
        Some("'^/app/(templates|scripts/legacy\\.py)(/|$)'")
    );
}

#[test]
fn a_version_less_project_gets_no_version_label_or_tag() {
    let mut p = project();
    p.version = Version::Unknown("no version is declared".into());
    root_script(&mut p, "main.py", true, None);
    let b = image(&p);
    assert_eq!(b.tags, ["app:latest"]);
    assert_eq!(b.version, None);
    assert!(
        !b.labels
            .iter()
            .any(|l| l.key == "org.opencontainers.image.version")
    );
}
