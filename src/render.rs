//! Templates + plan → text. Built-in templates are embedded; a file of the
//! same name under `.distroless/templates/` replaces one, partials included.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use handlebars::{
    Context as HbContext, Handlebars, Helper, HelperResult, Output, RenderContext,
    RenderErrorReason, Renderable,
};

use crate::error::fail;
use crate::plan::Plan;

/// Where a repository keeps its template overrides, relative to its root.
pub const OVERRIDE_DIR: &str = ".distroless/templates";

/// A built-in template: its name, its file under `templates/`, and its text.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The name templates use (`{{> final-stage}}`) or the renderer asks for.
    pub name: &'static str,
    /// Its path under `templates/`, and under the override folder.
    pub file: &'static str,
    pub source: &'static str,
    /// What it renders.
    pub about: &'static str,
}

/// Every built-in template and partial.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "rust.Dockerfile",
        file: "rust.Dockerfile.hbs",
        source: include_str!("../templates/rust.Dockerfile.hbs"),
        about: "the Dockerfile of a Rust project: header, builder, one final stage per binary",
    },
    Builtin {
        name: "python.Dockerfile",
        file: "python.Dockerfile.hbs",
        source: include_str!("../templates/python.Dockerfile.hbs"),
        about: "the Dockerfile of a Python project: header, builder, final stage",
    },
    Builtin {
        name: "dockerignore",
        file: "dockerignore.hbs",
        source: include_str!("../templates/dockerignore.hbs"),
        about: "the .dockerignore",
    },
    Builtin {
        name: "bake",
        file: "bake.hbs",
        source: include_str!("../templates/bake.hbs"),
        about: "docker-bake.hcl: one target per binary and a default group",
    },
    Builtin {
        name: "header",
        file: "partials/header.hbs",
        source: include_str!("../templates/partials/header.hbs"),
        about: "partial: the comment block at the top of the Dockerfile",
    },
    Builtin {
        name: "rust-builder",
        file: "partials/rust-builder.hbs",
        source: include_str!("../templates/partials/rust-builder.hbs"),
        about: "partial: the stage that compiles the Rust binaries",
    },
    Builtin {
        name: "python-builder",
        file: "partials/python-builder.hbs",
        source: include_str!("../templates/partials/python-builder.hbs"),
        about: "partial: the stage that builds the virtual environment",
    },
    Builtin {
        name: "python-final",
        file: "partials/python-final.hbs",
        source: include_str!("../templates/partials/python-final.hbs"),
        about: "partial: the Python application's runtime stage",
    },
    Builtin {
        name: "apt-packages",
        file: "partials/apt-packages.hbs",
        source: include_str!("../templates/partials/apt-packages.hbs"),
        about: "partial: the cached layer that installs the builder's Debian packages",
    },
    Builtin {
        name: "copy-libraries",
        file: "partials/copy-libraries.hbs",
        source: include_str!("../templates/partials/copy-libraries.hbs"),
        about: "partial: the builder's copy_libs shell function (ldd, minus what the runtime ships)",
    },
    Builtin {
        name: "final-stage",
        file: "partials/final-stage.hbs",
        source: include_str!("../templates/partials/final-stage.hbs"),
        about: "partial: one binary's runtime stage (rendered with the binary as context)",
    },
];

/// The files a render produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub dockerfile: String,
    pub dockerignore: String,
    /// `docker-bake.hcl`, when the plan asks for one.
    pub bake: Option<String>,
}

/// The built-in templates, parsed. Parsing is the costly part of a small
/// render, and needs nothing from the project, so it can run while the
/// project is still being read.
pub struct Builtins(Handlebars<'static>);

impl Builtins {
    /// Handlebars set up the way the tool renders (strict, no HTML escaping,
    /// the helpers), with every built-in template registered.
    pub fn parse() -> Result<Builtins> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("json", Box::new(json_helper));
        hb.register_helper("dq", Box::new(dq_helper));
        hb.register_helper("include", Box::new(include_helper));
        hb.register_helper("include_each", Box::new(include_each_helper));
        for t in BUILTINS {
            hb.register_template_string(t.name, t.source)
                .with_context(|| {
                    format!("built-in template templates/{} does not parse", t.file)
                })?;
        }
        Ok(Builtins(hb))
    }
}

