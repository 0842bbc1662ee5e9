//! Templates parsed ahead of need, on a thread of their own while the
//! project is read. The thread that then needs them parses what is left
//! beside it: a small project is read before its templates are parsed,
//! and a large one after.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::Result;

use super::{Builtin, Overrides, Parsed, Renderer};

/// Templates being parsed ahead of need ([`Renderer::start`]).
pub struct Early {
    ecosystem: &'static str,
    work: Arc<Parsing>,
    /// The parsing thread, with the templates it parsed.
    parsing: std::thread::JoinHandle<Vec<(usize, Parsed)>>,
}

/// What both threads take templates from.
struct Parsing {
    /// The overrides and the templates to parse, once the overrides are
    /// read (`None`: they did not read, and `finish` reports why).
    wanted: OnceLock<Option<Wanted>>,
    /// How many of `Wanted::order` are taken.
    next: AtomicUsize,
}

struct Wanted {
    overrides: Overrides,
    templates: Vec<(&'static Builtin, Cow<'static, str>)>,
    /// The templates, largest first: the one that takes longest starts
    /// first, and the threads end together.
    order: Vec<usize>,
}

impl Parsing {
    /// Parses the templates no thread has taken, until none is left.
    fn take(&self) -> Vec<(usize, Parsed)> {
        let Some(Some(wanted)) = self.wanted.get() else {
            return Vec::new();
        };
        let mut done = Vec::new();
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = wanted.order.get(k) else {
                return done;
            };
            done.push((i, handlebars::Template::compile(&wanted.templates[i].1)));
        }
    }
}

impl Early {
    pub(super) fn start(dir: PathBuf, ecosystem: &'static str) -> Early {
        let work = Arc::new(Parsing {
            wanted: OnceLock::new(),
            next: AtomicUsize::new(0),
        });
        let theirs = Arc::clone(&work);
        let parsing = std::thread::spawn(move || {
            let wanted = Overrides::read(&dir).ok().map(|overrides| {
                let templates = super::wanted(&overrides, Some(ecosystem));
                let mut order: Vec<usize> = (0..templates.len()).collect();
                order.sort_by_key(|&i| std::cmp::Reverse(templates[i].1.len()));
                Wanted {
                    overrides,
                    templates,
                    order,
                }
            });
            let _ = theirs.wanted.set(wanted);
            theirs.take()
        });
        Early {
            ecosystem,
            work,
            parsing,
        }
    }

    /// The parsed templates, if they were parsed for this ecosystem with
    /// these overrides; otherwise (the plan is another ecosystem's, the
    /// project's root is another folder, or its overrides did not read)
    /// parses them now, with any error as it would be.
    pub fn finish(self, overrides: &Overrides, ecosystem: &str) -> Result<Renderer> {
        let mine = self.work.take();
        let theirs = self.parsing.join();
        match (self.work.wanted.get(), theirs) {
            (Some(Some(wanted)), Ok(theirs))
                if self.ecosystem == ecosystem && wanted.overrides.same(overrides) =>
            {
                let mut slots: Vec<Option<Parsed>> = std::iter::repeat_with(|| None)
                    .take(wanted.templates.len())
                    .collect();
                for (i, parsed) in mine.into_iter().chain(theirs) {
                    slots[i] = Some(parsed);
                }
                let parsed = slots
                    .into_iter()
                    .map(|p| p.expect("each template is taken once"))
                    .collect();
                Renderer::assemble(&wanted.overrides, &wanted.templates, parsed)
            }
            _ => Renderer::new(overrides, Some(ecosystem)),
        }
    }
}
