//! What `check` compares and says when a Rust build changed: the typed cargo
//! build, the same whatever the templates make of it.

use super::decisions::Decisions;
use super::section::RustBuild;
use crate::ecosystems::common::BuildFacet;
use crate::render::digest;

/// The build facet: the cargo build, the builder's Rust, and the toolchain
/// file and build scripts around it. The native crates are left to the
/// builder's packages, which `check` names on their own.
pub fn build_facet(d: &Decisions, rust: &RustBuild) -> BuildFacet {
    BuildFacet {
        digest: digest::short(&(
            d.cargo.args("$TARGET"),
            d.cargo.static_target,
            d.cargo.strip_debuginfo,
            d.cargo.artifact_dir(),
            &d.version,
            (
                &rust.toolchain_file,
                &rust.build_scripts,
                &rust.target_cache_id,
            ),
            (rust.cache, &rust.plan),
        )),
        summary: build_summary(d),
    }
}

/// The build in a line.
fn build_summary(d: &Decisions) -> String {
    let c = &d.cargo;
    let mut parts = vec![format!(
        "Rust {} builds {} from {}",
        d.version,
        list("binary", "binaries", &c.bins),
        list("package", "packages", &c.packages)
    )];
    parts.push(format!("profile `{}`", c.profile));
    if c.all_features {
        parts.push("all features".into());
    } else if !c.features.is_empty() {
        parts.push(format!("features {}", c.features.join(", ")));
    }
    if c.no_default_features {
        parts.push("no default features".into());
    }
    parts.push(if c.locked {
        "--locked (Cargo.lock exists)".into()
    } else {
        "not --locked (no Cargo.lock)".into()
    });
    if c.static_target {
        parts.push("statically linked".into());
    }
    if !c.strip_debuginfo {
        parts.push("debug info kept".into());
    }
    if c.auditable {
        parts.push("crate list embedded (cargo-auditable)".into());
    }
    parts.push(match d.cache {
        super::dependencies::Cache::Layers => "dependencies in a layer of their own".into(),
        super::dependencies::Cache::Mounts => "dependencies in a cache mount".into(),
    });
    parts.join(", ")
}

fn list(one: &str, many: &str, names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = names.len().saturating_sub(shown.len());
    let word = if names.len() == 1 { one } else { many };
    if more == 0 {
        format!("{word} {}", shown.join(", "))
    } else {
        format!(
            "{} {word} ({} and {more} more)",
            names.len(),
            shown.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_stay_short() {
        let names: Vec<String> = (1..=10).map(|i| format!("svc{i}")).collect();
        assert_eq!(list("binary", "binaries", &names[..1]), "binary `svc1`");
        assert_eq!(
            list("binary", "binaries", &names),
            "10 binaries (`svc1`, `svc2`, `svc3`, `svc4`, `svc5`, `svc6`, `svc7`, `svc8` and 2 more)"
        );
    }
}
