//! Fuzzing each input format for a bounded time: whole files of random
//! text, and mutations of a valid file (bytes flipped, lines cut, duplicated
//! and swapped), run through the real pipeline. Whatever the file holds,
//! the tool answers with files or an error, never a panic; and an error
//! quotes no more than short lines. `FUZZ_SECONDS` bounds each format
//! (default 2); CI runs the default.

use std::path::Path;
use std::time::{Duration, Instant};

use cargo_distroless::pipeline::{self, Render, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// An input format: the file, a valid example, and the project around it.
struct Format {
    file: &'static str,
    valid: &'static str,
    rust: bool,
}

const FORMATS: &[Format] = &[
    Format {
        file: "distroless.toml",
        valid: "port = 8000\nenv = { A = \"1\" }\nargs = [\"--x\"]\nexclude = [\"*.csv\"]\nhealthcheck = { path = \"/h\", interval = \"10s\" }\n",
        rust: false,
    },
    Format {
        file: "requirements.txt",
        valid: "flask==3.1.3 \\\n    --hash=sha256:00\n-r more.txt\nrequests[socks]>=2; python_version >= \"3.8\"\n# c\n",
        rust: false,
    },
    Format {
        file: "pyproject.toml",
        valid: "[project]\nname = \"app\"\nversion = \"1.0\"\nrequires-python = \">=3.10,<3.14\"\ndependencies = [\"flask>=3\"]\n[project.scripts]\napp = \"app:main\"\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n[tool.distroless]\nport = 8000\n",
        rust: false,
    },
    Format {
        file: ".python-version",
        valid: "3.13\n",
        rust: false,
    },
    Format {
        file: "uv.lock",
        valid: "version = 1\nrequires-python = \">=3.13\"\n[[package]]\nname = \"flask\"\nversion = \"3.1.3\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
        rust: false,
    },
    Format {
        file: "poetry.lock",
        valid: "[[package]]\nname = \"flask\"\nversion = \"3.1.3\"\n[metadata]\npython-versions = \">=3.10\"\ncontent-hash = \"x\"\n",
        rust: false,
    },
    Format {
        file: "Pipfile.lock",
        valid: "{\"_meta\": {\"requires\": {\"python_version\": \"3.13\"}}, \"default\": {\"flask\": {\"version\": \"==3.1.3\"}}, \"develop\": {}}\n",
        rust: false,
    },
    Format {
        file: ".dockerignore",
        valid: "# ours\nnode_modules/\n*.log\n!keep.log\n**/tmp/[a-z]*\n",
        rust: false,
    },
    Format {
        file: "Cargo.toml",
        valid: "[package]\nname = \"zz\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[package.metadata.distroless]\nport = 8080\nenv = { A = \"1\" }\n",
        rust: true,
    },
    Format {
        file: ".cargo/config.toml",
        valid: "[build]\nrustflags = [\"-Dwarnings\"]\n[target.x86_64-unknown-linux-gnu]\nlinker = \"clang\"\n[env]\nA = \"1\"\n",
        rust: true,
    },
    Format {
        file: "rust-toolchain.toml",
        valid: "[toolchain]\nchannel = \"1.95\"\n",
        rust: true,
    },
];

/// Writes the project around the format, with `text` as its file.
fn project(format: &Format, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    if format.rust {
        write(
            "Cargo.toml",
            "[package]\nname = \"zz\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write("src/main.rs", "fn main() {}\n");
    } else {
        write("app.py", "def main():\n    pass\n");
        write("requirements.txt", "flask\n");
        write("more.txt", "jinja2\n");
    }
    write(format.file, text);
    dir
}

/// Runs the pipeline; a panic fails the test (through the runner), an
/// error is fine as long as it prints short lines.
fn run(root: &Path) {
    let req = Request {
        path: Some(root.to_path_buf()),
        ..Request::default()
    };
    if let Err(e) = pipeline::generate(&req, Render::Always) {
        let text = cargo_distroless::error::format(&e);
        assert!(
            text.lines().all(|l| l.chars().count() <= 260),
            "an error line is long: {text}"
        );
    }
}

/// A mutation of a valid file.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    let lines: Vec<String> = valid.lines().map(String::from).collect();
    (
        prop::collection::vec((0..valid.len().max(1), any::<u8>()), 0..6),
        prop::collection::vec(0..lines.len().max(1), 0..lines.len() + 2),
    )
        .prop_map(move |(flips, order)| {
            let picked: Vec<&str> = order
                .iter()
                .filter_map(|&i| lines.get(i).map(String::as_str))
                .collect();
            let mut bytes = picked.join("\n").into_bytes();
            for (at, b) in flips {
                if !bytes.is_empty() {
                    let n = at % bytes.len();
                    bytes[n] = b;
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

/// Random text with the characters file formats care about.
fn noise() -> impl Strategy<Value = String> {
    "[a-z0-9 =\\[\\]{}\"'.,:;<>!~^*?#\\\\/\\n\\r\\t$@+-]{0,200}"
}

fn fuzz(rust: bool) {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for format in FORMATS.iter().filter(|f| f.rust == rust) {
        run(project(format, format.valid).path());
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut runner = TestRunner::new(Config {
            cases: 2_000,
            rng_seed: RngSeed::Fixed(0xf022),
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = prop_oneof![mutated(format.valid), noise()];
        let result = runner.run(&strategy, |text| {
            if Instant::now() < deadline {
                run(project(format, &text).path());
            }
            Ok(())
        });
        result.unwrap_or_else(|e| panic!("{}: {e}", format.file));
    }
}

#[test]
fn python_input_formats_never_panic() {
    fuzz(false);
}

#[test]
fn rust_input_formats_never_panic() {
    fuzz(true);
}
