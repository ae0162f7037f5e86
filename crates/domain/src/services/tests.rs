//! The services on in-memory fakes: GIVEN a state, WHEN a call, THEN the
//! result and what was (or was not) written.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use time::macros::{date, datetime};

use super::*;
use crate::clock::Clock;
use crate::comment::NewComment;
use crate::container::Container;
use crate::events::DomainEvent;
use crate::fakes::{FakeSigner, FixedClock, InMemoryStore, RecordingPublisher};
use crate::idempotency::WriteId;
use crate::page::Slug;
use crate::ports::{Claim, VideoStore};
use crate::report::{DayReport, Figures, ReportPointer, ReportStatus, RunId};
use crate::video::{Found, NewVideo, Verdict, VideoStatus};
use crate::{DomainError, Resource};

/// The address every call here comes from.
const CLIENT: &str = "203.0.113.7";

struct World {
    store: Arc<InMemoryStore>,
    bus: Arc<RecordingPublisher>,
    clock: Arc<FixedClock>,
    views: PageViewsService,
    comments: Comments,
    videos: Videos,
    reports: Reports,
}

fn world() -> World {
    world_with_writes(WriteLimit::DEFAULT_PER_MINUTE)
}

/// A world where a client may write `per_minute` times a minute.
fn world_with_writes(per_minute: u32) -> World {
    let store = Arc::new(InMemoryStore::default());
    let bus = Arc::new(RecordingPublisher::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-11-27 10:00 UTC)));
    let signer = Arc::new(FakeSigner);
    let writes = Arc::new(WriteLimit::new(store.clone(), clock.clone(), per_minute));
    World {
        views: PageViewsService::new(store.clone(), clock.clone()),
        comments: Comments::new(store.clone(), bus.clone(), clock.clone(), writes.clone()),
        videos: Videos::new(
            store.clone(),
            signer.clone(),
            signer.clone(),
            clock.clone(),
            writes,
        ),
        reports: Reports::new(store.clone(), signer),
        store,
        bus,
        clock,
    }
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn comment(author: &str, body: &str) -> NewComment {
    NewComment {
        author: author.into(),
        body: body.into(),
    }
}

#[tokio::test]
async fn a_page_is_unknown_until_its_first_view() {
    let w = world();
    assert!(matches!(
        w.views.count(slug("home")).await,
        Err(DomainError::NotFound(Resource::Page))
    ));
    assert_eq!(w.views.record(slug("home")).await.unwrap().views, 1);
    assert_eq!(w.views.record(slug("home")).await.unwrap().views, 2);
    assert_eq!(w.views.count(slug("home")).await.unwrap().views, 2);
    assert_eq!(
        w.store
            .page_day(date!(2026 - 11 - 27), &slug("home"))
            .unwrap()
            .views,
        2
    );
}

#[tokio::test]
async fn posting_a_comment_stores_it_counts_it_and_publishes_comment_posted() {
    let w = world();
    w.views.record(slug("home")).await.unwrap();

    let c = w
        .comments
        .post(slug("home"), comment(" Ada ", " Hello "), CLIENT, None)
        .await
        .unwrap();

    assert_eq!((c.author.as_str(), c.body.as_str()), ("Ada", "Hello"));
    assert_eq!(w.store.comment_count(&slug("home")), 1);
    assert_eq!(
        w.store
            .page_day(date!(2026 - 11 - 27), &slug("home"))
            .unwrap()
            .comments,
        1
    );
    let published = w.bus.published();
    let [DomainEvent::CommentPosted(e)] = published.as_slice() else {
        panic!("expected one CommentPosted, got {published:?}");
    };
    assert_eq!((e.comment_id, e.page.as_str()), (c.id, "home"));
}

#[tokio::test]
async fn a_comment_on_an_unknown_page_is_not_found_and_writes_nothing() {
    let w = world();
    let err = w
        .comments
        .post(slug("nope"), comment("Ada", "Hi"), CLIENT, None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(Resource::Page)));
    assert_eq!(w.store.comment_count(&slug("nope")), 0);
    assert!(w.bus.published().is_empty());
}

#[tokio::test]
async fn a_keyed_comment_sent_again_is_found_not_stored_twice() {
    // GIVEN a keyed comment whose answer was lost after it was stored
    let w = world();
    w.views.record(slug("home")).await.unwrap();
    let write = WriteId::new(datetime!(2026-11-27 09:59:58 UTC));
    let first = w
        .comments
        .post(slug("home"), comment("Ada", "Hi"), CLIENT, Some(write))
        .await
        .unwrap();
    // WHEN the client sends it again, as the same write
    let again = w
        .comments
        .post(slug("home"), comment("Ada", "Hi"), CLIENT, Some(write))
        .await
        .unwrap();
    // THEN it is the same comment, made when the write was first seen,
    // stored, counted and announced once
    assert_eq!((again.id, again.created_at), (first.id, first.created_at));
    assert_eq!(first.created_at, write.at());
    assert_eq!(w.store.comment_count(&slug("home")), 1);
    let day = w.store.page_day(date!(2026 - 11 - 27), &slug("home"));
    assert_eq!(day.unwrap().comments, 1);
    assert_eq!(w.bus.published().len(), 1);
}

