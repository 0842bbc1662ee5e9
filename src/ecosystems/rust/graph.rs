//! Which crates a build compiles, with their features. Cargo.lock lists every
//! crate any feature could pull in (an optional SQLite driver a Postgres-only
//! service never builds included), so the native-library decisions ask cargo
//! for the build graph itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::{Command, Stdio};

/// A crate's name and the features a build turns on in it.
pub type Crates = BTreeMap<String, BTreeSet<String>>;

/// The features a resolve was asked for, as cargo's flags take them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub features: Vec<String>,
    pub no_default_features: bool,
    pub all_features: bool,
}

impl Features {
    /// The feature choices of a selection (the config's, or the merged ones).
    pub fn of(s: &super::Selection) -> Features {
        Features {
            features: s.features.clone(),
            no_default_features: s.no_default_features,
            all_features: s.all_features,
        }
    }

    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.features.is_empty() {
            args.push(format!("--features={}", self.features.join(",")));
        }
        if self.no_default_features {
            args.push("--no-default-features".into());
        }
        if self.all_features {
            args.push("--all-features".into());
        }
        args
    }
}

/// How the crates a build compiles were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildGraph {
    /// Cargo listed the build graph (`cargo tree`): per member, the crates
    /// its build compiles (normal and build dependencies) with the features
    /// it turns on in them, for the features the config selects.
    Resolved {
        features: Features,
        members: BTreeMap<String, Crates>,
    },
    /// Not asked: Cargo.lock names no crate that links a native library,
    /// which is the whole answer.
    NoNativeCrate,
}

impl BuildGraph {
    /// The crates the given members compile with these features: none
    /// when Cargo.lock names no native crate. Detection resolves for the
    /// plan's own features, so a resolve for others is a fault, not a guess.
    pub fn compiled_by<'a>(
        &self,
        members: impl IntoIterator<Item = &'a str>,
        wanted: &Features,
    ) -> Result<Crates, String> {
        let BuildGraph::Resolved {
            features,
            members: graph,
        } = self
        else {
            return Ok(Crates::new());
        };
        if features != wanted {
            return Err(format!(
                "cargo's build graph was resolved for {:?}, and the plan asks for {:?}",
                features.args(),
                wanted.args()
            ));
        }
        let mut out = Crates::new();
        for member in members {
            for (krate, features) in graph.get(member).into_iter().flatten() {
                out.entry(krate.clone())
                    .or_default()
                    .extend(features.iter().cloned());
            }
        }
        Ok(out)
    }
}

/// Asks cargo for the build graph on `target`: `cargo tree` over normal
/// and build edges, the crates a build compiles (an optional crate only a
/// weak `dep?/feature` names is not one), without touching Cargo.lock.
/// Offline first; when the local cache lacks a crate, cargo downloads it, as
/// any `cargo build` would, so every machine gets the same answer. Failing
/// that, what cargo said: never a guess.
pub fn resolve(
    cargo: &Path,
    manifest: &Path,
    target: &str,
    features: &Features,
) -> std::result::Result<BuildGraph, String> {
    let tree = |offline: bool| -> std::result::Result<String, String> {
        let mut cmd = Command::new(cargo);
        cmd.arg("tree")
            .arg("--manifest-path")
            .arg(manifest)
            .args(["--locked", "--workspace", "--edges", "normal,build"])
            .args([
                "--prefix", "depth", "--format", "{p}|{f}", "--color", "never",
            ])
            .args(["--target", target])
            .args(features.args())
            .stdin(Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        // Cargo's first line says it; the rest is advice for its own CLI.
        let text = String::from_utf8_lossy(&out.stderr);
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        Err(first.trim().trim_start_matches("error: ").to_string())
    };
    // A Cargo.lock that Cargo.toml has outgrown fails the same way online:
    // only missing crates are worth the download.
    let text = match tree(true) {
        Ok(text) => text,
        Err(why) if why.contains("--locked") => return Err(why),
        Err(_) => tree(false)?,
    };
    Ok(BuildGraph::Resolved {
        features: features.clone(),
        members: members_graph(&text),
    })
}

/// Each member's crates, from `cargo tree --prefix depth --format '{p}|{f}'`:
/// a line is a depth, then `name vX.Y.Z (source)|feature,feature`, with
/// ` (*)` when its dependencies were listed further up, under another root.
fn members_graph(text: &str) -> BTreeMap<String, Crates> {
    let mut children: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut roots = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    for line in text.lines() {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(depth) = line[..digits].parse::<usize>() else {
            continue;
        };
        let node = line[digits..].trim_end().trim_end_matches(" (*)");
        stack.truncate(depth);
        match stack.last() {
            Some(parent) => {
                children.entry(parent).or_default().insert(node);
            }
            None => roots.push(node),
        }
        stack.push(node);
    }
    let name = |node: &str| node.split(' ').next().unwrap_or_default().to_string();
    let mut graph: BTreeMap<String, Crates> = BTreeMap::new();
    for root in roots {
        let crates = graph.entry(name(root)).or_default();
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = children.get(root).into_iter().flatten().copied().collect();
        while let Some(node) = todo.pop() {
            if !seen.insert(node) {
                continue;
            }
            let features = node.rsplit_once('|').map(|(_, f)| f).unwrap_or_default();
            crates.entry(name(node)).or_default().extend(
                features
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(String::from),
            );
            todo.extend(children.get(node).into_iter().flatten().copied());
        }
    }
    graph
}

/// A member and the crates it compiles, with their features.
#[cfg(test)]
pub(crate) type Member<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);

