//! Base images by reference: the registry an image lives in, the path a
//! mirror keeps it under, and the digest its tag points at, asked of the
//! registry over the OCI distribution API. Anonymous token auth (gcr.io,
//! Docker Hub) works without credentials; a registry that asks for them
//! gets the user's Docker credentials (`auths` in the Docker config, or its
//! credential helper).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;
use base64::Engine as _;

use crate::error::fail;

/// Docker Hub's name in references, and the host its API answers on.
const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// What a pin accepts: a multi-platform index first, a single manifest for
/// an image that has only one.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// An image reference, split: `registry/repository:tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `gcr.io`, `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// `distroless/cc-debian13`, `library/rust`.
    pub repository: String,
    pub tag: String,
}

impl Reference {
    /// Reads `[registry/]name[:tag][@digest]` as Docker does, once it passes
    /// the reference grammar: a first component with a `.` or `:`, or
    /// `localhost`, is a registry; else Docker Hub, whose official images
    /// live under `library/`. The tag is `latest` when none is written; a
    /// digest, which must have its algorithm's length, is set aside (pins
    /// are asked for by tag).
    pub fn parse(image: &str) -> Option<Reference> {
        crate::grammar::image_reference(image).ok()?;
        let parsed = oci_spec::distribution::Reference::from_str(image).ok()?;
        Some(Reference {
            registry: parsed.registry().to_string(),
            repository: parsed.repository().to_string(),
            tag: parsed.tag().unwrap_or("latest").to_string(),
        })
    }

    /// The same image behind a mirror, keeping its path as pull-through
    /// caches lay them out: `gcr.io/distroless/cc` becomes
    /// `<mirror>/distroless/cc`, Docker Hub's `rust` `<mirror>/library/rust`.
    pub fn mirrored(&self, mirror: &str) -> Reference {
        let (registry, prefix) = match mirror.split_once('/') {
            Some((host, path)) => (host.to_string(), format!("{path}/")),
            None => (mirror.to_string(), String::new()),
        };
        Reference {
            registry,
            repository: format!("{prefix}{}", self.repository),
            tag: self.tag.clone(),
        }
    }

    /// The reference as a `FROM` line takes it: Docker Hub's official
    /// images by their short name, as the unmirrored Dockerfiles have them.
    pub fn to_image(&self) -> String {
        if self.registry == DOCKER_HUB {
            let name = self
                .repository
                .strip_prefix("library/")
                .unwrap_or(&self.repository);
            format!("{name}:{}", self.tag)
        } else {
            format!("{}/{}:{}", self.registry, self.repository, self.tag)
        }
    }

    /// The API's base URL: plain HTTP on loopback, as Docker allows, else HTTPS.
    fn api(&self) -> String {
        let host = if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        };
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let scheme = if matches!(name, "localhost" | "127.0.0.1" | "[::1]") {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}/v2")
    }
}

/// The digest the tag points at now: the index's for a multi-platform
/// image. Errors say which image and what to do.
pub fn resolve(image: &Reference) -> Result<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!(
        "{}/{}/manifests/{}",
        image.api(),
        image.repository,
        image.tag
    );
    let shown = image.to_image();
    let unreachable = |e: ureq::Error| {
        fail(
            format!("cannot reach {} to pin {shown}: {e}", image.registry),
            "pinning asks the registry for each base image's digest: run it with network access (nothing was written)",
        )
    };
    let head = |auth: Option<&str>| {
        let mut req = agent.head(&url).header("Accept", ACCEPT);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.call()
    };
    let mut response = head(None).map_err(unreachable)?;
    if response.status().as_u16() == 401 {
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let auth = authorize(&agent, image, &challenge, credentials(&image.registry))?;
        response = head(Some(&auth)).map_err(unreachable)?;
    }
    match response.status().as_u16() {
        200 => {}
        401 | 403 => {
            return Err(fail(
                format!(
                    "{} refused to say what {shown} is (HTTP {})",
                    image.registry,
                    response.status().as_u16()
                ),
                format!(
                    "log in with `docker login {}`, then run again",
                    image.registry
                ),
            ));
        }
        404 => {
            return Err(fail(
                format!("{shown} is not in {}", image.registry),
                "check the image and, with `mirror`, that the mirror holds it under the same path",
            ));
        }
        other => {
            return Err(fail(
                format!("{} answered HTTP {other} for {shown}", image.registry),
                "try again later",
            ));
        }
    }
    response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .filter(|d| crate::grammar::sha256_digest(d).is_ok())
        .map(String::from)
        .ok_or_else(|| {
            fail(
                format!("{} named no digest for {shown}", image.registry),
                "the registry must send Docker-Content-Digest, as the distribution API says",
            )
        })
}

