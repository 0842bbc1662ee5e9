//! Node project → render context: the official `node:<major>-trixie-slim`
//! builder, the distroless `nodejs<major>-debian13` runtime of the same
//! major and Debian release, a lockfile-exact install in a layer of its own,
//! the `build` script, the production dependencies in a stage of their own, and a start without a
//! shell. Pure: no I/O.

use anyhow::Result;

use super::detect::NodeProject;
use super::section::NodeBuild;
use crate::context::{Binary, Builder, Context, EnvVar, Generator, Section};
use crate::ecosystems::common::{self, BuildFacet, Need, Planned};
use crate::error::fail;
use crate::images::{self, Variant};
use crate::layout::{APP_DIR, OUT_DIR};
use crate::render::digest;
use crate::settings::ProjectSettings;

/// Where the distroless nodejs images have node (not on `PATH`).
pub const NODE: &str = "/nodejs/bin/node";

/// The health probe, node's own http client: exit 0 when
/// `http://127.0.0.1:PORT/PATH` answers below 400.
const PROBE: &str = "const [p, u, t] = process.argv.slice(1); require('http').get({host: '127.0.0.1', port: +p, path: u, timeout: +t}, r => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1))";

/// What a Node build context never needs, beside the secrets.
const NODE_IGNORES: (&str, &[&str]) = (
    "Installed packages and build caches: the builder installs its own.",
    &[
        "**/node_modules/",
        ".npm/",
        ".pnpm-store/",
        ".yarn/cache/",
        ".yarn/install-state.gz",
        ".next/",
        ".turbo/",
        ".parcel-cache/",
        "coverage/",
        ".nyc_output/",
    ],
);

/// Node flags whose value is the next word.
const FLAGS_WITH_VALUE: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-C",
    "--conditions",
    "--title",
    "--env-file",
];

