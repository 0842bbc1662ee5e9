//! The grammar each value must pass before it may reach a generated file.
//! Each check says which rule a value breaks; the caller names the file and
//! key. A leaf: values that pass need no further escaping where they land.

use std::str::FromStr;

/// A value outside its grammar: the rule it breaks, for the message.
pub type Broken = &'static str;

/// A grammar: passes a value, or says which rule it breaks.
pub type Rule = fn(&str) -> Result<(), Broken>;

fn chars_ok(value: &str, first: impl Fn(char) -> bool, rest: impl Fn(char) -> bool) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(first) && chars.all(rest)
}

/// A cargo package or binary target name: ASCII letters, digits, `-` and `_`.
pub fn cargo_name(value: &str) -> Result<(), Broken> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if chars_ok(value, ok, ok) {
        Ok(())
    } else {
        Err("cargo names are ASCII letters, digits, `-` and `_`")
    }
}

/// A cargo feature as `--features` takes it: `feature`, `package/feature`
/// or `package?/feature`, the feature starting with a letter, digit or `_`
/// and going on with those, `-`, `+` and `.`.
pub fn cargo_feature(value: &str) -> Result<(), Broken> {
    let (package, feature) = match value.split_once('/') {
        Some((p, f)) => (Some(p.strip_suffix('?').unwrap_or(p)), f),
        None => (None, value),
    };
    let first = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let rest = |c: char| first(c) || matches!(c, '-' | '+' | '.');
    let ok = chars_ok(feature, first, rest) && package.is_none_or(|p| cargo_name(p).is_ok());
    if ok {
        Ok(())
    } else {
        Err(
            "features are `name`, `package/name` or `package?/name`: ASCII letters, digits, `_`, then also `-`, `+` and `.`",
        )
    }
}

/// A cargo profile name: ASCII letters, digits, `-` and `_`.
pub fn cargo_profile(value: &str) -> Result<(), Broken> {
    cargo_name(value).map_err(|_| "profile names are ASCII letters, digits, `-` and `_`")
}

/// A Debian package name (Debian policy 5.6.1): lowercase letters, digits,
/// `+`, `-` and `.`, at least two characters, starting with a letter or digit.
pub fn debian_package(value: &str) -> Result<(), Broken> {
    let first = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let rest = |c: char| first(c) || matches!(c, '+' | '-' | '.');
    if value.len() >= 2 && chars_ok(value, first, rest) {
        Ok(())
    } else {
        Err(
            "Debian package names are lowercase letters, digits, `+`, `-` and `.`, at least two, starting with a letter or digit",
        )
    }
}

/// An environment variable name: letters, digits and `_`, not starting
/// with a digit.
pub fn env_name(value: &str) -> Result<(), Broken> {
    let first = |c: char| c.is_ascii_alphabetic() || c == '_';
    let rest = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars_ok(value, first, rest) {
        Ok(())
    } else {
        Err("environment variable names are letters, digits and `_`, not starting with a digit")
    }
}

/// A project name as PEP 508 has it: ASCII letters and digits, with `.`,
/// `_` and `-` inside.
pub fn pep508_name(value: &str) -> Result<(), Broken> {
    let end = |c: char| c.is_ascii_alphanumeric();
    let inner = |c: char| end(c) || matches!(c, '.' | '_' | '-');
    if chars_ok(value, end, inner) && value.ends_with(end) {
        Ok(())
    } else {
        Err("PEP 508 names are ASCII letters and digits, with `.`, `_` and `-` between them")
    }
}

/// Text that lands in a place that cannot escape a control character (a
/// double-quoted `ENV` value, a comment, a path).
pub fn no_control(value: &str) -> Result<(), Broken> {
    if value.chars().any(crate::escape::breaks) {
        Err("control characters (newlines, tabs, escapes) cannot be written there")
    } else {
        Ok(())
    }
}

/// A .dockerignore pattern of `exclude`: one line, not a comment, and not a
/// `!` exception (that is `include`).
pub fn ignore_pattern(value: &str) -> Result<(), Broken> {
    if value.trim().is_empty() {
        return Err("it is empty");
    }
    if value.starts_with('!') {
        return Err("a `!` rule re-admits paths, which is what `include` is for");
    }
    if value.starts_with('#') {
        return Err("a `#` line is a comment in .dockerignore");
    }
    no_control(value)
}