#[tokio::test]
async fn an_invalid_comment_writes_nothing_and_publishes_nothing() {
    let w = world();
    w.views.record(slug("home")).await.unwrap();
    let err = w
        .comments
        .post(slug("home"), comment("", "Hi"), CLIENT, None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(v) if v.field == "author"));
    assert_eq!(w.store.comment_count(&slug("home")), 0);
    assert!(w.bus.published().is_empty());
}

#[tokio::test]
async fn a_stored_comment_is_returned_even_if_the_bus_is_down() {
    let w = world();
    w.views.record(slug("home")).await.unwrap();
    w.bus.fail.store(true, Ordering::SeqCst);
    assert!(
        w.comments
            .post(slug("home"), comment("Ada", "Hi"), CLIENT, None)
            .await
            .is_ok()
    );
    assert_eq!(w.store.comment_count(&slug("home")), 1);
}

#[tokio::test]
async fn comments_list_newest_first_in_pages_joined_by_cursors() {
    let w = world();
    w.views.record(slug("home")).await.unwrap();
    for i in 0..5 {
        w.comments
            .post(slug("home"), comment("Ada", &format!("c{i}")), CLIENT, None)
            .await
            .unwrap();
        w.clock.advance(time::Duration::SECOND);
    }

    let first = w
        .comments
        .list(slug("home"), Some("2"), None)
        .await
        .unwrap();
    let bodies = |p: &crate::comment::CommentPage| -> Vec<String> {
        p.comments.iter().map(|c| c.body.clone()).collect()
    };
    assert_eq!(bodies(&first), ["c4", "c3"]);
    let token = first.next.unwrap().encode();
    let second = w
        .comments
        .list(slug("home"), Some("2"), Some(&token))
        .await
        .unwrap();
    assert_eq!(bodies(&second), ["c2", "c1"]);
    let token = second.next.unwrap().encode();
    let last = w
        .comments
        .list(slug("home"), Some("2"), Some(&token))
        .await
        .unwrap();
    assert_eq!(bodies(&last), ["c0"]);
    assert!(last.next.is_none());
}

#[tokio::test]
async fn listing_rejects_bad_limits_and_foreign_cursors() {
    let w = world();
    w.views.record(slug("home")).await.unwrap();
    assert!(matches!(
        w.comments.list(slug("home"), Some("0"), None).await,
        Err(DomainError::Invalid(v)) if v.field == "limit"
    ));
    assert!(matches!(
        w.comments.list(slug("home"), None, Some("garbage")).await,
        Err(DomainError::BadCursor)
    ));
    assert!(matches!(
        w.comments.list(slug("other"), None, None).await,
        Err(DomainError::NotFound(Resource::Page))
    ));
}

#[tokio::test]
async fn registering_a_video_records_it_awaiting_upload_with_a_bound_url() {
    let w = world();
    let ticket = w
        .videos
        .register(
            NewVideo {
                title: "Cat".into(),
                content_type: "video/mp4".into(),
                size: 1234,
            },
            CLIENT,
            None,
        )
        .await
        .unwrap();
    assert!(
        ticket
            .upload_url
            .contains(&format!("uploads/{}", ticket.id))
    );
    assert!(ticket.upload_url.contains("type=video/mp4&size=1234"));
    assert_eq!(ticket.expires_at, datetime!(2026-11-27 10:15 UTC));
    let view = w.videos.status(&ticket.id.to_string()).await.unwrap();
    assert_eq!(view.status, VideoStatus::AwaitingUpload);
    assert_eq!(view.playback_url, None);
}

#[tokio::test]
async fn a_keyed_registration_sent_again_is_the_same_video_recorded_once() {
    let w = world();
    let video = || NewVideo {
        title: "Cat".into(),
        content_type: "video/mp4".into(),
        size: 10,
    };
    let write = WriteId::new(datetime!(2026-11-27 09:59:58 UTC));
    let first = w.videos.register(video(), CLIENT, Some(write)).await;
    let again = w.videos.register(video(), CLIENT, Some(write)).await;
    let (first, again) = (first.unwrap(), again.unwrap());
    assert_eq!(again.id, first.id);
    assert_eq!(again.upload_url, first.upload_url, "bound to the same key");
    assert_eq!(w.store.video_count(), 1);
}

#[tokio::test]
async fn an_invalid_video_writes_nothing() {
    let w = world();
    let err = w
        .videos
        .register(
            NewVideo {
                title: "Cat".into(),
                content_type: "video/x-msvideo".into(),
                size: 10,
            },
            CLIENT,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(v) if v.field == "contentType"));
    assert_eq!(w.store.video_count(), 0);
}

