//! The one place that decides exit codes (see `shared/conventions.md`): 0 success and nothing
//! to change, 1 error, 2 success with changes or drift, 3 refused for safety, 4 (with
//! `plan --detailed-exitcode`) changes that are all out-of-band drift.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing to change (or nothing was asked beyond the output).
    Success,
    /// Done, and there are changes or drift (exit 2).
    Changes,
    /// The input or the environment is wrong: invalid configuration, unreadable file (exit 1).
    Failed,
    /// Refused for safety: stale plan, lock held, threshold, protected object (exit 3).
    Refused,
    /// Done; every change undoes out-of-band drift, none comes from the configuration (exit 4).
    DriftOnly,
}

impl Outcome {
    pub fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Changes => 2,
            Outcome::Refused => 3,
            Outcome::DriftOnly => 4,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(o.code())
    }
}