/// A path inside the project, relative, with forward slashes: no `..`, not
/// absolute, no control characters, and none of the characters that
/// `.dockerignore` and `COPY` read as patterns (`*`, `?`, `[`, `]`, `\`)
/// or that start a `.dockerignore` rule (`!`, `#`).
pub fn project_path(value: &str) -> Result<(), Broken> {
    if value.trim().is_empty() {
        return Err("it is empty");
    }
    no_control(value)?;
    if value.starts_with('/') || value.split('/').any(|part| part == "..") {
        return Err("it must be a relative path inside the project, without `..`");
    }
    if value.contains(['*', '?', '[', ']', '\\']) || value.starts_with(['!', '#']) {
        return Err(
            "paths cannot hold `*`, `?`, `[`, `]` or `\\`, nor start with `!` or `#`: Docker reads them as patterns",
        );
    }
    Ok(())
}

/// An image repository name built from `name`: lowercase letters and digits
/// in runs joined by one `.`, `_`, `__` or run of `-`, as Docker's reference
/// grammar has it; anything else becomes `-`. Empty becomes `app`.
pub fn image_repository(name: &str) -> String {
    let mut out = String::new();
    let mut sep = String::new();
    for c in name.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if !out.is_empty() && !sep.is_empty() {
                let valid =
                    sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-');
                out.push_str(if valid { &sep } else { "-" });
            }
            sep.clear();
            out.push(c);
        } else {
            sep.push(if matches!(c, '.' | '_' | '-') { c } else { '-' });
        }
    }
    if out.is_empty() {
        "app".to_string()
    } else {
        out
    }
}

/// An image tag built from `version`: letters, digits, `_`, `.` and `-`, at
/// most 128, not starting with `.` or `-`; anything else becomes `-`
/// (`1.0.0+build.5` → `1.0.0-build.5`).
pub fn image_tag(version: &str) -> String {
    let mut tag: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if tag.is_empty() || tag.starts_with(['.', '-']) {
        tag.insert(0, '0');
        tag.truncate(128);
    }
    tag
}

/// A `mirror`: a registry host (with a port, and a path under it if the
/// mirror keeps one), no scheme. It lands in every `FROM`.
pub fn mirror(value: &str) -> Result<(), Broken> {
    let rule = "a mirror is a registry host, with a port and a path if it has them, e.g. `registry.internal` or `127.0.0.1:5000/mirror`, with no scheme";
    if value.contains("://") || value.ends_with('/') || value.is_empty() {
        return Err(rule);
    }
    let (host, path) = value.split_once('/').unwrap_or((value, ""));
    let path_ok = path.is_empty()
        || path.split('/').all(|p| {
            image_repository(p) == p
                && !p.starts_with('.')
                && p.chars().any(|c| c.is_ascii_alphanumeric())
        });
    if registry_host(host).is_ok() && path_ok {
        Ok(())
    } else {
        Err(rule)
    }
}

/// A registry host: DNS labels (letters, digits, `-` inside) joined by
/// single dots, or an IPv4 or bracketed IPv6 address, with an optional port
/// of 1-65535.
pub fn registry_host(value: &str) -> Result<(), Broken> {
    let rule = "a registry host is a DNS name or an IP address, with a port of 1-65535 if it has one, e.g. registry.internal or 127.0.0.1:5000";
    let (name, port) = if let Some(rest) = value.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or(rule)?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(rule);
        }
        match after {
            "" => (None, None),
            p => (None, Some(p.strip_prefix(':').ok_or(rule)?)),
        }
    } else {
        match value.rsplit_once(':') {
            Some((n, p)) => (Some(n), Some(p)),
            None => (Some(value), None),
        }
    };
    if let Some(p) = port {
        let ok = !p.is_empty()
            && p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Err(rule);
        }
    }
    if let Some(n) = name {
        let label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if n.is_empty() || n.len() > 253 || !n.split('.').all(label) {
            return Err(rule);
        }
    }
    Ok(())
}

/// A pinned digest: `sha256:` and 64 lowercase hex digits, as registries
/// send them and `FROM` lines record them.
pub fn sha256_digest(value: &str) -> Result<(), Broken> {
    let ok = value.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    });
    if ok {
        Ok(())
    } else {
        Err("a digest is `sha256:` and 64 lowercase hex digits")
    }
}

