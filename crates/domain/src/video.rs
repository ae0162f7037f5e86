//! Video uploads: what a visitor declares, the record that tracks the video
//! through moderation, and where its bytes live in the media bucket.
//!
//! Life of a video: `POST /api/videos` records it as `awaiting_upload` and
//! hands out a presigned PUT bound to its key, type and size. The bytes land
//! under `uploads/`; video-moderation moves the record to `processing`, then
//! to `approved` (object under `videos/`) or `rejected` (under `quarantine/`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ulid::Ulid;

use crate::ValidationError;
use crate::comment::trimmed_within;

/// A video's id: a ULID in lower case, safe in a URL and an object key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoId(pub Ulid);

impl fmt::Display for VideoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_string().to_ascii_lowercase())
    }
}

impl FromStr for VideoId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(&s.to_ascii_uppercase()).map(Self)
    }
}

impl Serialize for VideoId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VideoId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl VideoId {
    /// Where the client uploads the bytes (presigned PUT).
    pub fn upload_key(&self) -> String {
        format!("uploads/{self}")
    }
    /// Where an approved video is served from.
    pub fn approved_key(&self) -> String {
        format!("videos/{self}")
    }
    /// Where a rejected video is kept, out of reach of the site.
    pub fn quarantine_key(&self) -> String {
        format!("quarantine/{self}")
    }
}

/// The video formats the site accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VideoType {
    #[serde(rename = "video/mp4")]
    Mp4,
    #[serde(rename = "video/quicktime")]
    QuickTime,
}

impl VideoType {
    pub const ALLOWED: [VideoType; 2] = [VideoType::Mp4, VideoType::QuickTime];

    pub fn mime(self) -> &'static str {
        match self {
            VideoType::Mp4 => "video/mp4",
            VideoType::QuickTime => "video/quicktime",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALLOWED.into_iter().find(|t| t.mime() == raw)
    }
}

/// Where a video is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoStatus {
    AwaitingUpload,
    Processing,
    Approved,
    Rejected,
}

impl VideoStatus {
    /// The status as it appears in JSON and in the table's status index.
    pub fn as_str(self) -> &'static str {
        match self {
            VideoStatus::AwaitingUpload => "awaiting_upload",
            VideoStatus::Processing => "processing",
            VideoStatus::Approved => "approved",
            VideoStatus::Rejected => "rejected",
        }
    }
}

/// The body of `POST /api/videos`, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewVideo {
    pub title: String,
    pub content_type: String,
    pub size: u64,
}

/// A [`NewVideo`] that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVideo {
    pub title: String,
    pub content_type: VideoType,
    pub size: u64,
}

impl NewVideo {
    pub const TITLE_MAX: usize = 120;
    /// 500 MiB.
    pub const SIZE_MAX: u64 = 500 * 1024 * 1024;

    pub fn validate(self) -> Result<ValidVideo, ValidationError> {
        let title = trimmed_within("title", &self.title, Self::TITLE_MAX)?;
        let content_type = VideoType::parse(&self.content_type).ok_or_else(|| {
            ValidationError::new("contentType", "must be video/mp4 or video/quicktime")
        })?;
        if !(1..=Self::SIZE_MAX).contains(&self.size) {
            return Err(ValidationError::new(
                "size",
                "must be from 1 byte to 500 MiB (524288000 bytes)",
            ));
        }
        Ok(ValidVideo {
            title,
            content_type,
            size: self.size,
        })
    }
}

/// The stored record of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Video {
    pub id: VideoId,
    pub title: String,
    pub content_type: VideoType,
    pub size: u64,
    pub status: VideoStatus,
    /// Why a video was rejected (empty otherwise).
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What `POST /api/videos` returns: where to PUT the bytes, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicket {
    pub id: VideoId,
    pub upload_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// What `GET /api/videos/{id}` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoView {
    pub id: VideoId,
    pub title: String,
    pub status: VideoStatus,
    pub reasons: Vec<String>,
    /// A short-lived GET URL, only once the video is approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playback_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(title: &str, ct: &str, size: u64) -> NewVideo {
        NewVideo {
            title: title.into(),
            content_type: ct.into(),
            size,
        }
    }

    #[test]
    fn accepts_allowed_types_and_size_bounds() {
        assert!(new("Cat", "video/mp4", 1).validate().is_ok());
        let v = new(" Cat ", "video/quicktime", NewVideo::SIZE_MAX)
            .validate()
            .unwrap();
        assert_eq!(
            (v.title.as_str(), v.content_type),
            ("Cat", VideoType::QuickTime)
        );
    }

    #[test]
    fn rejects_each_bad_field_by_name() {
        let field = |v: NewVideo| v.validate().unwrap_err().field;
        assert_eq!(field(new("", "video/mp4", 10)), "title");
        assert_eq!(field(new(&"t".repeat(121), "video/mp4", 10)), "title");
        assert_eq!(field(new("Cat", "image/png", 10)), "contentType");
        assert_eq!(field(new("Cat", "VIDEO/MP4", 10)), "contentType");
        assert_eq!(field(new("Cat", "video/mp4", 0)), "size");
        assert_eq!(
            field(new("Cat", "video/mp4", NewVideo::SIZE_MAX + 1)),
            "size"
        );
    }

    #[test]
    fn ids_are_lowercase_and_parse_back() {
        let id = VideoId(Ulid::new());
        let text = id.to_string();
        assert_eq!(text, text.to_ascii_lowercase());
        assert_eq!(text.parse::<VideoId>().unwrap(), id);
        assert_eq!(id.upload_key(), format!("uploads/{text}"));
        assert!("not-an-id".parse::<VideoId>().is_err());
    }
}
