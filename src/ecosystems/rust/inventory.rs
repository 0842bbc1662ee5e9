//! The Rust crates an SBOM lists: those of Cargo.lock that come from a
//! registry or git (cargo-auditable also embeds them in each binary).

use std::path::Path;

use anyhow::Result;

use crate::error::fail;
use crate::sbom::{Inventory, Package, Records, purl_escape};

/// The crates of the project's Cargo.lock.
pub const INVENTORY: Inventory = Inventory {
    records: |_| false,
    packages: |root, _: &Records| crates(root),
};

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
                purl: format!("pkg:cargo/{}@{}", purl_escape(&name), purl_escape(&version)),
                name,
                version,
            })
        })
        .collect())
}
