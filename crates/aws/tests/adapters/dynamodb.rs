//! The app table's adapter: counters, comments, videos, the report pointer.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use rightnow_aws::dynamodb::AppTable;
use rightnow_domain::activity::Unanswered;
use rightnow_domain::comment::{Comment, CommentId};
use rightnow_domain::container::Container;
use rightnow_domain::page::Slug;
use rightnow_domain::ports::*;
use rightnow_domain::report::{Figures, PageFigures, ReportPointer, ReportStatus, RunId};
use rightnow_domain::video::{Found, ReasonNote, Verdict, Video, VideoId, VideoStatus, VideoType};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use ulid::Ulid;

use crate::{make, sdk};

/// A fresh table, made from the template's `AppTable`.
pub(crate) async fn table() -> AppTable {
    let made = make("AppTable").await;
    AppTable::new(aws_sdk_dynamodb::Client::new(&sdk().await), made.name)
}

/// An item as stored, read behind the adapter's back.
pub(crate) async fn raw_item(t: &AppTable, pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    t.client()
        .get_item()
        .table_name(t.table())
        .key("pk", S(pk.into()))
        .key("sk", S(sk.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no item {pk}/{sk}"))
}

/// An item in DynamoDB's JSON, as `aws dynamodb get-item` prints it: the
/// type of every attribute shows (a count stored as text would too).
pub(crate) fn dynamodb_json(item: &HashMap<String, AttributeValue>) -> serde_json::Value {
    fn value(v: &AttributeValue) -> serde_json::Value {
        use serde_json::json;
        match v {
            AttributeValue::S(s) => json!({ "S": s }),
            AttributeValue::N(n) => json!({ "N": n }),
            AttributeValue::Bool(b) => json!({ "BOOL": b }),
            AttributeValue::Null(_) => json!({ "NULL": true }),
            AttributeValue::L(l) => json!({ "L": l.iter().map(value).collect::<Vec<_>>() }),
            AttributeValue::M(m) => json!({ "M": dynamodb_json(m) }),
            AttributeValue::Ss(ss) => json!({ "SS": ss }),
            other => json!({ "?": format!("{other:?}") }),
        }
    }
    item.iter()
        .map(|(k, v)| (k.clone(), value(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn comment(page: &str, body: &str, at: OffsetDateTime) -> Comment {
    Comment {
        id: CommentId(Ulid::from_datetime(at.into())),
        page: slug(page),
        author: "Ada".into(),
        body: body.into(),
        created_at: at,
    }
}

#[tokio::test]
async fn views_count_atomically_and_per_day() {
    let t = table().await;
    assert_eq!(t.views(&slug("home")).await.unwrap(), None);
    let at = datetime!(2026-11-27 07:30 UTC);
    // Concurrent ADDs lose nothing.
    let mut adds = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let t = t.clone();
        adds.spawn(async move { t.record_view(&slug("home"), at).await.unwrap() });
    }
    let totals = adds.join_all().await;
    // Each call sees a total that includes its own view; the last, all ten.
    assert!(totals.iter().all(|n| (1..=10).contains(n)), "{totals:?}");
    assert_eq!(totals.iter().max(), Some(&10));
    assert_eq!(t.views(&slug("home")).await.unwrap(), Some(10));

    let item = raw_item(&t, "DAY#2026-11-27", "PAGE#home").await;
    assert_eq!(item["views"].as_n().unwrap(), "10");
    assert_eq!(item["viewsAt07"].as_n().unwrap(), "10");
    assert!(item.contains_key("expiresAt"));
}

/// The golden shape of every kind of item, as stored: written through the
/// ports, read back raw. A change to what the table holds (a renamed
/// attribute, a number stored as text) is a changed snapshot in review.
#[tokio::test]
async fn every_item_kind_keeps_its_golden_shape() {
    let t = table().await;
    let at = datetime!(2026-11-27 10:00 UTC);
    t.record_view(&slug("home"), at).await.unwrap();
    let c = Comment {
        id: CommentId(Ulid::from_parts(1_795_000_000_000, 1)),
        page: slug("home"),
        author: "Ada".into(),
        body: "Hello".into(),
        created_at: at,
    };
    t.add(&c).await.unwrap();
    let video = Video {
        id: VideoId(Ulid::from_parts(1_795_000_000_000, 2)),
        title: "Cat".into(),
        content_type: VideoType::Mp4,
        size: 42,
        status: VideoStatus::AwaitingUpload,
        reasons: vec![],
        found: None,
        upload_etag: None,
        created_at: at,
    };
    t.create(&video).await.unwrap();
    // A video with its verdict: reasons and what was found.
    let judged = Video {
        id: VideoId(Ulid::from_parts(1_795_000_000_000, 3)),
        ..video.clone()
    };
    t.create(&judged).await.unwrap();
    let etag = "9b2cf535f27731c974343645a3985328";
    t.claim(judged.id, etag, at, at).await.unwrap();
    let verdict = Verdict {
        status: VideoStatus::Rejected,
        reasons: vec![ReasonNote {
            code: "too_long".into(),
            message: "660 s long, over the 600 s allowed".into(),
        }],
        found: Found {
            size: 42,
            sha256: "ab".repeat(32),
            container: Some(Container::Mp4),
            duration_ms: Some(660_000),
            codec: Some("avc1".into()),
            width: Some(32),
            height: Some(32),
        },
    };
    assert!(t.settle(judged.id, etag, &verdict, at).await.unwrap());
    t.point_latest(&ReportPointer {
        date: date!(2026 - 11 - 26),
        key: "reports/2026-11-26/report.html".into(),
        generated_at: datetime!(2026-11-27 00:05 UTC),
    })
    .await
    .unwrap();
    let run = RunId::parse("nightly-2026-11-27").unwrap();
    let day = date!(2026 - 11 - 26);
    t.begin(day, &run, at, at + time::Duration::minutes(15))
        .await
        .unwrap();
    let mut figures = Figures {
        pages: 1,
        views: 3,
        comments: 1,
        ..Figures::default()
    };
    figures.hours[10].views = 3;
    figures.top_pages.push(PageFigures {
        slug: slug("home"),
        views: 3,
        comments: 1,
    });
    figures.videos.reasons.insert("too_long".into(), 1);
    figures.unanswered.push(Unanswered {
        question: "어떻게 배포해요".into(),
        count: 2,
    });
    assert!(t.complete(day, &run, &figures).await.unwrap());
    let failed_day = date!(2026 - 11 - 25);
    t.begin(failed_day, &run, at, at).await.unwrap();
    let failure = rightnow_domain::services::failure_for("UnreadableActivity");
    assert!(t.fail(failed_day, &run, &failure).await.unwrap());

    for (kind, pk, sk) in [
        ("page", "PAGE#home".to_owned(), "PAGE".to_owned()),
        ("comment", "PAGE#home".into(), format!("COMMENT#{}", c.id)),
        ("day_activity", "DAY#2026-11-27".into(), "PAGE#home".into()),
        ("day_videos", "DAY#2026-11-27".into(), "VIDEOS".into()),
        ("video", format!("VIDEO#{}", video.id), "VIDEO".into()),
        (
            "video_judged",
            format!("VIDEO#{}", judged.id),
            "VIDEO".into(),
        ),
        ("latest_report", "REPORT".into(), "LATEST".into()),
        ("report_ready", "REPORT#2026-11-26".into(), "REPORT".into()),
        ("report_failed", "REPORT#2026-11-25".into(), "REPORT".into()),
    ] {
        let item = dynamodb_json(&raw_item(&t, &pk, &sk).await);
        insta::assert_json_snapshot!(kind, item, {
            // A TTL is "now + retention": its value is not the shape.
            ".expiresAt.N" => "[epoch seconds]",
        });
    }
}

/// A view is counted on the page and on its day, or on neither: with the
/// day's item made unwritable (its counter holds text, so `ADD` fails), the
/// call fails and the page's total is where it was. Two independent
/// updates would have counted the total.
#[tokio::test]
async fn a_view_that_cannot_be_counted_on_its_day_is_not_counted_at_all() {
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};
    let t = table().await;
    let at = datetime!(2026-11-27 10:00 UTC);
    assert_eq!(t.record_view(&slug("home"), at).await.unwrap(), 1);
    t.client()
        .put_item()
        .table_name(t.table())
        .item("pk", S("DAY#2026-11-28".into()))
        .item("sk", S("PAGE#home".into()))
        .item("views", S("not a number".into()))
        .send()
        .await
        .unwrap();

    let failed = t
        .record_view(&slug("home"), at + time::Duration::days(1))
        .await;

    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(t.views(&slug("home")).await.unwrap(), Some(1));
    let page = raw_item(&t, "PAGE#home", "PAGE").await;
    assert_eq!(page["views"], N("1".into()));
}

/// A missing counter is 0; one that is not a count is an error, never 0.
#[tokio::test]
async fn a_counter_that_is_not_a_count_is_an_error() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let t = table().await;
    for (page, views) in [("no-views", None), ("text", Some("ten"))] {
        let mut put = t
            .client()
            .put_item()
            .table_name(t.table())
            .item("pk", S(format!("PAGE#{page}")))
            .item("sk", S("PAGE".into()));
        if let Some(v) = views {
            put = put.item("views", S(v.into()));
        }
        put.send().await.unwrap();
    }
    assert_eq!(t.views(&slug("no-views")).await.unwrap(), Some(0));
    let err = t.views(&slug("text")).await.unwrap_err();
    assert!(err.to_string().contains("PAGE#text"), "{err}");
}

#[tokio::test]
async fn a_comment_on_an_unknown_page_writes_nothing() {
    let t = table().await;
    let c = comment("ghost", "boo", datetime!(2026-11-27 10:00 UTC));
    assert_eq!(t.add(&c).await.unwrap(), CommentWrite::UnknownPage);
    let scan = t
        .client()
        .scan()
        .table_name(t.table())
        .send()
        .await
        .unwrap();
    assert_eq!(scan.count(), 0, "the transaction wrote nothing");
}

#[tokio::test]
async fn comments_page_newest_first_across_cursors() {
    let t = table().await;
    let base = datetime!(2026-11-27 10:00 UTC);
    t.record_view(&slug("home"), base).await.unwrap();
    for i in 0..5 {
        let c = comment("home", &format!("c{i}"), base + time::Duration::seconds(i));
        assert_eq!(t.add(&c).await.unwrap(), CommentWrite::Stored);
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = t.list(&slug("home"), 2, before).await.unwrap().unwrap();
        seen.extend(page.comments.iter().map(|c| c.body.clone()));
        match page.next {
            Some(cursor) => before = Some(cursor.0),
            None => break,
        }
    }
    assert_eq!(seen, ["c4", "c3", "c2", "c1", "c0"]);
    // A comment of an id stored before is not stored (nor counted) again.
    let mut again = comment("home", "c0 again", base);
    again.id = t
        .list(&slug("home"), 5, None)
        .await
        .unwrap()
        .unwrap()
        .comments[4]
        .id;
    assert_eq!(t.add(&again).await.unwrap(), CommentWrite::AlreadyStored);
    assert!(t.list(&slug("nowhere"), 2, None).await.unwrap().is_none());

    // The page counts the comments too.
    let page = raw_item(&t, "PAGE#home", "PAGE").await;
    assert_eq!(page["comments"].as_n().unwrap(), "5");
}

#[tokio::test]
async fn videos_are_created_once_and_read_back() {
    let t = table().await;
    let video = Video {
        id: VideoId(Ulid::new()),
        title: "Cat".into(),
        content_type: VideoType::Mp4,
        size: 42,
        status: VideoStatus::AwaitingUpload,
        reasons: vec![],
        found: None,
        upload_etag: None,
        created_at: datetime!(2026-11-27 10:00 UTC),
    };
    assert_eq!(t.create(&video).await.unwrap(), VideoWrite::Stored);
    let mut again = video.clone();
    again.title = "Dog".into();
    assert_eq!(
        t.create(&again).await.unwrap(),
        VideoWrite::AlreadyStored,
        "a second create must not overwrite"
    );
    assert_eq!(t.get(video.id).await.unwrap(), Some(video));
    assert_eq!(t.get(VideoId(Ulid::new())).await.unwrap(), None);
}

/// A claim takes a video into `processing` once, under a lease that only
/// an expired one gives way to; a verdict is recorded only by the claim's
/// holder; the status index follows each move.
#[tokio::test]
async fn a_video_is_claimed_once_leased_and_settled_by_its_holder() {
    let t = table().await;
    let video = Video {
        id: VideoId(Ulid::new()),
        title: "Cat".into(),
        content_type: VideoType::QuickTime,
        size: 42,
        status: VideoStatus::AwaitingUpload,
        reasons: vec![],
        found: None,
        upload_etag: None,
        created_at: datetime!(2026-11-27 10:00 UTC),
    };
    t.create(&video).await.unwrap();
    let now = datetime!(2026-11-27 10:01 UTC);
    let lease = time::Duration::seconds(90);

    // GIVEN a first claim
    let Claim::Claimed(claimed) = t.claim(video.id, "e1", now, now + lease).await.unwrap() else {
        panic!("the first claim wins")
    };
    assert_eq!(claimed.status, VideoStatus::Processing);
    assert_eq!(claimed.upload_etag.as_deref(), Some("e1"));
    // THEN a second one while the lease holds is refused, changing nothing
    assert!(matches!(
        t.claim(video.id, "e1", now + time::Duration::seconds(89), now)
            .await
            .unwrap(),
        Claim::Held(_)
    ));
    assert!(matches!(
        t.claim(VideoId(Ulid::new()), "e1", now, now).await.unwrap(),
        Claim::Missing
    ));
    // AND one after it expired takes it over, for its own upload
    let later = now + time::Duration::seconds(91);
    assert!(matches!(
        t.claim(video.id, "e2", later, later + lease).await.unwrap(),
        Claim::Claimed(v) if v.upload_etag.as_deref() == Some("e2")
    ));

    let verdict = Verdict {
        status: VideoStatus::Rejected,
        reasons: vec![ReasonNote {
            code: "no_video_track".into(),
            message: "the file has no video track".into(),
        }],
        found: Found {
            size: 42,
            sha256: "ab".repeat(32),
            container: Some(Container::QuickTime),
            duration_ms: Some(2023),
            codec: None,
            width: None,
            height: None,
        },
    };
    let judged_at = datetime!(2026-11-28 00:01 UTC);
    assert!(
        !t.settle(video.id, "e1", &verdict, judged_at).await.unwrap(),
        "the worker that lost its lease records nothing"
    );
    assert!(t.settle(video.id, "e2", &verdict, judged_at).await.unwrap());
    assert!(
        !t.settle(video.id, "e2", &verdict, judged_at).await.unwrap(),
        "a verdict is recorded once"
    );
    // Counted once, on the day of the verdict; registered on its own day.
    let judged_day = raw_item(&t, "DAY#2026-11-28", "VIDEOS").await;
    assert_eq!(judged_day["rejected"].as_n().unwrap(), "1");
    assert_eq!(judged_day["reason:no_video_track"].as_n().unwrap(), "1");
    assert!(!judged_day.contains_key("approved"));
    let registered_day = raw_item(&t, "DAY#2026-11-27", "VIDEOS").await;
    assert_eq!(registered_day["registered"].as_n().unwrap(), "1");
    assert!(matches!(
        t.claim(video.id, "e3", later, later + lease).await.unwrap(),
        Claim::Settled(v) if v.status == VideoStatus::Rejected
    ));

    let stored = t.get(video.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, &stored.reasons, stored.found.as_ref()),
        (
            VideoStatus::Rejected,
            &verdict.reasons,
            Some(&verdict.found)
        )
    );
    let raw = raw_item(&t, &format!("VIDEO#{}", video.id), "VIDEO").await;
    assert!(
        !raw.contains_key("leaseUntil"),
        "the lease ends with the verdict"
    );
    let indexed = t
        .client()
        .query()
        .table_name(t.table())
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :p")
        .expression_attribute_values(":p", AttributeValue::S("VIDEOS#rejected".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(indexed.count(), 1);
}

#[tokio::test]
async fn a_hash_is_blocked_once_an_operator_lists_it() {
    let t = table().await;
    let sha = "cd".repeat(32);
    assert!(!t.is_blocked(&sha).await.unwrap());
    // What the README tells an operator to run, as an SDK call.
    t.client()
        .put_item()
        .table_name(t.table())
        .item("pk", AttributeValue::S(format!("BLOCKED#{sha}")))
        .item("sk", AttributeValue::S("HASH".into()))
        .item("note", AttributeValue::S("reported 2026-11-30".into()))
        .send()
        .await
        .unwrap();
    assert!(t.is_blocked(&sha).await.unwrap());
    assert!(!t.is_blocked(&"ef".repeat(32)).await.unwrap());
}

#[tokio::test]
async fn the_latest_report_pointer_only_moves_forward() {
    let t = table().await;
    assert_eq!(t.latest().await.unwrap(), None);
    let pointer = |day: time::Date| ReportPointer {
        date: day,
        key: format!("reports/{day}/report.html"),
        generated_at: datetime!(2026-11-27 00:05 UTC),
    };
    assert!(
        t.point_latest(&pointer(date!(2026 - 11 - 26)))
            .await
            .unwrap()
    );
    assert!(
        !t.point_latest(&pointer(date!(2026 - 11 - 20)))
            .await
            .unwrap()
    );
    assert!(
        t.point_latest(&pointer(date!(2026 - 11 - 26)))
            .await
            .unwrap()
    );
    assert_eq!(
        t.latest().await.unwrap(),
        Some(pointer(date!(2026 - 11 - 26)))
    );
}

/// A day's lease is held by one run at a time, renewed and ended only by
/// its holder; a finished report's figures read back as written.
#[tokio::test]
async fn a_days_report_is_leased_to_one_run_and_finished_by_it() {
    let t = table().await;
    let day = date!(2026 - 12 - 01);
    let now = datetime!(2026-12-02 00:15 UTC);
    let lease = time::Duration::minutes(15);
    let (first, second) = (
        RunId::parse("first").unwrap(),
        RunId::parse("second").unwrap(),
    );
    assert_eq!(t.report(day).await.unwrap(), None);

    // Two runs race for the day: exactly one starts.
    let (a, b) = tokio::join!(
        t.begin(day, &first, now, now + lease),
        t.begin(day, &second, now, now + lease)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let started = outcomes.iter().filter(|o| **o == Begin::Started).count();
    assert_eq!(started, 1, "{outcomes:?}");
    let (holder, other) = if outcomes[0] == Begin::Started {
        (&first, &second)
    } else {
        (&second, &first)
    };
    assert_eq!(
        t.begin(day, other, now, now + lease).await.unwrap(),
        Begin::Running {
            holder: holder.clone()
        }
    );
    // Its own retry goes on; only it renews; a stranger cannot finish it.
    assert_eq!(
        t.begin(day, holder, now, now + lease).await.unwrap(),
        Begin::Started
    );
    assert!(t.renew(day, holder, now + lease * 2).await.unwrap());
    assert!(!t.renew(day, other, now + lease).await.unwrap());
    let figures = Figures {
        pages: 2,
        views: 7,
        ..Figures::default()
    };
    assert!(!t.complete(day, other, &figures).await.unwrap());
    assert!(t.complete(day, holder, &figures).await.unwrap());
    assert!(
        t.complete(day, holder, &figures).await.unwrap(),
        "a retry is fine"
    );
    let report = t.report(day).await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::Ready);
    assert_eq!(report.figures, Some(figures.clone()));

    // A rerun takes it again at once, keeping the figures until it finishes.
    assert_eq!(
        t.begin(day, other, now, now + lease).await.unwrap(),
        Begin::Started
    );
    let report = t.report(day).await.unwrap().unwrap();
    assert!(matches!(report.status, ReportStatus::Running { .. }));
    assert_eq!(report.figures, Some(figures));
    // And an expired lease gives way.
    let later = now + lease + time::Duration::seconds(1);
    assert_eq!(
        t.begin(day, holder, later, later + lease).await.unwrap(),
        Begin::Started
    );
    assert!(
        !t.fail(day, other, &rightnow_domain::services::failure_for("x"))
            .await
            .unwrap()
    );
}

/// A day's activity reads back whole, in the table's order, through pages
/// of any size, and never strays into the next day.
#[tokio::test]
async fn a_day_of_activity_reads_back_in_pages() {
    use rightnow_domain::activity::DayRecord;
    let t = table().await;
    let at = datetime!(2026-11-27 09:15 UTC);
    for page in ["about", "home", "zebra"] {
        t.record_view(&slug(page), at).await.unwrap();
    }
    t.record_view(&slug("home"), at + time::Duration::hours(2))
        .await
        .unwrap();
    t.add(&comment("home", "hi", at)).await.unwrap();
    let video = Video {
        id: VideoId(Ulid::new()),
        title: "Cat".into(),
        content_type: VideoType::Mp4,
        size: 42,
        status: VideoStatus::AwaitingUpload,
        reasons: vec![],
        found: None,
        upload_etag: None,
        created_at: at,
    };
    t.create(&video).await.unwrap();
    assert_eq!(t.create(&video).await.unwrap(), VideoWrite::AlreadyStored);
    // The next day's activity is not this day's.
    t.record_view(&slug("home"), at + time::Duration::days(1))
        .await
        .unwrap();

    let day = at.date();
    let mut records = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = t.read(day, after.as_ref(), 2).await.unwrap();
        pages += 1;
        records.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert!(pages >= 2, "read in {pages} pages");
    let kinds: Vec<String> = records
        .iter()
        .map(|r| match r {
            DayRecord::Page(p) => format!("{} {}v {}c", p.slug, p.views, p.comments),
            DayRecord::Videos(v) => format!("videos {}r", v.registered),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        ["about 1v 0c", "home 2v 1c", "zebra 1v 0c", "videos 1r"],
        "a failed create counts nothing"
    );
    let DayRecord::Page(home) = &records[1] else {
        unreachable!()
    };
    assert_eq!((home.views_by_hour.0[9], home.views_by_hour.0[11]), (1, 1));
    assert_eq!(home.comments_by_hour.0[9], 1);
}

/// A day item that is not what its kind promises is an error that names
/// it, never a zero.
#[tokio::test]
async fn an_unreadable_day_item_is_named() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    use rightnow_domain::activity::ActivityError;
    let t = table().await;
    t.client()
        .put_item()
        .table_name(t.table())
        .item("pk", S("DAY#2026-11-27".into()))
        .item("sk", S("PAGE#home".into()))
        .item("views", S("lots".into()))
        .send()
        .await
        .unwrap();
    let err = t.read(date!(2026 - 11 - 27), None, 10).await.unwrap_err();
    let ActivityError::Unreadable { record, why } = err else {
        panic!("{err:?}")
    };
    assert_eq!(record, "DAY#2026-11-27 / PAGE#home");
    assert!(why.contains("views"), "{why}");
}
