//! Python version requirements: PEP 440 and Poetry specifiers, and
//! `.python-version` files, evaluated for one CPython version.

use std::cmp::Ordering;

fn numbers(v: &str) -> Vec<u64> {
    v.trim()
        .trim_end_matches(".*")
        .split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect()
}

fn compare(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The version just above every version with this prefix: [3, 12] → [3, 13].
fn bump(prefix: &[u64]) -> Vec<u64> {
    let mut upper = prefix.to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    upper
}

/// PEP 440 specifiers (`>=3.10,<3.14`, `~=3.11`, `==3.13.*`) and Poetry's
/// (`^3.11`, `~3.12`, `3.13.*`, `||`), evaluated for one version.
pub fn specifier_allows(spec: &str, version: &str) -> bool {
    let v = numbers(version);
    spec.split("||").any(|alt| {
        alt.split(',')
            .flat_map(str::split_whitespace)
            .all(|clause| clause_allows(clause, &v))
    })
}

fn clause_allows(clause: &str, v: &[u64]) -> bool {
    let (op, rest) = ["===", "~=", "==", "!=", "<=", ">=", "<", ">", "^", "~", "="]
        .iter()
        .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("==", clause));
    if rest == "*" {
        return true;
    }
    let wildcard = rest.ends_with(".*");
    let r = numbers(rest);
    let prefix_eq = || v.iter().zip(&r).all(|(a, b)| a == b);
    use Ordering::*;
    match op {
        "==" | "===" | "=" if wildcard => prefix_eq(),
        "==" | "===" | "=" => compare(v, &r) == Equal || (r.len() < 3 && prefix_eq() && op == "="),
        "!=" if wildcard => !prefix_eq(),
        "!=" => compare(v, &r) != Equal,
        "<=" => compare(v, &r) != Greater,
        ">=" => compare(v, &r) != Less,
        "<" => compare(v, &r) == Less,
        ">" => compare(v, &r) == Greater,
        // ~=X.Y means >=X.Y,==X.*; ~=X.Y.Z means >=X.Y.Z,==X.Y.*
        "~=" => {
            compare(v, &r) != Less
                && compare(v, &bump(&r[..r.len().saturating_sub(1).max(1)])) == Less
        }
        "^" => {
            let i = r
                .iter()
                .position(|x| *x != 0)
                .unwrap_or(r.len().saturating_sub(1));
            let mut upper = r[..=i].to_vec();
            upper[i] += 1;
            compare(v, &r) != Less && compare(v, &upper) == Less
        }
        "~" => compare(v, &r) != Less && compare(v, &bump(&r[..r.len().min(2)])) == Less,
        _ => true,
    }
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
    let (w, v) = (numbers(wanted), numbers(version));
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
        for (spec, ok) in [
            (">=3.9", true),
            (">=3.9,<3.13", false),
            (">=3.10, <4", true),
            ("~=3.11", true),
            ("~=3.12.0", false),
            ("==3.13.*", true),
            ("==3.12.*", false),
            ("!=3.13.*", false),
            ("^3.11", true),
            ("~3.12", false),
            ("~3.13", true),
            ("3.13.*", true),
            (">=3.14", false),
            ("^3.8 || ^3.13", true),
            ("*", true),
        ] {
            assert_eq!(specifier_allows(spec, "3.13.5"), ok, "{spec}");
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
