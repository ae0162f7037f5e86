//! Uploads and the events that announce them, through video-moderation's
//! moderator on the fakes: the box walker, mp4parse behind it, the policy.

use std::sync::Arc;

use lambda_runtime::{Context, LambdaEvent};
use rightnow_domain::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
use rightnow_domain::ports::VideoStore;
use rightnow_domain::services::moderation::{ModerationPorts, Moderator, Outcome, Upload};
use rightnow_domain::video::{Video, VideoId, VideoStatus, VideoType};
use time::macros::datetime;

use crate::block_on;

const ID: &str = "01kbm3q2yx8d7w5tq1n0c6v4zr";

fn moderator(store: &Arc<InMemoryStore>, bucket: &Arc<InMemoryBucket>) -> Moderator {
    let ports = ModerationPorts {
        videos: store.clone(),
        blocklist: store.clone(),
        ranges: bucket.clone(),
        objects: bucket.clone(),
        digests: bucket.clone(),
        bus: Arc::new(RecordingPublisher::default()),
        clock: Arc::new(FixedClock::at(datetime!(2026-12-04 10:00:05 UTC))),
    };
    let settings = video_moderation::settings::from(|_| None).expect("the default settings");
    Moderator::new(ports, settings)
}

/// Any bytes, uploaded as a registered video of their size: judged
/// (approved or rejected with reasons), never a panic or an error.
pub fn moderation_upload(data: &[u8]) {
    let store = Arc::new(InMemoryStore::default());
    let bucket = Arc::new(InMemoryBucket::default());
    let id: VideoId = ID.parse().expect("a video id");
    let size = u64::try_from(data.len()).expect("a length fits u64");
    block_on(store.create(&Video {
        id,
        title: "Fuzz".into(),
        content_type: VideoType::Mp4,
        size,
        status: VideoStatus::AwaitingUpload,
        reasons: vec![],
        found: None,
        upload_etag: None,
        created_at: datetime!(2026-12-04 10:00 UTC),
    }))
    .expect("the fake stores it");
    let key = format!("uploads/{ID}");
    let etag = bucket.put(&key, data.to_vec());
    let outcome = block_on(moderator(&store, &bucket).moderate(&Upload { key, size, etag }))
        .expect("the fakes do not fail");
    match outcome {
        Outcome::Judged { status, .. } => assert!(
            matches!(status, VideoStatus::Approved | VideoStatus::Rejected),
            "{status:?}"
        ),
        other => panic!("a registered upload is judged, not {other:?}"),
    }
}

/// Any JSON as the event EventBridge delivers: refused by the runtime
/// (not the event), or handled; the bucket being empty, nothing is judged.
pub fn moderation_event(data: &[u8]) {
    let Ok(event) = serde_json::from_slice::<video_moderation::event::S3Event>(data) else {
        return;
    };
    let store = Arc::new(InMemoryStore::default());
    let bucket = Arc::new(InMemoryBucket::default());
    let moderator = moderator(&store, &bucket);
    let reply = block_on(video_moderation::handle(
        &moderator,
        "media",
        LambdaEvent::new(event, Context::default()),
    ))
    .expect("an event about nothing is no error");
    assert!(
        matches!(reply.outcome, "ignored" | "gone"),
        "{}",
        reply.outcome
    );
}
