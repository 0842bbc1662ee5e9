//! Python version requirements: PEP 440 specifiers (read by pep440_rs, as
//! pep508_rs exports it), Poetry's, turned into PEP 440, and
//! `.python-version` files.

use std::str::FromStr;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};

/// Which grammar a requirement is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    /// PEP 440 (`>=3.10,<3.14`, `~=3.11`, `==3.13.*`): `requires-python`,
    /// `python_requires`, uv.lock.
    Pep440,
    /// Poetry's (`^3.11`, `~3.12`, `3.13.*`, `||`), a superset of PEP 440.
    Poetry,
}

/// A parsed requirement: any of its alternatives (Poetry's `||`) admits.
#[derive(Debug, Clone)]
pub struct Requirement(Vec<VersionSpecifiers>);

impl Requirement {
    /// Parses a requirement; the error says what the parser could not read.
    pub fn parse(spec: &str, grammar: Grammar) -> Result<Requirement, String> {
        let alternatives: Vec<&str> = match grammar {
            Grammar::Pep440 => vec![spec],
            Grammar::Poetry => spec.split("||").collect(),
        };
        alternatives
            .into_iter()
            .map(|alt| {
                let text = match grammar {
                    Grammar::Pep440 => alt.to_string(),
                    Grammar::Poetry => poetry_to_pep440(alt)?,
                };
                VersionSpecifiers::from_str(&text).map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()
            .map(Requirement)
    }

    /// Whether it admits this version.
    pub fn allows(&self, version: &str) -> bool {
        let Ok(v) = Version::from_str(version) else {
            return false;
        };
        self.0.iter().any(|alt| alt.contains(&v))
    }
}

/// One Poetry alternative as PEP 440: `^3.11` is `>=3.11,<4`, `~3.12` is
/// `>=3.12,<3.13`, a bare `3.13.*` is `==3.13.*`, `*` admits all; clauses
/// are separated by commas or spaces.
fn poetry_to_pep440(alt: &str) -> Result<String, String> {
    // Glue an operator written apart from its version (`>= 3.10`).
    let mut clauses: Vec<String> = Vec::new();
    for token in alt.split(',').flat_map(str::split_whitespace) {
        match clauses.last_mut() {
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(token),
            _ => clauses.push(token.to_string()),
        }
    }
    let mut out = Vec::new();
    for clause in clauses.iter().map(String::as_str).filter(|c| *c != "*") {
        let pep = if let Some(v) = clause.strip_prefix('^') {
            let r = numbers(v)?;
            let i = r.iter().position(|x| *x != 0).unwrap_or(r.len() - 1);
            let mut upper = r[..=i].to_vec();
            upper[i] += 1;
            format!(">={v},<{}", dotted(&upper))
        } else if let Some(v) = clause.strip_prefix('~').filter(|v| !v.starts_with('=')) {
            let r = numbers(v)?;
            format!(">={v},<{}", dotted(&bump(&r[..r.len().min(2)])))
        } else if let Some(v) = clause.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            if !v.ends_with(".*") && numbers(v)?.len() < 3 {
                format!("=={v}.*")
            } else {
                format!("=={v}")
            }
        } else if clause.starts_with(|c: char| c.is_ascii_digit()) {
            format!("=={clause}")
        } else {
            clause.to_string()
        };
        out.push(pep);
    }
    Ok(out.join(","))
}

/// A release's numbers: `3.12` → [3, 12].
fn numbers(v: &str) -> Result<Vec<u64>, String> {
    v.trim()
        .split('.')
        .map(|p| p.parse().map_err(|_| format!("`{v}` is not a version")))
        .collect()
}

fn dotted(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The version just above every version with this prefix: [3, 12] → [3, 13].
fn bump(prefix: &[u64]) -> Vec<u64> {
    let mut upper = prefix.to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    upper
}

/// `.python-version` names a version (`3.12`, `3.13.1`, `cpython-3.13`):
/// it allows ours when it is a prefix of it.
pub fn python_version_file_allows(text: &str, version: &str) -> bool {
    let wanted = text
        .trim()
        .trim_start_matches("cpython-")
        .trim_start_matches("python");
    if !wanted.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let (Ok(w), Ok(v)) = (numbers(wanted), numbers(version)) else {
        return false;
    };
    w.iter().zip(&v).all(|(a, b)| a == b) && w.len() <= v.len()
}

/// `major.minor` of a version: `3.13.5` → `3.13`.
pub fn major_minor(version: &str) -> &str {
    match version.match_indices('.').nth(1) {
        Some((i, _)) => &version[..i],
        None => version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_and_poetry_specifiers() {
        use Grammar::*;
        for (spec, grammar, ok) in [
            (">=3.9", Pep440, true),
            (">=3.9,<3.13", Pep440, false),
            (">=3.10, <4", Pep440, true),
            ("~=3.11", Pep440, true),
            ("~=3.12.0", Pep440, false),
            ("==3.13.*", Pep440, true),
            ("==3.12.*", Pep440, false),
            ("!=3.13.*", Pep440, false),
            ("==3.13", Pep440, false),
            ("^3.11", Poetry, true),
            ("^0.3", Poetry, false),
            ("~3.12", Poetry, false),
            ("~3.13", Poetry, true),
            ("3.13.*", Poetry, true),
            ("=3.13", Poetry, true),
            (">= 3.10 <4", Poetry, true),
            (">=3.14", Poetry, false),
            ("^3.8 || ^3.13", Poetry, true),
            ("*", Poetry, true),
        ] {
            let req = Requirement::parse(spec, grammar).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(req.allows("3.13.5"), ok, "{spec}");
        }
    }

    #[test]
    fn what_is_not_a_specifier_is_an_error() {
        for (spec, grammar) in [
            ("~~=3.11", Grammar::Pep440),
            ("^3.11", Grammar::Pep440),
            (">=three", Grammar::Pep440),
            ("=>3.10", Grammar::Pep440),
            ("^3.x", Grammar::Poetry),
            (">>3", Grammar::Poetry),
        ] {
            assert!(Requirement::parse(spec, grammar).is_err(), "{spec}");
        }
    }

    #[test]
    fn python_version_files() {
        assert!(python_version_file_allows("3.13", "3.13.5"));
        assert!(python_version_file_allows("3.13.5", "3.13.5"));
        assert!(python_version_file_allows("cpython-3.13", "3.13.5"));
        assert!(!python_version_file_allows("3.12", "3.13.5"));
        assert!(!python_version_file_allows("3.13.6", "3.13.5"));
        assert!(!python_version_file_allows("pypy3.10", "3.13.5"));
        assert_eq!(major_minor("3.13.5"), "3.13");
        assert_eq!(major_minor("3"), "3");
    }
}
