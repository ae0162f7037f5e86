//! batch-report end to end: the report's state machine, deployed from
//! template.yaml, started as the schedule or an operator starts it, its
//! files read from the reports bucket and its record through the API.
//!
//! Today's activity is shared by every test of this run, so the report of
//! today is checked for what this test seeded (its own pages and videos)
//! and for the consistency of its figures. Each other test has a past day
//! of its own, seeded with the same writes the functions make, so every
//! figure of those reports is checked exactly.

use std::time::Duration;

use rightnow_aws::dynamodb::AppTable;
use rightnow_domain::comment::{Comment, CommentId};
use rightnow_domain::page::Slug;
use rightnow_domain::ports::{CommentStore, VideoStore, ViewCounter};
use rightnow_domain::video::{Found, ReasonNote, Verdict, Video, VideoId, VideoStatus, VideoType};
use rightnow_infra::report::{self, Execution};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Date, OffsetDateTime};

use crate::api::{fresh_slug, get, post};
use crate::moderation::{upload, verdict};
use rightnow_infra::stack::Stack;

use crate::{sdk, stack};

async fn sfn() -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(&sdk().await)
}

fn machine() -> String {
    stack()
        .output(report::STATE_MACHINE_OUTPUT)
        .unwrap()
        .to_owned()
}

/// Runs the state machine with `input` and waits for its end.
pub(crate) async fn run(input: Value) -> Execution {
    let sfn = sfn().await;
    let arn = report::start(&sfn, &machine(), &input).await.unwrap();
    report::wait(&sfn, &arn, Duration::from_secs(180), |_, _| {})
        .await
        .unwrap()
}

async fn app_table() -> AppTable {
    AppTable::new(
        aws_sdk_dynamodb::Client::new(&sdk().await),
        stack().output("AppTableName").unwrap(),
    )
}

