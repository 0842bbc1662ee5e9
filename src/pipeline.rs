//! The pipeline every command shares: detect → plan → digest → render →
//! stamp. It returns the files by name, ready to compare or write, and
//! writes nothing in the project (only `init`'s render cache, outside it).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::drift::Facets;
use crate::ecosystems::{self, Detected, Flags, Planned};
use crate::layout::GeneratedFile;
use crate::render::{self, Early, Overrides, Renderer, digest};
use crate::write::{self, PendingFile};

/// What to generate for.
#[derive(Debug, Default, Clone)]
pub struct Request {
    /// The project folder; the current one when absent.
    pub path: Option<PathBuf>,
    /// A Cargo.toml to read instead of the folder's.
    pub manifest_path: Option<PathBuf>,
    /// The ecosystem asked for (`--ecosystem`), over what the folder holds.
    pub ecosystem: Option<ecosystems::Ecosystem>,
    /// Choices given as flags, over the project's recorded ones.
    pub flags: Flags,
    /// Whether to explain the plan (`--explain`).
    pub explain: bool,
    /// Which base-image digests to ask registries for.
    pub resolve: crate::bases::Resolve,
    /// Whether the secret scan will run ([`exposed_secrets`]): its folders
    /// are then read while the project is.
    pub scan_secrets: bool,
}

/// Whether a run may skip rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// Render every time (`check`, whose verdict must not rest on what a
    /// file says of itself).
    Always,
    /// Skip the render when the files on disk are, byte for byte, what an
    /// earlier render with these very inputs wrote, as the user's own render
    /// cache proves (`init`); what a file says of itself proves nothing.
    UnlessCached,
}

