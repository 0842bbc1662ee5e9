//! The commands: each wires detect → plan → render → write.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::Status;
use crate::check;
use crate::cli::{BuildArgs, EjectArgs, InitArgs, ProjectArgs, TemplatesArgs};
use crate::config::Selection;
use crate::detect::{
    self, Detected, python::PythonDetector, rust::RustDetector, rust::RustProject,
};
use crate::error::{fail, warn};
use crate::plan::{self, Plan};
use crate::project::Project;
use crate::render::{self, BUILTINS, OVERRIDE_DIR, Renderer};
use crate::write::{self, Action, Ownership, Planned};

/// The bake file's name, beside the Dockerfile.
pub const BAKE_FILE: &str = "docker-bake.hcl";

/// What `init` and `check` produce before touching the disk.
pub struct Generated {
    pub plan: Plan,
    pub root: PathBuf,
    /// The Dockerfile, the .dockerignore, and docker-bake.hcl when asked
    /// for, fingerprints included.
    pub files: Vec<Planned>,
}

/// Finds the project: the folder argument (or the current one) and the
/// optional manifest path. Rust is tried first unless the folder's Python
/// configuration says `ecosystem = "python"`.
fn find(path: Option<&Path>, manifest_path: Option<&Path>) -> Result<Detected> {
    let dir = match path {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let project = Project::new(&dir);
    let rust = RustDetector {
        manifest_path: manifest_path.map(Path::to_path_buf),
    };
    let python = PythonDetector;
    let order: [&dyn detect::Detector; 2] =
        if manifest_path.is_none() && detect::python::prefers_python(&project) {
            [&python, &rust]
        } else {
            [&rust, &python]
        };
    detect::detect(&project, &order)
}

/// The project's root: the build context, where files are written.
fn find_root(manifest_path: Option<&Path>) -> Result<PathBuf> {
    Ok(match find(None, manifest_path)? {
        Detected::Rust(p) => p.root,
        Detected::Python(p) => p.root,
    })
}

/// Detects, plans and renders, printing warnings: the shared front half.
pub fn generate(args: &ProjectArgs) -> Result<Generated> {
    // Parsing the templates takes milliseconds, so it starts now, beside
    // cargo, at the lowest priority: a re-run whose inputs are unchanged
    // renders nothing, and there it must not take CPU from cargo.
    let builtins = std::thread::spawn(|| {
        background_priority();
        render::Builtins::parse()
    });
    let (planned, root) = match find(args.path.as_deref(), args.manifest_path.as_deref())? {
        Detected::Rust(found) => (plan::rust(&found, &rust_options(args, &found))?, found.root),
        Detected::Python(found) => {
            if let Some((flag, _)) = args.rust_choices().first() {
                return Err(fail(
                    format!("{flag} applies to Rust projects, and this is a Python project"),
                    "drop the flag; Python projects are configured in [tool.distroless] of pyproject.toml or in distroless.toml",
                ));
            }
            (plan::python::plan(&found)?, found.root)
        }
    };
    if args.explain {
        for line in &planned.explanation {
            eprintln!("{line}");
        }
    }
    let overrides = render::Overrides::read(&root)?;
    for w in planned.warnings.iter().chain(&overrides.warnings()) {
        warn(w);
    }
    let inputs = render::inputs_digest(&planned.plan, &overrides)?;
    let mut names = vec!["Dockerfile", ".dockerignore"];
    if planned.plan.bake {
        names.push(BAKE_FILE);
    }
    if let Some(files) = unchanged(&root, &names, &inputs)? {
        return Ok(Generated {
            plan: planned.plan,
            root,
            files,
        });
    }
    let builtins = builtins
        .join()
        .map_err(|_| anyhow::anyhow!("parsing the templates stopped unexpectedly"))??;
    let rendered = render::render(builtins, &planned.plan, &root, &overrides)?;
    let texts = [
        Some(&rendered.dockerfile),
        Some(&rendered.dockerignore),
        rendered.bake.as_ref(),
    ];
    let files = names
        .iter()
        .zip(texts.into_iter().flatten())
        .map(|(name, text)| Planned {
            path: root.join(name),
            name: (*name).into(),
            content: write::stamp(text, &inputs),
        })
        .collect();
    Ok(Generated {
        plan: planned.plan,
        root,
        files,
    })
}

/// Lowers the calling thread's priority to the least (Linux schedules
/// threads one by one; elsewhere this would lower the whole process).
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

/// The files as they are, when every one is the tool's own, untouched, and
/// rendered from these very inputs: rendering again would give the same
/// bytes, so it is skipped.
fn unchanged(root: &Path, names: &[&str], inputs: &str) -> Result<Option<Vec<Planned>>> {
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let path = root.join(name);
        let Some(text) = crate::project::read_optional(&path)? else {
            return Ok(None);
        };
        if write::recorded_inputs(&text) != Some(inputs) {
            return Ok(None);
        }
        files.push(Planned {
            path,
            name: (*name).into(),
            content: text,
        });
    }
    Ok(Some(files))
}

