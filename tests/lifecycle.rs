//! Living with the generated files: `check`, regeneration that follows only
//! the inputs that matter, template overrides, and template errors.

mod common;

use common::{Fixture, error, fixture, ok, stdout};

/// Runs `check`, asserting its exit code, and returns its report.
fn check(f: &Fixture, code: i32) -> String {
    let out = f.run(&["check"]);
    assert_eq!(
        out.status.code(),
        Some(code),
        "check:\n{}{}",
        stdout(&out),
        common::stderr(&out)
    );
    stdout(&out)
}

fn initialised(name: &str) -> Fixture {
    let f = fixture(name);
    ok(&f.run(&["init"]));
    assert!(check(&f, 0).contains("Dockerfile is up to date"));
    f
}

fn edit(f: &Fixture, rel: &str, from: &str, to: &str) {
    let text = f.read(rel);
    assert!(text.contains(from), "{rel} lacks {from:?}");
    f.write(rel, &text.replacen(from, to, 1));
}

#[test]
fn check_names_a_new_binary_and_init_fixes_it() {
    let f = initialised("workspace");
    std::fs::create_dir_all(f.path("crates/api/src/bin")).unwrap();
    f.write("crates/api/src/bin/migrate.rs", "fn main() {}\n");
    let report = check(&f, 1);
    assert!(report.contains("Dockerfile is stale:"), "{report}");
    assert!(report.contains("- a new image: `migrate`"), "{report}");
    assert!(
        report.contains("+FROM gcr.io/distroless/cc-debian13:nonroot AS migrate"),
        "the diff: {report}"
    );
    assert!(ok(&f.run(&["init"])).contains("updated Dockerfile"));
    check(&f, 0);
}

#[test]
fn check_names_a_new_member() {
    let f = initialised("workspace");
    std::fs::create_dir_all(f.path("crates/jobs/src")).unwrap();
    f.write(
        "crates/jobs/Cargo.toml",
        "[package]\nname = \"jobs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    f.write("crates/jobs/src/main.rs", "fn main() {}\n");
    let report = check(&f, 1);
    assert!(report.contains("- a new image: `jobs`"), "{report}");
    assert!(
        report.contains(
            "- the build changed: Rust 1.95.0 builds binaries `api-server`, `jobs`, `worker` from packages `api`, `jobs`, `worker`"
        ),
        "{report}"
    );
    assert!(
        !report.contains("setting changed") && !report.contains("metadata changed"),
        "a new image changes no other image: {report}"
    );
}

#[test]
fn check_names_a_changed_config_key() {
    let f = initialised("dash-name");
    edit(&f, "Cargo.toml", "port = [8080, 9090]", "port = [8080]");
    let report = check(&f, 1);
    assert!(
        report.contains("- the `port` setting changed (in `my-web-app`)"),
        "{report}"
    );
    edit(&f, "Cargo.toml", "port = [8080]", "port = [8080, 9090]");
    edit(
        &f,
        "Cargo.toml",
        "RUST_LOG = \"info\"",
        "RUST_LOG = \"debug\"",
    );
    assert!(check(&f, 1).contains("the `env` setting changed"));
}

#[test]
fn check_names_a_new_lockfile_and_a_missing_file() {
    let f = initialised("one-bin");
    let locked = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["generate-lockfile", "--offline"])
        .current_dir(&f.dir)
        .output()
        .unwrap();
    assert!(locked.status.success(), "{}", common::stderr(&locked));
    let report = check(&f, 1);
    assert!(
        report.contains("- the build changed:") && report.contains("--locked (Cargo.lock exists)"),
        "{report}"
    );
    std::fs::remove_file(f.path(".dockerignore")).unwrap();
    assert!(check(&f, 1).contains(".dockerignore is missing"));
}

#[test]
fn reformatting_and_source_edits_change_nothing() {
    let f = initialised("workspace");
    let before = f.read("Dockerfile");
    edit(
        &f,
        "crates/api/Cargo.toml",
        "[package]\n",
        "[package]\n# a comment\n\n",
    );
    edit(
        &f,
        "crates/api/Cargo.toml",
        "port = 8080",
        "port   =   8080   # the api",
    );
    edit(
        &f,
        "crates/api/src/main.rs",
        "fn main",
        "// touched\nfn main",
    );
    edit(&f, "Cargo.toml", "resolver = \"2\"", "resolver   =   \"2\"");
    check(&f, 0);
    ok(&f.run(&["init"]));
    assert_eq!(f.read("Dockerfile"), before);
}

