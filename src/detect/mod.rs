//! Ecosystem detectors, tried in a fixed order. Each reads its manifests once
//! and says found, broken (with the cause), or not here.

pub mod python;
pub mod rust;

use anyhow::Result;

use crate::error::fail;
use crate::project::Project;

/// A project a detector recognised, with everything planning needs.
#[derive(Debug, Clone)]
pub enum Detected {
    Rust(rust::RustProject),
    Python(python::PythonProject),
}

/// What a detector made of a folder.
#[derive(Debug)]
pub enum Detection {
    /// The ecosystem's manifests are here and were read.
    Found(Box<Detected>),
    /// They are here but unusable; the error says why.
    Broken(anyhow::Error),
    /// Nothing of this ecosystem here.
    Missing,
}

/// One ecosystem's detector.
pub trait Detector {
    /// Its name in messages, e.g. `Rust`.
    fn ecosystem(&self) -> &'static str;
    /// The files it looks for, for the "nothing found" message.
    fn looks_for(&self) -> &'static str;
    fn detect(&self, project: &Project) -> Detection;
}

/// Runs detectors in order and returns the first project found; a broken
/// project stops the search, so its error is never masked by a later match.
pub fn detect(project: &Project, detectors: &[&dyn Detector]) -> Result<Detected> {
    for detector in detectors {
        match detector.detect(project) {
            Detection::Found(found) => return Ok(*found),
            Detection::Broken(err) => return Err(err),
            Detection::Missing => {}
        }
    }
    let wanted: Vec<&str> = detectors.iter().map(|d| d.looks_for()).collect();
    Err(fail(
        format!(
            "no project found in {}: looked for {}",
            project.root().display(),
            wanted.join(", ")
        ),
        "run this in the project's folder, or pass its path (`cargo distroless init PATH`) or --manifest-path",
    ))
}
