//! The npm packages an SBOM lists: every package.json under node_modules
//! in the image, read from the image itself.

use std::path::Path;

use anyhow::Result;

use crate::sbom::{Inventory, Package, Records, purl_escape};

/// The installed packages, read from the image.
pub const INVENTORY: Inventory = Inventory {
    records: is_manifest,
    packages,
};

/// A package's own package.json: `node_modules/<name>/package.json` or
/// `node_modules/@scope/<name>/package.json`, at any depth.
fn is_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some((before, name)) = dir.rsplit_once("/node_modules/") else {
        return false;
    };
    let _ = before;
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [one] => !one.starts_with('.'),
        [scope, _] => scope.starts_with('@'),
        _ => false,
    }
}

fn packages(_root: &Path, records: &Records) -> Result<Vec<Package>> {
    Ok(records
        .iter()
        .filter(|(path, _)| is_manifest(path))
        .filter_map(|(_, text)| {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            let name = json.get("name")?.as_str()?.to_string();
            let version = json.get("version")?.as_str()?.to_string();
            let purl_name = match name.split_once('/') {
                Some((scope, rest)) => format!("{}/{}", purl_escape(scope), purl_escape(rest)),
                None => purl_escape(&name),
            };
            Some(Package {
                purl: format!("pkg:npm/{purl_name}@{}", purl_escape(&version)),
                name,
                version,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_manifests_under_node_modules_become_npm_urls() {
        for (path, want) in [
            ("app/node_modules/express/package.json", true),
            ("app/node_modules/@img/sharp-linux-x64/package.json", true),
            (
                "app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
                true,
            ),
            ("app/node_modules/express/lib/package.json", false),
            ("app/package.json", false),
            ("app/node_modules/.bin/package.json", false),
        ] {
            assert_eq!(is_manifest(path), want, "{path}");
        }
        let records = vec![
            (
                "app/node_modules/@img/sharp/package.json".to_string(),
                r#"{"name":"@img/sharp","version":"0.34.1"}"#.to_string(),
            ),
            (
                "app/node_modules/x/package.json".to_string(),
                "not json".to_string(),
            ),
        ];
        let found = packages(Path::new("/"), &records).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].purl, "pkg:npm/%40img/sharp@0.34.1");
    }
}
