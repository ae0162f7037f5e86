//! Video uploads: what a visitor declares, the record that tracks the video
//! through moderation, and where its bytes live in the media bucket.
//!
//! Life of a video: `POST /api/videos` records it as `awaiting_upload` and
//! hands out a presigned PUT bound to its key, type and size. The bytes land
//! under `uploads/`; video-moderation moves the record to `processing`, then
//! to `approved` (object under `videos/`) or `rejected` (under `quarantine/`).

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;
use ulid::Ulid;

use crate::ValidationError;
use crate::comment::trimmed_within;
use crate::container::Container;

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

impl VideoId {
    /// Where the client uploads the bytes (presigned PUT).
    pub fn upload_key(&self) -> String {
        format!("uploads/{self}")
    }
    /// Where an approved video of type `t` is served from.
    pub fn approved_key(&self, t: VideoType) -> String {
        format!("videos/{self}.{}", t.extension())
    }
    /// Where a rejected video is kept, out of reach of the site.
    pub fn quarantine_key(&self) -> String {
        format!("quarantine/{self}")
    }
    /// The video id an upload's key names, if it is `uploads/<id>`.
    pub fn from_upload_key(key: &str) -> Option<Self> {
        key.strip_prefix("uploads/")?.parse().ok()
    }
}

/// The video formats the site accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoType {
    /// MPEG-4 (`video/mp4`).
    Mp4,
    /// QuickTime (`video/quicktime`).
    QuickTime,
}

impl VideoType {
    /// Every accepted format.
    pub const ALLOWED: [VideoType; 2] = [VideoType::Mp4, VideoType::QuickTime];

    /// The format's media type, as declared and as sent on upload.
    pub fn mime(self) -> &'static str {
        match self {
            VideoType::Mp4 => "video/mp4",
            VideoType::QuickTime => "video/quicktime",
        }
    }

    /// The file name extension of its approved copy: `mp4`, `mov`.
    pub fn extension(self) -> &'static str {
        match self {
            VideoType::Mp4 => "mp4",
            VideoType::QuickTime => "mov",
        }
    }

    /// The format whose media type is exactly `raw`.
    pub fn from_mime(raw: &str) -> Option<Self> {
        Self::ALLOWED.into_iter().find(|t| t.mime() == raw)
    }
}

/// Where a video is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoStatus {
    /// Registered; its bytes have not arrived.
    AwaitingUpload,
    /// Uploaded; being inspected.
    Processing,
    /// Passed moderation; playable.
    Approved,
    /// Failed moderation; quarantined, with reasons.
    Rejected,
}

impl VideoStatus {
    /// Every status, in life order.
    pub const ALL: [VideoStatus; 4] = [
        VideoStatus::AwaitingUpload,
        VideoStatus::Processing,
        VideoStatus::Approved,
        VideoStatus::Rejected,
    ];

    /// The status's name: `awaiting_upload`, `processing`, `approved`,
    /// `rejected`. Each edge that shows a status uses this name.
    pub fn as_str(self) -> &'static str {
        match self {
            VideoStatus::AwaitingUpload => "awaiting_upload",
            VideoStatus::Processing => "processing",
            VideoStatus::Approved => "approved",
            VideoStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for VideoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status named `raw` (see [`VideoStatus::as_str`]).
impl FromStr for VideoStatus {
    type Err = ValidationError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| ValidationError::new("status", format!("no status {raw:?}")))
    }
}

/// A video as a visitor declares it, before its bytes are sent.
#[derive(Debug, Clone)]
pub struct NewVideo {
    /// Its title, shown on the site.
    pub title: String,
    /// The media type the upload will be sent with.
    pub content_type: String,
    /// The exact size of the upload, in bytes.
    pub size: u64,
}

/// A [`NewVideo`] that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVideo {
    /// The title, trimmed.
    pub title: String,
    /// An accepted format.
    pub content_type: VideoType,
    /// Within 1 byte and [`NewVideo::SIZE_MAX`].
    pub size: u64,
}

