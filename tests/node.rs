//! Node projects on the real binary: what is refused, and how the error
//! names the file, the key and the way out.

mod common;

use common::{error, init_in as init, project};

#[test]
fn node_projects_that_cannot_be_built_as_they_are_say_why() {
    let lock = ("package-lock.json", "{ \"lockfileVersion\": 3 }\n");
    for (files, want) in [
        (
            vec![(
                "package.json",
                "{ \"scripts\": { \"start\": \"node a.js\" } }",
            )],
            "package.json has no lockfile beside it",
        ),
        (
            vec![
                ("package.json", "{ \"engines\": { \"node\": \"^18\" } }"),
                lock,
                ("index.js", ""),
            ],
            "`engines.node` in package.json asks for Node ^18, and distroless carries Node 26, 24, 22 only",
        ),
        (
            vec![
                (
                    "package.json",
                    "{ \"scripts\": { \"start\": \"tsx src/index.ts\" } }",
                ),
                lock,
            ],
            "`scripts.start` of package.json is `tsx src/index.ts`, which needs a shell or a tool the image does not have",
        ),
        (
            vec![
                (
                    "package.json",
                    "{ \"dependencies\": { \"next\": \"16.0.0\" }, \"scripts\": { \"start\": \"next start\" } }",
                ),
                lock,
                ("next.config.js", "module.exports = {};\n"),
            ],
            "this Next.js app's next.config.js does not ask for standalone output",
        ),
        (
            vec![("package.json", "{ \"name\": 3 }"), lock],
            "`name` in package.json is 3, not a string",
        ),
        (
            vec![("package.json", "{ oops"), lock],
            "package.json is not valid JSON",
        ),
        (
            vec![
                ("package.json", "{ \"distroless\": { \"prot\": 8080 } }"),
                lock,
                ("index.js", ""),
            ],
            "did you mean `port`?",
        ),
    ] {
        let d = project(&files);
        let text = error(&init(&d, &[]));
        assert!(text.contains(want), "{want}:\n{text}");
        assert!(text.contains("hint: "), "{text}");
        assert!(!d.path().join("Dockerfile").exists());
    }
}
