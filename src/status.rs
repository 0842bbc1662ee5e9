//! How a command ended. A leaf, so that commands and the library entry point
//! share it without importing each other.

use std::process::ExitCode;

/// How a command ended, as an exit code: 0 ok, 1 a check found stale files,
/// 2 an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Stale,
    Error,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(match s {
            Status::Ok => 0,
            Status::Stale => 1,
            Status::Error => 2,
        })
    }
}