#[tokio::test]
async fn a_clients_comments_and_registrations_share_one_write_limit() {
    // GIVEN a client allowed 2 writes a minute
    let w = world_with_writes(2);
    w.views.record(slug("home")).await.unwrap();
    let video = || NewVideo {
        title: "Cat".into(),
        content_type: "video/mp4".into(),
        size: 10,
    };
    // WHEN it posts a bad comment (refused for what it is, costing nothing),
    // a comment and a video, then one more of each
    let bad = w
        .comments
        .post(slug("home"), comment("", "Hi"), CLIENT, None)
        .await;
    assert!(matches!(bad, Err(DomainError::Invalid(_))), "{bad:?}");
    w.comments
        .post(slug("home"), comment("Ada", "Hi"), CLIENT, None)
        .await
        .unwrap();
    w.videos.register(video(), CLIENT, None).await.unwrap();
    let comment_over = w
        .comments
        .post(slug("home"), comment("Ada", "Again"), CLIENT, None)
        .await;
    let video_over = w.videos.register(video(), CLIENT, None).await;
    // THEN both are refused until the minute ends, and neither was stored
    for over in [comment_over.map(|_| ()), video_over.map(|_| ())] {
        assert!(
            matches!(over, Err(DomainError::Limited(d)) if d.as_secs() == 60),
            "{over:?}"
        );
    }
    assert_eq!(w.store.comment_count(&slug("home")), 1);
    assert_eq!(w.store.video_count(), 1);
    // AND another address is not limited by this one
    w.comments
        .post(slug("home"), comment("Bo", "Hi"), "198.51.100.1", None)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_approved_video_has_a_playback_url_and_unknown_ids_are_not_found() {
    let w = world();
    let ticket = w
        .videos
        .register(
            NewVideo {
                title: "Cat".into(),
                content_type: "video/mp4".into(),
                size: 10,
            },
            CLIENT,
            None,
        )
        .await
        .unwrap();
    // What video-moderation does, through the ports it uses.
    let now = w.clock.now();
    let claim = w.store.claim(ticket.id, "e1", now, now).await.unwrap();
    assert!(matches!(claim, Claim::Claimed(_)));
    let verdict = Verdict {
        status: VideoStatus::Approved,
        reasons: vec![],
        found: Found {
            size: 10,
            sha256: "00".repeat(32),
            container: Some(Container::Mp4),
            duration_ms: Some(2000),
            codec: Some("avc1".into()),
            width: Some(320),
            height: Some(240),
        },
    };
    assert!(
        w.store
            .settle(ticket.id, "e1", &verdict, w.clock.now())
            .await
            .unwrap()
    );
    let view = w.videos.status(&ticket.id.to_string()).await.unwrap();
    assert_eq!(view.status, VideoStatus::Approved);
    assert_eq!(view.found, Some(verdict.found));
    assert!(
        view.playback_url
            .unwrap()
            .contains(&format!("videos/{}.mp4", ticket.id))
    );

    for unknown in ["01jdzzzzzzzzzzzzzzzzzzzzzz", "not-an-id"] {
        assert!(matches!(
            w.videos.status(unknown).await,
            Err(DomainError::NotFound(Resource::Video))
        ));
    }
}

#[tokio::test]
async fn the_latest_report_is_not_found_until_one_exists() {
    let w = world();
    assert!(matches!(
        w.reports.latest().await,
        Err(DomainError::NotFound(Resource::Report))
    ));
    let day = date!(2026 - 11 - 26);
    w.store.set_latest_report(ReportPointer {
        date: day,
        key: "reports/2026-11-26/report.html".into(),
        generated_at: datetime!(2026-11-27 00:05 UTC),
    });
    w.store.set_report(DayReport {
        date: day,
        status: ReportStatus::Ready,
        run: RunId::parse("r1").unwrap(),
        figures: Some(Figures::default()),
    });
    let latest = w.reports.latest().await.unwrap();
    assert!(
        latest
            .url
            .unwrap()
            .contains("reports/2026-11-26/report.html")
    );
    assert_eq!(latest.report.figures, Some(Figures::default()));
}

#[tokio::test]
async fn a_days_report_shows_its_failure_and_no_link() {
    let w = world();
    let day = date!(2026 - 11 - 25);
    assert!(matches!(
        w.reports.day(day).await,
        Err(DomainError::NotFound(Resource::Report))
    ));
    let failure = crate::services::failure_for("UnreadableActivity");
    w.store.set_report(DayReport {
        date: day,
        status: ReportStatus::Failed(failure.clone()),
        run: RunId::parse("r1").unwrap(),
        figures: None,
    });
    let view = w.reports.day(day).await.unwrap();
    assert_eq!(view.report.status, ReportStatus::Failed(failure));
    assert_eq!(view.url, None);
}

#[tokio::test]
async fn a_failing_store_is_unavailable_not_not_found() {
    let w = world();
    w.store.fail.store(true, Ordering::SeqCst);
    assert!(matches!(
        w.views.count(slug("home")).await,
        Err(DomainError::Unavailable(_))
    ));
}