/// The `Authorization` value a 401's challenge asks for: a bearer token from
/// the realm (anonymous unless credentials are known), or basic auth.
fn authorize(
    agent: &ureq::Agent,
    image: &Reference,
    challenge: &str,
    credentials: Option<String>,
) -> Result<String> {
    let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return credentials.map(|c| format!("Basic {c}")).ok_or_else(|| {
            fail(
                format!("{} asks for credentials to say what {} is", image.registry, image.to_image()),
                format!("log in with `docker login {}` (the Docker config's credentials are used), then run again", image.registry),
            )
        });
    }
    let param = |key: &str| challenge_param(params, key);
    let realm = param("realm").ok_or_else(|| {
        fail(
            format!(
                "{} asked for a token but named no realm: {challenge:?}",
                image.registry
            ),
            "the registry's WWW-Authenticate header must name a realm",
        )
    })?;
    let scope = param("scope").unwrap_or_else(|| format!("repository:{}:pull", image.repository));
    let trusted = realm_may_have_credentials(&realm, &image.registry).map_err(|why| {
        fail(
            format!(
                "{} names the token service {realm:?}, which {why}",
                image.registry
            ),
            "the registry's WWW-Authenticate header must name an http(s) token service",
        )
    })?;
    let mut req = agent.get(&realm).query("scope", &scope);
    if let Some(service) = param("service") {
        req = req.query("service", &service);
    }
    let withheld = credentials.is_some() && !trusted;
    if let Some(c) = credentials.as_ref().filter(|_| trusted) {
        req = req.header("Authorization", &format!("Basic {c}"));
    }
    let mut response = req.call().map_err(|e| {
        fail(
            format!(
                "cannot get a token for {} from {realm}, the token service {} names: {e}",
                image.to_image(),
                image.registry
            ),
            "pinning needs network access to the registry's token service",
        )
    })?;
    if response.status().as_u16() != 200 {
        let hint = if withheld {
            format!(
                "your credentials for {} were not sent to {realm}: it is plain http on another host; the registry must name an https token service",
                image.registry
            )
        } else {
            format!(
                "log in with `docker login {}`, then run again",
                image.registry
            )
        };
        return Err(fail(
            format!(
                "{realm}, the token service {} names, refused a token for {} (HTTP {})",
                image.registry,
                image.to_image(),
                response.status().as_u16()
            ),
            hint,
        ));
    }
    let text = response.body_mut().read_to_string().map_err(|e| {
        fail(
            format!("cannot read {realm}'s answer: {e}"),
            "try again later",
        )
    })?;
    let body: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        fail(
            format!("{realm} sent no JSON token: {e}"),
            "try again later",
        )
    })?;
    body["token"]
        .as_str()
        .or_else(|| body["access_token"].as_str())
        .map(|t| format!("Bearer {t}"))
        .ok_or_else(|| fail(format!("{realm} sent no token"), "try again later"))
}

/// Whether a token realm may be sent the registry's credentials: over
/// https, or over plain http only on the registry's own host (a loopback or
/// insecure registry the user named). An error says why a realm is no
/// token service at all.
fn realm_may_have_credentials(realm: &str, registry: &str) -> Result<bool, &'static str> {
    let uri: ureq::http::Uri = realm.parse().map_err(|_| "is not a URL")?;
    let host = uri.host().ok_or("names no host")?;
    let registry_host = match registry.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    match uri.scheme_str() {
        Some("https") => Ok(true),
        Some("http") => Ok(host
            .trim_matches(['[', ']'])
            .eq_ignore_ascii_case(registry_host)),
        _ => Err("is neither http nor https"),
    }
}

/// One `key="value"` of a challenge's parameters.
fn challenge_param(params: &str, key: &str) -> Option<String> {
    let mut rest = params;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().trim_start_matches(',').trim();
        let after = &rest[eq + 1..];
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        if name.eq_ignore_ascii_case(key) {
            return Some(value.to_string());
        }
        rest = next;
    }
    None
}

/// The user's credentials for a registry, base64 `user:password` as basic
/// auth takes them: the Docker config's `auths`, else its credential helper.
fn credentials(registry: &str) -> Option<String> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    let keys = if registry == DOCKER_HUB {
        vec![
            "https://index.docker.io/v1/".to_string(),
            DOCKER_HUB.to_string(),
        ]
    } else {
        vec![registry.to_string(), format!("https://{registry}")]
    };
    for key in &keys {
        if let Some(auth) = config["auths"][key]["auth"]
            .as_str()
            .filter(|a| !a.is_empty())
        {
            return Some(auth.to_string());
        }
    }
    let helper = keys
        .iter()
        .find_map(|k| config["credHelpers"][k].as_str())
        .or_else(|| config["credsStore"].as_str())?;
    helper_credentials(helper, &keys[0])
}

