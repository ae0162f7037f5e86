//! The events the app publishes on its bus (source `rightnow`): the one
//! contract shared between functions, so it is kept here, in one place,
//! and is the only part of the domain with a wire shape (serde).
//!
//! EventBridge carries each event as a `detail-type` (the event's name,
//! what rules match on) and a `detail`: a JSON object with the event's
//! fields and a `version`. A consumer reads the version before the fields,
//! so a shape can change without a consumer misreading it: a change that
//! renames, removes or retypes a field is a new [`DETAIL_VERSION`], and the
//! golden snapshots in `src/snapshots/` make any change a visible diff.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::comment::CommentId;
use crate::page::Slug;
use crate::video::{VideoId, VideoStatus};

/// The `source` of every event the app publishes.
pub const SOURCE: &str = "rightnow";

/// The version of the detail shapes this code writes, in `detail.version`.
pub const DETAIL_VERSION: u32 = 1;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A visitor posted a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentPosted {
    /// The page it was posted on.
    #[serde(with = "as_text")]
    pub page: Slug,
    /// The comment's id.
    #[serde(with = "as_text")]
    pub comment_id: CommentId,
    /// Who signed it.
    pub author: String,
    /// When it was posted.
    #[serde(with = "time::serde::rfc3339")]
    pub posted_at: OffsetDateTime,
}

/// video-moderation decided on an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoModerated {
    /// The video.
    #[serde(with = "as_text")]
    pub video_id: VideoId,
    /// The verdict: `approved` or `rejected`.
    #[serde(with = "as_text")]
    pub status: VideoStatus,
    /// Why it was rejected (empty when approved).
    pub reasons: Vec<String>,
}

/// batch-report finished a day's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportReady {
    /// The day the report covers.
    #[serde(with = "iso_date")]
    pub date: Date,
    /// Its object key in the reports bucket.
    pub key: String,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
}

/// Any event the app publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    /// See [`CommentPosted`].
    CommentPosted(CommentPosted),
    /// See [`VideoModerated`].
    VideoModerated(VideoModerated),
    /// See [`ReportReady`].
    ReportReady(ReportReady),
}

/// A detail as it travels: the version beside the event's own fields.
#[derive(Serialize)]
struct Versioned<'a, T> {
    version: u32,
    #[serde(flatten)]
    fields: &'a T,
}

/// Why a detail could not be read as one of the app's events.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The `detail-type` names no event of the app.
    #[error("unknown detail-type {0:?}")]
    UnknownType(String),
    /// Written by a newer (or older) producer than this consumer knows.
    #[error("detail version {found} is not {DETAIL_VERSION}, the one this code reads")]
    UnsupportedVersion {
        /// The version the detail declares.
        found: u64,
    },
    /// Not the shape its type and version promise.
    #[error("malformed detail: {0}")]
    Malformed(#[from] serde_json::Error),
}

impl DomainEvent {
    /// EventBridge's `detail-type`: the name rules match on.
    pub fn detail_type(&self) -> &'static str {
        match self {
            DomainEvent::CommentPosted(_) => "CommentPosted",
            DomainEvent::VideoModerated(_) => "VideoModerated",
            DomainEvent::ReportReady(_) => "ReportReady",
        }
    }

    /// EventBridge's `detail`: the event's fields and `version`, as a JSON
    /// object.
    pub fn detail_json(&self) -> String {
        fn versioned<T: Serialize>(fields: &T) -> serde_json::Result<String> {
            serde_json::to_string(&Versioned {
                version: DETAIL_VERSION,
                fields,
            })
        }
        let json = match self {
            DomainEvent::CommentPosted(e) => versioned(e),
            DomainEvent::VideoModerated(e) => versioned(e),
            DomainEvent::ReportReady(e) => versioned(e),
        };
        json.expect("event details are plain data and always serialize")
    }

    /// Reads an event from its `detail-type` and `detail`, as a consumer
    /// receives them; the version is checked before the fields.
    pub fn from_detail(detail_type: &str, detail: &str) -> Result<Self, EventError> {
        #[derive(Deserialize)]
        struct Version {
            version: u64,
        }
        let Version { version } = serde_json::from_str(detail)?;
        if version != u64::from(DETAIL_VERSION) {
            return Err(EventError::UnsupportedVersion { found: version });
        }
        fn fields<T: DeserializeOwned>(detail: &str) -> Result<T, EventError> {
            Ok(serde_json::from_str(detail)?)
        }
        Ok(match detail_type {
            "CommentPosted" => DomainEvent::CommentPosted(fields(detail)?),
            "VideoModerated" => DomainEvent::VideoModerated(fields(detail)?),
            "ReportReady" => DomainEvent::ReportReady(fields(detail)?),
            other => return Err(EventError::UnknownType(other.to_owned())),
        })
    }
}

/// A domain value written as its text form (`Display`) and read back with
/// its parser (`FromStr`), so that its rules hold for what a consumer reads.
mod as_text {
    use super::*;

    pub fn serialize<T: Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: serde::Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};
    use ulid::Ulid;

    use super::*;

    fn examples() -> Vec<DomainEvent> {
        vec![
            DomainEvent::CommentPosted(CommentPosted {
                page: Slug::parse("home").unwrap(),
                comment_id: CommentId(Ulid::from_parts(1_795_000_000_000, 7)),
                author: "Ada".into(),
                posted_at: datetime!(2026-11-27 10:00 UTC),
            }),
            DomainEvent::VideoModerated(VideoModerated {
                video_id: VideoId(Ulid::from_parts(1_795_000_000_000, 9)),
                status: VideoStatus::Rejected,
                reasons: vec!["duration over 10 minutes".into()],
            }),
            DomainEvent::ReportReady(ReportReady {
                date: date!(2026 - 11 - 26),
                key: "reports/2026-11-26/report.json".into(),
                generated_at: datetime!(2026-11-27 00:05 UTC),
            }),
        ]
    }

    /// The golden shape of every detail: a change to a field of any event
    /// shows here, in review, as a changed snapshot.
    #[test]
    fn every_detail_keeps_its_golden_shape() {
        for event in examples() {
            let detail: serde_json::Value = serde_json::from_str(&event.detail_json()).unwrap();
            insta::assert_json_snapshot!(event.detail_type(), detail);
        }
    }

    #[test]
    fn details_read_back_as_the_event_they_were() {
        for event in examples() {
            let back = DomainEvent::from_detail(event.detail_type(), &event.detail_json());
            assert_eq!(back.unwrap(), event);
        }
    }

    #[test]
    fn a_consumer_refuses_other_versions_types_and_shapes() {
        let event = &examples()[0];
        let newer = event
            .detail_json()
            .replace("\"version\":1", "\"version\":2");
        assert!(matches!(
            DomainEvent::from_detail("CommentPosted", &newer),
            Err(EventError::UnsupportedVersion { found: 2 })
        ));
        let unversioned = r#"{"page":"home"}"#;
        assert!(matches!(
            DomainEvent::from_detail("CommentPosted", unversioned),
            Err(EventError::Malformed(_))
        ));
        assert!(matches!(
            DomainEvent::from_detail("CommentDeleted", &event.detail_json()),
            Err(EventError::UnknownType(_))
        ));
        let bad_slug = event.detail_json().replace("\"home\"", "\"Not A Slug\"");
        assert!(matches!(
            DomainEvent::from_detail("CommentPosted", &bad_slug),
            Err(EventError::Malformed(_))
        ));
    }
}
