//! video-moderation: the hook on every upload. S3 announces each object
//! created under `uploads/` on the default event bus; a rule (template.yaml)
//! invokes this function with that event; the domain's
//! [`Moderator`] inspects the object without loading it, judges it, records
//! the verdict and moves the object to `videos/` or `quarantine/`.
//!
//! - [`event`]: the event as S3 sends it through EventBridge (our detail
//!   struct in aws_lambda_events' `EventBridgeEvent`), and what the
//!   function answers;
//! - [`settings`]: the policy and limits, from the environment the
//!   template's parameters set.
//!
//! At-least-once delivery is answered in the domain (see
//! [`rightnow_domain::services::moderation`]): a redelivered event is a
//! logged no-op, and an error fails the invocation so that it is retried.

pub mod event;
pub mod settings;

use lambda_runtime::{Diagnostic, LambdaEvent};
use rightnow_domain::services::moderation::{ModerationError, Moderator, Outcome, Upload};

use crate::event::{ObjectCreated, Reply, S3Event};

/// Moderates the upload `event` announces, in the media bucket `bucket`.
/// A key outside `uploads/` (the rule lets none through) is ignored,
/// logged. The bucket is always the function's own (the only one its
/// policy reaches): an event naming another is logged, and acted on there.
pub async fn handle(
    moderator: &Moderator,
    bucket: &str,
    event: LambdaEvent<S3Event>,
) -> Result<Reply, Diagnostic> {
    let started = std::time::Instant::now();
    let ObjectCreated {
        bucket: b, object, ..
    } = event.payload.detail;
    if b.name != bucket {
        tracing::warn!(event_bucket = %b.name, %bucket, "the event names another bucket");
    }
    if !object.key.starts_with("uploads/") {
        tracing::warn!(function = FUNCTION, source = SOURCE, key = %object.key, outcome = "ignored", "not an upload; ignored");
        return Ok(Reply::ignored());
    }
    let upload = Upload {
        key: object.key,
        size: object.size,
        etag: object.etag,
    };
    match moderator.moderate(&upload).await {
        Ok(outcome) => {
            let why = explain(&outcome);
            let reply = Reply::from(outcome);
            log(&upload.key, &reply, why, ms(started));
            Ok(reply)
        }
        Err(e) => {
            let ms = ms(started);
            tracing::error!(function = FUNCTION, source = SOURCE, key = %upload.key, outcome = "failed", ms, error = %e, "moderation failed; the event will be retried");
            Err(diagnostic(&e))
        }
    }
}

/// The failure as Lambda reports it: a type a retry policy or an alarm can
/// tell apart, and the message for the logs (never shown to a visitor).
fn diagnostic(e: &ModerationError) -> Diagnostic {
    let error_type = match e {
        ModerationError::Busy(_) => "VideoBusy",
        ModerationError::Port(_) => "StorageUnavailable",
    };
    Diagnostic {
        error_type: error_type.into(),
        error_message: e.to_string(),
    }
}

/// What an outcome means, for the log line. Everything but a verdict is
/// the answer to a redelivery, a race or a stray object.
fn explain(outcome: &Outcome) -> Option<&'static str> {
    Some(match outcome {
        Outcome::Judged { .. } => return None,
        Outcome::Completed { .. } => "finished the move of an earlier delivery",
        Outcome::Gone => "no object any more (a redelivery): nothing to do",
        Outcome::Superseded => "a newer upload replaced this one; its own event follows",
        Outcome::Orphan { .. } => "an upload with no video record: quarantined",
        Outcome::Reupload { .. } => {
            "a second upload after the verdict: quarantined, the verdict stands"
        }
        Outcome::LeaseLost { .. } => "another invocation took the video over",
    })
}

/// This function, and what invokes it, in its log lines.
const FUNCTION: &str = env!("CARGO_PKG_NAME");
const SOURCE: &str = "EventBridge: S3 Object Created in uploads/";

fn ms(started: std::time::Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0
}

