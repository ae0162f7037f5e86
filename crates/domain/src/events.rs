//! Domain events, published on the app's event bus (source `rightnow`).
//! The template's rules match on the detail types named here.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::comment::CommentId;
use crate::page::Slug;
use crate::report::ReportPointer;
use crate::video::{VideoId, VideoStatus};

/// The `source` of every event the app publishes.
pub const SOURCE: &str = "rightnow";

/// A visitor posted a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentPosted {
    pub page: Slug,
    pub comment_id: CommentId,
    pub author: String,
    #[serde(with = "time::serde::rfc3339")]
    pub posted_at: OffsetDateTime,
}

/// video-moderation decided on an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoModerated {
    pub video_id: VideoId,
    pub status: VideoStatus,
    pub reasons: Vec<String>,
}

/// batch-report finished a day's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportReady {
    #[serde(flatten)]
    pub report: ReportPointer,
}

/// Any event the app publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    CommentPosted(CommentPosted),
    VideoModerated(VideoModerated),
    ReportReady(ReportReady),
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

    /// EventBridge's `detail`: the event's fields as a JSON object.
    pub fn detail_json(&self) -> String {
        let json = match self {
            DomainEvent::CommentPosted(e) => serde_json::to_string(e),
            DomainEvent::VideoModerated(e) => serde_json::to_string(e),
            DomainEvent::ReportReady(e) => serde_json::to_string(e),
        };
        json.expect("event details are plain data and always serialize")
    }
}
