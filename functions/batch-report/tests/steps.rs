//! batch-report's steps, driven as the state machine drives them (the
//! Choice loops included), on in-memory fakes: the same day gives the same
//! bytes in one step or hundreds; bad input and foreign checkpoints are
//! named; a failure is recorded where the API shows it.

use std::sync::Arc;

use lambda_runtime::{Context, LambdaEvent};
use rightnow_domain::activity::{ChatDay, DayRecord, Hourly, PageDay, Unanswered, VideoDay};
use rightnow_domain::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::ReportIndex;
use rightnow_domain::report::{ReportKeys, ReportStatus};
use rightnow_domain::services::{JobSettings, ReportJob, ReportJobPorts};
use serde_json::{Value, json};
use time::macros::{date, datetime};

struct World {
    store: Arc<InMemoryStore>,
    bucket: Arc<InMemoryBucket>,
    job: ReportJob,
}

fn world() -> World {
    let store = Arc::new(InMemoryStore::default());
    let bucket = Arc::new(InMemoryBucket::default());
    let job = ReportJob::new(
        ReportJobPorts {
            activity: store.clone(),
            runs: store.clone(),
            objects: bucket.clone(),
            bus: Arc::new(RecordingPublisher::default()),
            // Each reading of the clock is a millisecond of work.
            clock: Arc::new(FixedClock::ticking(
                datetime!(2026-12-02 00:15 UTC),
                time::Duration::milliseconds(1),
            )),
        },
        JobSettings {
            lease: time::Duration::minutes(15),
        },
    );
    World { store, bucket, job }
}

/// A day with every kind of activity, `pages` pages of it.
fn seed(store: &InMemoryStore, pages: u64) {
    let day = date!(2026 - 12 - 01);
    for i in 0..pages {
        let mut views_by_hour = Hourly::default();
        views_by_hour.0[usize::try_from(i % 24).unwrap()] = i % 11 + 1;
        let mut comments_by_hour = Hourly::default();
        comments_by_hour.0[9] = i % 2;
        store.seed_day(
            day,
            DayRecord::Page(PageDay {
                slug: Slug::parse(&format!("page-{i:05}")).unwrap(),
                views: i % 11 + 1,
                comments: i % 2,
                views_by_hour,
                comments_by_hour,
            }),
        );
    }
    let mut registered_by_hour = Hourly::default();
    registered_by_hour.0[14] = 4;
    store.seed_day(
        day,
        DayRecord::Videos(VideoDay {
            registered: 4,
            approved: 2,
            rejected: 2,
            reasons: [("too_long".to_owned(), 1), ("known_bad".to_owned(), 1)].into(),
            registered_by_hour,
        }),
    );
    let mut turns_by_hour = Hourly::default();
    turns_by_hour.0[20] = 5;
    store.seed_day(
        day,
        DayRecord::Chat(ChatDay {
            turns: 5,
            sessions: 2,
            answered: 3,
            fallback: 2,
            intents: [
                ("cold-start".to_owned(), 2),
                ("live-views".to_owned(), 1),
                ("fallback".to_owned(), 2),
            ]
            .into(),
            turns_by_hour,
        }),
    );
    for (q, count) in [("<b>what</b> is a lambda?", 1), ("배포는 어떻게 해요?", 1)] {
        store.seed_day(
            day,
            DayRecord::Unanswered(Unanswered {
                question: q.into(),
                count,
            }),
        );
    }
}