#[test]
fn check_reports_hand_edits_and_errors() {
    let f = initialised("one-bin");
    edit(&f, "Dockerfile", "EXPOSE 8080", "EXPOSE 8081");
    let report = check(&f, 1);
    assert!(report.contains("edited by hand"), "{report}");
    assert!(
        report.contains("-EXPOSE 8081") && report.contains("+EXPOSE 8080"),
        "{report}"
    );
    f.write("Cargo.toml", "[package\n");
    let out = f.run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "an error is 2, not stale");
}

#[test]
fn eject_one_partial_and_override_it() {
    let f = initialised("one-bin");
    let text = ok(&f.run(&["eject", "rust/final"]));
    assert!(
        text.contains("wrote .distroless/templates/rust/final.hbs"),
        "{text}"
    );
    assert!(
        !f.path(".distroless/templates/rust/Dockerfile.hbs").exists(),
        "only the one asked for"
    );
    assert_eq!(
        f.read(".distroless/templates/rust/final.hbs"),
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates/rust/final.hbs"
        ))
        .unwrap()
    );
    check(&f, 0);

    edit(
        &f,
        ".distroless/templates/rust/final.hbs",
        "WORKDIR",
        "LABEL team=\"platform\"\nWORKDIR",
    );
    let report = check(&f, 1);
    assert!(report.contains("+LABEL team=\"platform\""), "{report}");
    ok(&f.run(&["init"]));
    let labels = |f: &common::Fixture| f.dockerfile().stage("hello").labels();
    assert_eq!(labels(&f).get("team").map(String::as_str), Some("platform"));
    // The override survives regeneration after an input change.
    edit(&f, "Cargo.toml", "port = 8080", "port = 3000");
    ok(&f.run(&["init"]));
    assert_eq!(labels(&f).get("team").map(String::as_str), Some("platform"));
    assert_eq!(f.dockerfile().stage("hello").exposed(), ["3000"]);

    let listing = stdout(&f.run(&["templates"]));
    let line = listing
        .lines()
        .find(|l| l.contains("rust/final.hbs"))
        .unwrap();
    assert!(line.contains("overridden"), "{line}");
    let line = listing
        .lines()
        .find(|l| l.contains("common/header.hbs"))
        .unwrap();
    assert!(line.contains("built in"), "{line}");
}

#[test]
fn eject_all_and_override_a_whole_template() {
    let f = initialised("one-bin");
    ok(&f.run(&["eject"]));
    for file in [
        "rust/Dockerfile.hbs",
        "common/dockerignore.hbs",
        "common/header.hbs",
        "rust/builder.hbs",
        "python/final.hbs",
    ] {
        assert!(
            f.path(&format!(".distroless/templates/{file}")).exists(),
            "{file}"
        );
    }
    f.write(
        ".distroless/templates/common/dockerignore.hbs",
        "target/\ndocs/\n",
    );
    ok(&f.run(&["init"]));
    assert!(
        f.read(".dockerignore")
            .starts_with("target/\ndocs/\n# cargo-distroless inputs: ")
    );
    // Eject never overwrites a template already there.
    let text = ok(&f.run(&["eject", "dockerignore"]));
    assert!(
        text.contains("kept .distroless/templates/common/dockerignore.hbs"),
        "{text}"
    );
    assert!(
        f.read(".distroless/templates/common/dockerignore.hbs")
            .starts_with("target/")
    );
    ok(&f.run(&["eject", "dockerignore", "--force"]));
    assert!(
        f.read(".distroless/templates/common/dockerignore.hbs")
            .starts_with("# .dockerignore")
    );
    let text = error(&f.run(&["eject", "nope"]));
    assert!(
        text.contains("no template named `nope`") && text.contains("rust/final"),
        "{text}"
    );
}

