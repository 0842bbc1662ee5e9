//! The Python packages an SBOM lists: the distributions installed in the
//! image's venv, read from their `METADATA` records.

use std::path::Path;

use anyhow::Result;

use crate::sbom::{Inventory, Package, Records, field, purl_escape};

/// The venv's distributions, read from the image.
pub const INVENTORY: Inventory = Inventory {
    records: is_metadata,
    packages,
};

/// A distribution's `METADATA`, in its `.dist-info` folder.
fn is_metadata(path: &str) -> bool {
    path.ends_with("/METADATA")
        && path
            .rsplit('/')
            .nth(1)
            .is_some_and(|d| d.ends_with(".dist-info"))
}

fn packages(_root: &Path, records: &Records) -> Result<Vec<Package>> {
    Ok(python(records))
}

/// The Python distributions installed in the image's venv.
fn python(records: &[(String, String)]) -> Vec<Package> {
    records
        .iter()
        .filter(|(path, _)| path.ends_with("/METADATA"))
        .filter_map(|(_, text)| {
            let (name, version) = (field(text, "Name")?, field(text, "Version")?);
            Some(Package {
                purl: format!(
                    "pkg:pypi/{}@{}",
                    purl_escape(&normalise(&name)),
                    purl_escape(&version)
                ),
                name,
                version,
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_have_pypi_urls_of_normal_names() {
        assert_eq!(normalise("Flask_SQLAlchemy.ext"), "flask-sqlalchemy-ext");
        let records = [
            (
                "venv/lib/python3.13/site-packages/Flask-3.1.3.dist-info/METADATA".to_string(),
                "Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.3\n".to_string(),
            ),
            (
                "venv/lib/x/METADATA".to_string(),
                "Name: x\nVersion: 1\n".to_string(),
            ),
        ];
        let wanted: Vec<bool> = records.iter().map(|(p, _)| is_metadata(p)).collect();
        assert_eq!(wanted, [true, false]);
        assert_eq!(python(&records[..1])[0].purl, "pkg:pypi/flask@3.1.3");
    }
}
