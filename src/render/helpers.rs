//! The helpers templates may use: `json`, `dq`, `yaml`, `include`,
//! `include_each`; the escape of every plain `{{value}}`; and `tidy`, which
//! every rendered file passes through.

use handlebars::{
    Context as HbContext, Handlebars, Helper, HelperResult, Output, RenderContext,
    RenderErrorReason, Renderable,
};

/// Sets up Handlebars the way the tool renders: strict (an unknown name is
/// an error), no HTML escaping, and the helpers.
pub fn register(hb: &mut Handlebars) {
    hb.set_strict_mode(true);
    hb.register_escape_fn(crate::escape::line);
    // `{{json value}}`: compact JSON, the syntax of exec-form `ENTRYPOINT`,
    // `CMD` and `COPY [...]`, and of HCL strings.
    hb.register_helper("json", Box::new(Quote("json", json)));
    // `{{dq value}}`: a double-quoted Dockerfile word for `ENV` and `LABEL`.
    hb.register_helper("dq", Box::new(Quote("dq", dq_value)));
    // `{{yaml value}}`: a string or list for `compose.yaml`, `$` doubled.
    hb.register_helper("yaml", Box::new(Quote("yaml", yaml)));
    hb.register_helper("include", Box::new(include_helper));
    hb.register_helper("include_each", Box::new(include_each_helper));
}

/// LF endings, no trailing spaces, at most one blank line in a row, and one
/// final newline: templates stay readable without fighting whitespace.
/// Done in place, as nothing is added but a last newline: a large
/// workspace's Dockerfile is not copied into memory touched for nothing
/// else, and keeps the room its render left for the stamp.
pub fn tidy(text: impl Into<String>) -> String {
    let mut bytes = text.into().into_bytes();
    let (mut read, mut write) = (0, 0);
    let mut blank = true;
    while read < bytes.len() {
        let end = bytes[read..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| read + at);
        let kept = trimmed_len(&bytes[read..end]);
        let next = end + 1;
        if kept == 0 {
            if blank {
                read = next;
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        // `write` never passes `read`: only what was read is moved back.
        bytes.copy_within(read..read + kept, write);
        write += kept;
        if write < bytes.len() {
            bytes[write] = b'\n';
        } else {
            bytes.push(b'\n');
        }
        write += 1;
        read = next;
    }
    bytes.truncate(write);
    while bytes.ends_with(b"\n\n") {
        bytes.pop();
    }
    String::from_utf8(bytes).expect("whole lines and whole characters were dropped")
}

/// The length of a line without its trailing whitespace (Unicode's, as
/// `str::trim_end` has it); a line ends in a plain character nearly always.
fn trimmed_len(line: &[u8]) -> usize {
    match line.last() {
        None => 0,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => line.len(),
        Some(_) => std::str::from_utf8(line).map_or(line.len(), |l| l.trim_end().len()),
    }
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
pub fn while_including<T>(
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
/// as `{{#each list}}` around `{{include "name"}}`, which workspaces with
/// hundreds of binaries need as many times as they have final stages.
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
        let mut text = Text::default();
        template.render(r, ctx, &mut rc, &mut text)?;
        Ok(text.0)
    };
    let texts = in_parallel(len, |i| while_including(name, || render_item(i)))?;
    // Written one by one: joined first, a large workspace's final stages
    // would be copied once more, into memory touched for nothing else.
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            out.write("\n")?;
        }
        out.write(text)?;
    }
    Ok(())
}

/// Rendered text that grows as it is written. Handlebars' own output
/// reserves 8 KiB up front, which one per final stage of a large workspace
/// turns into most of the render's allocation.
#[derive(Default)]
struct Text(String);

impl Output for Text {
    fn write(&mut self, seg: &str) -> Result<(), std::io::Error> {
        self.0.push_str(seg);
        Ok(())
    }
}

