//! How a step of the report job fails: each error has a name the state
//! machine matches on (retry the transient, catch the rest), and each name
//! a failure, a code and a sentence, that the day's record keeps for the
//! API.

use time::Date;

use crate::ValidationError;
use crate::activity::ActivityError;
use crate::ports::PortError;
use crate::report::{Failure, RunId};

/// Why a step failed. [`JobError::name`] is the name the state machine
/// matches on (retry the transient, catch the rest).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The input names no day, or no run this job can use.
    #[error(transparent)]
    InvalidInput(#[from] ValidationError),
    /// A day that has not begun yet.
    #[error("{day} is in the future (today is {today}, UTC)")]
    FutureDate {
        /// The day asked for.
        day: Date,
        /// Today.
        today: Date,
    },
    /// A checkpoint that is not one this job wrote for this run.
    #[error("bad checkpoint: {0}")]
    BadCheckpoint(String),
    /// Another run took the day over (this one's lease expired).
    #[error("run {run} no longer holds the lease on {day}")]
    LeaseLost {
        /// The day.
        day: Date,
        /// The run that lost it.
        run: RunId,
    },
    /// The day's activity holds a record that cannot be read.
    #[error(transparent)]
    UnreadableActivity(ActivityError),
    /// A backing service failed; worth retrying.
    #[error("a backing service failed: {0}")]
    Unavailable(#[from] PortError),
}

impl From<ActivityError> for JobError {
    fn from(e: ActivityError) -> Self {
        match e {
            ActivityError::Port(p) => JobError::Unavailable(p),
            unreadable => JobError::UnreadableActivity(unreadable),
        }
    }
}

impl JobError {
    /// The error's name, as the state machine sees it.
    pub fn name(&self) -> &'static str {
        match self {
            JobError::InvalidInput(_) => "InvalidInput",
            JobError::FutureDate { .. } => "FutureDate",
            JobError::BadCheckpoint(_) => "BadCheckpoint",
            JobError::LeaseLost { .. } => "LeaseLost",
            JobError::UnreadableActivity(_) => "UnreadableActivity",
            JobError::Unavailable(_) => "StorageUnavailable",
        }
    }
}

/// What a failed run leaves in the day's record, by the name of the error
/// that stopped it: a code and a sentence for whoever reads the report's
/// status, never the internal cause (that is in the logs).
pub fn failure_for(error_name: &str) -> Failure {
    let (code, message) = match error_name {
        "UnreadableActivity" => (
            "unreadable_activity",
            "The day's activity holds a record that cannot be read; it needs repair \
             (the function's logs name it), then a rerun.",
        ),
        "StorageUnavailable" => (
            "storage_unavailable",
            "The table or the bucket kept failing through every retry; rerun the day later.",
        ),
        "LeaseLost" => (
            "lease_lost",
            "The run took too long and another run took the day over.",
        ),
        "BadCheckpoint" => (
            "bad_checkpoint",
            "A step was handed a checkpoint this run did not write.",
        ),
        "States.Timeout" => ("timed_out", "A step ran out of time through every retry."),
        _ => (
            "job_failed",
            "A step of the report job failed; the execution's history says which.",
        ),
    };
    Failure {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}
