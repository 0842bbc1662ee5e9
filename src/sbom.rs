//! `build --sbom DIR`: an SPDX 2.3 JSON document per built image, read
//! from the image itself: its base image, the Debian packages copied in
//! beside the base's (their records in `/var/lib/dpkg/status.d`), and the
//! packages of the application as its ecosystem's [`Inventory`] finds them,
//! each with its version and package URL.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use crate::error::fail;

/// One package of the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub purl: String,
}

/// What an image's document is made from.
pub struct Image<'a> {
    pub tag: &'a str,
    /// The base image, as `FROM` names it (with `@sha256:…` when pinned).
    pub base: &'a str,
    pub project_root: &'a Path,
    /// Where the application's packages are found.
    pub inventory: Inventory,
}

/// Where an ecosystem's packages are read from, as its plan gives it: the
/// image's own package records, the project's lockfile, or both.
#[derive(Debug, Clone, Copy)]
pub struct Inventory {
    /// Which files of the image are package records, by path in the image.
    pub records: fn(&str) -> bool,
    /// The packages, from the project's root and the image's records.
    pub packages: fn(&Path, &Records) -> Result<Vec<Package>>,
}

impl Inventory {
    /// No packages beyond the Debian ones.
    pub const NONE: Inventory = Inventory {
        records: |_| false,
        packages: |_, _| Ok(Vec::new()),
    };
}

/// Writes `<dir>/<stage>.spdx.json` for an image; returns its path.
pub fn write(
    program: &Path,
    image: &Image,
    stage: &str,
    dir: &Path,
    epoch: Option<u64>,
) -> Result<PathBuf> {
    let own = extract(program, image.tag, image.inventory.records)?;
    let base = extract(program, image.base, image.inventory.records)?;
    let base_debs: BTreeSet<String> = debs(&base).into_iter().map(|p| p.name).collect();
    let mut packages: Vec<Package> = debs(&own)
        .into_iter()
        .filter(|p| !base_debs.contains(&p.name))
        .collect();
    packages.extend((image.inventory.packages)(image.project_root, &own)?);
    packages.sort();
    packages.dedup();
    let document = document(image, &packages, epoch);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{stage}.spdx.json"));
    let text = serde_json::to_string_pretty(&document)? + "\n";
    crate::write::write_atomic(&path, &text)?;
    Ok(path)
}

/// The package records of an image: each dpkg record and each file the
/// inventory names, by path inside the image.
pub type Records = Vec<(String, String)>;

/// The largest record read from an image; real ones are a few KiB.
const MAX_RECORD: u64 = 1024 * 1024;

/// Reads an image's package records (the dpkg records and the files
/// `wanted` names) out of the engine's export stream. Only plain files
/// are read, from the stream itself: nothing is unpacked, so a link in the
/// image can never lead to a file of this machine.
fn extract(program: &Path, image: &str, wanted: fn(&str) -> bool) -> Result<Records> {
    // A container is only read, never started; the word stands in for a
    // command, which a base image without an entrypoint needs to be created.
    let out = Command::new(program)
        .args(["create", image, "sbom"])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        return Err(fail(
            format!("cannot read {image} for its SBOM"),
            "build it first, and for a pinned base, let the engine pull it",
        ));
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let records = export(program, &id, wanted);
    let _ = Command::new(program).args(["rm", &id]).output();
    records.with_context(|| format!("cannot export {image}"))
}

fn export(program: &Path, id: &str, wanted: fn(&str) -> bool) -> Result<Records> {
    let mut child = Command::new(program)
        .args(["export", id])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let stdout = child.stdout.take().context("no output")?;
    let records = records(stdout, wanted);
    let status = child.wait()?;
    if !status.success() {
        return Err(anyhow::anyhow!(
            "{} export failed ({status})",
            program.display()
        ));
    }
    records
}

/// The package records in a tar stream of an image's files.
pub fn records(stream: impl std::io::Read, wanted: fn(&str) -> bool) -> Result<Records> {
    use std::io::Read as _;
    let mut archive = tar::Archive::new(stream);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let keep = path.starts_with("var/lib/dpkg/status.d/") || wanted(&path);
        if !keep || entry.header().size()? > MAX_RECORD {
            continue;
        }
        let mut text = String::new();
        if entry.take(MAX_RECORD).read_to_string(&mut text).is_ok() {
            out.push((path, text));
        }
    }
    out.sort();
    Ok(out)
}

/// One field of a record (`Key: value`).
pub fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
        .map(|v| v.trim().to_string())
}

/// The Debian packages recorded under `var/lib/dpkg/status.d`.
fn debs(records: &Records) -> Vec<Package> {
    records
        .iter()
        .filter(|(path, _)| path.starts_with("var/lib/dpkg/status.d/"))
        .filter_map(|(_, text)| {
            let (name, version) = (field(text, "Package")?, field(text, "Version")?);
            let arch = field(text, "Architecture").unwrap_or_else(|| "amd64".into());
            Some(Package {
                purl: format!(
                    "pkg:deb/debian/{}@{}?arch={}",
                    purl_escape(&name),
                    purl_escape(&version),
                    purl_escape(&arch)
                ),
                name,
                version,
            })
        })
        .collect()
}

