//! The grammars, in and out of their rules.
use super::*;

#[test]
fn mirrors_are_hosts_with_a_path() {
    assert!(mirror("127.0.0.1:5000").is_ok());
    assert!(mirror("registry.internal/mirror/dl").is_ok());
    assert!(mirror("[::1]:5000/m").is_ok());
    for bad in [
        "https://r.example",
        "r.example/",
        "",
        "r example",
        "r.example/Upper",
        "r.example:0",
        "r.example:65536",
        "r.example:",
        "r..example",
        ".r.example",
        "r.example/../x",
        "r.example/./x",
        "r.example//x",
        "-r.example",
    ] {
        assert!(mirror(bad).is_err(), "{bad}");
    }
}

#[test]
fn digests_are_sha256_and_64_hex() {
    assert!(sha256_digest(&format!("sha256:{}", "a".repeat(64))).is_ok());
    assert!(sha256_digest(&format!("sha256:{}", "A".repeat(64))).is_err());
    assert!(sha256_digest("sha256:abc").is_err());
    assert!(sha256_digest(&format!("sha512:{}", "a".repeat(64))).is_err());
}

#[test]
fn cache_specs_are_one_word_with_a_type() {
    for ok in [
        "type=registry,ref=127.0.0.1:5000/cache:api,mode=max",
        "type=gha",
        "ghcr.io/acme/app-cache:api",
    ] {
        assert!(cache_spec(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "type=registry, ref=x",
        "mode=max",
        "ref=",
        "Not A Ref",
        "a,b",
    ] {
        assert!(cache_spec(bad).is_err(), "{bad}");
    }
    assert_eq!(
        cache_repository("type=registry,ref=r.example/c:api,mode=max"),
        Some("r.example/c:api")
    );
    assert_eq!(cache_repository("r.example/c"), Some("r.example/c"));
    assert_eq!(cache_repository("type=gha"), None);
}

#[test]
fn names_in_and_out_of_their_grammars() {
    for ok in ["api", "api-server", "my_app", "A1"] {
        assert!(cargo_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", "a b", "x\nRUN echo", "a$(id)", "é", "a.b"] {
        assert!(cargo_name(bad).is_err(), "{bad:?}");
    }
    for ok in ["json", "api/cli", "serde?/derive", "v1.2", "c++", "_x"] {
        assert!(cargo_feature(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "y\nRUN echo INJECTED",
        "a,b",
        "a b",
        "-x",
        "p q/x",
        "a/",
        "/a",
    ] {
        assert!(cargo_feature(bad).is_err(), "{bad:?}");
    }
    assert!(cargo_profile("release-lto").is_ok());
    assert!(cargo_profile("release$(id)").is_err());
    for ok in ["libpq-dev", "g++", "python3.13", "7zip"] {
        assert!(debian_package(ok).is_ok(), "{ok}");
    }
    for bad in ["a", "LibPQ", "-x", "a;b", "a b"] {
        assert!(debian_package(bad).is_err(), "{bad:?}");
    }
    for ok in ["flask", "zope.interface", "my_app-2"] {
        assert!(pep508_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-a", "a-", "a b", "x\ny"] {
        assert!(pep508_name(bad).is_err(), "{bad:?}");
    }
    assert!(env_name("RUST_LOG").is_ok() && env_name("1X").is_err());
}

#[test]
fn probe_paths_and_durations() {
    for ok in ["/", "/health", "/api/v1/ready?full=1", "/a%20b"] {
        assert!(http_path(ok).is_ok(), "{ok}");
    }
    for bad in ["health", "/a b", "/x\"y", "/\n", ""] {
        assert!(http_path(bad).is_err(), "{bad:?}");
    }
    for ok in ["30s", "1m30s", "500ms", "2h"] {
        assert!(docker_duration(ok).is_ok(), "{ok}");
    }
    for bad in ["", "30", "s", "1.5s", "30 s", "5d"] {
        assert!(docker_duration(bad).is_err(), "{bad:?}");
    }
    assert_eq!(duration_ms("1m30s"), Some(90_000));
    assert_eq!(duration_ms("500ms"), Some(500));
    assert_eq!(duration_ms("x"), None);
}

#[test]
fn project_paths() {
    for ok in ["static", "config/default.toml", "a b/c", ".env.example"] {
        assert!(project_path(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "/etc/passwd",
        "../x",
        "a/../../b",
        "data[1].txt",
        "*.txt",
        "a\\b",
        "!x",
        "#x",
        "a\nb",
    ] {
        assert!(project_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn image_names_and_tags_follow_the_reference_grammar() {
    assert_eq!(image_repository("api-server"), "api-server");
    assert_eq!(image_repository("_worker_"), "worker");
    assert_eq!(image_repository("My App"), "my-app");
    assert_eq!(image_repository("a__b...c"), "a__b-c");
    assert_eq!(image_repository("a__b"), "a__b");
    assert_eq!(image_repository("___"), "app");
    assert_eq!(image_tag("1.0.0+build.5"), "1.0.0-build.5");
    assert_eq!(image_tag("latest"), "latest");
    assert_eq!(image_tag(".hidden"), "0.hidden");
    assert_eq!(image_tag(""), "0");
    assert_eq!(image_tag(&"x".repeat(300)).len(), 128);
    for ok in [
        "api:1.0.0",
        "registry.example.com:5000/team/api:latest",
        "localhost/api",
        "api@sha256:abc123",
    ] {
        assert!(image_reference(ok).is_ok(), "{ok}");
    }
    for bad in [
        "Api",
        "api:1.0+x",
        "api:",
        "_api",
        "a b",
        "api@sha256",
        "x:\"y\"",
    ] {
        assert!(image_reference(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn dockerfile_names_never_name_another_file() {
    for ok in [
        "Dockerfile",
        "Dockerfile.distroless",
        "api.Dockerfile",
        "Containerfile",
    ] {
        assert!(dockerfile_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "Cargo.toml",
        "requirements.txt",
        "distroless.toml",
        "pyproject.toml",
        "Dockerfile.dockerignore",
        "Dockerfile.bake.hcl",
        "Dockerfile.compose.yaml",
        "compose.yaml",
        "Makefile",
        "../Dockerfile",
    ] {
        assert!(dockerfile_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn writable_paths_are_plain_and_patterns_matchable() {
    for ok in ["media", "var/data", ".cache"] {
        assert!(writable_path(ok).is_ok(), "{ok}");
    }
    for bad in [
        "./media", "media/", "a//b", "a/./b", "/abs", "a/../b", "a b",
    ] {
        assert!(writable_path(bad).is_err(), "{bad}");
    }
    for ok in ["*.csv", "data/[a-z]*", "x\\*", "[]a]"] {
        assert!(matchable_pattern(ok).is_ok(), "{ok}");
    }
    for bad in ["[a-", "x\\", "data/[", "[^"] {
        assert!(matchable_pattern(bad).is_err(), "{bad}");
    }
}

#[test]
fn platforms_and_networks() {
    assert!(platforms("linux/amd64,linux/arm64/v8").is_ok());
    for bad in [
        "linux",
        "linux/amd64,",
        "linux/AMD64",
        "linux/amd64\nx",
        "a/b/c/d",
    ] {
        assert!(platforms(bad).is_err(), "{bad:?}");
    }
    assert!(network("host").is_ok() && network("my_net-1").is_ok());
    for bad in ["", "host\n", "-x", "a b", "container:x"] {
        assert!(network(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn health_durations_are_bounded() {
    assert!(bounded_duration("1s", 1000).is_ok());
    assert!(bounded_duration("24h", 1000).is_ok());
    assert!(bounded_duration("0s", 0).is_ok());
    for bad in ["0s", "999ms", "25h", "87600h", "99999999999999999999h"] {
        assert!(bounded_duration(bad, 1000).is_err(), "{bad}");
    }
}

#[test]
fn stop_signals() {
    for ok in ["SIGINT", "SIGQUIT", "SIGTERM", "SIGRTMIN+3", "9", "64"] {
        assert!(stop_signal(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "INT",
        "sigint",
        "SIGINT\n",
        "0",
        "65",
        "SIG",
        "SIGINT+1",
        "SIGRTMIN+99",
    ] {
        assert!(stop_signal(bad).is_err(), "{bad:?}");
    }
}