#[test]
fn template_errors_name_the_file_and_leave_the_dockerfile() {
    let f = initialised("one-bin");
    let before = f.read("Dockerfile");
    let partial = ".distroless/templates/rust/final.hbs";
    ok(&f.run(&["eject", "rust/final"]));

    edit(
        &f,
        partial,
        "{{@root.runtime.user}}",
        "{{@root.runtime.usr}}",
    );
    let text = error(&f.run(&["init", "--force"]));
    assert!(text.contains("rust/final.hbs:"), "file and line: {text}");
    assert!(
        text.contains("`@root.runtime.usr` is not in the render context"),
        "{text}"
    );
    assert_eq!(f.read("Dockerfile"), before);

    f.write(partial, "FROM x\n{{#if ports}\n");
    let text = error(&f.run(&["init", "--force"]));
    assert!(
        text.contains("rust/final.hbs:") && text.contains("does not parse"),
        "{text}"
    );
    assert_eq!(f.read("Dockerfile"), before);

    f.write(partial, "{{> no-such-partial}}\n");
    let text = error(&f.run(&["init"]));
    assert!(
        text.contains("there is no partial `no-such-partial`"),
        "{text}"
    );
    assert_eq!(f.read("Dockerfile"), before);
    let leftovers: Vec<_> = std::fs::read_dir(&f.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cargo-distroless-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn unknown_template_file_is_a_warning() {
    let f = initialised("one-bin");
    std::fs::create_dir_all(f.path(".distroless/templates")).unwrap();
    f.write(
        ".distroless/templates/final-stage.hbs",
        "misplaced partial\n",
    );
    let out = f.run(&["init"]);
    let text = ok(&out);
    assert!(
        text.contains("warning: .distroless/templates/final-stage.hbs matches no template"),
        "{text}"
    );
    assert!(
        text.contains("rust/final.hbs"),
        "lists the real names: {text}"
    );
}

#[test]
fn recorded_choices_keep_regeneration_stable() {
    let f = initialised("workspace");
    edit(
        &f,
        "Cargo.toml",
        "[workspace.metadata.distroless]\n",
        "[workspace.metadata.distroless]\nbins = [\"worker\"]\nrust-version = \"1.94\"\n",
    );
    let parsed = common::Dockerfile::parse(&stdout(&f.run(&["init", "--stdout"])));
    assert!(
        parsed.has_stage("worker") && !parsed.has_stage("api-server"),
        "{:?}",
        parsed.names()
    );
    assert_eq!(
        parsed.stage("builder").image,
        "rust:1.95.0-slim-trixie",
        "the toolchain file still wins"
    );
    ok(&f.run(&["init"]));
    check(&f, 0);
    // A flag overrides the recorded choice (with --stdout, nothing is recorded).
    let out = f.run(&["init", "--stdout", "--bin", "api-server"]);
    assert!(common::Dockerfile::parse(&stdout(&out)).has_stage("api-server"));

    let w = fixture("workspace");
    edit(
        &w,
        "crates/api/Cargo.toml",
        "port = 8080",
        "port = 8080\nbins = [\"api-server\"]",
    );
    let text = error(&w.run(&["init"]));
    assert!(text.contains("`bins` in [package.metadata.distroless] of crates/api/Cargo.toml applies to the whole project"), "{text}");

    // init records a flag's choice, so a plain check agrees with it.
    let s = fixture("several-bins");
    let text = ok(&s.run(&["init", "--bin", "worker"]));
    assert!(
        text.contains(
            "recorded bins = [\"worker\"] in [package.metadata.distroless] of Cargo.toml"
        ),
        "{text}"
    );
    check(&s, 0);
}

#[test]
fn templates_json_lists_templates_and_context() {
    let f = fixture("one-bin");
    let out = f.run(&["templates", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<&str> = json["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "node/Dockerfile",
            "node/builder",
            "node/final",
            "python/Dockerfile",
            "python/builder",
            "python/final",
            "rust/Dockerfile",
            "rust/builder",
            "rust/final",
            "rust/manifests",
            "rust/probe",
            "common/apt-packages",
            "common/bake",
            "common/compose",
            "common/copy-libraries",
            "common/dockerignore",
            "common/header",
            "common/health",
        ]
    );
    assert_eq!(json["context"]["properties"]["binaries"]["type"], "array");
    let text = stdout(&f.run(&["templates"]));
    for field in [
        "binaries[].stage",
        "rust.build_command",
        "runtime.image",
        "builder.image",
    ] {
        assert!(text.contains(field), "{field} missing:\n{text}");
    }
    assert!(
        !text.lines().any(|l| l.ends_with("  ")),
        "every field is documented:\n{text}"
    );
}

/// A file rendered the same from other inputs (as by another release) is up
/// to date; `init` records the new inputs. The recorded inputs are only
/// trusted in an untouched file.
#[test]
fn same_render_from_other_inputs_is_up_to_date() {
    let f = initialised("one-bin");
    let text = f.read("Dockerfile");
    let body = &text[..text.find("# cargo-distroless inputs: ").unwrap()];
    let other = cargo_distroless::write::stamp(body, "00000000000000ff");
    assert_ne!(other, text);
    f.write("Dockerfile", &other);
    check(&f, 0);
    assert_eq!(f.read("Dockerfile"), other, "check writes nothing");
    let out = ok(&f.run(&["init"]));
    assert!(out.contains("up to date: Dockerfile"), "{out}");
    assert_eq!(f.read("Dockerfile"), text, "init records the inputs");
    check(&f, 0);

    // An edit that keeps the inputs line is still an edit.
    f.write("Dockerfile", &text.replace("USER 65532:65532", "USER root"));
    let err = error(&f.run(&["init"]));
    assert!(err.contains("was edited since it was generated"), "{err}");
    check(&f, 1);
}

/// A change that alters only the Dockerfile still leaves every generated file
/// recording the same inputs, so the next run can skip rendering.
#[test]
fn every_file_records_the_current_inputs() {
    let f = initialised("workspace");
    let inputs = |f: &Fixture| -> Vec<String> {
        ["Dockerfile", ".dockerignore", "docker-bake.hcl"]
            .iter()
            .map(|name| {
                let text = f.read(name);
                let at = text.find("# cargo-distroless inputs: ").unwrap();
                text[at..].lines().next().unwrap().to_string()
            })
            .collect()
    };
    let before = inputs(&f);
    assert!(before.iter().all(|l| l == &before[0]), "{before:?}");
    let rendered = |f: &Fixture| {
        let text = f.read(".dockerignore");
        text[..text.find("# cargo-distroless inputs: ").unwrap()].to_string()
    };
    let ignore = rendered(&f);
    edit(&f, "crates/api/Cargo.toml", "port = 8080", "port = 8082");
    let out = ok(&f.run(&["init"]));
    assert!(out.contains("updated Dockerfile"), "{out}");
    let after = inputs(&f);
    assert_ne!(after[0], before[0]);
    assert!(after.iter().all(|l| l == &after[0]), "{after:?}");
    assert_eq!(rendered(&f), ignore, "the .dockerignore text is the same");
    check(&f, 0);
}

/// Overrides that include each other are an error naming the loop, and the
/// Dockerfile is left as it was.
#[test]
fn templates_that_include_each_other_are_refused() {
    let f = initialised("one-bin");
    let before = f.read("Dockerfile");
    std::fs::create_dir_all(f.path(".distroless/templates/rust")).unwrap();
    f.write(
        ".distroless/templates/rust/final.hbs",
        "{{include \"rust/Dockerfile\"}}\n",
    );
    let err = error(&f.run(&["init"]));
    assert!(
        err.contains(
            "templates include each other in a loop: rust/Dockerfile → rust/final → rust/Dockerfile"
        ),
        "{err}"
    );
    assert_eq!(f.read("Dockerfile"), before);
}

/// Overrides written for the flat layout that came before ecosystem folders
/// still take effect, by their old paths and the old names they include,
/// and each old path gets a warning naming the new one.
#[test]
fn old_override_paths_and_names_still_work() {
    let f = initialised("one-bin");
    let before = f.read("Dockerfile");
    std::fs::create_dir_all(f.path(".distroless/templates/partials")).unwrap();
    let builtin = |file: &str| {
        std::fs::read_to_string(format!("{}/templates/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    // The main template as it was written before: old names throughout.
    f.write(
        ".distroless/templates/rust.Dockerfile.hbs",
        "{{include \"header\"}}\n{{include \"rust-builder\"}}\n\n{{include_each \"final-stage\" binaries}}\n",
    );
    f.write(
        ".distroless/templates/partials/final-stage.hbs",
        &builtin("rust/final.hbs").replace("WORKDIR", "LABEL team=\"platform\"\nWORKDIR"),
    );
    let text = ok(&f.run(&["init"]));
    for (old, new) in [
        ("rust.Dockerfile.hbs", "rust/Dockerfile.hbs"),
        ("partials/final-stage.hbs", "rust/final.hbs"),
    ] {
        assert!(
            text.contains(&format!(
                "warning: .distroless/templates/{old} is the old path of .distroless/templates/{new}; it still takes effect"
            )),
            "{text}"
        );
    }
    let after = f.read("Dockerfile");
    let body = |t: &str| t[..t.find("# cargo-distroless inputs: ").unwrap()].to_string();
    assert_eq!(
        body(&after),
        body(&before).replace("WORKDIR /app", "LABEL team=\"platform\"\nWORKDIR /app")
    );
    // The new path wins over the old one, which is then reported as ignored.
    std::fs::create_dir_all(f.path(".distroless/templates/rust")).unwrap();
    f.write(
        ".distroless/templates/rust/final.hbs",
        &builtin("rust/final.hbs"),
    );
    let text = ok(&f.run(&["init"]));
    assert!(
        text.contains("warning: .distroless/templates/partials/final-stage.hbs is ignored: .distroless/templates/rust/final.hbs overrides the same template"),
        "{text}"
    );
    assert_eq!(body(&f.read("Dockerfile")), body(&before));
}

/// The reasons come from the plan each file records, not from reading the
/// text back: with the builder and final stage overridden beyond
/// recognition, `check` still names the setting, the packages and the build
/// that changed, and nothing else.
#[test]
fn check_reasons_hold_with_overridden_templates() {
    let f = initialised("sqlite-service");
    std::fs::create_dir_all(f.path(".distroless/templates/rust")).unwrap();
    f.write(
        ".distroless/templates/rust/builder.hbs",
        "FROM {{builder.image}} AS {{builder.stage}}\n# installs: {{#each builder.packages}}{{name}} {{/each}}\nRUN {{rust.build_command}}\n",
    );
    f.write(
        ".distroless/templates/rust/final.hbs",
        "FROM {{@root.runtime.image}} AS {{stage}}\nENTRYPOINT {{json entrypoint}}\n{{#each ports}}EXPOSE {{this}}/tcp\n{{/each}}",
    );
    ok(&f.run(&["init"]));
    check(&f, 0);

    edit(&f, "Cargo.toml", "port = 8080", "port = 8081");
    let report = check(&f, 1);
    let reasons: Vec<&str> = report.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(
        reasons,
        ["  - the `port` setting changed (in `notes`)"],
        "{report}"
    );
    ok(&f.run(&["init"]));

    let manifest = f.read("Cargo.toml");
    edit(
        &f,
        "Cargo.toml",
        "port = 8081",
        "port = 8081\napt = [\"libssl-dev\"]",
    );
    let report = check(&f, 1);
    let reasons: Vec<&str> = report.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(
        reasons,
        ["  - the builder's Debian packages are now `libsqlite3-dev`, `libssl-dev`, `pkg-config`"],
        "{report}"
    );
    f.write("Cargo.toml", &manifest);

    edit(
        &f,
        "Cargo.toml",
        "[package.metadata.distroless]",
        "[features]\nextra = []\n\n[package.metadata.distroless]\nfeatures = [\"extra\"]",
    );
    let report = check(&f, 1);
    assert!(
        report.contains("  - the build changed: Rust 1 builds binary `notes` from package `notes`, profile `release`, features extra, --locked"),
        "{report}"
    );
    assert!(!report.contains("templates changed"), "{report}");
}

/// A partial that includes itself through handlebars' own `{{> name}}`
/// (which has no loop check and would overflow the stack) is found before
/// rendering, whether named by the old name or the new one.
#[test]
fn a_partial_that_includes_itself_is_an_error_not_a_crash() {
    let f = initialised("one-bin");
    let before = f.read("Dockerfile");
    std::fs::create_dir_all(f.path(".distroless/templates/common")).unwrap();
    for body in [
        "{{> header}}\n",
        "# top\n{{#if project}}{{> common/header}}{{/if}}\n",
    ] {
        f.write(".distroless/templates/common/header.hbs", body);
        let out = f.run(&["init"]);
        let err = error(&out);
        assert!(
            err.contains("templates include each other in a loop:") && err.contains("header"),
            "{err}"
        );
        assert_eq!(f.read("Dockerfile"), before);
    }
}

#[test]
fn a_projects_own_dockerignore_is_merged_and_its_rules_kept() {
    let f = fixture("one-bin");
    let own = "# the team's rules\nnotes/\n\n*.log\n";
    f.write(".dockerignore", own);
    // Its own file: refused without --force, and left as it was.
    let refused = error(&f.run(&["init"]));
    assert!(
        refused.contains("a .dockerignore of your own keeps its rules"),
        "{refused}"
    );
    assert!(
        refused.contains("+# The project's own rules") && refused.contains("\n notes/\n"),
        "the diff shows the merge: {refused}"
    );
    assert_eq!(f.read(".dockerignore"), own);
    let log = ok(&f.run(&["init", "--force"]));
    assert!(
        log.contains("merged .dockerignore: its 2 rules are kept at the top"),
        "{log}"
    );
    let merged = f.read(".dockerignore");
    let (top, generated) = merged
        .split_once("# End of the project's own rules.\n")
        .expect("the project's rules are delimited");
    assert!(
        top.ends_with("# the team's rules\nnotes/\n\n*.log\n"),
        "{merged}"
    );
    assert!(generated.contains("**/.git/"), "{merged}");
    // The rules stay, through a re-run and a check.
    assert!(ok(&f.run(&["init"])).contains("up to date: .dockerignore"));
    check(&f, 0);
    // An edit between the lines is the project's to make: --force keeps it.
    edit(&f, ".dockerignore", "notes/\n", "drafts/\n");
    assert!(check(&f, 1).contains("edited by hand"));
    ok(&f.run(&["init", "--force"]));
    let text = f.read(".dockerignore");
    assert!(
        text.contains("\ndrafts/\n") && !text.contains("\nnotes/\n"),
        "{text}"
    );
    check(&f, 0);
}

#[test]
fn a_rule_that_hides_the_lockfile_stops_init() {
    let f = fixture("one-bin");
    f.write("Cargo.lock", "version = 4\n");
    // An allow-list that forgets the lockfile: the build could not be locked.
    f.write(".dockerignore", "*\n!src\n!Cargo.toml\n");
    let err = error(&f.run(&["init", "--force"]));
    assert!(err.contains("`*` leaves out Cargo.lock"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(f.read(".dockerignore"), "*\n!src\n!Cargo.toml\n");
    assert!(!f.path("Dockerfile").exists());
    f.write(".dockerignore", "*\n!src\n!Cargo.*\n");
    ok(&f.run(&["init", "--force"]));
    check(&f, 0);
}

#[test]
fn the_dependency_plan_follows_declared_targets_not_discovered_ones() {
    let f = initialised("layered-workspace");
    let dockerfile = f.read("Dockerfile");
    let parsed = common::Dockerfile::parse(&dockerfile);
    assert!(
        parsed
            .stage("plan")
            .runs(&["tee", "api/build.rs", "api/src/main.rs"]),
        "the build script and the binary get a main: {dockerfile}"
    );
    // A discovered test needs no stand-in: the plan, and the file, stay.
    std::fs::create_dir_all(f.path("api/tests")).unwrap();
    f.write("api/tests/it.rs", "#[test]\nfn works() {}\n");
    check(&f, 0);
    // A declared one does: cargo would not load the manifest without it.
    edit(
        &f,
        "api/Cargo.toml",
        "[dependencies]",
        "[[bench]]\nname = \"speed\"\nharness = false\n\n[dependencies]",
    );
    std::fs::create_dir_all(f.path("api/benches")).unwrap();
    f.write("api/benches/speed.rs", "fn main() {}\n");
    let report = check(&f, 1);
    assert!(
        report.contains("the build changed")
            && report.contains("+ && echo 'fn main() {}' | tee api/benches/speed.rs"),
        "{report}"
    );
    ok(&f.run(&["init"]));
    check(&f, 0);
}
