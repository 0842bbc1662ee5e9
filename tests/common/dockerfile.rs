//! A generated Dockerfile as a Dockerfile parser reads it, so that tests
//! assert on instructions (a stage's `ENTRYPOINT`, a `COPY`'s source, the
//! words of a `RUN`) rather than on substrings of the text.

use std::collections::BTreeMap;

use parse_dockerfile::{Command, HealthcheckArguments, Instruction, Source};

/// One instruction: its keyword, its `--flag[=value]` options, and its
/// arguments as words (a shell-form command split as the shell splits it,
/// `RUN`'s continuation lines joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ins {
    pub keyword: &'static str,
    pub flags: Vec<(String, Option<String>)>,
    pub words: Vec<String>,
    /// An exec-form (JSON array) command rather than a shell-form one.
    pub exec: bool,
}

impl Ins {
    /// The value of `--name=value`, if the instruction has that flag.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether the words hold `seq`, in order and next to each other.
    pub fn has_words(&self, seq: &[&str]) -> bool {
        !seq.is_empty() && self.words.windows(seq.len()).any(|w| w == seq)
    }
}

/// One stage: its `FROM` image and name, and the instructions after it.
#[derive(Debug, Clone)]
pub struct Stage {
    pub image: String,
    pub name: Option<String>,
    pub from_flags: Vec<(String, Option<String>)>,
    pub ins: Vec<Ins>,
}

impl Stage {
    /// Every instruction with this keyword, in order.
    pub fn all(&self, keyword: &str) -> Vec<&Ins> {
        self.ins.iter().filter(|i| i.keyword == keyword).collect()
    }

    /// The one instruction with this keyword, or `None`; two is a failure.
    pub fn one(&self, keyword: &str) -> Option<&Ins> {
        let all = self.all(keyword);
        assert!(
            all.len() <= 1,
            "{} {keyword} instructions in {self:?}",
            all.len()
        );
        all.first().copied()
    }

    /// The exec-form `ENTRYPOINT`; a shell-form one is a failure.
    pub fn entrypoint(&self) -> Vec<String> {
        let i = self.one("ENTRYPOINT").expect("an ENTRYPOINT");
        assert!(i.exec, "ENTRYPOINT in shell form: {i:?}");
        i.words.clone()
    }

    /// The exec-form `CMD`, if there is one.
    pub fn cmd(&self) -> Option<Vec<String>> {
        self.one("CMD").map(|i| {
            assert!(i.exec, "CMD in shell form: {i:?}");
            i.words.clone()
        })
    }

    /// The single word of a `USER`, `WORKDIR` or `STOPSIGNAL`.
    pub fn value(&self, keyword: &str) -> Option<String> {
        self.one(keyword).map(|i| i.words.join(" "))
    }

