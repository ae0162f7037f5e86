//! The moderator on in-memory fakes, with the committed fixture videos
//! (tests/fixtures/videos, made by `make fixtures`): GIVEN an upload and
//! a record, WHEN its event is delivered (once, twice, racing, after a
//! crash), THEN the verdict, the record, the bucket and the bus.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use time::macros::datetime;
use ulid::Ulid;

use super::*;
use crate::container::Container;
use crate::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
use crate::ports::VideoStore;
use crate::video::VideoType;

/// A committed fixture video.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/videos/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (make fixtures)"))
}

const LEASE: Duration = Duration::from_secs(90);

struct World {
    store: Arc<InMemoryStore>,
    bucket: Arc<InMemoryBucket>,
    bus: Arc<RecordingPublisher>,
    clock: Arc<FixedClock>,
    moderator: Moderator,
}

fn world_with(policy: Policy) -> World {
    let store = Arc::new(InMemoryStore::default());
    let bucket = Arc::new(InMemoryBucket::default());
    let bus = Arc::new(RecordingPublisher::default());
    let clock = Arc::new(FixedClock::at(datetime!(2026-11-27 10:00 UTC)));
    let ports = ModerationPorts {
        videos: store.clone(),
        blocklist: store.clone(),
        ranges: bucket.clone(),
        objects: bucket.clone(),
        digests: bucket.clone(),
        bus: bus.clone(),
        clock: clock.clone(),
    };
    let settings = Settings {
        policy,
        limits: IndexLimits {
            max_boxes: 1024,
            max_ftyp_bytes: 4096,
            max_moov_bytes: 4 << 20,
            max_fragment_index_bytes: 4 << 20,
        },
        lease: LEASE,
    };
    World {
        moderator: Moderator::new(ports, settings),
        store,
        bucket,
        bus,
        clock,
    }
}

fn world() -> World {
    world_with(Policy {
        blocked_words: vec!["spam".into()],
        ..Policy::default()
    })
}

impl World {
    /// Registers a video declared as `t` of `size` bytes.
    async fn register(&self, title: &str, t: VideoType, size: u64) -> VideoId {
        let video = Video {
            id: VideoId(Ulid::new()),
            title: title.into(),
            content_type: t,
            size,
            status: VideoStatus::AwaitingUpload,
            reasons: vec![],
            found: None,
            upload_etag: None,
            created_at: self.clock.now(),
        };
        self.store.create(&video).await.unwrap();
        video.id
    }

    /// Uploads `data` to `key`, returning the event S3 sends.
    fn upload(&self, key: &str, data: Vec<u8>) -> Upload {
        let size = data.len() as u64;
        let etag = self.bucket.put(key, data);
        Upload {
            key: key.into(),
            size,
            // Events carry the ETag without quotes.
            etag: etag.trim_matches('"').into(),
        }
    }

    /// A fixture registered as declared and uploaded, with its event.
    async fn uploaded(&self, name: &str, t: VideoType, title: &str) -> (VideoId, Upload) {
        let data = fixture(name);
        let id = self.register(title, t, data.len() as u64).await;
        (id, self.upload(&id.upload_key(), data))
    }

    fn record(&self, id: VideoId) -> Video {
        self.store.video(id).unwrap()
    }
}