/// Handlebars set up the way the tool renders: strict, no HTML escaping, the
/// built-ins with the repository's overrides on top.
pub struct Renderer {
    hb: Handlebars<'static>,
    root: PathBuf,
    /// Template names the repository overrides.
    pub overridden: Vec<&'static str>,
}

impl Renderer {
    /// Loads the built-ins, replacing each one that
    /// `root/.distroless/templates` has a file for.
    pub fn new(root: &Path) -> Result<Renderer> {
        Renderer::with_builtins(Builtins::parse()?, root, &Overrides::read(root)?)
    }

    /// Applies the repository's overrides to already parsed built-ins.
    pub fn with_builtins(
        builtins: Builtins,
        root: &Path,
        overrides: &Overrides,
    ) -> Result<Renderer> {
        let mut hb = builtins.0;
        let mut r = Renderer {
            hb: Handlebars::new(),
            root: root.to_path_buf(),
            overridden: Vec::new(),
        };
        for (t, source) in &overrides.files {
            r.overridden.push(t.name);
            if let Err(err) = hb.register_template_string(t.name, source) {
                let at = err
                    .pos()
                    .map(|(l, c)| format!(":{l}:{c}"))
                    .unwrap_or_default();
                return Err(fail(
                    format!(
                        "template {}{at} does not parse: {}",
                        r.describe(t.name),
                        err.reason()
                    ),
                    format!(
                        "fix the template, or delete it to use the built-in {}",
                        t.file
                    ),
                ));
            }
        }
        r.hb = hb;
        Ok(r)
    }

    /// Renders one template; a failure names the template file (the partial
    /// where it happened), line and column.
    pub fn render(&self, name: &str, ctx: &HbContext) -> Result<String> {
        match while_including(name, || self.hb.render_with_context(name, ctx)) {
            Ok(text) => Ok(tidy(&text)),
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
                        self.describe(&culprit)
                    ),
                    "check the names the template uses against `cargo distroless templates`; nothing was written",
                ))
            }
        }
    }

    /// The file a template came from, for messages.
    pub fn describe(&self, name: &str) -> String {
        let file = BUILTINS
            .iter()
            .find(|b| b.name == name)
            .map_or(name, |b| b.file);
        if self.overridden.contains(&name) {
            self.root
                .join(OVERRIDE_DIR)
                .join(file)
                .display()
                .to_string()
        } else {
            format!("templates/{file} (built in)")
        }
    }
}

/// The repository's template overrides, read but not parsed: enough to tell
/// whether a render would differ from the last one.
#[derive(Debug, Default)]
pub struct Overrides {
    /// Each overridden built-in with the text that replaces it.
    pub files: Vec<(&'static Builtin, String)>,
    /// Files in the override folder that match no template: ignored.
    pub unknown: Vec<String>,
}

impl Overrides {
    /// Reads `root/.distroless/templates`.
    pub fn read(root: &Path) -> Result<Overrides> {
        let dir = root.join(OVERRIDE_DIR);
        if !dir.is_dir() {
            return Ok(Overrides::default());
        }
        let mut files = Vec::new();
        for t in BUILTINS {
            if let Some(text) = crate::project::read_optional(&dir.join(t.file))? {
                files.push((t, text));
            }
        }
        Ok(Overrides {
            files,
            unknown: unknown_files(&dir)?,
        })
    }