/// The Rust plan's choices: flags over those recorded in the root's table.
fn rust_options(args: &ProjectArgs, found: &RustProject) -> Selection {
    let recorded = found.selection.clone();
    let or_recorded = |flag: &Vec<String>, config: Vec<String>| {
        if flag.is_empty() {
            config
        } else {
            flag.clone()
        }
    };
    Selection {
        packages: or_recorded(&args.packages, recorded.packages),
        bins: or_recorded(&args.bins, recorded.bins),
        rust_version: args.rust_version.clone().or(recorded.rust_version),
        features: or_recorded(&args.features, recorded.features),
        no_default_features: args.no_default_features || recorded.no_default_features,
        all_features: args.all_features || recorded.all_features,
        profile: args.profile.clone().or(recorded.profile),
        ..recorded
    }
}

/// `init`: write the Dockerfile and .dockerignore (or print the Dockerfile).
pub fn init(args: &InitArgs) -> Result<Status> {
    let Generated { plan, root, files } = generate(&args.project)?;
    if args.stdout {
        print!("{}", files[0].content);
        return Ok(Status::Ok);
    }
    let shown = shown_dir(&root);
    for (name, action) in write::apply(&files, args.force)? {
        let what = match action {
            Action::Create => "wrote",
            Action::Update => "updated",
            Action::Conflict(_) => "replaced",
            Action::Unchanged | Action::Restamp => "up to date:",
        };
        eprintln!("{what} {}", shown_file(&shown, &name));
    }
    let default = plan
        .binaries
        .last()
        .map(|b| b.name.as_str())
        .unwrap_or_default();
    eprintln!(
        "build the default image ({default}): docker build -t {} {shown}",
        plan.project
    );
    let others: Vec<&str> = plan
        .binaries
        .iter()
        .filter(|b| !b.default)
        .map(|b| b.stage.as_str())
        .collect();
    if !others.is_empty() {
        eprintln!(
            "build another: docker build --target <{}> {shown}",
            others.join("|")
        );
    }
    let keys: Vec<&str> = args
        .project
        .rust_choices()
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if !keys.is_empty() {
        eprintln!(
            "note: to keep these choices when the files are regenerated or checked, set {} in the root's [workspace.metadata.distroless] (or [package.metadata.distroless])",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(Status::Ok)
}

/// `check`: stale files exit 1 with the diff and the reasons; writes nothing.
pub fn check(args: &ProjectArgs) -> Result<Status> {
    let Generated { root, files, .. } = generate(args)?;
    let shown = shown_dir(&root);
    let mut stale = 0;
    for f in &files {
        let name = shown_file(&shown, &f.name);
        let (action, current) = write::action(f)?;
        let current = current.unwrap_or_default();
        let mut reasons = match action {
            Action::Unchanged | Action::Restamp => {
                println!("{name} is up to date");
                continue;
            }
            Action::Create => {
                stale += 1;
                println!("{name} is missing: run `cargo distroless init`");
                continue;
            }
            Action::Conflict(Ownership::Foreign) => {
                vec!["it was not written by cargo-distroless".to_string()]
            }
            Action::Conflict(_) => vec!["it was edited by hand since it was generated".to_string()],
            Action::Update => Vec::new(),
        };
        reasons.extend(match f.name.as_str() {
            "Dockerfile" => check::dockerfile_reasons(&current, &f.content),
            ".dockerignore" => check::dockerignore_reasons(&current, &f.content),
            _ => vec!["it lists the images and tags of the Dockerfile, which changed".to_string()],
        });
        if reasons.is_empty() {
            reasons.push(format!(
                "the templates changed (an override in {OVERRIDE_DIR}/, or another release of cargo-distroless)"
            ));
        }
        stale += 1;
        println!("{name} is stale:");
        for r in &reasons {
            println!("  - {r}");
        }
        print!("{}", write::diff(&name, &current, &f.content));
    }
    if stale == 0 {
        Ok(Status::Ok)
    } else {
        println!(
            "run `cargo distroless init` to update (it refuses to overwrite hand edits; see `--force`)"
        );
        Ok(Status::Stale)
    }
}

/// `eject`: copy built-in templates out for editing, never over an existing one.
pub fn eject(args: &EjectArgs) -> Result<Status> {
    let root = find_root(args.manifest_path.as_deref())?;
    let chosen: Vec<&render::Builtin> = if args.names.is_empty() {
        BUILTINS.iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| {
                BUILTINS
                    .iter()
                    .find(|b| b.name == n || b.file == n || b.file.trim_end_matches(".hbs") == n)
                    .ok_or_else(|| {
                        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
                        fail(
                            format!("no template named `{n}`"),
                            format!("the templates are: {}", names.join(", ")),
                        )
                    })
            })
            .collect::<Result<_>>()?
    };
    let dir = root.join(OVERRIDE_DIR);
    let shown = shown_dir(&root);
    for t in chosen {
        let path = dir.join(t.file);
        let name = shown_file(&shown, &format!("{OVERRIDE_DIR}/{}", t.file));
        if path.exists() && !args.force {
            eprintln!("kept {name}: it exists (--force replaces it)");
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        write::write_atomic(&path, t.source)?;
        eprintln!("wrote {name}");
    }
    eprintln!("edit them, then run `cargo distroless init`; delete one to go back to the built-in");
    Ok(Status::Ok)
}

/// `templates`: the templates, which are overridden, and the render context.
pub fn templates(args: &TemplatesArgs) -> Result<Status> {
    let root = match find_root(args.manifest_path.as_deref()) {
        Ok(root) => Some(root),
        Err(_) if args.manifest_path.is_none() => None,
        Err(e) => return Err(e),
    };
    let overridden = match &root {
        Some(r) => Renderer::new(r)?.overridden,
        None => Vec::new(),
    };
    let schema = schemars::schema_for!(Plan);
    if args.json {
        let list: Vec<serde_json::Value> = BUILTINS
            .iter()
            .map(|b| {
                serde_json::json!({
                    "name": b.name,
                    "file": b.file,
                    "about": b.about,
                    "partial": b.file.starts_with("partials/"),
                    "overridden": overridden.contains(&b.name),
                })
            })
            .collect();
        let out = serde_json::json!({ "override_dir": OVERRIDE_DIR, "templates": list, "context": schema });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).context("cannot format JSON")?
        );
        return Ok(Status::Ok);
    }
    println!("Templates (a file at the same path under {OVERRIDE_DIR}/ replaces one):");
    let width = BUILTINS.iter().map(|b| b.file.len()).max().unwrap_or(0);
    for b in BUILTINS {
        let state = if overridden.contains(&b.name) {
            "overridden"
        } else {
            "built in"
        };
        println!("  {:<width$}  {:<10}  {}", b.file, state, b.about);
    }
    println!(
        "\nHelpers: {{{{json x}}}} writes JSON; {{{{dq x}}}} writes a double-quoted Dockerfile word; \
         {{{{include \"name\"}}}} renders another template here; {{{{include_each \"name\" list}}}} renders \
         one per item, a blank line between."
    );
    println!("\nRender context (strict: any other name is an error):");
    let mut fields = Vec::new();
    crate::plan::context_fields(schema.as_value(), schema.as_value(), "", &mut fields);
    let width = fields.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    for (path, about) in fields {
        println!("  {path:<width$}  {about}");
    }
    Ok(Status::Ok)
}