#[tokio::test]
async fn a_valid_upload_is_approved_moved_recorded_and_announced() {
    let w = world();
    // GIVEN an MP4 with its moov at the end, declared as MP4
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "My cat").await;
    // WHEN its event is delivered
    let outcome = w.moderator.moderate(&upload).await.unwrap();
    // THEN it is approved and served from videos/<id>.mp4
    let to = format!("videos/{id}.mp4");
    assert_eq!(
        outcome,
        Outcome::Judged {
            id,
            status: VideoStatus::Approved,
            reasons: vec![],
            moved_to: Some(to.clone()),
        }
    );
    assert_eq!(w.bucket.keys(), [to]);
    let record = w.record(id);
    assert_eq!(record.status, VideoStatus::Approved);
    let found = record.found.unwrap();
    assert_eq!(
        (
            found.container,
            found.codec.as_deref(),
            found.width,
            found.height
        ),
        (Some(Container::Mp4), Some("avc1"), Some(320), Some(240))
    );
    // The longest track's: the audio runs 23 ms past the video.
    assert_eq!(found.duration_ms, Some(2023));
    assert_eq!(found.size, upload.size);
    assert_eq!(
        found.sha256,
        InMemoryBucket::digest_of(&fixture("h264.mp4"))
    );
    // AND the index was read, not the media
    assert!(
        w.bucket.bytes_read.load(Ordering::SeqCst) < 4096,
        "{} bytes read",
        w.bucket.bytes_read.load(Ordering::SeqCst)
    );
    assert_eq!(
        w.bus.published(),
        [DomainEvent::VideoModerated(VideoModerated {
            video_id: id,
            status: VideoStatus::Approved,
            reasons: vec![],
        })]
    );
}

#[tokio::test]
async fn every_accepted_shape_of_video_passes() {
    for (name, t, codec, ext) in [
        ("faststart.mp4", VideoType::Mp4, "avc1", "mp4"),
        ("fragmented.mp4", VideoType::Mp4, "avc1", "mp4"),
        ("hevc.mp4", VideoType::Mp4, "hvc1", "mp4"),
        ("h264.mov", VideoType::QuickTime, "avc1", "mov"),
    ] {
        let w = world();
        let (id, upload) = w.uploaded(name, t, "Fine").await;
        let outcome = w.moderator.moderate(&upload).await.unwrap();
        let Outcome::Judged {
            status, moved_to, ..
        } = &outcome
        else {
            panic!("{name}: {outcome:?}")
        };
        assert_eq!(*status, VideoStatus::Approved, "{name}: {outcome:?}");
        assert_eq!(moved_to.as_deref(), Some(&*format!("videos/{id}.{ext}")));
        let found = w.record(id).found.unwrap();
        assert_eq!(found.codec.as_deref(), Some(codec), "{name}");
        // The fragmented file's moov says 0: its duration is its fragments'.
        assert!(
            found.duration_ms.unwrap() >= 1000,
            "{name}: {:?}",
            found.duration_ms
        );
    }
}

#[tokio::test]
async fn each_bad_upload_is_rejected_with_its_reason_and_quarantined() {
    /// (fixture, declared type, declared size if not its own, title, codes)
    type Case = (
        &'static str,
        VideoType,
        Option<u64>,
        &'static str,
        &'static [&'static str],
    );
    let cases: &[Case] = &[
        (
            "empty.mp4",
            VideoType::Mp4,
            Some(1),
            "x",
            &["not_a_video", "size_mismatch"],
        ),
        ("text.mp4", VideoType::Mp4, None, "x", &["not_a_video"]),
        ("image.mp4", VideoType::Mp4, None, "x", &["not_a_video"]),
        ("vp9.webm", VideoType::Mp4, None, "x", &["not_a_video"]),
        ("truncated.mp4", VideoType::Mp4, None, "x", &["unreadable"]),
        ("bad-size.mp4", VideoType::Mp4, None, "x", &["unreadable"]),
        ("moov-lies.mp4", VideoType::Mp4, None, "x", &["unreadable"]),
        (
            "audio-only.mp4",
            VideoType::Mp4,
            None,
            "x",
            &["no_video_track"],
        ),
        (
            "h264.mov",
            VideoType::Mp4,
            None,
            "x",
            &["container_mismatch"],
        ),
        (
            "h264.mp4",
            VideoType::QuickTime,
            None,
            "x",
            &["container_mismatch"],
        ),
        (
            "h264.mp4",
            VideoType::Mp4,
            Some(1000),
            "x",
            &["size_mismatch"],
        ),
        ("long.mp4", VideoType::Mp4, None, "x", &["too_long"]),
        (
            "too-big.mp4",
            VideoType::Mp4,
            None,
            "x",
            &["resolution_too_high"],
        ),
        (
            "h264.mp4",
            VideoType::Mp4,
            None,
            "Cheap SPAM",
            &["title_blocked"],
        ),
    ];
    for (name, t, declared, title, codes) in cases {
        let w = world();
        let data = fixture(name);
        let id = w
            .register(title, *t, declared.unwrap_or(data.len() as u64))
            .await;
        let upload = w.upload(&id.upload_key(), data);
        let outcome = w.moderator.moderate(&upload).await.unwrap();
        let record = w.record(id);
        let recorded: Vec<&str> = record.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(&recorded, codes, "{name}: {outcome:?}");
        assert_eq!(record.status, VideoStatus::Rejected, "{name}");
        assert!(record.reasons.iter().all(|r| !r.message.is_empty()));
        assert_eq!(w.bucket.keys(), [id.quarantine_key()], "{name}");
        assert_eq!(record.found.unwrap().size, upload.size);
    }
}

