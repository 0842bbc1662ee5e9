//! Dependencies fetched from version control: pip, uv and Poetry run the
//! system's own client (`git clone`) for them, and no builder image has
//! one, so the build would fail minutes in on "Cannot find command 'git'".

use super::installer::Installer;
use super::pins::Locks;
pub use crate::ecosystems::common::Vcs;

/// Each system with the URL scheme prefix pip reads (`git+https://…`) and
/// the key Pipfile.lock writes.
const ALL: [(Vcs, &str, &str); 4] = [
    (Vcs::Git, "git+", "git"),
    (Vcs::Mercurial, "hg+", "hg"),
    (Vcs::Subversion, "svn+", "svn"),
    (Vcs::Bazaar, "bzr+", "bzr"),
];

/// The system a requirement's URL names: a line that is a URL
/// (`git+https://…@v1#egg=x`) or a direct reference (`x @ git+https://…`).
pub fn of_requirement(text: &str) -> Option<Vcs> {
    let text = text.trim();
    let scheme = |url: &str| {
        let url = url.trim_start().to_ascii_lowercase();
        ALL.iter()
            .find(|(_, prefix, _)| url.starts_with(prefix))
            .map(|(vcs, _, _)| *vcs)
    };
    scheme(text).or_else(|| scheme(text.split_once('@')?.1))
}

/// The systems the installer fetches dependencies with, in order, once
/// each: from the requirement lines pip reads (`in_requirements`, found
/// in the requirements files, or the `[project] dependencies`), or from
/// the lockfile it installs. uv and Poetry lock git sources only: uv
/// writes `source = { git = … }`, Poetry `[package.source] type = "git"`.
pub fn needed(installer: &Installer, in_requirements: &[Vcs], locks: &Locks) -> Vec<Vcs> {
    // A lock's packages, and whether one comes from git.
    let git_in = |lock: Option<&toml::Table>, from_git: fn(&toml::Value) -> bool| {
        let packages = lock.and_then(|l| l.get("package")?.as_array());
        let git = packages.is_some_and(|p| p.iter().any(|p| p.get("source").is_some_and(from_git)));
        git.then_some(Vcs::Git).into_iter().collect()
    };
    let mut found: Vec<Vcs> = match installer {
        Installer::Requirements { .. } => in_requirements.to_vec(),
        Installer::Pyproject { dependencies } => dependencies
            .iter()
            .filter_map(|d| of_requirement(d))
            .collect(),
        Installer::Uv => git_in(locks.uv, |s| s.get("git").is_some()),
        Installer::Poetry => git_in(locks.poetry, |s| {
            s.get("type").and_then(|t| t.as_str()) == Some("git")
        }),
        Installer::Pipenv => ["default", "develop"]
            .iter()
            .filter_map(|section| locks.pipfile?.get(section)?.as_object())
            .flat_map(|section| section.values())
            .flat_map(|entry| {
                ALL.iter()
                    .filter(|(_, _, key)| entry.get(key).is_some())
                    .map(|(vcs, _, _)| *vcs)
            })
            .collect(),
        Installer::Nothing => Vec::new(),
    };
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirement_names_its_version_control_by_its_url() {
        for (line, vcs) in [
            (
                "git+https://github.com/org/lib@v1.2#egg=lib",
                Some(Vcs::Git),
            ),
            ("lib @ git+ssh://git@github.com/org/lib.git", Some(Vcs::Git)),
            ("lib[extra]@GIT+https://host/lib", Some(Vcs::Git)),
            (
                "hg+https://hg.example.com/lib#egg=lib",
                Some(Vcs::Mercurial),
            ),
            (
                "lib @ svn+https://svn.example.com/lib/trunk",
                Some(Vcs::Subversion),
            ),
            ("bzr+lp:lib#egg=lib", Some(Vcs::Bazaar)),
            ("lib @ https://host/lib-1.0-py3-none-any.whl", None),
            ("flask>=3 ; python_version >= \"3.11\"", None),
            ("./vendor/lib-1.0.tar.gz", None),
        ] {
            assert_eq!(of_requirement(line), vcs, "{line}");
        }
    }
}
