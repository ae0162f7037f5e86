//! Every event source template.yaml declares, exercised on the deployed
//! stack through its real path: each route through the gateway, each
//! EventBridge rule by the event it matches, each schedule by its firing.
//! The list is read from the template: a route, rule or schedule added
//! there without a case here fails this test.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use rightnow_infra::report;
use rightnow_infra::template::{EventSource, Template};

use crate::moderation::{upload, verdict};
use crate::routes;
use crate::{sdk, stack};

/// How long a schedule may take to fire: the e2e deploy sets it to every
/// minute (samconfig.toml's `e2e` environment), and MiniStack's scheduler
/// ticks every 10 s, the first run 60-70 s after the deploy.
const FIRST_TICK: Duration = Duration::from_secs(150);

#[tokio::test]
async fn every_event_source_of_the_template_is_exercised() {
    let t = Template::project().unwrap();
    let owners = t
        .functions()
        .into_iter()
        .map(|f| (f.logical_id, f.events))
        .chain(
            t.state_machines()
                .into_iter()
                .map(|m| (m.logical_id, m.events)),
        );
    let mut exercised = Vec::new();
    for (owner, events) in owners {
        for source in events {
            let what = match (owner.as_str(), &source) {
                (_, EventSource::HttpApi(route)) => {
                    let key = route.key();
                    let answer = routes::exercise(&key).await.unwrap_or_else(|| {
                        panic!("{key} is declared in template.yaml but has no end-to-end case")
                    });
                    // A 404 is a fine answer for a report before one exists,
                    // as long as it is the function's own, not the gateway's.
                    let ok = (200..300).contains(&answer.status)
                        || (answer.status == 404 && answer.error_code() == "report_not_found");
                    assert!(ok, "{key}: {answer:?}");
                    key
                }
                ("VideoModerationFunction", EventSource::EventBridgeRule { name, .. }) => {
                    // An upload lands in uploads/: S3's event, the rule, the
                    // function, its verdict.
                    let id = upload("h264.mp4", "video/mp4", "A source").await;
                    assert_eq!(verdict(&id).await["status"], "approved");
                    format!("{owner} {name}")
                }
                ("BatchReportStateMachine", EventSource::Schedule { name, .. }) => {
                    schedule_started_the_report().await;
                    format!("{owner} {name}")
                }
                _ => panic!(
                    "{owner}: {source:?} is declared in template.yaml but has no end-to-end case"
                ),
            };
            exercised.push(what);
        }
    }
    assert!(exercised.len() >= 12, "{exercised:?}");
}

/// The schedule's rule started the state machine with the template's
/// input, and the run reported the day before.
async fn schedule_started_the_report() {
    let sfn = aws_sdk_sfn::Client::new(&sdk().await);
    let machine = stack()
        .output(report::STATE_MACHINE_OUTPUT)
        .unwrap()
        .to_owned();
    let start = Instant::now();
    loop {
        let listed = sfn
            .list_executions()
            .state_machine_arn(&machine)
            .send()
            .await
            .unwrap();
        for e in listed.executions() {
            let described = sfn
                .describe_execution()
                .execution_arn(e.execution_arn())
                .send()
                .await
                .unwrap();
            // The tests' own runs all name their day; the schedule's is `{}`.
            if described.input() != Some("{}") {
                continue;
            }
            let done = report::wait(&sfn, e.execution_arn(), Duration::from_secs(180), |_, _| {})
                .await
                .unwrap();
            assert_eq!(done.status, ExecutionStatus::Succeeded.as_str(), "{done:?}");
            let yesterday = time::OffsetDateTime::now_utc()
                .date()
                .previous_day()
                .unwrap();
            let output = done.output.unwrap_or_default();
            assert!(
                output.to_string().contains(&yesterday.to_string()),
                "the schedule reports the day before: {output}"
            );
            return;
        }
        assert!(
            start.elapsed() < FIRST_TICK,
            "the schedule started no execution in {FIRST_TICK:?}"
        );
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