/// A report file, as `stack` stored it.
pub(crate) async fn file_in(stack: &Stack, day: Date, name: &str) -> Vec<u8> {
    let s3 = rightnow_infra::resources::s3(&sdk().await);
    let out = s3
        .get_object()
        .bucket(stack.output("ReportsBucketName").unwrap())
        .key(format!("reports/{day}/{name}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("reports/{day}/{name}: {e:?}"));
    out.body.collect().await.unwrap().to_vec()
}

async fn files(day: Date) -> [Vec<u8>; 3] {
    files_in(stack(), day).await
}

/// The day's three files, as `stack` stored them.
pub(crate) async fn files_in(stack: &Stack, day: Date) -> [Vec<u8>; 3] {
    [
        file_in(stack, day, "report.json").await,
        file_in(stack, day, "report.csv").await,
        file_in(stack, day, "report.html").await,
    ]
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

/// A past day of activity, written as the functions write it: `pages`
/// pages viewed (page i i+1 times, at hour i % 24, a comment on every
/// third), two videos registered, one approved and one rejected.
async fn seed_past_day(day: Date, pages: u32) {
    let t = &app_table().await;
    let noon = day.with_hms(12, 0, 0).unwrap().assume_utc();
    for i in 0..pages {
        let page = slug(&format!("p{i:03}"));
        let at = day
            .with_hms(u8::try_from(i % 24).unwrap(), 5, 0)
            .unwrap()
            .assume_utc();
        for _ in 0..=i {
            t.record_view(&page, at).await.unwrap();
        }
        if i % 3 == 0 {
            let comment = Comment {
                id: CommentId(ulid::Ulid::from_datetime(at.into())),
                page,
                author: "Ada".into(),
                body: "Hello".into(),
                created_at: at,
            };
            t.add(&comment).await.unwrap();
        }
    }
    let noon_ms = u64::try_from(noon.unix_timestamp()).unwrap() * 1000;
    for (n, rejected) in [(1, false), (2, true)] {
        let video = Video {
            id: VideoId(ulid::Ulid::from_parts(noon_ms, n)),
            title: "Cat".into(),
            content_type: VideoType::Mp4,
            size: 42,
            status: VideoStatus::AwaitingUpload,
            reasons: vec![],
            found: None,
            upload_etag: None,
            created_at: noon,
        };
        t.create(&video).await.unwrap();
        t.claim(video.id, "e", noon, noon + time::Duration::minutes(3))
            .await
            .unwrap();
        let verdict = Verdict {
            status: if rejected {
                VideoStatus::Rejected
            } else {
                VideoStatus::Approved
            },
            reasons: if rejected {
                vec![ReasonNote {
                    code: "too_long".into(),
                    message: "too long".into(),
                }]
            } else {
                vec![]
            },
            found: Found {
                size: 42,
                sha256: "ab".repeat(32),
                container: None,
                duration_ms: None,
                codec: None,
                width: None,
                height: None,
            },
        };
        assert!(t.settle(video.id, "e", &verdict, noon).await.unwrap());
    }
}

/// Every tag the page opens, it closes, in order (void elements aside):
/// well-formed enough for any parser, and the SVG charts whole.
fn assert_balanced(html: &str) {
    const VOID: [&str; 4] = ["meta", "br", "img", "input"];
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("a tag that ends");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.as_str()),
                "</{name}> closes nothing open"
            );
        } else {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

#[tokio::test]
async fn a_day_seeded_through_the_api_is_in_its_report() {
    // GIVEN a day's activity through the real routes: views, comments,
    // and two uploads that video-moderation judges
    let (a, b) = (fresh_slug("report-a"), fresh_slug("report-b"));
    for _ in 0..3 {
        assert_eq!(post(&format!("/api/pages/{a}/views")).await.status, 200);
    }
    assert_eq!(post(&format!("/api/pages/{b}/views")).await.status, 200);
    for text in ["first", "second"] {
        let posted = crate::api::post_json(
            &format!("/api/pages/{a}/comments"),
            json!({"author": "Ada", "body": text}),
        )
        .await;
        assert_eq!(posted.status, 201, "{posted:?}");
    }
    let good = upload("h264.mp4", "video/mp4", "A fine cat").await;
    let bad = upload("audio-only.mp4", "video/mp4", "No picture").await;
    assert_eq!(verdict(&good).await["status"], "approved");
    let rejected = verdict(&bad).await;
    assert_eq!(rejected["status"], "rejected");
    let reason = rejected["reasons"][0]["code"].as_str().unwrap().to_owned();
    // and a chat: one question answered, one it cannot answer asked
    // three times (so it ranks among the day's most frequent)
    let chat = |message: String| crate::api::post_json("/api/chat", json!({ "message": message }));
    let answered = chat("what is a cold start?".into()).await;
    assert_eq!(answered.json["intent"], "cold-start", "{answered:?}");
    let place = fresh_slug("quuxville").replace('-', "");
    let question = format!("what is the weather in {place}");
    for _ in 0..3 {
        assert_eq!(chat(question.clone()).await.json["intent"], "fallback");
    }

    // WHEN the report of today is run, as an operator would
    let day = today();
    let done = run(json!({ "date": day.to_string() })).await;

    // THEN it went through every step and its files hold what was seeded
    assert_eq!(done.status, "SUCCEEDED", "{done:?}");
    for state in ["Prepare", "Aggregate", "Render", "Publish"] {
        assert!(done.entered(state) >= 1, "{state}: {:?}", done.states);
    }
    let [json, csv, html] = files(day).await;
    let report: Value = serde_json::from_slice(&json).unwrap();
    let f = &report["figures"];
    let row = |slug: &str| {
        report["pages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["slug"] == slug)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {slug}"))
    };
    assert_eq!(row(&a), json!({"slug": a, "views": 3, "comments": 2}));
    assert_eq!(row(&b), json!({"slug": b, "views": 1, "comments": 0}));
    // The totals are the rows' and the hours' sums (other tests add to
    // today too, so the totals are at least what was seeded here).
    let rows = report["pages"].as_array().unwrap();
    let sum = |k: &str| rows.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
    let hours = f["hours"].as_array().unwrap();
    let by_hour = |k: &str| hours.iter().map(|h| h[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(f["views"].as_u64(), Some(sum("views")));
    assert_eq!(f["comments"].as_u64(), Some(sum("comments")));
    assert_eq!(by_hour("views"), sum("views"));
    assert_eq!(f["pages"].as_u64(), Some(rows.len() as u64));
    assert!(f["videos"]["registered"].as_u64().unwrap() >= 2);
    assert!(f["videos"]["approved"].as_u64().unwrap() >= 1);
    assert!(
        f["videos"]["reasons"][&reason].as_u64().unwrap() >= 1,
        "{f}"
    );
    let c = &f["chat"];
    assert!(c["turns"].as_u64().unwrap() >= 4, "{c}");
    assert_eq!(
        c["turns"].as_u64(),
        Some(c["answered"].as_u64().unwrap() + c["fallback"].as_u64().unwrap()),
        "{c}"
    );
    assert!(c["intents"]["cold-start"].as_u64().unwrap() >= 1, "{c}");
    let unanswered = f["unanswered"].as_array().unwrap();
    assert!(
        unanswered.contains(&json!({"question": question, "count": 3})),
        "{unanswered:?}"
    );
    // The CSV parses, a row per page, the same rows.
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("slug,views,comments"));
    let parsed: Vec<(String, u64, u64)> = lines
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            assert_eq!(v.len(), 3, "{l}");
            (
                v[0].to_owned(),
                v[1].parse().unwrap(),
                v[2].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(parsed.len(), rows.len());
    assert!(parsed.contains(&(a.clone(), 3, 2)));
    // The page is whole and has its four charts.
    let html = String::from_utf8(html).unwrap();
    assert_balanced(&html);
    assert_eq!(
        html.matches("<svg").count(),
        4,
        "pages, hours, moderation, chat"
    );
    assert!(!html.contains("No activity."), "every section has figures");
    assert!(html.contains("<h3>What was asked</h3>"));
    assert!(
        html.contains(&question),
        "the unanswered question is listed"
    );

    // AND the API shows it, with a link that serves the page
    let shown = get(&format!("/api/reports/{day}")).await;
    assert_eq!(shown.status, 200, "{shown:?}");
    assert_eq!(shown.json["status"], "ready");
    assert_eq!(shown.json["figures"]["views"], f["views"]);
    let url = shown.json["url"].as_str().unwrap();
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.unwrap(), html);
    // Today is the latest day any test reports.
    let latest = get("/api/reports/latest").await;
    assert_eq!(latest.status, 200, "{latest:?}");
    assert_eq!(latest.json["date"], day.to_string());
    assert_eq!(latest.json["figures"]["pages"], f["pages"]);
}

#[tokio::test]
async fn a_run_in_many_steps_writes_the_bytes_of_one_step() {
    // GIVEN a past day of 40 pages and two videos
    let day = time::macros::date!(2026 - 11 - 10);
    seed_past_day(day, 40).await;

    // WHEN it is run uninterrupted, then with every step stopped at once
    let whole = run(json!({ "date": "2026-11-10" })).await;
    assert_eq!(whole.status, "SUCCEEDED", "{whole:?}");
    assert_eq!(whole.entered("Aggregate"), 1);
    let one = files(day).await;
    let split = run(json!({ "date": "2026-11-10", "pageSize": 3, "stepBudgetMs": 1 })).await;

    // THEN the second continued many times and wrote the same bytes
    assert_eq!(split.status, "SUCCEEDED", "{split:?}");
    assert!(split.entered("Aggregate") >= 5, "{:?}", split.states);
    let many = files(day).await;
    for (name, (a, b)) in ["json", "csv", "html"].iter().zip(one.iter().zip(&many)) {
        assert!(a == b, "report.{name} differs");
    }
    // AND every figure is what was seeded
    let report: Value = serde_json::from_slice(&one[0]).unwrap();
    let f = &report["figures"];
    assert_eq!(f["pages"], 40);
    assert_eq!(f["views"], (1..=40).sum::<u64>());
    assert_eq!(f["comments"], 14);
    assert_eq!(f["hours"][23]["views"], 24);
    assert_eq!(f["hours"][0]["views"], 1 + 25);
    assert_eq!(
        f["topPages"][0],
        json!({"slug": "p039", "views": 40, "comments": 1})
    );
    assert_eq!(f["topPages"].as_array().unwrap().len(), 10);
    assert_eq!(
        f["videos"],
        json!({"registered": 2, "approved": 1, "rejected": 1, "reasons": {"too_long": 1}})
    );
    assert_eq!(f["hours"][12]["videos"], 2);
    assert_eq!(report["pages"].as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn a_second_execution_for_the_same_day_backs_off() {
    // GIVEN a run of a day that takes many steps
    let day = "2026-11-11";
    seed_past_day(time::macros::date!(2026 - 11 - 11), 30).await;
    let sfn = sfn().await;
    let first = report::start(
        &sfn,
        &machine(),
        &json!({"date": day, "pageSize": 1, "stepBudgetMs": 1}),
    )
    .await
    .unwrap();
    // WHEN a second starts while the first is reading
    loop {
        let history = sfn
            .get_execution_history()
            .execution_arn(&first)
            .send()
            .await
            .unwrap();
        let reading = history.events().iter().any(|e| {
            e.state_entered_event_details()
                .is_some_and(|d| d.name() == "Aggregate")
        });
        if reading {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = run(json!({ "date": day })).await;

    // THEN the second ends at once, successfully, having done nothing
    assert_eq!(second.status, "SUCCEEDED", "{second:?}");
    assert!(second.entered("AlreadyRunning") == 1, "{:?}", second.states);
    assert_eq!(second.entered("Aggregate"), 0);
    assert_eq!(second.output.as_ref().unwrap()["status"], "already_running");
    // AND the first goes on to the end
    let first = report::wait(&sfn, &first, Duration::from_secs(180), |_, _| {})
        .await
        .unwrap();
    assert_eq!(first.status, "SUCCEEDED", "{first:?}");
    let shown = get(&format!("/api/reports/{day}")).await;
    assert_eq!(shown.json["status"], "ready");
    assert_eq!(shown.json["figures"]["pages"], 30);
}

#[tokio::test]
async fn a_failing_step_is_caught_and_its_reason_shown_by_the_api() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    // GIVEN a day whose activity holds a record that cannot be read
    let t = app_table().await;
    t.record_view(&slug("fine"), datetime!(2026-11-12 10:00 UTC))
        .await
        .unwrap();
    t.client()
        .put_item()
        .table_name(t.table())
        .item("pk", S("DAY#2026-11-12".into()))
        .item("sk", S("PAGE#broken".into()))
        .item("views", S("lots".into()))
        .send()
        .await
        .unwrap();

    // WHEN its report is run
    let done = run(json!({ "date": "2026-11-12" })).await;

    // THEN the step failed by name, the Catch recorded it, the run failed
    assert_eq!(done.status, "FAILED", "{done:?}");
    assert_eq!(done.error.as_deref(), Some("ReportFailed"));
    assert_eq!(
        done.task_errors,
        ["UnreadableActivity"],
        "not retried: it needs an operator"
    );
    assert_eq!(done.entered("RecordFailure"), 1);
    // AND the API says why, without internals
    let shown = get("/api/reports/2026-11-12").await;
    assert_eq!(shown.status, 200, "{shown:?}");
    assert_eq!(shown.json["status"], "failed");
    assert_eq!(shown.json["error"]["code"], "unreadable_activity");
    let message = shown.json["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("DAY#") && !message.contains("lots"),
        "{message}"
    );
    assert!(shown.json.get("url").is_none());
}

#[tokio::test]
async fn bad_days_fail_clearly_and_record_nothing() {
    let tomorrow = today().next_day().unwrap();
    for (date, error) in [
        (json!("2026-02-30"), "InvalidInput"),
        (json!("12/01/2026"), "InvalidInput"),
        (json!(tomorrow.to_string()), "FutureDate"),
    ] {
        let done = run(json!({ "date": date })).await;
        assert_eq!(done.status, "FAILED", "{date}: {done:?}");
        assert_eq!(done.task_errors, [error], "{date}");
        assert_eq!(done.entered("Aggregate"), 0);
    }
    assert_eq!(get(&format!("/api/reports/{tomorrow}")).await.status, 404);
    assert_eq!(get("/api/reports/2026-02-30").await.status, 422);
}

#[tokio::test]
async fn a_day_without_activity_is_a_report_of_zeros() {
    let done = run(json!({ "date": "2026-11-13" })).await;
    assert_eq!(done.status, "SUCCEEDED", "{done:?}");
    let day = time::macros::date!(2026 - 11 - 13);
    let [json, csv, html] = files(day).await;
    let report: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(report["figures"]["views"], 0);
    assert_eq!(report["pages"], json!([]));
    assert_eq!(String::from_utf8(csv).unwrap(), "slug,views,comments\n");
    assert_eq!(
        String::from_utf8(html)
            .unwrap()
            .matches("No activity.")
            .count(),
        4
    );
}
