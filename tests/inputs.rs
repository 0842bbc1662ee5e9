//! Project inputs are read only inside the project, the same from any of
//! its folders, and no output
//! condition makes the tool panic: links that leave the project are
//! refused before a byte is read (their target never reaches a message),
//! and a closed pipe or a full disk on standard output ends in an exit
//! code, never a crash.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::{fixture, stderr, stdout};

const MARKER: &str = "cargo-distroless-test-secret-4711";

/// Links `rel` in the fixture to a file outside the project holding the
/// marker, runs `check`, and asserts the refusal names the link only.
fn refused_through_link(name: &str, rel: &str, outside_text: &str) {
    let f = fixture(name);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("target-file");
    std::fs::write(&target, outside_text).unwrap();
    let path = f.path(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    std::os::unix::fs::symlink(&target, &path).unwrap();
    for cmd in ["check", "init"] {
        let out = common::cmd()
            .current_dir(&f.dir)
            .env("DEPLOY_TOKEN", MARKER)
            .arg(cmd)
            .output()
            .unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(2), "{cmd} with {rel} linked: {all}");
        assert!(
            all.contains("leads out of the project through a symbolic link"),
            "{cmd} with {rel} linked: {all}"
        );
        assert!(!all.contains(MARKER), "{cmd} printed the target: {all}");
    }
    assert!(!f.path("Dockerfile").exists() || name == "never");
}

#[test]
fn a_python_projects_inputs_are_never_read_through_a_link_out() {
    let secret = format!("DEPLOY_TOKEN={MARKER}\n[tool\n");
    for rel in [
        "distroless.toml",
        "requirements.txt",
        "requirements/base.txt",
        ".python-version",
    ] {
        refused_through_link("py-flask", rel, &secret);
    }
    for rel in ["pyproject.toml", "uv.lock"] {
        refused_through_link("py-uv", rel, &secret);
    }
    refused_through_link("py-poetry", "poetry.lock", &secret);
    refused_through_link("py-pipenv", "Pipfile.lock", &secret);
}

#[test]
fn a_rust_projects_inputs_are_never_read_through_a_link_out() {
    let secret = format!("DEPLOY_TOKEN={MARKER}\n[x\n");
    for rel in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "rust-toolchain.toml",
        "rust-toolchain",
    ] {
        refused_through_link("one-bin", rel, &secret);
    }
    // A workspace member's manifest, which only cargo reads.
    refused_through_link("workspace", "crates/api/Cargo.toml", &secret);
}

