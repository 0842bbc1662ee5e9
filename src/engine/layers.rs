//! What an image holds beyond its base, from the engine's own layer list:
//! each layer's size and the instruction that made it. The layers above the
//! base's are the payload; grouped by where each copy lands (`/venv`, `/app`,
//! the binary, the shared libraries copied to `/`) they add up, with the
//! base, to the image's size.

use std::path::Path;
use std::process::Command;

use super::kind::Engine;

/// One history entry: the bytes it added and the instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub size: u64,
    pub created_by: String,
}

/// A part of the payload: where it lands, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub what: String,
    pub size: u64,
}

/// An image's history, oldest first. Docker and podman list every entry
/// (metadata ones at 0 bytes); buildah's image JSON pairs the entries that
/// made a layer with the manifest's layers. Either way the base's own list
/// is a prefix of the image's, as the same engine reports it.
pub fn history(engine: Engine, program: &Path, image: &str) -> Option<Vec<Layer>> {
    let output = |args: &[&str]| -> Option<Vec<u8>> {
        let out = Command::new(program).args(args).output().ok()?;
        out.status.success().then_some(out.stdout)
    };
    let mut layers = match engine {
        Engine::Docker => {
            let out = output(&[
                "history",
                "--human=false",
                "--no-trunc",
                "--format",
                "{{json .}}",
                image,
            ])?;
            from_docker(&String::from_utf8_lossy(&out))?
        }
        Engine::Podman => {
            let out = output(&["history", "--format", "json", image])?;
            from_podman(&serde_json::from_slice(&out).ok()?)?
        }
        Engine::Buildah => {
            let out = output(&["inspect", "--type", "image", image])?;
            return from_buildah(&serde_json::from_slice(&out).ok()?);
        }
    };
    layers.reverse();
    Some(layers)
}