/// A build cache's source or destination, as BuildKit takes it: a registry
/// reference, or `key=value` pairs with a `type` (`type=registry,ref=…`,
/// `type=gha`, `type=local,dest=…`). One word: it passes to the engine as
/// one argument.
pub fn cache_spec(value: &str) -> Result<(), Broken> {
    let rule = "a cache is a registry reference, or `type=…` with its options, e.g. `type=registry,ref=ghcr.io/acme/app-cache:api,mode=max`, with no spaces";
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(rule);
    }
    if !value.contains('=') {
        return image_reference(value);
    }
    let pairs: Option<Vec<(&str, &str)>> = value
        .split(',')
        .map(|pair| {
            pair.split_once('=')
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        })
        .collect();
    match pairs {
        Some(pairs) if pairs.iter().any(|(k, _)| *k == "type") => Ok(()),
        _ => Err(rule),
    }
}

/// The repository a registry cache names (`type=registry,ref=R` or a bare
/// `R`): what podman and buildah take. `None` for other kinds of cache.
pub fn cache_repository(value: &str) -> Option<&str> {
    if !value.contains('=') {
        return Some(value);
    }
    let pairs: Vec<(&str, &str)> = value.split(',').filter_map(|p| p.split_once('=')).collect();
    let registry = pairs.iter().any(|(k, v)| *k == "type" && *v == "registry");
    registry
        .then(|| pairs.iter().find(|(k, _)| *k == "ref").map(|(_, v)| *v))
        .flatten()
}

/// Whether a full image reference (`[registry/]name[:tag][@digest]`) is
/// valid, for tags the user gives and images the tool asks registries
/// about: the OCI distribution grammar (`oci-spec`'s), in ASCII, with any
/// digest `algorithm:hex`.
pub fn image_reference(value: &str) -> Result<(), Broken> {
    let rule = "image references are `[registry[:port]/]name[:tag]`, the name lowercase letters and digits joined by `.`, `_`, `__` or `-`, the tag up to 128 of letters, digits, `_`, `.` and `-`";
    let (rest, digest) = match value.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (value, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty() && !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !ok {
            return Err(rule);
        }
    }
    // The grammar's `\w` would take any letter; a reference is ASCII.
    if !rest.is_ascii() || oci_spec::distribution::Reference::from_str(rest).is_err() {
        return Err(rule);
    }
    Ok(())
}

/// A file name for the Dockerfile, beside the project's own files: letters,
/// digits, `.`, `_` and `-`, starting with a letter or digit, and named as
/// a Dockerfile (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `Containerfile`, `Containerfile.*`, `*.Containerfile`, any case), so it
/// can never name a project input (`Cargo.toml`, `requirements.txt`, the
/// tool's configuration) or another generated file, which `init --force`
/// would replace.
pub fn dockerfile_name(value: &str) -> Result<(), Broken> {
    let first = |c: char| c.is_ascii_alphanumeric();
    let rest = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let lower = value.to_ascii_lowercase();
    let named = ["dockerfile", "containerfile"].iter().any(|d| {
        lower == *d || lower.starts_with(&format!("{d}.")) || lower.ends_with(&format!(".{d}"))
    });
    let generated = [".dockerignore", ".bake.hcl", ".compose.yaml"]
        .iter()
        .any(|s| lower.ends_with(s));
    if !chars_ok(value, first, rest) {
        Err(
            "a file name at the project root: letters, digits, `.`, `_` and `-`, starting with a letter or digit, e.g. Dockerfile.distroless",
        )
    } else if !named || generated {
        Err(
            "it must be named as a Dockerfile (`Dockerfile.NAME`, `NAME.Dockerfile` or the same with `Containerfile`), so that it never replaces another file of the project",
        )
    } else {
        Ok(())
    }
}

/// A `writable` folder: a normalised relative path (no `.`, `..` or empty
/// parts, no leading or trailing `/`) of letters, digits, `.`, `_` and `-`.
pub fn writable_path(value: &str) -> Result<(), Broken> {
    project_path(value)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
    {
        return Err("a writable folder's name takes letters, digits, `.`, `_`, `-` and `/` only");
    }
    if value.split('/').any(|p| p.is_empty() || p == ".") {
        return Err("write the path in its plain form: no `./`, `//`, `/.` or slash at either end");
    }
    Ok(())
}