/// Asks `docker-credential-<helper> get` for a server's credentials.
fn helper_credentials(helper: &str, server: &str) -> Option<String> {
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let user = json["Username"].as_str()?;
    let secret = json["Secret"].as_str()?;
    Some(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_as_docker_reads_them() {
        let r = Reference::parse("gcr.io/distroless/cc-debian13:nonroot").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            ("gcr.io", "distroless/cc-debian13", "nonroot")
        );
        let hub = Reference::parse("rust:1.95-slim-trixie").unwrap();
        assert_eq!(hub.repository, "library/rust");
        assert_eq!(hub.to_image(), "rust:1.95-slim-trixie");
        let local = Reference::parse(&format!(
            "127.0.0.1:5000/library/debian:13-slim@sha256:{}",
            "ab".repeat(32)
        ))
        .unwrap();
        assert_eq!(
            (local.registry.as_str(), local.tag.as_str()),
            ("127.0.0.1:5000", "13-slim")
        );
        assert_eq!(hub.api(), "https://registry-1.docker.io/v2");
        assert_eq!(local.api(), "http://127.0.0.1:5000/v2");
        assert_eq!(
            Reference::parse("localhost/team/app").unwrap().tag,
            "latest"
        );
        for bad in [
            "",
            "Rust:1",
            "rust:",
            "gcr.io//cc",
            "rust@sha256:ab",
            "a b:1",
        ] {
            assert_eq!(Reference::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_mirror_keeps_the_path() {
        let cc = Reference::parse("gcr.io/distroless/cc-debian13:nonroot").unwrap();
        assert_eq!(
            cc.mirrored("registry.internal").to_image(),
            "registry.internal/distroless/cc-debian13:nonroot"
        );
        let rust = Reference::parse("rust:1.95-slim-trixie").unwrap();
        assert_eq!(
            rust.mirrored("127.0.0.1:5000/hub").to_image(),
            "127.0.0.1:5000/hub/library/rust:1.95-slim-trixie"
        );
    }

    #[test]
    fn challenges_name_realm_service_and_scope() {
        let c = r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/rust:pull""#;
        assert_eq!(
            challenge_param(c, "realm").as_deref(),
            Some("https://auth.docker.io/token")
        );
        assert_eq!(
            challenge_param(c, "service").as_deref(),
            Some("registry.docker.io")
        );
        assert_eq!(
            challenge_param(c, "scope").as_deref(),
            Some("repository:library/rust:pull")
        );
        assert_eq!(challenge_param(c, "error"), None);
    }

    #[test]
    fn credentials_go_to_https_realms_or_the_registrys_own_host() {
        for (realm, registry, may) in [
            ("https://auth.example/token", "registry.example", Ok(true)),
            ("http://auth.example/token", "registry.example", Ok(false)),
            ("http://127.0.0.1:9/token", "127.0.0.1:5000", Ok(true)),
            ("http://127.0.0.2:9/token", "127.0.0.1:5000", Ok(false)),
            ("http://[::1]:9/t", "[::1]:5000", Ok(true)),
        ] {
            assert_eq!(realm_may_have_credentials(realm, registry), may, "{realm}");
        }
        assert!(realm_may_have_credentials("ftp://x/t", "x").is_err());
        assert!(realm_may_have_credentials("/token", "x").is_err());
    }

    /// A token service on `addr` that answers once and reports the
    /// `Authorization` header it was sent.
    fn token_service(addr: &str) -> (u16, std::sync::mpsc::Receiver<Option<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind((addr, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut auth = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("authorization") {
                        auth = Some(v.trim().to_string());
                    }
                }
            }
            let body = r#"{"token":"t"}"#;
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tx.send(auth).unwrap();
        });
        (port, rx)
    }

    #[test]
    fn a_plain_http_realm_on_another_host_gets_no_credentials() {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let image = Reference::parse("127.0.0.1:5999/team/app:1").unwrap();
        for (addr, sent) in [("127.0.0.2", false), ("127.0.0.1", true)] {
            let (port, rx) = token_service(addr);
            let challenge = format!(r#"Bearer realm="http://{addr}:{port}/token",service="r""#);
            let auth = authorize(&agent, &image, &challenge, Some("dXNlcjpwYXNz".into())).unwrap();
            assert_eq!(auth, "Bearer t");
            let header = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            assert_eq!(header.is_some(), sent, "{addr}: {header:?}");
        }
    }
}
