//! `SOURCE_DATE_EPOCH`, the time a reproducible build stamps on its output:
//! the environment's when set, else the project's last commit. The image's
//! creation time, its history and (with `rewrite-timestamp`) its layers'
//! times come from it, so two builds of one commit agree.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;

use crate::error::fail;

/// The build's time, seconds since 1970; `None` outside a git checkout
/// with no `SOURCE_DATE_EPOCH` set.
pub fn find(root: &Path) -> Result<Option<u64>> {
    if let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") {
        let value = value.to_string_lossy();
        // Set but empty means unset, as buildx reads it.
        if !value.is_empty() {
            let seconds = value.trim().parse::<u64>().map_err(|_| {
                fail(
                    format!("SOURCE_DATE_EPOCH={value:?} is not a number of seconds since 1970"),
                    "set it to a Unix time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it to use the last commit's",
                )
            })?;
            return Ok(Some(seconds));
        }
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["log", "-1", "--format=%ct"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    Ok(out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()))
}

/// The time as RFC 3339 in UTC, as `org.opencontainers.image.created` takes it.
pub fn rfc3339(seconds: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_201_600), "2025-11-27T00:00:00Z");
    }

    #[test]
    fn a_folder_outside_git_has_no_commit_time() {
        let dir = tempfile::tempdir().unwrap();
        // Unless the environment sets one, which this test cannot rule out.
        if std::env::var_os("SOURCE_DATE_EPOCH").is_none() {
            assert_eq!(find(dir.path()).unwrap(), None);
        }
    }
}