/// A `.dockerignore` pattern Docker can match: Go's `filepath.Match`
/// syntax, with classes closed and no trailing escape.
pub fn matchable_pattern(value: &str) -> Result<(), Broken> {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => {
                return Err("it ends in `\\`, which escapes nothing");
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut empty = true;
                loop {
                    match chars.next() {
                        None => return Err("a `[` class is not closed with `]`"),
                        Some(']') if !empty => break,
                        Some('\\') => {
                            chars.next();
                        }
                        Some(_) => {}
                    }
                    empty = false;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The Docker durations a health check takes: at least `min_ms`, at most
/// one day, which Docker and Compose both accept and a probe can use.
pub fn bounded_duration(value: &str, min_ms: u64) -> Result<(), Broken> {
    docker_duration(value)?;
    let ms = duration_ms(value).unwrap_or(u64::MAX);
    if ms < min_ms {
        return Err(if min_ms >= 1000 {
            "it must be at least 1s"
        } else {
            "it must be at least 0s"
        });
    }
    if ms > 86_400_000 {
        return Err("it must be at most 24h");
    }
    Ok(())
}

/// An HTTP path for a health probe: starting with `/`, then the characters
/// a URL path and query may hold unescaped (RFC 3986) or `%`-escaped.
pub fn http_path(value: &str) -> Result<(), Broken> {
    let ok = value.starts_with('/')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(c));
    if ok {
        Ok(())
    } else {
        Err(
            "a path starts with `/` and holds only the characters a URL allows (escape others with `%`)",
        )
    }
}

/// A Docker duration: one or more of a number and a unit (`ms`, `s`, `m`,
/// `h`), e.g. `1m30s`.
pub fn docker_duration(value: &str) -> Result<(), Broken> {
    let rule = "durations are a number and a unit (ms, s, m or h), e.g. 30s or 1m30s";
    let mut rest = value;
    if rest.is_empty() {
        return Err(rule);
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(rule);
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u))
            .ok_or(rule)?;
        rest = &rest[unit.len()..];
    }
    Ok(())
}

/// A valid Docker duration in milliseconds.
pub fn duration_ms(value: &str) -> Option<u64> {
    docker_duration(value).ok()?;
    let mut total = 0u64;
    let mut rest = value;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, factor) = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))?;
        total = total.saturating_add(n.saturating_mul(factor));
        rest = &rest[unit.len()..];
    }
    Some(total)
}

/// Build platforms: `os/arch[/variant]`, comma-separated, each part
/// lowercase letters, digits and `_` (`linux/amd64,linux/arm64/v8`).
pub fn platforms(value: &str) -> Result<(), Broken> {
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let ok = value.split(',').all(|platform| {
        let parts: Vec<&str> = platform.split('/').collect();
        (2..=3).contains(&parts.len()) && parts.iter().all(|p| part(p))
    });
    if ok {
        Ok(())
    } else {
        Err(
            "platforms are `os/arch` or `os/arch/variant`, comma-separated, e.g. linux/amd64,linux/arm64",
        )
    }
}

/// A network mode for build steps: `host`, `none`, `default`, or a
/// network's name (letters, digits, `_`, `.` and `-`).
pub fn network(value: &str) -> Result<(), Broken> {
    let first = |c: char| c.is_ascii_alphanumeric();
    let rest = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if chars_ok(value, first, rest) {
        Ok(())
    } else {
        Err("a network mode is `host`, `none`, `default` or a network's name, e.g. host")
    }
}

/// A stop signal as `STOPSIGNAL` and Compose take it: a signal's name
/// (`SIGINT`, `SIGQUIT`, `SIGRTMIN+3`) or its number, 1 to 64.
pub fn stop_signal(value: &str) -> Result<(), Broken> {
    let rule = "a signal is its name, e.g. SIGINT or SIGQUIT, or its number, 1 to 64";
    if let Ok(n) = value.parse::<u8>() {
        return if (1..=64).contains(&n) {
            Ok(())
        } else {
            Err(rule)
        };
    }
    let name = value.strip_prefix("SIG").ok_or(rule)?;
    let (base, offset) = match name.split_once(['+', '-']) {
        Some((b, o)) if b.starts_with("RTM") && o.parse::<u8>().is_ok_and(|n| n <= 30) => (b, true),
        Some(_) => return Err(rule),
        None => (name, false),
    };
    let ok = !base.is_empty()
        && base.len() <= 8
        && base
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && (!offset || matches!(base, "RTMIN" | "RTMAX"));
    if ok { Ok(()) } else { Err(rule) }
}

/// Stage names BuildKit keeps for itself: a stage may not take them.
pub const RESERVED_STAGES: &[&str] = &["scratch", "context"];

#[cfg(test)]
mod tests;
