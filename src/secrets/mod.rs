//! Secrets in the build context: the `.dockerignore` rules that keep the
//! common credential files of every major tool out of it (after the lists
//! secret scanners ship), and a scan that warns about a secret-looking file
//! that no rule of the written `.dockerignore` excludes.

use std::collections::HashMap;
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// `.dockerignore` patterns for credentials: environment files, keys and
/// certificates, SSH and GPG folders, cloud and cluster credentials,
/// package-registry and VCS credential stores, database password files,
/// Terraform state.
pub const PATTERNS: &[&str] = &[
    "**/.env",
    "**/.env.*",
    "**/.envrc",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/*.jks",
    "**/*.keystore",
    "**/*.ppk",
    "**/id_rsa*",
    "**/id_dsa*",
    "**/id_ecdsa*",
    "**/id_ed25519*",
    "**/.ssh/",
    "**/.gnupg/",
    "**/.aws/",
    "**/.azure/",
    "**/.config/gcloud/",
    "**/*service-account*.json",
    "**/*credentials*.json",
    "**/.kube/",
    "**/kubeconfig",
    "**/.docker/config.json",
    "**/.dockercfg",
    "**/.netrc",
    "**/_netrc",
    "**/.npmrc",
    "**/.pypirc",
    "**/.git-credentials",
    "**/.cargo/credentials",
    "**/.cargo/credentials.toml",
    "**/.gem/credentials",
    "**/.pgpass",
    "**/.my.cnf",
    "**/.htpasswd",
    "**/.vault-token",
    "**/.boto",
    "**/.s3cfg",
    "**/*.tfstate",
    "**/*.tfstate.*",
    "**/*.tfvars",
    "**/.terraform/",
    "**/.terraformrc",
    "**/terraform.rc",
    "**/secrets.yaml",
    "**/secrets.yml",
    "**/secrets.json",
    "**/secrets.toml",
    "**/secrets.env",
    "**/secrets.ini",
    "**/secret.yaml",
    "**/secret.yml",
    "**/secret.json",
    "**/*.secret",
    "**/*.secrets",
    "**/.secrets/",
    "**/*.kubeconfig",
    "**/*.kdbx",
    "**/*.ovpn",
];

/// Whether the patterns leave a path of the project out (it, or a folder
/// it is in).
pub fn excluded_as_secret(rel: &str) -> bool {
    let rel = rel.trim_end_matches('/');
    with_parents(rel).any(|at| secret_set().is_match(at))
}

/// How many entries the scan looks at before it stops: a context that large
/// wants its own `.dockerignore` review, not a warning per file.
const SCAN_LIMIT: usize = 50_000;

fn glob(pattern: &str) -> Option<Glob> {
    let pattern = pattern.trim().trim_start_matches('/').trim_end_matches('/');
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
}

/// A path and each of its folders, innermost first: Docker applies a rule
/// that matches a folder to everything in it.
fn with_parents(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(rel), |at| {
        at.rsplit_once('/').map(|(parent, _)| parent)
    })
}

/// A `.dockerignore` as Docker reads it: rules in order, the last that
/// matches a path (or one of its folders) deciding, `!` re-admitting.
/// Rules are kept as written and matched one by one with Docker's syntax
/// (Go's `filepath.Match` per segment, `**` across segments), indexed by a
/// literal segment each must meet: a file of 100,000 rules stays a few
/// megabytes, and a path is matched only against rules that could match it.
pub struct Ignore {
    /// Each rule: its segments, whether it excludes (`false`: re-admits),
    /// and the line as written, for messages.
    rules: Vec<Rule>,
    /// Rules by a literal segment the path must hold.
    by_segment: std::collections::HashMap<String, Vec<usize>>,
    /// Rules without such a segment: tried for every path.
    everywhere: Vec<usize>,
}

struct Rule {
    segments: Vec<Segment>,
    excludes: bool,
    line: String,
}

