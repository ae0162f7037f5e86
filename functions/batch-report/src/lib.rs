//! batch-report: a day of activity turned into a report, by a state
//! machine (template.yaml, `statemachine/batch-report.asl.json`) that
//! calls this one function for each step and keeps the checkpoint between
//! them, so that no invocation has to outlive its timeout and none keeps
//! anything: statelessness answered with Step Functions.
//!
//! - [`request`]: what each step receives and answers;
//! - [`checkpoint`]: where a run is, as one opaque string in the state;
//! - [`figures_doc`]: the figures as JSON (the report and the checkpoint);
//! - [`render`]: the three files;
//! - the steps themselves are the domain's
//!   [`ReportJob`](rightnow_domain::services::ReportJob).

pub mod checkpoint;
mod figures_doc;
mod render;
pub mod request;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Diagnostic, LambdaEvent};
use rightnow_domain::report::{RunId, parse_day};
use rightnow_domain::services::{
    JobError, Prepared, Progress, ReportFiles, ReportJob, failure_for,
};

use crate::checkpoint::Tuning;
use crate::request::{ExecutionInput, FailedState, FailureRecorded, JobState, Request, Status};

/// Records per read of the day, unless the execution asks otherwise: the
/// most the execution may ask (DynamoDB stops a page at 1 MB anyway, and a
/// day's items are small), so a day costs the fewest round trips.
pub const PAGE_SIZE: u16 = 1000;

/// A read step stops this long before its deadline: time to write its
/// working file and answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// What a step answers.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Reply {
    /// Where the run is.
    Job(JobState),
    /// What the failure step recorded.
    Failure(FailureRecorded),
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The job's own error (see [`JobError`]).
    #[error(transparent)]
    Job(#[from] JobError),
    /// A file could not be rendered.
    #[error(transparent)]
    Render(#[from] render::RenderError),
}

impl StepError {
    /// The name the state machine's Retry and Catch match on.
    pub fn name(&self) -> &'static str {
        match self {
            StepError::Job(e) => e.name(),
            StepError::Render(_) => "RenderFailed",
        }
    }
}

/// Why a step failed, as Lambda reports it.
fn diagnostic(e: &StepError) -> Diagnostic {
    Diagnostic {
        error_type: e.name().into(),
        error_message: e.to_string(),
    }
}

fn bad_checkpoint(e: impl std::fmt::Display) -> JobError {
    JobError::BadCheckpoint(e.to_string())
}

/// Runs the step `event` asks for.
pub async fn handle(job: &ReportJob, event: LambdaEvent<Request>) -> Result<Reply, Diagnostic> {
    let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
    let started = std::time::Instant::now();
    let step = step_name(&event.payload);
    let result = run(job, event.payload, deadline).await;
    let ms = started.elapsed().as_millis();
    // Every line names the function and what invoked it, as the other
    // functions' do.
    let (function, source) = (
        env!("CARGO_PKG_NAME"),
        "Step Functions: the report's state machine",
    );
    match &result {
        Ok(Reply::Job(s)) => {
            tracing::info!(function, source, step, outcome = "done", date = %s.date, run = %s.run, status = ?s.status, done = s.done, ms, "step done")
        }
        Ok(Reply::Failure(f)) => {
            tracing::warn!(function, source, step, outcome = "failed", date = ?f.date, code = %f.code, recorded = f.recorded, ms, "run failed")
        }
        Err(e) => {
            tracing::error!(function, source, step, outcome = "error", error = %e, kind = e.name(), ms, "step failed")
        }
    }
    result.map_err(|e| diagnostic(&e))
}

fn step_name(r: &Request) -> &'static str {
    match r {
        Request::Prepare { .. } => "prepare",
        Request::Aggregate { .. } => "aggregate",
        Request::Render { .. } => "render",
        Request::Publish { .. } => "publish",
        Request::Fail { .. } => "fail",
    }
}

