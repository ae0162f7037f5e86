//! video-moderation's service: one upload inspected, judged, recorded and
//! moved, with exactly one effect however often its event is delivered.
//!
//! At-least-once delivery is met by the record, not by memory (a function
//! keeps nothing between invocations):
//! - a conditional claim takes the record into `processing` with a lease,
//!   so of two deliveries one works and the other fails (and is retried
//!   later), and a worker that crashed is taken over once its lease ends;
//! - the verdict is recorded before the object moves, so a redelivery after
//!   a crash in between finds the verdict and only finishes the move;
//! - a redelivery after the move finds no upload: a logged no-op;
//! - every move is conditional on the ETag that was inspected, so bytes
//!   that were not judged are never moved under a verdict.

mod outcome;
#[cfg(test)]
mod tests;

pub use outcome::{ModerationError, Outcome, Upload};

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::container::{self, IndexLimits};
use crate::events::{DomainEvent, VideoModerated};
use crate::moderation::{Facts, Policy, Reason};
use crate::ports::{
    Claim, EventPublisher, HashBlocklist, Moved, ObjectDigests, ObjectRanges, PortError,
    StoredObjects, VideoStore,
};
use crate::video::{Found, Verdict, Video, VideoId, VideoStatus};

/// What moderation needs to know besides the ports.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What an upload must be.
    pub policy: Policy,
    /// What reading a container may cost.
    pub limits: IndexLimits,
    /// How long a claim holds a video: longer than one invocation can run.
    pub lease: Duration,
}

/// The ports moderation works through.
pub struct ModerationPorts {
    /// The video records.
    pub videos: Arc<dyn VideoStore>,
    /// Known-bad digests.
    pub blocklist: Arc<dyn HashBlocklist>,
    /// The media bucket, read by range.
    pub ranges: Arc<dyn ObjectRanges>,
    /// The media bucket, looked up and moved.
    pub objects: Arc<dyn StoredObjects>,
    /// The media bucket, hashed.
    pub digests: Arc<dyn ObjectDigests>,
    /// The app's bus.
    pub bus: Arc<dyn EventPublisher>,
    /// The time, for leases.
    pub clock: Arc<dyn Clock>,
}

/// Inspects, judges, records and moves uploads.
pub struct Moderator {
    ports: ModerationPorts,
    settings: Settings,
}

impl Moderator {
    /// A moderator working through `ports` under `settings`.
    pub fn new(ports: ModerationPorts, settings: Settings) -> Self {
        Self { ports, settings }
    }

    /// Moderates the upload an event announced.
    pub async fn moderate(&self, upload: &Upload) -> Result<Outcome, ModerationError> {
        let p = &self.ports;
        let etag = unquoted(&upload.etag);
        let Some(current) = p.objects.version(&upload.key).await? else {
            return Ok(Outcome::Gone);
        };
        if unquoted(&current.etag) != etag {
            return Ok(Outcome::Superseded);
        }
        if current.size != upload.size {
            // The same bytes cannot have two sizes: trust the object, say so.
            tracing::warn!(
                key = %upload.key,
                event = upload.size,
                object = current.size,
                "the event's size is not the object's; judging the object's"
            );
        }
        let Some(id) = VideoId::from_upload_key(&upload.key) else {
            return self.orphan(&upload.key, etag).await;
        };
        let now = p.clock.now();
        let claim = p
            .videos
            .claim(id, etag, now, now + self.settings.lease)
            .await?;
        let video = match claim {
            Claim::Claimed(video) => video,
            Claim::Held(_) => return Err(ModerationError::Busy(id)),
            Claim::Missing => return self.orphan(&upload.key, etag).await,
            Claim::Settled(video) if video.upload_etag.as_deref() == Some(etag) => {
                // The verdict is recorded and the upload is still here: an
                // earlier delivery stopped before its move.
                let to = destination(&video);
                self.publish(&video, video.status).await?;
                p.objects.move_version(&upload.key, etag, &to).await?;
                return Ok(Outcome::Completed { id, moved_to: to });
            }
            Claim::Settled(_) => {
                let to = format!("{}-reupload-{etag}", id.quarantine_key());
                return Ok(
                    match p.objects.move_version(&upload.key, etag, &to).await? {
                        Moved::Moved => Outcome::Reupload { id, moved_to: to },
                        Moved::NotThatVersion => Outcome::Superseded,
                    },
                );
            }
        };
        self.judge(video, &upload.key, etag, current.size).await
    }

