//! The builder's Rust: the official image tag a project's toolchain file,
//! flags and configuration choose, with packages' `rust-version` as floors.

use anyhow::Result;

use super::config::Selection;
use super::detect::RustProject;
use super::version::RustVersion;
use crate::error::fail;
use crate::images;

/// The builder's Rust, as the official image tags name it: `1` floats
/// with each stable release (pinning freezes its digest, `update` moves it);
/// an exact channel names exactly its tag. Returns the tag's version and
/// where it came from.
pub fn rust_version(
    project: &RustProject,
    floors: &[(RustVersion, &str)],
    opts: &Selection,
    warnings: &mut Vec<String>,
) -> Result<(String, String)> {
    let flag = match &opts.rust_version {
        Some(v) => match RustVersion::parse(v) {
            Some(parsed) => Some((v.clone(), parsed)),
            None => {
                return Err(fail(
                    format!("--rust-version `{v}` is not a Rust version"),
                    "give it as X.Y or X.Y.Z, e.g. --rust-version 1.95",
                ));
            }
        },
        None => None,
    };
    let pinned = match &project.toolchain {
        Some(t) if t.channel == STABLE => None,
        Some(t) => match RustVersion::parse(&t.channel) {
            Some(v) => Some((t, v)),
            None => {
                return Err(fail(
                    format!(
                        "{} names the channel `{}`: only stable Rust releases have official images",
                        t.file, t.channel
                    ),
                    format!(
                        "name a release (channel = \"1.95\") or `stable` in {}; to build on your own toolchain image, override the builder (`cargo distroless eject rust/builder`)",
                        t.file
                    ),
                ));
            }
        },
        None => None,
    };
    let (version, have, source) = match (pinned, flag) {
        (Some((t, v)), flag) => {
            if let Some((f, _)) = flag.filter(|(f, _)| *f != t.channel) {
                warnings.push(format!(
                    "--rust-version {f} is ignored: {} pins {}",
                    t.file, t.channel
                ));
            }
            (t.channel.clone(), Some(v), format!("pinned by {}", t.file))
        }
        (None, Some((f, v))) => (f, Some(v), "--rust-version".to_string()),
        (None, None) => (
            FLOATING.to_string(),
            None,
            match &project.toolchain {
                Some(t) => format!(
                    "the newest stable: {} names `stable`, and each release moves the `{FLOATING}` tag",
                    t.file
                ),
                None => format!(
                    "the newest stable: no toolchain is named, and each release moves the `{FLOATING}` tag"
                ),
            },
        ),
    };
    let msrv = floors
        .iter()
        .max_by_key(|(v, _)| (v.major, v.minor, v.patch));
    if let (Some(have), Some(&(need, pkg))) = (have, msrv) {
        if have.older_than(need) {
            warnings.push(format!(
                "Rust {version} ({source}) is older than `{pkg}`'s rust-version {need}, so cargo will refuse to build it; raise the pin to {need} or later"
            ));
        }
    }
    Ok((version, source))
}

/// The toolchain channel that floats with each release.
const STABLE: &str = "stable";

/// The official image tag of the newest stable Rust.
const FLOATING: &str = "1";

/// The official Rust builder for a version on a release: the slim one unless
/// C build tools beyond gcc are needed.
pub fn builder_image(version: &str, distro: &images::Distro, slim: bool) -> String {
    let slim = if slim { "-slim" } else { "" };
    format!("rust:{version}{slim}-{}", distro.codename)
}
