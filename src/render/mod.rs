//! Templates + context → text. The built-in templates are embedded; a file
//! at the same path under `.distroless/templates/` replaces one, partials
//! included. Templates live in one folder per ecosystem plus `common/`;
//! the names and paths of the flat layout that came before still work.

mod ahead;
pub mod digest;
pub mod helpers;
pub mod schema;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use handlebars::{Context as HbContext, Handlebars, RenderErrorReason};

use crate::context::Context;
use crate::error::fail;
use crate::layout::{GeneratedFile, OVERRIDE_DIR};

pub use ahead::Early;
pub use helpers::tidy;

/// A built-in template: its name, its file under `templates/`, and its text.
#[derive(Debug, Clone)]
pub struct Builtin {
    /// The name templates include it by (`{{include "common/header"}}`):
    /// its file without `.hbs`.
    pub name: &'static str,
    /// Its path under `templates/`, and under the override folder.
    pub file: &'static str,
    pub source: &'static str,
    /// What it renders.
    pub about: String,
    /// Its name and file in the flat layout before ecosystem folders, which
    /// overrides and includes may still use.
    pub old: Option<(String, String)>,
}

/// The `templates/` folder, embedded: one folder per ecosystem and
/// `common/`, each with a `templates.toml` that says what its templates do.
static TEMPLATES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");

/// What a folder's `templates.toml` says of one template.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct About {
    about: String,
    old: Option<(String, String)>,
}

/// Every built-in template and partial, found in the embedded folder:
/// the ecosystems' folders in name order, then `common/`.
pub fn builtins() -> &'static [Builtin] {
    static ALL: std::sync::OnceLock<Vec<Builtin>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut folders: Vec<&include_dir::Dir> = TEMPLATES.dirs().collect();
        folders.sort_by_key(|d| (d.path() == Path::new(COMMON), d.path()));
        folders.iter().flat_map(|d| folder_builtins(d)).collect()
    })
}

/// The folder every ecosystem's templates may include.
const COMMON: &str = "common";

/// The templates of one embedded folder, in name order.
fn folder_builtins(dir: &'static include_dir::Dir<'static>) -> Vec<Builtin> {
    let index: std::collections::BTreeMap<String, About> = dir
        .get_file(dir.path().join("templates.toml"))
        .and_then(|f| f.contents_utf8())
        .map(|text| toml::from_str(text).expect("a built-in templates.toml parses"))
        .unwrap_or_default();
    let mut out: Vec<Builtin> = dir
        .files()
        .filter_map(|f| {
            let file = f.path().to_str()?;
            let name = file.strip_suffix(".hbs")?;
            let about = index.get(name.rsplit('/').next()?);
            Some(Builtin {
                name,
                file,
                source: f.contents_utf8()?,
                about: about.map(|a| a.about.clone()).unwrap_or_default(),
                old: about.and_then(|a| a.old.clone()),
            })
        })
        .collect();
    out.sort_by_key(|b| b.name);
    out
}

/// Looks a template up by its name or file, new or old.
pub fn find(name: &str) -> Option<&'static Builtin> {
    builtins().iter().find(|b| {
        [b.name, b.file].contains(&name)
            || b.old.as_ref().is_some_and(|(old_name, old_file)| {
                [old_name, old_file, old_file.trim_end_matches(".hbs")].contains(&name)
            })
    })
}

/// The template that renders a generated file.
fn template_for(file: GeneratedFile, ctx: &Context) -> String {
    match file {
        GeneratedFile::Dockerfile => format!("{}/Dockerfile", ctx.ecosystem),
        GeneratedFile::Dockerignore => "common/dockerignore".into(),
        GeneratedFile::Bake => "common/bake".into(),
        GeneratedFile::Compose => "common/compose".into(),
    }
}

/// The repository's template overrides, read but not parsed.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    root: PathBuf,
    /// Each overridden built-in, the file that overrides it (relative to the
    /// override folder) and its text.
    pub files: Vec<(&'static Builtin, String, String)>,
    /// What the user should know: files that override nothing, old paths.
    pub warnings: Vec<String>,
}