/// One segment of a rule, in the shape that matches it fastest.
enum Segment {
    /// `**`: any number of whole segments.
    Any,
    /// No wildcard: the same name.
    Literal(String),
    /// `*` and a literal tail (`*.pem`): a name ending so.
    Suffix(String),
    /// A literal head and `*` (`id_rsa*`): a name starting so.
    Prefix(String),
    /// Anything else, matched by [`segment_matches`].
    Glob(String),
}

impl Segment {
    fn new(text: &str) -> Segment {
        let wild = |t: &str| t.contains(['*', '?', '[', '\\']);
        if text == "**" {
            Segment::Any
        } else if !wild(text) {
            Segment::Literal(text.to_string())
        } else if let Some(tail) = text.strip_prefix('*').filter(|t| !wild(t)) {
            Segment::Suffix(tail.to_string())
        } else if let Some(head) = text.strip_suffix('*').filter(|h| !wild(h)) {
            Segment::Prefix(head.to_string())
        } else {
            Segment::Glob(text.to_string())
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Segment::Any => true,
            Segment::Literal(l) => name == l,
            Segment::Suffix(t) => name.ends_with(t.as_str()),
            Segment::Prefix(h) => name.starts_with(h.as_str()),
            Segment::Glob(g) => segment_matches(g, name),
        }
    }
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut ignore = Ignore {
            rules: Vec::new(),
            by_segment: std::collections::HashMap::new(),
            everywhere: Vec::new(),
        };
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (pattern, excludes) = match line.strip_prefix('!') {
                Some(rest) => (rest, false),
                None => (line, true),
            };
            let parts: Vec<&str> = pattern
                .trim()
                .split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect();
            if parts.is_empty() {
                continue;
            }
            let n = ignore.rules.len();
            let wild = |t: &str| t.contains(['*', '?', '[', '\\']);
            match parts.iter().find(|s| !wild(s)) {
                Some(literal) => ignore
                    .by_segment
                    .entry(literal.to_string())
                    .or_default()
                    .push(n),
                None => ignore.everywhere.push(n),
            }
            let segments = parts.into_iter().map(Segment::new).collect();
            ignore.rules.push(Rule {
                segments,
                excludes,
                line: line.to_string(),
            });
        }
        ignore
    }

    /// The last rule that matches the path itself, after `inherited`, the
    /// last that matched one of its folders.
    fn last_rule(&self, rel: &str, inherited: Option<usize>) -> Option<usize> {
        let parts: Vec<&str> = rel.split('/').collect();
        // The highest rule of a list above `floor` that matches.
        let last_in = |list: &[usize], floor: Option<usize>| {
            list.iter()
                .rev()
                .take_while(|&&i| floor.is_none_or(|f| i > f))
                .find(|&&i| matches(&self.rules[i].segments, &parts))
                .copied()
        };
        let mut best = inherited.max(last_in(&self.everywhere, inherited));
        for (n, part) in parts.iter().enumerate() {
            if parts[..n].contains(part) {
                continue;
            }
            if let Some(list) = self.by_segment.get(*part) {
                best = best.max(last_in(list, best));
            }
        }
        best
    }

    /// Whether the path (relative to the context, with `/`) is left out.
    #[cfg(test)]
    pub fn excludes(&self, rel: &str) -> bool {
        self.excluded_by(rel).is_some()
    }

    /// The rule that leaves the path out, if one does.
    #[cfg(test)]
    pub fn excluded_by(&self, rel: &str) -> Option<&str> {
        self.excluded_by_any(rel, &mut HashMap::new())
    }

    /// [`Ignore::excluded_by`] for many paths: what each folder decides is
    /// kept in `folders` and carried down, so a folder is matched once.
    pub fn excluded_by_any(
        &self,
        rel: &str,
        folders: &mut HashMap<String, Option<usize>>,
    ) -> Option<&str> {
        let last = self.last_with_folders(rel, folders)?;
        let rule = &self.rules[last];
        rule.excludes.then_some(rule.line.as_str())
    }

    /// The last rule that matches the path or a folder it is in.
    fn last_with_folders(
        &self,
        rel: &str,
        folders: &mut HashMap<String, Option<usize>>,
    ) -> Option<usize> {
        let inherited = rel.rsplit_once('/').and_then(|(folder, _)| {
            if let Some(&known) = folders.get(folder) {
                return known;
            }
            let last = self.last_with_folders(folder, folders);
            folders.insert(folder.to_string(), last);
            last
        });
        self.last_rule(rel, inherited)
    }

    fn rule_excludes(&self, i: usize) -> bool {
        self.rules[i].excludes
    }
}

