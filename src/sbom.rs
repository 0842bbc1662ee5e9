//! `build --sbom DIR`: an SPDX 2.3 JSON document per built image, read
//! from the image itself: its base image, the Debian packages copied in
//! beside the base's (their records in `/var/lib/dpkg/status.d`), and the
//! crates of `Cargo.lock` or the Python packages installed in the venv,
//! each with its version and package URL.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use crate::error::fail;
use crate::shell::word;

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
    /// The Rust crates come from Cargo.lock, the Python packages from the image.
    pub rust: bool,
}

/// Writes `<dir>/<stage>.spdx.json` for an image; returns its path.
pub fn write(
    program: &Path,
    image: &Image,
    stage: &str,
    dir: &Path,
    epoch: Option<u64>,
) -> Result<PathBuf> {
    let tmp = tempfile::tempdir().context("cannot create a folder to read the image into")?;
    let own = extract(program, image.tag, &tmp.path().join("image"))?;
    let base_files = extract(program, image.base, &tmp.path().join("base"))?;
    let base_debs: BTreeSet<String> = debs(&base_files)?.into_iter().map(|p| p.name).collect();
    let mut packages: Vec<Package> = debs(&own)?
        .into_iter()
        .filter(|p| !base_debs.contains(&p.name))
        .collect();
    if image.rust {
        packages.extend(crates(image.project_root)?);
    } else {
        packages.extend(python(&own)?);
    }
    packages.sort();
    packages.dedup();
    let document = document(image, &packages, epoch);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{stage}.spdx.json"));
    let text = serde_json::to_string_pretty(&document)? + "\n";
    crate::write::write_atomic(&path, &text)?;
    Ok(path)
}

/// Exports an image's package records into `into`: the dpkg records and
/// the venv's `METADATA` files, nothing else.
fn extract(program: &Path, image: &str, into: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(into)?;
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
    let script = format!(
        "{} export {} | tar -x -C {} --wildcards --no-anchored 'var/lib/dpkg/status.d/*' '*.dist-info/METADATA' 2>/dev/null; true",
        word(&program.to_string_lossy()),
        word(&id),
        word(&into.to_string_lossy())
    );
    let status = Command::new("sh").arg("-c").arg(&script).status();
    let _ = Command::new(program).args(["rm", &id]).output();
    status.with_context(|| format!("cannot export {image}"))?;
    Ok(into.to_path_buf())
}

/// The Debian packages recorded under `var/lib/dpkg/status.d`.
fn debs(root: &Path) -> Result<Vec<Package>> {
    let dir = root.join("var/lib/dpkg/status.d");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                .map(str::trim)
                .map(String::from)
        };
        let (Some(name), Some(version)) = (field("Package"), field("Version")) else {
            continue;
        };
        let arch = field("Architecture").unwrap_or_else(|| "amd64".into());
        out.push(Package {
            purl: format!(
                "pkg:deb/debian/{name}@{}?arch={arch}",
                purl_escape(&version)
            ),
            name,
            version,
        });
    }
    Ok(out)
}

/// The Python distributions installed in the image's venv.
fn python(root: &Path) -> Result<Vec<Package>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "METADATA") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let field = |key: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                        .map(|v| v.trim().to_string())
                };
                if let (Some(name), Some(version)) = (field("Name"), field("Version")) {
                    let normal = normalise(&name);
                    out.push(Package {
                        purl: format!("pkg:pypi/{normal}@{}", purl_escape(&version)),
                        name,
                        version,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// PEP 503's normal form, as package URLs take PyPI names.
fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if matches!(c, '-' | '_' | '.') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// The crates of Cargo.lock that come from a registry or git.
fn crates(root: &Path) -> Result<Vec<Package>> {
    let Some(text) = crate::folder::Folder::new(root).read_optional("Cargo.lock")? else {
        return Ok(Vec::new());
    };
    let lock: toml::Table = toml::from_str(&text).map_err(|e| {
        fail(
            format!("Cargo.lock is not valid: {e}"),
            "run `cargo generate-lockfile`",
        )
    })?;
    Ok(lock
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter(|p| p.get("source").is_some())
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_string();
            let version = p.get("version")?.as_str()?.to_string();
            Some(Package {
                purl: format!("pkg:cargo/{name}@{}", purl_escape(&version)),
                name,
                version,
            })
        })
        .collect())
}

/// A version as a package URL holds it: `+` and `:` percent-encoded.
fn purl_escape(version: &str) -> String {
    version
        .replace('%', "%25")
        .replace('+', "%2B")
        .replace(':', "%3A")
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
        assert_eq!(normalise("Flask_SQLAlchemy.ext"), "flask-sqlalchemy-ext");
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
    fn records_are_read_from_an_exported_tree() {
        let dir = tempfile::tempdir().unwrap();
        let status = dir.path().join("var/lib/dpkg/status.d");
        std::fs::create_dir_all(&status).unwrap();
        std::fs::write(
            status.join("libsqlite3-0"),
            "Package: libsqlite3-0\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.46.1-7+deb13u2\n",
        )
        .unwrap();
        let meta = dir
            .path()
            .join("venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info");
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("METADATA"),
            "Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.3\n",
        )
        .unwrap();
        assert_eq!(
            debs(dir.path()).unwrap(),
            [Package {
                name: "libsqlite3-0".into(),
                version: "3.46.1-7+deb13u2".into(),
                purl: "pkg:deb/debian/libsqlite3-0@3.46.1-7%2Bdeb13u2?arch=amd64".into(),
            }]
        );
        assert_eq!(python(dir.path()).unwrap()[0].purl, "pkg:pypi/flask@3.1.3");
    }
}
