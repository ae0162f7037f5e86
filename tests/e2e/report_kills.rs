//! The report job killed at random points: batch-report's process killed
//! (SIGKILL, as Lambda ends a sandbox that ran out of memory) while the
//! state machine runs a day in many steps. Each lost step fails with
//! `Runtime.ExitError`, which the state machine retries from the same
//! input, so a step whose work landed before its answer was lost runs
//! again from the same continuation. The report must still be the bytes
//! of an undisturbed run.
//!
//! The job runs on a stack of its own, on the shared MiniStack: its
//! function's processes are told apart from the other tests' by their
//! function name, so that no other report is killed.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rightnow_aws::dynamodb::AppTable;
use rightnow_infra::{ministack, process, report};
use serde_json::json;

use rightnow_domain::page::Slug;
use rightnow_domain::ports::ViewCounter;

use crate::reports::files_in;
use crate::sdk;

/// How many kills the test aims at; the run must survive them all.
const KILLS: usize = 4;
/// Pages of the day: enough for many steps of a short budget.
const PAGES: u32 = 300;

#[tokio::test]
async fn a_report_killed_at_random_points_writes_the_bytes_of_an_undisturbed_run() {
    // GIVEN a stack of its own and a past day of 300 pages, enough to read
    // in many steps
    let stack = crate::deploy_on(ministack::shared(), "rightnow-kills", "bench");
    let table = AppTable::new(
        aws_sdk_dynamodb::Client::new(&sdk().await),
        stack.output("AppTableName").unwrap(),
    );
    let day = time::macros::date!(2026 - 11 - 12);
    for i in 0..PAGES {
        let at = day
            .with_hms(u8::try_from(i % 24).unwrap(), 7, 0)
            .unwrap()
            .assume_utc();
        let page = Slug::parse(&format!("k{i:03}")).unwrap();
        table.record_view(&page, at).await.unwrap();
    }
    let sfn = aws_sdk_sfn::Client::new(&sdk().await);
    let machine = stack.output(report::STATE_MACHINE_OUTPUT).unwrap();
    let function = stack.output("BatchReportFunctionName").unwrap().to_owned();
    let wait = |arn: String| {
        let sfn = sfn.clone();
        async move {
            report::wait(&sfn, &arn, Duration::from_secs(300), |_, _| {})
                .await
                .unwrap()
        }
    };
    let calm = report::start(&sfn, machine, &json!({"date": "2026-11-12"}))
        .await
        .unwrap();
    let calm = wait(calm).await;
    assert_eq!(calm.status, "SUCCEEDED", "{calm:?}");
    let undisturbed = files_in(&stack, day).await;

    // WHEN it runs again in many short steps, and the function's process
    // is killed at a random moment of a running step, again and again
    let input = json!({"date": "2026-11-12", "pageSize": 1, "stepBudgetMs": 150});
    let stormy = report::start(&sfn, machine, &input).await.unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicUsize::new(0));
    let killer = {
        let (sfn, arn, done, kills) = (sfn.clone(), stormy.clone(), done.clone(), kills.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) && kills.load(Ordering::SeqCst) < KILLS {
                if !a_step_runs(&sfn, &arn).await {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                let jitter = u64::try_from(ulid::Ulid::new().random() % 100).unwrap();
                tokio::time::sleep(Duration::from_millis(jitter)).await;
                let mut killed = false;
                for pid in process::pids_of_function(&function) {
                    killed |= std::process::Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status()
                        .is_ok_and(|s| s.success());
                }
                if killed {
                    kills.fetch_add(1, Ordering::SeqCst);
                    // Let the retry run: the next kill is of a later step.
                    tokio::time::sleep(Duration::from_millis(2500)).await;
                }
            }
        })
    };
    let stormy = wait(stormy).await;
    done.store(true, Ordering::SeqCst);
    killer.await.unwrap();

    // THEN it succeeded, each step it lost retried from the same input,
    let kills = kills.load(Ordering::SeqCst);
    assert_eq!(
        stormy.status, "SUCCEEDED",
        "after {kills} kills: {stormy:?}"
    );
    let lost = stormy
        .task_errors
        .iter()
        .filter(|e| *e == "Runtime.ExitError")
        .count();
    assert!(lost > 0, "{kills} kills lost no step: {stormy:?}");
    let errors: HashSet<&String> = stormy.task_errors.iter().collect();
    assert!(
        errors.iter().all(|e| *e == "Runtime.ExitError"),
        "only lost sandboxes failed a step: {:?}",
        stormy.task_errors
    );
    assert!(stormy.entered("Aggregate") >= 5, "{:?}", stormy.states);
    // AND it wrote the bytes of the undisturbed run
    let after = files_in(&stack, day).await;
    for (name, (a, b)) in ["json", "csv", "html"]
        .iter()
        .zip(undisturbed.iter().zip(&after))
    {
        assert!(a == b, "report.{name} differs after {kills} kills");
    }
    eprintln!(
        "report kills: {kills} processes killed mid-step, {lost} steps lost and retried, {} states entered",
        stormy.states.len()
    );
}

/// Whether the execution's last event is a task scheduled or started that
/// has not ended: the function is at work on a step. (MiniStack records
/// `TaskScheduled` and no `TaskStarted`.)
async fn a_step_runs(sfn: &aws_sdk_sfn::Client, execution: &str) -> bool {
    use aws_sdk_sfn::types::HistoryEventType as T;
    let Ok(history) = sfn
        .get_execution_history()
        .execution_arn(execution)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
    else {
        return false;
    };
    history.events().first().is_some_and(|e| {
        matches!(
            e.r#type(),
            T::TaskScheduled
                | T::TaskStarted
                | T::LambdaFunctionScheduled
                | T::LambdaFunctionStarted
        )
    })
}
