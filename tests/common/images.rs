//! Helpers of the image tests: the engine, builds that take turns, running
//! containers, and the checks every image must pass (uid 65532, no shell,
//! no more than its base and its payload).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{Fixture, fixture, ok, stderr, stdout};

/// Image builds in one test binary take turns: on two cores, builds side
/// by side starve the engine, and the test binaries already run one after
/// another. `CARGO_DISTROLESS_IMAGE_JOBS` allows more.
pub fn one_build_at_a_time() -> impl Drop {
    use std::sync::{Condvar, Mutex};
    static RUNNING: Mutex<usize> = Mutex::new(0);
    static FREED: Condvar = Condvar::new();
    struct Turn;
    impl Drop for Turn {
        fn drop(&mut self) {
            *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
            FREED.notify_one();
        }
    }
    let jobs: usize = std::env::var("CARGO_DISTROLESS_IMAGE_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    while *running >= jobs {
        running = FREED.wait(running).unwrap_or_else(|e| e.into_inner());
    }
    *running += 1;
    Turn
}

pub const RUNTIME: &str = "gcr.io/distroless/cc-debian13:nonroot";
pub const MIB: u64 = 1024 * 1024;

/// Asserts that the run asked for images (`CARGO_DISTROLESS_E2E=1`, as the
/// ignore reason says) and that an engine answers and holds the base images.
pub fn engine() {
    assert!(
        std::env::var("CARGO_DISTROLESS_E2E").is_ok_and(|v| v == "1"),
        "the image tests build images for minutes: start a Docker engine with the base images, then set CARGO_DISTROLESS_E2E=1 (.ci/run does both)"
    );
    let info = docker(&["info", "--format", "{{.ServerVersion}}"]);
    assert!(
        info.status.success(),
        "the image tests need a Docker engine, and none answers: {}",
        stderr(&info)
    );
    let base = docker(&["image", "inspect", RUNTIME]);
    assert!(
        base.status.success(),
        "the image tests need the base images, and {RUNTIME} is missing: build them first (.ci/run does)"
    );
}

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs")
}

/// A Docker config folder whose buildx (0.17 or later) can put bake targets
/// on the host network, which this engine needs (its own buildx is 0.13).
/// `.ci/plugins` makes one (with compose too) and `.ci/run` names it.
pub fn bake_docker_config() -> String {
    let dir = std::env::var("CARGO_DISTROLESS_BAKE_DOCKER_CONFIG").expect(
        "the image tests need CARGO_DISTROLESS_BAKE_DOCKER_CONFIG: a Docker config folder with buildx 0.17+ (.ci/plugins DIR makes one)",
    );
    let out = Command::new("docker")
        .args(["buildx", "version"])
        .env("DOCKER_CONFIG", &dir)
        .output()
        .expect("docker runs");
    let version = stdout(&out);
    assert!(
        cargo_distroless::engine::parse_buildx(&version) >= (0, 17),
        "buildx in {dir} is too old for bake's network: {version}"
    );
    dir
}

/// A value no earlier run used, so that BuildKit cannot take a layer that
/// depends on it from its cache.
pub fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// `docker build` of one stage (or the default); returns the plain log.
pub fn build(dir: &Path, target: Option<&str>, tag: &str) -> String {
    let _turn = one_build_at_a_time();
    let mut args = vec![
        "build",
        "--network",
        "host",
        "--progress",
        "plain",
        "-t",
        tag,
    ];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    let dir = dir.to_str().unwrap();
    args.push(dir);
    let out = docker(&args);
    let log = stderr(&out);
    assert!(
        out.status.success(),
        "docker build {target:?} failed:\n{log}"
    );
    log
}