async fn run(job: &ReportJob, request: Request, deadline: SystemTime) -> Result<Reply, StepError> {
    match request {
        Request::Prepare { run, input } => Ok(prepare(job, &run, input).await?),
        Request::Aggregate { run, job: state } => {
            let (progress, tuning) = resume(&state, &run)?;
            let budget = budget(deadline, tuning);
            let progress = job.aggregate(progress, budget, tuning.page_size).await?;
            Ok(Reply::Job(state_of(&progress, tuning, Status::Started)))
        }
        Request::Render { run, job: state } => {
            let (progress, tuning) = resume(&state, &run)?;
            let files = render_files(&progress)?;
            let keys = job.store(&progress, files).await?;
            let mut state = state_of(&progress, tuning, Status::Rendered);
            state.key = Some(keys.html);
            Ok(Reply::Job(state))
        }
        Request::Publish { run, job: state } => {
            let (progress, _) = resume(&state, &run)?;
            let pointer = job.publish(&progress).await?;
            Ok(Reply::Job(JobState {
                date: progress.day.to_string(),
                run: progress.run.to_string(),
                status: Status::Ready,
                done: true,
                holder: None,
                checkpoint: None,
                key: Some(pointer.key),
            }))
        }
        Request::Fail { run, state } => Ok(record_failure(job, &run, state).await?),
    }
}

/// The files of a finished run, rendered from its figures (the job
/// streams its rows in when it stores them).
pub fn render_files(progress: &Progress) -> Result<ReportFiles, StepError> {
    Ok(render::files(progress.day, &progress.figures)?)
}

async fn prepare(job: &ReportJob, name: &str, input: ExecutionInput) -> Result<Reply, JobError> {
    let run = RunId::parse(name)?;
    let tuning = tuning(&input)?;
    match job.prepare(input.date.as_deref(), run).await? {
        Prepared::Started(progress) => Ok(Reply::Job(state_of(&progress, tuning, Status::Started))),
        Prepared::AlreadyRunning { day, holder } => Ok(Reply::Job(JobState {
            date: day.to_string(),
            run: name.to_owned(),
            status: Status::AlreadyRunning,
            done: false,
            holder: Some(holder.to_string()),
            checkpoint: None,
            key: None,
        })),
    }
}

/// The execution's tuning, checked: out-of-range values are bad input,
/// not silently clamped.
fn tuning(input: &ExecutionInput) -> Result<Tuning, JobError> {
    use rightnow_domain::ValidationError;
    if let Some(ms) = input.step_budget_ms
        && !(1..=900_000).contains(&ms)
    {
        return Err(ValidationError::new("stepBudgetMs", "must be 1-900000").into());
    }
    let page_size = input.page_size.unwrap_or(PAGE_SIZE);
    if !(1..=1000).contains(&page_size) {
        return Err(ValidationError::new("pageSize", "must be 1-1000").into());
    }
    Ok(Tuning {
        step_budget_ms: input.step_budget_ms,
        page_size,
    })
}

fn state_of(progress: &Progress, tuning: Tuning, status: Status) -> JobState {
    JobState {
        date: progress.day.to_string(),
        run: progress.run.to_string(),
        status,
        done: progress.done,
        holder: None,
        checkpoint: Some(checkpoint::encode(progress, tuning)),
        key: None,
    }
}

/// The progress a state carries, which must be this execution's.
fn resume(state: &JobState, run: &str) -> Result<(Progress, Tuning), JobError> {
    if state.run != run {
        return Err(bad_checkpoint(format!(
            "the state is run {}'s, not {run}'s",
            state.run
        )));
    }
    let token = state
        .checkpoint
        .as_deref()
        .ok_or_else(|| bad_checkpoint("the state has no checkpoint"))?;
    checkpoint::decode(token, &state.date, run).map_err(bad_checkpoint)
}

/// How long a read step may read: its budget, if the execution set one,
/// and never past a margin before the function's deadline.
fn budget(deadline: SystemTime, tuning: Tuning) -> Duration {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN);
    match tuning.step_budget_ms {
        Some(ms) => left.min(Duration::from_millis(ms)),
        None => left,
    }
}

async fn record_failure(job: &ReportJob, run: &str, state: FailedState) -> Result<Reply, JobError> {
    let name = state.error.map(|e| e.error).unwrap_or_default();
    let failure = failure_for(&name);
    let date = state.date.and_then(|d| d.as_str().map(str::to_owned));
    let day = date.as_deref().and_then(|d| parse_day(d).ok());
    let recorded = match (day, RunId::parse(run)) {
        (Some(day), Ok(run)) => job.fail(day, &run, &failure).await?,
        _ => false,
    };
    Ok(Reply::Failure(FailureRecorded {
        date,
        code: failure.code,
        recorded,
    }))
}
