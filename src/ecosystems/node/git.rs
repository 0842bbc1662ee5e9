//! Dependencies fetched with git: npm, pnpm and yarn run `git clone` for a
//! git URL or a hosted shorthand (`github:org/lib`, `org/lib#v1`), and no
//! Node builder image has git, so the build would fail minutes in.

/// The dependency tables a builder installs from.
const TABLES: [&str; 3] = ["dependencies", "devDependencies", "optionalDependencies"];

/// Whether a package.json depends on anything fetched with git.
pub fn any(pkg: &serde_json::Value) -> bool {
    TABLES
        .iter()
        .filter_map(|table| pkg.get(table).and_then(|t| t.as_object()))
        .flat_map(|t| t.values())
        .filter_map(|spec| spec.as_str())
        .any(fetched_with_git)
}

/// Whether a dependency spec is fetched with git: a git URL, a hosted
/// git prefix, or GitHub's `org/lib[#ref]` shorthand (which a path, a URL,
/// an alias, a scoped name or a version range never is).
fn fetched_with_git(spec: &str) -> bool {
    let spec = spec.trim();
    let lower = spec.to_ascii_lowercase();
    const PREFIXES: [&str; 6] = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ];
    if PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    let repo = spec.split('#').next().unwrap_or_default();
    let part = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((owner, name)) if part(owner) && part(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_urls_and_hosted_shorthands_are_fetched_with_git() {
        for spec in [
            "git+https://github.com/org/lib.git#v1",
            "git+ssh://git@github.com/org/lib.git",
            "git://github.com/org/lib.git",
            "github:org/lib#semver:^1",
            "gitlab:org/lib",
            "bitbucket:org/lib",
            "org/lib",
            "org/lib.js#v1.2",
        ] {
            assert!(fetched_with_git(spec), "{spec}");
        }
        for spec in [
            "^1.2.3",
            ">=1 <2",
            "1.x",
            "latest",
            "npm:other@^1",
            "file:../lib",
            "./lib",
            "../lib",
            "/abs/lib",
            "~/lib",
            "link:../lib",
            "workspace:*",
            "https://example.com/lib-1.0.0.tgz",
            "@scope/lib",
            "a/b/c",
        ] {
            assert!(!fetched_with_git(spec), "{spec}");
        }
        let pkg = serde_json::json!({
            "dependencies": {"express": "^5"},
            "devDependencies": {"lib": "github:org/lib"}
        });
        assert!(any(&pkg));
        assert!(!any(
            &serde_json::json!({"dependencies": {"express": "^5"}})
        ));
    }
}
