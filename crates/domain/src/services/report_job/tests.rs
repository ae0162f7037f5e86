//! The report job on fakes: the same day gives the same figures and rows
//! however many steps it takes; the lease keeps runs apart; bad input and
//! lost leases are named.

use std::sync::Arc;

use time::macros::{date, datetime};
use time::{Date, Duration};

use super::*;
use crate::activity::{ChatDay, DayRecord, Hourly, PageDay, Unanswered, VideoDay};
use crate::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
use crate::page::Slug;
use crate::ports::ReportIndex;
use crate::report::ReportStatus;

struct World {
    store: Arc<InMemoryStore>,
    bucket: Arc<InMemoryBucket>,
    bus: Arc<RecordingPublisher>,
    clock: Arc<FixedClock>,
    job: ReportJob,
}

const LEASE: Duration = Duration::minutes(15);

/// A step with no time to spare: it reads one page and stops.
const NONE: std::time::Duration = std::time::Duration::ZERO;

fn world() -> World {
    let store = Arc::new(InMemoryStore::default());
    let bucket = Arc::new(InMemoryBucket::default());
    let bus = Arc::new(RecordingPublisher::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-12-02 00:15 UTC)));
    let job = ReportJob::new(
        ReportJobPorts {
            activity: store.clone(),
            runs: store.clone(),
            objects: bucket.clone(),
            bus: bus.clone(),
            clock: clock.clone(),
        },
        JobSettings { lease: LEASE },
    );
    World {
        store,
        bucket,
        bus,
        clock,
        job,
    }
}

fn run(name: &str) -> RunId {
    RunId::parse(name).unwrap()
}

/// A busy day: more pages than one working file holds, videos, chat and
/// unanswered questions.
fn seed(store: &InMemoryStore, day: Date, pages: u64) {
    for i in 0..pages {
        let mut views_by_hour = Hourly::default();
        views_by_hour.0[usize::try_from(i % 24).unwrap()] = i % 13 + 1;
        store.seed_day(
            day,
            DayRecord::Page(PageDay {
                slug: Slug::parse(&format!("page-{i:04}")).unwrap(),
                views: i % 13 + 1,
                comments: i % 3,
                views_by_hour,
                comments_by_hour: Hourly::default(),
            }),
        );
    }
    store.seed_day(
        day,
        DayRecord::Videos(VideoDay {
            registered: 5,
            approved: 3,
            rejected: 2,
            reasons: [("too_long".to_owned(), 2)].into(),
            registered_by_hour: Hourly::default(),
        }),
    );
    store.seed_day(
        day,
        DayRecord::Chat(ChatDay {
            turns: 9,
            sessions: 4,
            answered: 6,
            fallback: 3,
            intents: [("layers".to_owned(), 6), ("fallback".to_owned(), 3)].into(),
            turns_by_hour: Hourly::default(),
        }),
    );
    for (q, n) in [("what is lambda", 2), ("어떻게 배포해요", 1)] {
        store.seed_day(
            day,
            DayRecord::Unanswered(Unanswered {
                question: q.into(),
                count: n,
            }),
        );
    }
}

async fn started(w: &World, day: &str, name: &str) -> Progress {
    match w.job.prepare(Some(day), run(name)).await.unwrap() {
        Prepared::Started(p) => *p,
        other => panic!("{other:?}"),
    }
}

/// The report's files of a finished run, stored around fixed heads.
async fn stored(w: &World, p: &Progress) -> (String, String) {
    let files = ReportFiles {
        json_head: b"[".to_vec(),
        json_tail: b"]".to_vec(),
        html: b"<p>".to_vec(),
    };
    let keys = w.job.store(p, files).await.unwrap();
    let text = |key: &str| String::from_utf8(w.bucket.object(key).unwrap()).unwrap();
    (text(&keys.csv), text(&keys.json))
}