impl Overrides {
    /// Reads `root/.distroless/templates`. A file at a template's old path
    /// still overrides it, with a warning naming the new path.
    pub fn read(root: &Path) -> Result<Overrides> {
        let dir = root.join(OVERRIDE_DIR);
        let mut out = Overrides {
            root: root.to_path_buf(),
            ..Overrides::default()
        };
        crate::folder::no_links(root, Path::new(OVERRIDE_DIR))?;
        if !dir.is_dir() {
            return Ok(out);
        }
        let read = |file: &str| crate::folder::read_own(root, &Path::new(OVERRIDE_DIR).join(file));
        for t in builtins() {
            let new = read(t.file)?;
            let old_file = t.old.as_ref().map_or("", |(_, f)| f.as_str());
            let old = if old_file.is_empty() {
                None
            } else {
                read(old_file)?
            };
            let (new_path, old_path) = (
                format!("{OVERRIDE_DIR}/{}", t.file),
                format!("{OVERRIDE_DIR}/{old_file}"),
            );
            match (new, old) {
                (Some(text), old) => {
                    if old.is_some() {
                        out.warnings.push(format!(
                            "{old_path} is ignored: {new_path} overrides the same template; delete one of them"
                        ));
                    }
                    out.files.push((t, t.file.to_string(), text));
                }
                (None, Some(text)) => {
                    out.warnings.push(format!(
                        "{old_path} is the old path of {new_path}; it still takes effect, but move it there (`git mv {old_path} {new_path}`)"
                    ));
                    out.files.push((t, old_file.to_string(), text));
                }
                (None, None) => {}
            }
        }
        for f in unknown_files(&dir)? {
            let meant = match meant(&f) {
                Some(file) => format!("did you mean {OVERRIDE_DIR}/{file}? "),
                None => String::new(),
            };
            out.warnings.push(format!(
                "{OVERRIDE_DIR}/{f} matches no template and is ignored; {meant}`cargo distroless templates` lists them"
            ));
        }
        Ok(out)
    }

    /// Warns when the override of `template` does not render `field`, a
    /// part of the context the built-in renders for a reason (`why`): an
    /// override written before the field existed keeps working without it.
    pub fn warn_unless_rendered(&mut self, template: &str, field: &str, why: &str) {
        let found = self.files.iter().find(|(t, _, _)| t.name == template);
        if let Some((_, file, _)) = found.filter(|(_, _, text)| !text.contains(field)) {
            self.warnings.push(format!(
                "{OVERRIDE_DIR}/{file} does not render `{field}`: {why}; add what the built-in renders of it (`cargo distroless eject {template}` shows it)"
            ));
        }
    }

    /// Every template's name with the text in effect, built in or overridden.
    pub fn sources(&self) -> Vec<(&'static str, &str)> {
        builtins()
            .iter()
            .map(|t| (t.name, self.own_text(t.name).unwrap_or(t.source)))
            .collect()
    }

    /// The text of the repository's override of a template, if it has one.
    fn own_text(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(t, _, _)| t.name == name)
            .map(|(_, _, text)| text.as_str())
    }

    /// Whether both read the same files of the same folder.
    fn same(&self, other: &Overrides) -> bool {
        fn files(o: &Overrides) -> impl Iterator<Item = (&str, &str, &str)> {
            o.files
                .iter()
                .map(|(t, file, text)| (t.name, file.as_str(), text.as_str()))
        }
        self.root == other.root && files(self).eq(files(other))
    }

    /// Whether the repository overrides this template.
    pub fn overrides(&self, name: &str) -> bool {
        self.own_text(name).is_some()
    }

    /// The file a template came from, for messages.
    pub fn describe(&self, name: &str) -> String {
        let Some(t) = find(name) else {
            return name.to_string();
        };
        match self.files.iter().find(|(o, _, _)| o.name == t.name) {
            Some((_, file, _)) => self
                .root
                .join(OVERRIDE_DIR)
                .join(file)
                .display()
                .to_string(),
            None => format!("templates/{} (built in)", t.file),
        }
    }
}

/// The template a misplaced or mistyped override file was meant for: the
/// one whose file (new or old) has the closest name.
fn meant(file: &str) -> Option<&'static str> {
    let base = |f: &str| f.rsplit('/').next().unwrap_or(f).to_ascii_lowercase();
    let name = base(file);
    let name = name.as_str();
    builtins()
        .iter()
        .flat_map(|b| {
            let old = b.old.as_ref().map(|(_, f)| base(f));
            [Some(base(b.file)), old]
                .into_iter()
                .flatten()
                .map(move |candidate| (strsim::levenshtein(name, &candidate), b.file))
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, file)| file)
}

