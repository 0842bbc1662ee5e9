//! Words for a POSIX shell: how the tool writes the commands it prints and
//! the arguments it puts in a `RUN`. A leaf.

/// A word as it is when it is plain, else single-quoted.
pub fn word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ',' | '=' | ':' | '+' | '@' | '%')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A program and its arguments as one line that can be pasted into a shell.
pub fn line<'a>(words: impl IntoIterator<Item = &'a std::ffi::OsStr>) -> String {
    words
        .into_iter()
        .map(|w| word(&w.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A command as it will run, for the user to read or paste: the program,
/// its arguments, and `cd` to its folder when it has one.
pub fn command(cmd: &std::process::Command) -> String {
    let line = line(std::iter::once(cmd.get_program()).chain(cmd.get_args()));
    match cmd.get_current_dir() {
        Some(dir) => format!("(cd {} && {line})", word(&dir.to_string_lossy())),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_they_must_be() {
        assert_eq!(word("a/b,c"), "a/b,c");
        assert_eq!(word("x$(id)"), "'x$(id)'");
        assert_eq!(word("it's"), "'it'\\''s'");
        assert_eq!(word(""), "''");
        assert_eq!(word("*.platform=linux/amd64"), "'*.platform=linux/amd64'");
    }

    #[test]
    fn commands_read_back_as_the_same_words() {
        let mut cmd = std::process::Command::new("podman");
        cmd.current_dir("/work/my project").args([
            "build", "--target", "api", "-t", "api:1.0", "--label", "a b", ".",
        ]);
        let text = command(&cmd);
        assert_eq!(
            text,
            "(cd '/work/my project' && podman build --target api -t api:1.0 --label 'a b' .)"
        );
    }
}