#[tokio::test]
async fn one_step_or_many_the_figures_and_rows_are_the_same() {
    // GIVEN a day of 1,203 pages
    let w = world();
    let day = date!(2026 - 12 - 01);
    seed(&w.store, day, 1203);

    // WHEN one run reads it in one step, another in a step per record
    let mut whole = started(&w, "2026-12-01", "whole").await;
    let hour = std::time::Duration::from_secs(3600);
    whole = w.job.aggregate(whole, hour, 1000).await.unwrap();
    assert!(whole.done);
    let (csv, json) = stored(&w, &whole).await;
    w.job.publish(&whole).await.unwrap();

    let mut split = started(&w, "2026-12-01", "split").await;
    let mut steps = 0;
    while !split.done {
        // No budget: each step reads one page and stops.
        split = w.job.aggregate(split, NONE, 1).await.unwrap();
        steps += 1;
    }

    // THEN the figures and the rows are identical
    assert!(steps > 1000, "{steps} steps");
    assert_eq!(split.figures, whole.figures);
    assert_eq!(split.parts, 3, "1,203 rows in parts of {ROWS_PER_PART}");
    assert_eq!(split.parts, whole.parts);
    assert_eq!(stored(&w, &split).await, (csv.clone(), json.clone()));
    assert_eq!(csv.lines().count(), 1 + 1203);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 1203);
    // AND the figures count everything
    let f = &whole.figures;
    assert_eq!(f.pages, 1203);
    let views: u64 = rows.iter().map(|r| r["views"].as_u64().unwrap()).sum();
    assert_eq!(f.views, views);
    assert_eq!(f.hours.iter().map(|h| h.views).sum::<u64>(), f.views);
    assert_eq!((f.videos.registered, f.videos.rejected), (5, 2));
    assert_eq!(f.chat.turns, 9);
    assert_eq!(f.intents_ranked(), [("layers", 6), ("fallback", 3)]);
    assert_eq!(f.unanswered[0].question, "what is lambda");
    assert_eq!(f.top_pages.len(), crate::report::TOP);
}