impl NewVideo {
    /// The longest title, in characters after trimming.
    pub const TITLE_MAX: usize = 120;
    /// 500 MiB.
    pub const SIZE_MAX: u64 = 500 * 1024 * 1024;

    /// Checks each field; the error names the first that breaks its rule.
    pub fn validate(self) -> Result<ValidVideo, ValidationError> {
        let title = trimmed_within("title", &self.title, Self::TITLE_MAX)?;
        let content_type = VideoType::from_mime(&self.content_type).ok_or_else(|| {
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

/// The record of a video, from registration to verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    /// Its id.
    pub id: VideoId,
    /// Its title (validated).
    pub title: String,
    /// The format it was declared as.
    pub content_type: VideoType,
    /// The size it was declared with, in bytes.
    pub size: u64,
    /// Where it is in its life.
    pub status: VideoStatus,
    /// Why a video was rejected (empty otherwise).
    pub reasons: Vec<ReasonNote>,
    /// What moderation found in the upload, once judged.
    pub found: Option<Found>,
    /// The ETag of the upload the status is about: the one being
    /// inspected (`processing`) or the one judged.
    pub upload_etag: Option<String>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

/// A rule an upload broke, as recorded and shown: a stable code (see
/// [`crate::moderation::Reason::code`]) and a message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonNote {
    /// `size_mismatch`, `too_long`, ...
    pub code: String,
    /// What was wrong, in a sentence.
    pub message: String,
}

/// What moderation found in an upload. Whatever could not be read (the
/// container of a file that is not a video) is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its real size, in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// What the file is.
    pub container: Option<Container>,
    /// Its duration, in milliseconds.
    pub duration_ms: Option<u64>,
    /// The codec of its (first) video track: `avc1`, `hvc1`, ...
    pub codec: Option<String>,
    /// That track's width, in pixels.
    pub width: Option<u32>,
    /// That track's height, in pixels.
    pub height: Option<u32>,
}

/// The verdict on one upload, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `approved` or `rejected`.
    pub status: VideoStatus,
    /// Why it was rejected (empty when approved).
    pub reasons: Vec<ReasonNote>,
    /// What was found in it.
    pub found: Found,
}

/// Where to PUT a registered video's bytes, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTicket {
    /// The new video's id.
    pub id: VideoId,
    /// A presigned PUT bound to the video's key, type and size.
    pub upload_url: String,
    /// When the URL stops working.
    pub expires_at: OffsetDateTime,
}

/// What a visitor may know of a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoView {
    /// Its id.
    pub id: VideoId,
    /// Its title.
    pub title: String,
    /// Where it is in its life.
    pub status: VideoStatus,
    /// Why it was rejected (empty otherwise).
    pub reasons: Vec<ReasonNote>,
    /// What moderation found in it, once judged.
    pub found: Option<Found>,
    /// A short-lived GET URL, only once the video is approved.
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
        assert_eq!(VideoId::from_upload_key(&id.upload_key()), Some(id));
        assert_eq!(VideoId::from_upload_key(&format!("videos/{text}")), None);
        assert_eq!(VideoId::from_upload_key("uploads/cat.mp4"), None);
        assert_eq!(
            id.approved_key(VideoType::QuickTime),
            format!("videos/{text}.mov")
        );
        assert!("not-an-id".parse::<VideoId>().is_err());
    }

    #[test]
    fn statuses_and_types_round_trip_through_their_names() {
        for s in VideoStatus::ALL {
            assert_eq!(s.as_str().parse::<VideoStatus>(), Ok(s));
        }
        assert!("Approved".parse::<VideoStatus>().is_err());
        for t in VideoType::ALLOWED {
            assert_eq!(VideoType::from_mime(t.mime()), Some(t));
        }
    }
}