/// Plans the Dockerfile for a Node project with the project's choices.
pub fn plan(project: &NodeProject, choices: &ProjectSettings, explain: bool) -> Result<Planned> {
    let mut warnings = Vec::new();
    let major = project.node.major;
    let distro = images::default_distro();
    let family_name = format!("nodejs{major}");
    let family = images::runtime(&family_name).ok_or_else(|| {
        fail(
            format!("the catalogue has no {family_name} runtime"),
            "choose another Node major with `node-version`",
        )
    })?;
    let runtime = common::runtime(family, distro, Variant::Nonroot);
    let commands = project.manager.commands(major);
    let settings = &project.settings;
    let apps = apps(project, &mut warnings)?;
    // Next.js's standalone output: its own server, not the whole app.
    let next = project.next.as_ref().is_some_and(|n| n.standalone);
    if !settings.init {
        warnings.push("`init = false`: node as PID 1 ignores SIGTERM unless the app handles it, so `docker stop` waits 10 s".into());
    }
    let mut ports = settings.ports.clone();
    if ports.is_empty() && next {
        // Next's server listens on 3000 unless PORT says otherwise.
        ports.push(3000);
    }
    let healthcheck = settings
        .healthcheck
        .as_ref()
        .map(|h| {
            common::healthcheck(h, &ports, NODE, |port, path, ms| {
                vec![
                    NODE.into(),
                    "-e".into(),
                    PROBE.into(),
                    port.to_string(),
                    path.into(),
                    ms.to_string(),
                ]
            })
        })
        .transpose()?;
    let apt = common::apt_needs(
        settings
            .init
            .then(common::init_package)
            .into_iter()
            .chain(project.git.then(|| common::Vcs::Git.apt_need()))
            .chain(
                settings
                    .apt
                    .iter()
                    .map(|a| (a.name.clone(), Need::Setting(a.origin.clone()))),
            ),
    );
    let build_script = project.scripts.iter().any(|(n, _)| n == "build");
    let members_build = project.members.iter().any(|m| m.build);
    let build_command = match (build_script, &commands.recursive_build) {
        (true, _) => Some(commands.run.replace("{}", "build")),
        (false, Some(recursive)) if members_build => Some(recursive.clone()),
        _ => None,
    };
    let build = project.own.build.unwrap_or(build_command.is_some());
    if build && build_command.is_none() {
        return Err(fail(
            format!(
                "`build = true` in {}, and package.json has no `build` script",
                project.config_origin
            ),
            "add the script, or drop the key",
        ));
    }
    let mut defaults = vec![EnvVar::new("NODE_ENV", "production")];
    if next {
        // Docker sets HOSTNAME to the container's id; Next's server binds to it.
        defaults.push(EnvVar::new("HOSTNAME", "0.0.0.0"));
    }
    let env = common::image_env(defaults, settings);
    let (keep, after_keep) = common::kept(settings, &project.config_origin, &mut warnings);
    let stages: Vec<String> = apps.iter().map(|a| common::stage_name(&a.name)).collect();
    if let Some((i, j)) = (0..stages.len())
        .flat_map(|i| (0..i).map(move |j| (i, j)))
        .find(|(i, j)| stages[*i] == stages[*j])
    {
        return Err(fail(
            format!(
                "the workspace members `{}` and `{}` would both be the stage `{}`",
                apps[j].dir, apps[i].dir, stages[i]
            ),
            "give one of them another `name` in its package.json",
        ));
    }
    let last = apps.len().saturating_sub(1);
    let mut binaries: Vec<Binary> = apps
        .iter()
        .zip(&stages)
        .enumerate()
        .map(|(i, (app, stage))| {
            let version = app.version.as_deref();
            let mut entrypoint = app.entrypoint.clone();
            let init = common::init(settings, &mut entrypoint);
            Binary {
                name: app.name.clone(),
                stage: stage.clone(),
                image: crate::grammar::image_repository(stage),
                package: app.name.clone(),
                version: version.map(String::from),
                tags: common::image_tags(stage, version),
                path: app.entrypoint[0].clone(),
                entrypoint,
                default: i == last,
                ports: ports.clone(),
                env: env.clone(),
                // The whole filtered source is in /app, but for Next's
                // standalone output, which takes only what `include` names.
                include: if next {
                    settings.include.clone()
                } else {
                    Vec::new()
                },
                args: settings.args.clone().unwrap_or_else(|| app.args.clone()),
                labels: common::labels(
                    &app.name,
                    version,
                    [&project.description, &project.license, &project.repository],
                ),
                healthcheck: healthcheck.clone(),
                init,
                stop_signal: settings.stop_signal.clone(),
                depends_on: Vec::new(),
            }
        })
        .collect();
    let per_image: Vec<&crate::settings::Settings> = binaries.iter().map(|_| settings).collect();
    common::depends_on(&mut binaries, &per_image)?;

    let mut manifests = vec!["package.json".to_string()];
    manifests.extend(project.manager.lockfile.iter().cloned());
    manifests.extend(project.manager.config_files.iter().cloned());
    manifests.extend(
        project
            .members
            .iter()
            .map(|m| format!("{}/package.json", m.dir)),
    );
    let dockerignore = common::dockerignore(NODE_IGNORES);
    if project.npmrc {
        warnings.push(".npmrc is kept out of the build context (it often holds registry tokens), so the install does not read it; pass what it sets as a build secret (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc`) in an overridden node/builder template".into());
    }
    let node = NodeBuild {
        version: major.to_string(),
        version_source: project.node.source.clone(),
        package_manager: project.manager.manager.name(),
        lockfile: project.manager.lockfile.clone(),
        builder_env: vec![
            // node-gyp builds addons against the builder's own headers
            // rather than downloading them.
            EnvVar::new("npm_config_nodedir", "/usr/local"),
            EnvVar::new("npm_config_update_notifier", "false"),
        ],
        tool_command: commands.tool,
        manifests: manifests.clone(),
        install_command: commands.install,
        cache_dir: commands.cache,
        deps_cache: cache_options(commands.cache_concurrent, "production"),
        build_cache: cache_options(commands.cache_concurrent, "build"),
        build_command: build_command.filter(|_| build),
        production_command: commands.production,
        base_stage: common::free_stage("base", &stages),
        deps_stage: common::free_stage("deps", &stages),
        writable: project
            .own
            .writable
            .iter()
            .flatten()
            .map(|w| format!("{APP_DIR}/{}", w.trim_matches('/')))
            .collect(),
        node: NODE,
        next_standalone: next,
    };
    let builder_image = format!("node:{major}-{}-slim", distro.codename);
    let context = Context {
        context_version: crate::context::CONTEXT_VERSION,
        generator: Generator::ours(),
        ecosystem: super::NAME,
        project: crate::grammar::image_repository(&project.name),
        builder: Builder {
            from: builder_image.clone(),
            image: builder_image,
            stage: common::builder_stage(&stages),
            workdir: APP_DIR,
            out_dir: OUT_DIR,
            packages: common::apt_context(&apt),
            // The production dependencies are copied whole; the libraries
            // their addons bundle (sharp's libvips) come with them.
            own_libraries: Some(format!("{OUT_DIR}/deps/")),
        },
        runtime,
        section: Section::new(super::NAME, &node),
        binaries,
        dockerignore,
        dockerignore_project: Vec::new(),
        dockerignore_keep: keep,
        dockerignore_after_keep: after_keep,
        notes: Vec::new(),
        bake: apps.len() > 1,
        compose: choices.compose(),
        dockerfile: choices.dockerfile(),
    };
    let summary = format!(
        "Node {major} with {} from {}{}",
        node.package_manager,
        node.lockfile.as_deref().unwrap_or("package.json, unlocked"),
        if build { ", then `build`" } else { "" }
    );
    let explanation = if explain {
        let mut out = vec![
            format!(
                "project: {} at {} (Node, installed with {} from {})",
                project.name,
                project.root.display(),
                node.package_manager,
                project.manager.source
            ),
            format!(
                "builder: {}: Node {major} ({}), on Debian {}, the release of the runtime",
                context.builder.image, node.version_source, distro.codename
            ),
            format!(
                "runtime: {}: the same Node major, no npm, no shell",
                context.runtime.image
            ),
        ];
        out.extend(
            apps.iter()
                .map(|a| format!("entrypoint of {}: {}", a.name, a.source)),
        );
        out.extend(common::explain_running(&context.binaries));
        out
    } else {
        Vec::new()
    };
    Ok(Planned {
        config: project.config.clone(),
        build: BuildFacet {
            digest: digest::short(&node),
            summary,
        },
        reads: manifests,
        inventory: super::inventory::INVENTORY,
        bases: choices.sourcing(),
        explanation,
        context,
        warnings,
    })
}

