//! The typed decisions behind a Rust plan: what plan, drift and explain
//! share, in a leaf of its own so none of them imports another.

use super::cargo::CargoBuild;
use super::dependencies::Cache;
use super::native::NativeUse;
use crate::ecosystems::common::AptNeed;
use crate::images;

/// The typed decisions behind a Rust plan, before they become text.
#[derive(Debug)]
pub struct Decisions {
    pub distro: &'static images::Distro,
    pub family: &'static images::Runtime,
    pub cargo: CargoBuild,
    pub native: Vec<NativeUse>,
    pub apt: Vec<AptNeed>,
    /// The builder's Rust, and why that one.
    pub version: String,
    pub version_source: String,
    /// Where the compiled dependencies are kept.
    pub cache: Cache,
}