/// A running container, removed when dropped.
pub struct Container(pub String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

/// A port nothing listens on now, for a server started with `PORT`.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

pub fn serve(tag: &str, port: u16) -> Container {
    let env = format!("PORT={port}");
    let out = docker(&["run", "-d", "--network", "host", "-e", &env, tag]);
    assert!(out.status.success(), "docker run {tag}: {}", stderr(&out));
    Container(stdout(&out).trim().to_string())
}

/// GET a path on 127.0.0.1, retrying while the server starts.
pub fn get(port: u16, path: &str, c: &Container) -> String {
    super::http_get(port, path).unwrap_or_else(|| {
        let logs = docker(&["logs", &c.0]);
        panic!(
            "nothing answered on 127.0.0.1:{port}; container log:\n{}{}",
            stdout(&logs),
            stderr(&logs)
        )
    })
}

pub fn inspect(what: &str, format: &str) -> String {
    let out = docker(&["inspect", "--format", format, what]);
    assert!(out.status.success(), "inspect {what}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// The shared libraries the builder gathered for a binary: (path, bytes).
pub fn gathered_libs(dir: &Path, builder_stage_tag: &str, bin: &str) -> Vec<(String, u64)> {
    build(dir, Some("builder"), builder_stage_tag);
    let out = docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "find",
        builder_stage_tag,
        &format!("/out/libs/{bin}"),
        "-type",
        "f",
        "-printf",
        "%s %P\\n",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, path)| !path.starts_with(DPKG_RECORDS))
        .map(|(size, path)| (format!("/{path}"), size.parse().unwrap()))
        .collect()
}

/// Where a copied library's Debian package is recorded, distroless's way.
pub const DPKG_RECORDS: &str = "var/lib/dpkg/status.d/";

/// The Debian packages recorded beside the gathered libraries (after
/// `gathered_libs` built the stage), each record checked to name itself.
pub fn dpkg_records(builder_stage_tag: &str, bin: &str) -> Vec<String> {
    let dir = format!("/out/libs/{bin}/{DPKG_RECORDS}");
    let out = docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--entrypoint",
        "sh",
        builder_stage_tag,
        "-c",
        &format!("cd {dir} && for f in *; do head -n 1 \"$f\"; done"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.strip_prefix("Package: ").unwrap_or(l).to_string())
        .collect()
}

/// What every image must be while its container runs: the nonroot user, the
/// exec-form entrypoint, uid 65532 for real, and no shell anywhere. Returns
/// the image's file list.
pub fn check_running(tag: &str, c: &Container, entrypoint: &str) -> String {
    assert_eq!(
        inspect(tag, "{{.Config.User}}"),
        "65532:65532",
        "{tag}: USER"
    );
    assert_eq!(
        inspect(tag, "{{json .Config.Entrypoint}}"),
        entrypoint,
        "{tag}: exec-form entrypoint"
    );
    let pid = inspect(&c.0, "{{.State.Pid}}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().skip(1).all(|u| u == "65532"),
        "{tag} runs as {uid}"
    );
    let list = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {} | tar -t", c.0))
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let files = stdout(&list);
    // The working directory is root's: WORKDIR alone would give it to 65532.
    let owners = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {} | tar -tv --numeric-owner", c.0))
        .output()
        .unwrap();
    let app = stdout(&owners)
        .lines()
        .find(|l| l.ends_with(" app/"))
        .map(String::from)
        .unwrap_or_default();
    assert!(app.contains(" 0/0 "), "{tag}: /app is not root's: {app:?}");
    for shell in [
        "bin/sh",
        "usr/bin/sh",
        "bin/bash",
        "usr/bin/bash",
        "bin/busybox",
        "busybox/sh",
    ] {
        assert!(!files.lines().any(|l| l == shell), "{tag} contains {shell}");
    }
    files
}

/// The checks every image must pass while its container runs.
pub fn check_image(tag: &str, bin: &str, c: &Container) {
    check_image_on(tag, bin, c, RUNTIME, 0);
}

/// The same, on another runtime base, allowing for `libs` bytes of copied
/// shared libraries.
pub fn check_image_on(tag: &str, bin: &str, c: &Container, runtime: &str, libs: u64) {
    check_running(tag, c, &format!("[\"/usr/local/bin/{bin}\"]"));

    let tmp = tempfile::tempdir().unwrap();
    let out = docker(&[
        "cp",
        &format!("{}:/usr/local/bin/{bin}", c.0),
        tmp.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let binary = std::fs::metadata(tmp.path().join(bin)).unwrap().len();
    let image: u64 = inspect(tag, "{{.Size}}").parse().unwrap();
    let base: u64 = inspect(runtime, "{{.Size}}").parse().unwrap();
    assert!(
        image <= base + binary + libs + MIB,
        "{tag} is {image} bytes: more than base {base} + binary {binary} + libraries {libs} + 1 MiB"
    );
    eprintln!(
        "{tag}: image {image} B = base {base} B + binary {binary} B + libraries {libs} B + {} B",
        image as i64 - (base + binary + libs) as i64
    );
}

/// One final stage to try: its name, and what `GET <path>` must contain.
pub struct Case {
    pub stage: &'static str,
    pub bin: &'static str,
    pub port: u16,
    pub answers: &'static [(&'static str, &'static str)],
}

/// Generates, lints, builds the default image (which must be the last case)
/// and every other stage, runs each and checks it.
pub fn run_fixture(name: &str, cases: &[Case]) -> Fixture {
    run_project(fixture(name), name, cases)
}

pub fn run_project(f: Fixture, name: &str, cases: &[Case]) -> Fixture {
    let _ = std::fs::remove_file(f.path("Dockerfile"));
    let _ = std::fs::remove_file(f.path(".dockerignore"));
    ok(&f.run(&["init"]));
    super::hadolint(&f.path("Dockerfile"));
    let (default, others) = cases.split_last().unwrap();
    for (case, target) in others
        .iter()
        .map(|c| (c, Some(c.stage)))
        .chain([(default, None)])
    {
        let tag = format!("cargo-distroless-e2e/{name}:{}", case.stage);
        build(&f.dir, target, &tag);
        let c = serve(&tag, case.port);
        for (path, want) in case.answers {
            let body = get(case.port, path, &c);
            assert!(
                body.contains(want),
                "{tag} GET {path}: {body:?} lacks {want:?}"
            );
        }
        check_image(&tag, case.bin, &c);
    }
    f
}

/// After a change to the build-script fixture's own source, the image
/// rebuilds `stamped` and never its dependency `itoa`, and serves the
/// change: a value no earlier run used, so no cached layer can stand in.
pub fn rebuilds_only_the_application(f: &Fixture, tag: &str, port: u16) {
    let nonce = nonce() % 1_000_000_007;
    let main = f.read("src/main.rs");
    f.write(
        "src/main.rs",
        &main.replace("buf.format(42)", &format!("buf.format({nonce}u64)")),
    );
    compiles_only_the_application(f, tag, "Compiling stamped");
    let c = serve(tag, port);
    assert!(get(port, "/", &c).contains(&format!("{nonce} bytes")));
}

/// Builds the build-script fixture, whose log must show `compiling` (the
/// application) and not its dependency, which comes from the layer cache.
pub fn compiles_only_the_application(f: &Fixture, tag: &str, compiling: &str) {
    let log = build(&f.dir, None, tag);
    assert!(
        log.contains(compiling),
        "the application is rebuilt ({compiling}):\n{log}"
    );
    assert!(
        !log.contains("Compiling itoa"),
        "the dependency must come from the cache:\n{log}"
    );
}

/// Builds a fixture's default image on a given runtime and checks it, the
/// copied libraries included; returns them.
pub fn native_fixture(
    f: &Fixture,
    name: &str,
    bin: &str,
    port: u16,
    runtime: &str,
    answer: &str,
) -> Vec<(String, u64)> {
    super::hadolint(&f.path("Dockerfile"));
    let tag = format!("cargo-distroless-e2e/{name}:{bin}");
    build(&f.dir, None, &tag);
    let libs = if runtime.contains("/static-") {
        Vec::new()
    } else {
        gathered_libs(&f.dir, &format!("cargo-distroless-e2e/{name}:builder"), bin)
    };
    let c = serve(&tag, port);
    let body = get(port, "/", &c);
    assert!(body.contains(answer), "{tag}: {body:?} lacks {answer:?}");
    check_image_on(&tag, bin, &c, runtime, libs.iter().map(|(_, n)| n).sum());
    eprintln!("{tag}: copied libraries {libs:?}");
    libs
}

pub const PYTHON_RUNTIME: &str = "gcr.io/distroless/python3-debian13:nonroot";

/// Every plain file of a container's filesystem and its size, from
/// `docker export`.
pub fn exported_files(container: &str) -> std::collections::BTreeMap<String, u64> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("docker export {container} | tar -tv"))
        .output()
        .unwrap();
    stdout(&out)
        .lines()
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            Some((fields.last()?.to_string(), fields.get(2)?.parse().ok()?))
        })
        .collect()
}