/// An image to make: a workspace member that starts, or the project.
struct App {
    name: String,
    version: Option<String>,
    /// Its folder, relative to the root ("" for the root).
    dir: String,
    entrypoint: Vec<String>,
    args: Vec<String>,
    /// Where the start came from, for `--explain`.
    source: String,
}

/// The images: in a workspace, one per member whose `start` script is
/// `node FILE` (a member without one is a library); else, or when none
/// starts, the project itself.
fn apps(project: &NodeProject, warnings: &mut Vec<String>) -> Result<Vec<App>> {
    let mut apps = Vec::new();
    if let Some(next) = project
        .next
        .as_ref()
        .filter(|_| project.own.entrypoint.is_none())
    {
        if !next.standalone {
            return Err(fail(
                format!(
                    "this Next.js app's {} does not ask for standalone output, and `next start` needs the whole of next and a shell to run",
                    next.config
                        .as_deref()
                        .unwrap_or("next.config.js (there is none)")
                ),
                "set `output: \"standalone\"` in next.config.js (https://nextjs.org/docs/app/api-reference/config/next-config-js/output), or set `entrypoint`",
            ));
        }
        apps.push(App {
            name: project.name.clone(),
            version: project.version.clone(),
            dir: String::new(),
            entrypoint: vec![NODE.to_string(), format!("{APP_DIR}/server.js")],
            args: Vec::new(),
            source: "Next.js standalone output: .next/standalone/server.js".into(),
        });
        return Ok(apps);
    }
    if project.own.entrypoint.is_none() {
        for m in &project.members {
            let Some(script) = &m.start else { continue };
            match node_command(script, &m.dir) {
                Some((mut entry, args)) => {
                    entry.insert(0, NODE.to_string());
                    apps.push(App {
                        name: m.name.clone(),
                        version: m.version.clone(),
                        dir: m.dir.clone(),
                        entrypoint: entry,
                        args,
                        source: format!("`scripts.start` of {}/package.json: {script}", m.dir),
                    });
                }
                None => warnings.push(format!(
                    "{}/package.json's start script `{script}` needs a shell or another tool, so the member gets no image; make it `node FILE`",
                    m.dir
                )),
            }
        }
    }
    if apps.is_empty() {
        let (entrypoint, args, source) = start(project)?;
        apps.push(App {
            name: project.name.clone(),
            version: project.version.clone(),
            dir: String::new(),
            entrypoint,
            args,
            source,
        });
    }
    if project.own.entrypoint.is_none() {
        for app in &mut apps {
            for file in env_files_if_present(&mut app.entrypoint) {
                warnings.push(format!(
                    "the start script's `--env-file {file}` becomes `--env-file-if-exists={file}`: {file} is kept out of the image as a secret, and node stops without it; pass its variables at run time (`docker run --env-file {file}`)"
                ));
            }
        }
    }
    Ok(apps)
}