    /// A warning for each file that overrides nothing.
    pub fn warnings(&self) -> Vec<String> {
        let known: Vec<&str> = BUILTINS.iter().map(|b| b.file).collect();
        self.unknown
            .iter()
            .map(|f| {
                format!(
                    "{f} matches no template and is ignored; the templates are: {}",
                    known.join(", ")
                )
            })
            .collect()
    }
}

/// A digest of everything a render depends on: this release of the tool,
/// each template's text (built in or overridden) and the render context.
/// Same digest, same files: a re-run that finds it recorded in untouched
/// files need not render at all.
pub fn inputs_digest(plan: &Plan, overrides: &Overrides) -> Result<String> {
    let mut h = HashWriter(xxhash_rust::xxh3::Xxh3::new());
    let mut part = |bytes: &[u8]| {
        h.0.update(&(bytes.len() as u64).to_le_bytes());
        h.0.update(bytes);
    };
    part(env!("CARGO_PKG_VERSION").as_bytes());
    for t in BUILTINS {
        let source = overrides
            .files
            .iter()
            .find(|(o, _)| o.name == t.name)
            .map_or(t.source, |(_, text)| text.as_str());
        part(t.name.as_bytes());
        part(source.as_bytes());
    }
    serde_json::to_writer(&mut h, plan).context("cannot serialise the render context")?;
    Ok(format!("{:016x}", h.0.digest()))
}

/// Feeds serialised bytes straight into the hash, with no buffer between.
struct HashWriter(xxhash_rust::xxh3::Xxh3);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Files under the override folder that replace no built-in.
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
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = crate::project::relative_slash(&path, dir).unwrap_or_default();
            if !BUILTINS.iter().any(|b| b.file == rel) {
                found.push(format!("{OVERRIDE_DIR}/{rel}"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Renders the Dockerfile, .dockerignore and bake file for a plan; the
/// smaller two on a second thread.
pub fn render(
    builtins: Builtins,
    plan: &Plan,
    root: &Path,
    overrides: &Overrides,
) -> Result<Rendered> {
    let r = Renderer::with_builtins(builtins, root, overrides)?;
    let main = format!("{}.Dockerfile", plan.ecosystem);
    // Serialised once for every template.
    let ctx = HbContext::wraps(plan).context("cannot serialise the render context")?;
    let (dockerfile, others) = std::thread::scope(|scope| {
        let others = scope.spawn(|| -> Result<(String, Option<String>)> {
            let bake = if plan.bake {
                Some(r.render("bake", &ctx)?)
            } else {
                None
            };
            Ok((r.render("dockerignore", &ctx)?, bake))
        });
        (r.render(&main, &ctx), others.join())
    });
    let (dockerignore, bake) =
        others.map_err(|_| anyhow::anyhow!("rendering stopped unexpectedly"))??;
    Ok(Rendered {
        dockerfile: dockerfile?,
        dockerignore,
        bake,
    })
}

/// LF endings, no trailing spaces, at most one blank line in a row, and one
/// final newline: templates stay readable without fighting whitespace.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if blank {
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The template a helper's first parameter names.
fn named_template<'a, 'reg>(
    h: &'a Helper<'_>,
    r: &'reg Handlebars<'reg>,
    helper: &'static str,
) -> Result<(&'a str, &'reg handlebars::Template), RenderErrorReason> {
    let name = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    let template = r
        .get_template(name)
        .ok_or_else(|| RenderErrorReason::PartialNotFound(name.to_owned()))?;
    Ok((name, template))
}

thread_local! {
    /// The templates being rendered on this thread, outermost first: a name
    /// that comes round again (one that includes itself, or a longer loop)
    /// would otherwise recurse until the stack overflows.
    static INCLUDING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Renders `f` with `name` on the include chain, refusing a loop.
fn while_including<T>(
    name: &str,
    f: impl FnOnce() -> Result<T, handlebars::RenderError>,
) -> Result<T, handlebars::RenderError> {
    let looped = INCLUDING.with_borrow_mut(|chain| {
        if let Some(at) = chain.iter().position(|n| n == name) {
            let mut cycle = chain[at..].to_vec();
            cycle.push(name.to_owned());
            return Some(cycle.join(" → "));
        }
        chain.push(name.to_owned());
        None
    });
    if let Some(cycle) = looped {
        return Err(RenderErrorReason::Other(format!(
            "templates include each other in a loop: {cycle}"
        ))
        .into());
    }
    let result = f();
    INCLUDING.with_borrow_mut(|chain| chain.pop());
    result
}

/// `{{include "name"}}`: renders another template in the current context.
/// Unlike `{{> name}}`, which copies its context first, it costs nothing per
/// use, which matters for one final stage per binary in large workspaces.
fn include_helper<'reg, 'rc>(
    h: &Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    ctx: &'rc HbContext,
    rc: &mut RenderContext<'reg, 'rc>,
    out: &mut dyn Output,
) -> HelperResult {
    let (name, template) = named_template(h, r, "include")?;
    let before = rc.get_current_template_name();
    let result = while_including(name, || template.render(r, ctx, rc, out));
    rc.set_current_template_name(before);
    result
}

/// `{{include_each "name" list}}`: renders a template once for each item of a
/// list, the item as its context, with a blank line between: the same output
/// as `{{#each list}}` around `{{include "name"}}`, rendered on two threads,
/// since workspaces with hundreds of binaries have as many final stages.
fn include_each_helper<'reg, 'rc>(
    h: &Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    ctx: &'rc HbContext,
    _rc: &mut RenderContext<'reg, 'rc>,
    out: &mut dyn Output,
) -> HelperResult {
    let (name, template) = named_template(h, r, "include_each")?;
    let list = h
        .param(1)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("include_each", 1))?;
    let path = list.context_path().cloned().ok_or_else(|| {
        RenderErrorReason::Other("include_each needs the path of a list, e.g. `binaries`".into())
    })?;
    let len = list.value().as_array().map(Vec::len).ok_or_else(|| {
        RenderErrorReason::Other(format!("include_each: `{}` is not a list", path.join(".")))
    })?;
    let render_item = |i: usize| -> Result<String, handlebars::RenderError> {
        let mut rc = RenderContext::new(None);
        rc.set_current_template_name(template.name.as_ref());
        let mut block = handlebars::BlockContext::new();
        let mut base = path.clone();
        base.push(i.to_string());
        *block.base_path_mut() = base;
        block.set_local_var("index", serde_json::json!(i));
        block.set_local_var("first", serde_json::json!(i == 0));
        block.set_local_var("last", serde_json::json!(i + 1 == len));
        rc.push_block(block);
        let mut text = handlebars::StringOutput::new();
        template.render(r, ctx, &mut rc, &mut text)?;
        text.into_string()
            .map_err(|e| RenderErrorReason::Other(e.to_string()).into())
    };
    // Each item starts from this thread's include chain, on either thread.
    let chain = INCLUDING.with_borrow(Vec::clone);
    let render_one = |i: usize| -> Result<String, handlebars::RenderError> {
        let outer = INCLUDING.replace(chain.clone());
        let result = while_including(name, || render_item(i));
        INCLUDING.set(outer);
        result
    };
    let half = len / 2;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| (half..len).map(render_one).collect::<Result<Vec<_>, _>>());
        let first = (0..half).map(render_one).collect::<Result<Vec<_>, _>>();
        (first, second.join())
    });
    let second =
        second.map_err(|_| RenderErrorReason::Other("rendering stopped unexpectedly".into()))?;
    let pieces: Vec<String> = first?.into_iter().chain(second?).collect();
    out.write(&pieces.join("\n"))?;
    Ok(())
}

/// `{{json value}}`: the value as compact JSON, the syntax of exec-form
/// `ENTRYPOINT`/`CMD` and of `COPY [...]`.
fn json_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("json", 0))?;
    out.write(&json(value.value()))?;
    Ok(())
}

