//! The `cargo-distroless` binary: parse arguments, run, report.

use std::process::ExitCode;

/// A short-lived process that allocates many small values while rendering:
/// mimalloc makes that measurably cheaper (see benches/init-speed.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cargo_distroless::cli::parse();
    match cargo_distroless::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            cargo_distroless::error::report(&err);
            cargo_distroless::Status::Error.into()
        }
    }
}
