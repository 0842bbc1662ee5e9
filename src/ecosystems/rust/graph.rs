//! Which crates a build compiles, with their features. Cargo.lock lists every
//! crate any feature could pull in (an optional SQLite driver a Postgres-only
//! service never builds included), so the native-library decisions ask cargo's
//! own resolver when it can answer offline, and fall back to the lockfile,
//! saying it is a guess.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, PackageId};

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
    /// Cargo's resolver ran offline (`cargo metadata --offline --locked`)
    /// over the crates already in the local cache: per member, the crates
    /// its build compiles (normal and build dependencies) with the features
    /// the resolver turns on, for the features the config selects.
    Resolved {
        features: Features,
        members: BTreeMap<String, Crates>,
    },
    /// Only Cargo.lock: any crate in it may be compiled. `why` says why
    /// cargo could not resolve (most often: the crates are not downloaded).
    Locked { why: String },
}

impl BuildGraph {
    /// The crates the given members compile with these features; `None`
    /// for a lockfile guess or a resolve made for other features.
    pub fn compiled_by<'a>(
        &self,
        members: impl IntoIterator<Item = &'a str>,
        wanted: &Features,
    ) -> Option<Crates> {
        let BuildGraph::Resolved {
            features,
            members: graph,
        } = self
        else {
            return None;
        };
        if features != wanted {
            return None;
        }
        let mut out = Crates::new();
        for member in members {
            for (krate, features) in graph.get(member).into_iter().flatten() {
                out.entry(krate.clone())
                    .or_default()
                    .extend(features.iter().cloned());
            }
        }
        Some(out)
    }
}

/// Asks cargo's resolver for the build graph on `target`, offline and
/// without touching Cargo.lock.
pub fn resolve(cargo: &Path, manifest: &Path, target: &str, features: &Features) -> BuildGraph {
    let mut args = vec![
        "--offline".to_string(),
        "--locked".to_string(),
        "--filter-platform".to_string(),
        target.to_string(),
    ];
    args.extend(features.args());
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo)
        .manifest_path(manifest)
        .other_options(args);
    let meta = match super::metadata::run(&cmd) {
        Ok(meta) => meta,
        // Cargo's first line says it; the rest is advice for its own CLI.
        Err(why) => {
            let first = why.lines().next().unwrap_or_default();
            return BuildGraph::Locked {
                why: first.to_string(),
            };
        }
    };
    match members_graph(&meta) {
        Some(members) => BuildGraph::Resolved {
            features: features.clone(),
            members,
        },
        None => BuildGraph::Locked {
            why: "cargo metadata gave no dependency graph".into(),
        },
    }
}

/// Walks the resolved graph from each member through normal and build
/// dependencies (dev-dependencies never reach the image).
fn members_graph(meta: &Metadata) -> Option<BTreeMap<String, Crates>> {
    let resolve = meta.resolve.as_ref()?;
    let nodes: HashMap<&PackageId, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let names: HashMap<&PackageId, &str> = meta
        .packages
        .iter()
        .map(|p| (&p.id, p.name.as_str()))
        .collect();
    let mut graph = BTreeMap::new();
    for member in &meta.workspace_members {
        let mut crates = Crates::new();
        let mut seen = BTreeSet::new();
        let mut todo = vec![member];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(node) = nodes.get(id) else { continue };
            if id != member {
                crates
                    .entry(names.get(id).copied().unwrap_or_default().to_string())
                    .or_default()
                    .extend(node.features.iter().map(|f| f.to_string()));
            }
            for dep in &node.deps {
                let built = dep
                    .dep_kinds
                    .iter()
                    .any(|k| k.kind != DependencyKind::Development);
                if built {
                    todo.push(&dep.pkg);
                }
            }
        }
        let name = names.get(member).copied().unwrap_or_default().to_string();
        graph.insert(name, crates);
    }
    Some(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Member<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);

    fn graph(entries: &[Member]) -> BuildGraph {
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

    #[test]
    fn members_union_their_crates_and_features() {
        let g = graph(&[
            ("api", &[("sqlx", &["postgres"]), ("libc", &[])]),
            ("worker", &[("sqlx", &["json"])]),
            ("tool", &[("libsqlite3-sys", &["bundled"])]),
        ]);
        let none = Features::default();
        let got = g.compiled_by(["api", "worker"], &none).unwrap();
        assert_eq!(got.keys().collect::<Vec<_>>(), ["libc", "sqlx"]);
        assert_eq!(got["sqlx"].iter().collect::<Vec<_>>(), ["json", "postgres"]);
        assert!(
            BuildGraph::Locked { why: "x".into() }
                .compiled_by(["api"], &none)
                .is_none()
        );
        // Asked for other features than the resolve used: no answer.
        let bundled = Features {
            features: vec!["libsqlite3-sys/bundled".into()],
            ..Features::default()
        };
        assert!(g.compiled_by(["tool"], &bundled).is_none());
        assert_eq!(
            bundled.args(),
            ["--features=libsqlite3-sys/bundled".to_string()]
        );
    }
}
