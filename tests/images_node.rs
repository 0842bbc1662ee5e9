//! Node projects built and run on a real engine, as a user would: `init`
//! untouched, hadolint clean, the image answers as uid 65532 with no shell
//! and no dev dependency, stops in under 2 s, and is no bigger than the
//! nodejs base + the app with its production dependencies + 2 MiB. A
//! dependency fetched with git is cloned in the builder; a start script
//! that reads .env starts without it.
//!
//! Ignored unless asked for (`.ci/run` starts the engines and runs them):
//! `CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored`.

mod common;

use std::time::Duration;

use common::images::*;
use common::{Fixture, fixture, ok, stderr};

/// Builds a Node fixture untouched and runs it on a free port; returns
/// the fixture, the image's tag, the running container and its files.
fn node_image(
    name: &str,
    entrypoint: &str,
    runtime: &str,
    answer: &str,
) -> (Fixture, String, Container, String) {
    engine();
    let f = fixture(name);
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    let tag = format!("cargo-distroless-e2e/{name}:latest");
    build(&f.dir, None, &tag);
    let port = free_port();
    let c = serve(&tag, port);
    let body = get(port, "/", &c);
    assert!(
        body.contains(answer) && body.contains("uid 65532"),
        "{tag}: {body:?} lacks {answer:?} as uid 65532"
    );
    let files = check_running(&tag, &c, entrypoint);
    assert!(
        !files.lines().any(|l| l.contains("node_modules/is-number/")),
        "{tag} ships the dev dependency is-number"
    );
    assert!(
        !files
            .lines()
            .any(|l| l.starts_with("app/node_modules/.bin/npm")),
        "{tag} ships npm"
    );
    let image: u64 = inspect(&tag, "{{.Size}}").parse().unwrap();
    let base: u64 = inspect(runtime, "{{.Size}}").parse().unwrap();
    let app = exported_bytes(&c.0, &["app/"]);
    assert!(
        image <= base + app + 2 * MIB,
        "{tag}: {image} B > base {base} B + app and its dependencies {app} B + 2 MiB"
    );
    eprintln!(
        "{tag}: image {image} B = base {base} B + app {app} B + {} B",
        image as i64 - (base + app) as i64
    );
    let check = f.run(&["check"]);
    assert!(check.status.success(), "check: {}", stderr(&check));
    (f, tag, c, files)
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn npm_express_server() {
    let (f, tag, c, _) = node_image(
        "node-express",
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/server.js"]"#,
        "gcr.io/distroless/nodejs26-debian13:nonroot",
        "hello from express",
    );
    let stop = stop_time(&c, 10);
    assert!(
        stop < Duration::from_secs(2),
        "{tag}: docker stop took {stop:?}"
    );
    drop(c);
    // The SBOM lists the npm packages the image holds, and no dev one.
    let out = f.run(&["build", "--network", "host", "--sbom", "sbom"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sbom = f.read("sbom/node-express.spdx.json");
    assert!(sbom.contains("pkg:npm/express@5."), "{sbom}");
    assert!(!sbom.contains("pkg:npm/is-number@"), "{sbom}");
    // The health check runs through node itself, on the configured port:
    // a free one, set in package.json as a user would.
    let port = free_port();
    let manifest = f.read("package.json");
    assert!(manifest.contains("\"port\": 3000"), "{manifest}");
    f.write(
        "package.json",
        &manifest.replace("\"port\": 3000", &format!("\"port\": {port}")),
    );
    ok(&f.run(&["init"]));
    build(&f.dir, None, &tag);
    let c = serve(&tag, port);
    wait_health(&c, "healthy");
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn pnpm_esm_server_built_by_its_build_script() {
    let (f, tag, c, _) = node_image(
        "node-pnpm",
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/dist/server.js"]"#,
        "gcr.io/distroless/nodejs24-debian13:nonroot",
        "hello from pnpm",
    );
    let stop = stop_time(&c, 10);
    assert!(
        stop < Duration::from_secs(2),
        "{tag}: docker stop took {stop:?}"
    );
    drop(c);
    // A one-line source change installs nothing again.
    let server = f
        .read("src/server.js")
        .replace("hello from pnpm", "hello again from pnpm");
    f.write("src/server.js", &server);
    let log = build(&f.dir, None, &tag);
    let install = log
        .lines()
        .find(|l| l.contains("pnpm install --frozen-lockfile"))
        .unwrap_or_default()
        .to_string();
    let step = install
        .split_whitespace()
        .next()
        .unwrap_or("#?")
        .to_string();
    assert!(
        log.lines()
            .any(|l| l.starts_with(&step) && l.contains("CACHED")),
        "{tag}: the install ran again after a source change:\n{log}"
    );
}

#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn yarn_typescript_project_built_by_its_build_script() {
    let (f, tag, c, files) = node_image(
        "node-yarn-ts",
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/dist/index.js"]"#,
        "gcr.io/distroless/nodejs24-debian13:nonroot",
        "hello from typescript",
    );
    assert!(
        files.lines().any(|l| l == "app/dist/index.js"),
        "the build's output ships"
    );
    for dev in ["node_modules/typescript/", "node_modules/@types/"] {
        assert!(!files.lines().any(|l| l.contains(dev)), "{tag} ships {dev}");
    }
    assert!(
        f.dockerfile()
            .runs(&["yarn", "install", "--frozen-lockfile", "--production"])
    );
    let stop = stop_time(&c, 10);
    assert!(
        stop < Duration::from_secs(2),
        "{tag}: docker stop took {stop:?}"
    );
}

/// An npm workspace: each member that starts is an image of its own (bake
/// builds both), with the local package it uses, built by that package's
/// own `build` script; the root's dev dependency ships in neither.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn npm_workspace_apps_with_a_local_package() {
    engine();
    let f = fixture("node-workspace");
    ok(&f.run(&["init"]));
    common::hadolint(&f.path("Dockerfile"));
    assert!(f.read("docker-bake.hcl").contains("\"api\", \"worker\""));
    for (stage, file, answer) in [
        ("api", "server.js", "hello, api, from a local package"),
        ("worker", "worker.js", "hello, worker, from a local package"),
    ] {
        let tag = format!("cargo-distroless-e2e/node-workspace:{stage}");
        build(&f.dir, Some(stage), &tag);
        let port = free_port();
        let c = serve(&tag, port);
        let body = get(port, "/", &c);
        assert!(
            body.contains(answer) && body.contains("uid 65532"),
            "{tag}: {body}"
        );
        let files = check_running(
            &tag,
            &c,
            &format!(r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/packages/{stage}/{file}"]"#),
        );
        assert!(
            files.lines().any(|l| l == "app/packages/greeting/index.js"),
            "{tag}: the local package's build output"
        );
        assert!(
            files
                .lines()
                .any(|l| l == "app/node_modules/@acme/greeting"),
            "{tag}: the workspace link"
        );
        assert!(
            !files.lines().any(|l| l.contains("node_modules/is-number/")),
            "{tag} ships the dev dependency"
        );
    }
    let check = f.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

/// sharp's prebuilt addon and the libvips its `@img` packages bundle load on
/// the distroless runtime: the library step leaves what node_modules
/// carries where it is.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn a_server_using_sharp() {
    let (_f, tag, _c, files) = node_image(
        "node-sharp",
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/server.js"]"#,
        "gcr.io/distroless/nodejs24-debian13:nonroot",
        "made a 16x8 png",
    );
    assert!(
        files
            .lines()
            .any(|l| l.starts_with("app/node_modules/@img/sharp-libvips-linux-x64/")),
        "{tag}: the bundled libvips"
    );
    assert!(
        !files.lines().any(|l| l.starts_with("out/")),
        "{tag}: no copy of the build's folders"
    );
}

/// A Next.js app with `output: "standalone"`: the image runs the traced
/// standalone server with its static files and `public`, on 0.0.0.0.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn next_standalone_app() {
    let (_f, tag, c, files) = node_image(
        "node-next",
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/server.js"]"#,
        "gcr.io/distroless/nodejs24-debian13:nonroot",
        "hello from next as uid 65532",
    );
    assert!(
        files.lines().any(|l| l == "app/public/robots.txt"),
        "{tag}: public"
    );
    assert!(
        files.lines().any(|l| l == "app/content/about.txt"),
        "{tag}: what `include` names, beside the standalone output"
    );
    assert!(
        files.lines().any(|l| l.starts_with("app/.next/static/")),
        "{tag}: static files"
    );
    assert!(
        !files.lines().any(|l| l.starts_with("app/pages/")),
        "{tag}: the sources stay out"
    );
    let stop = stop_time(&c, 10);
    assert!(
        stop < Duration::from_secs(2),
        "{tag}: docker stop took {stop:?}"
    );
}

/// A dependency that only a git repository holds: the builder installs
/// git, and npm clones the commit package-lock.json records.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn npm_dependency_fetched_from_git() {
    engine();
    let repo = git_repository(&[
        (
            "package.json",
            "{\"name\": \"gitlib\", \"version\": \"1.0.0\", \"main\": \"index.js\"}\n",
        ),
        ("index.js", "exports.word = \"cloned\";\n"),
    ]);
    let manifest = format!(
        "{{\"name\": \"gitapp\", \"version\": \"1.0.0\", \"main\": \"server.js\", \"dependencies\": {{\"gitlib\": \"git+{}#main\"}}}}\n",
        repo.url
    );
    let dir = common::project(&[
        ("package.json", &manifest),
        (
            "server.js",
            "const http = require(\"http\");\nconst { word } = require(\"gitlib\");\nhttp\n  .createServer((_req, res) => res.end(`gitlib ${word} as uid ${process.getuid()}`))\n  .listen(Number(process.env.PORT || 3000), \"0.0.0.0\");\n",
        ),
    ]);
    // The lockfile as npm writes it, with the commit `main` names.
    let tag = "cargo-distroless-e2e/node-git-dep:latest";
    let (_, port, c) = locked_built_and_served(&dir, tag);
    let body = get(port, "/", &c);
    assert!(
        body.contains("gitlib cloned as uid 65532"),
        "{tag}: {body:?}"
    );
    check_running(
        tag,
        &c,
        r#"["/usr/bin/tini","--","/nodejs/bin/node","/app/server.js"]"#,
    );
}

/// A start script that reads .env with `--env-file`: .env stays out of the
/// image (a secret), and the image still starts, without its variables.
#[test]
#[ignore = "needs a Docker engine: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
fn npm_start_script_with_an_env_file_starts_without_it() {
    engine();
    let dir = common::project(&[
        (
            "package.json",
            "{\"name\": \"envapp\", \"version\": \"1.0.0\", \"scripts\": {\"start\": \"node --env-file=.env server.js\"}}\n",
        ),
        (".env", "GREETING=from-dot-env\n"),
        (
            "server.js",
            "const http = require(\"http\");\nhttp\n  .createServer((_req, res) => res.end(`greeting ${process.env.GREETING || \"unset\"} as uid ${process.getuid()}`))\n  .listen(Number(process.env.PORT || 3000), \"0.0.0.0\");\n",
        ),
    ]);
    let tag = "cargo-distroless-e2e/node-env-file:latest";
    let (said, port, c) = locked_built_and_served(&dir, tag);
    assert!(said.contains("`--env-file-if-exists=.env`"), "{said}");
    let body = get(port, "/", &c);
    assert!(
        body.contains("greeting unset as uid 65532"),
        "{tag}: {body:?}"
    );
    let files = check_running(
        tag,
        &c,
        r#"["/usr/bin/tini","--","/nodejs/bin/node","--env-file-if-exists=.env","/app/server.js"]"#,
    );
    assert!(
        !files.lines().any(|l| l.ends_with(".env")),
        "{tag} holds .env"
    );
}

/// A project locked by npm on this machine, set up with `init` (what it
/// said returned), linted, built and run on a free port.
fn locked_built_and_served(dir: &tempfile::TempDir, tag: &str) -> (String, u16, Container) {
    let out = std::process::Command::new("npm")
        .current_dir(dir.path())
        .args(["install", "--package-lock-only", "--ignore-scripts"])
        .args(["--no-audit", "--no-fund"])
        .output()
        .unwrap();
    assert!(out.status.success(), "npm: {}", stderr(&out));
    let said = ok(&common::init_in(dir, &[]));
    common::hadolint(&dir.path().join("Dockerfile"));
    build(dir.path(), None, tag);
    let port = free_port();
    let c = serve(tag, port);
    (said, port, c)
}