/// `build`: build the images from the files on disk, then report on each.
pub fn build(args: &BuildArgs) -> Result<Status> {
    let project = ProjectArgs {
        path: args.path.clone(),
        manifest_path: args.manifest_path.clone(),
        ..ProjectArgs::default()
    };
    let Generated { plan, root, files } = generate(&project)?;
    let shown = shown_dir(&root);
    let (action, _) = write::action(&files[0])?;
    match action {
        Action::Create => {
            return Err(fail(
                format!("there is no Dockerfile in {shown}"),
                "write one with `cargo distroless init`",
            ));
        }
        Action::Unchanged | Action::Restamp => {}
        _ => warn(
            "the Dockerfile differs from what `cargo distroless init` would write now; building it as it is (see `cargo distroless check`)",
        ),
    }
    let targets: Vec<&plan::Binary> = if args.bins.is_empty() {
        plan.binaries.iter().collect()
    } else {
        args.bins
            .iter()
            .map(|name| {
                plan.binaries
                    .iter()
                    .find(|b| &b.name == name || &b.stage == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            plan.binaries.iter().map(|b| b.name.as_str()).collect();
                        fail(
                            format!("no image for a binary named `{name}`"),
                            format!("the images are: {}", names.join(", ")),
                        )
                    })
            })
            .collect::<Result<_>>()?
    };
    if args.tag.is_some() && targets.len() != 1 {
        return Err(fail(
            "--tag names one image",
            "pass exactly one --bin with --tag",
        ));
    }
    let (engine, program) = crate::build::find_engine(args.engine)?;
    let bake = root.join(BAKE_FILE);
    let req = crate::build::Request {
        root: &root,
        all: targets.len() == plan.binaries.len(),
        targets,
        tag: args.tag.clone(),
        platform: args.platform.clone(),
        push: args.push,
        network: args.network.clone(),
        bake_file: bake.exists().then_some(bake),
        runtime_image: &plan.runtime.image,
        payload: plan.python.as_ref().map(|p| p.venv),
    };
    crate::build::run(engine, &program, &req)?;
    if args.push {
        let pushed: Vec<String> = req.targets.iter().flat_map(|b| req.tags(b)).collect();
        println!("pushed: {}", pushed.join(", "));
        return Ok(Status::Ok);
    }
    println!(
        "{:<32} {:>9} {:>9} {:>9}  {:<12} entrypoint",
        "image", "size", "base", "payload", "user"
    );
    for r in crate::build::report(engine, &program, &req) {
        println!(
            "{:<32} {:>9} {:>9} {:>9}  {:<12} {}",
            r.tag,
            crate::build::mb(r.size),
            crate::build::mb(r.base),
            crate::build::mb(r.payload),
            r.user,
            r.entrypoint
        );
    }
    Ok(Status::Ok)
}

/// A folder as the user would type it: `.` for the current one, else relative
/// to it when inside it.
fn shown_dir(dir: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    let dir_c = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    match cwd.as_deref().and_then(|c| dir_c.strip_prefix(c).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => ".".into(),
        Some(rel) => rel.display().to_string(),
        None => dir.display().to_string(),
    }
}

fn shown_file(dir: &str, name: &str) -> String {
    if dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
