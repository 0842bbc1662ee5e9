//! User-facing failures: a message, the causes beneath it, and a hint.

use std::fmt;

/// An error the user can act on. The hint says what to do about it.
#[derive(Debug)]
pub struct Failure {
    /// Empty when the failure only adds a hint to its source.
    pub message: String,
    pub hint: Option<String>,
    pub source: Option<anyhow::Error>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// An error with a hint attached.
pub fn fail(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        hint: Some(hint.into()),
        source: None,
    }
    .into()
}

/// Attaches a hint to an existing error, keeping its message and causes.
pub trait WithHint<T> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T>;
}

impl<T> WithHint<T> for anyhow::Result<T> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T> {
        self.map_err(|err| {
            Failure {
                message: String::new(),
                hint: Some(hint.into()),
                source: Some(err),
            }
            .into()
        })
    }
}

/// Formats an error as the tool prints it: `error:` with the message, each
/// cause on its own line, then the first hint found in the chain.
pub fn format(err: &anyhow::Error) -> String {
    let mut lines = Vec::new();
    let mut hint = None;
    for cause in err.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            if hint.is_none() {
                hint.clone_from(&failure.hint);
            }
            if failure.message.is_empty() {
                continue;
            }
        }
        let text = cause.to_string();
        let text = text.trim_end();
        if lines.is_empty() {
            lines.push(format!("error: {text}"));
        } else {
            lines.push(format!("  caused by: {}", text.replace('\n', "\n    ")));
        }
    }
    if let Some(hint) = hint {
        lines.push(format!("  hint: {hint}"));
    }
    printable(&lines.join("\n"))
}

/// The longest line an error or warning prints: an excerpt, never a file.
const MAX_LINE: usize = 240;

/// Text as it may reach a terminal: control characters (escape sequences,
/// carriage returns, NUL) shown as escapes, Unicode line separators too,
/// and each line cut at [`MAX_LINE`] characters. What an error quotes of a
/// file is then a short, inert excerpt.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        for (width, c) in line.chars().enumerate() {
            if width >= MAX_LINE {
                out.push('…');
                break;
            }
            if c.is_control() && c != '\t' || matches!(c, '\u{2028}' | '\u{2029}') {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// Prints an error to stderr in the tool's one format. A stderr that
/// cannot be written to loses the message, never panics.
pub fn report(err: &anyhow::Error) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{}", format(err));
}

/// Prints a warning to stderr.
pub fn warn(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "warning: {}", printable(message));
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn hint_survives_added_context() {
        let err = Err::<(), _>(fail("no binary", "add src/main.rs"))
            .context("cannot plan")
            .unwrap_err();
        let text = format(&err);
        assert_eq!(
            text,
            "error: cannot plan\n  caused by: no binary\n  hint: add src/main.rs"
        );
    }

    #[test]
    fn hint_attached_to_foreign_error_skips_empty_line() {
        let err = Err::<(), _>(anyhow::anyhow!("boom"))
            .hint("try again")
            .unwrap_err();
        assert_eq!(format(&err), "error: boom\n  hint: try again");
    }

    #[test]
    fn errors_print_short_inert_lines() {
        let err = fail(format!("a\x1b[31mb\r{}", "x".repeat(1000)), "h\u{2028}i");
        let text = format(&err);
        assert!(text.starts_with("error: a\\u{1b}[31mb\\r"), "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= MAX_LINE + 20),
            "{text}"
        );
        assert!(
            text.contains('…') && text.ends_with("h\\u{2028}i"),
            "{text}"
        );
    }
}