#[tokio::test]
async fn a_day_without_activity_is_a_report_of_zeros() {
    let w = world();
    let p = started(&w, "2026-11-30", "quiet").await;
    let p = w.job.aggregate(p, NONE, 100).await.unwrap();
    assert!(p.done);
    assert_eq!((p.parts, p.figures.is_empty()), (0, true));
    assert_eq!(
        stored(&w, &p).await,
        ("slug,views,comments\n".to_owned(), "[]".to_owned())
    );
    w.job.publish(&p).await.unwrap();
    let report = w
        .store
        .report(date!(2026 - 11 - 30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.status, ReportStatus::Ready);
}

#[tokio::test]
async fn the_day_is_yesterday_in_utc_unless_asked_and_never_the_future() {
    let w = world();
    let Prepared::Started(p) = w.job.prepare(None, run("scheduled")).await.unwrap() else {
        panic!()
    };
    assert_eq!(p.day, date!(2026 - 12 - 01));
    // Today, so far, is allowed; tomorrow is not.
    assert!(
        w.job
            .prepare(Some("2026-12-02"), run("today"))
            .await
            .is_ok()
    );
    let err = w
        .job
        .prepare(Some("2026-12-03"), run("t"))
        .await
        .unwrap_err();
    assert_eq!(err.name(), "FutureDate");
    assert_eq!(
        err.to_string(),
        "2026-12-03 is in the future (today is 2026-12-02, UTC)"
    );
    for bad in ["2026-02-30", "12/01/2026"] {
        let err = w.job.prepare(Some(bad), run("t")).await.unwrap_err();
        assert_eq!(err.name(), "InvalidInput", "{bad}");
    }
}

#[tokio::test]
async fn one_run_at_a_time_until_its_lease_expires() {
    let w = world();
    let first = started(&w, "2026-12-01", "first").await;
    // A second run backs off; the first retrying its own start goes on.
    assert_eq!(
        w.job
            .prepare(Some("2026-12-01"), run("second"))
            .await
            .unwrap(),
        Prepared::AlreadyRunning {
            day: date!(2026 - 12 - 01),
            holder: run("first"),
        }
    );
    assert!(matches!(
        w.job
            .prepare(Some("2026-12-01"), run("first"))
            .await
            .unwrap(),
        Prepared::Started(_)
    ));
    // Past the lease, a new run takes the day, and the old one is told.
    w.clock.advance(LEASE + Duration::seconds(1));
    started(&w, "2026-12-01", "second").await;
    let err = w.job.aggregate(first, NONE, 10).await.unwrap_err();
    assert_eq!(err.name(), "LeaseLost");
}

#[tokio::test]
async fn a_rerun_after_success_starts_again_and_keeps_the_figures_meanwhile() {
    let w = world();
    seed(&w.store, date!(2026 - 12 - 01), 3);
    let p = started(&w, "2026-12-01", "first").await;
    let p = w.job.aggregate(p, NONE, 100).await.unwrap();
    w.job.publish(&p).await.unwrap();
    let again = started(&w, "2026-12-01", "again").await;
    let report = w.store.report(again.day).await.unwrap().unwrap();
    assert!(matches!(report.status, ReportStatus::Running { .. }));
    assert_eq!(report.figures, Some(p.figures));
}

#[tokio::test]
async fn publishing_moves_the_latest_forward_only_and_announces_it() {
    let w = world();
    let newer = started(&w, "2026-12-01", "newer").await;
    let newer = w.job.aggregate(newer, NONE, 10).await.unwrap();
    w.job.publish(&newer).await.unwrap();
    let older = started(&w, "2026-11-20", "older").await;
    let older = w.job.aggregate(older, NONE, 10).await.unwrap();
    w.job.publish(&older).await.unwrap();

    let latest = w.store.latest().await.unwrap().unwrap();
    assert_eq!(latest.date, date!(2026 - 12 - 01));
    assert_eq!(latest.key, "reports/2026-12-01/report.html");
    let days: Vec<Date> = w
        .bus
        .published()
        .into_iter()
        .map(|e| match e {
            crate::events::DomainEvent::ReportReady(r) => r.date,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(days, [date!(2026 - 12 - 01), date!(2026 - 11 - 20)]);
}

#[tokio::test]
async fn a_failure_is_recorded_only_by_the_run_that_holds_the_day() {
    let w = world();
    let p = started(&w, "2026-12-01", "doomed").await;
    let failure = failure_for("UnreadableActivity");
    assert!(!w.job.fail(p.day, &run("stranger"), &failure).await.unwrap());
    assert!(w.job.fail(p.day, &p.run, &failure).await.unwrap());
    let report = w.store.report(p.day).await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::Failed(failure.clone()));
    assert_eq!(failure.code, "unreadable_activity");
    // A failed day can be run again straight away.
    started(&w, "2026-12-01", "retry").await;
}

#[tokio::test]
async fn files_are_only_stored_from_a_finished_run_with_its_working_files() {
    let w = world();
    seed(&w.store, date!(2026 - 12 - 01), 2);
    let p = started(&w, "2026-12-01", "r").await;
    let files = ReportFiles {
        json_head: vec![],
        json_tail: vec![],
        html: vec![],
    };
    let err = w.job.store(&p, files.clone()).await.unwrap_err();
    assert_eq!(err.name(), "BadCheckpoint");
    let mut p = w.job.aggregate(p, NONE, 10).await.unwrap();
    assert_eq!(p.parts, 1);
    assert!(
        w.bucket
            .keys()
            .iter()
            .all(|k| k.starts_with("work/2026-12-01/r/rows-00000.")),
        "{:?}",
        w.bucket.keys()
    );
    p.parts = 2;
    let err = w.job.store(&p, files).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad checkpoint: working file work/2026-12-01/r/rows-00001.csv of run r is missing"
    );
}
