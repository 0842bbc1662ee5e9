//! Running `cargo metadata`: what detection and the build graph share.

use std::process::Stdio;

use cargo_metadata::{Metadata, MetadataCommand};

/// Runs `cargo metadata`, stdin closed; on failure, what cargo said.
pub(super) fn run(cmd: &MetadataCommand) -> std::result::Result<Metadata, String> {
    let out = cmd
        .cargo_command()
        .stdin(Stdio::null())
        .output()
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
