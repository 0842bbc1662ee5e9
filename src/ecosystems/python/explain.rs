//! `init --explain` for Python: what was detected and why each image,
//! installer and package was chosen.

use super::detect::PythonProject;
use super::section::PythonBuild;
use crate::context::Context;
use crate::ecosystems::common::{AptNeed, Need};

/// The explanation, one line per fact.
pub fn explain(
    project: &PythonProject,
    ctx: &Context,
    python: &PythonBuild,
    interpreter: &super::interpreters::Interpreter,
    apt: &[AptNeed],
) -> Vec<String> {
    let installer = project.installer.name();
    let mut out = vec![
        format!(
            "project: {} at {} (Python, installed with {installer})",
            project.name,
            project.root.display()
        ),
        match &python.interpreter {
            None => format!(
                "builder: {}: Debian's CPython {}, the interpreter {} carries ({})",
                ctx.builder.image, python.version, ctx.runtime.image, interpreter.why
            ),
            Some(copied) => format!(
                "builder: {}: CPython {} ({}); its interpreter, libpython and standard library ({}) are copied to {}, of the same Debian release",
                ctx.builder.image,
                python.version,
                interpreter.why,
                copied.stdlib,
                ctx.runtime.image
            ),
        },
    ];
    if let Some(m) = &project.uv_member {
        out.push(format!(
            "uv workspace: member {} ({}/pyproject.toml), built from the workspace root and installed from its uv.lock (uv sync --frozen --package {})",
            m.name, m.dir, m.name
        ));
    }
    use super::version::Version;
    out.push(match &project.version {
        Version::Declared(v) => format!("version: {v}"),
        Version::Dynamic { version, from } => {
            format!("version: {version}, dynamic, read from {from}")
        }
        Version::Unknown(why) => format!(
            "version: unknown ({why}): the image gets no version label and only the `latest` tag"
        ),
    });
    for p in apt {
        for need in &p.needs {
            if let Need::Setting(origin) = need {
                out.push(format!(
                    "apt: the builder installs {} (`apt` in {origin})",
                    p.name
                ));
            }
        }
    }
    if let Some(d) = &project.django {
        let settings = d
            .settings
            .as_deref()
            .map_or("manage.py names no settings module".to_string(), |s| {
                format!("settings {s} (from manage.py)")
            });
        let static_files = match (&d.static_root_in, &project.build_commands) {
            (_, Some(_)) => "`build-commands` replaces the detected commands".to_string(),
            (Some(file), None) => {
                format!("{file} assigns STATIC_ROOT, so collectstatic runs at build time")
            }
            (None, None) => "no STATIC_ROOT in the settings, so no collectstatic".to_string(),
        };
        out.push(format!(
            "django: recognised (django among the dependencies, manage.py at the root); {settings}; {static_files}"
        ));
    }
    for c in &python.build_commands {
        out.push(format!("build command: {} ({})", c.shell, c.why));
    }
    for b in &ctx.binaries {
        out.push(format!(
            "entrypoint: {}",
            serde_json::to_string(&b.entrypoint).unwrap_or_default()
        ));
    }
    out.extend(crate::ecosystems::common::explain_running(&ctx.binaries));
    out
}