/// `docker history --format '{{json .}}'`: one object a line, newest
/// first, the size a string of bytes (`--human=false`).
fn from_docker(text: &str) -> Option<Vec<Layer>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(Layer {
                size: entry["Size"].as_str()?.parse().ok()?,
                created_by: entry["CreatedBy"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// `podman history --format json`: an array, newest first.
fn from_podman(json: &serde_json::Value) -> Option<Vec<Layer>> {
    json.as_array()?
        .iter()
        .map(|entry| {
            Some(Layer {
                size: entry["size"].as_u64()?,
                created_by: ["CreatedBy", "createdBy"]
                    .iter()
                    .find_map(|k| entry[k].as_str())
                    .unwrap_or_default()
                    .to_string(),
            })
        })
        .collect()
}

/// `buildah inspect --type image`: the history entries that made a layer,
/// oldest first, paired with the manifest's layer sizes.
fn from_buildah(json: &serde_json::Value) -> Option<Vec<Layer>> {
    let manifest: serde_json::Value = serde_json::from_str(json["Manifest"].as_str()?).ok()?;
    let sizes: Vec<u64> = manifest["layers"]
        .as_array()?
        .iter()
        .map(|l| l["size"].as_u64())
        .collect::<Option<_>>()?;
    let made: Vec<String> = json["OCIv1"]["history"]
        .as_array()?
        .iter()
        .filter(|h| !h["empty_layer"].as_bool().unwrap_or(false))
        .map(|h| h["created_by"].as_str().unwrap_or_default().to_string())
        .collect();
    (made.len() == sizes.len()).then(|| {
        sizes
            .into_iter()
            .zip(made)
            .map(|(size, created_by)| Layer { size, created_by })
            .collect()
    })
}

/// The image's layers above the base's, grouped by where they land, in
/// the order the Dockerfile copies them; parts of no bytes are left out.
/// `None` when the base's history is not the start of the image's.
pub fn payload(image: &[Layer], base: &[Layer]) -> Option<Vec<Part>> {
    let own = image.strip_prefix(base).or_else(|| {
        // Engines may restate the base's instructions: its sizes must match.
        let sizes = |l: &[Layer]| l.iter().map(|l| l.size).collect::<Vec<_>>();
        (image.len() >= base.len() && sizes(&image[..base.len()]) == sizes(base))
            .then(|| &image[base.len()..])
    })?;
    let mut parts: Vec<Part> = Vec::new();
    for layer in own.iter().filter(|l| l.size > 0) {
        let what = destination(&layer.created_by);
        match parts.iter_mut().find(|p| p.what == what) {
            Some(p) => p.size += layer.size,
            None => parts.push(Part {
                what,
                size: layer.size,
            }),
        }
    }
    Some(parts)
}

/// Where a copy lands, as the report names it: `libraries` for the shared
/// libraries copied to `/`, else the path; `other` for anything else.
fn destination(created_by: &str) -> String {
    let text = created_by
        .trim()
        .trim_end_matches("# buildkit")
        .trim_end()
        .trim_start_matches("/bin/sh -c #(nop) ")
        .trim();
    let Some(copy) = text
        .strip_prefix("COPY ")
        .or_else(|| text.strip_prefix("ADD "))
    else {
        return "other".to_string();
    };
    // `COPY dir:… in /venv` (podman, buildah) or `COPY /venv /venv` (BuildKit).
    let dest = match copy.rsplit_once(" in ") {
        Some((_, dest)) => dest.trim(),
        None => copy.split_whitespace().last().unwrap_or_default(),
    };
    let dest = dest.trim_matches(|c| c == '"' || c == '[' || c == ']' || c == ',');
    if dest == "/" {
        "libraries".to_string()
    } else {
        dest.trim_end_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(size: u64, created_by: &str) -> Layer {
        Layer {
            size,
            created_by: created_by.into(),
        }
    }

    #[test]
    fn each_engines_list_reads_oldest_first() {
        let docker = concat!(
            r#"{"CreatedBy":"COPY /venv /venv # buildkit","Size":"32702752"}"#,
            "\n",
            r#"{"CreatedBy":"","Size":"57795892"}"#,
            "\n"
        );
        assert_eq!(
            from_docker(docker).unwrap(),
            [
                layer(32702752, "COPY /venv /venv # buildkit"),
                layer(57795892, "")
            ]
        );
        let podman = serde_json::json!([
            {"size": 1024, "CreatedBy": "/bin/sh -c #(nop) COPY dir:5f70 in / "},
            {"size": 59678720}
        ]);
        let podman = from_podman(&podman).unwrap();
        assert_eq!(destination(&podman[0].created_by), "libraries");
        assert_eq!(podman[1], layer(59678720, ""));
        let manifest = serde_json::json!({"layers": [{"size": 10}, {"size": 20}]}).to_string();
        let buildah = serde_json::json!({
            "Manifest": manifest,
            "OCIv1": {"history": [
                {"created_by": "base"},
                {"created_by": "WORKDIR /app", "empty_layer": true},
                {"created_by": "/bin/sh -c #(nop) COPY dir:ab in /venv "}
            ]}
        });
        assert_eq!(
            from_buildah(&buildah).unwrap(),
            [
                layer(10, "base"),
                layer(20, "/bin/sh -c #(nop) COPY dir:ab in /venv ")
            ]
        );
    }

    #[test]
    fn the_payload_is_what_lies_above_the_base_by_destination() {
        let base = [layer(57_000_000, "")];
        let image = [
            layer(57_000_000, ""),
            layer(0, "LABEL a=b"),
            layer(0, "COPY /out/workdir /app # buildkit"),
            layer(32_000_000, "COPY /venv /venv # buildkit"),
            layer(13_000, "COPY /app /app # buildkit"),
            layer(900_000, "/bin/sh -c #(nop) COPY dir:ab in / "),
            layer(4_000, "COPY [\"static/\", \"/app/static/\"] # buildkit"),
            layer(0, "USER 65532:65532"),
        ];
        let parts = payload(&image, &base).unwrap();
        let named: Vec<(&str, u64)> = parts.iter().map(|p| (p.what.as_str(), p.size)).collect();
        assert_eq!(
            named,
            [
                ("/venv", 32_000_000),
                ("/app", 13_000),
                ("libraries", 900_000),
                ("/app/static", 4_000)
            ]
        );
        let total: u64 = parts.iter().map(|p| p.size).sum::<u64>() + 57_000_000;
        assert_eq!(total, image.iter().map(|l| l.size).sum::<u64>());
        assert_eq!(payload(&base, &image), None, "a base that is not a prefix");
    }
}
