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
    Ok(format!("{:016x}", h.digest()))
}

/// A short digest of one serialisable value, for the facets `check` compares.
pub fn short<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut h = HashWriter::default();
    // Serialising plain context data cannot fail; an error would only make
    // this facet look changed, never hide a change.
    let _ = serde_json::to_writer(&mut h, value);
    format!("{:04x}", h.digest() as u16)
}

/// Feeds serialised bytes into the hash a buffer at a time: serde_json
/// writes each quote, colon and comma on its own, and the hash's own
/// update costs more per call than a copy per byte.
struct HashWriter {
    hash: xxhash_rust::xxh3::Xxh3,
    buf: [u8; 4096],
    len: usize,
}

impl Default for HashWriter {
    fn default() -> Self {
        HashWriter {
            hash: xxhash_rust::xxh3::Xxh3::new(),
            buf: [0; 4096],
            len: 0,
        }
    }
}

impl HashWriter {
    /// A length-prefixed part, so that parts cannot run into each other.
    fn part(&mut self, bytes: &[u8]) {
        self.add(&(bytes.len() as u64).to_le_bytes());
        self.add(bytes);
    }

    fn add(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.hash.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > self.buf.len() {
                self.hash.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// The hash of every byte added: the same whatever the buffer's size.
    fn digest(mut self) -> u64 {
        self.hash.update(&self.buf[..self.len]);
        self.len = 0;
        self.hash.digest()
    }
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.add(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::HashWriter;

    #[test]
    fn the_buffer_never_changes_the_hash() {
        let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = xxhash_rust::xxh3::xxh3_64(&bytes);
        for step in [1, 3, 100, 4095, 4096, 4097, 9000, 20_000] {
            let mut h = HashWriter::default();
            for chunk in bytes.chunks(step) {
                h.add(chunk);
            }
            assert_eq!(h.digest(), whole, "{step}");
        }
    }
}