/// Whether pattern segments match path segments: `**` any number of whole
/// segments, any other segment one segment by [`segment_matches`].
fn matches(pattern: &[Segment], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        // `**` last matches whatever is left; `**/x` the last segment only.
        Some((Segment::Any, [])) => true,
        Some((Segment::Any, [last])) if !matches!(last, Segment::Any) => {
            path.last().is_some_and(|name| last.matches(name))
        }
        Some((Segment::Any, rest)) => (0..=path.len()).any(|skip| matches(rest, &path[skip..])),
        Some((first, rest)) => {
            !path.is_empty() && first.matches(path[0]) && matches(rest, &path[1..])
        }
    }
}

/// Go's `filepath.Match` within one segment: `*` any run of characters,
/// `?` one, `[...]` a class (ranges, `^` negation), `\\` an escape. A
/// malformed pattern matches nothing, as in Docker.
fn segment_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class(&p, pi, n[ni]) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                None => return false,
            },
            Some('\\') => match p.get(pi + 1) {
                Some(c) if *c == n[ni] => Some(pi + 2),
                Some(_) => None,
                None => return false,
            },
            Some(c) if *c == n[ni] => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches `c` against the class starting at `p[at]` (`[`): whether it
/// matched and where the pattern goes on; `None` when the class is not
/// closed.
fn class(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let lo = match p.get(i)? {
            ']' if !first => return Some((matched != negated, i + 1)),
            '\\' => {
                i += 1;
                *p.get(i)?
            }
            ch => *ch,
        };
        first = false;
        i += 1;
        let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|ch| *ch != ']') {
            i += 1;
            let hi = match p.get(i)? {
                '\\' => {
                    i += 1;
                    *p.get(i)?
                }
                ch => *ch,
            };
            i += 1;
            hi
        } else {
            lo
        };
        if lo <= c && c <= hi {
            matched = true;
        }
    }
}

/// The credential patterns, compiled once.
fn secret_set() -> &'static GlobSet {
    static SET: std::sync::OnceLock<GlobSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut builder = GlobSetBuilder::new();
        for g in PATTERNS.iter().filter_map(|p| glob(p)) {
            builder.add(g);
        }
        builder.build().unwrap_or_else(|_| GlobSet::empty())
    })
}

/// Whether the name says it holds a secret.
fn secret_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    name.contains("secret") || name.contains("credential")
}

/// Whether a path looks like it holds a secret: one of [`PATTERNS`] (for
/// it or a folder it is in), or a name that says so.
#[cfg(test)]
pub fn looks_secret(rel: &str) -> bool {
    secret_name(rel) || excluded_as_secret(rel)
}

/// What a folder entry is; links are neither, and never followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Folder,
    File,
    Other,
}

/// A folder entry, with what its path says of it.
#[derive(Debug)]
struct Entry {
    /// Its path relative to the root, with `/`.
    rel: String,
    kind: Kind,
    /// It matches one of [`PATTERNS`].
    pattern: bool,
    /// Its name says it holds a secret.
    named: bool,
}

