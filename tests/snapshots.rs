//! Snapshots of the rendered files, one test per fixture so that one
//! failure hides no other. The two stamp lines are redacted: they change
//! with any template byte, and one dedicated test covers them.

mod common;

use common::{error, fixture, ok, redacted};

/// Renders a fixture and snapshots its Dockerfile, warnings and bake file,
/// and its .dockerignore where it is a variant worth keeping.
fn snapshot(name: &str, dockerignore: bool) {
    let f = fixture(name);
    let warnings = ok(&f.run(&["init"]));
    redacted().bind(|| {
        insta::assert_snapshot!(format!("{name}.Dockerfile"), f.read("Dockerfile"));
        insta::assert_snapshot!(format!("{name}.stderr"), warnings);
        if dockerignore {
            insta::assert_snapshot!(format!("{name}.dockerignore"), f.read(".dockerignore"));
        }
        if f.path("docker-bake.hcl").exists() {
            insta::assert_snapshot!(format!("{name}.docker-bake.hcl"), f.read("docker-bake.hcl"));
        }
    });
}

macro_rules! fixtures {
    ($($test:ident: $name:literal => $dockerignore:literal;)*) => {
        mod rendered {
            $(
                #[test]
                fn $test() {
                    super::snapshot($name, $dockerignore);
                }
            )*
        }

        mod hadolint {
            $(
                #[test]
                #[ignore = "needs hadolint: CARGO_DISTROLESS_E2E=1 cargo test -- --include-ignored"]
                fn $test() {
                    let f = super::fixture($name);
                    super::ok(&f.run(&["init"]));
                    super::common::hadolint(&f.path("Dockerfile"));
                }
            )*
        }
    };
}

fixtures! {
    one_bin: "one-bin" => true;
    dash_name: "dash-name" => false;
    several_bins: "several-bins" => false;
    workspace: "workspace" => true;
    build_script: "build-script" => false;
    default_run: "default-run" => false;
    openssl_service: "openssl-service" => false;
    sqlite_service: "sqlite-service" => false;
    static_service: "static-service" => false;
    layered_workspace: "layered-workspace" => false;
    py_flask: "py-flask" => true;
    py_package: "py-package" => false;
    py_uv: "py-uv" => false;
    py_poetry: "py-poetry" => false;
    py_yaml: "py-yaml" => false;
    py_fastapi: "py-fastapi" => false;
    py_pipenv: "py-pipenv" => false;
    py_django: "py-django" => false;
    py_writable: "py-writable" => false;
    node_express: "node-express" => true;
    node_pnpm: "node-pnpm" => false;
    node_yarn_ts: "node-yarn-ts" => false;
    node_workspace: "node-workspace" => false;
    node_sharp: "node-sharp" => false;
    node_next: "node-next" => false;
}

/// Each ecosystem's .dockerignore is the same for every project but for its
/// first line, the toolchain file and `include` re-admissions: the three
/// snapshots above stand for the rest.
#[test]
fn dockerignores_differ_only_where_the_project_does() {
    let body = |name: &str| -> String {
        let f = fixture(name);
        ok(&f.run(&["init"]));
        f.read(".dockerignore")
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("# cargo-distroless "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let rust = body("one-bin");
    for name in ["several-bins", "openssl-service", "static-service"] {
        assert_eq!(body(name), rust, "{name}");
    }
    let python = body("py-flask");
    for name in ["py-uv", "py-poetry"] {
        assert_eq!(body(name), python, "{name}");
    }
    let node = body("node-express");
    assert_eq!(body("node-pnpm"), node);
    assert!(rust != python && python != node && node != rust);
}

#[test]
fn output_is_byte_identical_across_runs_and_copies() {
    for name in ["workspace", "py-uv", "sqlite-service"] {
        let a = fixture(name);
        let b = fixture(name);
        ok(&a.run(&["init"]));
        ok(&b.run(&["init"]));
        for file in ["Dockerfile", ".dockerignore"] {
            assert_eq!(a.read(file), b.read(file), "{name}/{file}");
        }
        let printed = common::stdout(&a.run(&["init", "--stdout"]));
        assert_eq!(
            printed,
            a.read("Dockerfile"),
            "{name}: --stdout differs from the file"
        );
    }
}

#[test]
fn library_only_crate_is_refused() {
    let f = fixture("library-only");
    let text = error(&f.run(&["init"]));
    insta::assert_snapshot!("library-only.stderr", text);
    assert!(!f.path("Dockerfile").exists());
    assert!(!f.path(".dockerignore").exists());
}

/// The two lines every generated file ends with, which the snapshots
/// redact: the inputs (a digest, then a short digest per facet of the plan)
/// and the fingerprint of everything above. A comment-only change to one
/// template moves the inputs and nothing the snapshots compare.
#[test]
fn the_stamp_records_inputs_and_a_fingerprint() {
    let f = fixture("several-bins");
    ok(&f.run(&["init"]));
    let stamp = |name: &str| -> (String, String) {
        let text = f.read(name);
        let lines: Vec<&str> = text.lines().collect();
        let n = lines.len();
        (lines[n - 2].to_string(), lines[n - 1].to_string())
    };
    let (inputs, fingerprint) = stamp("Dockerfile");
    let recorded = inputs
        .strip_prefix("# cargo-distroless inputs: ")
        .expect("an inputs line");
    let (digest, facets) = recorded.split_once('/').expect("digest/facets");
    assert!(digest.len() == 16 && digest.chars().all(|c| c.is_ascii_hexdigit()));
    let facets: Vec<&str> = facets.split('.').collect();
    assert_eq!(facets.len(), 13, "{recorded}");
    assert!(facets.iter().all(|f| f.len() == 4));
    let fingerprint = fingerprint
        .strip_prefix("# cargo-distroless fingerprint: ")
        .expect("a fingerprint line");
    assert!(fingerprint.len() == 16 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        cargo_distroless::write::ownership(&f.read("Dockerfile")),
        cargo_distroless::write::Ownership::Generated
    );
    for other in [".dockerignore", "docker-bake.hcl"] {
        assert_eq!(stamp(other).0, inputs, "{other} records the same inputs");
    }

    std::fs::create_dir_all(f.path(".distroless/templates/common")).unwrap();
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/common/header.hbs"
    ))
    .unwrap();
    f.write(
        ".distroless/templates/common/header.hbs",
        &header.replace("{{#each notes}}", "{{!-- a comment --}}{{#each notes}}"),
    );
    let before = f.read("Dockerfile");
    ok(&f.run(&["init"]));
    let after = f.read("Dockerfile");
    let (new_inputs, _) = stamp("Dockerfile");
    assert_ne!(new_inputs, inputs, "the templates are inputs");
    let body = |t: &str| t[..t.find("# cargo-distroless inputs: ").unwrap()].to_string();
    assert_eq!(body(&after), body(&before));
}