    async fn judge(
        &self,
        video: Video,
        key: &str,
        etag: &str,
        size: u64,
    ) -> Result<Outcome, ModerationError> {
        let p = &self.ports;
        let policy = &self.settings.policy;
        let inspected =
            container::inspect(p.ranges.as_ref(), key, size, self.settings.limits).await;
        let Some((sha256, _)) = p.digests.sha256(key, etag).await? else {
            // Replaced (or deleted) while it was inspected: the newer
            // upload's event finds this claim's lease and waits it out.
            return Ok(Outcome::Superseded);
        };
        let mut found = Found {
            size,
            sha256,
            container: None,
            duration_ms: None,
            codec: None,
            width: None,
            height: None,
        };
        let mut reasons = match inspected {
            Ok(i) => {
                let facts = Facts {
                    container: i.container,
                    size,
                    video_tracks: i.tracks.video,
                    duration_ms: i.tracks.duration_ms,
                };
                found.container = Some(facts.container);
                found.duration_ms = Some(facts.duration_ms);
                if let Some(t) = facts.video_tracks.first() {
                    found.codec = Some(t.codec.clone());
                    found.width = Some(t.width);
                    found.height = Some(t.height);
                }
                policy.judge(&video, &facts)
            }
            Err(e) => match Reason::from_index_error(&e) {
                Some(why) => policy.judge_unreadable(&video, size, why),
                None => return Err(PortError::new(e).into()),
            },
        };
        if p.blocklist.is_blocked(&found.sha256).await? {
            reasons.insert(0, Reason::KnownBad);
        }
        let status = if reasons.is_empty() {
            VideoStatus::Approved
        } else {
            VideoStatus::Rejected
        };
        let verdict = Verdict {
            status,
            reasons: reasons.iter().map(Reason::note).collect(),
            found,
        };
        if !p
            .videos
            .settle(video.id, etag, &verdict, p.clock.now())
            .await?
        {
            return Ok(Outcome::LeaseLost { id: video.id });
        }
        let settled = Video {
            status,
            reasons: verdict.reasons,
            ..video
        };
        // Published before the move: a crash after it is finished by the
        // redelivery (see `Claim::Settled`), so the event is never lost.
        self.publish(&settled, status).await?;
        let to = destination(&settled);
        let moved = p.objects.move_version(key, etag, &to).await?;
        Ok(Outcome::Judged {
            id: settled.id,
            status,
            reasons: settled.reasons.into_iter().map(|r| r.code).collect(),
            moved_to: (moved == Moved::Moved).then_some(to),
        })
    }

    /// Quarantines an object that belongs to no video.
    async fn orphan(&self, key: &str, etag: &str) -> Result<Outcome, ModerationError> {
        let name = key.strip_prefix("uploads/").unwrap_or(key);
        let to = format!("quarantine/orphans/{name}");
        Ok(
            match self.ports.objects.move_version(key, etag, &to).await? {
                Moved::Moved => Outcome::Orphan { moved_to: to },
                Moved::NotThatVersion => Outcome::Superseded,
            },
        )
    }

    async fn publish(&self, video: &Video, status: VideoStatus) -> Result<(), PortError> {
        let event = DomainEvent::VideoModerated(VideoModerated {
            video_id: video.id,
            status,
            reasons: video.reasons.iter().map(|r| r.code.clone()).collect(),
        });
        self.ports.bus.publish(&[event]).await
    }
}

/// Where a judged video's object goes: served when approved, quarantined
/// when rejected.
fn destination(video: &Video) -> String {
    match video.status {
        VideoStatus::Approved => video.id.approved_key(video.content_type),
        _ => video.id.quarantine_key(),
    }
}

/// An ETag without the quotes S3 puts around it in headers (events leave
/// them out).
fn unquoted(etag: &str) -> &str {
    etag.trim_matches('"')
}
