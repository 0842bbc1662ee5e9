//! Running cargo: `cargo metadata`, started before the tool's own work
//! so that both run at once, and the cargo that detection and the build
//! graph call.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use anyhow::{Context, Result};
use cargo_metadata::{Metadata, MetadataCommand};

use crate::error::{WithHint, fail};

/// The cargo to run: the one that ran us (`$CARGO`), else the one on PATH.
pub(super) fn cargo_path() -> Result<PathBuf> {
    if let Some(cargo) = std::env::var_os("CARGO") {
        return Ok(PathBuf::from(cargo));
    }
    which::which("cargo").map_err(|_| {
        fail(
            "cargo was not found on PATH; it is needed to read the project's metadata",
            "install Rust with rustup (https://rustup.rs) or add cargo's folder to PATH",
        )
    })
}

/// The files at a manifest's folder that cargo or rustup read.
const CARGO_READS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// Starts `cargo metadata --no-deps`, once the files cargo reads are known
/// to stay inside the project: the tool works on while cargo runs. A
/// failure says what cargo said, unless it quotes a file that leads out of
/// the project, which is named instead.
pub fn start(manifest: &Path) -> Result<Started> {
    let cargo = cargo_path()?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    // cargo (and rustup before it) read these and quote them in errors:
    // none may lead out of the project.
    crate::folder::no_links_out(dir, CARGO_READS)?;
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(&cargo).manifest_path(manifest).no_deps();
    Ok(Started {
        manifest: manifest.to_path_buf(),
        dir: dir.to_path_buf(),
        child: spawn(&cmd),
    })
}

/// A Cargo project whose `cargo metadata --no-deps` runs.
#[derive(Debug)]
pub struct Started {
    manifest: PathBuf,
    dir: PathBuf,
    child: std::result::Result<std::process::Child, String>,
}

impl Started {
    pub fn manifest(&self) -> &Path {
        &self.manifest
    }

    /// The manifest's folder, where cargo runs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Waits for cargo and reads what it printed.
    pub(super) fn metadata(self) -> Result<Metadata> {
        let context = || {
            format!(
                "cannot read the Cargo project at {}",
                self.manifest.display()
            )
        };
        self.child
            .and_then(finish)
            .map_err(
                |why| match crate::folder::quoted_link_out(&self.dir, &why) {
                    Some(link) => link,
                    None => anyhow::anyhow!(why),
                },
            )
            .with_context(context)
            .hint("fix the manifest so that `cargo metadata` accepts it, then run again")
    }
}

/// Starts `cargo metadata`, stdin closed: the caller may work while it runs.
fn spawn(cmd: &MetadataCommand) -> std::result::Result<Child, String> {
    cmd.cargo_command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))
}

/// Waits for a started `cargo metadata`; on failure, what cargo said.
fn finish(child: Child) -> std::result::Result<Metadata, String> {
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(json) = stdout.lines().find(|l| l.starts_with('{')) {
        return MetadataCommand::parse(json).map_err(|e| e.to_string());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let text = text.trim().trim_start_matches("error: ");
    Err(if text.is_empty() {
        format!("cargo metadata printed no JSON ({})", out.status)
    } else {
        text.to_string()
    })
}