/// `f` of `0..len`, in order, on the machine's cores when the list is long
/// (one final stage per binary of a large workspace). Each thread starts
/// with this thread's include chain, so a loop is still refused.
fn in_parallel<T: Send>(
    len: usize,
    f: impl Fn(usize) -> Result<T, handlebars::RenderError> + Sync,
) -> Result<Vec<T>, handlebars::RenderError> {
    let chain = INCLUDING.with_borrow(Vec::clone);
    let start = || INCLUDING.with_borrow_mut(|c| c.clone_from(&chain));
    crate::parallel::map(len, start, f).into_iter().collect()
}

/// Compact JSON with a space after each array comma: `["a", "b"]`.
pub fn json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(json).collect();
            format!("[{}]", items.join(", "))
        }
        other => crate::escape::json_text(&other.to_string()),
    }
}

/// A value for `compose.yaml`: strings quoted with `$` doubled, lists as
/// `[a, b]`, anything else as JSON.
pub fn yaml(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => crate::escape::compose(s),
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(yaml).collect();
            format!("[{}]", items.join(", "))
        }
        other => crate::escape::json_text(&other.to_string()),
    }
}

/// A helper that writes its one parameter quoted for one place.
struct Quote(&'static str, fn(&serde_json::Value) -> String);

impl handlebars::HelperDef for Quote {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc HbContext,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex(self.0, 0))?;
        out.write(&(self.1)(value.value()))?;
        Ok(())
    }
}

/// A value as a double-quoted word: strings as they are, others as JSON.
fn dq_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => dq(s),
        other => dq(&other.to_string()),
    }
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
            c if crate::escape::breaks(c) => s.push_str(&crate::escape::visible(c)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handlebars() -> Handlebars<'static> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        register(&mut hb);
        hb
    }

    #[test]
    fn tidy_normalises_whitespace() {
        assert_eq!(tidy("a  \n\n\n\nb\n\n"), "a\n\nb\n");
        assert_eq!(tidy("\n\na\r\n"), "a\n");
    }

    /// Line by line, into a new string: what `tidy` does in place.
    fn tidy_by_lines(text: &str) -> String {
        let mut out = String::new();
        let mut blank = true;
        for line in text.lines().map(str::trim_end) {
            if line.is_empty() && blank {
                continue;
            }
            blank = line.is_empty();
            out.push_str(line);
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn tidy_in_place_is_tidy_line_by_line(text in "[a\u{e9} \t\r\n\u{a0}\u{3000}\u{2028}]{0,40}") {
            proptest::prop_assert_eq!(tidy(text.as_str()), tidy_by_lines(&text));
        }
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
        let mut hb = handlebars();
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
        // A list long enough to be rendered across threads carries the
        // chain into each.
        let long = serde_json::json!({"xs": (0..100).collect::<Vec<_>>()});
        let err = hb.render("list", &long).unwrap_err().to_string();
        assert!(err.contains("loop: item → list → item"), "{err}");
        // The same template twice in a row is no loop.
        assert_eq!(hb.render("fine", &data).unwrap(), "[1\n2\n3][1\n2\n3]");
        INCLUDING.with_borrow(|chain| assert!(chain.is_empty(), "{chain:?}"));
    }

    #[test]
    fn include_each_matches_each_and_include() {
        let mut hb = handlebars();
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
        // Short lists render on this thread, long ones across threads: the
        // same text, in order.
        for len in [7, 100] {
            let data = serde_json::json!({"xs": (0..len).map(|i| serde_json::json!({"name": i})).collect::<Vec<_>>()});
            let each = hb.render("each", &data).unwrap();
            assert_eq!(hb.render("par", &data).unwrap(), each);
            assert!(
                each.starts_with("<0>\n\n<1>") && each.ends_with(&format!("<{}!>\n", len - 1)),
                "{each}"
            );
        }
        let data = serde_json::json!({"xs": [{"name": 0}]});
        assert!(
            hb.render("bad", &data)
                .unwrap_err()
                .to_string()
                .contains("needs the path of a list")
        );
        hb.register_template_string("loop", "{{include_each \"loop\" @root.xs}}")
            .unwrap();
        let err = hb.render("loop", &data).unwrap_err().to_string();
        assert!(
            err.contains("templates include each other in a loop: loop → loop"),
            "a template cannot include itself: {err}"
        );
    }
}