/// A name or version as a package URL holds it: everything but ASCII
/// letters, digits, `.`, `-`, `_` and `~` percent-encoded (UTF-8 bytes).
pub fn purl_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An SPDX id: letters, digits, `.` and `-`.
fn spdx_id(kind: &str, name: &str, version: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("SPDXRef-{kind}-{}-{}", clean(name), clean(version))
}

/// The SPDX 2.3 document.
fn document(image: &Image, packages: &[Package], epoch: Option<u64>) -> Value {
    let created = match epoch {
        Some(e) => crate::epoch::rfc3339(e),
        None => humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    };
    let (base_name, base_digest) = match image.base.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image.base, None),
    };
    let reference = crate::registry::Reference::parse(base_name);
    let (repository_url, last, base_version) = match &reference {
        Some(r) => (
            format!("{}/{}", r.registry, r.repository),
            r.repository.rsplit('/').next().unwrap_or(&r.repository),
            r.tag.as_str(),
        ),
        None => (base_name.to_string(), base_name, "latest"),
    };
    let base_purl = format!(
        "pkg:oci/{last}{}?repository_url={repository_url}&tag={base_version}",
        base_digest.map_or(String::new(), |d| format!("@{}", d.replace(':', "%3A")))
    );
    let package = |id: &str, name: &str, version: &str, purl: &str| {
        json!({
            "SPDXID": id,
            "name": name,
            "versionInfo": version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }],
        })
    };
    let image_id = "SPDXRef-Image";
    let base_id = "SPDXRef-BaseImage";
    let mut all = vec![
        json!({
            "SPDXID": image_id,
            "name": image.tag,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
        }),
        package(
            base_id,
            base_name,
            base_digest.unwrap_or(base_version),
            &base_purl,
        ),
    ];
    let mut relationships = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": image_id}),
        json!({"spdxElementId": image_id, "relationshipType": "DESCENDANT_OF", "relatedSpdxElement": base_id}),
    ];
    for p in packages {
        let kind = p
            .purl
            .trim_start_matches("pkg:")
            .split('/')
            .next()
            .unwrap_or("pkg");
        let id = spdx_id(kind, &p.name, &p.version);
        all.push(package(&id, &p.name, &p.version, &p.purl));
        relationships.push(json!({"spdxElementId": image_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image.tag,
        "documentNamespace": format!(
            "https://spdx.org/spdxdocs/cargo-distroless/{}-{}",
            spdx_id("image", image.tag, "").trim_start_matches("SPDXRef-"),
            crate::render::digest::short(&(image.tag, image.base, packages.iter().map(|p| &p.purl).collect::<Vec<_>>()))
        ),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: cargo-distroless-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": all,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_versions_and_urls_are_spdx_and_purl_safe() {
        assert_eq!(
            purl_escape("1:1.3.dfsg+really1.3.1-1"),
            "1%3A1.3.dfsg%2Breally1.3.1-1"
        );
        assert_eq!(
            spdx_id("deb", "libstdc++6", "14.2.0-19"),
            "SPDXRef-deb-libstdc--6-14.2.0-19"
        );
    }

    #[test]
    fn purls_percent_encode_names_and_versions() {
        assert_eq!(purl_escape("a b/c?d#e@f"), "a%20b%2Fc%3Fd%23e%40f");
        assert_eq!(purl_escape("é"), "%C3%A9");
        assert_eq!(purl_escape("1.0~rc1_x-y"), "1.0~rc1_x-y");
    }

    /// A tar stream like an engine's export, with `links` among the files.
    fn image_tar(files: &[(&str, &str)], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, text) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, text.as_bytes()).unwrap();
        }
        for (path, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_entry_type(tar::EntryType::Symlink);
            b.append_link(&mut h, path, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn records_are_read_from_the_export_stream_and_links_never_followed() {
        let tar = image_tar(
            &[
                (
                    "var/lib/dpkg/status.d/libsqlite3-0",
                    "Package: libsqlite3-0\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.46.1-7+deb13u2\n",
                ),
                (
                    "venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info/METADATA",
                    "Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.3\n",
                ),
                ("etc/passwd", "root:x:0:0::/root:/sbin/nologin\n"),
            ],
            &[
                ("var/lib/dpkg/status.d/evil", "/etc/passwd"),
                ("var/lib/dpkg/status.d/environ", "/proc/self/environ"),
                ("venv/lib/x.dist-info/METADATA", "/etc/hostname"),
                ("venv/lib/y.dist-info", "/"),
            ],
        );
        let metadata = |p: &str| p.ends_with("/METADATA");
        let records = records(tar.as_slice(), metadata).unwrap();
        let paths: Vec<&str> = records.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "var/lib/dpkg/status.d/libsqlite3-0",
                "venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info/METADATA"
            ]
        );
        assert_eq!(
            debs(&records),
            [Package {
                name: "libsqlite3-0".into(),
                version: "3.46.1-7+deb13u2".into(),
                purl: "pkg:deb/debian/libsqlite3-0@3.46.1-7%2Bdeb13u2?arch=amd64".into(),
            }]
        );
    }
}