#[tokio::test]
async fn a_deeply_nested_index_is_a_reason_not_a_crash() {
    let w = world();
    let (id, upload) = w.uploaded("deep.mp4", VideoType::Mp4, "x").await;
    w.moderator.moderate(&upload).await.unwrap();
    let record = w.record(id);
    assert_eq!(record.status, VideoStatus::Rejected);
    // mp4parse skips the boxes it does not expect in a trak: a track of
    // nothing, so no video track.
    let codes: Vec<&str> = record.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["no_video_track"]);
}

#[tokio::test]
async fn a_known_bad_file_is_rejected_by_its_digest() {
    let w = world();
    let data = fixture("h264.mp4");
    w.store.block_hash(&InMemoryBucket::digest_of(&data));
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "Fine").await;
    w.moderator.moderate(&upload).await.unwrap();
    let codes: Vec<String> = w.record(id).reasons.into_iter().map(|r| r.code).collect();
    assert_eq!(codes, ["known_bad"]);
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing() {
    let w = world();
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "Cat").await;
    w.moderator.moderate(&upload).await.unwrap();
    let before = (w.record(id), w.bucket.keys());
    // WHEN the same event arrives again
    assert_eq!(w.moderator.moderate(&upload).await.unwrap(), Outcome::Gone);
    // THEN nothing moved, nothing was rewritten or announced again
    assert_eq!((w.record(id), w.bucket.keys()), before);
    assert_eq!(w.bus.published().len(), 1);
}

#[tokio::test]
async fn a_second_delivery_waits_for_the_first_and_takes_over_a_crashed_one() {
    let w = world();
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "Cat").await;
    // GIVEN another invocation claimed it and then crashed
    let now = w.clock.now();
    let etag = upload.etag.as_str();
    let first = w.store.claim(id, etag, now, now + LEASE).await.unwrap();
    assert!(matches!(first, Claim::Claimed(_)));
    // WHEN the event is delivered while the lease holds, THEN it fails (to
    // be retried) and changes nothing
    assert!(matches!(
        w.moderator.moderate(&upload).await,
        Err(ModerationError::Busy(busy)) if busy == id
    ));
    assert_eq!(w.record(id).status, VideoStatus::Processing);
    assert_eq!(w.bucket.keys(), [id.upload_key()]);
    // WHEN it is retried after the lease, THEN the work is finished
    w.clock.advance(time::Duration::seconds(91));
    let outcome = w.moderator.moderate(&upload).await.unwrap();
    assert!(matches!(
        outcome,
        Outcome::Judged {
            status: VideoStatus::Approved,
            ..
        }
    ));
    assert_eq!(w.bus.published().len(), 1);
}

