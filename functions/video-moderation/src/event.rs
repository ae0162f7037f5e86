//! The event S3 sends to EventBridge for a new object (`detail-type`
//! `Object Created`, source `aws.s3`), and the function's answer.
//!
//! aws_lambda_events types the envelope (`EventBridgeEvent<T>`) but not
//! S3's detail, so the detail is ours: only the fields moderation reads.
//! The key arrives as stored (not URL-encoded, unlike S3's own
//! notifications); the size and ETag are those of the object as created,
//! and are checked again against the object before anything is believed.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use rightnow_domain::services::moderation::Outcome;
use serde::{Deserialize, Serialize};

/// The event the rule delivers.
pub type S3Event = EventBridgeEvent<ObjectCreated>;

/// The `detail` of an `Object Created` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCreated {
    /// The bucket.
    pub bucket: BucketName,
    /// The object.
    pub object: CreatedObject,
    /// What created it: `PutObject`, `CopyObject`,
    /// `CompleteMultipartUpload`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `detail.bucket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketName {
    /// The bucket's name.
    pub name: String,
}

/// `detail.object`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedObject {
    /// Its key, not URL-encoded.
    pub key: String,
    /// Its size, in bytes.
    pub size: u64,
    /// Its ETag, without quotes.
    pub etag: String,
}

/// What the function answers (logged by Lambda for an asynchronous
/// invoke; shown by `cargo lambda invoke`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    /// `judged`, `completed`, `gone`, `superseded`, `orphan`, `reupload`,
    /// `lease_lost` or `ignored`.
    pub outcome: &'static str,
    /// The video, when the object belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_id: Option<String>,
    /// The verdict, when one was made now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// The reasons' codes, when rejected now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Where the object went, if it moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
}

impl Reply {
    /// For an event that is not about an upload.
    pub fn ignored() -> Self {
        Self::bare("ignored")
    }

    fn bare(outcome: &'static str) -> Self {
        Self {
            outcome,
            video_id: None,
            status: None,
            reasons: Vec::new(),
            moved_to: None,
        }
    }
}

impl From<Outcome> for Reply {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Judged {
                id,
                status,
                reasons,
                moved_to,
            } => Self {
                video_id: Some(id.to_string()),
                status: Some(status.as_str()),
                reasons,
                moved_to,
                ..Self::bare("judged")
            },
            Outcome::Completed { id, moved_to } => Self {
                video_id: Some(id.to_string()),
                moved_to: Some(moved_to),
                ..Self::bare("completed")
            },
            Outcome::Gone => Self::bare("gone"),
            Outcome::Superseded => Self::bare("superseded"),
            Outcome::Orphan { moved_to } => Self {
                moved_to: Some(moved_to),
                ..Self::bare("orphan")
            },
            Outcome::Reupload { id, moved_to } => Self {
                video_id: Some(id.to_string()),
                moved_to: Some(moved_to),
                ..Self::bare("reupload")
            },
            Outcome::LeaseLost { id } => Self {
                video_id: Some(id.to_string()),
                ..Self::bare("lease_lost")
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sample in events/video-moderation/ is an event this function
    /// reads (each as AWS documents S3's EventBridge events).
    #[test]
    fn the_sample_events_parse() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/video-moderation");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let event: S3Event =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                (event.source.as_str(), event.detail_type.as_str()),
                ("aws.s3", "Object Created")
            );
            seen += 1;
        }
        assert!(seen >= 3, "{seen} samples");
    }
}