/// Files under the override folder that replace no built-in, relative to it.
fn unknown_files(dir: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", d.display())),
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot read {}", d.display()))?
                .path();
            let meta = std::fs::symlink_metadata(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if meta.file_type().is_symlink() {
                return Err(fail(
                    format!("{} is a symbolic link", path.display()),
                    "templates are read only as plain files and folders: replace the link with a copy, or remove it",
                ));
            }
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = crate::folder::relative_slash(&path, dir).unwrap_or_default();
            if !builtins()
                .iter()
                .any(|b| b.file == rel || b.old.as_ref().is_some_and(|(_, f)| *f == rel))
            {
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Handlebars with every template in effect, under its name and its old
/// one, so overrides that include `header` or `final-stage` keep working.
pub struct Renderer {
    hb: Handlebars<'static>,
    overrides: Overrides,
}

impl Renderer {
    /// Parses the templates of one ecosystem and `common/` (or, with
    /// `None`, every one), with the repository's overrides in their place.
    pub fn new(overrides: &Overrides, ecosystem: Option<&str>) -> Result<Renderer> {
        let wanted = wanted(overrides, ecosystem);
        let parsed = wanted
            .iter()
            .map(|(_, source)| handlebars::Template::compile(source))
            .collect();
        Renderer::assemble(overrides, &wanted, parsed)
    }

    /// Registers the templates [`wanted`] lists, parsed (`parsed`, in the
    /// same order): the first that failed is the error, as a parse in
    /// order would have found it.
    fn assemble(
        overrides: &Overrides,
        wanted: &[(&'static Builtin, Cow<'static, str>)],
        parsed: Vec<Parsed>,
    ) -> Result<Renderer> {
        let mut hb = Handlebars::new();
        helpers::register(&mut hb);
        for ((t, _), parsed) in wanted.iter().zip(parsed) {
            let template = match parsed {
                Ok(template) => template,
                Err(err) if overrides.overrides(t.name) => {
                    let at = err
                        .pos()
                        .map(|(l, c)| format!(":{l}:{c}"))
                        .unwrap_or_default();
                    return Err(fail(
                        format!(
                            "template {}{at} does not parse: {}",
                            overrides.describe(t.name),
                            err.reason()
                        ),
                        format!(
                            "fix the template, or delete it to use the built-in {}",
                            t.file
                        ),
                    ));
                }
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("built-in template templates/{} does not parse", t.file)
                    });
                }
            };
            if let Some((old_name, _)) = &t.old {
                let mut alias = template.clone();
                alias.name = Some(old_name.to_string());
                hb.register_template(old_name.as_str(), alias);
            }
            let mut named = template;
            named.name = Some(t.name.to_string());
            hb.register_template(t.name, named);
        }
        if let Some(cycle) = include_loop(&hb) {
            return Err(fail(
                format!("templates include each other in a loop: {cycle}"),
                "break the loop in the overridden templates; nothing was written",
            ));
        }
        Ok(Renderer {
            hb,
            overrides: overrides.clone(),
        })
    }

    /// Starts parsing the templates of `ecosystem` with the overrides in
    /// `dir` on a thread of its own, so the parse overlaps the slow part of
    /// reading a project (a Cargo workspace's metadata).
    pub fn start(dir: PathBuf, ecosystem: &'static str) -> Early {
        Early::start(dir, ecosystem)
    }

    /// Renders one template; a failure names the template file (the partial
    /// where it happened), line and column.
    pub fn render(&self, name: &str, ctx: &HbContext) -> Result<String> {
        let mut text = Vec::with_capacity(RENDER_ROOM);
        let rendered = helpers::while_including(name, || {
            self.hb.render_with_context_to_write(name, ctx, &mut text)
        });
        match rendered {
            Ok(()) => Ok(tidy(String::from_utf8(text).expect("templates write text"))),
            Err(err) => {
                let culprit = err
                    .template_name
                    .clone()
                    .unwrap_or_else(|| name.to_string());
                let at = match (err.line_no, err.column_no) {
                    (Some(l), Some(c)) => format!(":{l}:{c}"),
                    _ => String::new(),
                };
                let why = match err.reason() {
                    RenderErrorReason::MissingVariable(Some(name)) => {
                        format!("`{name}` is not in the render context")
                    }
                    RenderErrorReason::PartialNotFound(name) => {
                        format!("there is no partial `{name}`")
                    }
                    RenderErrorReason::HelperNotFound(name) => {
                        format!("there is no helper `{name}`")
                    }
                    other => other.to_string(),
                };
                Err(fail(
                    format!(
                        "cannot render template {}{at}: {why}",
                        self.overrides.describe(&culprit)
                    ),
                    "check the names the template uses against `cargo distroless templates`; nothing was written",
                ))
            }
        }
    }
}