#[test]
fn the_environment_never_reaches_an_error() {
    let f = fixture("py-flask");
    std::fs::remove_file(f.path("distroless.toml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", f.path("distroless.toml")).unwrap();
    let out = common::cmd()
        .current_dir(&f.dir)
        .env("DEPLOY_TOKEN", MARKER)
        .arg("check")
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(!all.contains(MARKER), "{all}");
}

#[test]
fn a_link_inside_the_project_is_read() {
    let f = fixture("py-flask");
    std::fs::rename(f.path("requirements.txt"), f.path("requirements.in")).unwrap();
    std::os::unix::fs::symlink("requirements.in", f.path("requirements.txt")).unwrap();
    let out = f.run(&["init", "--stdout"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_fifo_is_no_input() {
    let f = fixture("py-flask");
    std::fs::remove_file(f.path(".python-version")).ok();
    let status = std::process::Command::new("mkfifo")
        .arg(f.path(".python-version"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = f.run(&["init", "--stdout"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".python-version is not a plain file"),
        "{}",
        stderr(&out)
    );
}

/// Runs the tool with stdout read for one line, then closed.
fn closed_after_first_line(args: &[&str]) -> (Option<i32>, String) {
    let f = fixture("one-bin");
    let mut child = common::cmd()
        .current_dir(&f.dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is gone: every later write meets a closed pipe.
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_the_output_not_the_command() {
    for args in [
        &["templates"][..],
        &["init", "--stdout"][..],
        &["templates", "--json"][..],
    ] {
        let (code, err) = closed_after_first_line(args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(code, Some(0), "{args:?}: {err}");
    }
    // check still says the files are missing through its exit code.
    let (code, err) = closed_after_first_line(&["check"]);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn a_full_stdout_is_an_error() {
    let f = fixture("one-bin");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    for args in [
        &["init", "--stdout"][..],
        &["templates"][..],
        &["check"][..],
    ] {
        let out = common::cmd()
            .current_dir(&f.dir)
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("cannot write to standard output") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn check_fails_on_a_pin_removed_or_swapped_by_hand() {
    let f = common::with_config("one-bin", "pin = true");
    // Pins recorded in the FROM lines are kept by init without a registry.
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let unpinned = common::fixture("one-bin");
    common::ok(&unpinned.run(&["init"]));
    let text = unpinned.read("Dockerfile");
    let pinned: String = text
        .lines()
        .map(|l| match l.strip_prefix("FROM ") {
            Some(rest) => {
                let (image, stage) = rest.split_once(' ').unwrap_or((rest, ""));
                format!("FROM {image}@sha256:{a} {stage}\n")
            }
            None => format!("{l}\n"),
        })
        .collect();
    f.write("Dockerfile", &pinned);
    common::ok(&f.run(&["init", "--force"]));
    let good = f.read("Dockerfile");
    assert!(good.contains(&format!("@sha256:{a}")), "{good}");
    assert_eq!(f.run(&["check"]).status.code(), Some(0));
    for (what, edited) in [
        ("swapped", good.replace(&a, &b)),
        ("removed", good.replace(&format!("@sha256:{a}"), "")),
    ] {
        f.write("Dockerfile", &edited);
        let out = f.run(&["check"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a pin {what} by hand is stale: {}",
            stdout(&out)
        );
    }
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_source_date_epoch_past_the_year_9999_is_an_error() {
    let f = fixture("one-bin");
    common::ok(&f.run(&["init"]));
    let out = f.run_with(&["build"], &[("SOURCE_DATE_EPOCH", "99999999999999")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("SOURCE_DATE_EPOCH=99999999999999 lies after the year 9999")
            && !err.contains("panicked"),
        "{err}"
    );
}

/// Run from a member's folder, init reads the workspace root's own files
/// (its toolchain file, Cargo.lock) as it does from the root.
#[test]
fn init_from_a_member_folder_reads_the_roots_files() {
    let f = fixture("workspace");
    let at_root = f.run(&["init", "--stdout"]);
    common::ok(&at_root);
    let at_root = stdout(&at_root);
    let from_member = common::cmd()
        .current_dir(f.path("crates/api"))
        .args(["init", "--stdout"])
        .output()
        .unwrap();
    common::ok(&from_member);
    assert_eq!(stdout(&from_member), at_root);
    let builder = common::Dockerfile::parse(&at_root)
        .stage("builder")
        .image
        .clone();
    assert_eq!(
        builder, "rust:1.95.0-slim-trixie",
        "the root's toolchain file"
    );
}

/// A cargo that has much to say on stderr before its JSON (warnings of a
/// large workspace) neither blocks the read of its output nor changes it;
/// one that fails is quoted.
#[test]
fn cargo_is_read_whatever_it_says_on_stderr() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture("workspace");
    let quiet = f.run(&["init", "--stdout"]);
    common::ok(&quiet);
    let bin = tempfile::tempdir().unwrap();
    let wrap = |name: &str, body: &str| {
        let path = bin.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let real = std::env::var("CARGO").unwrap();
    // 512 KiB on stderr: eight times what a pipe holds.
    let chatty = wrap(
        "chatty",
        &format!("head -c 524288 /dev/zero | tr '\\000' w >&2\nexec '{real}' \"$@\""),
    );
    let with_cargo = |cargo: &std::path::Path| {
        common::cmd()
            .current_dir(&f.dir)
            .env("CARGO", cargo)
            .args(["init", "--stdout"])
            .output()
            .unwrap()
    };
    let out = with_cargo(&chatty);
    common::ok(&out);
    assert_eq!(stdout(&out), stdout(&quiet));
    let failing = wrap(
        "failing",
        "echo 'error: the manifest is on fire' >&2\nexit 101",
    );
    let out = with_cargo(&failing);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the manifest is on fire"),
        "{}",
        stderr(&out)
    );
}

/// What cargo says on failure is quoted without a stack trace, even when
/// the user's RUST_BACKTRACE asks for them: here rustup's proxy refuses a
/// toolchain that rust-toolchain.toml pins and this machine lacks.
#[test]
#[ignore = "needs rustup, whose cargo proxy reads rust-toolchain.toml"]
fn cargo_failing_is_quoted_without_a_stack_trace() {
    let rustup = which::which("rustup").expect("rustup is on PATH");
    let proxy = rustup.with_file_name("cargo");
    let dir = common::project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"pinned\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/main.rs", "fn main() {}\n"),
        (
            "rust-toolchain.toml",
            "[toolchain]\nchannel = \"nightly-2001-01-01\"\n",
        ),
    ]);
    let out = common::cmd()
        .current_dir(dir.path())
        .env("CARGO", &proxy)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env("RUSTUP_AUTO_INSTALL", "0")
        .env("RUST_BACKTRACE", "1")
        .args(["init", "--stdout"])
        .output()
        .unwrap();
    let text = common::error(&out);
    assert!(
        text.contains("nightly-2001-01-01") && text.contains("is not installed"),
        "{text}"
    );
    assert!(!text.contains("backtrace"), "{text}");
}
