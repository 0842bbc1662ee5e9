//! The inputs digest: one hash of everything a render depends on.

use anyhow::{Context as _, Result};

use crate::context::Context;

/// A digest of this release of the tool, each template's text (built in or
/// overridden) and the render context. Same digest, same files.
pub fn inputs(ctx: &Context, templates: &[(&str, &str)]) -> Result<String> {
    let mut h = HashWriter::default();
    h.part(env!("CARGO_PKG_VERSION").as_bytes());
    for (name, source) in templates {
        h.part(name.as_bytes());
        h.part(source.as_bytes());
    }
    serde_json::to_writer(&mut h, ctx).context("cannot serialise the render context")?;
    Ok(format!("{:016x}", h.0.digest()))
}

/// A short digest of one serialisable value, for the facets `check` compares.
pub fn short<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut h = HashWriter::default();
    // Serialising plain context data cannot fail; an error would only make
    // this facet look changed, never hide a change.
    let _ = serde_json::to_writer(&mut h, value);
    format!("{:04x}", h.0.digest() as u16)
}

/// Feeds serialised bytes straight into the hash, with no buffer between.
#[derive(Default)]
struct HashWriter(xxhash_rust::xxh3::Xxh3);

impl HashWriter {
    /// A length-prefixed part, so that parts cannot run into each other.
    fn part(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
