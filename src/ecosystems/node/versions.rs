//! Which Node major the image runs: the newest one distroless carries that
//! satisfies what the project asks for, read in a documented order.

use anyhow::Result;
use nodejs_semver::Range;

use crate::error::fail;
use crate::folder::Folder;

/// The Node majors with a distroless image (`nodejs<major>-debian13`),
/// newest first.
pub const MAJORS: &[u32] = &[26, 24, 22];

/// The majors the `lts/*` aliases of .nvmrc name: codename and major.
const LTS: &[(&str, u32)] = &[("krypton", 24), ("jod", 22)];

/// The newest long-term-support major.
const NEWEST_LTS: u32 = 24;

/// The Node major chosen and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub major: u32,
    /// What asked for it: `engines.node ">=20"`, `.nvmrc`, or the default.
    pub source: String,
}

/// Reads the project's Node requirements, in order: the `node-version`
/// key, `engines.node`, `.nvmrc`, `.node-version`, `volta.node`; the first
/// present decides. None: the newest LTS.
pub fn choose(
    project: &Folder,
    pkg: &serde_json::Value,
    key: Option<&str>,
    config: &str,
) -> Result<Choice> {
    let file = |name: &str| -> Result<Option<String>> {
        Ok(project.read_optional(name)?.and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
        }))
    };
    let text_at = |path: &[&str]| {
        path.iter()
            .try_fold(pkg, |v, k| v.get(k))
            .and_then(|v| v.as_str())
            .map(String::from)
    };
    let sources: [(String, Option<String>); 5] = [
        (format!("`node-version` in {config}"), key.map(String::from)),
        (
            "`engines.node` in package.json".into(),
            text_at(&["engines", "node"]),
        ),
        (".nvmrc".into(), file(".nvmrc")?),
        (".node-version".into(), file(".node-version")?),
        (
            "`volta.node` in package.json".into(),
            text_at(&["volta", "node"]),
        ),
    ];
    let Some((source, wanted)) = sources
        .into_iter()
        .find_map(|(source, v)| v.map(|v| (source, v)))
    else {
        return Ok(Choice {
            major: NEWEST_LTS,
            source: "no version asked for: the newest LTS".into(),
        });
    };
    let range = range(&wanted).ok_or_else(|| {
        fail(
            format!("{source} is {wanted:?}, which is not a Node version or range"),
            "write a version or range such as \"24\", \">=22\" or \"^24.1\"",
        )
    })?;
    let major = MAJORS
        .iter()
        .copied()
        .find(|m| Range::parse(format!("{m}.x")).is_ok_and(|whole| range.allows_any(&whole)))
        .ok_or_else(|| {
            let majors: Vec<String> = MAJORS.iter().map(|m| m.to_string()).collect();
            fail(
                format!(
                    "{source} asks for Node {wanted}, and distroless carries Node {} only",
                    majors.join(", ")
                ),
                format!(
                    "ask for one of them (\"{}\"), or set `node-version` in {config}",
                    MAJORS[0]
                ),
            )
        })?;
    Ok(Choice {
        major,
        source: format!("{source} \"{wanted}\""),
    })
}

/// A version or range as .nvmrc and package.json write them (`v22`,
/// `lts/jod`, `node`, `>=20 <25`).
fn range(text: &str) -> Option<Range> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "node" | "current" | "latest" => Some(MAJORS[0]),
        "lts/*" | "lts" => Some(NEWEST_LTS),
        _ => lower
            .strip_prefix("lts/")
            .and_then(|name| LTS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)),
    };
    if let Some(m) = alias {
        return Range::parse(format!("{m}.x")).ok();
    }
    if text.is_empty() || text.chars().any(|c| c.is_control()) {
        return None;
    }
    Range::parse(text.trim_start_matches('v')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose_in(
        files: &[(&str, &str)],
        pkg: serde_json::Value,
        key: Option<&str>,
    ) -> Result<Choice> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        choose(
            &Folder::new(dir.path()),
            &pkg,
            key,
            "\"distroless\" of package.json",
        )
    }

    #[test]
    fn the_newest_supported_major_that_satisfies() {
        for (engines, major) in [
            (">=18", 26),
            ("^22.11.0", 22),
            ("22.x || 24.x", 24),
            (">=20 <25", 24),
            ("24", 24),
            ("v22.1.0", 22),
            ("*", 26),
        ] {
            let pkg = serde_json::json!({"engines": {"node": engines}});
            assert_eq!(choose_in(&[], pkg, None).unwrap().major, major, "{engines}");
        }
        assert_eq!(
            choose_in(&[], serde_json::json!({}), None).unwrap().major,
            NEWEST_LTS
        );
    }

    #[test]
    fn the_order_of_the_sources() {
        let pkg = serde_json::json!({"engines": {"node": "22"}, "volta": {"node": "26.1.0"}});
        let c = choose_in(&[(".nvmrc", "24\n")], pkg.clone(), None).unwrap();
        assert_eq!(c.major, 22, "engines before .nvmrc");
        assert_eq!(
            choose_in(&[], pkg, Some("24")).unwrap().major,
            24,
            "the key first"
        );
        let c = choose_in(&[(".nvmrc", "lts/jod\n")], serde_json::json!({}), None).unwrap();
        assert_eq!((c.major, c.source.as_str()), (22, ".nvmrc \"lts/jod\""));
        let c = choose_in(&[(".node-version", "v26.0.1")], serde_json::json!({}), None).unwrap();
        assert_eq!(c.major, 26);
        let c = choose_in(&[], serde_json::json!({"volta": {"node": "24.3.0"}}), None).unwrap();
        assert_eq!(c.major, 24);
    }

    #[test]
    fn a_version_no_image_carries_names_the_supported_ones() {
        let pkg = serde_json::json!({"engines": {"node": "^20"}});
        let text = crate::error::format(&choose_in(&[], pkg, None).unwrap_err());
        assert!(
            text.contains("`engines.node` in package.json asks for Node ^20, and distroless carries Node 26, 24, 22 only"),
            "{text}"
        );
        let text = crate::error::format(
            &choose_in(&[(".nvmrc", "banana")], serde_json::json!({}), None).unwrap_err(),
        );
        assert!(
            text.contains(".nvmrc is \"banana\", which is not a Node version"),
            "{text}"
        );
    }
}
