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
            return in_range(seconds, &format!("SOURCE_DATE_EPOCH={seconds}")).map(Some);
        }
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["log", "-1", "--format=%ct"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    out.ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .map(|s| {
            in_range(
                s,
                &format!("the last commit's date ({s} seconds since 1970)"),
            )
        })
        .transpose()
}

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
pub const LATEST: u64 = 253_402_300_799;

/// A time the image's metadata can hold, or an error naming where it came
/// from.
fn in_range(seconds: u64, what: &str) -> Result<u64> {
    if seconds <= LATEST {
        Ok(seconds)
    } else {
        Err(fail(
            format!("{what} lies after the year 9999, which image metadata cannot record"),
            "set SOURCE_DATE_EPOCH to a Unix time, e.g. SOURCE_DATE_EPOCH=$(date +%s)",
        ))
    }
}

/// The time as RFC 3339 in UTC, as `org.opencontainers.image.created` takes it.
/// Times past [`LATEST`] are written as it.
pub fn rfc3339(seconds: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds.min(LATEST));
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_201_600), "2025-11-27T00:00:00Z");
        assert_eq!(rfc3339(u64::MAX), "9999-12-31T23:59:59Z");
        let err = crate::error::format(&in_range(LATEST + 1, "SOURCE_DATE_EPOCH=x").unwrap_err());
        assert!(
            err.contains("SOURCE_DATE_EPOCH=x lies after the year 9999"),
            "{err}"
        );
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
