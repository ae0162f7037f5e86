//! What the state machine sends each step and what each step answers
//! (statemachine/batch-report.asl.json passes `step` and the execution's
//! name, `run`, to every task).

use serde::{Deserialize, Serialize};

/// One step's input.
#[derive(Debug, Deserialize)]
#[serde(tag = "step", rename_all = "lowercase", deny_unknown_fields)]
pub enum Request {
    /// Resolve the day and take its lease.
    Prepare {
        /// The execution's name.
        run: String,
        /// The execution's input.
        #[serde(default)]
        input: ExecutionInput,
    },
    /// Read on from the checkpoint.
    Aggregate {
        /// The execution's name.
        run: String,
        /// The previous step's answer.
        job: JobState,
    },
    /// Render and store the three files.
    Render {
        /// The execution's name.
        run: String,
        /// The last read step's answer.
        job: JobState,
    },
    /// Record the report, move the latest pointer, announce it.
    Publish {
        /// The execution's name.
        run: String,
        /// The render step's answer.
        job: JobState,
    },
    /// Record why the run failed (from the state machine's Catch).
    Fail {
        /// The execution's name.
        run: String,
        /// The failed step's input, with the error caught.
        state: FailedState,
    },
}

/// An execution's input: `{}` from the schedule (yesterday, UTC), or a day
/// and, for tests and operators, how to split the work.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecutionInput {
    /// `YYYY-MM-DD`; yesterday in UTC when absent.
    pub date: Option<String>,
    /// Stop each read step after this many milliseconds (1-900000).
    pub step_budget_ms: Option<u64>,
    /// Records per read of the day (1-1000).
    pub page_size: Option<u16>,
}

/// Where a run is, between steps: what the state machine reads (`status`,
/// `done`) beside the opaque checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobState {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// The run.
    pub run: String,
    /// `started`, `already_running`, `rendered` or `ready`.
    pub status: Status,
    /// Whether the day is read to its end.
    pub done: bool,
    /// The run that holds the day, when this one backed off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// See [`crate::checkpoint`]; absent once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// The report's HTML page, once stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A run's status, as the state machine's Choice reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The run holds the day and is reading it.
    Started,
    /// Another run holds the day; this one ends, successfully.
    AlreadyRunning,
    /// The files are stored.
    Rendered,
    /// The report is recorded and announced.
    Ready,
}

/// The state a Catch hands on: whatever the failed step had as input (so
/// `date` may be missing or not a day at all), and the error.
#[derive(Debug, Deserialize)]
pub struct FailedState {
    /// The day, as the failed step had it (any JSON).
    #[serde(default)]
    pub date: Option<serde_json::Value>,
    /// What the Catch caught.
    #[serde(default)]
    pub error: Option<CaughtError>,
}

/// Step Functions' error object: the error's name and its cause.
#[derive(Debug, Deserialize)]
pub struct CaughtError {
    /// The error's name (`UnreadableActivity`, `States.Timeout`, ...).
    #[serde(rename = "Error")]
    pub error: String,
}

/// What the failure step answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureRecorded {
    /// The day, when the failed state named one.
    pub date: Option<String>,
    /// The failure's code.
    pub code: String,
    /// Whether the day's record now says failed (not when the run never
    /// took the day, e.g. a malformed date, or another run holds it).
    pub recorded: bool,
}