/// Turns node's `--env-file` of a file the build context never holds (the
/// secret rules keep `.env` and its kind out) into `--env-file-if-exists`:
/// node would otherwise stop at start on the missing file. Returns the
/// files so read.
fn env_files_if_present(entry: &mut Vec<String>) -> Vec<String> {
    let mut files = Vec::new();
    let mut i = 0;
    while i < entry.len() {
        let (file, apart) = match entry[i].strip_prefix("--env-file=") {
            Some(file) => (file.to_string(), false),
            None if entry[i] == "--env-file" && i + 1 < entry.len() => (entry[i + 1].clone(), true),
            None => {
                i += 1;
                continue;
            }
        };
        if crate::secrets::excluded_as_secret(file.trim_start_matches("./")) {
            if apart {
                entry.remove(i + 1);
            }
            entry[i] = format!("--env-file-if-exists={file}");
            files.push(file);
        }
        i += 1;
    }
    files
}

/// How the image starts, with no shell: the `entrypoint` key; else the
/// start script (`start`, or the one the `start` key names) when it is
/// `node [flags] FILE [args]`; else `main`, the first `bin`, or a root
/// `index.js`/`server.js`. Returns the entrypoint, the default `CMD` and
/// where it came from.
fn start(project: &NodeProject) -> Result<(Vec<String>, Vec<String>, String)> {
    let origin = &project.config_origin;
    if let Some(ep) = &project.own.entrypoint {
        if ep.is_empty() || !ep[0].starts_with('/') {
            return Err(fail(
                format!("`entrypoint` in {origin} must be a list starting with an absolute path"),
                format!("for example entrypoint = [\"{NODE}\", \"dist/server.js\"]"),
            ));
        }
        return Ok((ep.clone(), Vec::new(), format!("`entrypoint` in {origin}")));
    }
    let script_name = project.own.start.as_deref().unwrap_or("start");
    if let Some((_, script)) = project.scripts.iter().find(|(n, _)| n == script_name) {
        return match node_command(script, "") {
            Some((mut entry, args)) => {
                entry.insert(0, NODE.to_string());
                Ok((
                    entry,
                    args,
                    format!("`scripts.{script_name}` of package.json: {script}"),
                ))
            }
            None => Err(fail(
                format!(
                    "`scripts.{script_name}` of package.json is `{script}`, which needs a shell or a tool the image does not have: the image runs node alone"
                ),
                format!(
                    "set `entrypoint` in {origin}, e.g. \"entrypoint\": [\"{NODE}\", \"dist/server.js\"], or name a script of the form `node FILE` with `start`"
                ),
            )),
        };
    }
    let file = project
        .main
        .clone()
        .map(|m| (m, "`main` of package.json"))
        .or_else(|| {
            project
                .bins
                .first()
                .map(|(_, f)| (f.clone(), "`bin` of package.json"))
        })
        .or_else(|| {
            ["server.js", "index.js"]
                .into_iter()
                .find(|f| project.root.join(f).is_file())
                .map(|f| (f.to_string(), "a root script"))
        });
    match file {
        Some((file, why)) => Ok((
            vec![NODE.to_string(), in_app("", &file)],
            Vec::new(),
            format!("{why}: {file}"),
        )),
        None => Err(fail(
            "package.json has no `start` script, `main` or `bin`, and there is no index.js or server.js: nothing says how the app starts",
            format!(
                "add \"start\": \"node server.js\" to `scripts`, or set `entrypoint` in {origin}"
            ),
        )),
    }
}

