//! Where the base images come from: behind a `mirror`, and pinned by
//! digest (`pin`). The Dockerfile is the record of the pins: each pinned
//! `FROM` names `image:tag@sha256:…`, read back on every run, so `check`
//! and a plain `init` never ask a registry, and a pin stays until `update`
//! moves it. The fingerprint covers the pins: one changed by hand (or by a
//! bot) makes `check` fail. Only `init` with an image not yet pinned, and
//! `update`, resolve digests.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use crate::context::{Context, Label};
use crate::registry::{self, Reference};

/// The `mirror` and `pin` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sourcing {
    pub mirror: Option<String>,
    pub pin: bool,
}

/// Which digests to ask the registry for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolve {
    /// None: the recorded pins only (`check`, `build`).
    #[default]
    Never,
    /// Those of images not pinned yet (`init`).
    Missing,
    /// Every one (`update`).
    All,
}

/// One base image's pin, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub image: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The digests a Dockerfile's `FROM` lines pin, by image.
pub fn recorded(root: &Path, dockerfile: &str) -> Result<BTreeMap<String, String>> {
    let text = crate::folder::read_own(root, Path::new(dockerfile))?.unwrap_or_default();
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if !words.next()?.eq_ignore_ascii_case("FROM") {
                return None;
            }
            let (image, digest) = words.find(|w| !w.starts_with("--"))?.split_once('@')?;
            crate::grammar::sha256_digest(digest)
                .is_ok()
                .then(|| (image.to_string(), digest.to_string()))
        })
        .collect())
}

/// Puts the images behind the mirror and pins them; labels each image with
/// its base (`org.opencontainers.image.base.name`, and `.base.digest` when
/// pinned). Returns each base image's pin.
pub fn apply(
    ctx: &mut Context,
    sourcing: &Sourcing,
    recorded: &BTreeMap<String, String>,
    resolve: Resolve,
) -> Result<Vec<Pin>> {
    if let Some(mirror) = &sourcing.mirror {
        for image in [&mut ctx.builder.image, &mut ctx.runtime.image] {
            if let Some(r) = Reference::parse(image) {
                *image = r.mirrored(mirror).to_image();
            }
        }
    }
    let mut pins = Vec::new();
    if sourcing.pin {
        // Every image is asked for once, whatever fails, before anything changes.
        let mut digests: BTreeMap<String, String> = BTreeMap::new();
        for image in [ctx.builder.image.clone(), ctx.runtime.image.clone()] {
            if digests.contains_key(&image) {
                continue;
            }
            let old = recorded.get(&image).cloned();
            let new = match (resolve, &old) {
                (Resolve::Never, _) => old.clone(),
                (Resolve::Missing, Some(d)) => Some(d.clone()),
                _ => {
                    let reference = Reference::parse(&image).ok_or_else(|| {
                        crate::error::fail(
                            format!("cannot read the image reference {image:?}"),
                            "check `mirror`",
                        )
                    })?;
                    Some(registry::resolve(&reference)?)
                }
            };
            if let Some(d) = &new {
                digests.insert(image.clone(), d.clone());
            }
            pins.push(Pin { image, old, new });
        }
        let pinned = |image: &str| digests.get(image).map(|d| format!("{image}@{d}"));
        ctx.builder.from = pinned(&ctx.builder.image).unwrap_or_else(|| ctx.builder.image.clone());
        ctx.runtime.digest = digests.get(&ctx.runtime.image).cloned();
        ctx.runtime.from = pinned(&ctx.runtime.image).unwrap_or_else(|| ctx.runtime.image.clone());
    } else {
        ctx.builder.from = ctx.builder.image.clone();
        ctx.runtime.from = ctx.runtime.image.clone();
    }
    let mut base = vec![Label {
        key: "org.opencontainers.image.base.name".into(),
        value: ctx.runtime.image.clone(),
    }];
    if let Some(d) = &ctx.runtime.digest {
        base.push(Label {
            key: "org.opencontainers.image.base.digest".into(),
            value: d.clone(),
        });
    }
    for b in &mut ctx.binaries {
        b.labels.extend(base.iter().cloned());
    }
    Ok(pins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_read_from_from_lines() {
        let dir = tempfile::tempdir().unwrap();
        let d = format!("sha256:{}", "a".repeat(64));
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "# FROM x@{d}\nFROM rust:1.95-slim-trixie@{d} AS builder\nfrom --platform=$BUILDPLATFORM gcr.io/distroless/cc-debian13:nonroot@{d} AS api\nFROM debian:13-slim AS plain\nFROM x@sha256:short\n"
            ),
        )
        .unwrap();
        let pins = recorded(dir.path(), "Dockerfile").unwrap();
        assert_eq!(
            pins.keys().collect::<Vec<_>>(),
            [
                "gcr.io/distroless/cc-debian13:nonroot",
                "rust:1.95-slim-trixie"
            ]
        );
        assert!(
            recorded(dir.path(), "Missing.Dockerfile")
                .unwrap()
                .is_empty()
        );
    }
}
