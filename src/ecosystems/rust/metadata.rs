//! Running cargo: `cargo metadata`, started before the tool's own work
//! so that both run at once, and the cargo that detection and the build
//! graph call.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use anyhow::{Context, Result};
use cargo_metadata::{Metadata, MetadataCommand, Package};

use crate::error::{WithHint, fail};

/// The cargo to run: the one that ran us (`$CARGO`), else the one on PATH.
pub(super) fn cargo_path() -> Result<PathBuf> {
    if let Some(cargo) = std::env::var_os("CARGO") {
        return Ok(PathBuf::from(cargo));
    }
    which::which("cargo").map_err(|_| {
        fail(
            "cargo was not found on PATH; it is needed to read the project's metadata",
            "install Rust with rustup (https://rustup.rs) or add cargo's folder to PATH",
        )
    })
}

/// The files at a manifest's folder that cargo or rustup read.
const CARGO_READS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

/// Starts `cargo metadata --no-deps`, once the files cargo reads are known
/// to stay inside the project: the tool works on while cargo runs. A
/// failure says what cargo said, unless it quotes a file that leads out of
/// the project, which is named instead.
pub fn start(manifest: &Path) -> Result<Started> {
    let cargo = cargo_path()?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    // cargo (and rustup before it) read these and quote them in errors:
    // none may lead out of the project.
    crate::folder::no_links_out(dir, CARGO_READS)?;
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(&cargo).manifest_path(manifest).no_deps();
    // Printing to a pipe, cargo strips colour codes from all it prints, a
    // scan of its whole JSON line, which holds none (JSON escapes control
    // characters). Asked for colour, it writes the line as it is; what it
    // says on failure is stripped here instead.
    cmd.env("CARGO_TERM_COLOR", "always");
    // A user's RUST_BACKTRACE would have cargo or rustup print a stack
    // trace under each error they report: errors are quoted, never traced.
    cmd.env("RUST_LIB_BACKTRACE", "0");
    Ok(Started {
        manifest: manifest.to_path_buf(),
        dir: dir.to_path_buf(),
        child: spawn(&cmd),
    })
}

/// A Cargo project whose `cargo metadata --no-deps` runs.
#[derive(Debug)]
pub struct Started {
    manifest: PathBuf,
    dir: PathBuf,
    child: std::result::Result<std::process::Child, String>,
}

impl Started {
    pub fn manifest(&self) -> &Path {
        &self.manifest
    }

    /// The manifest's folder, where cargo runs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Waits for cargo and reads what it printed.
    pub(super) fn metadata(self) -> Result<Printed> {
        let context = || {
            format!(
                "cannot read the Cargo project at {}",
                self.manifest.display()
            )
        };
        self.child
            .and_then(finish)
            .map_err(
                |why| match crate::folder::quoted_link_out(&self.dir, &why) {
                    Some(link) => link,
                    None => anyhow::anyhow!(why),
                },
            )
            .with_context(context)
            .hint("fix the manifest so that `cargo metadata` accepts it, then run again")
    }
}

/// What `cargo metadata` printed: the workspace, and each package still as
/// JSON text, parsed where it is read. In a large workspace the packages
/// are most of the text, and parsed on the machine's cores with the rest
/// of each member's reading rather than all before it.
pub struct Printed {
    /// Everything but the packages, whose list here is empty.
    pub workspace: Metadata,
    text: String,
    /// Where each package's JSON lies in `text`.
    packages: Vec<std::ops::Range<usize>>,
}

