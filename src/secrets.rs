//! Secrets in the build context: the `.dockerignore` rules that keep the
//! common credential files of every major tool out of it (after the lists
//! secret scanners ship), and a scan that warns about a secret-looking file
//! that no rule of the written `.dockerignore` excludes.

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
/// Compiled into one matcher, so a scan of thousands of paths stays cheap.
pub struct Ignore {
    set: GlobSet,
    /// Whether each rule excludes (`false`: it re-admits).
    excludes: Vec<bool>,
    /// Each rule as written, for messages.
    rules: Vec<String>,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut builder = GlobSetBuilder::new();
        let mut excludes = Vec::new();
        let mut rules = Vec::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (pattern, excluding) = match line.strip_prefix('!') {
                Some(rest) => (rest, false),
                None => (line, true),
            };
            if let Some(g) = glob(pattern) {
                builder.add(g);
                excludes.push(excluding);
                rules.push(line.to_string());
            }
        }
        Ignore {
            set: builder.build().unwrap_or_else(|_| GlobSet::empty()),
            excludes,
            rules,
        }
    }

    /// The last rule that matches the path itself, after `inherited`, the
    /// last that matched one of its folders.
    fn last_rule(&self, rel: &str, inherited: Option<usize>) -> Option<usize> {
        // Most paths match no rule: ask that first, without collecting.
        if !self.set.is_match(rel) {
            return inherited;
        }
        self.set.matches(rel).into_iter().max().max(inherited)
    }

    /// Whether the path (relative to the context, with `/`) is left out.
    pub fn excludes(&self, rel: &str) -> bool {
        self.excluded_by(rel).is_some()
    }

    /// The rule that leaves the path out, if one does.
    pub fn excluded_by(&self, rel: &str) -> Option<&str> {
        let last = with_parents(rel)
            .filter_map(|at| self.last_rule(at, None))
            .max()?;
        self.excludes[last].then(|| self.rules[last].as_str())
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
pub fn looks_secret(rel: &str) -> bool {
    secret_name(rel) || with_parents(rel).any(|at| secret_set().is_match(at))
}

/// Secret-looking files under `root` that `ignore` leaves in the build
/// context, except paths under `kept` (named by `include` on purpose).
/// Excluded folders are not entered; links are not followed. What a folder
/// decides (its last matching rule, whether it is a credentials folder) is
/// carried down, so each path is matched once.
pub fn exposed(root: &Path, ignore: &Ignore, kept: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut seen = 0;
    let mut stack: Vec<(String, Option<usize>, bool)> = vec![(String::new(), None, false)];
    while let Some((dir, inherited, secret_dir)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > SCAN_LIMIT {
                return found;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            let last = ignore.last_rule(&rel, inherited);
            if last.is_some_and(|rule| ignore.excludes[rule]) {
                continue;
            }
            let secret = secret_dir || secret_set().is_match(&rel);
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push((rel, last, secret)),
                Ok(t) if t.is_file() && (secret || secret_name(&rel)) => {
                    let kept_here = kept
                        .iter()
                        .any(|k| rel == *k || rel.starts_with(&format!("{k}/")));
                    if !kept_here {
                        found.push(rel);
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
mod tests {
    use super::*;

    #[test]
    fn rules_decide_as_docker_does() {
        let ignore = Ignore::parse(
            "target/\n**/.env\n**/.ssh/\n!keep/.env\nsecrets/\n!secrets/public.txt\n",
        );
        for (path, out) in [
            ("target/debug/app", true),
            (".env", true),
            ("a/b/.env", true),
            ("keep/.env", false),
            ("home/.ssh/id_rsa", true),
            ("secrets/private.txt", true),
            ("secrets/public.txt", false),
            ("src/main.rs", false),
            ("src/.envelope", false),
        ] {
            assert_eq!(ignore.excludes(path), out, "{path}");
        }
    }

    #[test]
    fn secret_looking_names() {
        for path in [
            ".envrc",
            "deploy/id_ed25519",
            "k8s/.kube/config",
            "infra/terraform.tfstate",
            ".git-credentials",
            "config/client_secret.json",
            "gcp-service-account.json",
            "home/.aws/credentials",
        ] {
            assert!(looks_secret(path), "{path}");
        }
        for path in [
            "src/main.rs",
            "README.md",
            "static/app.css",
            ".environment.md",
        ] {
            assert!(!looks_secret(path), "{path}");
        }
    }

    #[test]
    fn the_scan_reports_what_no_rule_excludes() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            ".env",
            "deploy/id_ed25519",
            "src/main.rs",
            "target/secret.txt",
            "kept/token-secret.txt",
        ] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let ignore = Ignore::parse("target/\n**/.env\n");
        assert_eq!(
            exposed(dir.path(), &ignore, &["kept".to_string()]),
            ["deploy/id_ed25519"]
        );
        let full = format!("target/\n{}\n", PATTERNS.join("\n"));
        assert!(
            exposed(dir.path(), &Ignore::parse(&full), &[])
                .iter()
                .all(|p| p.starts_with("kept/"))
        );
    }
}
