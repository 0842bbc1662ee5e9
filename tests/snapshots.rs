//! Snapshots of the rendered files over the fixture projects, linted with
//! hadolint, and checked to be byte-identical across runs.

mod common;

use common::{BINARY_FIXTURES, error, fixture, ok};

#[test]
fn rendered_files_per_fixture() {
    for name in BINARY_FIXTURES {
        let f = fixture(name);
        let warnings = ok(&f.run(&["init"]));
        let dockerfile = f.read("Dockerfile");
        insta::assert_snapshot!(format!("{name}.Dockerfile"), dockerfile);
        insta::assert_snapshot!(format!("{name}.dockerignore"), f.read(".dockerignore"));
        insta::assert_snapshot!(format!("{name}.stderr"), warnings);
        if f.path("docker-bake.hcl").exists() {
            insta::assert_snapshot!(format!("{name}.docker-bake.hcl"), f.read("docker-bake.hcl"));
        }
        common::hadolint(&f.path("Dockerfile"));
    }
}

#[test]
fn output_is_byte_identical_across_runs_and_copies() {
    for name in BINARY_FIXTURES {
        let a = fixture(name);
        let b = fixture(name);
        ok(&a.run(&["init"]));
        ok(&b.run(&["init"]));
        assert_eq!(a.read("Dockerfile"), b.read("Dockerfile"), "{name}");
        assert_eq!(a.read(".dockerignore"), b.read(".dockerignore"), "{name}");
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