/// One line per upload: a verdict at info, anything else at warn, with why.
fn log(key: &str, r: &Reply, why: Option<&'static str>, ms: f64) {
    let (outcome, video, status, moved_to) = (r.outcome, &r.video_id, r.status, &r.moved_to);
    let (function, source) = (FUNCTION, SOURCE);
    match why {
        None => {
            tracing::info!(function, source, %key, outcome, ms, ?video, ?status, reasons = ?r.reasons, ?moved_to, "judged")
        }
        Some(why) => {
            tracing::warn!(function, source, %key, outcome, ms, ?video, ?moved_to, "{why}")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use lambda_runtime::Context;
    use rightnow_domain::fakes::{FixedClock, InMemoryBucket, InMemoryStore, RecordingPublisher};
    use rightnow_domain::ports::VideoStore;
    use rightnow_domain::video::{Video, VideoId, VideoStatus, VideoType};
    use time::macros::datetime;

    use super::*;

    fn sample(name: &str) -> S3Event {
        let path = format!(
            "{}/../../events/video-moderation/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/videos/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    /// The sample upload's video registered, its bytes in the fake bucket,
    /// and the sample event pointing at them.
    async fn given_the_sample_upload() -> (Moderator, Arc<InMemoryBucket>, S3Event) {
        let store = Arc::new(InMemoryStore::default());
        let bucket = Arc::new(InMemoryBucket::default());
        let mut event = sample("new-upload");
        let id: VideoId = event.detail.object.key["uploads/".len()..].parse().unwrap();
        let data = fixture("h264.mp4");
        store
            .create(&Video {
                id,
                title: "Cat".into(),
                content_type: VideoType::Mp4,
                size: data.len() as u64,
                status: VideoStatus::AwaitingUpload,
                reasons: vec![],
                found: None,
                upload_etag: None,
                created_at: datetime!(2026-11-27 10:00 UTC),
            })
            .await
            .unwrap();
        event.detail.object.etag = bucket.put(&event.detail.object.key, data);
        let ports = rightnow_domain::services::moderation::ModerationPorts {
            videos: store.clone(),
            blocklist: store,
            ranges: bucket.clone(),
            objects: bucket.clone(),
            digests: bucket.clone(),
            bus: Arc::new(RecordingPublisher::default()),
            clock: Arc::new(FixedClock::at(datetime!(2026-11-27 10:00:05 UTC))),
        };
        let settings = settings::from(|_| None).unwrap();
        (Moderator::new(ports, settings), bucket, event)
    }

    fn invoke(event: S3Event) -> LambdaEvent<S3Event> {
        LambdaEvent::new(event, Context::default())
    }

    #[tokio::test]
    async fn an_upload_event_is_judged_and_its_redelivery_is_a_no_op() {
        let (moderator, _, event) = given_the_sample_upload().await;
        let bucket = event.detail.bucket.name.clone();
        let reply = handle(&moderator, &bucket, invoke(event.clone()))
            .await
            .unwrap();
        assert_eq!((reply.outcome, reply.status), ("judged", Some("approved")));
        let again = handle(&moderator, &bucket, invoke(event)).await.unwrap();
        assert_eq!(again.outcome, "gone");
    }

    #[tokio::test]
    async fn keys_outside_uploads_are_ignored_and_failures_are_typed() {
        let (moderator, bucket, mut event) = given_the_sample_upload().await;
        let name = event.detail.bucket.name.clone();
        let mut elsewhere = event.clone();
        elsewhere.detail.object.key = "videos/x.mp4".into();
        let reply = handle(&moderator, &name, invoke(elsewhere)).await.unwrap();
        assert_eq!(reply.outcome, "ignored");

        bucket.fail.store(true, std::sync::atomic::Ordering::SeqCst);
        event.detail.object.etag = "stale".into();
        let err = handle(&moderator, &name, invoke(event)).await.unwrap_err();
        assert_eq!(err.error_type, "StorageUnavailable");
    }
}
