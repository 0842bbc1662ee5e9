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

/// `f` of `0..len`, in order, on the machine's cores when the list is long.
/// `start` runs first on each helper thread, to give it state this thread
/// keeps in thread-locals.
pub fn map<T: Send>(len: usize, start: impl Fn() + Sync, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = cores();
    if len < FROM || threads < 2 {
        return (0..len).map(f).collect();
    }
    let chunk = len.div_ceil(threads);
    let (f, start) = (&f, &start);
    std::thread::scope(|scope| {
        // The first chunk is this thread's own, the rest are helpers'.
        let helpers: Vec<_> = (chunk..len)
            .step_by(chunk)
            .map(|from| {
                scope.spawn(move || {
                    start();
                    (from..len.min(from + chunk)).map(f).collect::<Vec<T>>()
                })
            })
            .collect();
        let mut out: Vec<T> = Vec::with_capacity(len);
        out.extend((0..chunk).map(f));
        for helper in helpers {
            out.extend(
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        out
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
}
