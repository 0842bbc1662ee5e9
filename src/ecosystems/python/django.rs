//! Django, recognised: `django` among the dependencies and `manage.py` at
//! the root. The image's `env` names the settings module, as it does at run
//! time, else `manage.py` does (its `DJANGO_SETTINGS_MODULE` default); the
//! settings decide whether static
//! files are collected at build time (they assign `STATIC_ROOT`), and the
//! settings package's `wsgi.py` is what gunicorn serves.

use anyhow::Result;

use crate::folder::Folder;

/// What the build needs to know of a Django project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Django {
    /// The settings module `manage.py` names, e.g. `mysite.settings`.
    pub settings: Option<String>,
    /// The settings file that assigns `STATIC_ROOT`, relative to the root.
    pub static_root_in: Option<String>,
    /// The WSGI module beside the settings (`mysite.wsgi`), if its file exists.
    pub wsgi: Option<String>,
}

/// Reads a Django project, or `None` when the folder is not one. `env` is
/// the `DJANGO_SETTINGS_MODULE` the image's `env` sets, if it does.
pub fn detect(
    project: &Folder,
    dependency_names: &[String],
    env: Option<&str>,
) -> Result<Option<Django>> {
    if !dependency_names.iter().any(|d| d == "django") {
        return Ok(None);
    }
    let Some(manage) = project.read_optional("manage.py")? else {
        return Ok(None);
    };
    let settings = match env {
        Some(module) => module_name(module),
        None => settings_module(&manage),
    };
    let mut static_root_in = None;
    let mut wsgi = None;
    if let Some(module) = &settings {
        let path = module.replace('.', "/");
        for file in settings_files(project, &path) {
            let text = project.read_optional(&file)?.unwrap_or_default();
            if assigns(&text, "STATIC_ROOT") {
                static_root_in = Some(file);
                break;
            }
        }
        // `mysite.settings` → `mysite.wsgi`; a settings package
        // (`mysite.settings.production`) → the package's parent.
        let mut parent: Vec<&str> = module.split('.').collect();
        while parent.pop().is_some() && !parent.is_empty() {
            let candidate = format!("{}/wsgi.py", parent.join("/"));
            if project.exists(&candidate) {
                wsgi = Some(format!("{}.wsgi", parent.join(".")));
                break;
            }
        }
    }
    Ok(Some(Django {
        settings,
        static_root_in,
        wsgi,
    }))
}

/// The module in `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "…")`.
fn settings_module(manage: &str) -> Option<String> {
    let at = manage.find("DJANGO_SETTINGS_MODULE")?;
    let rest = &manage[at + "DJANGO_SETTINGS_MODULE".len()..];
    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
    let rest = rest.strip_prefix(',')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    module_name(rest[1..].split(quote).next()?)
}

/// A dotted Python module name, or `None` for anything else.
fn module_name(value: &str) -> Option<String> {
    let valid = !value.is_empty()
        && value
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    valid.then(|| value.to_string())
}

/// The files that may assign the settings: the module (`x/settings.py`)
/// and its siblings, which it often imports (`from .base import *`), or
/// every module of a settings package (`x/settings/`).
fn settings_files(project: &Folder, path: &str) -> Vec<String> {
    let file = format!("{path}.py");
    let (first, dir) = if project.exists(&file) {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        (Some(file), dir.to_string())
    } else {
        (None, path.to_string())
    };
    let mut files: Vec<String> = std::fs::read_dir(project.path(&dir))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Only modules Python can import; the name lands in a comment.
        .filter(|n| {
            n.strip_suffix(".py").is_some_and(|stem| {
                !stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .map(|n| {
            if dir.is_empty() {
                n
            } else {
                format!("{dir}/{n}")
            }
        })
        .filter(|f| Some(f) != first.as_ref())
        .collect();
    files.sort();
    first.into_iter().chain(files).collect()
}

/// Whether the text assigns the name at the start of a line (indented
/// under an `if` too): `STATIC_ROOT = …`, not `# STATIC_ROOT = …`.
fn assigns(text: &str, name: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start().strip_prefix(name).is_some_and(|rest| {
            rest.trim_start().starts_with('=') && !rest.trim_start().starts_with("==")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_module_is_read_from_manage_py() {
        let manage = "import os\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n";
        assert_eq!(settings_module(manage).as_deref(), Some("mysite.settings"));
        let single = "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings.prod')";
        assert_eq!(
            settings_module(single).as_deref(),
            Some("conf.settings.prod")
        );
        assert_eq!(
            settings_module("os.environ['DJANGO_SETTINGS_MODULE']"),
            None
        );
        assert_eq!(
            settings_module("setdefault(\"DJANGO_SETTINGS_MODULE\", f\"{x}\")"),
            None
        );
    }

    #[test]
    fn static_root_is_an_assignment_not_a_comment() {
        assert!(assigns(
            "STATIC_ROOT = BASE_DIR / 'static'\n",
            "STATIC_ROOT"
        ));
        assert!(assigns("if PROD:\n    STATIC_ROOT='/srv'\n", "STATIC_ROOT"));
        assert!(!assigns(
            "# STATIC_ROOT = x\nSTATIC_URL = '/s/'\n",
            "STATIC_ROOT"
        ));
        assert!(!assigns("STATIC_ROOT_DIR = x\n", "STATIC_ROOT"));
        assert!(!assigns("STATIC_ROOT == x\n", "STATIC_ROOT"));
    }

    #[test]
    fn a_project_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "manage.py",
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings.prod')\n",
        );
        w(
            "site/settings/base.py",
            "STATIC_ROOT = BASE_DIR / 'static'\n",
        );
        w("site/settings/prod.py", "from .base import *\n");
        w("site/wsgi.py", "application = None\n");
        // Not a module: never read, never named.
        w("site/settings/a\nFROM x.py", "STATIC_ROOT = 1\n");
        let folder = Folder::new(dir.path());
        let deps = vec!["django".to_string()];
        assert_eq!(
            detect(&folder, &deps, None).unwrap(),
            Some(Django {
                settings: Some("site.settings.prod".into()),
                static_root_in: Some("site/settings/base.py".into()),
                wsgi: Some("site.wsgi".into()),
            })
        );
        assert_eq!(
            detect(&folder, &[], None).unwrap(),
            None,
            "no django, no Django"
        );
        // The image's env names the module over manage.py's default.
        w("other/settings.py", "STATIC_ROOT = '/srv/static'\n");
        w("other/wsgi.py", "application = None\n");
        assert_eq!(
            detect(&folder, &deps, Some("other.settings")).unwrap(),
            Some(Django {
                settings: Some("other.settings".into()),
                static_root_in: Some("other/settings.py".into()),
                wsgi: Some("other.wsgi".into()),
            })
        );
    }
}
