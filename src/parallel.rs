//! Work over long lists on the machine's cores: a workspace with hundreds
//! of members reads, and renders, one item per member or binary.

/// Fewest items worth a second thread: below it, starting one costs more
/// than it saves.
const FROM: usize = 32;

/// The machine's cores, read once (the first read opens cgroup files).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// What a scoped thread returned; its panic, if it panicked, goes on here.
pub fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `f` of `0..len`, in order, on the machine's cores when the list is long.
/// `start` runs first on each helper thread, to give it state this thread
/// keeps in thread-locals.
pub fn map<T: Send>(len: usize, start: impl Fn() + Sync, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = cores();
    if len < FROM || threads < 2 {
        return (0..len).map(f).collect();
    }
    // Each thread takes the next item as it comes free, this one too: a
    // thread that shares its core with other work (cargo exiting, another
    // file's render) does fewer, and none waits on a share given up front.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= len {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    let (work, start) = (&work, &start);
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| {
                scope.spawn(move || {
                    start();
                    work()
                })
            })
            .collect();
        let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(len).collect();
        let mut place = |done: Vec<(usize, T)>| {
            for (i, item) in done {
                slots[i] = Some(item);
            }
        };
        place(work());
        for helper in helpers {
            place(joined(helper));
        }
        slots
            .into_iter()
            .map(|item| item.expect("each index is taken once"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_and_short_lists_keep_their_order() {
        for len in [0, 1, super::FROM - 1, super::FROM, 1000] {
            let got = super::map(len, || {}, |i| i * 2);
            assert_eq!(got, (0..len).map(|i| i * 2).collect::<Vec<_>>(), "{len}");
        }
    }

    #[test]
    fn a_thread_held_up_takes_fewer_items_and_the_order_holds() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Whichever thread takes the first item is held there until the
        // other has done most of the rest: a share given up front would
        // have left half the list waiting on it. The bound only keeps such
        // a regression from hanging; no load makes 150 items take that long.
        let done = AtomicUsize::new(0);
        let got = super::map(
            200,
            || {},
            |i| {
                if i == 0 && super::cores() > 1 {
                    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
                    while done.load(Ordering::SeqCst) < 150 && std::time::Instant::now() < until {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
                (i, std::thread::current().id())
            },
        );
        assert_eq!(done.into_inner(), 200, "each item once");
        assert!(got.iter().enumerate().all(|(i, (j, _))| i == *j));
        if super::cores() > 1 {
            let held = got[0].1;
            let other = got.iter().filter(|(_, t)| *t != held).count();
            assert!(other >= 150, "the thread not held up did the rest: {other}");
        }
    }
}