/// The entries of the folder `dir` (relative to `root`, `""` for the root
/// itself); an unreadable folder has none.
fn read_folder(root: &Path, dir: &str) -> Vec<Entry> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| {
            let kind = match entry.file_type() {
                Ok(t) if t.is_dir() => Kind::Folder,
                Ok(t) if t.is_file() => Kind::File,
                _ => Kind::Other,
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            Entry {
                pattern: secret_set().is_match(&rel),
                named: kind == Kind::File && secret_name(&rel),
                rel,
                kind,
            }
        })
        .collect()
}

/// The folders of a project read ahead of the scan, on a thread of its
/// own while the project itself is read: the scan then needs the
/// `.dockerignore` only, not the disk. Folders that a `.dockerignore`
/// nearly always leaves out (build output, dependencies, history) are not
/// read ahead; the scan reads them if the rules let it in.
#[derive(Debug, Default)]
pub struct Listing {
    root: std::path::PathBuf,
    /// Each folder read, relative to the root (`""` for the root itself).
    folders: std::collections::HashMap<String, Vec<Entry>>,
}

/// Folder names not read ahead.
const NOT_AHEAD: &[&str] = &[".git", "target", "node_modules", ".venv"];

impl Listing {
    /// Reads `root`'s folders on another thread, and matches their paths
    /// against the patterns there too.
    pub fn start(root: std::path::PathBuf) -> std::thread::JoinHandle<Listing> {
        std::thread::spawn(move || {
            let mut folders = std::collections::HashMap::new();
            let mut stack = vec![String::new()];
            let mut seen = 0;
            while let Some(dir) = stack.pop() {
                let entries = read_folder(&root, &dir);
                seen += entries.len();
                for entry in &entries {
                    let name = entry.rel.rsplit('/').next().unwrap_or_default();
                    if entry.kind == Kind::Folder && !NOT_AHEAD.contains(&name) {
                        stack.push(entry.rel.clone());
                    }
                }
                folders.insert(dir, entries);
                if seen > SCAN_LIMIT {
                    break;
                }
            }
            Listing { root, folders }
        })
    }
}

/// Secret-looking files under `root` that `ignore` leaves in the build
/// context, except paths under `kept` (named by `include` on purpose).
/// Excluded folders are not entered; links are not followed. What a folder
/// decides (its last matching rule, whether it is a credentials folder) is
/// carried down, so each path is matched once.
/// `listed` holds folders already read ([`Listing::start`]); the rest are
/// read now.
pub fn exposed(root: &Path, listed: &Listing, ignore: &Ignore, kept: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut seen = 0;
    let mut stack: Vec<(String, Option<usize>, bool)> = vec![(String::new(), None, false)];
    while let Some((dir, inherited, secret_dir)) = stack.pop() {
        let read;
        let entries = match listed.folders.get(&dir).filter(|_| listed.root == root) {
            Some(entries) => entries,
            None => {
                read = read_folder(root, &dir);
                &read
            }
        };
        for entry in entries {
            seen += 1;
            if seen > SCAN_LIMIT {
                return found;
            }
            let rel = &entry.rel;
            let secret = secret_dir || entry.pattern;
            // Only a folder (to enter) or a secret-looking file is matched
            // against the rules: no rule makes any other path news.
            let wanted = match entry.kind {
                Kind::Folder => true,
                Kind::File => secret || entry.named,
                _ => false,
            };
            if !wanted {
                continue;
            }
            let last = ignore.last_rule(rel, inherited);
            if last.is_some_and(|rule| ignore.rule_excludes(rule)) {
                continue;
            }
            match entry.kind {
                Kind::Folder => stack.push((rel.clone(), last, secret)),
                Kind::File => {
                    let kept_here = kept
                        .iter()
                        .any(|k| rel == k || rel.starts_with(&format!("{k}/")));
                    if !kept_here {
                        found.push(rel.clone());
                    }
                }
                _ => {}
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests;
