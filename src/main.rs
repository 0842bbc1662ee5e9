//! The `cargo-distroless` binary: parse arguments, run, report.

use std::process::ExitCode;

/// mimalloc's heaps per thread suit a run that is over in milliseconds on
/// a few threads, where the system allocator spends much of the render
/// growing an arena for each new thread. (Built without transparent huge
/// pages, whose first touch zeroes 2 MiB at a time.)
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cargo_distroless::cli::parse();
    match cargo_distroless::commands::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            cargo_distroless::error::report(&err);
            cargo_distroless::Status::Error.into()
        }
    }
}