/// The room a render starts with. A large workspace's Dockerfile runs to
/// hundreds of kilobytes: grown by doubling from a few, its text would be
/// copied, into pages touched for nothing else, at each step. Room never
/// written to is never touched, and costs nothing.
const RENDER_ROOM: usize = 1 << 20;

/// A template's parse, or why it failed.
type Parsed = Result<handlebars::Template, handlebars::TemplateError>;

/// The templates a render parses, in the built-ins' order, each with the
/// text in effect: one ecosystem's and `common/` (or, with `None`, every
/// one). Parsing is most of a small render's cost, so a project's render
/// parses only the templates it can use.
fn wanted(
    overrides: &Overrides,
    ecosystem: Option<&str>,
) -> Vec<(&'static Builtin, Cow<'static, str>)> {
    builtins()
        .iter()
        .filter(|t| {
            let folder = t.name.split('/').next().unwrap_or_default();
            ecosystem.is_none_or(|e| folder == e || folder == COMMON)
        })
        .map(|t| {
            let text = overrides.own_text(t.name);
            (
                t,
                text.map_or(Cow::Borrowed(t.source), |o| Cow::Owned(o.into())),
            )
        })
        .collect()
}

/// The templates each template names, by `{{> name}}` or `{{include "name"}}`
/// (and `include_each`), found by walking its parsed tree.
fn references(template: &handlebars::Template, out: &mut Vec<String>) {
    use handlebars::template::{Parameter, TemplateElement};
    let literal = |p: &Parameter| match p {
        Parameter::Literal(serde_json::Value::String(s)) => Some(s.clone()),
        other => other.as_name().map(String::from),
    };
    for element in &template.elements {
        match element {
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                out.extend(literal(&d.name));
                if let Some(t) = &d.template {
                    references(t, out);
                }
            }
            TemplateElement::Expression(h)
            | TemplateElement::HtmlExpression(h)
            | TemplateElement::HelperBlock(h) => {
                if matches!(h.name.as_name(), Some("include" | "include_each")) {
                    out.extend(h.params.first().and_then(literal));
                }
                for t in [&h.template, &h.inverse].into_iter().flatten() {
                    references(t, out);
                }
            }
            TemplateElement::DecoratorBlock(d) => {
                if let Some(t) = &d.template {
                    references(t, out);
                }
            }
            _ => {}
        }
    }
}

/// A loop among the registered templates (`a → b → a`), found before
/// rendering: handlebars itself would recurse through `{{> name}}` until
/// the stack overflows.
fn include_loop(hb: &Handlebars) -> Option<String> {
    let templates = hb.get_templates();
    let mut names: Vec<&String> = templates.keys().collect();
    names.sort();
    let edges = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = templates.get(name) {
            references(t, &mut out);
        }
        out
    };
    // Depth-first from each template; `path` is the chain being followed.
    fn visit(
        name: &str,
        edges: &dyn Fn(&str) -> Vec<String>,
        path: &mut Vec<String>,
        done: &mut std::collections::HashSet<String>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| n == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name.to_string());
            return Some(cycle.join(" → "));
        }
        if !done.insert(name.to_string()) {
            return None;
        }
        path.push(name.to_string());
        for next in edges(name) {
            if let Some(cycle) = visit(&next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = std::collections::HashSet::new();
    names
        .into_iter()
        .find_map(|n| visit(n, &edges, &mut Vec::new(), &mut done))
}

/// A render context serialised once, for every file rendered from it, on
/// any thread: the one way a generated file is rendered.
pub struct Prepared<'a> {
    renderer: &'a Renderer,
    ctx: &'a Context,
    hb_ctx: HbContext,
}

