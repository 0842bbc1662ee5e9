//! Escaping, for every place a value lands in a generated file. Values pass
//! their grammar first ([`crate::grammar`]); escaping is the second wall: no
//! value, whatever it holds, can end a line, and so start an instruction, a
//! `.dockerignore` rule or a YAML key of its own.
//!
//! - `{{value}}` in any template: [`line`], the templates' escape function.
//! - exec-form JSON, HCL and YAML strings: `{{json value}}`, [`json_text`].
//! - double-quoted Dockerfile words (`ENV`, `LABEL`): `{{dq value}}`.
//! - shell words: [`crate::shell::quote`].
//! - compose values: [`compose`].

/// Whether a character ends a line for some reader of the generated files:
/// control characters (LF, CR, NUL, escapes), and the Unicode line breaks
/// that YAML and editors honour (NEL, LS, PS).
pub fn breaks(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A character as a visible escape: `\n`, `\r`, `\u{2028}`.
pub fn visible(c: char) -> String {
    c.escape_default().collect()
}

/// A value for one line of any generated file: every character that could
/// break the line shown as its escape. The templates' `{{value}}`.
pub fn line(text: &str) -> String {
    if !text.chars().any(breaks) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if breaks(c) { visible(c) } else { c.to_string() })
        .collect()
}

/// JSON text with the line breaks that JSON leaves raw (DEL, NEL and the
/// other C1 controls, LS, PS) escaped as `\uXXXX`: still the same JSON
/// value, and one line in YAML, HCL and Dockerfiles alike.
pub fn json_text(json: &str) -> String {
    if !json.chars().any(breaks) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if breaks(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A string for `compose.yaml`: JSON (a YAML double-quoted scalar), with
/// `$` doubled so Compose does not interpolate it.
pub fn compose(text: &str) -> String {
    json_text(&serde_json::Value::String(text.replace('$', "$$")).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_breaks_a_line() {
        for bad in [
            "a\nb",
            "a\rb",
            "a\0b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{1b}[1mb",
        ] {
            let one = line(bad);
            assert!(!one.chars().any(breaks), "{one:?}");
            assert!(one.starts_with('a') && one.ends_with('b'), "{one:?}");
            let json = json_text(&serde_json::Value::String(bad.into()).to_string());
            assert!(!json.chars().any(breaks), "{json:?}");
            let back: String = serde_json::from_str(&json).unwrap();
            assert_eq!(back, bad, "json_text keeps the value");
        }
        assert_eq!(line("plain"), "plain");
        assert_eq!(line("a\nb"), "a\\nb");
    }

    #[test]
    fn compose_values_do_not_interpolate() {
        assert_eq!(compose("a$B${C}"), r#""a$$B$${C}""#);
        assert_eq!(compose("x\"y"), r#""x\"y""#);
    }
}