/// Bytes of the files under these top-level folders of a container's
/// filesystem.
pub fn exported_bytes(container: &str, prefixes: &[&str]) -> u64 {
    exported_files(container)
        .into_iter()
        .filter(|(path, _)| prefixes.iter().any(|p| path.starts_with(p)))
        .map(|(_, size)| size)
        .sum()
}

/// Generates, lints, builds and runs a Python fixture; checks the answer,
/// the user, the missing shell and the size against python3-debian13.
pub fn python_fixture(name: &str, port: u16, entrypoint: &str, answer: &str) -> Fixture {
    python_image(
        fixture(name),
        name,
        port,
        entrypoint,
        answer,
        PYTHON_RUNTIME,
    )
    .0
}

/// Generates, lints, builds and runs a Python project on `runtime`; checks
/// the answer, the user, the missing shell and pip, and the size: the
/// base and what the image adds over it (the venv, the app and, on `cc`,
/// the interpreter with the libraries its modules load) + 1 MiB. Returns
/// the fixture and the image's size over its base.
pub fn python_image(
    f: Fixture,
    name: &str,
    port: u16,
    entrypoint: &str,
    answer: &str,
    runtime: &str,
) -> (Fixture, u64) {
    ok(&f.run(&["init"]));
    super::hadolint(&f.path("Dockerfile"));
    let tag = format!("cargo-distroless-e2e/{name}:latest");
    build(&f.dir, None, &tag);
    let c = serve(&tag, port);
    let body = get(port, "/", &c);
    assert!(body.contains(answer), "{tag}: {body:?} lacks {answer:?}");
    let files = check_running(&tag, &c, entrypoint);
    assert!(
        !files.lines().any(|l| l.starts_with("venv/bin/pip")),
        "{tag} keeps pip"
    );
    let image: u64 = inspect(&tag, "{{.Size}}").parse().unwrap();
    let base: u64 = inspect(runtime, "{{.Size}}").parse().unwrap();
    let added =
        exported_bytes(&c.0, &["venv/", "app/", "usr/local/"]) + copied_libraries(&c.0, runtime);
    assert!(
        image <= base + added + MIB,
        "{tag}: {image} B > base {base} B + venv, app, interpreter and libraries {added} B + 1 MiB"
    );
    eprintln!(
        "{tag}: image {image} B = base {base} B + venv/app/interpreter/libraries {added} B + {} B",
        image as i64 - (base + added) as i64
    );
    (f, image - base)
}

