//! Report runs on the local stack: start the report's state machine for a
//! day and follow the execution to its end, state by state. What `make
//! report` prints, and what the end-to-end tests wait on.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};

/// The stack output that names the report's state machine.
pub const STATE_MACHINE_OUTPUT: &str = "BatchReportStateMachineArn";

/// A finished execution.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Its ARN.
    pub arn: String,
    /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: String,
    /// Its output, when it succeeded.
    pub output: Option<serde_json::Value>,
    /// Its error's name, when it failed.
    pub error: Option<String>,
    /// The states it entered, in order (a loop's state once per pass).
    pub states: Vec<String>,
    /// The name of each error a task failed with, in order (retries too).
    pub task_errors: Vec<String>,
}

impl Execution {
    /// How many times it entered `state`.
    pub fn entered(&self, state: &str) -> usize {
        self.states.iter().filter(|s| *s == state).count()
    }
}

/// Starts an execution of `state_machine` with `input`; returns its ARN.
pub async fn start(sfn: &Client, state_machine: &str, input: &serde_json::Value) -> Result<String> {
    let out = sfn
        .start_execution()
        .state_machine_arn(state_machine)
        .input(input.to_string())
        .send()
        .await
        .context("start-execution")?;
    Ok(out.execution_arn().to_owned())
}

/// Follows `execution` until it ends (or `timeout` passes), calling
/// `on_state` with each state's name and how long the run had been going
/// as it entered it.
pub async fn wait(
    sfn: &Client,
    execution: &str,
    timeout: Duration,
    mut on_state: impl FnMut(&str, Duration),
) -> Result<Execution> {
    let started = Instant::now();
    let mut states = Vec::new();
    let mut task_errors = Vec::new();
    let mut seen = 0;
    loop {
        // Read the status first: a history read after it then holds every
        // state of an execution that has ended.
        let described = sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .context("describe-execution")?;
        let history = full_history(sfn, execution).await?;
        for event in history.iter().skip(seen) {
            let entered = matches!(
                event.r#type(),
                HistoryEventType::TaskStateEntered
                    | HistoryEventType::ChoiceStateEntered
                    | HistoryEventType::SucceedStateEntered
                    | HistoryEventType::FailStateEntered
                    | HistoryEventType::PassStateEntered
                    | HistoryEventType::WaitStateEntered
            );
            if let Some(name) = event
                .state_entered_event_details()
                .filter(|_| entered)
                .map(|d| d.name().to_owned())
            {
                on_state(&name, started.elapsed());
                states.push(name);
            }
            let failed = event
                .lambda_function_failed_event_details()
                .and_then(|d| d.error())
                .or_else(|| event.task_failed_event_details().and_then(|d| d.error()));
            if let Some(error) = failed {
                task_errors.push(error.to_owned());
            }
        }
        seen = history.len();
        let status = described.status();
        if *status != ExecutionStatus::Running && *status != ExecutionStatus::PendingRedrive {
            return Ok(Execution {
                arn: execution.to_owned(),
                status: status.as_str().to_owned(),
                output: described
                    .output()
                    .map(serde_json::from_str)
                    .transpose()
                    .context("the execution's output is not JSON")?,
                error: described.error().map(str::to_owned),
                states,
                task_errors,
            });
        }
        if started.elapsed() > timeout {
            bail!("{execution} still running after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn full_history(
    sfn: &Client,
    execution: &str,
) -> Result<Vec<aws_sdk_sfn::types::HistoryEvent>> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let out = sfn
            .get_execution_history()
            .execution_arn(execution)
            .set_next_token(token)
            .send()
            .await
            .context("get-execution-history")?;
        events.extend(out.events().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(events);
        }
    }
}