/// What a run would write, before anything touches the disk.
pub struct Generated {
    /// Each base image's pin, before and after (empty unless `pin`).
    pub pins: Vec<crate::bases::Pin>,
    pub root: PathBuf,
    pub planned: Planned,
    /// Warnings about template overrides (unknown files, old paths).
    pub template_warnings: Vec<String>,
    pub facets: Facets,
    /// The files, stamped, in the order they are listed to the user.
    pub files: Vec<(GeneratedFile, PendingFile)>,
    /// The project's folders, being read for the secret scan, which takes
    /// them ([`exposed_secrets`]): behind a lock, so the scan can run on
    /// a thread of its own beside the writes, which read the files.
    listing: std::sync::Mutex<Option<Listed>>,
    /// The render cache being written, while the files are: done before
    /// the run ends (on drop).
    caching: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Generated {
    fn drop(&mut self) {
        if let Some(caching) = self.caching.take() {
            let _ = caching.join();
        }
    }
}

/// A project's folders being read ahead for the secret scan.
pub type Listed = std::thread::JoinHandle<crate::secrets::Listing>;

impl Generated {
    /// One of the files, if this project has it.
    pub fn file(&self, which: GeneratedFile) -> Option<&PendingFile> {
        self.files.iter().find(|(f, _)| *f == which).map(|(_, p)| p)
    }
}

/// Finds and reads the project a request names.
pub fn detect(req: &Request) -> Result<Detected> {
    identify(req)?.start()?.read(&req.flags)
}

/// Finds which ecosystem reads the project a request names.
fn identify(req: &Request) -> Result<ecosystems::Identified> {
    let dir = match &req.path {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    ecosystems::identify(&dir, req.manifest_path.as_deref(), req.ecosystem)
}

/// Runs the pipeline.
pub fn generate(req: &Request, mode: Render) -> Result<Generated> {
    let identified = identify(req)?;
    let (dir, ecosystem) = (identified.dir().to_path_buf(), identified.name());
    // cargo starts first; the templates are parsed and the folders listed
    // while the project is read.
    let reading = identified.start()?;
    let early = Renderer::start(dir.clone(), ecosystem);
    let listing = req
        .scan_secrets
        .then(|| crate::secrets::Listing::start(dir));
    let detected = reading.read(&req.flags)?;
    let root = detected.root().to_path_buf();
    let mut planned = detected.plan(&req.flags, req.explain)?;
    let recorded = crate::bases::recorded(&root, &planned.context.dockerfile)?;
    let sourcing = planned.bases.clone();
    let pins = crate::bases::apply(&mut planned.context, &sourcing, &recorded, req.resolve)?;
    for p in pins.iter().filter(|p| p.new.is_none()) {
        planned.warnings.push(format!(
            "`pin` is on, but {} has no digest recorded yet: `cargo distroless init` asks its registry for one",
            p.image
        ));
    }
    // Beside the project's own Dockerfile, the generated `NAME.dockerignore`
    // is the one the build reads: it carries the project's `.dockerignore`
    // rules, which would otherwise no longer apply.
    let own_ignore = GeneratedFile::Dockerignore.name_beside(crate::layout::DOCKERFILE);
    planned.context.dockerignore_project = crate::ignorefile::project_rules(&root, &own_ignore)?;
    let mut overrides = Overrides::read(&root)?;
    if !planned.context.dockerignore_after_keep.is_empty() {
        overrides.warn_unless_rendered(
            "common/dockerignore",
            "dockerignore_after_keep",
            "podman and buildah then re-admit the secrets inside a folder `include` names",
        );
    }
    let sources = overrides.sources();
    let ctx = &planned.context;
    let mut names = vec![GeneratedFile::Dockerfile, GeneratedFile::Dockerignore];
    if ctx.bake {
        names.push(GeneratedFile::Bake);
    }
    if ctx.compose {
        names.push(GeneratedFile::Compose);
    }
    let ignore_name = GeneratedFile::Dockerignore.name_beside(&ctx.dockerfile);
    let digest = || -> Result<(Facets, String)> {
        let facets = Facets::of(ctx, &planned.build.digest, &sources);
        let inputs = format!("{}/{}", digest::inputs(ctx, &sources)?, facets.to_line());
        Ok((facets, inputs))
    };
    let render =
        |early: Early| render_checked(early, &overrides, ctx, &names, &ignore_name, &planned.reads);
    // When nothing on disk can spare the render (a file is missing, or the
    // mode renders always), the inputs' digest is taken beside it.
    // Otherwise it comes first, and may prove the files on disk.
    let must_render = mode == Render::Always
        || names
            .iter()
            .any(|n| std::fs::symlink_metadata(root.join(n.name_beside(&ctx.dockerfile))).is_err());
    let (facets, inputs, texts, fresh) = if must_render {
        let (digested, rendered) = std::thread::scope(|s| {
            let digesting = s.spawn(digest);
            let rendered = render(early);
            let digested = crate::parallel::joined(digesting);
            (digested, rendered)
        });
        let (facets, inputs) = digested?;
        (facets, inputs, rendered?, true)
    } else {
        let (facets, inputs) = digest()?;
        match proven(&root, &names, &ctx.dockerfile, &inputs, mode)? {
            Some(texts) => {
                let ignore = names
                    .iter()
                    .zip(&texts)
                    .find(|(f, _)| **f == GeneratedFile::Dockerignore);
                if let Some((_, text)) = ignore {
                    crate::ignorefile::check_reads(&ignore_name, text, &planned.reads)?;
                }
                (facets, inputs, texts, false)
            }
            None => {
                let texts = render(early)?;
                (facets, inputs, texts, true)
            }
        }
    };
    let files: Vec<(GeneratedFile, PendingFile)> = names
        .iter()
        .zip(texts)
        .map(|(&file, text)| {
            let content = if fresh {
                write::stamp(text, &inputs)
            } else {
                text
            };
            let pending = PendingFile {
                root: root.clone(),
                name: file.name_beside(&ctx.dockerfile),
                content,
            };
            (file, pending)
        })
        .collect();
    let caching = (fresh && mode == Render::UnlessCached).then(|| {
        let texts: Vec<(GeneratedFile, String)> =
            files.iter().map(|(f, p)| (*f, p.content.clone())).collect();
        let inputs = inputs.clone();
        std::thread::spawn(move || crate::cache::put(&inputs, &texts))
    });
    Ok(Generated {
        pins,
        root,
        template_warnings: overrides.warnings.clone(),
        planned,
        facets,
        files,
        listing: std::sync::Mutex::new(listing),
        caching,
    })
}

/// Warnings for secret-looking files that the `.dockerignore` about to be
/// written leaves in the build context (paths `include` names excepted).
/// It takes the folders read ahead while the project was read; run a
/// second time, or without them, it reads the folders itself.
pub fn exposed_secrets(generated: &Generated) -> Vec<String> {
    let Some(ignore) = generated.file(GeneratedFile::Dockerignore) else {
        return Vec::new();
    };
    let ignore = crate::secrets::Ignore::parse(&ignore.content);
    let listing = generated
        .listing
        .lock()
        .ok()
        .and_then(|mut l| l.take())
        .and_then(|l| l.join().ok())
        .unwrap_or_default();
    crate::secrets::exposed(
        &generated.root,
        &listing,
        &ignore,
        &generated.planned.context.dockerignore_keep,
    )
    .into_iter()
    .map(|path| {
        format!(
            "{path} looks like a secret, and no .dockerignore rule keeps it out of the build context: keep it out with a rule in the project's own .dockerignore, which init keeps (or the ecosystem's `exclude` key, where it has one), or move it out of the project"
        )
    })
    .collect()
}

/// Renders each file, in `names`' order. The `.dockerignore` comes first:
/// the check that it leaves in every file the build reads runs beside the
/// other files' render, and fails the whole.
fn render_checked(
    early: Early,
    overrides: &Overrides,
    ctx: &crate::context::Context,
    names: &[GeneratedFile],
    ignore_name: &str,
    reads: &[String],
) -> Result<Vec<String>> {
    let renderer = early.finish(overrides, ctx.ecosystem)?;
    let prepared = render::Prepared::new(&renderer, ctx)?;
    let ignore = prepared.file(GeneratedFile::Dockerignore)?;
    let mut texts = std::thread::scope(|s| -> Result<Vec<String>> {
        let checking = s.spawn(|| crate::ignorefile::check_reads(ignore_name, &ignore, reads));
        let mut rest = names.iter().filter(|f| **f != GeneratedFile::Dockerignore);
        let first = rest.next();
        let prepared = &prepared;
        let beside: Vec<_> = rest.map(|&f| s.spawn(move || prepared.file(f))).collect();
        let mut texts = Vec::with_capacity(names.len());
        if let Some(&f) = first {
            texts.push(prepared.file(f)?);
        }
        for rendering in beside {
            texts.push(crate::parallel::joined(rendering)?);
        }
        crate::parallel::joined(checking)?;
        Ok(texts)
    })?;
    let at = names
        .iter()
        .position(|f| *f == GeneratedFile::Dockerignore)
        .unwrap_or(texts.len());
    texts.insert(at, ignore);
    Ok(texts)
}

/// The files' texts, when rendering may be skipped: the render cache holds
/// what these inputs rendered, and every file on disk is exactly that (line
/// endings aside).
fn proven(
    root: &Path,
    names: &[GeneratedFile],
    dockerfile: &str,
    inputs: &str,
    mode: Render,
) -> Result<Option<Vec<String>>> {
    if mode == Render::Always {
        return Ok(None);
    }
    let mut texts = Vec::with_capacity(names.len());
    for name in names {
        let Some(expected) = crate::cache::get(inputs, *name) else {
            return Ok(None);
        };
        let Some(text) = crate::folder::read_own(root, Path::new(&name.name_beside(dockerfile)))?
        else {
            return Ok(None);
        };
        if text.replace("\r\n", "\n") != expected {
            return Ok(None);
        }
        texts.push(expected);
    }
    Ok(Some(texts))
}
