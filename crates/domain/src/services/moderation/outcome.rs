//! What moderation takes (an upload, as its event tells it) and what it
//! gives back: an outcome, or an error that fails the invocation.

use crate::ports::PortError;
use crate::video::{VideoId, VideoStatus};

/// An object that arrived under `uploads/`, as the storage event tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Its key.
    pub key: String,
    /// Its size, in bytes, as the event says.
    pub size: u64,
    /// Its ETag, as the event says (with or without quotes).
    pub etag: String,
}

/// What moderating one upload did. Every outcome but [`Outcome::Judged`]
/// is the answer to a redelivery, a race or a stray object, and is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The upload was judged, recorded and moved.
    Judged {
        /// The video.
        id: VideoId,
        /// `approved` or `rejected`.
        status: VideoStatus,
        /// The reasons' codes (empty when approved).
        reasons: Vec<String>,
        /// Where the object went; `None` if it was replaced after it was
        /// judged (the newer upload has its own event).
        moved_to: Option<String>,
    },
    /// A verdict recorded by an earlier delivery whose move did not
    /// happen (it crashed): the move is done now.
    Completed {
        /// The video.
        id: VideoId,
        /// Where the object went.
        moved_to: String,
    },
    /// No object at the key any more: a redelivery after the move.
    Gone,
    /// The object at the key is a newer upload than the event's: the
    /// newer one has its own event.
    Superseded,
    /// The key names no video, or no record: quarantined.
    Orphan {
        /// Where it went.
        moved_to: String,
    },
    /// A second upload to a video that has its verdict (a reused upload
    /// URL): quarantined, the verdict left as it is.
    Reupload {
        /// The video.
        id: VideoId,
        /// Where the new object went.
        moved_to: String,
    },
    /// Another worker took the video over (this one's lease had expired).
    LeaseLost {
        /// The video.
        id: VideoId,
    },
}

/// Why an upload could not be moderated now. The invocation fails, and the
/// event is delivered again.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// A backing service failed.
    #[error(transparent)]
    Port(#[from] PortError),
    /// Another worker holds the video's lease.
    #[error("video {0} is being moderated by another invocation")]
    Busy(VideoId),
}
