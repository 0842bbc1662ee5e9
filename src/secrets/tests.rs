//! What the scan and the `.dockerignore` matcher decide, path by path.
use super::*;

#[test]
fn folders_decided_once_decide_as_each_path_alone() {
    let ignore = Ignore::parse(
        "crates/*/target\n**/*.key\n!crates/a/keep.key\ncrates/b\n!crates/b/src\ndocs/**\n!docs/api/**\n",
    );
    let paths = [
        "crates/a/keep.key",
        "crates/a/other.key",
        "crates/a/target/x",
        "crates/b/Cargo.toml",
        "crates/b/src/main.rs",
        "crates/c/src/main.rs",
        "docs/api/index.md",
        "docs/guide.md",
        "README.md",
    ];
    let alone = |rel: &str| {
        with_parents(rel)
            .filter_map(|at| ignore.last_rule(at, None))
            .max()
            .filter(|&i| ignore.rule_excludes(i))
            .map(|i| ignore.rules[i].line.clone())
    };
    let mut folders = HashMap::new();
    for rel in paths.iter().chain(paths.iter().rev()) {
        let shared = ignore.excluded_by_any(rel, &mut folders).map(String::from);
        assert_eq!(shared, alone(rel), "{rel}");
    }
    assert_eq!(
        alone("crates/a/target/x").as_deref(),
        Some("crates/*/target")
    );
    assert_eq!(alone("crates/b/src/main.rs"), None);
}

#[test]
fn segments_match_as_go_filepath_match() {
    for (pattern, name, want) in [
        ("*.csv", "a.csv", true),
        ("*.csv", "a.csvx", false),
        ("a?c", "abc", true),
        ("[a-c]x", "bx", true),
        ("[^a-c]x", "bx", false),
        ("[^a-c]x", "dx", true),
        ("\\*", "*", true),
        ("\\*", "a", false),
        ("[a-", "a", false),
        ("*a*b", "xaxxb", true),
        ("*a*b", "xaxxbc", false),
        ("[]]", "]", true),
    ] {
        assert_eq!(segment_matches(pattern, name), want, "{pattern} {name}");
    }
    let ignore = Ignore::parse("**/cache/**/*.tmp\ndata/**\n!data/keep\n");
    assert!(ignore.excludes("a/cache/b/c/x.tmp"));
    assert!(ignore.excludes("cache/x.tmp"));
    assert!(!ignore.excludes("a/cache/x.tmpx"));
    assert!(ignore.excludes("data/x/y"));
    assert!(!ignore.excludes("data/keep"));
}

#[test]
fn rules_decide_as_docker_does() {
    let ignore =
        Ignore::parse("target/\n**/.env\n**/.ssh/\n!keep/.env\nsecrets/\n!secrets/public.txt\n");
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
        exposed(
            dir.path(),
            &Listing::default(),
            &ignore,
            &["kept".to_string()]
        ),
        ["deploy/id_ed25519"]
    );
    // Read ahead, the scan finds the same: `target`, not read ahead,
    // is read when the rules let it in.
    let ahead = Listing::start(dir.path().to_path_buf()).join().unwrap();
    assert!(!ahead.folders.contains_key("target"));
    for rules in ["target/\n**/.env\n", "**/.env\n"] {
        let ignore = Ignore::parse(rules);
        assert_eq!(
            exposed(dir.path(), &ahead, &ignore, &["kept".to_string()]),
            exposed(
                dir.path(),
                &Listing::default(),
                &ignore,
                &["kept".to_string()]
            ),
            "{rules}"
        );
    }
    assert!(
        exposed(dir.path(), &ahead, &Ignore::parse(""), &[])
            .contains(&"target/secret.txt".to_string())
    );
    // A listing of another folder is not used.
    let other = tempfile::tempdir().unwrap();
    let elsewhere = Listing::start(other.path().to_path_buf()).join().unwrap();
    assert_eq!(
        exposed(dir.path(), &elsewhere, &ignore, &["kept".to_string()]),
        ["deploy/id_ed25519"]
    );
    let full = format!("target/\n{}\n", PATTERNS.join("\n"));
    assert!(
        exposed(dir.path(), &Listing::default(), &Ignore::parse(&full), &[])
            .iter()
            .all(|p| p.starts_with("kept/"))
    );
}