/// `node [flags] FILE [args]`, as (flags and the file under /app, args);
/// `None` for anything a shell or another program would have to run.
fn node_command(script: &str, dir: &str) -> Option<(Vec<String>, Vec<String>)> {
    let shell = |c: char| "&|;<>$`()'\"\\*?~{}[]!#".contains(c);
    if script.contains(shell) {
        return None;
    }
    let mut words = script.split_whitespace();
    if words.next()? != "node" {
        return None;
    }
    let mut entry = Vec::new();
    let mut words = words.peekable();
    while let Some(w) = words.next_if(|w| w.starts_with('-')) {
        entry.push(w.to_string());
        if FLAGS_WITH_VALUE.contains(&w) {
            entry.push(words.next()?.to_string());
        }
    }
    let file = words.next()?;
    if file.contains('=') {
        return None;
    }
    entry.push(in_app(dir, file));
    Some((entry, words.map(String::from).collect()))
}

/// A path of the folder `dir` (relative to the root) as the image has it,
/// under /app.
fn in_app(dir: &str, file: &str) -> String {
    let file = file.trim_start_matches("./");
    match (file.starts_with('/'), dir.is_empty()) {
        (true, _) => file.to_string(),
        (false, true) => format!("{APP_DIR}/{file}"),
        (false, false) => format!("{APP_DIR}/{dir}/{file}"),
    }
}

/// A cache mount's options after `target=`: one cache for both installs,
/// or, when they cannot share it, one each, used by one build at a time.
fn cache_options(concurrent: bool, install: &str) -> String {
    if concurrent {
        "sharing=shared".into()
    } else {
        format!("id=node-{install}-cache,sharing=locked")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_env_file_is_read_only_if_present() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (given, want, files) in [
            (
                &["node", "--env-file=.env", "/app/s.js"][..],
                &["node", "--env-file-if-exists=.env", "/app/s.js"][..],
                &[".env"][..],
            ),
            (
                &[
                    "node",
                    "--env-file",
                    "config/.env.production",
                    "--inspect",
                    "/app/s.js",
                ],
                &[
                    "node",
                    "--env-file-if-exists=config/.env.production",
                    "--inspect",
                    "/app/s.js",
                ],
                &["config/.env.production"],
            ),
            // A file of another name ships with the app, if the project has it.
            (
                &["node", "--env-file=app.env", "/app/s.js"],
                &["node", "--env-file=app.env", "/app/s.js"],
                &[],
            ),
        ] {
            let mut entry = words(given);
            assert_eq!(env_files_if_present(&mut entry), words(files));
            assert_eq!(entry, words(want));
        }
    }

    #[test]
    fn plain_node_commands_become_exec_form() {
        for (script, entry, args) in [
            ("node server.js", vec!["/app/server.js"], vec![]),
            (
                "node ./dist/index.js --port 3000",
                vec!["/app/dist/index.js"],
                vec!["--port", "3000"],
            ),
            (
                "node -r dotenv/config --enable-source-maps build/main.js",
                vec![
                    "-r",
                    "dotenv/config",
                    "--enable-source-maps",
                    "/app/build/main.js",
                ],
                vec![],
            ),
        ] {
            let (e, a) = node_command(script, "").unwrap();
            assert_eq!(
                (e, a),
                (
                    entry.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                ),
                "{script}"
            );
        }
        for script in [
            "npm run serve",
            "NODE_ENV=production node server.js",
            "node server.js && echo done",
            "tsc && node dist/index.js",
            "next start",
            "node $ENTRY",
            "node -r",
            "node",
        ] {
            assert_eq!(node_command(script, ""), None, "{script}");
        }
    }
}