impl Printed {
    /// Splits cargo's JSON line: the packages are found, not parsed.
    fn split(text: String) -> std::result::Result<Printed, String> {
        #[derive(serde::Deserialize)]
        struct Packages<'a> {
            #[serde(borrow)]
            packages: Vec<&'a serde_json::value::RawValue>,
        }
        let found: Packages = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let base = text.as_ptr() as usize;
        let packages: Vec<_> = found
            .packages
            .iter()
            .map(|raw| {
                let start = raw.get().as_ptr() as usize - base;
                start..start + raw.get().len()
            })
            .collect();
        let workspace = match (packages.first(), packages.last()) {
            (Some(first), Some(last)) => {
                let mut rest = String::with_capacity(text.len() - (last.end - first.start));
                rest.push_str(&text[..first.start]);
                rest.push_str(&text[last.end..]);
                serde_json::from_str(&rest)
            }
            _ => serde_json::from_str(&text),
        }
        .map_err(|e| e.to_string())?;
        Ok(Printed {
            workspace,
            text,
            packages,
        })
    }

    /// How many packages cargo listed.
    pub fn package_count(&self) -> usize {
        self.packages.len()
    }

    /// The `i`th package cargo listed.
    pub fn package(&self, i: usize) -> Result<Package> {
        serde_json::from_str(&self.text[self.packages[i].clone()])
            .with_context(|| {
                format!(
                    "cannot read package {} of those `cargo metadata` lists for {}",
                    i + 1,
                    self.workspace.workspace_root
                )
            })
            .hint("this cargo prints what this release cannot read: update cargo-distroless, or report it with `cargo --version`")
    }
}

/// Starts `cargo metadata`, stdin closed: the caller may work while it runs.
fn spawn(cmd: &MetadataCommand) -> std::result::Result<Child, String> {
    cmd.cargo_command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))
}

/// Reads a started `cargo metadata`'s JSON as soon as its line is whole,
/// and splits it while cargo exits; on failure, what cargo said.
fn finish(mut child: Child) -> std::result::Result<Printed, String> {
    let cannot = |e: std::io::Error| format!("cannot run cargo: {e}");
    // Drained beside stdout: a cargo with much to say on stderr would
    // otherwise wait on a full pipe while stdout is read.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            text
        })
    });
    let mut stdout = child.stdout.take().ok_or("cannot run cargo: no output")?;
    // Room for a large workspace's JSON at once: grown by doubling, the
    // text read so far would be copied into new pages at each step. Room
    // never written to is never touched.
    let mut out = Vec::with_capacity(1 << 20);
    let json = json_line(&mut stdout, &mut out).map_err(cannot)?;
    if let Some(line) = json {
        out.truncate(line.end);
        out.drain(..line.start);
        let parsed = String::from_utf8(out)
            .map_err(|e| e.to_string())
            .and_then(Printed::split);
        // Reaped on the side: whatever cargo still prints is read, so it
        // never waits on the pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            let _ = child.wait();
        });
        return parsed;
    }
    let status = child.wait().map_err(cannot)?;
    let said = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let text = String::from_utf8_lossy(&said);
    let text = anstream::adapter::strip_str(&text).to_string();
    let text = text.trim().trim_start_matches("error: ");
    Err(if text.is_empty() {
        format!("cargo metadata printed no JSON ({status})")
    } else {
        text.to_string()
    })
}