    /// The `KEY=value` pairs of every `ENV` (or `LABEL`), unquoted.
    pub fn pairs(&self, keyword: &str) -> BTreeMap<String, String> {
        self.all(keyword)
            .into_iter()
            .flat_map(|i| i.words.iter())
            .map(|w| {
                let (k, v) = w.split_once('=').expect("KEY=value");
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    pub fn env(&self) -> BTreeMap<String, String> {
        self.pairs("ENV")
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        self.pairs("LABEL")
    }

    /// The ports of every `EXPOSE`.
    pub fn exposed(&self) -> Vec<String> {
        self.all("EXPOSE")
            .into_iter()
            .flat_map(|i| i.words.clone())
            .collect()
    }

    /// Every `COPY` as (its `--from`, its sources and destination).
    pub fn copies(&self) -> Vec<(Option<String>, Vec<String>)> {
        self.all("COPY")
            .into_iter()
            .map(|i| (i.flag("from").map(String::from), i.words.clone()))
            .collect()
    }

    /// Whether a `RUN` holds these words in order, next to each other.
    pub fn runs(&self, seq: &[&str]) -> bool {
        self.all("RUN").iter().any(|i| i.has_words(seq))
    }

    /// Whether some `RUN` has a `--mount` with all these `key=value` fields
    /// (among others, in any order).
    pub fn mounts(&self, fields: &[&str]) -> bool {
        self.all("RUN").iter().any(|i| {
            i.flags.iter().any(|(n, v)| {
                let have: Vec<&str> = v.as_deref().unwrap_or_default().split(',').collect();
                n == "mount" && fields.iter().all(|f| have.contains(f))
            })
        })
    }
}

/// A Dockerfile read by a Dockerfile parser.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// Parses the text; a text that does not parse is a failure.
    pub fn parse(text: &str) -> Dockerfile {
        let parsed = parse_dockerfile::parse(text)
            .unwrap_or_else(|e| panic!("the Dockerfile does not parse: {e}\n{text}"));
        let mut stages: Vec<Stage> = Vec::new();
        for i in &parsed.instructions {
            if let Instruction::From(f) = i {
                stages.push(Stage {
                    image: f.image.value.to_string(),
                    name: f.as_.as_ref().map(|(_, n)| n.value.to_string()),
                    from_flags: flags(&f.options),
                    ins: Vec::new(),
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.ins.push(instruction(i));
            }
        }
        Dockerfile { stages }
    }

    /// The stage of this name; a missing one is a failure that lists them.
    pub fn stage(&self, name: &str) -> &Stage {
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no stage {name:?} among {:?}", self.names()))
    }

    /// Whether a stage of this name exists.
    pub fn has_stage(&self, name: &str) -> bool {
        self.stages.iter().any(|s| s.name.as_deref() == Some(name))
    }

    /// The stages' names, in order.
    pub fn names(&self) -> Vec<String> {
        self.stages.iter().filter_map(|s| s.name.clone()).collect()
    }

    /// The images the `FROM` instructions name, in order.
    pub fn images(&self) -> Vec<String> {
        self.stages.iter().map(|s| s.image.clone()).collect()
    }

    /// The last stage: what a build without `--target` produces.
    pub fn last(&self) -> &Stage {
        self.stages.last().expect("a stage")
    }

    /// Every instruction of every stage with this keyword.
    pub fn all(&self, keyword: &str) -> Vec<&Ins> {
        self.stages.iter().flat_map(|s| s.all(keyword)).collect()
    }

    /// Whether any stage's `RUN` holds these words, in order.
    pub fn runs(&self, seq: &[&str]) -> bool {
        self.stages.iter().any(|s| s.runs(seq))
    }

    /// Whether some `RUN` installs this package with apt.
    pub fn apt_installs(&self, package: &str) -> bool {
        self.all("RUN")
            .iter()
            .any(|i| i.has_words(&["apt-get", "install"]) && i.words.iter().any(|w| w == package))
    }

    /// Every word of every `RUN`, for a failure message or a search.
    pub fn run_words(&self) -> Vec<String> {
        self.all("RUN")
            .into_iter()
            .flat_map(|i| i.words.clone())
            .collect()
    }
}

fn flags(options: &[parse_dockerfile::Flag<'_>]) -> Vec<(String, Option<String>)> {
    options
        .iter()
        .map(|f| {
            (
                f.name.value.to_string(),
                f.value.as_ref().map(|v| v.value.to_string()),
            )
        })
        .collect()
}

/// A shell text split into words, continuation lines joined.
fn shell(text: &str) -> Vec<String> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    shell_words::split(&joined).unwrap_or_else(|e| panic!("not one shell text ({e}): {text}"))
}

fn command(c: &Command<'_>) -> (Vec<String>, bool) {
    match c {
        Command::Exec(words) => (
            words.value.iter().map(|w| w.value.to_string()).collect(),
            true,
        ),
        Command::Shell(text) => (shell(text.value), false),
        other => panic!("a command neither exec nor shell form: {other:?}"),
    }
}

fn instruction(i: &Instruction<'_>) -> Ins {
    let plain = |keyword, text: &str| Ins {
        keyword,
        flags: Vec::new(),
        words: shell(text),
        exec: false,
    };
    match i {
        Instruction::Run(r) => {
            let (words, exec) = command(&r.arguments);
            Ins {
                keyword: "RUN",
                flags: flags(&r.options),
                words,
                exec,
            }
        }
        Instruction::Copy(c) => {
            let mut words: Vec<String> = c
                .src
                .iter()
                .map(|s| match s {
                    Source::Path(p) => p.value.to_string(),
                    Source::HereDoc(h) => h.value.to_string(),
                    _ => String::new(),
                })
                .collect();
            words.push(c.dest.value.to_string());
            Ins {
                keyword: "COPY",
                flags: flags(&c.options),
                words,
                exec: false,
            }
        }
        Instruction::Entrypoint(e) => {
            let (words, exec) = command(&e.arguments);
            Ins {
                keyword: "ENTRYPOINT",
                flags: Vec::new(),
                words,
                exec,
            }
        }
        Instruction::Cmd(c) => {
            let (words, exec) = command(&c.arguments);
            Ins {
                keyword: "CMD",
                flags: Vec::new(),
                words,
                exec,
            }
        }
        Instruction::Healthcheck(h) => {
            let (words, exec) = match &h.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => command(arguments),
                _ => (vec!["NONE".to_string()], false),
            };
            Ins {
                keyword: "HEALTHCHECK",
                flags: flags(&h.options),
                words,
                exec,
            }
        }
        Instruction::Env(e) => plain("ENV", &e.arguments.value),
        Instruction::Label(l) => plain("LABEL", &l.arguments.value),
        Instruction::Expose(e) => Ins {
            keyword: "EXPOSE",
            flags: Vec::new(),
            words: e.arguments.iter().map(|a| a.value.to_string()).collect(),
            exec: false,
        },
        Instruction::User(u) => plain("USER", &u.arguments.value),
        Instruction::Workdir(w) => plain("WORKDIR", &w.arguments.value),
        Instruction::Stopsignal(s) => plain("STOPSIGNAL", &s.arguments.value),
        Instruction::Arg(a) => plain("ARG", &a.arguments.value),
        other => Ins {
            keyword: "OTHER",
            flags: Vec::new(),
            words: vec![format!("{other:?}")],
            exec: false,
        },
    }
}