impl<'a> Prepared<'a> {
    pub fn new(renderer: &'a Renderer, ctx: &'a Context) -> Result<Prepared<'a>> {
        let hb_ctx = HbContext::wraps(ctx).context("cannot serialise the render context")?;
        Ok(Prepared {
            renderer,
            ctx,
            hb_ctx,
        })
    }

    /// Renders one generated file.
    pub fn file(&self, file: GeneratedFile) -> Result<String> {
        self.renderer
            .render(&template_for(file, self.ctx), &self.hb_ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_in_strict_mode() {
        let overrides = Overrides::default();
        Renderer::new(&overrides, None).unwrap();
    }

    #[test]
    fn an_early_parse_is_used_only_for_the_same_ecosystem_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = serde_json::json!({});
        let hb_ctx = HbContext::wraps(&ctx).unwrap();
        let early = Renderer::start(dir.path().to_path_buf(), "rust");
        let same = early
            .finish(&Overrides::read(dir.path()).unwrap(), "rust")
            .unwrap();
        assert!(same.hb.get_template("rust/final").is_some());
        // A plan of another ecosystem gets its own templates parsed.
        let early = Renderer::start(dir.path().to_path_buf(), "rust");
        let other = early
            .finish(&Overrides::read(dir.path()).unwrap(), "python")
            .unwrap();
        assert!(other.hb.get_template("python/final").is_some());
        assert!(other.hb.get_template("rust/final").is_none());
        // Overrides read in another folder are the ones that render.
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join(crate::layout::OVERRIDE_DIR).join("common");
        std::fs::create_dir_all(&own).unwrap();
        std::fs::write(own.join("header.hbs"), "OWN HEADER").unwrap();
        let early = Renderer::start(dir.path().to_path_buf(), "rust");
        let moved = early
            .finish(&Overrides::read(root.path()).unwrap(), "rust")
            .unwrap();
        assert_eq!(
            moved.render("common/header", &hb_ctx).unwrap(),
            "OWN HEADER\n"
        );
    }

    #[test]
    fn an_early_parse_finished_at_once_has_every_template_a_parse_in_order_has() {
        // `finish` at once: this thread parses beside the early one.
        let dir = tempfile::tempdir().unwrap();
        let overrides = Overrides::read(dir.path()).unwrap();
        for ecosystem in ["rust", "python", "node"] {
            let early = Renderer::start(dir.path().to_path_buf(), ecosystem);
            let helped = early.finish(&overrides, ecosystem).unwrap();
            let in_order = Renderer::new(&overrides, Some(ecosystem)).unwrap();
            let names = |r: &Renderer| {
                let mut n: Vec<String> = r.hb.get_templates().keys().cloned().collect();
                n.sort();
                n
            };
            assert_eq!(names(&helped), names(&in_order), "{ecosystem}");
            for name in names(&in_order) {
                assert_eq!(
                    helped.hb.get_template(&name),
                    in_order.hb.get_template(&name),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn templates_are_found_by_new_and_old_names() {
        for name in [
            "rust/final",
            "rust/final.hbs",
            "final-stage",
            "partials/final-stage.hbs",
            "partials/final-stage",
        ] {
            assert_eq!(find(name).map(|b| b.name), Some("rust/final"), "{name}");
        }
        assert!(find("nope").is_none());
    }

    #[test]
    fn every_builtin_lives_in_an_ecosystem_folder_or_common_and_says_what_it_does() {
        let sections = crate::ecosystems::sections();
        let mut folders: Vec<&str> = sections.iter().map(|s| s.name).collect();
        folders.push(COMMON);
        for b in builtins() {
            let folder = b.name.split('/').next().unwrap_or_default();
            assert!(folders.contains(&folder), "{}", b.name);
            assert!(
                !b.about.is_empty(),
                "{} has no entry in templates.toml",
                b.name
            );
        }
        for folder in &folders {
            assert!(
                builtins()
                    .iter()
                    .any(|b| b.name.starts_with(&format!("{folder}/"))),
                "no templates for {folder}"
            );
        }
        assert!(find("rust/Dockerfile").is_some() && find("common/header").is_some());
    }
}