/// Bytes of the shared libraries an image holds that its base lacks.
pub fn copied_libraries(container: &str, base: &str) -> u64 {
    let library = |path: &str| {
        path.contains(".so") && (path.starts_with("usr/lib/") || path.starts_with("lib/"))
    };
    let created = docker(&["create", base, "probe"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let id = stdout(&created).trim().to_string();
    let have = exported_files(&id);
    let _ = docker(&["rm", &id]);
    exported_files(container)
        .into_iter()
        .filter(|(path, _)| library(path) && !have.contains_key(path))
        .map(|(_, size)| size)
        .sum()
}

/// Files that look like credentials, as projects hold them.
pub const SECRET_FILES: &[&str] = &[
    ".env",
    ".envrc",
    ".aws/credentials",
    ".kube/config",
    ".ssh/id_ecdsa",
    ".git-credentials",
    "deploy/id_ed25519",
    "deploy/gcp-service-account.json",
    "infra/terraform.tfstate",
    "infra/prod.tfvars",
    "vendored/lib/.git/config",
    ".netrc",
    ".pgpass",
];

/// Copies a fixture and plants the secret-looking files in it.
pub fn with_secrets(name: &str) -> Fixture {
    let f = fixture(name);
    for s in SECRET_FILES {
        let path = f.path(s);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("TOKEN-{s}\n")).unwrap();
    }
    f
}

/// Polls a container's health until it is `want`, for up to 30 s.
pub fn wait_health(c: &Container, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = inspect(&c.0, "{{.State.Health.Status}}");
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{}: health is {status:?}, not {want:?}",
            c.0
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// How long `docker stop` takes, with a grace period of `grace` seconds.
pub fn stop_time(c: &Container, grace: u32) -> Duration {
    let started = Instant::now();
    let out = docker(&["stop", "-t", &grace.to_string(), &c.0]);
    assert!(out.status.success(), "{}", stderr(&out));
    started.elapsed()
}

/// Builds a fixture's default image with these lines added to its table.
pub fn build_with(name: &str, config: &str, tag: &str) -> Fixture {
    let f = super::with_config(name, config);
    ok(&f.run(&["init"]));
    super::hadolint(&f.path("Dockerfile"));
    build(&f.dir, None, tag);
    f
}

/// The section names of a binary in an image, read with `readelf`.
pub fn sections(tag: &str, path: &str) -> String {
    let out = docker(&["create", tag]);
    let id = stdout(&out).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("bin");
    let copied = docker(&["cp", &format!("{id}:{path}"), &dest.to_string_lossy()]);
    let _ = docker(&["rm", &id]);
    assert!(copied.status.success(), "{}", stderr(&copied));
    let out = Command::new("readelf")
        .arg("-S")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// A git repository of `files` on branch `main`, served over plain HTTP by
/// this machine (git's "dumb" protocol needs only files) until dropped.
pub struct GitRepository {
    /// `http://127.0.0.1:PORT/lib.git`.
    pub url: String,
    server: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for GitRepository {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

pub fn git_repository(files: &[(&str, &str)]) -> GitRepository {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    for (name, text) in files {
        let path = work.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let git = |at: &Path, args: &[&str]| {
        let out = Command::new("git")
            .current_dir(at)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "lib"]);
    git(dir.path(), &["clone", "-q", "--bare", "work", "lib.git"]);
    git(&dir.path().join("lib.git"), &["update-server-info"]);
    let port = free_port();
    let server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 serves the repository");
    let url = format!("http://127.0.0.1:{port}/lib.git");
    // Served once it answers (the GET retries while the server starts).
    assert!(
        super::http_get(port, "/lib.git/HEAD").is_some(),
        "nothing serves {url}"
    );
    GitRepository {
        url,
        server,
        _dir: dir,
    }
}