#[tokio::test]
async fn a_crash_between_verdict_and_move_is_finished_by_the_redelivery() {
    let w = world();
    let (id, upload) = w.uploaded("h264.mov", VideoType::Mp4, "Cat").await;
    // GIVEN a first delivery that judged and recorded, then failed to move
    let now = w.clock.now();
    w.store
        .claim(id, &upload.etag, now, now + LEASE)
        .await
        .unwrap();
    let verdict = Verdict {
        status: VideoStatus::Rejected,
        reasons: vec![Reason::NoVideoTrack.note()],
        found: Found {
            size: upload.size,
            sha256: "ab".repeat(32),
            container: Some(Container::QuickTime),
            duration_ms: Some(2000),
            codec: None,
            width: None,
            height: None,
        },
    };
    assert!(
        w.store
            .settle(id, &upload.etag, &verdict, w.clock.now())
            .await
            .unwrap()
    );
    // WHEN the event is delivered again
    let outcome = w.moderator.moderate(&upload).await.unwrap();
    // THEN the recorded verdict stands and the move is done
    assert_eq!(
        outcome,
        Outcome::Completed {
            id,
            moved_to: id.quarantine_key()
        }
    );
    assert_eq!(w.record(id).reasons, verdict.reasons);
    assert_eq!(w.bucket.keys(), [id.quarantine_key()]);
    assert_eq!(w.bus.published().len(), 1);
}

#[tokio::test]
async fn a_reupload_after_the_verdict_is_quarantined_and_the_verdict_stands() {
    let w = world();
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "Cat").await;
    w.moderator.moderate(&upload).await.unwrap();
    let approved = w.record(id);
    // WHEN the upload URL is used again, with other bytes
    let again = w.upload(&id.upload_key(), fixture("text.mp4"));
    let outcome = w.moderator.moderate(&again).await.unwrap();
    // THEN the new object is quarantined, never judged
    let to = format!("quarantine/{id}-reupload-{}", again.etag);
    assert_eq!(
        outcome,
        Outcome::Reupload {
            id,
            moved_to: to.clone()
        }
    );
    assert_eq!(w.record(id), approved);
    assert_eq!(w.bucket.keys(), [to, format!("videos/{id}.mp4")]);
    assert_eq!(w.bus.published().len(), 1);
}

#[tokio::test]
async fn strays_are_quarantined_and_stale_events_do_nothing() {
    let w = world();
    // A key that is not a video id.
    let stray = w.upload("uploads/cat.mp4", fixture("h264.mp4"));
    assert_eq!(
        w.moderator.moderate(&stray).await.unwrap(),
        Outcome::Orphan {
            moved_to: "quarantine/orphans/cat.mp4".into()
        }
    );
    // A video id with no record.
    let id = VideoId(Ulid::new());
    let unknown = w.upload(&id.upload_key(), fixture("h264.mp4"));
    assert_eq!(
        w.moderator.moderate(&unknown).await.unwrap(),
        Outcome::Orphan {
            moved_to: format!("quarantine/orphans/{id}")
        }
    );
    // An event about a version that was since replaced.
    let (id, first) = w.uploaded("h264.mp4", VideoType::Mp4, "Cat").await;
    let second = w.upload(&id.upload_key(), fixture("h264.mp4"));
    assert_eq!(
        w.moderator.moderate(&first).await.unwrap(),
        Outcome::Superseded
    );
    assert_eq!(w.record(id).status, VideoStatus::AwaitingUpload);
    assert!(matches!(
        w.moderator.moderate(&second).await.unwrap(),
        Outcome::Judged { .. }
    ));
    // An object already gone.
    let gone = Upload {
        key: "uploads/nothing".into(),
        size: 1,
        etag: "x".into(),
    };
    assert_eq!(w.moderator.moderate(&gone).await.unwrap(), Outcome::Gone);
    assert!(w.bus.published().len() == 1);
}

#[tokio::test]
async fn a_storage_failure_fails_the_invocation_and_moves_nothing() {
    let w = world();
    let (id, upload) = w.uploaded("h264.mp4", VideoType::Mp4, "Cat").await;
    w.store.fail.store(true, Ordering::SeqCst);
    assert!(matches!(
        w.moderator.moderate(&upload).await,
        Err(ModerationError::Port(_))
    ));
    w.store.fail.store(false, Ordering::SeqCst);
    assert_eq!(w.record(id).status, VideoStatus::AwaitingUpload);
    assert_eq!(w.bucket.keys(), [id.upload_key()]);
    assert!(w.bus.published().is_empty());
}
