//! The `cargo-distroless` binary: parse arguments, run, report.

use std::process::ExitCode;

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