#[cfg(test)]
impl BuildGraph {
    /// A graph as cargo resolves it with no feature asked.
    pub(crate) fn resolved_with_no_feature(entries: &[Member]) -> BuildGraph {
        BuildGraph::Resolved {
            features: Features::default(),
            members: entries
                .iter()
                .map(|(member, crates)| {
                    let crates = crates
                        .iter()
                        .map(|(c, fs)| (c.to_string(), fs.iter().map(|f| f.to_string()).collect()))
                        .collect();
                    (member.to_string(), crates)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_union_their_crates_and_features() {
        let g = BuildGraph::resolved_with_no_feature(&[
            ("api", &[("sqlx", &["postgres"]), ("libc", &[])]),
            ("worker", &[("sqlx", &["json"])]),
            ("tool", &[("libsqlite3-sys", &["bundled"])]),
        ]);
        let none = Features::default();
        let got = g.compiled_by(["api", "worker"], &none).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["libc", "sqlx"]);
        assert_eq!(got["sqlx"].iter().collect::<Vec<_>>(), ["json", "postgres"]);
        assert!(
            BuildGraph::NoNativeCrate
                .compiled_by(["api"], &none)
                .unwrap()
                .is_empty()
        );
        // Asked for other features than the resolve used: a fault.
        let bundled = Features {
            features: vec!["libsqlite3-sys/bundled".into()],
            ..Features::default()
        };
        let fault = g.compiled_by(["tool"], &bundled).unwrap_err();
        assert!(fault.contains("libsqlite3-sys/bundled"), "{fault}");
        assert_eq!(
            bundled.args(),
            ["--features=libsqlite3-sys/bundled".to_string()]
        );
    }

    #[test]
    fn tree_lines_give_each_member_its_crates_shown_once_or_again() {
        // `cargo tree --workspace --prefix depth --format '{p}|{f}'`: the
        // second member's `dbkit` was listed under the first, so its line
        // ends in ` (*)` and its crates are the ones listed there.
        let text = "0api v0.1.0 (/w/api)|\n\
            1dbkit v0.1.0 (/w/dbkit)|default,sqlite\n\
            2libsqlite3-sys v0.35.0|bundled\n\
            2cc v1.2.0|\n\
            1serde v1.0.0|derive,std\n\
            \n\
            0worker v0.1.0 (/w/worker)|\n\
            1dbkit v0.1.0 (/w/dbkit)|default,sqlite (*)\n\
            1serde_derive v1.0.0 (proc-macro)|\n\
            \n\
            0worker v0.1.0 (/w/worker)|\n";
        let graph = members_graph(text);
        let names = |m: &str| graph[m].keys().cloned().collect::<Vec<_>>();
        assert_eq!(names("api"), ["cc", "dbkit", "libsqlite3-sys", "serde"]);
        assert_eq!(
            names("worker"),
            ["cc", "dbkit", "libsqlite3-sys", "serde_derive"]
        );
        assert_eq!(
            graph["api"]["serde"].iter().collect::<Vec<_>>(),
            ["derive", "std"]
        );
        assert!(graph["worker"]["libsqlite3-sys"].contains("bundled"));
    }
}