/// Reads `pipe` into `out` until a line that starts with `{` is whole (or
/// the pipe ends), and returns where that line lies in `out`. cargo prints
/// its JSON on one line, so the newline that ends it comes before cargo's
/// exit.
fn json_line(
    pipe: &mut impl std::io::Read,
    out: &mut Vec<u8>,
) -> std::io::Result<Option<std::ops::Range<usize>>> {
    let mut line_start = 0;
    let mut chunk = vec![0; 1 << 16];
    loop {
        let n = match pipe.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let scanned = out.len();
        out.extend_from_slice(&chunk[..n]);
        let ended = n == 0;
        let mut at = scanned;
        while let Some(nl) = out[at..].iter().position(|&b| b == b'\n') {
            let line = line_start..at + nl;
            if out[line.clone()].starts_with(b"{") {
                return Ok(Some(line));
            }
            line_start = at + nl + 1;
            at = line_start;
        }
        if ended {
            let rest = line_start..out.len();
            return Ok(out[rest.clone()].starts_with(b"{").then_some(rest));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe that hands out its text a few bytes per read, as a pipe
    /// being written to may.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn line(text: &str, step: usize) -> Option<String> {
        let mut out = Vec::new();
        let found = json_line(&mut Trickle(text.as_bytes(), step), &mut out).unwrap();
        found.map(|r| String::from_utf8(out[r].to_vec()).unwrap())
    }

    #[test]
    fn the_json_line_is_found_whole_however_the_pipe_splits_it() {
        let printed = "warning: something\n{\"a\": \"x\\ny\"}\nafter\n";
        for step in [1, 3, 7, 1 << 16] {
            assert_eq!(
                line(printed, step).as_deref(),
                Some("{\"a\": \"x\\ny\"}"),
                "{step}"
            );
        }
        // A last line without its newline is whole when the pipe ends.
        assert_eq!(line("{\"a\": 1}", 2).as_deref(), Some("{\"a\": 1}"));
        assert_eq!(line("no json\nat all\n", 4), None);
        assert_eq!(line("", 4), None);
    }

    #[test]
    fn reading_stops_at_the_json_lines_end() {
        // What follows the line is not waited for: cargo may still be
        // exiting when its JSON is parsed.
        let mut out = Vec::new();
        let mut pipe = Trickle(b"{\"a\": 1}\nmore", 9);
        let found = json_line(&mut pipe, &mut out).unwrap();
        assert_eq!(found, Some(0..8));
        assert_eq!(pipe.0, b"more");
    }

    /// cargo's JSON for a workspace of the named packages, on one line.
    fn printed(names: &[&str]) -> String {
        let package = |name: &str| {
            serde_json::json!({
                "name": name, "version": "0.1.0", "id": format!("path+file:///w/{name}#0.1.0"),
                "license": null, "license_file": null, "description": null, "source": null,
                "dependencies": [], "features": {}, "manifest_path": format!("/w/{name}/Cargo.toml"),
                "targets": [{"kind": ["bin"], "crate_types": ["bin"], "name": name,
                    "src_path": format!("/w/{name}/src/main.rs"), "edition": "2021",
                    "doc": true, "doctest": false, "test": true}],
                "metadata": {"distroless": {"port": 8080}, "packages": [1]}, "publish": null,
                "authors": [], "categories": [], "keywords": [], "readme": null,
                "repository": null, "homepage": null, "documentation": null, "edition": "2021",
                "links": null, "default_run": null, "rust_version": null
            })
        };
        serde_json::json!({
            "packages": names.iter().map(|n| package(n)).collect::<Vec<_>>(),
            "workspace_members": names.iter().map(|n| format!("path+file:///w/{n}#0.1.0")).collect::<Vec<_>>(),
            "workspace_default_members": [],
            "resolve": null, "target_directory": "/w/target", "version": 1,
            "workspace_root": "/w", "metadata": {"distroless": {"packages": ["a"]}}
        })
        .to_string()
    }

    #[test]
    fn each_package_is_parsed_apart_from_the_workspace() {
        for names in [&["a", "b", "c"][..], &["only"], &[]] {
            let split = Printed::split(printed(names)).unwrap();
            assert_eq!(split.package_count(), names.len());
            // The workspace keeps its own `packages` key, in its metadata.
            assert!(split.workspace.packages.is_empty());
            assert_eq!(split.workspace.workspace_members.len(), names.len());
            assert_eq!(
                split.workspace.workspace_metadata["distroless"]["packages"][0],
                "a"
            );
            for (i, name) in names.iter().enumerate() {
                let package = split.package(i).unwrap();
                assert_eq!(package.name.as_str(), *name);
                assert_eq!(package.metadata["distroless"]["port"], 8080);
                assert_eq!(package.targets[0].name, *name);
            }
        }
    }

    #[test]
    fn a_package_cargo_metadata_cannot_have_printed_is_an_error_naming_it() {
        let text = printed(&["a", "b"]).replacen("\"version\":\"0.1.0\"", "\"version\":5", 2);
        let split = Printed::split(text).unwrap();
        let err = format!("{:#}", split.package(1).unwrap_err());
        assert!(
            err.contains("package 2 of those `cargo metadata` lists for /w"),
            "{err}"
        );
        assert!(Printed::split("{\"packages\": [".into()).is_err());
        assert!(Printed::split("{\"packages\": 5}".into()).is_err());
    }
}