/// One invocation, with a minute left before its deadline.
async fn call(job: &ReportJob, request: Value) -> Result<Value, lambda_runtime::Diagnostic> {
    let mut ctx = Context::default();
    ctx.deadline = u64::try_from(
        (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let request = serde_json::from_value(request).expect("a request the function reads");
    let reply = batch_report::handle(job, LambdaEvent::new(request, ctx)).await?;
    Ok(serde_json::to_value(reply).unwrap())
}

/// What the state machine does with one execution: the steps and their
/// Choices. Returns the last answer and how many read steps it took.
async fn execute(job: &ReportJob, run: &str, input: Value) -> (Value, usize) {
    execute_with(job, run, input, 1).await
}

/// [`execute`], each step invoked `attempts` times with the same input, as
/// the state machine retries a step whose answer was lost after its work
/// landed; each attempt must answer as the first did.
async fn execute_with(job: &ReportJob, run: &str, input: Value, attempts: usize) -> (Value, usize) {
    let step = async |request: Value| {
        let first = call(job, request.clone()).await.unwrap();
        for attempt in 2..=attempts {
            let again = call(job, request.clone()).await.unwrap();
            assert_eq!(again, first, "attempt {attempt} of {request}");
        }
        first
    };
    let mut state = step(json!({"step": "prepare", "run": run, "input": input})).await;
    if state["status"] == "already_running" {
        return (state, 0);
    }
    let mut reads = 0;
    loop {
        state = step(json!({"step": "aggregate", "run": run, "job": state})).await;
        reads += 1;
        if state["done"] == true {
            break;
        }
    }
    let rendered = step(json!({"step": "render", "run": run, "job": state})).await;
    assert_eq!(rendered["status"], "rendered");
    let published = step(json!({"step": "publish", "run": run, "job": rendered})).await;
    (published, reads)
}

async fn files(bucket: &InMemoryBucket) -> [Vec<u8>; 3] {
    let keys = ReportKeys::of(date!(2026 - 12 - 01));
    let mut out: [Vec<u8>; 3] = Default::default();
    for (slot, key) in out.iter_mut().zip([&keys.json, &keys.csv, &keys.html]) {
        *slot = bucket.object(key).expect(key);
    }
    out
}

#[tokio::test]
async fn many_steps_write_the_bytes_of_one() {
    // GIVEN a day of 1,234 pages, read once in one step
    let w = world();
    seed(&w.store, 1234);
    let (published, reads) = execute(&w.job, "whole", json!({"date": "2026-12-01"})).await;
    assert_eq!(reads, 1);
    assert_eq!(published["status"], "ready");
    assert_eq!(published["key"], "reports/2026-12-01/report.html");
    let whole = files(&w.bucket).await;

    // WHEN it is read again with a budget that stops every step at once
    let (_, reads) = execute(
        &w.job,
        "split",
        json!({"date": "2026-12-01", "stepBudgetMs": 1, "pageSize": 37}),
    )
    .await;

    // THEN it took many steps and wrote exactly the same bytes
    assert!(reads >= 30, "{reads} steps");
    let split = files(&w.bucket).await;
    for (name, (a, b)) in ["json", "csv", "html"].iter().zip(whole.iter().zip(&split)) {
        assert!(a == b, "report.{name} differs between one step and {reads}");
    }
    // AND the files hold every page
    let csv = String::from_utf8(split[1].clone()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 1234);
    assert_eq!(csv.lines().nth(1), Some("page-00000,1,0"));
    let json: Value = serde_json::from_slice(&split[0]).unwrap();
    assert_eq!(json["pages"].as_array().unwrap().len(), 1234);
    assert_eq!(json["figures"]["pages"], 1234);
}

#[tokio::test]
async fn every_step_run_again_from_the_same_input_has_one_effect() {
    // GIVEN a day read in one undisturbed run
    let w = world();
    seed(&w.store, 300);
    let split = json!({"date": "2026-12-01", "stepBudgetMs": 1, "pageSize": 29});
    execute(&w.job, "undisturbed", split.clone()).await;
    let undisturbed = files(&w.bucket).await;

    // WHEN it is run again with every step, each continuation included,
    // invoked twice with the same input
    let (published, reads) = execute_with(&w.job, "retried", split, 2).await;

    // THEN each second attempt answered as the first, and the files are the
    // bytes of the undisturbed run
    assert!(reads >= 10, "{reads} steps");
    assert_eq!(published["status"], "ready");
    let retried = files(&w.bucket).await;
    for (name, (a, b)) in ["json", "csv", "html"]
        .iter()
        .zip(undisturbed.iter().zip(&retried))
    {
        assert!(a == b, "report.{name} differs when every step runs twice");
    }
    // AND the day's report is ready
    assert_eq!(
        w.store
            .report(date!(2026 - 12 - 01))
            .await
            .unwrap()
            .map(|r| r.status),
        Some(ReportStatus::Ready)
    );
}

#[tokio::test]
async fn report_json_keeps_its_golden_shape() {
    let w = world();
    seed(&w.store, 3);
    execute(&w.job, "golden", json!({"date": "2026-12-01"})).await;
    let [json, csv, html] = files(&w.bucket).await;
    let json: Value = serde_json::from_slice(&json).unwrap();
    insta::assert_json_snapshot!("report_json", json);
    insta::assert_snapshot!("report_csv", String::from_utf8(csv).unwrap());
    let html = String::from_utf8(html).unwrap();
    // Kept for a look in a browser: target/tmp/report-sample.html.
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-sample.html"),
        &html,
    )
    .unwrap();
    // Visitors' text is data: escaped, never markup.
    assert!(html.contains("&lt;b&gt;what&lt;/b&gt; is a lambda?"));
    assert!(html.contains("배포는 어떻게 해요?"));
    assert_eq!(html.matches("<svg").count(), 4, "four charts");
}

#[tokio::test]
async fn a_second_run_of_the_day_backs_off_while_the_first_holds_it() {
    let w = world();
    let first = call(
        &w.job,
        json!({"step": "prepare", "run": "first", "input": {"date": "2026-12-01"}}),
    )
    .await
    .unwrap();
    assert_eq!(first["status"], "started");
    let (second, reads) = execute(&w.job, "second", json!({"date": "2026-12-01"})).await;
    assert_eq!(reads, 0);
    assert_eq!(second["status"], "already_running");
    assert_eq!(second["run"], "second");
    assert_eq!(second["holder"], "first");
}

#[tokio::test]
async fn bad_input_is_named() {
    let w = world();
    for (input, kind, says) in [
        (
            json!({"date": "2026-02-30"}),
            "InvalidInput",
            "not a day of the calendar",
        ),
        (json!({"date": "01/12/2026"}), "InvalidInput", "YYYY-MM-DD"),
        (json!({"date": "2026-12-03"}), "FutureDate", "in the future"),
        (
            json!({"date": "2026-12-01", "pageSize": 0}),
            "InvalidInput",
            "pageSize",
        ),
        (
            json!({"date": "2026-12-01", "stepBudgetMs": 0}),
            "InvalidInput",
            "stepBudgetMs",
        ),
    ] {
        let e = call(
            &w.job,
            json!({"step": "prepare", "run": "r", "input": input}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.error_type, kind, "{input}");
        assert!(
            e.error_message.contains(says),
            "{input}: {}",
            e.error_message
        );
    }
    // A misspelt field is refused, not ignored.
    let typo: Result<batch_report::request::Request, _> =
        serde_json::from_value(json!({"step": "prepare", "run": "r", "input": {"data": "x"}}));
    assert!(
        typo.unwrap_err()
            .to_string()
            .contains("unknown field `data`")
    );
    assert!(w.bucket.keys().is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_checkpoint_is_refused_by_another_day_or_run_or_when_garbled() {
    let w = world();
    seed(&w.store, 2);
    let state = call(
        &w.job,
        json!({"step": "prepare", "run": "mine", "input": {"date": "2026-12-01"}}),
    )
    .await
    .unwrap();
    let mut other_day = state.clone();
    other_day["date"] = json!("2026-11-30");
    let mut garbled = state.clone();
    garbled["checkpoint"] = json!("bm90IGEgY2hlY2twb2ludA");
    for (run, job, says) in [
        (
            "mine",
            other_day,
            "belongs to 2026-12-01 (run mine), not to 2026-11-30",
        ),
        ("theirs", state.clone(), "run mine's, not theirs's"),
        ("mine", garbled, "does not decode"),
    ] {
        let e = call(&w.job, json!({"step": "aggregate", "run": run, "job": job}))
            .await
            .unwrap_err();
        assert_eq!(e.error_type, "BadCheckpoint");
        assert!(e.error_message.contains(says), "{}", e.error_message);
    }
    // The genuine one still works.
    let next = call(
        &w.job,
        json!({"step": "aggregate", "run": "mine", "job": state}),
    )
    .await
    .unwrap();
    assert_eq!(next["done"], true);
}

#[tokio::test]
async fn a_failure_caught_by_the_state_machine_is_recorded_for_the_api() {
    let w = world();
    let state = call(
        &w.job,
        json!({"step": "prepare", "run": "doomed", "input": {"date": "2026-12-01"}}),
    )
    .await
    .unwrap();
    // What the Catch hands on: the failed step's input and the error.
    let mut caught = state;
    caught["error"] = json!({"Error": "UnreadableActivity", "Cause": "{\"errorMessage\":\"...\"}"});
    let answer = call(
        &w.job,
        json!({"step": "fail", "run": "doomed", "state": caught}),
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        json!({"date": "2026-12-01", "code": "unreadable_activity", "recorded": true})
    );
    let report = w
        .store
        .report(date!(2026 - 12 - 01))
        .await
        .unwrap()
        .unwrap();
    let ReportStatus::Failed(failure) = report.status else {
        panic!("{report:?}")
    };
    assert_eq!(failure.code, "unreadable_activity");

    // A run that failed before it had a day records nothing, and says so.
    let answer = call(
        &w.job,
        json!({"step": "fail", "run": "early", "state": {"date": "2026-13-01", "error": {"Error": "InvalidInput"}}}),
    )
    .await
    .unwrap();
    assert_eq!(answer["recorded"], false);
}

/// `events/batch-report/step-continuation.json` is what the state machine sends
/// a read step halfway through a day: made by this test from a real run
/// when `WRITE_SAMPLE=1`, and otherwise checked to still be one (its
/// checkpoint decodes and continues the run that `dated.json` starts).
#[tokio::test]
async fn the_continuation_sample_continues_the_dated_run() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/batch-report/step-continuation.json"
    );
    let w = world();
    seed(&w.store, 3);
    let dated: Value = serde_json::from_str(
        &std::fs::read_to_string(path.replace("step-continuation", "dated")).unwrap(),
    )
    .unwrap();
    let mut input = dated["input"].clone();
    input["pageSize"] = json!(2);
    input["stepBudgetMs"] = json!(1);
    let run = dated["run"].clone();
    let started = call(
        &w.job,
        json!({"step": "prepare", "run": run, "input": input}),
    )
    .await
    .unwrap();
    if std::env::var_os("WRITE_SAMPLE").is_some() {
        let next = call(
            &w.job,
            json!({"step": "aggregate", "run": run, "job": started}),
        )
        .await
        .unwrap();
        let sample = json!({"step": "aggregate", "run": run, "job": next});
        std::fs::write(path, serde_json::to_string_pretty(&sample).unwrap() + "\n").unwrap();
    }
    let sample: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(sample["job"]["done"], false, "halfway through the day");
    let next = call(&w.job, sample).await.unwrap();
    assert_eq!(next["run"], run);
}

#[test]
fn every_sample_event_is_a_step_the_function_reads() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/batch-report");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let request: batch_report::request::Request =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        names.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        drop(request);
    }
    names.sort();
    // `make bench` measures the first by name: a step that works on its
    // own (a continuation needs its run's lease).
    assert_eq!(names, ["dated", "scheduled", "step-continuation"]);
}