/// Compact JSON with a space after each array comma: `["a", "b"]`.
pub fn json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(json).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `{{dq value}}`: a double-quoted Dockerfile word, with `\`, `"` and `$`
/// escaped so `ENV` and `LABEL` take the text literally.
fn dq_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("dq", 0))?;
    let text = match value.value() {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    out.write(&dq(&text))?;
    Ok(())
}

/// Quotes a word for `ENV`/`LABEL`.
pub fn dq(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '\\' | '"' | '$' => {
                s.push('\\');
                s.push(c);
            }
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_normalises_whitespace() {
        assert_eq!(tidy("a  \n\n\n\nb\n\n"), "a\n\nb\n");
        assert_eq!(tidy("\n\na\r\n"), "a\n");
    }

    #[test]
    fn json_arrays_are_spaced() {
        assert_eq!(
            json(&serde_json::json!(["a", "b \"c\""])),
            r#"["a", "b \"c\""]"#
        );
    }

    #[test]
    fn dq_escapes_what_docker_would_expand() {
        assert_eq!(dq(r#"a "b" $HOME \x"#), r#""a \"b\" \$HOME \\x""#);
    }

    #[test]
    fn include_loops_are_errors_not_stack_overflows() {
        let mut hb = Builtins::parse().unwrap().0;
        for (name, text) in [
            ("a", "A{{include \"b\"}}"),
            ("b", "B{{include \"a\"}}"),
            ("list", "{{include_each \"item\" @root.xs}}"),
            ("item", "I{{include \"list\"}}"),
            ("fine", "{{include \"b2\"}}{{include \"b2\"}}"),
            ("b2", "[{{include_each \"leaf\" xs}}]"),
            ("leaf", "{{this}}"),
        ] {
            hb.register_template_string(name, text).unwrap();
        }
        let data = serde_json::json!({"xs": [1, 2, 3]});
        let err = hb.render("a", &data).unwrap_err().to_string();
        assert!(err.contains("loop: b → a → b"), "{err}");
        let err = hb.render("list", &data).unwrap_err().to_string();
        assert!(err.contains("loop: item → list → item"), "{err}");
        // The same template twice in a row is no loop.
        assert_eq!(hb.render("fine", &data).unwrap(), "[1\n2\n3][1\n2\n3]");
        INCLUDING.with_borrow(|chain| assert!(chain.is_empty(), "{chain:?}"));
    }

    #[test]
    fn include_each_matches_each_and_include() {
        let mut hb = Builtins::parse().unwrap().0;
        hb.register_template_string("item", "<{{name}}{{#if @last}}!{{/if}}>\n")
            .unwrap();
        hb.register_template_string(
            "each",
            "{{#each xs}}{{#unless @first}}\n{{/unless}}{{include \"item\"}}{{/each}}",
        )
        .unwrap();
        hb.register_template_string("par", "{{include_each \"item\" xs}}")
            .unwrap();
        hb.register_template_string("bad", "{{include_each \"item\" 5}}")
            .unwrap();
        let data = serde_json::json!({"xs": (0..7).map(|i| serde_json::json!({"name": i})).collect::<Vec<_>>()});
        let each = hb.render("each", &data).unwrap();
        assert_eq!(hb.render("par", &data).unwrap(), each);
        assert!(
            each.starts_with("<0>\n\n<1>") && each.ends_with("<6!>\n"),
            "{each}"
        );
        assert!(
            hb.render("bad", &data)
                .unwrap_err()
                .to_string()
                .contains("needs the path of a list")
        );
        hb.register_template_string("loop", "{{include_each \"loop\" xs}}")
            .unwrap();
        assert!(
            hb.render("loop", &data).is_err(),
            "a template cannot include itself"
        );
    }

    #[test]
    fn every_builtin_parses_in_strict_mode() {
        let dir = tempfile::tempdir().unwrap();
        let r = Renderer::new(dir.path()).unwrap();
        assert!(r.overridden.is_empty());
    }
}
