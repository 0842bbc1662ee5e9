//! Rebuilds when a template changes: they are embedded in the binary.

fn main() {
    println!("cargo:rerun-if-changed=templates");
}
